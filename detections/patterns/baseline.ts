// Pattern 3 of the source write-up: the baseline anomaly. Activity in the last 24 hours is compared
// with the 24 hours before it, per group (a principal, an app, a user and an IP ...):
//
//   baselineQuery   — alert when a group's count (or distinct count) in the last 24h is at least
//                     `minCount` and has risen by at least `risePercent` over the previous 24h.
//                     An empty previous day counts as one event, so a brand-new burst of N events
//                     rises by 100*N percent.
//   firstSeenQuery  — alert when an entity (a user, a service principal) shows a value (a country,
//                     an IP address) in the last 24h that it did not show in the 24h before, and
//                     the entity had events with other values before the new one appeared.
//
// Both read two days of data, and a log search alert only sees its own window unless told
// otherwise, so every detection that uses them must set `overrideQueryTimeRange: "P2D"`
// (BASELINE_SCHEDULE does). Two days is Azure's maximum look-back for log alerts, so the
// "baseline" is one day: enough to catch a burst or a novelty, not a weekly rhythm.
//
// Arrival (patterns/arrival.ts). The rule runs hourly over a day-long comparison, so both builders
// decide *when* to alert by ingestion time, not by TimeGenerated:
//   baselineQuery   — NEW_EVIDENCE: a group alerts only in a run where one of its rows was ingested
//                     since the previous run. A burst alerts once (in the run after its rows land,
//                     however late), and again only while it goes on.
//   firstSeenQuery  — a new value alerts in the run in which its first alerting row (one that passes
//                     recentFilters) is ingested: once per new value, however late that row lands.
// The comparison itself (counts per day, the value's first sighting, the entity's history) stays by
// TimeGenerated over the two days; rows ingested in the last hour carry TimeGenerated at most the
// ingestion lag (about an hour, two for Graph activity) earlier, well inside the recent day.
//
// baselineQuery drops allowlisted rows before counting, from both days; firstSeenQuery applies its
// allowlists to the result, so an allowlisted value still counts as history. Values from configuration enter
// the KQL only through kql.ts; everything else a caller passes (table, filter expressions, column
// names) is catalogue code, and column names are checked to be plain identifiers.
//
// Usage:
//   parameters: baselineParameters({ minCount: 20, risePercent: 300, allowlists: { allowedAppIds: {...} } }),
//   ...BASELINE_SCHEDULE,
//   signal: { kind: "query", query: (p) => baselineQuery(spec, p), trigger: baselineTrigger(["Principal", "AppId"]) }
import * as kql from "../kql";
import type { Detection, GlobalAllowlist, Parameter, ParameterValues, Trigger } from "../model";
import { NEW_EVIDENCE, arrivalOutput, arrivalWindow, previousRun } from "./arrival";
import { mergeLegs, type Merge, type MergedColumn } from "./merge";

/** The boolean column (inside the query) that is true for rows of the last 24 hours. */
export const IN_RECENT = "InRecent";

/** How often the builders' rules run; the queries' "ingested since the previous run" uses it. */
export const BASELINE_FREQUENCY = "PT1H";

/** Schedule for both builders: hourly, over the two days the comparison needs. */
export const BASELINE_SCHEDULE = {
  evaluationFrequency: BASELINE_FREQUENCY,
  windowSize: arrivalWindow(BASELINE_FREQUENCY),
  overrideQueryTimeRange: "P2D",
  scheduleLock: {
    fields: ["evaluationFrequency", "windowSize", "overrideQueryTimeRange"],
    reason:
      "the query compares the last 24 hours with the 24 hours before (the full two-day range) and alerts on rows ingested " +
      "since the previous hourly run, so its frequency and range are written into the query",
  },
} satisfies Pick<Detection, "evaluationFrequency" | "windowSize" | "overrideQueryTimeRange" | "scheduleLock">;

/** An output column computed by the query: `name = expr`. */
export interface Column {
  name: string;
  expr: string;
}

/** Rows whose `column` is in the string-list parameter `parameter` are dropped (case-insensitive). */
export interface Exclusion {
  column: string;
  parameter: string;
}

export interface BaselineSpec {
  /** A table name or a `union` of tables (catalogue code). */
  source: string;
  /** Predicates, cheapest first; each becomes one `| where`. */
  filters: string[];
  /** Columns computed before the allowlists and grouping (e.g. a normalised path, a principal). */
  extend?: Column[];
  /** Predicates on the extended columns (after `extend`, before grouping). */
  postFilters?: string[];
  /** Grouping columns: whose activity is compared day to day. They name the alert. */
  groupBy: string[];
  /** Count distinct values of this column instead of rows (e.g. distinct target users). */
  distinctOf?: string;
  /** Extra aggregations over the last 24h; use IN_RECENT (e.g. make_set_if(IPAddress, InRecent, 10)). */
  details?: Column[];
  /** Columns computed from the summarized row (e.g. one IP taken out of a set for entity mapping). */
  after?: Column[];
  exclusions?: Exclusion[];
}

/**
 * The KQL of a baseline rise, alerting only for groups with a row ingested since the previous run
 * (NEW_EVIDENCE): once per burst, in the run after its rows land, and again while it goes on. Parameters: minCount, risePercent, and the spec's exclusions.
 */
