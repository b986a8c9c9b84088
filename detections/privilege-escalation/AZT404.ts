// AZT404 Principal Impersonation: an attacker who can change the code or configuration of a
// compute resource that carries a managed identity makes it run their code, which then requests
// tokens as that identity (and gets its roles). One pattern serves all four sub-techniques: a
// change in AzureActivity followed, within an hour, by a token issued to the resource's
// system-assigned managed identity (AADManagedIdentitySignInLogs, whose ServicePrincipalName is
// the resource name).
import * as kql from "../kql";
import type { Detection, Parameter, SampleCase, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { activityRow, armId, managedIdentitySignInRow } from "../impact/sampleRows";
import { arrivalOutput, ingestionSchedule, previousRun } from "../patterns/arrival";
import { PAIR_ARRIVAL } from "../patterns/correlation";

/** How long after the change a token request counts. */
const FOLLOW_UP = "1h";
/**
 * Hourly. A change and a token form a pair once both rows have landed (the later-arriving one
 * decides, patterns/correlation.ts); a change alerts in the run in which its first pair completed.
 * Both sides are looked up over one run + the follow-up + the sign-in logs' ingestion lag.
 */
const FREQUENCY = "PT1H";
const SCHEDULE = ingestionSchedule(FREQUENCY, "PT2H", "entraId");

interface ImpersonationSpec {
  key: string;
  technique: string;
  name: string;
  what: string;
  /** ARM operations (documented mixed case) that change what the resource runs. */
  operations: string[];
  /** ARM path of a sample resource under its resource group, e.g. microsoft.web/sites/func-billing/functions/httptrigger. */
  sampleResource: string;
  sampleOperation: string;
  falsePositives: string[];
  triage: string[];
  references: string[];
  unverified?: string;
}

const ALLOWED_CALLERS: Parameter = {
  type: "stringList",
  description: "Deployment identities (AzureActivity.Caller: UPN or service principal object id) whose changes are expected.",
  default: [],
  allowlist: "callers",
};

function impersonationQuery(operations: string[], allowedCallers: string[]): string {
  return [
    "let changes = AzureActivity",
    `| where OperationNameValue in~ ${kql.strList(operations)}`,
    `| where ActivityStatusValue in~ ("Success", "Succeeded")`,
  ].join("\n") +
    kql.excludeIn("Caller", allowedCallers) +
    "\n" +
    [
      // /subscriptions/<id>/resourcegroups/<rg>/providers/<namespace>/<type>/<name>/...: element 8 is the resource name.
      "| extend ResourceName = tolower(tostring(split(_ResourceId, \"/\")[8])), Ingested = ingestion_time()",
      // One row per change (CorrelationId): changes hours apart on one resource pair with their own tokens.
      "| summarize ChangedAt = min(TimeGenerated), ChangeIngested = min(Ingested), Operations = strcat_array(make_set(tolower(OperationNameValue), 10), \", \"), ChangedResource = take_any(_ResourceId)",
      "    by ResourceName, Caller, CallerIpAddress, CorrelationId;",
      "changes",
      "| join kind=inner (",
      "    AADManagedIdentitySignInLogs",
      "    | where ResultType == \"0\"",
      "    | extend ResourceName = tolower(ServicePrincipalName)",
      "    | extend Ingested = ingestion_time()",
      // Reduced before the join: one row per identity, resource and minute (tokens come in bursts).
      "    | summarize TokenAt = min(TimeGenerated), TokenIngested = min(Ingested), MinuteTokens = count() by ResourceName, ServicePrincipalId, ResourceDisplayName, bin(TimeGenerated, 1m)",
      "  ) on ResourceName",
      `| where TokenAt between (ChangedAt .. ChangedAt + ${FOLLOW_UP})`,
      PAIR_ARRIVAL.pair("ChangeIngested", "TokenIngested"),
      "| summarize FirstTokenAt = min(TokenAt), TokenResources = strcat_array(make_set(ResourceDisplayName, 10), \", \"), Tokens = sum(MinuteTokens),",
      "    Completed = min(PairIngested), LastIngested = max(PairIngested)",
      "    by ChangedAt, Caller, CallerIpAddress, ResourceName, ChangedResource, Operations, ServicePrincipalId, CorrelationId",
      `| where Completed > ${previousRun(FREQUENCY)}`,
      // TimeGenerated: when the change's first complete pair landed (the gate), EventTime: the change.
      `| project ${arrivalOutput("Completed", "ChangedAt")}, Caller, CallerIpAddress, ResourceName, ChangedResource, Operations, ServicePrincipalId, FirstTokenAt, TokenResources, Tokens, LastIngested`,
    ].join("\n");
}

function impersonation(s: ImpersonationSpec): Detection {
  const resourceId = armId("rg-apps", s.sampleResource);
  const resourceName = s.sampleResource.split("/")[2];
  const change = (minutes: number, over: Record<string, unknown> = {}) => activityRow(minutes, s.sampleOperation, resourceId, over);
  const token = (minutes: number, over: Record<string, unknown> = {}) => managedIdentitySignInRow(minutes, resourceName, "Microsoft Graph", over);
  // Rows without _TimeReceived land at their TimeGenerated; the rule runs hourly.
  const quiet: SampleCase[] = [
    { name: "identity token issued before the change", rows: { AzureActivity: [change(40)], AADManagedIdentitySignInLogs: [token(45)] } },
    { name: "token more than an hour after the change", rows: { AzureActivity: [change(118)], AADManagedIdentitySignInLogs: [token(50)] } },
    { name: "token for another resource's identity", rows: { AzureActivity: [change(40)], AADManagedIdentitySignInLogs: [token(30, { ServicePrincipalName: "app-unrelated" })] } },
    { name: "change failed", rows: { AzureActivity: [change(40, { ActivityStatusValue: "Failure" })], AADManagedIdentitySignInLogs: [token(30)] } },
    { name: "failed token request", rows: { AzureActivity: [change(40)], AADManagedIdentitySignInLogs: [token(30, { ResultType: "7000112" })] } },
    { name: "already alerted: change and token ingested before the previous run", rows: { AzureActivity: [change(100)], AADManagedIdentitySignInLogs: [token(90)] } },
    {
      name: "already alerted: a further token after the same change lands now",
      rows: { AzureActivity: [change(100)], AADManagedIdentitySignInLogs: [token(90), token(45, { ResourceDisplayName: "Azure Key Vault" })] },
    },
    {
      name: "allowlisted deployment identity",
      parameters: { allowedCallers: ["mallory@contoso.onmicrosoft.com"] },
      rows: { AzureActivity: [change(40)], AADManagedIdentitySignInLogs: [token(30)] },
    },
  ];
  return {
    key: s.key,
    technique: s.technique,
    tactic: "Privilege Escalation",
    name: s.name,
    description:
      `${s.what} changed (${s.operations.join(", ")}) and, within an hour, its system-assigned managed identity obtained ` +
      "a token. Whoever can change the code a managed identity runs can act with every role of that identity. The rule " +
      "runs hourly and alerts in the first run after both the change and the token have reached the workspace. Not covered: " +
      "user-assigned identities (their name differs from the resource) and tokens served from the platform's cache " +
      "without a new sign-in row." +
      (s.unverified ? ` ${s.unverified}` : ""),
    falsePositives: s.falsePositives,
    triage: [
      "Identify the caller and source IP of the change and whether it matches a deployment pipeline or change request.",
      ...s.triage,
      "List the identity's role assignments (az role assignment list --assignee <ServicePrincipalId> --all) and its Entra app " +
        "roles; review AzureActivity and MicrosoftGraphActivityLogs for actions by ServicePrincipalId after FirstTokenAt.",
      "If unexpected: revert the change, disable or remove the identity, and review the caller's account.",
    ],
    references: s.references,
    severity: 1,
    ...SCHEDULE,
    parameters: { allowedCallers: ALLOWED_CALLERS },
    signal: {
      kind: "query",
      query: (p) => impersonationQuery(s.operations, p.allowedCallers as string[]),
      trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["ResourceName", "Caller", "CallerIpAddress"] },
    },
    requires: [
      { source: "activityLog", categories: ["Administrative"] },
      { source: "entraId", categories: ["ManagedIdentitySignInLogs"] },
    ],
    entities: { account: "Caller", ip: "CallerIpAddress", resource: "ChangedResource", subscription: "ChangedResource" },
    samples: {
      source:
        "log-values.md 1.1-1.3 (upper-case OperationNameValue, Success, lower-case _ResourceId), 1.5 (these operations are logged), " +
        "3.3 (managed identity sign-ins: identity in ServicePrincipalName, ResultType string). ServicePrincipalName equal to the " +
        "resource name for system-assigned identities: learn.microsoft.com managed identities overview.",
      fires: [
        {
          name: "change then the identity requests a Graph token",
          rows: { AzureActivity: [change(50, { ActivityStatusValue: "Start", ActivitySubstatusValue: "" }), change(50)], AADManagedIdentitySignInLogs: [token(35), token(30, { ResourceDisplayName: "Azure Key Vault" })] },
        },
        {
          name: "change row landed late (70 minutes), after the token: the pair completes when the change lands",
          rows: { AzureActivity: [change(80, { _TimeReceived: minutesAgo(10) })], AADManagedIdentitySignInLogs: [token(70)] },
        },
        {
          name: "token row landed late: 100 minutes after the sign-in, ingested 5 minutes ago",
          rows: { AzureActivity: [change(150)], AADManagedIdentitySignInLogs: [token(100, { _TimeReceived: minutesAgo(5) })] },
        },
      ],
      quiet,
    },
  };
}

