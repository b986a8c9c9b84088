// Deterministic names for the telemetry the stack creates. Azure names carry the stack, so a
// stack never overwrites a user's own diagnostic settings, DCRs or associations, and two stacks
// (dev, prod) can both attach to the same resource.
import { createHash } from "crypto";
import type { DiagnosticsDestination } from "../detections/model";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Azure name of a diagnostic setting (subscription, tenant or resource): one per destination type. */
export function telemetrySettingName(stack: string, destination: DiagnosticsDestination = "AzureDiagnostics"): string {
  return destination === "resourceSpecific" ? `azdetect-${stack}-dedicated` : `azdetect-${stack}`;
}

/** Pulumi logical name for a child tied to an existing resource: readable, unique per resource id. */
export function logicalNameFor(prefix: string, resourceId: string, suffix = ""): string {
  const parts = resourceId.split("/").filter(Boolean);
  // Storage services end in /<service>/default: name them after the account and the service.
  const name = parts[parts.length - 1] === "default" ? parts.slice(-3, -1).join("-") : parts[parts.length - 1] ?? "resource";
  return `${prefix}-${name}-${sha(resourceId.toLowerCase()).slice(0, 8)}${suffix ? "-" + suffix : ""}`;
}

/** A stable GUID (version-4 layout) from its parts: role assignment names must be GUIDs. */
export function stableGuid(...parts: string[]): string {
  const h = sha(parts.join("|"));
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