export function baselineQuery(spec: BaselineSpec, p: ParameterValues): string {
  const group = spec.groupBy.map(kql.identifier).join(", ");
  const measure = (when: string) =>
    spec.distinctOf ? `dcountif(${kql.identifier(spec.distinctOf)}, ${when})` : `countif(${when})`;
  const aggregations = [
    `RecentCount = ${measure(IN_RECENT)}`,
    `BaselineCount = ${measure(`not(${IN_RECENT})`)}`,
    `FirstSeen = minif(TimeGenerated, ${IN_RECENT})`,
    `LastSeen = maxif(TimeGenerated, ${IN_RECENT})`,
    NEW_EVIDENCE.aggregate,
    ...(spec.details ?? []).map(columnText),
  ];
  let q = prelude(spec, p);
  q += `\n| extend ${IN_RECENT} = TimeGenerated >= ago(1d)`;
  q += `\n${NEW_EVIDENCE.extend}`;
  q += `\n| summarize ${aggregations.join(",\n    ")}\n    by ${group}`;
  q += `\n| where RecentCount >= ${kql.num(numberParameter(p, "minCount"))}`;
  q += `\n| extend RisePercent = round(100.0 * (RecentCount - BaselineCount) / max_of(BaselineCount, 1), 1)`;
  q += `\n| where RisePercent >= ${kql.num(numberParameter(p, "risePercent"))}`;
  q += `\n${NEW_EVIDENCE.since(BASELINE_FREQUENCY)}`;
  for (const c of spec.after ?? []) q += `\n| extend ${columnText(c)}`;
  const out = [NEW_EVIDENCE.output("FirstSeen"), ...spec.groupBy, "RecentCount", "BaselineCount", "RisePercent", "FirstSeen", "LastSeen",
    ...(spec.details ?? []).map((c) => c.name), ...(spec.after ?? []).map((c) => c.name)];
  return q + `\n| project ${out.join(", ")}`;
}

export interface FirstSeenSpec {
  /**
   * A table, or several tables whose rows count together (a user's interactive and non-interactive
   * sign-ins): each is summarised on its own and the results merged without `union` (patterns/merge.ts).
   */
  source: string | string[];
  /** Predicates for both days (what counts as the entity having been seen with a value). */
  filters: string[];
  extend?: Column[];
  /** Extra predicates for the last 24h only (e.g. only sign-ins to management apps alert). */
  recentFilters?: string[];
  /** Who: the entity columns (e.g. UserPrincipalName, or ServicePrincipalId and AppId). */
  entity: string[];
  /** What is new for the entity (e.g. Location, IPAddress). */
  value: string;
  /** Aggregations over the entity's recent rows with the new value. */
  details?: Column[];
  after?: Column[];
  /** Applied to the result (entity, value or detail columns), not to the history. */
  exclusions?: Exclusion[];
}

/**
 * The KQL of a first-seen value: in the last 24h the entity used a value it had not used in the
 * 24h before, and the entity already had events with other values before the new one appeared
 * (so it has a history to compare with — a user whose first event in two days is the new value
 * does not alert). History counts events of any kind that pass `filters`; only events that also
 * pass `recentFilters` alert. EntityValues lists every value of the entity in the two days.
 *
 * It alerts in the run in which the value's first alerting row (in the last 24h) was ingested
 * (FirstIngested since the previous run): once per new value, however late that row lands. The
 * value's first sighting and the entity's history are by TimeGenerated over the two days.
 */
