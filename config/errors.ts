// Config errors: one line per problem, each naming the key path and what is allowed.
import type { core } from "zod";

/**
 * A user's error needs no stack frames: its message names the key. Pulumi's language host also
 * inspects every unhandled error in colour for its trace (cmd/run/run.js, uncaughtHandler), and
 * Node 20's util.inspect loops on a source-mapped frame such as `node_modules/@pulumi/output.ts:516:31`
 * until the string is too long (15 s and 3.5 GB per error here, three errors per failed run).
 * AZDETECT_FULL_STACKS=1 keeps the frames (for a bug in the stack itself).
 */
function withoutFrames(e: Error): void {
  if (process.env.AZDETECT_FULL_STACKS) return;
  Object.defineProperty(e, "stack", { value: `${e.name}: ${e.message}`, writable: true, enumerable: false, configurable: true });
}

export class ConfigError extends Error {
  /**
   * Pulumi's language host prints a RunError as its message alone, without a stack trace or an
   * "unhandled exception" banner; it recognises one by this field (RunError.isInstance), so config
   * needs no Pulumi import for it.
   */
  readonly __pulumiRunError = true;

  constructor(readonly problems: string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ` + problems.join("\n  - "));
    this.name = "ConfigError";
    withoutFrames(this);
  }
}

/**
 * A problem only deployment can reveal (an Entra ID lookup's result, the subscription the
 * provider deploys to), found inside a resource input: one line naming the config key. Pulumi
 * prefixes the message of an error raised while it serialises an input with the property path,
 * once per resource that shares the failed value ("error serializing property ...", 26 times for
 * an allowlist every rule uses); the message here ignores that, so the line stays the problem.
 */
export class DeployTimeError extends Error {
  readonly __pulumiRunError = true;

  constructor(message: string) {
    super(message);
    this.name = "DeployTimeError";
    Object.defineProperty(this, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: true });
    withoutFrames(this);
  }
}

/** `azdetect:tactics[2]`, `azdetect:overrides.azt301-1-runcommand.severity`. */
export function keyPath(path: readonly PropertyKey[], project = "azdetect"): string {
  let out = `${project}:`;
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += (i === 0 ? "" : ".") + String(p);
  });
  return out;
}

/** Stands in for an input that must not appear in messages (it may hold a secret). */
export const REDACTED: unique symbol = Symbol("redacted");

function show(v: unknown): string {
  if (v === REDACTED) return "(value not shown: it may contain a secret)";
  return typeof v === "string" ? JSON.stringify(v) : v === undefined ? "nothing" : JSON.stringify(v) ?? String(v);
}

/** One readable line per zod issue. Custom messages (from refinements) are kept as written. */
export function formatIssue(issue: core.$ZodIssue & { input?: unknown }): string {
  const where = keyPath(issue.path);
  // A message written in our schemas (refinements, custom errors) is used as is.
  if (issue.code !== "unrecognized_keys" && !/^(Invalid|Too small|Too big|Unrecognized)/.test(issue.message)) return `${where}: ${issue.message}`;
  switch (issue.code) {
    case "invalid_value":
      return `${where}: ${show(issue.input)} is not allowed — expected one of: ${issue.values.map((v) => String(v)).join(", ")}`;
    case "unrecognized_keys":
      return issue.keys.map((k) => `${keyPath([...issue.path, k])}: unknown key`).join("\n  - ") + (issue.message.startsWith("Unrecognized") ? "" : ` — ${issue.message}`);
    case "invalid_type":
      return issue.input === undefined
        ? `${where}: required — expected ${issue.expected}`
        : `${where}: expected ${issue.expected}, got ${show(issue.input)}`;
    case "too_big":
      return `${where}: ${show(issue.input)} is too ${issue.origin === "array" || issue.origin === "string" ? "long" : "large"} — at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : ""}`;
    case "too_small":
      return `${where}: ${show(issue.input)} is too ${issue.origin === "array" || issue.origin === "string" ? "short" : "small"} — at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : ""}`;
    case "invalid_format":
      return `${where}: ${show(issue.input)} ${issue.message}`;
    default:
      return `${where}: ${issue.message}`;
  }
}
