// The catalogue registry: every detection and every uncovered technique, with lookups.
// Adding a technique: create detections/<tactic>/AZTnnn.ts and list it in that folder's index.ts.
import type { Detection, Tactic, TechniqueModule, Uncovered } from "./model";
import { TACTICS } from "./model";
import { techniques as reconnaissance } from "./reconnaissance";
import { techniques as initialAccess } from "./initial-access";
import { techniques as execution } from "./execution";
import { techniques as privilegeEscalation } from "./privilege-escalation";
import { techniques as persistence } from "./persistence";
import { techniques as credentialAccess } from "./credential-access";
import { techniques as impact } from "./impact";

const modules: TechniqueModule[] = [
  ...reconnaissance, ...initialAccess, ...execution, ...privilegeEscalation, ...persistence, ...credentialAccess, ...impact,
];

/** Every detection, in matrix order (tactic, then technique id, then key). */
export const DETECTIONS: readonly Detection[] = modules
  .flatMap((m) => m.detections)
  .sort((a, b) =>
    TACTICS.indexOf(a.tactic) - TACTICS.indexOf(b.tactic) ||
    compareTechniqueIds(a.technique, b.technique) ||
    a.key.localeCompare(b.key));

/** Leaf techniques with no detection, and why. */
export const UNCOVERED: readonly Uncovered[] = modules.flatMap((m) => m.uncovered ?? []).sort((a, b) => compareTechniqueIds(a.technique, b.technique));

const byKey = new Map(DETECTIONS.map((d) => [d.key, d]));

export function detectionByKey(key: string): Detection | undefined {
  return byKey.get(key);
}

export function detectionsForTactic(tactic: Tactic): Detection[] {
  return DETECTIONS.filter((d) => d.tactic === tactic);
}

/** Detections of a technique id; a parent id (AZT301) also matches its sub-techniques. */
export function detectionsForTechnique(id: string): Detection[] {
  return DETECTIONS.filter((d) => d.technique === id || d.technique.startsWith(id + "."));
}

export function compareTechniqueIds(a: string, b: string): number {
  const pa = a.slice(3).split(".").map(Number), pb = b.slice(3).split(".").map(Number);
  return pa[0] - pb[0] || (pa[1] ?? 0) - (pb[1] ?? 0);
}
