// AZT302 Unmanaged (serverless) scripting: Automation runbooks and Function Apps run attacker code
// under the resource's own identity.
import * as kql from "../kql";
import type { Detection, ParameterValues, SampleCase, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { FIRST_ARRIVAL, ARRIVAL_PROJECTION, NEW_EVIDENCE, arrivalSplit, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";
import { PAIR_ARRIVAL, correlationParameters, correlationSchedule } from "../patterns/correlation";
import {
  ACTIVITY_LOG, ATRM, ATTACKER, ATTACKER_IP, CALLER_ENTITIES, SUB, activityRow, allowedCallers, anyRow, operationRows, resourceId,
} from "./shared";

const AUTOMATION_DOCS = "https://learn.microsoft.com/azure/automation/automation-runbook-execution";
const ACCOUNT = "aa-ops";
const ACCOUNT_ID = resourceId("rg-ops", "microsoft.automation", `automationaccounts/${ACCOUNT}`);
const RUNBOOK_ID = `${ACCOUNT_ID}/runbooks/update-certs`;
const RUNBOOK_CHANGES = [
  "Microsoft.Automation/automationAccounts/runbooks/write",
  "Microsoft.Automation/automationAccounts/runbooks/draft/write",
  "Microsoft.Automation/automationAccounts/runbooks/publish/action",
];
const JOB_WRITE = "Microsoft.Automation/automationAccounts/jobs/write";
const TRIGGER_BY_CALLER_ACCOUNT = anyRow("Caller", "CallerIpAddress", "AutomationAccount");

const SUCCEEDED = `ActivityStatusValue in~ ("Success", "Succeeded")`;

/**
 * `let changes`: one row per successful runbook change (CorrelationId) of the query range, with
 * the Automation account and runbook names from `_ResourceId` and ChangeIngested, when its first
 * success row landed (PAIR_ARRIVAL: the change counts from then on).
 */
function runbookChanges(p: ParameterValues): string {
  const maxDelay = p.maxDelayMinutes as number;
  return [
    `let maxDelay = ${kql.num(maxDelay)}m;`,
    "let changes = AzureActivity",
    `| where CategoryValue =~ "Administrative"`,
    `| where OperationNameValue in~ ${kql.strList(RUNBOOK_CHANGES)}`,
    `| extend AutomationAccount = extract(@"/providers/microsoft\\.automation/automationaccounts/([^/]+)", 1, tolower(_ResourceId)), Runbook = extract(@"/runbooks/([^/]+)", 1, tolower(_ResourceId))`,
    "| where isnotempty(AutomationAccount)" + kql.excludeIn("Caller", p.allowedCallers as string[]),
    NEW_EVIDENCE.extend,
    // All rows of the operation: the Start row carries the caller address that completion rows may lack.
    `| summarize ChangeTime = min(TimeGenerated), CallerIpAddress = max(CallerIpAddress), Succeeded = countif(${SUCCEEDED}), ${PAIR_ARRIVAL.side("ChangeIngested", SUCCEEDED)}`,
    "    by CorrelationId, Caller, OperationNameValue = toupper(OperationNameValue), AutomationAccount, Runbook, _ResourceId, SubscriptionId",
    "| where Succeeded > 0;",
  ].join("\n");
}

const CHANGE_COLUMNS = "ChangeTime, Caller, CallerIpAddress, OperationNameValue, AutomationAccount, Runbook, _ResourceId, SubscriptionId";

// ---------------------------------------------------------------------------------------------
// AZT302.1 Hybrid Worker Group: a runbook runs on a hybrid worker group it never ran on before.

/**
 * Hourly, by arrival: the JobLogs rows ingested since the previous run are judged against every
 * other row of the two days (JobLogs can take about 15 minutes to appear, log-values.md 4.2, so
 * the query range adds the resource-log lag). A combination alerted on is history for the next
 * run, so a job's Completed row landing an hour after its Started row does not alert again.
 */
const HYBRID_RUN = "PT1H";
const hybridSplit = arrivalSplit(HYBRID_RUN);
const hybridWorkerQuery = (p: ParameterValues): string =>
  [
    "let jobs = AzureDiagnostics",
    hybridSplit.mark,
    `| where ResourceProvider =~ "MICROSOFT.AUTOMATION" and Category =~ "JobLogs"`,
    "| where isnotempty(RunOn_s)",
    "| extend AccountKey = tolower(_ResourceId), RunbookKey = tolower(RunbookName_s), WorkerGroupKey = tolower(RunOn_s);",
    "let known = jobs",
    hybridSplit.history,
    "| distinct AccountKey, RunbookKey, WorkerGroupKey;",
    "jobs",
    hybridSplit.recent + kql.excludeIn("RunbookName_s", p.allowedRunbooks as string[]),
    `| summarize FirstRun = min(TimeGenerated), Jobs = dcount(JobId_g), Statuses = make_set(ResultType), StartedBy = max(Caller_s), ${FIRST_ARRIVAL.aggregate}`,
    "    by AccountKey, RunbookKey, WorkerGroupKey, RunbookName_s, RunOn_s, _ResourceId",
    "| join kind=leftanti known on AccountKey, RunbookKey, WorkerGroupKey",
    `| project ${FIRST_ARRIVAL.output("FirstRun")}, FirstRun, RunbookName_s, RunOn_s, StartedBy, Jobs, Statuses = tostring(Statuses), _ResourceId`,
  ].join("\n");

function jobLog(minutes: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TimeGenerated: minutesAgo(minutes),
    ResourceProvider: "MICROSOFT.AUTOMATION",
    ResourceType: "AUTOMATIONACCOUNTS",
    Resource: ACCOUNT.toUpperCase(),
    ResourceGroup: "RG-OPS",
    SubscriptionId: SUB,
    _ResourceId: ACCOUNT_ID,
    Category: "JobLogs",
    OperationName: "Job",
    ResultType: "Started",
    ResultDescription: "Job is started",
    RunbookName_s: "Invoke-Maintenance",
    JobId_g: "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
    Caller_s: ATTACKER,
    RunOn_s: "hwg-datacenter",
    ...over,
  };
}

const hybridWorkerNewRunbook: Detection = {
  key: "azt302-1-hybrid-worker-new-runbook",
  technique: "AZT302.1",
  tactic: "Execution",
  name: "Runbook ran on a Hybrid Runbook Worker group for the first time",
  description:
    "An Automation job ran a runbook on a Hybrid Runbook Worker group (JobLogs RunOn_s) and that runbook had not run on " +
    "that group in the previous ~2 days. Hybrid workers are on-premises or IaaS machines: a new runbook there runs " +
    "attacker code as the worker's service account (often SYSTEM) inside the corporate network.",
  falsePositives: [
    "A new or renamed runbook rolled out by the automation team (add it to allowedRunbooks after review).",
    "Runbooks that run less often than every two days look new each time.",
  ],
  triage: [
    "Identify the runbook, the worker group, and StartedBy (the job's caller; `System` for schedules).",
    "Read the runbook's published content and its recent edits (AzureActivity runbooks/write, draft/write, publish).",
    "On the worker machines, review the job's processes and 4104 script blocks under the HybridWorker plugin folder.",
    "If malicious: unpublish the runbook, remove the worker from the group, revoke the editor's sessions.",
  ],
  references: [`${ATRM}/AZT302/AZT302-1/`, "https://learn.microsoft.com/azure/automation/automation-hybrid-runbook-worker", "https://learn.microsoft.com/azure/automation/automation-manage-send-joblogs-log-analytics"],
  severity: 2,
  // About two days of history; with the resource-log lag on top the query range is P2D, Azure's maximum.
  ...ingestionSchedule(HYBRID_RUN, "P1DT23H30M", "resourceLogs"),
  parameters: {
    allowedRunbooks: {
      type: "stringList",
      description: "Runbook names expected to appear on hybrid worker groups (e.g. newly released ones).",
      default: [],
    },
  },
  signal: {
    kind: "query",
    query: hybridWorkerQuery,
    trigger: anyRow("RunbookName_s", "RunOn_s", "_ResourceId"),
  },
  requires: [{
    source: "diagnostics", resourceType: "Microsoft.Automation/automationAccounts", categories: ["JobLogs"],
    destination: "AzureDiagnostics", tables: ["AzureDiagnostics"],
  }],
  entities: { account: "StartedBy", resource: "_ResourceId" },
  samples: {
    source: "log-values.md 4.2 (JobLogs: OperationName Job, ResultType Started/Completed, RunbookName_s, JobId_g, Caller_s, RunOn_s from the schema file; RunOn_s value form unverified); ATRM AZT302.1",
    fires: [
      { name: "new runbook started and completed on a hybrid worker group", rows: { AzureDiagnostics: [jobLog(50), jobLog(45, { ResultType: "Completed", ResultDescription: "Job Completed" })] } },
      {
        name: "known runbook on a worker group it never used",
        rows: { AzureDiagnostics: [jobLog(600, { RunOn_s: "hwg-dmz" }), jobLog(50)] },
      },
      { name: "late row: job started 70 minutes ago (before the previous run), its log ingested 5 minutes ago", rows: { AzureDiagnostics: [jobLog(70, { _TimeReceived: minutesAgo(5) })] } },
    ],
    quiet: [
      { name: "same runbook ran on the same group a day ago", rows: { AzureDiagnostics: [jobLog(1500), jobLog(50)] } },
      { name: "job in the Azure sandbox (no RunOn_s)", rows: { AzureDiagnostics: [jobLog(50, { RunOn_s: "" })] } },
      {
        name: "already alerted: the job's Started row was ingested before the previous run, its Completed row now",
        rows: { AzureDiagnostics: [jobLog(75), jobLog(20, { ResultType: "Completed", ResultDescription: "Job Completed" })] },
      },
      { name: "already alerted: every row ingested before the previous run", rows: { AzureDiagnostics: [jobLog(75), jobLog(70, { ResultType: "Completed", ResultDescription: "Job Completed" })] } },
      { name: "allowlisted runbook", parameters: { allowedRunbooks: ["Invoke-Maintenance"] }, rows: { AzureDiagnostics: [jobLog(50)] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT302.2 Run As account / AZT302.3 managed identity: a runbook change followed by a sign-in of
// the account's identity. Same shape, different sign-in table and name mapping.

interface IdentitySpec {
  table: "AADServicePrincipalSignInLogs" | "AADManagedIdentitySignInLogs";
  /** KQL expression giving the lower-case Automation account name from ServicePrincipalName. */
  accountExpr: string;
}

function changeThenSignInQuery(x: IdentitySpec, p: ParameterValues): string {
  return [
    runbookChanges(p),
    `let signIns = ${x.table}`,
    `| where ResultType == "0"`,
    `| extend AutomationAccount = ${x.accountExpr}`,
    "| where isnotempty(AutomationAccount)",
    NEW_EVIDENCE.extend,
    `| summarize SignInTime = min(TimeGenerated), SignIns = count(), SignInIp = max(IPAddress), ${PAIR_ARRIVAL.side("SignInIngested")}`,
    "    by AutomationAccount, ServicePrincipalName, ServicePrincipalId, ResourceDisplayName, bin(TimeGenerated, 5m);",
    "changes",
    "| join kind=inner signIns on AutomationAccount",
    "| where SignInTime between (ChangeTime .. (ChangeTime + maxDelay))",
    PAIR_ARRIVAL.pair("ChangeIngested", "SignInIngested"),
    `| summarize FirstSignIn = min(SignInTime), SignIns = sum(SignIns), TokenResources = make_set(ResourceDisplayName, 10), SignInIp = max(SignInIp), ${PAIR_ARRIVAL.aggregate}`,
    `    by ${CHANGE_COLUMNS}, ServicePrincipalName, ServicePrincipalId`,
    PAIR_ARRIVAL.since,
    `| project ${PAIR_ARRIVAL.output("ChangeTime")}, ${CHANGE_COLUMNS}, ServicePrincipalName, ServicePrincipalId, FirstSignIn, SignIns, TokenResources, SignInIp`,
  ].join("\n");
}

function signInRow(minutes: number, spName: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    TimeGenerated: minutesAgo(minutes),
    ServicePrincipalName: spName,
    ServicePrincipalId: "3f2a1b0c-9d8e-4f7a-a6b5-c4d3e2f1a0b9",
    AppId: "8e7d6c5b-4a39-4281-b0f1-e2d3c4b5a697",
    ResultType: "0",
    ResourceDisplayName: "Windows Azure Service Management API",
    ResourceIdentity: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    IPAddress: "20.50.2.10",
    ...over,
  };
}

function changeThenSignInSamples(table: IdentitySpec["table"], spName: string, otherSp: string, source: string) {
  // A pair is reported by the run that ingests its last row (rows without _TimeReceived land at TimeGenerated).
  const change = (m: number, over: Record<string, unknown> = {}) =>
    operationRows(m, { OperationNameValue: "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/WRITE", _ResourceId: RUNBOOK_ID, ResourceProviderValue: "MICROSOFT.AUTOMATION", ...over });
  const at = 16;
  const fires: SampleCase[] = [
    { name: "runbook written, then the account's identity signs in 6 minutes later", rows: { AzureActivity: change(at), [table]: [signInRow(at - 6, spName)] } },
    {
      name: "runbook draft written, identity signs in 50 minutes later",
      rows: {
        AzureActivity: operationRows(58, { OperationNameValue: "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/DRAFT/WRITE", _ResourceId: `${RUNBOOK_ID}/draft`, ResourceProviderValue: "MICROSOFT.AUTOMATION" }),
        [table]: [signInRow(8, spName)],
      },
    },
    {
      name: "late sign-in row: signed in 64 minutes ago, ingested 4 minutes ago; change 6 minutes before it",
      rows: { AzureActivity: change(70), [table]: [signInRow(64, spName, { _TimeReceived: minutesAgo(4) })] },
    },
    {
      name: "change row lands after the sign-in row: change 30 minutes ago ingested 3 minutes ago, sign-in ingested 26 minutes ago",
      rows: { AzureActivity: change(30, { _TimeReceived: minutesAgo(3) }), [table]: [signInRow(26, spName)] },
    },
  ];
  const quiet: SampleCase[] = [
    { name: "identity of another Automation account signs in", rows: { AzureActivity: change(at), [table]: [signInRow(at - 6, otherSp)] } },
    { name: "sign-in before the change (scheduled job)", rows: { AzureActivity: change(12), [table]: [signInRow(14, spName)] } },
    { name: "sign-in later than maxDelay (61 minutes)", rows: { AzureActivity: change(75), [table]: [signInRow(14, spName)] } },
    { name: "failed sign-in", rows: { AzureActivity: change(at), [table]: [signInRow(at - 6, spName, { ResultType: "7000215" })] } },
    { name: "already alerted: change and sign-in ingested before the previous run", rows: { AzureActivity: change(40), [table]: [signInRow(30, spName)] } },
    {
      name: "already alerted: the identity signs in again now, after the same change",
      rows: { AzureActivity: change(40), [table]: [signInRow(30, spName), signInRow(5, spName)] },
    },
    { name: "allowlisted automation engineer", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: change(at), [table]: [signInRow(at - 6, spName)] } },
  ];
  return { source, fires, quiet };
}

const RUNAS: IdentitySpec = {
  table: "AADServicePrincipalSignInLogs",
  // Run As service principals are named <AutomationAccountName>_<generated suffix> (unverified).
  accountExpr: `tolower(extract(@"^(.+)_[^_]+$", 1, ServicePrincipalName))`,
};
const MANAGED_IDENTITY: IdentitySpec = {
  table: "AADManagedIdentitySignInLogs",
  // A system-assigned identity's service principal carries the resource's name.
  accountExpr: "tolower(ServicePrincipalName)",
};

const identityTriage = (identity: string) => [
  "Read the changed runbook (Runbook, AutomationAccount): `az automation runbook show`/export the draft and published content.",
  `Review what the ${identity} did with its token (TokenResources): AzureActivity and MicrosoftGraphActivityLogs calls by that service principal after FirstSignIn.`,
  "Confirm the change with the caller; check CallerIpAddress against admin locations.",
  `If malicious: revert the runbook, revoke the caller's sessions, review the ${identity}'s role assignments.`,
];

const runAsSignIn: Detection = {
  key: "azt302-2-runas-signin-after-runbook-change",
  technique: "AZT302.2",
  tactic: "Execution",
  name: "Automation Run As account signed in after a runbook change",
  description:
    "A runbook was created, edited or published, and within the maximum delay the Automation account's Run As service " +
    "principal signed in: the changed code ran with the Run As identity (by default Contributor on the subscription). " +
    "Run As accounts are retired but their certificates keep working until they expire.",
  falsePositives: [
    "Planned runbook releases in accounts that still use Run As (allowlist release identities).",
    "A scheduled job of another runbook in the same account inside the delay is attributed to the change.",
  ],
  triage: identityTriage("Run As service principal"),
  references: [`${ATRM}/AZT302/AZT302-2/`, "https://learn.microsoft.com/azure/automation/delete-run-as-account", AUTOMATION_DOCS],
  severity: 1,
  ...correlationSchedule("entraId"),
  parameters: correlationParameters(60),
  signal: { kind: "query", query: (p) => changeThenSignInQuery(RUNAS, p), trigger: TRIGGER_BY_CALLER_ACCOUNT },
  requires: [...ACTIVITY_LOG, { source: "entraId", categories: ["ServicePrincipalSignInLogs"] }],
  entities: CALLER_ENTITIES,
  samples: changeThenSignInSamples(
    "AADServicePrincipalSignInLogs",
    "aa-ops_Xq3pZk8vTn2rW5yB7cD9fG1hJ4kL6mN0pQ2sT4uV6w=",
    "aa-finance_Rt5yU7iO9pA1sD3fG5hJ7kL9zX1cV3bN5mQ7wE9r=",
    "log-values.md 1.3 (Start/Accept/Success), 3.3 (AADServicePrincipalSignInLogs: ServicePrincipalName, ResultType string); " +
      "Run As service principal name <account>_<suffix> (unverified); ATRM AZT302.2",
  ),
};

const managedIdentitySignIn: Detection = {
  ...runAsSignIn,
  key: "azt302-3-managed-identity-signin-after-runbook-change",
  technique: "AZT302.3",
  name: "Automation managed identity signed in after a runbook change",
  description:
    "A runbook was created, edited or published, and within the maximum delay the Automation account's system-assigned " +
    "managed identity obtained a token: the changed code ran with the account's identity and its role assignments. " +
    "User-assigned identities carry their own names and are not matched.",
  falsePositives: [
    "Planned runbook releases (allowlist release identities).",
    "A scheduled job of another runbook in the same account inside the delay is attributed to the change.",
  ],
  triage: identityTriage("managed identity"),
  references: [`${ATRM}/AZT302/AZT302-3/`, "https://learn.microsoft.com/azure/automation/enable-managed-identity-for-automation", AUTOMATION_DOCS],
  signal: { kind: "query", query: (p) => changeThenSignInQuery(MANAGED_IDENTITY, p), trigger: TRIGGER_BY_CALLER_ACCOUNT },
  requires: [...ACTIVITY_LOG, { source: "entraId", categories: ["ManagedIdentitySignInLogs"] }],
  samples: changeThenSignInSamples(
    "AADManagedIdentitySignInLogs",
    ACCOUNT,
    "aa-finance",
    "log-values.md 1.3, 3.3 (AADManagedIdentitySignInLogs: ServicePrincipalName, ResultType string); system-assigned identity " +
      "named after its resource; ATRM AZT302.3",
  ),
};

// Runbook change followed by a job on the same account: needs only the Activity Log.
const editThenRunQuery = (p: ParameterValues): string =>
  [
    runbookChanges(p),
    "let jobs = AzureActivity",
    `| where CategoryValue =~ "Administrative"`,
    `| where OperationNameValue =~ ${kql.str(JOB_WRITE)}`,
    `| where ${SUCCEEDED}`,
    `| extend AutomationAccount = extract(@"/providers/microsoft\\.automation/automationaccounts/([^/]+)", 1, tolower(_ResourceId))`,
    NEW_EVIDENCE.extend,
    `| summarize JobTime = min(TimeGenerated), ${PAIR_ARRIVAL.side("JobIngested")} by JobCorrelationId = CorrelationId, JobCaller = Caller, AutomationAccount;`,
    "changes",
    "| join kind=inner jobs on AutomationAccount",
    "| where JobTime between (ChangeTime .. (ChangeTime + maxDelay))",
    PAIR_ARRIVAL.pair("ChangeIngested", "JobIngested"),
    `| summarize FirstJob = min(JobTime), Jobs = dcount(JobCorrelationId), JobCaller = max(JobCaller), ${PAIR_ARRIVAL.aggregate} by ${CHANGE_COLUMNS}`,
    PAIR_ARRIVAL.since,
    `| project ${PAIR_ARRIVAL.output("ChangeTime")}, ${CHANGE_COLUMNS}, FirstJob, Jobs, JobCaller`,
  ].join("\n");

const jobRow = (m: number, over: Record<string, unknown> = {}) =>
  activityRow(m, {
    OperationNameValue: "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/JOBS/WRITE", ResourceProviderValue: "MICROSOFT.AUTOMATION",
    _ResourceId: `${ACCOUNT_ID}/jobs/9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d`, CorrelationId: "c0ffee00-1111-4222-8333-444455556666", ...over,
  });
const publishRows = (m: number, over: Record<string, unknown> = {}) =>
  operationRows(m, { OperationNameValue: "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/PUBLISH/ACTION", _ResourceId: `${RUNBOOK_ID}/publish`, ResourceProviderValue: "MICROSOFT.AUTOMATION", ...over });

const runbookEditThenRun: Detection = {
  key: "azt302-3-runbook-edit-then-run",
  technique: "AZT302.3",
  tactic: "Execution",
  name: "Runbook changed and a job started on the same Automation account",
  description:
    "A runbook was created, edited or published and, within the maximum delay, a job was created on the same Automation " +
    "account (jobs/write): the usual way to run new code under the account's identity — managed identity, Run As, or a " +
    "hybrid worker (AZT302.1–302.3). Needs only the Activity Log; the sign-in variants show which identity was used.",
  falsePositives: ["Runbook development and release: an engineer edits, publishes and test-runs (allowlist release identities)."],
  triage: [
    "Read the changed runbook (Runbook, AutomationAccount) and the job's output (job streams, JobLogs/JobStreams in AzureDiagnostics).",
    "Confirm with the caller and JobCaller; check CallerIpAddress against admin locations.",
    "Review the identity the account runs as and what it did after FirstJob (AzureActivity by its service principal).",
    "If malicious: revert and unpublish the runbook, revoke the callers' sessions.",
  ],
  references: [`${ATRM}/AZT302/AZT302-3/`, `${ATRM}/AZT302/AZT302-2/`, AUTOMATION_DOCS],
  severity: 2,
  ...correlationSchedule("activityLog"),
  parameters: correlationParameters(60),
  signal: { kind: "query", query: editThenRunQuery, trigger: TRIGGER_BY_CALLER_ACCOUNT },
  requires: ACTIVITY_LOG,
  entities: CALLER_ENTITIES,
  samples: {
    source: "log-values.md 1.3 (Start/Accept/Success), 1.5 (runbooks/write, draft/write, publish/action, jobs/write logged by the write/action rule); ATRM AZT302.1–302.3",
    fires: [
      { name: "runbook published, job created 4 minutes later", rows: { AzureActivity: [...publishRows(14), jobRow(10)] } },
      { name: "runbook written by one caller, job created by another 58 minutes later", rows: { AzureActivity: [...publishRows(66), jobRow(8, { Caller: "ops-scheduler@contoso.onmicrosoft.com" })] } },
      { name: "late job row: created 50 minutes ago, ingested 2 minutes ago", rows: { AzureActivity: [...publishRows(55), jobRow(50, { _TimeReceived: minutesAgo(2) })] } },
      {
        name: "publish rows land after the job row: published 30 minutes ago, ingested 3 minutes ago",
        rows: { AzureActivity: [...publishRows(30, { _TimeReceived: minutesAgo(3) }), jobRow(26)] },
      },
    ],
    quiet: [
      { name: "job on another Automation account", rows: { AzureActivity: [...publishRows(14), jobRow(10, { _ResourceId: resourceId("rg-fin", "microsoft.automation", "automationaccounts/aa-finance/jobs/1") })] } },
      { name: "job before the change", rows: { AzureActivity: [...publishRows(10), jobRow(12)] } },
      { name: "job later than maxDelay", rows: { AzureActivity: [...publishRows(75), jobRow(10)] } },
      { name: "change failed", rows: { AzureActivity: [activityRow(14, { OperationNameValue: "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/PUBLISH/ACTION", _ResourceId: `${RUNBOOK_ID}/publish`, ActivityStatusValue: "Failure" }), jobRow(10)] } },
      { name: "already alerted: change and job ingested before the previous run", rows: { AzureActivity: [...publishRows(40), jobRow(30)] } },
      {
        name: "already alerted: a second job now, after the same change",
        rows: { AzureActivity: [...publishRows(40), jobRow(30), jobRow(5, { CorrelationId: "c0ffee00-2222-4222-8333-444455556666" })] },
      },
      { name: "allowlisted release identity", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [...publishRows(14), jobRow(10)] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT302.4 Function Application: code written through the control plane.

const FUNCTION_CODE_RUN = "PT15M";
const functionCodeQuery = (p: ParameterValues): string =>
  [
    "AzureActivity",
    ingestedSinceLastRun(FUNCTION_CODE_RUN),
    `| where CategoryValue =~ "Administrative"`,
    "| extend Op = tolower(OperationNameValue)",
    `| where Op in ("microsoft.web/sites/functions/write", "microsoft.web/sites/slots/functions/write", "microsoft.web/sites/extensions/write", "microsoft.web/sites/slots/extensions/write")`,
    `    or (Op startswith "microsoft.web/sites/hostruntime/" and Op endswith "/write")`,
    `| where ${SUCCEEDED}` + kql.excludeIn("Caller", p.allowedCallers as string[]),
    `| extend Site = extract(@"/providers/microsoft\\.web/sites/([^/]+)", 1, tolower(_ResourceId))`,
    `| project ${ARRIVAL_PROJECTION}, Caller, CallerIpAddress, OperationNameValue, Site, _ResourceId, SubscriptionId, CorrelationId`,
  ].join("\n");

const SITE_ID = resourceId("rg-func", "microsoft.web", "sites/func-orders");
const siteRow = (m: number, op: string, path: string, over: Record<string, unknown> = {}) =>
  activityRow(m, { OperationNameValue: op, _ResourceId: `${SITE_ID}${path}`, ResourceProviderValue: "MICROSOFT.WEB", ...over });

const functionCodeChange: Detection = {
  key: "azt302-4-function-code-change",
  technique: "AZT302.4",
  tactic: "Execution",
  name: "Function App code written through the control plane",
  description:
    "A principal wrote function code or a deployment package to an App Service / Function App through Azure Resource Manager: " +
    "a function definition (sites/functions/write), a file through the host runtime's virtual file system (for example " +
    "run.csx, sites/hostruntime/…/write), or a package deployment extension (sites/extensions/write: MSDeploy, zip/one deploy). " +
    "The code runs with the app's managed identity and settings (connection strings, keys).",
  falsePositives: [
    "CI/CD pipelines deploying the app (allowlist their service principals).",
    "Developers editing functions in the portal of a development app.",
    "Site extensions installed from the portal (e.g. monitoring).",
  ],
  triage: [
    "Identify the caller, source IP, Site and operation; compare with the last pipeline deployment.",
    "Read the current function code (portal Code + Test, Kudu/SCM site) and the deployment history.",
    "Review what the app's managed identity did after TimeGenerated (AzureActivity, MicrosoftGraphActivityLogs).",
    "If malicious: redeploy from source, rotate the app's secrets and keys, revoke the caller's sessions.",
  ],
  references: [`${ATRM}/AZT302/AZT302-4/`, "https://learn.microsoft.com/azure/azure-functions/functions-deployment-technologies"],
  severity: 2,
  ...ingestionSchedule(FUNCTION_CODE_RUN),
  parameters: allowedCallers("deploy function code (CI/CD)"),
  signal: {
    kind: "query",
    query: functionCodeQuery,
    trigger: anyRow("Caller", "CallerIpAddress", "Site"),
  },
  requires: ACTIVITY_LOG,
  entities: CALLER_ENTITIES,
  samples: {
    source:
      "log-values.md 1.5 (sites/functions/write logged by the write rule; hostruntime/vfs/run.csx/write unverified; " +
      "sites/extensions/write for MSDeploy/one deploy unverified); ATRM AZT302.4",
    fires: [
      { name: "function definition written", rows: { AzureActivity: [siteRow(5, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", "/functions/httptrigger1")] } },
      { name: "run.csx written through the host runtime file system", rows: { AzureActivity: [siteRow(5, "MICROSOFT.WEB/SITES/HOSTRUNTIME/VFS/RUN.CSX/WRITE", "/hostruntime/vfs/run.csx")] } },
      { name: "package deployed through the one deploy extension", rows: { AzureActivity: [siteRow(5, "MICROSOFT.WEB/SITES/EXTENSIONS/WRITE", "/extensions/onedeploy")] } },
      {
        name: "late row: function written 25 minutes ago, ingested 2 minutes ago (after the run that covered its time)",
        rows: { AzureActivity: [siteRow(25, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", "/functions/httptrigger1", { _TimeReceived: minutesAgo(2) })] },
      },
    ],
    quiet: [
      { name: "app settings written (config, not code)", rows: { AzureActivity: [siteRow(5, "MICROSOFT.WEB/SITES/CONFIG/WRITE", "/config/appsettings")] } },
      { name: "host runtime read-type action", rows: { AzureActivity: [siteRow(5, "MICROSOFT.WEB/SITES/HOSTRUNTIME/HOST/LISTKEYS/ACTION", "/hostruntime/host")] } },
      { name: "function write failed", rows: { AzureActivity: [siteRow(5, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", "/functions/httptrigger1", { ActivityStatusValue: "Failure" })] } },
      { name: "ingested 20 minutes ago: already seen by the previous run", rows: { AzureActivity: [siteRow(20, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", "/functions/httptrigger1")] } },
      {
        name: "allowlisted CI/CD service principal",
        parameters: { allowedCallers: ["a1b2c3d4-e5f6-4789-9abc-def012345678"] },
        rows: { AzureActivity: [siteRow(5, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", "/functions/httptrigger1", { Caller: "a1b2c3d4-e5f6-4789-9abc-def012345678", CallerIpAddress: ATTACKER_IP })] },
      },
    ],
  },
};

export const technique: TechniqueModule = {
  detections: [hybridWorkerNewRunbook, runAsSignIn, managedIdentitySignIn, runbookEditThenRun, functionCodeChange],
};
