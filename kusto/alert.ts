// Azure Monitor log search alert semantics on top of the evaluator: the query runs over the
// time range ending at `now` (overrideQueryTimeRange, else the window), its rows are split by the
// dimension columns, each split is aggregated (timeAggregation over metricMeasureColumn, or a row
// count) and compared with the threshold.
//
// Which result rows count is not documented. The scheduled query rules API calls windowSize the
// "bin size" and keeps it apart from the query time range (overrideQueryTimeRange); whether Azure
// counts result rows whose TimeGenerated is older than the evaluated bin when the range is longer
// is not said anywhere (windowSize: "The period of time (in ISO 8601 duration format) on which the
// Alert query will be executed (bin size)", Azure/azure-rest-api-specs specification/monitor/
// resource-manager/Microsoft.Insights/stable/2023-12-01/scheduledQueryRule_API.json@1eb311c3).
// Both readings are modelled (`binning`):
//   "allRows"        every result row counts;
//   "evaluatedBins"  only result rows whose TimeGenerated falls in the evaluated bins, the
//                    numberOfEvaluationPeriods (1, as deployed) windows of windowSize ending at
//                    `now`: now - windowSize < TimeGenerated <= now. A result without a
//                    TimeGenerated column cannot be binned and is an error under this reading.
// A rule that must hold in Azure holds under both (test/samples.spec.ts runs every case twice).
import { isoDurationMsOrUndefined } from "./duration";
import { evaluateTable, EvaluateOptions, Row, WorkspaceTables } from "./evaluate";
import { parseDateTime, isNumericType, Value } from "./evaluate/values";
import type { Operator, TimeAggregation, Trigger } from "./trigger";
export { OPERATORS, TIME_AGGREGATIONS } from "./trigger";
export type { Operator, TimeAggregation, Trigger } from "./trigger";

/** How Azure picks the result rows it aggregates: see the file comment. */
export const BINNINGS = ["allRows", "evaluatedBins"] as const;
export type Binning = (typeof BINNINGS)[number];

export interface AlertEvaluation {
  fired: boolean;
  groups: { dimensions: Record<string, unknown>; value: number; fired: boolean }[];
  /** The rows that counted (under evaluatedBins, those in the evaluated bins). */
  rows: Row[];
  /** Every result row of the query, counted or not. */
  resultRows: Row[];
}

/** Thrown for an alert definition that Azure would reject or that cannot be evaluated. */
export class AlertDefinitionError extends Error {
  constructor(message: string) { super(message); this.name = "AlertDefinitionError"; }
}

/** ISO-8601 duration (days and time parts only: PT5M, PT1H, P1D, P2D, P1DT12H, PT30S) in milliseconds. */
export function parseIsoDuration(s: string): number {
  const ms = isoDurationMsOrUndefined(s);
  if (ms === undefined) throw new AlertDefinitionError(`not an ISO-8601 duration of days/hours/minutes/seconds: '${s}'`);
  return ms;
}

const compare: Record<Operator, (v: number, t: number) => boolean> = {
  GreaterThan: (v, t) => v > t,
  GreaterThanOrEqual: (v, t) => v >= t,
  LessThan: (v, t) => v < t,
  LessThanOrEqual: (v, t) => v <= t,
  Equal: (v, t) => v === t,
};

export interface AlertArgs {
  query: string;
  trigger: Trigger;
  window: string;
  overrideQueryTimeRange?: string;
  now: Date | string;
  /** Rows per table, or the same typed and indexed once (WorkspaceTables) for many evaluations. */
  tables: Record<string, Row[]> | WorkspaceTables;
}

export function evaluateAlert(args: AlertArgs & {
  /** Which result rows count (default allRows). */
  binning?: Binning;
}): AlertEvaluation {
  const binning = args.binning ?? "allRows";
  return evaluateAlertReadings(args, [binning])[binning]!;
}

/**
 * The query evaluated once and judged under each of `binnings` (default: every reading): what a
 * rule does whichever way Azure bins its result.
 */
