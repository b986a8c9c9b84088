// Deterministic Azure names and tags for everything the stack creates.
import type { ResolvedDetection } from "../planning/resolve";

/**
 * Pulumi names of a component's children: `<prefix><local name>`. A component's prefix defaults to
 * `<its name>-`, so two instances of a component (two suites in one program) never declare the same
 * URN; the stack program passes "" down to keep the names of stacks deployed before that default.
 */
export function childNamer(prefix: string): (local: string) => string {
  return (local) => `${prefix}${local}`;
}

/** Args every azdetect component takes besides its own. */
export interface ComponentNaming {
  /** The identity in Azure names and tags (azdetect-<stack>-...): the stack's name in the stack program. */
  stack: string;
  /** Prefix of the Pulumi names of the component's children (default `<component name>-`). */
  childNamePrefix?: string;
}

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
