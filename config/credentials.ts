// Config values that carry a credential (a webhook token, a SAS signature). They are declared in one
// place: a config field whose schema is `credentialUrl(...)`. Everything else follows from that
// declaration: the paths (credentialPaths, walked from the stack schema), the refusal of a plain-text
// value (the program asks Pulumi whether the key was set with --secret; the offline tools see
// `secure:` in the stack file), the offline tools' placeholder for an encrypted value, and errors that
// never repeat the value.
import { z } from "zod";
import { keyPath } from "./errors";

/** What a credential is, for messages: "webhook URL, which carries its token". */
const credentials = z.registry<{ what: string }>();

/**
 * An https URL that carries a credential. Declaring a config field with this schema makes it a
 * credential everywhere. Its errors never repeat the value.
 */
export function credentialUrl(what: string) {
  return z.string().superRefine((s, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(s);
    } catch {
      // reported below
    }
    if (!url) ctx.addIssue({ code: "custom", message: "is not a URL — expected https://<host>/<path> (value not shown: it may contain a secret)" });
    else if (url.protocol !== "https:") ctx.addIssue({ code: "custom", message: `uses ${url.protocol.replace(":", "")} — Azure calls receivers with the alert payload, so only https:// is allowed (value not shown: it may contain a secret)` });
  }).register(credentials, { what });
}

/** Stands for "any key" of a record or "any index" of a list in a credential path. */
export const ANY = "*";
export type CredentialPath = readonly string[];
export interface CredentialField { path: CredentialPath; what: string }

/** Every leaf field of a config schema (string, number, boolean, ...), with what it is if it is a credential. */
export function schemaFields(schema: z.core.$ZodType): { path: CredentialPath; what?: string }[] {
  const out = new Map<string, { path: CredentialPath; what?: string }>();
  const walk = (s: z.core.$ZodType, path: string[]): void => {
    const def = s._zod.def as z.core.$ZodTypeDef & Record<string, any>;
    const meta = credentials.get(s as z.ZodType);
    switch (meta ? "credential" : def.type) {
      case "object": for (const [k, v] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) walk(v, [...path, k]); break;
      case "record": walk(def.valueType, [...path, ANY]); break;
      case "array": walk(def.element, [...path, ANY]); break;
      case "optional": case "nullable": case "default": case "prefault": case "nonoptional": case "readonly": case "catch": walk(def.innerType, path); break;
      case "pipe": walk(def.in, path); walk(def.out, path); break;
      case "union": for (const o of def.options as z.core.$ZodType[]) walk(o, path); break;
      case "intersection": walk(def.left, path); walk(def.right, path); break;
      case "transform": break; // the input side of a pipe (z.preprocess)
      default: {
        const key = path.join(".");
        if (!out.get(key)?.what) out.set(key, { path, ...(meta ? { what: meta.what } : {}) });
      }
    }
  };
  walk(schema, []);
  return [...out.values()];
}

/** The paths of every credential field in a config schema, e.g. actionGroups.*.webhooks.*.serviceUri. */
export function credentialPaths(schema: z.core.$ZodType): CredentialField[] {
  return schemaFields(schema).filter((f): f is CredentialField => f.what !== undefined);
}

type Segment = string | number;
/** A credential found in a config value: its concrete path (actionGroups, oncall, webhooks, 0, serviceUri). */
export interface CredentialAt { path: Segment[]; what: string; value: unknown }

/** The credentials present in raw config values (keys without the project prefix), wherever a field pattern matches. */
export function credentialsIn(raw: Record<string, unknown>, fields: readonly CredentialField[]): CredentialAt[] {
  const out: CredentialAt[] = [];
  for (const f of fields) {
    const visit = (v: unknown, i: number, at: Segment[]): void => {
      if (i === f.path.length) {
        if (v !== undefined && v !== null) out.push({ path: at, what: f.what, value: v });
        return;
      }
      if (f.path[i] !== ANY) {
        if (v && typeof v === "object" && !Array.isArray(v)) visit((v as Record<string, unknown>)[f.path[i]], i + 1, [...at, f.path[i]]);
      } else if (Array.isArray(v)) v.forEach((x, j) => visit(x, i + 1, [...at, j]));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, i + 1, [...at, k]);
    };
    visit(raw, 0, []);
  }
  return out;
}

/** Whether a concrete path is a credential field. */
export function isCredentialPath(path: readonly Segment[], fields: readonly CredentialField[]): boolean {
  return fields.some((f) => f.path.length === path.length && f.path.every((s, i) => s === ANY || s === String(path[i])));
}

/**
 * Whether a config error at this path could repeat a credential: the path is a credential, or holds
 * one (a whole receiver, list, group). Such errors never show their input.
 */
export function mayHoldCredential(path: readonly PropertyKey[], fields: readonly CredentialField[]): boolean {
  // Every segment the two paths share matches: the path is above the credential, is it, or is below it.
  return fields.some((f) => f.path.every((s, i) => i >= path.length || s === ANY || s === String(path[i])));
}

