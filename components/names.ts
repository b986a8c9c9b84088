// Tags on what the stack creates. The Azure names themselves are config/names.ts (StackNames).
import type { ResolvedDetection } from "../planning/resolve";

/** Tags on a detection's rule, on top of the stack's tags (config STACK_TAGS lists the names). */
export function detectionTags(d: ResolvedDetection, stack: string, base: Record<string, string>): Record<string, string> {
  return {
    ...base,
    "azdetect-stack": stack,
    "azdetect-detection": d.key,
    "azdetect-technique": d.detection.technique,
    "azdetect-tactic": d.detection.tactic,
  };
}
