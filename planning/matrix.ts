// The ATRM matrix of one stack: tactics as columns in matrix order, techniques with their
// sub-techniques, each leaf in its coverage state (planning/coverage.ts). Pure data; the HTML
// is tools/matrix/render.ts.
import { ATRM, atrmUrl } from "../detections/atrm";
import { COVERAGE_STATES, countStates, leafCoverage, type CoverageState, type StateCounts, type TelemetryGaps } from "./coverage";
import { compareTechniqueIds } from "../detections/index";
import { TACTICS, type Severity, type Tactic } from "../detections/model";
import type { AlertKind, ResolvedDetection } from "./resolve";

export interface MatrixDetection {
  key: string;
  name: string;
  deployed: boolean;
  /** Not deployed because its telemetry is missing (telemetry.skipDetectionsWithoutTelemetry). */
  skippedForTelemetry: boolean;
  /** Deployed detections only. */
  alertKind?: AlertKind;
  severity?: Severity;
  /** Missing telemetry sources of a deployed detection (empty when none or unknown). */
  gaps: string[];
}

export interface MatrixCell {
  id: string;
  /** The leaf's own name (a sub-technique without its parent's prefix). */
  name: string;
  url: string;
  state: CoverageState;
  detections: MatrixDetection[];
  reason?: string;
}

export interface MatrixTechnique {
  id: string;
  name: string;
  url: string;
  /** Set when the technique is itself a leaf. */
  cell?: MatrixCell;
  /** Leaves under a parent technique. */
  subTechniques: MatrixCell[];
}

export interface MatrixColumn {
  tactic: Tactic;
  selected: boolean;
  techniques: MatrixTechnique[];
  totals: StateCounts & { leaves: number };
}

export interface Matrix {
  columns: MatrixColumn[];
  totals: StateCounts & { leaves: number };
  /** false when the stack has no telemetry plan (no gaps reported): the telemetry-missing state cannot occur. */
  telemetryKnown: boolean;
}

/** A sub-technique's name without its parent's "Parent: " prefix. */
function ownName(name: string, parentName: string | undefined): string {
  if (parentName && name.startsWith(parentName + ":")) return name.slice(parentName.length + 1).trim();
  const colon = name.indexOf(": ");
  return parentName && colon > 0 ? name.slice(colon + 2) : name;
}

export function buildMatrix(resolved: readonly ResolvedDetection[], selectedTactics: readonly Tactic[], gaps?: TelemetryGaps): Matrix {
  const byLeaf = new Map(leafCoverage(resolved, gaps).map((l) => [l.leaf.id, l]));
  const cellOf = (id: string, parentName?: string): MatrixCell => {
    const l = byLeaf.get(id)!;
    return {
      id,
      name: ownName(l.leaf.name, parentName),
      url: atrmUrl(id),
      state: l.state,
      detections: l.detections.map((d) => ({
        key: d.detection.key,
        name: d.detection.name,
        deployed: d.deployed !== undefined,
        skippedForTelemetry: d.skippedForTelemetry,
        ...(d.deployed ? { alertKind: d.deployed.alertKind, severity: d.deployed.severity } : {}),
        gaps: d.gaps,
      })),
      ...(l.reason ? { reason: l.reason } : {}),
    };
  };
  const columns = TACTICS.map((tactic): MatrixColumn => {
    const top = ATRM.filter((e) => e.tactic === tactic && e.parentId === null).sort((a, b) => compareTechniqueIds(a.id, b.id));
    const techniques = top.map((t) => ({
      id: t.id,
      name: t.name,
      url: atrmUrl(t.id),
      ...(byLeaf.has(t.id) ? { cell: cellOf(t.id) } : {}),
      subTechniques: ATRM.filter((e) => e.parentId === t.id && byLeaf.has(e.id)).sort((a, b) => compareTechniqueIds(a.id, b.id)).map((e) => cellOf(e.id, t.name)),
    }));
    const cells = techniques.flatMap((t) => [...(t.cell ? [t.cell] : []), ...t.subTechniques]);
    return { tactic, selected: selectedTactics.includes(tactic), techniques, totals: { leaves: cells.length, ...countStates(cells) } };
  });
  const totals = Object.fromEntries(COVERAGE_STATES.map((s) => [s, columns.reduce((n, c) => n + c.totals[s], 0)])) as StateCounts;
  return { columns, totals: { leaves: columns.reduce((n, c) => n + c.totals.leaves, 0), ...totals }, telemetryKnown: gaps !== undefined };
}
