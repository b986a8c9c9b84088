// The stack configuration: one typed, validated object. Every key is declared here (and in
// Pulumi.yaml with its default); every problem is reported with its key path before any
// resource is declared.
import { z } from "zod";
import { DETECTIONS, detectionByKey, detectionsForTechnique } from "../detections";
import { GLOBAL_ALLOWLISTS, TACTICS } from "../detections/model";
import { scheduleProblems } from "../azure/limits";
import { ConfigError, formatIssue, keyPath, REDACTED } from "./errors";
import { azureName, isoDuration, nameRefinement, obj, oneOf, region, resourceId, text } from "./schema";
import { MAX_TAGS_PER_RESOURCE } from "../azure/names";
import { defaultResourceGroupName, defaultWorkspaceName } from "./names";
import { namespaceProblems } from "./namespace";
import { telemetryConfig, telemetrySchema, type RawTelemetryConfig, type TelemetryConfig } from "./telemetry";
import { normaliseRouting, routingConfigShape, type RoutingConfig } from "./routing";
import { credentialPaths, mayHoldCredential } from "./credentials";
import { pricingSchema, type PricingOverrides } from "./pricing";
import { DEFAULT_ACTIVITY_LOG_ALERT_SUBSCRIPTION_LIMIT, estateConfig, estateShape, estateTargetProblems, type Estate } from "./estate";

export { ConfigError } from "./errors";

const severity = z.number().int().min(0).max(4);