const MI_DOC = "https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview";

const functionApp = impersonation({
  key: "azt404-1-function-change-identity-token",
  technique: "AZT404.1",
  name: "Function code changed, then the function app's managed identity obtained a token",
  what: "A function of a Function App",
  operations: ["Microsoft.Web/sites/functions/write", "Microsoft.Web/sites/hostruntime/vfs/run.csx/write"],
  sampleResource: "microsoft.web/sites/func-billing/functions/httptrigger1",
  sampleOperation: "Microsoft.Web/sites/functions/write",
  falsePositives: ["Developers editing functions in the portal; CI/CD deployments through ARM (add the pipeline identity to allowedCallers)."],
  triage: ["Read the function's current code (portal Code + Test, or the app's wwwroot) and compare with source control; look for IMDS/IDENTITY_ENDPOINT token requests."],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT404/AZT404-1/",
    "https://learn.microsoft.com/azure/app-service/overview-managed-identity",
    MI_DOC,
  ],
  unverified:
    "Code pushed through Kudu/zip deploy is data plane and not in AzureActivity; whether ATRM's hostruntime/vfs/run.csx/write " +
    "reaches the Activity Log is (unverified).",
});

const logicApp = impersonation({
  key: "azt404-2-logicapp-change-identity-token",
  technique: "AZT404.2",
  name: "Logic App changed or run, then its managed identity obtained a token",
  what: "A Logic App (Consumption) workflow was written, run or had its trigger URL listed, i.e. it",
  operations: [
    "Microsoft.Logic/workflows/write",
    "Microsoft.Logic/workflows/run/action",
    "Microsoft.Logic/workflows/triggers/run/action",
    "Microsoft.Logic/workflows/triggers/listCallbackUrl/action",
  ],
  sampleResource: "microsoft.logic/workflows/la-invoice-sync",
  sampleOperation: "Microsoft.Logic/workflows/write",
  falsePositives: ["Workflow authors editing and test-running a Logic App that uses its managed identity (add pipeline identities to allowedCallers)."],
  triage: [
    "Open the workflow's version history and diff the definition against the previous version; look for HTTP actions with " +
      "managed-identity authentication to Graph, ARM or Key Vault, and for new outputs sent to external endpoints.",
    "Check the run history (AzureDiagnostics WorkflowRuntime if enabled) for runs after the change.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT404/AZT404-2/",
    "https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity",
    MI_DOC,
  ],
});

