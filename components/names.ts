// Deterministic Azure names and tags for everything the stack creates.
import type { ResolvedDetection } from "../planning/resolve";

/** Azure name of a detection's rule: stable per key and stack, so two stacks can share a group. */
export function ruleName(key: string, stack: string): string {
  return `azdetect-${stack}-${key}`;
}

/** Tags on a detection's rule, on top of the stack's tags. */
export function detectionTags(d: ResolvedDetection, stack: string, base: Record<string, string>): Record<string, string> {
  return {
    ...base,
    "azdetect-stack": stack,
    "azdetect-detection": d.key,
    "azdetect-technique": d.detection.technique,
    "azdetect-tactic": d.detection.tactic,
  };
}

/** Display name shown in the Azure portal and in notifications. */
export function displayName(d: ResolvedDetection): string {
  return `[azdetect] ${d.detection.technique} ${d.detection.name}`;
}
