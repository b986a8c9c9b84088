// Rows of several tables in one log search alert rule, without `union`. "We don't support creating
// or modifying log search alert rules that use search or union operators, except for
// cross-resource queries" (MicrosoftDocs/azure-monitor-docs articles/azure-monitor/alerts/
// alerts-log-query.md@30958b92, "Log query constraints"); kusto/lint.ts fails a query that uses one.
//
// What a union did for a detection here is always followed by a summarize (per principal, per
// address...). So each table is summarised on its own into the same columns (a leg), and the legs
// are merged with `join kind=fullouter` on the group keys: a group seen in one table keeps its
// values, a group seen in several has them combined column by column (counts added, first and
// last times and arrivals taken with min_of/max_of, which prefer non-null values, sets united).
// The legs are reduced before every join, as the JOIN lint asks.
import * as kql from "../kql";

/** How a summarised column combines across legs. */
export type Merge = "sum" | "min" | "max" | "set" | "any";

export interface MergedColumn {
  name: string;
  merge: Merge;
}

/** The expression combining column `c` of the left leg with its joined copy (`<name>1`) of the right. */
function combine(c: MergedColumn): string {
  const a = kql.identifier(c.name), b = `${a}1`;
  switch (c.merge) {
    case "sum": return `coalesce(${a}, long(0)) + coalesce(${b}, long(0))`;
    case "min": return `min_of(${a}, ${b})`;
    case "max": return `max_of(${a}, ${b})`;
    case "set": return `set_union(coalesce(${a}, dynamic([])), coalesce(${b}, dynamic([])))`;
    case "any": return `coalesce(${a}, ${b})`;
  }
}

/**
 * The tabular expression merging `legs` (let names of tables each summarised by `keys` into
 * exactly `columns`): one row per group of keys seen in any leg, with `keys` and `columns`.
 */
export function mergeLegs(legs: string[], keys: string[], columns: MergedColumn[]): string {
  if (legs.length < 2) throw new Error("mergeLegs needs at least two legs");
  const on = keys.map(kql.identifier);
  const project = [...on.map((k) => `${k} = coalesce(${k}, ${k}1)`), ...columns.map((c) => `${kql.identifier(c.name)} = ${combine(c)}`)].join(",\n    ");
  return [
    kql.identifier(legs[0]),
    ...legs.slice(1).flatMap((leg) => [`| join kind=fullouter ${kql.identifier(leg)} on ${on.join(", ")}`, `| project ${project}`]),
  ].join("\n");
}
