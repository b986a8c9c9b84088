// A plain Activity Log operation match with the standard caller allowlist and the standard sample
// cases (success fires; failure, a neighbouring operation, a row outside the window and an
// allowlisted caller stay quiet). Used by the Impact detections that need nothing more.
import * as kql from "../kql";
import { isoDurationMs } from "../kql";
import type { Detection, SampleCase } from "../model";
import { ARRIVAL_PROJECTION, arrivalWindow, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";
import { MICROSOFT_SERVICE_APP_IDS_SOURCE } from "../microsoft-services";
import { activityRow, ATTACKER_UPN } from "./sampleRows";

/** The model's descriptive fields, as a detection has them. */
type Described = Pick<Detection, "key" | "technique" | "name" | "description" | "falsePositives" | "triage" | "references" | "severity">;

export interface ActivityRuleSpec extends Described {
  /** PT5M for high-confidence, high-impact operations; longer for noisier ones. */
  window: "PT5M" | "PT15M";
  /** ARM operations in documented mixed case. */
  operations: string[];
  /** Lower-case ARM id of the sample target (as in AzureActivity._ResourceId). */
  sampleResourceId: string;
  /** An operation on the same resource that must not fire. */
  nearMissOperation: string;
  callersDescription: string;
  /**
   * Services whose own calls are routine, by the app id of their token (CallerAppId): the parameter
   * serviceAppIds with this default. A non-empty list deploys the rule as a log search alert.
   */
  serviceAppIds?: { default: string[]; description: string };
  extraFires?: SampleCase[];
  extraQuiet?: SampleCase[];
  revisions?: Detection["revisions"];
}

export function activityRule(s: ActivityRuleSpec): Detection {
  const minutes = isoDurationMs(s.window) / 60_000;
  const row = (m: number, over: Record<string, unknown> = {}) => activityRow(m, s.operations[0], s.sampleResourceId, over);
  return {
    key: s.key,
    technique: s.technique,
    tactic: "Impact",
    name: s.name,
    description: s.description,
    falsePositives: s.falsePositives,
    triage: s.triage,
    references: s.references,
    severity: s.severity,
    evaluationFrequency: s.window,
    windowSize: arrivalWindow(s.window),
    parameters: {
      allowedCallers: { type: "stringList", description: s.callersDescription, default: [], allowlist: "callers" },
      ...(s.serviceAppIds ? { serviceAppIds: { type: "stringList" as const, ...s.serviceAppIds, allowlist: "appIds" as const } } : {}),
    },
    signal: {
      kind: "activityLog",
      match: { operations: s.operations, outcome: "succeeded" },
      exclusions: [
        { column: "Caller", parameter: "allowedCallers" },
        ...(s.serviceAppIds ? [{ column: "CallerAppId" as const, parameter: "serviceAppIds" }] : []),
      ],
    },
    requires: [{ source: "activityLog", categories: ["Administrative"] }],
    entities: { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId" },
    samples: {
      source: "log-values.md 1.1-1.3 (upper-case OperationNameValue, Start/Accept/Success, lower-case _ResourceId), 1.5 (operation is logged)" +
        (s.serviceAppIds ? "; 1.4 (Claims_d appid, appidacr); " + MICROSOFT_SERVICE_APP_IDS_SOURCE : ""),
      fires: [
        {
          name: "operation started then succeeded",
          rows: { AzureActivity: [row(minutes - 1, { ActivityStatusValue: "Start", ActivitySubstatusValue: "" }), row(minutes - 2)] },
        },
        { name: "legacy lower-case operation with Succeeded", rows: { AzureActivity: [row(2, { OperationNameValue: s.operations[0].toLowerCase(), ActivityStatusValue: "Succeeded" })] } },
        ...(s.extraFires ?? []),
      ],
      quiet: [
        { name: "operation failed", rows: { AzureActivity: [row(2, { ActivityStatusValue: "Failure", ActivitySubstatusValue: "Forbidden" })] } },
        { name: "neighbouring operation on the same resource", rows: { AzureActivity: [row(2, { OperationNameValue: s.nearMissOperation.toUpperCase() })] } },
        { name: "succeeded before the window", rows: { AzureActivity: [row(minutes + 4)] } },
        { name: "allowlisted caller", parameters: { allowedCallers: [ATTACKER_UPN] }, rows: { AzureActivity: [row(2)] } },
        ...(s.extraQuiet ?? []),
      ],
    },
    ...(s.revisions ? { revisions: s.revisions } : {}),
  };
}

const REQUEST_BODY_FREQUENCY = "PT15M";

/**
 * An ARM write whose request body (Properties_d.requestbody, on the Start row only: log-values.md 1.3)
 * has the term `property` (cheap pre-filter) and matches `pattern` (RE2). It sees attempts,
 * including ones that later fail. Runs every 15 minutes over the Start rows ingested since the
 * previous run (Activity Log rows land 3-20 minutes late).
 */
export function requestBodyMatch(
  operation: string,
  property: string,
  pattern: string,
): Pick<Detection, "parameters" | "signal" | "requires" | "entities" | "evaluationFrequency" | "windowSize" | "overrideQueryTimeRange"> {
  return {
    ...ingestionSchedule(REQUEST_BODY_FREQUENCY),
    parameters: {
      allowedCallers: {
        type: "stringList",
        description: "Identities that perform this change as part of operations (AzureActivity.Caller).",
        default: [],
        allowlist: "callers",
      },
    },
    signal: {
      kind: "query",
      query: (p) =>
        [
          "AzureActivity",
          ingestedSinceLastRun(REQUEST_BODY_FREQUENCY),
          `| where OperationNameValue =~ ${kql.str(operation)}`,
          `| where ActivityStatusValue in~ ("Start", "Started")`,
          "| extend RequestBody = tostring(Properties_d.requestbody)",
          `| where RequestBody has ${kql.str(property)}`,
          `| where RequestBody matches regex ${kql.str(pattern)}`,
        ].join("\n") +
        kql.excludeIn("Caller", p.allowedCallers as string[]) +
        `\n| project ${ARRIVAL_PROJECTION}, Caller, CallerIpAddress, OperationNameValue, _ResourceId, SubscriptionId, CorrelationId, RequestBody`,
      trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Caller", "CallerIpAddress", "_ResourceId"] },
    },
    requires: [{ source: "activityLog", categories: ["Administrative"] }],
    entities: { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId" },
  };
}
