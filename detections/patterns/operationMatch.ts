// Pattern 1 of the source write-up: a single Activity Log operation match. One definition gives
// both deployable forms: an activity-log alert condition (free, near real time) and the
// equivalent KQL over AzureActivity (used when an allowlist or threshold needs a log search
// alert, and by the analyser and the sample evaluator in either case).
import * as kql from "../kql";
import { ARRIVAL_PROJECTION, INGESTION_LAG, ingestedSinceLastRun } from "./arrival";
import type { ActivityLogSignal, ActivityOperationMatch, ParameterValues, Trigger } from "../model";

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

/**
 * KQL over AzureActivity matching the operation(s), with the signal's allowlist exclusions. Rows
 * are those ingested since the previous run (`evaluationFrequency` ago).
 */
export function operationMatchQuery(signal: ActivityLogSignal, p: ParameterValues, evaluationFrequency: string): string {
  const m = signal.match;
  const lines = [
    "AzureActivity",
    ingestedSinceLastRun(evaluationFrequency),
    `| where CategoryValue =~ ${kql.str(m.category ?? "Administrative")}`,
    `| where OperationNameValue in~ ${kql.strList(m.operations)}`,
    `| where ActivityStatusValue in~ ${kql.strList(STATUS_VALUES[m.outcome])}`,
  ];
  let q = lines.join("\n");
  for (const ex of signal.exclusions ?? []) q += kql.excludeIn(ex.column, listParameter(p, ex.parameter));
  return q + `\n| project ${OPERATION_COLUMNS.join(", ")}`;
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
