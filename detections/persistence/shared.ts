// Small builders shared by the Persistence detections: the Entra audit initiator columns, the
// "request body on the Start row" Activity Log pattern, and sample rows in the form Azure writes.
import * as kql from "../kql";
import type { Detection, ParameterValues, Requirement, Parameter, SampleCase, Trigger } from "../model";
import { minutesAgo } from "../model";
import { ARRIVAL_PROJECTION, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/Persistence";

/** The ATRM page of a technique: AZT503.1 -> .../Persistence/AZT503/AZT503-1/, AZT504 -> .../AZT504/AZT504/. */
export function atrmPage(id: string): string {
  const parent = id.split(".")[0];
  return `${ATRM}/${parent}/${id.replace(".", "-")}/`;
}

// ---------------------------------------------------------------------------------------------
// Requirements

export const ACTIVITY_ADMIN: Requirement = { source: "activityLog", categories: ["Administrative"] };
export const ENTRA_AUDIT: Requirement = { source: "entraId", categories: ["AuditLogs"] };

// ---------------------------------------------------------------------------------------------
// Parameters

export function callerAllowlist(what: string): Parameter {
  return {
    type: "stringList",
    description: `Callers (UPN, or service principal object id as in AzureActivity.Caller) expected to ${what}.`,
    default: [],
    allowlist: "callers",
  };
}

/** The two allowlists every Entra audit detection takes: admin UPNs and automation app ids. */
export function initiatorAllowlists(what: string): Record<string, Parameter> {
  return {
    allowedInitiatorUpns: {
      type: "stringList",
      description: `User principal names of administrators expected to ${what}.`,
      default: [],
      allowlist: "userPrincipalNames",
    },
    allowedInitiatorAppIds: {
      type: "stringList",
      description: `Application (client) ids of automation expected to ${what} (InitiatedBy.app.appId).`,
      default: [],
      allowlist: "appIds",
    },
  };
}

function list(p: ParameterValues, name: string): string[] {
  const v = p[name];
  if (!Array.isArray(v)) throw new Error(`parameter "${name}" must be a string list`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// AuditLogs (log-values.md 2.1): who initiated, from where, on what.

/**
 * Extends Initiator (UPN, else app display name, else service principal id), InitiatorUpn,
 * InitiatorAppId, InitiatorIp, Target (UPN or display name of the first target) and TargetId,
 * then drops allowlisted initiators.
 */
export function auditInitiator(p: ParameterValues): string {
  return [
    "| extend InitiatorUpn = tostring(InitiatedBy.user.userPrincipalName), InitiatorAppId = tostring(InitiatedBy.app.appId)",
    "| extend Initiator = coalesce(InitiatorUpn, tostring(InitiatedBy.app.displayName), tostring(InitiatedBy.app.servicePrincipalId), InitiatorAppId)",
    "| extend InitiatorIp = coalesce(tostring(InitiatedBy.user.ipAddress), tostring(InitiatedBy.app.ipAddress))",
    "| extend Target = coalesce(tostring(TargetResources[0].userPrincipalName), tostring(TargetResources[0].displayName)), TargetId = tostring(TargetResources[0].id), TargetType = tostring(TargetResources[0].type)",
  ].join("\n") +
    kql.excludeIn("InitiatorUpn", list(p, "allowedInitiatorUpns")) +
    kql.excludeIn("InitiatorAppId", list(p, "allowedInitiatorAppIds"));
}

/**
 * Entra audit rules run every 15 minutes over the rows ingested since the previous run; their
 * query range reaches the Entra ID ingestion lag further back (patterns/arrival.ts).
 */
export const AUDIT_FREQUENCY = "PT15M";
export const AUDIT_SCHEDULE = ingestionSchedule(AUDIT_FREQUENCY, AUDIT_FREQUENCY, "entraId");

export const AUDIT_COLUMNS = [
  ARRIVAL_PROJECTION, "OperationName", "Initiator", "InitiatorIp", "InitiatorAppId", "Target", "TargetType", "TargetId", "CorrelationId",
];

/**
 * AuditLogs rows of `activities` that succeeded, narrowed by `narrow` (KQL lines over the raw row),
 * with initiator/target columns, the allowlists applied, and the target's modifiedProperties as Changes.
 * Rows are those ingested since the previous run: use AUDIT_SCHEDULE as the detection's schedule.
 */
export function auditActivityQuery(activities: string[], narrow: string[] = [], extraColumns: string[] = []) {
  return (p: ParameterValues): string => [
    "AuditLogs",
    ingestedSinceLastRun(AUDIT_FREQUENCY),
    `| where OperationName in~ ${kql.strList(activities)}`,
    '| where Result =~ "success"',
    ...narrow,
    auditInitiator(p),
    "| extend Changes = tostring(TargetResources[0].modifiedProperties)",
    `| project ${[...AUDIT_COLUMNS, "Changes", ...extraColumns].join(", ")}`,
  ].join("\n");
}

export const AUDIT_TRIGGER: Trigger = {
  operator: "GreaterThan",
  threshold: 0,
  timeAggregation: "Count",
  dimensions: ["Initiator", "InitiatorIp", "OperationName", "Target"],
};

export const AUDIT_ENTITIES = { account: "Initiator", ip: "InitiatorIp", resource: "Target" };

// ---------------------------------------------------------------------------------------------
// AzureActivity Start rows: the request body is only on the Start row, in Properties_d.requestbody
// (lower-case key, log-values.md 1.3). Alerting on the Start row means the alert also covers
// attempts that later failed, and it never waits for a Success row that lands in the next window.

export const START_COLUMNS = [
  ARRIVAL_PROJECTION, "Caller", "CallerIpAddress", "OperationNameValue", "ActivityStatusValue",
  "ResourceGroup", "_ResourceId", "SubscriptionId", "CorrelationId", "RequestBody",
];

export const ACTIVITY_TRIGGER: Trigger = {
  operator: "GreaterThan",
  threshold: 0,
  timeAggregation: "Count",
  dimensions: ["Caller", "CallerIpAddress", "_ResourceId"],
};

export const ACTIVITY_ENTITIES = { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId" };

/**
 * AzureActivity Start rows of `operations` with RequestBody extended (a string), minus callers in
 * the `allowedCallers` parameter. The caller adds its body filter and projection. Rows are those
 * ingested since the previous run (`frequency` ago): Activity Log rows land 3-20 minutes after the
 * event, so a TimeGenerated window as short as the schedule would miss most of them. Use
 * ingestionSchedule(frequency) as the detection's schedule.
 */
export function startRows(operations: string[], p: ParameterValues, frequency: string): string {
  return [
    "AzureActivity",
    ingestedSinceLastRun(frequency),
    '| where CategoryValue =~ "Administrative"',
    `| where OperationNameValue in~ ${kql.strList(operations)}`,
    '| where ActivityStatusValue in~ ("Start", "Started")',
  ].join("\n") +
    kql.excludeIn("Caller", list(p, "allowedCallers")) +
    "\n| extend RequestBody = tostring(Properties_d.requestbody)";
}

// ---------------------------------------------------------------------------------------------
// Sample rows.

export const SUB = "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11";
export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const ATTACKER = "mallory@contoso.onmicrosoft.com";
export const ATTACKER_IP = "203.0.113.45";
export const ADMIN = "it-admin@contoso.onmicrosoft.com";

/** Lower-case resource id as AzureActivity._ResourceId carries it (log-values.md 1.1). */
export function resourceId(rg: string, provider: string, path: string): string {
  return `/subscriptions/${SUB}/resourcegroups/${rg}/providers/${provider}/${path}`.toLowerCase();
}

/** An AzureActivity row as diagnostic-settings export writes it (log-values.md 1.1-1.4). */
export function activityRow(minutes: number, operation: string, rid: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const provider = operation.split("/")[0].toUpperCase();
  return {
    TimeGenerated: minutesAgo(minutes),
    CategoryValue: "Administrative",
    OperationNameValue: operation.toUpperCase(),
    ActivityStatusValue: "Success",
    ActivitySubstatusValue: "OK",
    ResourceProviderValue: provider,
    ResourceGroup: (rid.split("/resourcegroups/")[1] ?? "").split("/")[0].toUpperCase(),
    _ResourceId: rid,
    SubscriptionId: SUB,
    Caller: ATTACKER,
    CallerIpAddress: ATTACKER_IP,
    CorrelationId: "0b9c8e7a-1f2d-4e3c-8b5a-6d7e8f9a0b1c",
    HTTPRequest: `{"clientIpAddress":"${ATTACKER_IP}"}`,
    ...over,
  };
}

/** The Start row of a write, carrying the request body as Properties_d.requestbody (a JSON string). */
export function startRow(minutes: number, operation: string, rid: string, body: unknown, over: Record<string, unknown> = {}): Record<string, unknown> {
  return activityRow(minutes, operation, rid, {
    ActivityStatusValue: "Start",
    ActivitySubstatusValue: "",
    Properties_d: {
      eventCategory: "Administrative",
      message: operation,
      requestbody: typeof body === "string" ? body : JSON.stringify(body),
      resource: rid.split("/providers/")[1] ?? rid,
      resourceGroup: (rid.split("/resourcegroups/")[1] ?? "").split("/")[0].toUpperCase(),
      subscriptionId: SUB,
    },
    ...over,
  });
}

/** InitiatedBy for a user (log-values.md 2.1). */
export function byUser(upn: string, ip: string = ATTACKER_IP): Record<string, unknown> {
  return { user: { displayName: null, userPrincipalName: upn, ipAddress: ip, roles: [], id: "4f7c1a52-8d3e-4b61-9c0a-2e5d7f8a1b3c" } };
}

/** InitiatedBy for an application (log-values.md 2.1, keys as read by Sentinel rules). */
export function byApp(displayName: string, appId: string): Record<string, unknown> {
  return { app: { displayName, appId, servicePrincipalId: "9d2b6e41-3c7a-4f58-b0e1-6a4c8d2f7e90", ipAddress: null } };
}

export interface AuditTarget {
  type: string;
  displayName?: string | null;
  userPrincipalName?: string | null;
  id?: string;
  modifiedProperties?: { displayName: string; oldValue: string | null; newValue: string | null }[];
}

/** An AuditLogs row (log-values.md 2.1): OperationName = ActivityDisplayName, Result lower case. */
export function auditRow(
  minutes: number,
  operation: string,
  category: string,
  initiatedBy: Record<string, unknown>,
  targets: AuditTarget[],
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    TimeGenerated: minutesAgo(minutes),
    ActivityDateTime: minutesAgo(minutes),
    OperationName: operation,
    ActivityDisplayName: operation,
    Category: category,
    LoggedByService: "Core Directory",
    Result: "success",
    ResultSignature: "None",
    OperationVersion: "1.0",
    AADOperationType: operation.split(" ")[0],
    Resource: "Microsoft.aadiam",
    ResourceProvider: "Microsoft.aadiam",
    ResourceGroup: "Microsoft.aadiam",
    SourceSystem: "Azure AD",
    Level: "4",
    Id: "Directory_1c8e5f7a-2b3d-4e6f-8a9b-0c1d2e3f4a5b_ABCDE_12345",
    CorrelationId: "1c8e5f7a-2b3d-4e6f-8a9b-0c1d2e3f4a5b",
    InitiatedBy: initiatedBy,
    TargetResources: targets.map((t) => ({
      administrativeUnits: [],
      modifiedProperties: [],
      displayName: null,
      userPrincipalName: null,
      id: "0d3f5b7e-1a2c-4e6a-9b8d-7c6e5f4a3b2c",
      ...t,
    })),
    AdditionalDetails: [{ key: "User-Agent", value: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" }],
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// Detection parts that repeat across the catalogue's Activity Log detections.

type DetectionParts = Pick<Detection, "parameters" | "signal" | "requires" | "entities">;
type ScheduledParts = DetectionParts & Pick<Detection, "evaluationFrequency" | "windowSize" | "overrideQueryTimeRange">;

/** A plain operation match with a caller allowlist: deploys as a free activity-log alert until the allowlist is set. */
export function operationMatchParts(operations: string[], what: string): DetectionParts {
  return {
    parameters: { allowedCallers: callerAllowlist(what) },
    signal: {
      kind: "activityLog",
      match: { operations, outcome: "succeeded" },
      exclusions: [{ column: "Caller", parameter: "allowedCallers" }],
    },
    requires: [ACTIVITY_ADMIN],
    entities: ACTIVITY_ENTITIES,
  };
}

/**
 * Start rows of `operations` whose request body passes `filter` (KQL lines over RequestBody),
 * projected with the usual columns plus `extraColumns` (extended by `filter`), run every
 * `frequency` over the rows ingested since the previous run (schedule included).
 */
export function requestBodyParts(operations: string[], what: string, filter: string[], extraColumns: string[], frequency: string): ScheduledParts {
  return {
    ...ingestionSchedule(frequency),
    parameters: { allowedCallers: callerAllowlist(what) },
    signal: {
      kind: "query",
      query: (p) => [startRows(operations, p, frequency), ...filter, `| project ${[...START_COLUMNS, ...extraColumns].join(", ")}`].join("\n"),
      trigger: ACTIVITY_TRIGGER,
    },
    requires: [ACTIVITY_ADMIN],
    entities: ACTIVITY_ENTITIES,
  };
}

/** The near misses every operation match must stay quiet on: failed, allowlisted caller, just outside the window. */
export function operationQuietCases(operation: string, rid: string, windowMinutes: number): SampleCase[] {
  return [
    { name: "same operation failed", rows: { AzureActivity: [activityRow(2, operation, rid, { ActivityStatusValue: "Failure", ActivitySubstatusValue: "Forbidden" })] } },
    { name: "allowlisted caller", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [activityRow(2, operation, rid)] } },
    { name: "succeeded just outside the window", rows: { AzureActivity: [activityRow(windowMinutes + 2, operation, rid)] } },
  ];
}