export function evaluateAlertReadings(args: AlertArgs, binnings: readonly Binning[] = BINNINGS): Partial<Record<Binning, AlertEvaluation>> {
  const { trigger } = args;
  for (const b of binnings) if (!BINNINGS.includes(b)) throw new AlertDefinitionError(`unknown binning '${String(b)}' — expected one of: ${BINNINGS.join(", ")}`);
  if (!(trigger.operator in compare)) throw new AlertDefinitionError(`unknown operator '${trigger.operator}'`);
  if (!Number.isFinite(trigger.threshold)) throw new AlertDefinitionError(`threshold must be a finite number`);
  const measure = trigger.metricMeasureColumn;
  if (trigger.timeAggregation !== "Count" && !measure) {
    throw new AlertDefinitionError(`timeAggregation ${trigger.timeAggregation} needs a metricMeasureColumn`);
  }
  const now = typeof args.now === "string" ? parseDateTime(args.now) : args.now;
  if (!now) throw new AlertDefinitionError(`now is not a datetime: ${String(args.now)}`);
  const windowMs = parseIsoDuration(args.window);
  const rangeMs = parseIsoDuration(args.overrideQueryTimeRange ?? args.window);

  const opts: EvaluateOptions = { now, tables: args.tables, timeRange: { from: new Date(now.getTime() - rangeMs), to: now } };
  const table = evaluateTable(args.query, opts);
  const resultRows: Row[] = table.rows.map((r) => ({ ...r }));
  const columns = new Map(table.columns.map((c) => [c.name, c.type]));

  const dims = trigger.dimensions ?? [];
  for (const d of dims) if (!columns.has(d)) throw new AlertDefinitionError(`dimension column '${d}' is not in the query result (columns: ${[...columns.keys()].join(", ")})`);
  if (measure) {
    const t = columns.get(measure);
    if (!t) throw new AlertDefinitionError(`metricMeasureColumn '${measure}' is not in the query result`);
    if (!isNumericType(t)) throw new AlertDefinitionError(`metricMeasureColumn '${measure}' is ${t}, not numeric`);
  }

  const counted = (binning: Binning): Row[] => {
    if (binning === "allRows") return resultRows;
    if (columns.get("TimeGenerated") !== "datetime") {
      throw new AlertDefinitionError(`the result has no datetime TimeGenerated column (columns: ${[...columns.keys()].join(", ")}): under the evaluatedBins reading Azure could not place its rows in a bin`);
    }
    const from = now.getTime() - windowMs, to = now.getTime();
    return resultRows.filter((r) => {
      const t = r.TimeGenerated instanceof Date ? r.TimeGenerated.getTime() : NaN;
      return t > from && t <= to;
    });
  };
  const judge = (rows: Row[]): AlertEvaluation => {
    const groups = new Map<string, { dimensions: Record<string, unknown>; rows: Row[] }>();
    for (const r of rows) {
      const dv: Record<string, unknown> = {};
      for (const d of dims) dv[d] = r[d];
      const key = JSON.stringify(dims.map((d) => r[d] ?? null));
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { dimensions: dv, rows: [] }));
      g.rows.push(r);
    }
    // No result rows and no dimensions: one group counting 0 rows, so "LessThan 1" fires as in Azure.
    if (groups.size === 0 && dims.length === 0 && trigger.timeAggregation === "Count") groups.set("", { dimensions: {}, rows: [] });

    const out: AlertEvaluation["groups"] = [];
    for (const g of groups.values()) {
      const value = aggregateGroup(trigger.timeAggregation, g.rows, measure);
      if (value === null) continue;           // no numeric values to aggregate: nothing to compare
      out.push({ dimensions: g.dimensions, value, fired: compare[trigger.operator](value, trigger.threshold) });
    }
    return { fired: out.some((g) => g.fired), groups: out, rows, resultRows };
  };
  return Object.fromEntries(binnings.map((b) => [b, judge(counted(b))]));
}

function aggregateGroup(agg: TimeAggregation, rows: Row[], measure: string | undefined): number | null {
  if (agg === "Count") return rows.length;   // Count is the number of result rows in the split, measure column or not
  const values = rows.map((r) => r[measure!] as Value).filter((v): v is number => typeof v === "number" && !Number.isNaN(v));
  switch (agg) {
    case "Total": return values.reduce((a, b) => a + b, 0);
    case "Average": return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    case "Minimum": return values.length ? Math.min(...values) : null;
    case "Maximum": return values.length ? Math.max(...values) : null;
  }
}

