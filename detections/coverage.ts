// Coverage of the ATRM leaf techniques by a stack's resolved detections.
import { ATRM_LEAVES } from "./atrm";
import { DETECTIONS } from "./index";
import type { Tactic } from "./model";
import { TACTICS } from "./model";
import type { ResolvedDetection } from "./resolve";

export interface CoverageSummary {
  leafTechniques: number;
  /** Leaves with at least one detection in the catalogue. */
  catalogued: number;
  /** Leaves with at least one detection deployed by this stack. */
  deployed: number;
  rules: { total: number; scheduledQuery: number; activityLog: number };
  byTactic: Record<string, { leaves: number; catalogued: number; deployed: number; rules: number }>;
}

export function coverageSummary(resolved: readonly ResolvedDetection[]): CoverageSummary {
  const catalogued = new Set(DETECTIONS.map((d) => d.technique));
  const deployed = new Set(resolved.map((r) => r.detection.technique));
  const byTactic: CoverageSummary["byTactic"] = {};
  for (const t of TACTICS as readonly Tactic[]) {
    const leaves = ATRM_LEAVES.filter((l) => l.tactic === t);
    byTactic[t] = {
      leaves: leaves.length,
      catalogued: leaves.filter((l) => catalogued.has(l.id)).length,
      deployed: leaves.filter((l) => deployed.has(l.id)).length,
      rules: resolved.filter((r) => r.detection.tactic === t).length,
    };
  }
  return {
    leafTechniques: ATRM_LEAVES.length,
    catalogued: ATRM_LEAVES.filter((l) => catalogued.has(l.id)).length,
    deployed: ATRM_LEAVES.filter((l) => deployed.has(l.id)).length,
    rules: {
      total: resolved.length,
      scheduledQuery: resolved.filter((r) => r.alertKind === "scheduledQuery").length,
      activityLog: resolved.filter((r) => r.alertKind === "activityLog").length,
    },
    byTactic,
  };
}