/** The key path as `pulumi config set --path` takes it: actionGroups.oncall.webhooks[0].serviceUri. */
export function pulumiPath(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z0-9_-]+$/.test(s) ? `${i ? "." : ""}${s}` : `[${JSON.stringify(s)}]`)).join("");
}

/**
 * The config error for a credential stored in plain text: the key, what it is, the command that fixes
 * it; never the value. The command has no value: Pulumi then prompts for it, which keeps it out of the
 * shell history (`pulumi config set` reference: "If a value is not present on the command line,
 * pulumi will prompt for the value").
 */
export function plaintextCredentialProblem(c: Pick<CredentialAt, "path" | "what">): string {
  return `${keyPath(c.path)}: a credential (${c.what}) stored in plain text (value not shown) — encrypt it: ` +
    `${fixCommand(c.path)} (it prompts for the URL); if the plain value was ever committed, rotate it at its source (docs/routing.md)`;
}

/** `pulumi config set --secret --path '<key path>'`, quoted for a POSIX shell. */
export function fixCommand(path: readonly Segment[]): string {
  return `pulumi config set --secret --path '${pulumiPath(path).replace(/'/g, `'\\''`)}'`;
}

/**
 * The credentials of raw config values (as the program receives them) whose config key was not set
 * as a secret. Pulumi tells the program which top-level keys hold a secret value (one `secure:` value
 * anywhere inside `actionGroups` makes the whole key secret), so this sees a credential in plain text
 * only when nothing in its key is encrypted; the stack-file check sees each value.
 */
export function plaintextCredentials(raw: Record<string, unknown>, fields: readonly CredentialField[], isSecretKey: (key: string) => boolean): CredentialAt[] {
  return credentialsIn(raw, fields).filter((c) => !isSecretKey(String(c.path[0])));
}

/** `{secure: <ciphertext>}`: how Pulumi writes an encrypted value into a stack file. */
export function isEncrypted(v: unknown): v is { secure: string } {
  return !!v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";
}

/**
 * Stands in for an encrypted credential in the offline tools, which cannot decrypt it. A valid
 * https URL on a reserved domain (RFC 2606 .invalid), so the plan validates and declares what
 * `pulumi up` would, and labelled so nobody mistakes it for a receiver.
 */
export const ENCRYPTED_PLACEHOLDER = "https://encrypted-in-stack-file.invalid/offline-placeholder";

/** The top-level keys of config values that hold an ENCRYPTED_PLACEHOLDER: keys Pulumi would report as secret. */
export function keysWithPlaceholders(values: Record<string, unknown>, fields: readonly CredentialField[]): string[] {
  return [...new Set(credentialsIn(values, fields).filter((c) => c.value === ENCRYPTED_PLACEHOLDER).map((c) => String(c.path[0])))];
}

/** The `azdetect:` values of a stack file, read for the offline tools. */
export interface StackFileValues {
  /** Values with every encrypted credential replaced by ENCRYPTED_PLACEHOLDER. */
  values: Record<string, unknown>;
  /** Credentials written in plain text. */
  plaintext: CredentialAt[];
  /** Encrypted credentials, now placeholders. */
  placeholders: Segment[][];
  /** Encrypted values that are not credentials (or hold some inside): the offline tools cannot use them. */
  encryptedOther: Segment[][];
}

/** Sort the values of a stack file (keys without the project prefix) into plain, encrypted and placeholder. */
export function readStackFileValues(values: Record<string, unknown>, fields: readonly CredentialField[]): StackFileValues {
  const out: StackFileValues = { values: {}, plaintext: [], placeholders: [], encryptedOther: [] };
  const what = (path: Segment[]) => fields.find((f) => isCredentialPath(path, [f]))!.what;
  const visit = (v: unknown, path: Segment[]): unknown => {
    const credential = isCredentialPath(path, fields);
    if (isEncrypted(v)) {
      if (credential) {
        out.placeholders.push(path);
        return ENCRYPTED_PLACEHOLDER;
      }
      out.encryptedOther.push(path);
      return v;
    }
    if (credential) {
      if (v !== undefined && v !== null) out.plaintext.push({ path, what: what(path), value: v });
      return v;
    }
    if (Array.isArray(v)) return v.map((x, i) => visit(x, [...path, i]));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x, [...path, k])]));
    return v;
  };
  for (const [k, v] of Object.entries(values)) out.values[k] = visit(v, [k]);
  return out;
}

/** The offline tools' error for an encrypted value they cannot stand in for. */
export function encryptedOtherProblem(path: readonly Segment[], fields: readonly CredentialField[]): string {
  const inside = fields.filter((f) => f.path.length > path.length && f.path.every((s, i) => i >= path.length || s === ANY || s === String(path[i])));
  return inside.length
    ? `${keyPath(path)}: encrypted as a whole — the offline tools cannot look inside it. Keep it in plain text and encrypt only the credentials in it (${inside.map((f) => f.path.join(".")).join(", ")}), each with pulumi config set --secret --path '<key path>'`
    : `${keyPath(path)}: encrypted, but it is not a credential — the offline tools cannot decrypt it, and only credentials need encrypting (${fields.map((f) => f.path.join(".")).join(", ")}): store it in plain text`;
}