const detectionOverride = obj({
  /** false removes the detection from this stack. */
  enabled: z.boolean().optional(),
  severity: severity.optional(),
  evaluationFrequency: isoDuration.optional(),
  windowSize: isoDuration.optional(),
  overrideQueryTimeRange: isoDuration.optional(),
  /** Replaces the trigger threshold of a log search alert. */
  threshold: z.number().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** Force a form; by default activity-log alerts are used where the detection allows. */
  alertKind: oneOf(["scheduledQuery", "activityLog"]).optional(),
  /** Values for the detection's parameters (allowlists, thresholds, ...). */
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type DetectionOverride = z.infer<typeof detectionOverride>;

/**
 * Why a new workspace cannot take these tiers (MicrosoftDocs/azure-monitor-docs
 * articles/azure-monitor/logs/cost-logs.md @0488e07b, "Legacy pricing tiers", "Commitment tiers").
 */
const WORKSPACE_SKU_REFUSED: Record<string, string> = {
  Standalone: "Standalone is a legacy tier, open only to subscriptions that had a Log Analytics workspace on April 2, 2018 (or an Enterprise Agreement from before February 1, 2019).",
  PerNode: "PerNode is a legacy tier, open only to subscriptions that had a Log Analytics workspace on April 2, 2018 (or an Enterprise Agreement from before February 1, 2019).",
  Free: "The Free Trial tier takes no new workspaces since July 1, 2022.",
  CapacityReservation: "CapacityReservation (a commitment tier) needs a capacityReservationLevel of at least 100 GB/day and binds the workspace for 31 days; the stack does not set it.",
};

const workspace = obj({
  /** Use this existing workspace (referenced, never modified or deleted by the stack). */
  existingId: resourceId("Microsoft.OperationalInsights/workspaces").optional(),
  /** Name of the workspace the stack creates (default azdetect-<stack>). */
  name: azureName("workspace").optional(),
  sku: z.string().superRefine((sku, ctx) => {
    if (sku === "PerGB2018") return;
    ctx.addIssue({ code: "custom", message: `${JSON.stringify(sku)} is not allowed — expected PerGB2018. ${WORKSPACE_SKU_REFUSED[sku] ?? "Other pricing tiers are legacy or need settings this stack does not manage."} To use another tier, create the workspace yourself and set workspace.existingId` });
  }).optional(),
  retentionInDays: z.number().int().min(30).max(730).optional(),
  /** Keep the created workspace (and the evidence in it) when the stack is destroyed. */
  retainOnDelete: z.boolean().optional(),
}).superRefine((w, ctx) => {
  if (w.existingId && (w.name || w.sku || w.retentionInDays !== undefined || w.retainOnDelete !== undefined)) {
    ctx.addIssue({ code: "custom", message: "existingId references a workspace the stack does not manage — remove name, sku, retentionInDays and retainOnDelete, or remove existingId to create one" });
  }
});

/**
 * An allowlist: entries compared case-insensitively (`!in~`), so an entry that is only white space
 * (it matches no caller, yet a non-empty list turns a free activity-log alert into a paid log
 * search rule) or a repeat of another is a mistake.
 */
const stringList = z.array(text().pipe(z.string().min(1))).superRefine((xs, ctx) => {
  const seen = new Map<string, number>();
  xs.forEach((x, i) => {
    if (x.length && !x.trim()) ctx.addIssue({ code: "custom", path: [i], message: `${JSON.stringify(x)} is only white space — remove it` });
    const k = x.toLowerCase();
    if (seen.has(k)) ctx.addIssue({ code: "custom", path: [i], message: `${JSON.stringify(x)} repeats entry ${seen.get(k)} (entries are compared ignoring case) — remove it` });
    else seen.set(k, i);
  });
});
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The org-wide allowlists as detections see them offline. Activity Log callers that are GUIDs are
 * object ids (service principals, managed identities), so they join objectIds; UPNs join it at
 * deploy time (deferredAllowlists in planning/resolve.ts).
 */
function effectiveAllowlists(given: Partial<Record<(typeof GLOBAL_ALLOWLISTS)[number], string[]>> | undefined): Record<(typeof GLOBAL_ALLOWLISTS)[number], string[]> {
  const lists = Object.fromEntries(GLOBAL_ALLOWLISTS.map((k) => [k, given?.[k] ?? []])) as Record<(typeof GLOBAL_ALLOWLISTS)[number], string[]>;
  lists.objectIds = [...new Set([...lists.objectIds, ...lists.callers.filter((c) => GUID.test(c))].map((id) => id.toLowerCase()))];
  return lists;
}

/** Tags the stack puts on its rules on top of config's (components/names.ts detectionTags); tag names are case-insensitive. */
export const STACK_TAGS = ["azdetect-stack", "azdetect-detection", "azdetect-technique", "azdetect-tactic"];
const MAX_USER_TAGS = MAX_TAGS_PER_RESOURCE - STACK_TAGS.length;

export const stackConfigSchema = obj({
  /** Azure region of the resource group, workspace and rules, e.g. westeurope. */
  location: region,
  /** Resource group holding everything the stack creates. */
  resourceGroupName: azureName("resourceGroup").optional(),
  /** Create (and own) the resource group; false = it must already exist and is only referenced. */
  createResourceGroup: z.boolean().optional(),
  workspace: workspace.optional(),
  /** ATRM tactics to deploy: "all" or a list. */
  tactics: z.preprocess(
    (v) => (v === "all" ? [...TACTICS] : v),
    z.array(oneOf(TACTICS), { error: (iss) => (iss.code === "invalid_type" ? `expected "all" or a list of tactics, got ${JSON.stringify(iss.input)}` : undefined) })
      .min(1, "select at least one tactic, or \"all\""),
  ).optional(),
  /** Deploy plain operation matches as free activity-log alerts where the detection allows. */
  preferActivityLogAlerts: z.boolean().optional(),
  /** Ask Azure not to validate queries at creation (for tables that have no data yet). */
  skipQueryValidation: z.boolean().optional(),
  /** Org-wide allowlists that detections' list parameters draw from. */
  allowlists: obj({
    ...(Object.fromEntries(GLOBAL_ALLOWLISTS.map((k) => [k, stringList.optional()])) as Record<(typeof GLOBAL_ALLOWLISTS)[number], z.ZodOptional<typeof stringList>>),
    /** Entra object ids (GUIDs) of users and service principals. */
    objectIds: z.array(z.string().regex(GUID, "expected an Entra object id (a GUID such as 9f4c1d2e-0b3a-4c5d-8e7f-112233445566)")).optional(),
    /** Service principal display names, resolved to app ids at deploy time and added to appIds. */
    servicePrincipalNames: stringList.optional(),
  }).optional(),
  /** Per-detection settings, keyed by detection key (azt301-1-runcommand) or technique id (AZT301.1, AZT301). */
  overrides: z.record(z.string(), detectionOverride).optional(),
  /** Tags on every resource the stack creates. */
  tags: z.record(z.string(), azureName("tagValue")).superRefine((t, ctx) => {
    const n = Object.keys(t).length;
    for (const k of Object.keys(t)) nameRefinement("tagName")(k, { addIssue: (i: { message: string }) => ctx.addIssue({ code: "custom", path: [k], message: i.message }) } as unknown as z.RefinementCtx);
    if (n > MAX_USER_TAGS) ctx.addIssue({ code: "custom", message: `${n} tags — Azure allows ${MAX_TAGS_PER_RESOURCE} per resource and the stack adds ${STACK_TAGS.length} of its own to each rule (${STACK_TAGS.join(", ")}): at most ${MAX_USER_TAGS}` });
    for (const k of Object.keys(t)) if (STACK_TAGS.includes(k.toLowerCase())) ctx.addIssue({ code: "custom", path: [k], message: `is a tag the stack sets itself — choose another name` });
  }).optional(),
  /** Telemetry the detections read, deployed in the same graph (config/telemetry.ts). */
  telemetry: telemetrySchema.optional(),
  /** Alert routing: actionGroups, routes, allowUnroutedAlerts, maintenanceWindows (config/routing.ts). */
  ...routingConfigShape,
  /** Overrides of the cost estimate's price table (config/pricing.ts). */
  pricing: pricingSchema.optional(),
  /** The subscriptions watched: subscriptions, managementGroup, activityLogAlertSubscriptionLimit (config/estate.ts). */
  ...estateShape,
});

export type RawStackConfig = z.infer<typeof stackConfigSchema>;

/** Every config field that holds a credential (the credentialUrl fields of the schema). */
export const CREDENTIAL_FIELDS = credentialPaths(stackConfigSchema);

export interface StackConfig {
  stack: string;
  location: string;
  resourceGroupName: string;
  createResourceGroup: boolean;
  workspace:
    | { mode: "existing"; id: string }
    | { mode: "create"; name: string; sku: string; retentionInDays: number; retainOnDelete: boolean };
  tactics: (typeof TACTICS)[number][];
  preferActivityLogAlerts: boolean;
  /** Set: every rule's skipQueryValidation. Unset: decided per rule (planning/validation.ts). */
  skipQueryValidation?: boolean;
  allowlists: Record<(typeof GLOBAL_ALLOWLISTS)[number], string[]>;
  overrides: Record<string, DetectionOverride>;
  tags: Record<string, string>;
  telemetry: TelemetryConfig;
  /** From allowlists.servicePrincipalNames: display names whose app ids join the appIds allowlist at deploy time. */
  servicePrincipalNames: string[];
  routing: RoutingConfig;
  /** Price table overrides for the cost estimate (empty: pricing/azure-monitor.json as is). */
  pricing: PricingOverrides;
  /** The subscriptions watched (default: the one the stack deploys to). */
  estate: Estate;
  /** Up to this many listed subscriptions, activity-log alerts are deployed per subscription. */
  activityLogAlertSubscriptionLimit: number;
}

/**
 * Validate raw config values (objects already parsed from JSON) and apply defaults. Throws a
 * ConfigError listing every problem, after `earlier` ones found by the caller (plain-text credentials).
 */
export function parseStackConfig(raw: Record<string, unknown>, stack: string, earlier: string[] = []): StackConfig {
  const c = parsePart(stackConfigSchema, raw, earlier);
  const problems: string[] = [...earlier];
  if (c.createResourceGroup === false && c.resourceGroupName === undefined) {
    problems.push(`${keyPath(["createResourceGroup"])}: false means the group exists already, but azdetect:resourceGroupName does not name it — set resourceGroupName to that group, or remove createResourceGroup to let the stack create ${defaultResourceGroupName(stack)}`);
  }
  const cfg: StackConfig = {
    stack,
    location: c.location,
    resourceGroupName: c.resourceGroupName ?? defaultResourceGroupName(stack),
    createResourceGroup: c.createResourceGroup ?? true,
    workspace: c.workspace?.existingId
      ? { mode: "existing", id: c.workspace.existingId }
      : {
          mode: "create",
          name: c.workspace?.name ?? defaultWorkspaceName(stack),
          sku: c.workspace?.sku ?? "PerGB2018",
          retentionInDays: c.workspace?.retentionInDays ?? 90,
          retainOnDelete: c.workspace?.retainOnDelete ?? true,
        },
    ...selectionFrom(c),
    // Unset: decided per rule (planning/validation.ts).
    skipQueryValidation: c.skipQueryValidation,
    tags: c.tags ?? {},
    telemetry: telemetryConfig(c.telemetry),
    routing: normaliseRouting(c, problems),
    pricing: c.pricing ?? {},
    estate: estateConfig(c, problems),
    activityLogAlertSubscriptionLimit: c.activityLogAlertSubscriptionLimit ?? DEFAULT_ACTIVITY_LOG_ALERT_SUBSCRIPTION_LIMIT,
  };
  problems.push(...estateTargetProblems(cfg.estate, cfg.telemetry));
  problems.push(...overrideProblems(cfg.overrides));
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** The stack config keys that select and tune detections (a DetectionSelection, planning/resolve.ts). */
const selectionSchema = stackConfigSchema.pick({ tactics: true, preferActivityLogAlerts: true, allowlists: true, overrides: true });
export type RawDetectionSelection = z.input<typeof selectionSchema>;
export type DetectionSelectionConfig = Pick<StackConfig, "tactics" | "overrides" | "allowlists" | "preferActivityLogAlerts" | "servicePrincipalNames">;

/** Defaults of the detection-selecting keys (shared by the whole stack config). */
function selectionFrom(c: z.output<typeof selectionSchema>): DetectionSelectionConfig {
  return {
    tactics: c.tactics === undefined ? [...TACTICS] : [...new Set(c.tactics)],
    preferActivityLogAlerts: c.preferActivityLogAlerts ?? true,
    allowlists: effectiveAllowlists(c.allowlists),
    overrides: c.overrides ?? {},
    servicePrincipalNames: [...new Set(c.allowlists?.servicePrincipalNames ?? [])],
  };
}

/**
 * Validate the detection-selecting keys alone (tactics, preferActivityLogAlerts, allowlists,
 * overrides) with the stack config's rules and defaults: for programs that embed DetectionSuite
 * and want the stack file's shape for these. Throws a ConfigError naming each bad key.
 */
export function parseDetectionSelection(raw: RawDetectionSelection = {}): DetectionSelectionConfig {
  const selection = selectionFrom(parsePart(selectionSchema, raw));
  const problems = overrideProblems(selection.overrides);
  if (problems.length) throw new ConfigError(problems);
  return selection;
}

/**
 * Validate the stack config or a part of it; throws a ConfigError naming each bad key, after the
 * `earlier` problems. Issues at or around a credential (a webhook URI, the receiver holding it, ...)
 * never echo the input.
 */
function parsePart<S extends z.ZodType>(schema: S, raw: unknown, earlier: string[] = []): z.output<S> {
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError([...earlier, ...parsed.error.issues.map((i) => formatIssue(mayHoldCredential(i.path, CREDENTIAL_FIELDS) ? ({ ...i, input: REDACTED } as typeof i) : i))]);
  return parsed.data;
}

const routingSchema = stackConfigSchema.pick({ actionGroups: true, routes: true, allowUnroutedAlerts: true, maintenanceWindows: true });

/**
 * Validate and normalise alert routing in the stack file's shape (actionGroups, routes,
 * allowUnroutedAlerts, maintenanceWindows), for programs that embed DetectionSuite.
 */
export function parseRouting(raw: z.input<typeof routingSchema> = {}): RoutingConfig {
  const problems: string[] = [];
  const routing = normaliseRouting(parsePart(routingSchema, raw), problems);
  if (problems.length) throw new ConfigError(problems);
  return routing;
}

/** Validate the `telemetry` key in the stack file's shape and apply its defaults. */
export function parseTelemetryConfig(raw: RawTelemetryConfig = {}): TelemetryConfig {
  return telemetryConfig(parsePart(telemetrySchema, raw));
}

/** Override keys must name a detection or a technique that has detections; schedules must be valid. */
function overrideProblems(overrides: Record<string, DetectionOverride>): string[] {
  const problems: string[] = [];
  for (const [key, o] of Object.entries(overrides)) {
    const where = keyPath(["overrides", key]);
    const targets = detectionByKey(key) ? [detectionByKey(key)!] : /^AZT\d{3}(\.\d+)?$/.test(key) ? detectionsForTechnique(key) : [];
    if (targets.length === 0) {
      problems.push(
        `${where}: unknown detection key or technique ${JSON.stringify(key)} — expected a detection key such as ${DETECTIONS[0]?.key ?? "azt301-1-runcommand"} or a technique id with detections (run \`npm run catalog\` for the list)`,
      );
      continue;
    }
    for (const d of targets) {
      const s = {
        evaluationFrequency: o.evaluationFrequency ?? d.evaluationFrequency,
        windowSize: o.windowSize ?? d.windowSize,
        overrideQueryTimeRange: o.overrideQueryTimeRange ?? d.overrideQueryTimeRange,
      };
      for (const p of scheduleProblems(s)) problems.push(`${where}: ${p}${targets.length > 1 ? ` (for ${d.key})` : ""}`);
    }
  }
  return [...new Set(problems)];
}

/** Top-level keys whose value is text: a value that reads as a number (a group named 12345) stays text. */
const TEXT_KEYS = new Set(["location", "resourceGroupName"]);

/**
 * Read `azdetect:*` keys from a flat Pulumi config map, parsing JSON values (objects, lists,
 * numbers, booleans). A key whose namespace looks like a misspelling of the project's
 * (`azdetct:tactics`) is an error: Pulumi hands it over under that namespace and it would be
 * silently ignored.
 */
export function rawFromPulumiConfig(all: Record<string, string>, project = "azdetect"): Record<string, unknown> {
  const misspelt = namespaceProblems(Object.keys(all), project);
  if (misspelt.length) throw new ConfigError(misspelt);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith(project + ":")) continue;
    const key = k.slice(project.length + 1);
    let value: unknown = v;
    try {
      value = JSON.parse(v);
    } catch {
      // A plain string value (e.g. location: westeurope).
    }
    out[key] = typeof value === "number" && TEXT_KEYS.has(key) ? v : value;
  }
  return out;
}