export function firstSeenQuery(spec: FirstSeenSpec, p: ParameterValues): string {
  const entity = spec.entity.map(kql.identifier);
  const value = kql.identifier(spec.value);
  const keys = [...entity, value];
  const sources = Array.isArray(spec.source) ? spec.source : [spec.source];
  const legs = sources.length === 1 ? [""] : sources.map((_, i) => String(i));
  const recentColumns: Column[] = [
    { name: "Count", expr: "count()" }, { name: "FirstSeen", expr: "min(TimeGenerated)" }, { name: "LastSeen", expr: "max(TimeGenerated)" },
    { name: "FirstIngested", expr: "min(Ingested)" }, { name: "LastIngested", expr: "max(Ingested)" }, ...(spec.details ?? []),
  ];
  let q = "";
  legs.forEach((leg, i) => {
    q += `let rows${leg} = ${prelude({ ...spec, source: `${sources[i]}\n| extend Ingested = ingestion_time()`, exclusions: [] }, p).replace(/\n/g, "\n    ")};\n`;
    q += `let pairs${leg} = rows${leg}\n    | summarize PairFirstSeen = min(TimeGenerated) by ${keys.join(", ")};\n`;
    q += `let recent${leg} = rows${leg}\n    | where TimeGenerated >= ago(1d)`;
    for (const f of spec.recentFilters ?? []) q += `\n    | where ${f}`;
    q += `\n    | summarize ${recentColumns.map(columnText).join(",\n        ")}\n        by ${keys.join(", ")};\n`;
  });
  if (legs.length > 1) {
    const merged = (name: string, columns: MergedColumn[]) =>
      `let ${name} = ${mergeLegs(legs.map((l) => name + l), keys, columns).replace(/\n/g, "\n    ")};\n`;
    q += merged("pairs", [{ name: "PairFirstSeen", merge: "min" }]);
    q += merged("recent", recentColumns.map((c) => ({ name: c.name, merge: mergeOf(c) })));
  }
  q += `let entities = pairs\n    | summarize EntityFirstSeen = min(PairFirstSeen), EntityValues = make_set(${value}, 20) by ${entity.join(", ")};`;
  q += `\nrecent`;
  // The value's first alerting row landed since the previous run: alert now, and never again for it.
  q += `\n| where FirstIngested > ${previousRun(BASELINE_FREQUENCY)}`;
  q += `\n| join kind=inner pairs on ${keys.join(", ")}`;
  q += `\n| where PairFirstSeen >= ago(1d)`;
  q += `\n| join kind=inner entities on ${entity.join(", ")}`;
  q += `\n| where EntityFirstSeen < PairFirstSeen`;
  // After the comparison, so an allowlisted value (a country, an office IP) still counts as history.
  for (const ex of spec.exclusions ?? []) q += kql.excludeIn(ex.column, listParameter(p, ex.parameter));
  for (const c of spec.after ?? []) q += `\n| extend ${columnText(c)}`;
  // TimeGenerated: when the row that made the value new (its first alerting row) landed.
  const out = [arrivalOutput("FirstIngested", "FirstSeen"), ...keys, "Count", "FirstSeen", "LastSeen", "LastIngested", "PairFirstSeen", ...(spec.details ?? []).map((c) => c.name),
    "EntityValues", ...(spec.after ?? []).map((c) => c.name)];
  return q + `\n| project ${out.join(", ")}`;
}

/** How a summarised column merges across tables, from its aggregate (a detail column of a first-seen spec). */
function mergeOf(c: Column): Merge {
  const fn = /^(\w+)\(/.exec(c.expr)?.[1];
  const merges: Record<string, Merge> = { count: "sum", min: "min", max: "max", make_set: "set", take_any: "any" };
  const m = fn ? merges[fn] : undefined;
  if (!m) throw new Error(`column ${c.name} = ${c.expr}: only ${Object.keys(merges).join(", ")} can be merged across tables`);
  return m;
}

/** Source, filters, computed columns and allowlist exclusions shared by both builders. */
function prelude(spec: { source: string; filters: string[]; extend?: Column[]; postFilters?: string[]; exclusions?: Exclusion[] }, p: ParameterValues): string {
  let q = spec.source;
  for (const f of spec.filters) q += `\n| where ${f}`;
  for (const c of spec.extend ?? []) q += `\n| extend ${columnText(c)}`;
  for (const f of spec.postFilters ?? []) q += `\n| where ${f}`;
  for (const ex of spec.exclusions ?? []) q += kql.excludeIn(ex.column, listParameter(p, ex.parameter));
  return q;
}

function columnText(c: Column): string {
  return `${kql.identifier(c.name)} = ${c.expr}`;
}

export interface AllowlistParameter {
  description: string;
  /** Merge this org-wide allowlist from stack config. */
  allowlist?: GlobalAllowlist;
  default?: string[];
}

/**
 * The standard parameters of a baseline detection: `minCount` (events, or distinct values, in the
 * last 24h before anything alerts), `risePercent` (rise over the previous 24h), and the
 * allowlists named by the spec's exclusions. firstSeen detections pass only `allowlists`.
 */
export function baselineParameters(o: {
  minCount?: { default: number; description: string };
  risePercent?: number;
  allowlists?: Record<string, AllowlistParameter>;
}): Record<string, Parameter> {
  const out: Record<string, Parameter> = {};
  if (o.minCount) {
    out.minCount = { type: "number", integer: true, min: 1, default: o.minCount.default, description: o.minCount.description };
  }
  if (o.risePercent !== undefined) {
    out.risePercent = {
      type: "number", min: 0, default: o.risePercent,
      description: "Minimum rise of the last 24h over the previous 24h, in percent (an empty previous day counts as one event).",
    };
  }
  for (const [name, a] of Object.entries(o.allowlists ?? {})) {
    out[name] = { type: "stringList", description: a.description, default: a.default ?? [], ...(a.allowlist ? { allowlist: a.allowlist } : {}) };
  }
  return out;
}

/** One alert per group, naming it: the grouping columns become the dimensions (at most 6). */
export function baselineTrigger(dimensions: string[]): Trigger {
  return { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions };
}

/** A number parameter's value; throws if the detection did not declare it. */
export function numberParameter(p: ParameterValues, name: string): number {
  const v = p[name];
  if (typeof v !== "number") throw new Error(`parameter "${name}" must be a number`);
  return v;
}

/** A string-list parameter's value; throws if the detection did not declare it. */
export function listParameter(p: ParameterValues, name: string): string[] {
  const v = p[name];
  if (!Array.isArray(v)) throw new Error(`parameter "${name}" must be a string list`);
  return v;
}
