// Pattern 1 of the source write-up: a single Activity Log operation match. One definition gives
// both deployable forms: an activity-log alert condition (free, near real time) and the
// equivalent KQL over AzureActivity (used when an allowlist or threshold needs a log search
// alert, and by the analyser and the sample evaluator in either case).
import * as kql from "../kql";
import { ARRIVAL_PROJECTION, FIRST_ARRIVAL, INGESTION_LAG, ingestedSinceLastRun, previousRun } from "./arrival";
import type { ActivityLogSignal, ActivityOperationMatch, ExclusionColumn, ParameterValues, Trigger } from "../model";

/**
 * ActivityStatusValue spellings per outcome. Diagnostic-settings rows write Start/Accept/Success/
 * Failure; some operations and the retired connector write Started/Succeeded/Failed
 * (log-values.md 1.3), so the query accepts both.
 */
const STATUS_VALUES: Record<ActivityOperationMatch["outcome"], string[]> = {
  succeeded: ["Success", "Succeeded"],
  attempted: ["Start", "Started"],
  failed: ["Failure", "Failed"],
};

/** The `status` value an activity-log alert compares with (the REST form). */
const ALERT_STATUS: Record<ActivityOperationMatch["outcome"], string> = {
  succeeded: "Succeeded",
  attempted: "Started",
  failed: "Failed",
};

/** Columns every operation-match alert projects: when (arrival and event), who, from where, what, on what. */
export const OPERATION_COLUMNS = [
  ARRIVAL_PROJECTION, "Caller", "CallerIpAddress", "OperationNameValue", "ActivityStatusValue",
  "ResourceGroup", "_ResourceId", "SubscriptionId", "CorrelationId",
];

/** Split per caller, source address and resource so each alert names them. */
export const OPERATION_TRIGGER: Trigger = {
  operator: "GreaterThan",
  threshold: 0,
  timeAggregation: "Count",
  dimensions: ["Caller", "CallerIpAddress", "_ResourceId"],
};

/**
 * Activity Log rows reach the workspace 3-20 minutes after the event (log-values.md 1.4). A log
 * search alert that only looked at TimeGenerated within its window would miss every late row, so
 * the query form selects rows by ingestion time — each row is seen by exactly one run — and the
 * rule's query time range reaches this far back in TimeGenerated (see queryTimeRange in resolve.ts
 * and patterns/arrival.ts).
 */
export const ACTIVITY_LOG_INGESTION_LAG = INGESTION_LAG.activityLog;

/** Exclusion columns the query derives before filtering on them (the others are AzureActivity's own). */
const DERIVED_COLUMNS: Partial<Record<ExclusionColumn, string>> = { CallerAppId: "tostring(Claims_d.appid)" };

/**
 * KQL over AzureActivity matching the operation(s), with the signal's allowlist exclusions. Rows
 * are those ingested since the previous run (`evaluationFrequency` + overlap ago); for an attempt,
 * the operations whose first row was (its TimeGenerated is that row's arrival, FIRST_ARRIVAL).
 */
export function operationMatchQuery(signal: ActivityLogSignal, p: ParameterValues, evaluationFrequency: string): string {
  const m = signal.match;
  const attempted = m.outcome === "attempted";
  const lines = [
    "AzureActivity",
    attempted ? FIRST_ARRIVAL.extend : ingestedSinceLastRun(evaluationFrequency),
    `| where CategoryValue =~ ${kql.str(m.category ?? "Administrative")}`,
    `| where OperationNameValue in~ ${kql.strList(m.operations)}`,
    // An attempt counts from whichever row of the operation lands first (the Start row, unless a source lacks it).
    ...(attempted ? [] : [`| where ActivityStatusValue in~ ${kql.strList(STATUS_VALUES[m.outcome])}`]),
  ];
  const derived = [...new Set((signal.exclusions ?? []).map((ex) => ex.column))].filter((c) => DERIVED_COLUMNS[c]);
  for (const c of derived) lines.push(`| extend ${c} = ${DERIVED_COLUMNS[c]}`);
  let q = lines.join("\n");
  for (const ex of signal.exclusions ?? []) q += kql.excludeIn(ex.column, listParameter(p, ex.parameter));
  if (attempted) {
    // One result per operation (its rows share the CorrelationId), in the run that ingests its first row.
    q += "\n" + [
      `| summarize TimeGenerated = min(TimeGenerated), ${FIRST_ARRIVAL.aggregate}, Statuses = make_set(ActivityStatusValue, 5),`,
      `    CallerIpAddress = max(CallerIpAddress) by CorrelationId, Caller, OperationNameValue = toupper(OperationNameValue), ResourceGroup, _ResourceId, SubscriptionId${derived.map((c) => `, ${c}`).join("")}`,
      `| where FirstIngested > ${previousRun(evaluationFrequency)}`,
      '| extend ActivityStatusValue = strcat_array(Statuses, ",")',
    ].join("\n");
  }
  // After the summarize the operation's first arrival stands in for the row's (FIRST_ARRIVAL.output).
  const columns = attempted ? [FIRST_ARRIVAL.output("TimeGenerated"), ...OPERATION_COLUMNS.slice(1)] : OPERATION_COLUMNS;
  return q + `\n| project ${[...columns, ...derived].join(", ")}`;
}

/** The activity-log alert condition (Microsoft.Insights/activityLogAlerts `condition`). */
export interface ActivityLogAlertCondition {
  allOf: ({ field: string; equals: string } | { anyOf: { field: string; equals: string }[] })[];
}

export function activityLogCondition(m: ActivityOperationMatch): ActivityLogAlertCondition {
  const ops = m.operations.map((o) => ({ field: "operationName", equals: o }));
  return {
    allOf: [
      { field: "category", equals: m.category ?? "Administrative" },
      ops.length === 1 ? ops[0] : { anyOf: ops },
      { field: "status", equals: ALERT_STATUS[m.outcome] },
    ],
  };
}

function listParameter(p: ParameterValues, name: string): string[] {
  const v = p[name];
  if (!Array.isArray(v)) throw new Error(`parameter "${name}" must be a string list`);
  return v;
}
