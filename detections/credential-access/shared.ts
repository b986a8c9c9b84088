// Builders shared by the Credential Access techniques: sample rows in the form Azure writes them,
// the Key Vault AuditEvent query fragments, and the "change then run" Activity Log correlation.
// Every configurable value enters KQL through kql.ts.
import * as kql from "../kql";
import type { Parameter, Requirement, SampleRow } from "../model";
import { minutesAgo } from "../model";
import { FIRST_ARRIVAL, ingestedSinceLastRun, ingestionSchedule, NEW_EVIDENCE, arrivalOutput, previousRun } from "../patterns/arrival";

export const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/CredentialAccess";
export const SUB = "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11";
export const ATTACKER = "mallory@contoso.onmicrosoft.com";
export const ATTACKER_IP = "203.0.113.45";
export const ADMIN = "adele.vance@contoso.onmicrosoft.com";

export const ACTIVITY_ADMIN: Requirement = { source: "activityLog", categories: ["Administrative"] };

/** Diagnostic setting of a Key Vault in the legacy AzureDiagnostics mode (category AuditEvent). */
export const KEYVAULT_AUDIT: Requirement = {
  source: "diagnostics",
  resourceType: "Microsoft.KeyVault/vaults",
  categories: ["AuditEvent"],
  destination: "AzureDiagnostics",
  tables: ["AzureDiagnostics"],
};

/** ActivityStatusValue of a completed successful operation in both the current and the legacy form (log-values.md 1.3). */
export const SUCCEEDED = kql.strList(["Success", "Succeeded"]);

// ---------------------------------------------------------------------------------------------
// Parameters used by several detections.

export function callersParam(what: string): Parameter {
  return {
    type: "stringList",
    description: `Callers (UPN or service principal object id, as in AzureActivity.Caller) allowed to ${what}.`,
    default: [],
    allowlist: "callers",
  };
}

export function countParam(description: string, def: number, max = 1000): Parameter {
  return { type: "number", description, default: def, min: 1, max, integer: true };
}

export function list(p: Record<string, unknown>, name: string): string[] {
  const v = p[name];
  if (!Array.isArray(v)) throw new Error(`parameter "${name}" must be a string list`);
  return v as string[];
}

