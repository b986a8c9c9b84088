// Shared zod building blocks for the stack config: strict objects that name their allowed keys,
// Azure resource ids, ISO-8601 durations.
import { z } from "zod";
import { isoDurationMs } from "../detections/kql";
import { nameProblem, type NameKind } from "../azure/names";
import { closestRegions, isAzureRegion } from "../azure/regions";

/** A strict object whose unknown-key error lists the allowed keys. */
export function obj<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? `expected one of: ${allowed}` : undefined),
  });
}

/**
 * A string where YAML may have read a number (or true/false): `resourceGroupName: 12345` reaches
 * the program as 12345. Accepted as its text; quote a value to keep leading zeros or exponents.
 */
export function text() {
  return z.preprocess((v) => (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean" ? String(v) : v, z.string());
}

/** A refinement reporting a name Azure would refuse for this kind (azure/names.ts). */
export function nameRefinement(kind: NameKind) {
  return (s: string, ctx: z.RefinementCtx) => {
    const problem = nameProblem(kind, s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  };
}

/** A string Azure accepts as a name of this kind, numbers read by YAML included. */
export const azureName = (kind: NameKind) => text().pipe(z.string().superRefine(nameRefinement(kind)));

/** An Azure region name from the offline list (azure/regions.ts), with the closest names when it is not one. */
export const region = text().pipe(z.string().superRefine((s, ctx) => {
  if (isAzureRegion(s)) return;
  const near = closestRegions(s);
  ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} is not an Azure region — ${near.length ? `did you mean ${near.join(", ")}? ` : ""}expected a region's programmatic name such as westeurope or eastus2 (azure/regions.ts lists them)` });
}));

/** A string enum whose error names the allowed values. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values);
}

export const isoDuration = z.string().refine(
  (s) => {
    try {
      isoDurationMs(s);
      return true;
    } catch {
      return false;
    }
  },
  { error: (iss) => `${JSON.stringify(iss.input)} is not an ISO-8601 duration — expected e.g. PT5M, PT1H, P1D` },
);

// /subscriptions/<guid>/resourceGroups/<name>/providers/<namespace>/<type>/<name>[/<type>/<name>...]
// A name segment holds no '?', '#' or white space: an id copied from a URL with ?api-version=...
// would reach Azure as a different, non-existent resource.
const NAME = "[^/?#\\s]+";
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const RESOURCE_ID = new RegExp(
  `^/subscriptions/${GUID}/resourceGroups/[-\\w._()]+/providers/[A-Za-z0-9.]+/[A-Za-z0-9]+/${NAME}(/[A-Za-z0-9]+/${NAME})*$`,
  "i",
);

export function parseResourceId(id: string): { subscriptionId: string; resourceGroup: string; type: string; name: string } | undefined {
  if (!RESOURCE_ID.test(id)) return undefined;
  const parts = id.split("/");
  // ["", "subscriptions", sub, "resourceGroups", rg, "providers", ns, type, name, (type, name)*]
  const types = [parts[6] + "/" + parts[7]];
  for (let i = 9; i < parts.length; i += 2) types.push(parts[i]);
  return { subscriptionId: parts[2], resourceGroup: parts[4], type: types.join("/"), name: parts[parts.length - 1] };
}

/**
 * An Azure resource id, optionally of one resource type (compared case-insensitively, as ARM does).
 * The error says what was expected, e.g. "expected a Microsoft.KeyVault/vaults resource id".
 */
export function resourceId(type?: string) {
  const example = `/subscriptions/<subscription-guid>/resourceGroups/<group>/providers/${type ?? "<namespace>/<type>"}/<name>`;
  return z.string().superRefine((s, ctx) => {
    const parsed = parseResourceId(s);
    if (/[?#]/.test(s)) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} has a query string or fragment (${s.slice(s.search(/[?#]/))}) — give the resource id alone, e.g. ${example}` });
    } else if (!parsed) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} is not an Azure resource id — expected ${example}` });
    } else if (type && parsed.type.toLowerCase() !== type.toLowerCase()) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} is a ${parsed.type} — expected a ${type} resource id (${example})` });
    }
  });
}

export const GUID_PATTERN = new RegExp(`^${GUID}$`);
