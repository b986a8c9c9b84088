// Coverage of the ATRM leaf techniques by a stack's resolved detections: one state per leaf, and
// the counts the stack output `coverage`, `npm run plan` and `npm run matrix` show.
import { ATRM_LEAVES, type AtrmEntry } from "../detections/atrm";
import { DETECTIONS, UNCOVERED } from "../detections/index";
import type { Detection, Tactic } from "../detections/model";
import { TACTICS } from "../detections/model";
import type { ResolvedDetection } from "./resolve";

/**
 * deployed: at least one of its detections is deployed with all the telemetry it reads;
 * deployed-telemetry-missing: selected, but every selected detection misses telemetry (deployed
 *   with a gap, or left out by telemetry.skipDetectionsWithoutTelemetry);
 * available-not-selected: the catalogue has detections, none deployed (tactic not selected, or disabled);
 * not-detectable: no detection, with the reason (UNCOVERED).
 */
export const COVERAGE_STATES = ["deployed", "deployed-telemetry-missing", "available-not-selected", "not-detectable"] as const;
export type CoverageState = (typeof COVERAGE_STATES)[number];

/** Detection key -> missing telemetry sources (the stack output telemetryGaps, when the stack has one). */
export type TelemetryGaps = Record<string, string[]>;

export interface LeafCoverage {
  leaf: AtrmEntry;
  state: CoverageState;
  /** Catalogue detections of the leaf, each with whether this stack deploys it and what telemetry it misses. */
  detections: { detection: Detection; deployed?: ResolvedDetection; gaps: string[]; skippedForTelemetry: boolean }[];
  /** Why it is not detectable (not-detectable only). */
  reason?: string;
}

const NO_REASON = "No detection in the catalogue yet, and no recorded reason.";

/** The state of every ATRM leaf, in matrix order. */
export function leafCoverage(resolved: readonly ResolvedDetection[], gaps?: TelemetryGaps): LeafCoverage[] {
  const deployedByKey = new Map(resolved.map((r) => [r.key, r]));
  const uncovered = new Map(UNCOVERED.map((u) => [u.technique, u.reason]));
  return ATRM_LEAVES.map((leaf) => {
    // A gap on a detection that is not deployed: the stack skipped it for lack of telemetry.
    const detections = DETECTIONS.filter((d) => d.technique === leaf.id).map((detection) => ({
      detection,
      deployed: deployedByKey.get(detection.key),
      gaps: gaps?.[detection.key] ?? [],
      skippedForTelemetry: !deployedByKey.has(detection.key) && (gaps?.[detection.key] ?? []).length > 0,
    }));
    const selected = detections.filter((d) => d.deployed || d.skippedForTelemetry);
    if (selected.length) {
      return { leaf, detections, state: selected.every((d) => d.gaps.length > 0) ? "deployed-telemetry-missing" : "deployed" };
    }
    if (detections.length) return { leaf, detections, state: "available-not-selected" };
    return { leaf, detections, state: "not-detectable", reason: uncovered.get(leaf.id) ?? NO_REASON };
  });
}

export type StateCounts = Record<CoverageState, number>;

export function countStates(leaves: readonly { state: CoverageState }[]): StateCounts {
  const out = Object.fromEntries(COVERAGE_STATES.map((s) => [s, 0])) as StateCounts;
  for (const l of leaves) out[l.state]++;
  return out;
}

export interface CoverageSummary {
  leafTechniques: number;
  /** Leaves with at least one detection in the catalogue. */
  catalogued: number;
  /** Leaves with at least one detection deployed by this stack. */
  deployed: number;
  /** Leaves per state (deployed + deployed-telemetry-missing = deployed above). */
  states: StateCounts;
  rules: { total: number; scheduledQuery: number; activityLog: number };
  byTactic: Record<string, { leaves: number; catalogued: number; deployed: number; rules: number; states: StateCounts }>;
}

export function coverageSummary(resolved: readonly ResolvedDetection[], gaps?: TelemetryGaps): CoverageSummary {
  const leaves = leafCoverage(resolved, gaps);
  const summarise = (ls: LeafCoverage[]) => ({
    leaves: ls.length,
    catalogued: ls.filter((l) => l.detections.length > 0).length,
    deployed: ls.filter((l) => l.detections.some((d) => d.deployed)).length,
    states: countStates(ls),
  });
  const byTactic: CoverageSummary["byTactic"] = {};
  for (const t of TACTICS as readonly Tactic[]) {
    const { leaves: n, catalogued, deployed, states } = summarise(leaves.filter((l) => l.leaf.tactic === t));
    byTactic[t] = { leaves: n, catalogued, deployed, rules: resolved.filter((r) => r.detection.tactic === t).length, states };
  }
  const all = summarise(leaves);
  return {
    leafTechniques: all.leaves,
    catalogued: all.catalogued,
    deployed: all.deployed,
    states: all.states,
    rules: {
      total: resolved.length,
      scheduledQuery: resolved.filter((r) => r.alertKind === "scheduledQuery").length,
      activityLog: resolved.filter((r) => r.alertKind === "activityLog").length,
    },
    byTactic,
  };
}
