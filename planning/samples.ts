// Runs a detection over sample rows with Azure's alert semantics: the log-search form through
// the offline KQL evaluator, and — for Activity Log operation matches — the activity-log alert
// condition as Azure evaluates it on each event. Used by the tests and by `npm run detect`.
import { BINNINGS, evaluateAlertReadings, type AlertEvaluation, type Binning } from "../kusto/alert";
import { isoDurationMs } from "../detections/kql";
import type { Detection, ParameterValues, SampleCase, SampleRow } from "../detections/model";
import { SAMPLE_NOW } from "../detections/model";
import { activityLogCondition, type ActivityLogAlertCondition } from "../detections/patterns/operationMatch";
import { queryTimeRange, renderQuery, resolveParameters, triggerOf } from "./resolve";

export interface CaseResult {
  /** The log search alert fired (counting every result row: the allRows reading). */
  fired: boolean;
  evaluation: AlertEvaluation;
  /** The same evaluation under each reading of how Azure bins result rows (kusto/alert.ts). */
  readings: Record<Binning, AlertEvaluation>;
  /** For operation matches without active exclusions: whether the activity-log alert fires. */
  activityLogFired?: boolean;
}

/** Parameters of a case: defaults, then the case's own values (validated like stack config). */
export function caseParameters(d: Detection, values: Record<string, unknown> | undefined): ParameterValues {
  const problems: string[] = [];
  const p = resolveParameters(d, {}, values ? [{ id: d.key, values }] : [], problems);
  if (problems.length) throw new Error(`${d.key}: ${problems.join("; ")}`);
  return p;
}

/**
 * Runs a case at its `now`, judged under both readings of how Azure bins result rows
 * (kusto/alert.ts): every result row counts, or only those whose TimeGenerated is in the
 * evaluated bin (a result without a datetime TimeGenerated column is an error under that reading).
 */
export function runCase(d: Detection, c: Pick<SampleCase, "rows" | "now" | "parameters">, params?: ParameterValues): CaseResult {
  const p = params ?? caseParameters(d, c.parameters);
  const now = c.now ?? SAMPLE_NOW;
  const readings = evaluateAlertReadings({
    query: renderQuery(d, p),
    trigger: triggerOf(d),
    window: d.windowSize,
    overrideQueryTimeRange: queryTimeRange(d),
    now,
    tables: c.rows,
  }, BINNINGS) as Record<Binning, AlertEvaluation>;
  const evaluation = readings.allRows;
  const result: CaseResult = { fired: evaluation.fired, evaluation, readings };
  if (d.signal.kind === "activityLog" && !(d.signal.exclusions ?? []).some((ex) => (p[ex.parameter] as string[]).length > 0)) {
    // The activity-log alert fires as each event arrives: a row counts when its event happened
    // since the previous run (one evaluationFrequency ago; the window is the log search form's bin).
    const range = isoDurationMs(d.evaluationFrequency);
    const end = Date.parse(now);
    const inRange = (r: SampleRow) => {
      const t = Date.parse(String(r.TimeGenerated));
      return t > end - range && t <= end;
    };
    result.activityLogFired = (c.rows.AzureActivity ?? []).filter(inRange).some((r) => conditionMatches(activityLogCondition(d.signal.kind === "activityLog" ? d.signal.match : (undefined as never)), r));
  }
  return result;
}

/**
 * Activity-log alert fields and the AzureActivity columns holding the same values. Azure compares
 * case-insensitively. The alert sees the event's REST status (Started/Succeeded/Failed) where the
 * table holds Start/Success/Failure (log-values.md 1.3): both spellings are accepted.
 */
export const FIELD_COLUMNS: Record<string, string> = {
  category: "CategoryValue",
  operationName: "OperationNameValue",
  status: "ActivityStatusValue",
  subStatus: "ActivitySubstatusValue",
  caller: "Caller",
  resourceGroup: "ResourceGroup",
  resourceId: "_ResourceId",
  resourceProvider: "ResourceProviderValue",
  level: "Level",
};
const STATUS_SPELLINGS: Record<string, string[]> = {
  succeeded: ["succeeded", "success"],
  started: ["started", "start"],
  failed: ["failed", "failure"],
};

function leafMatches(field: string, equals: string, row: SampleRow): boolean {
  const column = FIELD_COLUMNS[field];
  if (!column) throw new Error(`activity-log condition field ${field} has no AzureActivity column mapping`);
  const value = String(row[column] ?? "").toLowerCase();
  const want = equals.toLowerCase();
  return field === "status" ? (STATUS_SPELLINGS[want] ?? [want]).includes(value) : value === want;
}

export function conditionMatches(c: ActivityLogAlertCondition, row: SampleRow): boolean {
  return c.allOf.every((leaf) => ("anyOf" in leaf ? leaf.anyOf.some((l) => leafMatches(l.field, l.equals, row)) : leafMatches(leaf.field, leaf.equals, row)));
}
