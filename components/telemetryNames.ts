// Pulumi logical names for the telemetry resources tied to existing resources. Their Azure names
// are config/names.ts (StackNames).
import { createHash } from "crypto";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Pulumi logical name for a child tied to an existing resource: readable, unique per resource id. */
export function logicalNameFor(prefix: string, resourceId: string, suffix = ""): string {
  const parts = resourceId.split("/").filter(Boolean);
  // Storage services end in /<service>/default: name them after the account and the service.
  const name = parts[parts.length - 1] === "default" ? parts.slice(-3, -1).join("-") : parts[parts.length - 1] ?? "resource";
  return `${prefix}-${name}-${sha(resourceId.toLowerCase()).slice(0, 8)}${suffix ? "-" + suffix : ""}`;
}