const automation = impersonation({
  key: "azt404-3-runbook-change-identity-token",
  technique: "AZT404.3",
  name: "Automation runbook changed, then the Automation account's managed identity obtained a token",
  what: "A runbook of an Automation account (ATRM's AZT404.3 page repeats the Function App text; its parent and matrix name it Automation Account)",
  operations: [
    "Microsoft.Automation/automationAccounts/runbooks/write",
    "Microsoft.Automation/automationAccounts/runbooks/draft/write",
    "Microsoft.Automation/automationAccounts/runbooks/publish/action",
  ],
  sampleResource: "microsoft.automation/automationaccounts/aa-ops/runbooks/rotate-certs",
  sampleOperation: "Microsoft.Automation/automationAccounts/runbooks/publish/action",
  falsePositives: ["Runbook authors publishing a new version of a runbook that uses the account's managed identity."],
  triage: [
    "Export the runbook and diff it against the previous published version / source control; look for Connect-AzAccount -Identity " +
      "or IDENTITY_ENDPOINT use followed by role assignments, secret reads or credential creation.",
    "Check the Automation JobLogs (AzureDiagnostics) for jobs of that runbook after the change.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT404/AZT404-3/",
    "https://learn.microsoft.com/azure/automation/enable-managed-identity-for-automation",
    MI_DOC,
  ],
});

const appService = impersonation({
  key: "azt404-4-appservice-change-identity-token",
  technique: "AZT404.4",
  name: "App Service configuration or deployment changed, then its managed identity obtained a token",
  what: "An App Service (site, its configuration, source control or deployment extension)",
  operations: [
    "Microsoft.Web/sites/write",
    "Microsoft.Web/sites/config/write",
    "Microsoft.Web/sites/sourcecontrols/write",
    "Microsoft.Web/sites/extensions/write",
    "Microsoft.Web/sites/publishxml/action",
    "Microsoft.Web/sites/start/action",
  ],
  sampleResource: "microsoft.web/sites/app-portal",
  sampleOperation: "Microsoft.Web/sites/config/write",
  falsePositives: ["Routine deployments and configuration changes of apps that use their managed identity (add pipeline identities to allowedCallers)."],
  triage: [
    "Diff the app settings/configuration before and after (Activity Log change history) and check the deployment history; a " +
      "publishing-profile download (publishxml) followed by a token suggests code was pushed with the downloaded credentials.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT404/AZT404-4/",
    "https://learn.microsoft.com/azure/app-service/overview-managed-identity",
    MI_DOC,
  ],
  unverified: "Whether a zip/MSDeploy push through ARM is logged as sites/extensions/write is (unverified).",
});

export const technique: TechniqueModule = { detections: [functionApp, logicApp, automation, appService] };