export function num(p: Record<string, unknown>, name: string): number {
  const v = p[name];
  if (typeof v !== "number") throw new Error(`parameter "${name}" must be a number`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Sample rows.

/** An AzureActivity row as the diagnostic-settings export writes it (log-values.md 1.1-1.4). */
export function activityRow(minutes: number, operation: string, resourceId: string, over: SampleRow = {}): SampleRow {
  const provider = operation.split("/")[0];
  const rg = /\/resourcegroups\/([^/]+)/i.exec(resourceId)?.[1] ?? "";
  return {
    TimeGenerated: minutesAgo(minutes),
    CategoryValue: "Administrative",
    OperationNameValue: operation,
    ActivityStatusValue: "Success",
    ActivitySubstatusValue: "OK",
    ResourceProviderValue: provider,
    ResourceGroup: rg.toUpperCase(),
    _ResourceId: resourceId.toLowerCase(),
    SubscriptionId: SUB,
    Caller: ATTACKER,
    CallerIpAddress: ATTACKER_IP,
    CorrelationId: "0b9c8e7a-1f2d-4e3c-8b5a-6d7e8f9a0b1c",
    Claims_d: { appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", appidacr: "0", ipaddr: ATTACKER_IP },
    ...over,
  };
}

export function rid(rg: string, providerPath: string): string {
  return `/subscriptions/${SUB}/resourcegroups/${rg}/providers/${providerPath}`;
}

// ---------------------------------------------------------------------------------------------
// Key Vault AuditEvent (log-values.md 4.1).

export const VAULT = "CONTOSO-KV";
const VAULT_RID = `/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/RG-SECRETS/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/`;
export const KV_UPN_COLUMN = "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s";
export const KV_OID_COLUMN = "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g";
export const ATTACKER_OID = "5d2f9a61-8c4e-4b7a-9e13-2c6f0a8b7d45";

/** Azure Resource Graph and Policy Insights: first-party apps that read vault metadata all day (log-values.md 4.1). */
export const KV_NOISY_APP_IDS = ["509e4652-da8d-478d-a730-e9d4a1996ca4", "8cae6e77-e04e-42ce-b5cb-50d82bce26b1"];

/**
 * A Key Vault AuditEvent row in AzureDiagnostics. `kind` and `name` give the object URL
 * (`https://<vault>.vault.azure.net/<kind>/<name>/<version>`); a 403 keeps ResultType `Success`.
 */
export function kvRow(
  minutes: number,
  operation: string,
  object: { kind: "secrets" | "keys" | "certificates"; name?: string } | null,
  over: SampleRow = {},
  vault = VAULT,
): SampleRow {
  const host = `https://${vault.toLowerCase()}.vault.azure.net`;
  const path = object ? `/${object.kind}${object.name ? `/${object.name}` : ""}` : "";
  return {
    TimeGenerated: minutesAgo(minutes),
    ResourceProvider: "MICROSOFT.KEYVAULT",
    ResourceType: "VAULTS",
    Category: "AuditEvent",
    Resource: vault,
    ResourceGroup: "RG-SECRETS",
    SubscriptionId: SUB,
    ResourceId: VAULT_RID + vault,
    _ResourceId: (VAULT_RID + vault).toLowerCase(),
    OperationName: operation,
    OperationVersion: "7.4",
    ResultType: "Success",
    ResultSignature: "OK",
    httpStatusCode_d: 200,
    DurationMs: 12,
    id_s: object?.name ? `${host}${path}/0f4c3b2a19d84e7f8a6b5c4d3e2f1a0b` : `${host}${path}`,
    requestUri_s: `${host}${path}/?api-version=7.4`,
    CallerIPAddress: ATTACKER_IP,
    clientInfo_s: "PowerShell/7.4.1 Az.KeyVault/5.2.0",
    isAccessPolicyMatch_b: true,
    [KV_UPN_COLUMN]: ATTACKER,
    [KV_OID_COLUMN]: ATTACKER_OID,
    identity_claim_appid_g: "1950a258-227b-4e31-a9cf-717495945fc2",
    CorrelationId: "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    ...over,
  };
}

/** The same row answered 403: ResultType stays `Success` (log-values.md 4.1). */
export const FORBIDDEN: SampleRow = { ResultSignature: "Forbidden", httpStatusCode_d: 403, id_s: "" };

/**
 * The caller of a Key Vault AuditEvent row (AzureDiagnostics) as Upn, ObjectId, AppId and Identity
 * (the first of them present). The claim columns come in two forms depending on the record
 * (`identity_claim_upn_s` or the schema-URI form, log-values.md 4.1), and a workspace's
 * AzureDiagnostics holds only the forms it has received (sparse columns: kusto/lint.ts SPARSE), so
 * every claim column is read through column_ifexists, as Sentinel's Key Vault rules do.
 */
export const KEY_VAULT_IDENTITY = [
  '| extend Upn = coalesce(tostring(column_ifexists("identity_claim_upn_s", "")), tostring(column_ifexists("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s", ""))),',
  '    ObjectId = coalesce(tostring(column_ifexists("identity_claim_oid_g", "")), tostring(column_ifexists("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", ""))),',
  '    AppId = tostring(column_ifexists("identity_claim_appid_g", ""))',
  "| extend Identity = coalesce(Upn, ObjectId, AppId)",
].join("\n");

/**
 * Key Vault AuditEvent rows of the given operations, with the caller normalised into
 * Upn/ObjectId/AppId/Identity (KEY_VAULT_IDENTITY). `arrival`, the line
 * right after the table name, selects or marks by arrival: ingestedSinceLastRun(...) or
 * NEW_EVIDENCE.extend (patterns/arrival.ts); without it the rows are kept by TimeGenerated only
 * (the history side of a correlation).
 */
export function keyVaultEvents(
  operations: string[],
  p: { allowedAppIds: string[]; allowedCallers: string[] },
  outcome?: string,
  arrival?: string,
): string {
  return [
    "AzureDiagnostics",
    ...(arrival ? [arrival] : []),
    '| where ResourceProvider =~ "MICROSOFT.KEYVAULT" and Category =~ "AuditEvent"',
    `| where OperationName in~ ${kql.strList(operations)}`,
    ...(outcome ? [`| where ${outcome}`] : []),
    KEY_VAULT_IDENTITY,
    // Object name from the object id or the request URL: .../secrets/<name>/<version>.
    '| extend ObjectName = extract(@"(?i)/(?:secrets|keys|certificates)/([^/?]+)", 1, coalesce(id_s, requestUri_s))',
  ].join("\n")
    + kql.excludeIn("AppId", p.allowedAppIds)
    + kql.excludeIn("Upn", p.allowedCallers)
    + kql.excludeIn("ObjectId", p.allowedCallers);
}

/** A data-plane call that really returned the object: ResultType is `Success` even for 403/404. */
export const KV_READ_OK = '(ResultSignature =~ "OK" or httpStatusCode_d == 200)';
export const KV_DENIED = '(ResultSignature =~ "Forbidden" or httpStatusCode_d == 403)';

export function keyVaultParams(): Record<string, Parameter> {
  return {
    allowedAppIds: {
      type: "stringList",
      description: "Application ids (identity_claim_appid_g) whose Key Vault reads are expected: Key Vault references of App Service, backup tools, Azure Resource Graph / Policy Insights.",
      default: [...KV_NOISY_APP_IDS],
      allowlist: "appIds",
    },
    allowedCallers: callersParam("read many vault objects (UPN or object id of the caller's token)"),
  };
}

export const KV_COLUMNS = "TimeGenerated = LastRead, Identity, Upn, ObjectId, AppId, CallerIPAddress, Vaults";

// ---------------------------------------------------------------------------------------------
// "Change then run": a principal changes code-bearing resources and runs them shortly after.

export interface ChangeThenRun {
  /** Operations that change the code (runbook write, workflow write). */
  changeOperations: string[];
  /** Operations that run it (job create, trigger run). */
  runOperations: string[];
  /** Regex whose group 1 is the container both share (automation account, workflow), over _ResourceId. */
  containerPattern: string;
  /** Regex whose group 1 is the item's name in a change row (runbook, workflow). */
  itemPattern: string;
  /** How far back from the run a change may be (must not exceed the query time range). */
  maxGapMinutes: number;
  /** The evaluation frequency: a pair is reported by the run that ingests its last row. */
  runSlice: string;
  allowedCallers: string[];
}

/**
 * Changes and runs per caller and container, paired one by one: a change and a run at most
 * `maxGapMinutes` after it, reported in the rule run that ingests the pair's last row (whichever
 * side lands last: Activity Log rows do not arrive in order), so each pair alerts once. Pairing each operation (one row per
 * CorrelationId) rather than comparing the first change with the last run matters: an attacker
 * who created a runbook two hours ago and edits and runs it now must still pair. The rule's window
 * must cover both (runSlice + maxGapMinutes).
 */
export function changeThenRunQuery(c: ChangeThenRun): string {
  const base = (ops: string[]) =>
    [
      "AzureActivity",
      '| where CategoryValue =~ "Administrative"',
      `| where OperationNameValue in~ ${kql.strList(ops)}`,
      `| where ActivityStatusValue in~ ${SUCCEEDED}`,
    ].join("\n") + kql.excludeIn("Caller", c.allowedCallers) +
    `\n| extend Container = tolower(extract(${kql.str(c.containerPattern)}, 1, _ResourceId)), Ingested = ingestion_time()`;
  return [
    `let changes = ${base(c.changeOperations)}`,
    `| extend Item = extract(${kql.str(c.itemPattern)}, 1, _ResourceId)`,
    "| summarize ChangeTime = min(TimeGenerated), ChangeIngested = min(Ingested) by Caller, Container, CorrelationId, Item, ChangeOperation = toupper(OperationNameValue);",
    `let runs = ${base(c.runOperations)}`,
    "| summarize RunTime = min(TimeGenerated), RunIngested = min(Ingested), CallerIpAddress = take_any(CallerIpAddress) by Caller, Container, RunId = CorrelationId, RunOperation = toupper(OperationNameValue);",
    "changes",
    "| join kind=inner runs on Caller, Container",
    `| where RunTime between (ChangeTime .. (ChangeTime + ${kql.num(c.maxGapMinutes)}m))`,
    // The pairs whose last row landed since the previous run of the rule: each pair is reported once.
    "| extend PairIngested = max_of(ChangeIngested, RunIngested)",
    `| where PairIngested > ${previousRun(c.runSlice)}`,
    `| summarize LastRun = max(RunTime), Runs = dcount(RunId), RunOperations = make_set(RunOperation, 10), FirstChange = min(ChangeTime), LastIngested = max(PairIngested),`,
    "    ChangedItems = make_set(Item, 20), ChangeOperations = make_set(ChangeOperation, 10), CallerIpAddress = take_any(CallerIpAddress) by Caller, Container",
    `| project ${arrivalOutput("LastIngested", "LastRun")}, Caller, CallerIpAddress, Container, ChangedItems, ChangeOperations, FirstChange, RunOperations, Runs`,
  ].join("\n");
}

export const CHANGE_THEN_RUN_TRIGGER = {
  operator: "GreaterThan" as const,
  threshold: 0,
  timeAggregation: "Count" as const,
  dimensions: ["Caller", "CallerIpAddress", "Container"],
};

// ---------------------------------------------------------------------------------------------
// "One caller, many targets": the same secret-revealing action on many resources in the window.

export interface DistinctTargets {
  operations: string[];
  /** KQL expression over AzureActivity columns naming the target (catalogue code, never config). */
  target: string;
  minTargets: number;
  allowedCallers: string[];
}

/** Counts the rows ingested in the last hour: distinct-target detections run on DISTINCT_TARGETS_SCHEDULE. */
export function distinctTargetsQuery(c: DistinctTargets): string {
  return [
    "AzureActivity",
    ingestedSinceLastRun(DISTINCT_TARGETS_FREQUENCY),
    '| where CategoryValue =~ "Administrative"',
    `| where OperationNameValue in~ ${kql.strList(c.operations)}`,
    `| where ActivityStatusValue in~ ${SUCCEEDED}`,
  ].join("\n") + kql.excludeIn("Caller", c.allowedCallers) + "\n" + [
    `| extend Target = ${c.target}`,
    NEW_EVIDENCE.extend,
    "| summarize DistinctTargets = dcount(Target), Targets = make_set(Target, 50), Operations = make_set(OperationNameValue, 10),",
    `    CallerIpAddress = take_any(CallerIpAddress), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), ${FIRST_ARRIVAL.aggregate} by Caller`,
    `| where DistinctTargets >= ${kql.num(c.minTargets)}`,
    `| project ${FIRST_ARRIVAL.output("LastSeen")}, Caller, CallerIpAddress, DistinctTargets, Targets, Operations, FirstSeen`,
  ].join("\n");
}

const DISTINCT_TARGETS_FREQUENCY = "PT1H";
/** Hourly, over the rows ingested since the previous run (Activity Log rows land 3-20 minutes late). */
export const DISTINCT_TARGETS_SCHEDULE = ingestionSchedule(DISTINCT_TARGETS_FREQUENCY);
export const DISTINCT_TARGETS_TRIGGER = { operator: "GreaterThan" as const, threshold: 0, timeAggregation: "Count" as const, dimensions: ["Caller", "CallerIpAddress"] };
export const DISTINCT_TARGETS_ENTITIES = { account: "Caller", ip: "CallerIpAddress", resource: "Targets", subscription: "Targets" };

/** Automation account id (group 1) and runbook name (group 1) out of an AzureActivity _ResourceId. */
export const AUTOMATION_ACCOUNT = "(?i)^(.*/providers/microsoft\\.automation/automationaccounts/[^/]+)";
export const RUNBOOK_NAME = "(?i)/runbooks/([^/]+)";
export const AUTOMATION_REQUIRES_NOTE =
  "Runbook content, the assets it reads (credentials, certificates, connections) and job output are not in the Activity Log; " +
  "GET of credential assets (Microsoft.Automation/automationAccounts/credentials/read) is never logged.";

// ---------------------------------------------------------------------------------------------
// Detection parts that several techniques share.

/** Signal, parameter, telemetry and entities of a plain operation match with a caller allowlist. */
export function operationMatchParts(operation: string, allowedWhat: string) {
  return {
    parameters: { allowedCallers: callersParam(allowedWhat) },
    signal: {
      kind: "activityLog" as const,
      match: { operations: [operation], outcome: "succeeded" as const },
      exclusions: [{ column: "Caller" as const, parameter: "allowedCallers" }],
    },
    requires: [ACTIVITY_ADMIN],
    entities: { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId" },
  };
}

/** Signal, parameter, schedule, telemetry and entities of a change-then-run correlation (run ingested in the last hour, change ≤ 60 min before it). */
export function changeThenRunParts(
  c: Pick<ChangeThenRun, "changeOperations" | "runOperations" | "containerPattern" | "itemPattern">,
  allowedWhat: string,
) {
  return {
    // Pairs completed in the last hour; the pair's last row may be 30 minutes late and its other row an hour older.
    // windowSize stays PT2H (the span a pair can cover); the query range is the override.
    ...ingestionSchedule("PT1H", "PT2H"),
    windowSize: "PT2H",
    parameters: { allowedCallers: callersParam(allowedWhat) },
    signal: {
      kind: "query" as const,
      query: (p: Record<string, unknown>) =>
        changeThenRunQuery({ ...c, maxGapMinutes: 60, runSlice: "PT1H", allowedCallers: list(p, "allowedCallers") }),
      trigger: CHANGE_THEN_RUN_TRIGGER,
    },
    requires: [ACTIVITY_ADMIN],
    entities: { account: "Caller", ip: "CallerIpAddress", resource: "Container", subscription: "Container" },
  };
}
