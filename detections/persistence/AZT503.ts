// AZT503 HTTP Trigger: code an attacker can run later from anywhere with one unauthenticated (or
// key-authenticated) HTTP request: Logic App Request triggers, Function App HTTP triggers, Automation
// webhooks, App Service WebJobs.
import type { Detection, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { arrivalWindow } from "../patterns/arrival";
import { AZURE_LOGIC_APPS_APP_ID, AZURE_LOGIC_APPS_APP_ID_SOURCE, MICROSOFT_SERVICE_APP_IDS, MICROSOFT_SERVICE_APP_IDS_SOURCE } from "../microsoft-services";
import {
  ACTIVITY_ADMIN, ACTIVITY_ENTITIES, atrmPage, ATTACKER, activityRow, callerAllowlist, operationMatchParts, operationQuietCases,
  requestBodyParts, resourceId, startRow,
} from "./shared";

// ---------------------------------------------------------------------------------------------
// AZT503.1 Logic App HTTP trigger

const WORKFLOW_WRITE = "Microsoft.Logic/workflows/write";
const LIST_CALLBACK = "Microsoft.Logic/workflows/triggers/listCallbackUrl/action";
const WORKFLOW = resourceId("rg-integration", "microsoft.logic", "workflows/la-invoice-sync");

/** A Consumption workflow PUT body with the given triggers (Logic Apps workflow definition language). */
function workflowBody(triggers: Record<string, unknown>) {
  return {
    location: "westeurope",
    properties: {
      state: "Enabled",
      definition: {
        $schema: "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
        contentVersion: "1.0.0.0",
        triggers,
        actions: { Run: { type: "Http", inputs: { method: "POST", uri: "https://management.azure.com/" } } },
      },
    },
  };
}
const REQUEST_TRIGGER = { manual: { type: "Request", kind: "Http", inputs: { schema: {} } } };

const logicAppHttpTrigger: Detection = {
  key: "azt503-1-logicapp-http-trigger",
  technique: "AZT503.1",
  tactic: "Persistence",
  name: "Logic App written with an HTTP Request trigger",
  description:
    "A Logic App workflow was created or updated with a Request (HTTP) trigger. Anyone holding the trigger's SAS-signed " +
    "callback URL can run the workflow, and with it the workflow's connections and managed identity, from anywhere on " +
    "the internet without signing in: a persistence channel that survives credential resets.",
  falsePositives: [
    "Integration teams building HTTP-triggered workflows (allowlist their deployment pipelines; review the rest).",
  ],
  triage: [
    "Read RequestBody: the trigger (`type: Request`), the actions, and any managed identity or API connection the workflow uses.",
    "Ask the caller and the workflow owner whether the trigger is expected; check who listed its callback URL " +
      "(azt503-1-logicapp-callback-url) and the workflow's run history for callers' IPs.",
    "If unexpected: disable the workflow, regenerate its access keys (invalidates callback URLs), and review what its runs did.",
  ],
  references: [
    atrmPage("AZT503.1"),
    "https://learn.microsoft.com/azure/connectors/connectors-native-reqres",
  ],
  severity: 2,
  ...requestBodyParts([WORKFLOW_WRITE], "deploy HTTP-triggered Logic Apps", [
    "// Request trigger in the workflow definition; ARM writes the body compactly (no space after the colon: unverified).",
    '| where RequestBody has "triggers" and (RequestBody contains \'"type":"Request"\' or RequestBody contains \'"type": "Request"\')',
  ], [], "PT15M"),
  samples: {
    source: "log-values.md 1.3 (request body on the Start row, Properties_d.requestbody), 1.5 (workflows/write is logged), " +
      "4.3 (Request trigger named `manual`); Logic Apps workflow definition language docs; ATRM AZT503.1",
    fires: [
      { name: "workflow with a Request trigger", rows: { AzureActivity: [startRow(5, WORKFLOW_WRITE, WORKFLOW, workflowBody(REQUEST_TRIGGER))] } },
    ],
    quiet: [
      {
        name: "workflow with a recurrence trigger",
        rows: { AzureActivity: [startRow(5, WORKFLOW_WRITE, WORKFLOW, workflowBody({ Recurrence: { type: "Recurrence", recurrence: { frequency: "Hour", interval: 1 } } }))] },
      },
      {
        name: "Success row of the same write (no body)",
        rows: { AzureActivity: [activityRow(5, WORKFLOW_WRITE, WORKFLOW)] },
      },
      {
        name: "allowlisted integration pipeline",
        parameters: { allowedCallers: [ATTACKER] },
        rows: { AzureActivity: [startRow(5, WORKFLOW_WRITE, WORKFLOW, workflowBody(REQUEST_TRIGGER))] },
      },
    ],
  },
};

/** Logic Apps Standard: workflows run inside an App Service site, their trigger URL is listed through Microsoft.Web. */
const LIST_CALLBACK_STANDARD = "Microsoft.Web/sites/hostruntime/webhooks/api/workflows/triggers/listCallbackUrl/action";
const STANDARD_TRIGGER = resourceId("rg-integration", "microsoft.web", "sites/la-std-intake/hostruntime/webhooks/api/workflows/wf-orders/triggers/manual");
/** Microsoft Sentinel's automation and Logic Apps list playbook trigger URLs as themselves: their tokens' app ids. */
const CALLBACK_SERVICE_APP_IDS = [...Object.values(MICROSOFT_SERVICE_APP_IDS), AZURE_LOGIC_APPS_APP_ID];
const SENTINEL_ROLES_SOURCE =
  "MicrosoftDocs/azure-docs:articles/role-based-access-control/built-in-roles/security.md@03e5750a (Microsoft Sentinel Automation " +
  "Contributor and Playbook Operator grant Microsoft.Logic/workflows/triggers/listCallbackUrl/action and " +
  "Microsoft.Web/sites/hostruntime/webhooks/api/workflows/triggers/listCallbackUrl/action, 'Get Web Apps Hostruntime Workflow Trigger Uri'); " +
  "MicrosoftDocs/azure-docs:articles/sentinel/roles.md (Automation Contributor: allows Microsoft Sentinel to add playbooks to automation rules, " +
  "not meant for user accounts)";
/** An app-only token's claims (log-values.md 1.4: appid, appidacr) for a Microsoft service acting as itself. */
const serviceCaller = (appId: string) => ({ Caller: "5b1e7c3a-9d2f-4e8b-a6c0-3f1d9e7b5a2c", CallerIpAddress: "", Claims_d: { appid: appId, appidacr: "2" } });

const logicAppCallbackUrl: Detection = {
  key: "azt503-1-logicapp-callback-url",
  technique: "AZT503.1",
  tactic: "Persistence",
  name: "Logic App trigger callback URL retrieved",
  description:
    "A principal listed the callback URL of a Logic App trigger: Microsoft.Logic/workflows/triggers/listCallbackUrl/action for " +
    "Consumption workflows, Microsoft.Web/sites/hostruntime/webhooks/api/workflows/triggers/listCallbackUrl/action for Standard ones. " +
    "The URL carries the SAS signature that lets anyone run the workflow; obtaining it is the step that turns an HTTP-triggered " +
    "workflow into a reusable backdoor. Listings by Microsoft services acting as themselves (Microsoft Sentinel running a playbook, " +
    "Logic Apps) are excluded by the app id of their token (serviceAppIds).",
  falsePositives: [
    "The Logic Apps designer lists the URL when its owner opens an HTTP-triggered workflow; integration pipelines list it " +
      "to register webhooks (allowlist them).",
    "Another Microsoft or third-party service that lists trigger URLs with its own identity (add its app id, CallerAppId in the alert, to serviceAppIds).",
  ],
  triage: [
    "Check whether the caller normally works on this workflow (AzureActivity for the same _ResourceId over the last weeks).",
    "Look at the workflow's trigger history for calls from unknown IPs after the listing.",
    "If unexpected: regenerate the workflow's access keys, which invalidates every issued callback URL.",
  ],
  references: [
    atrmPage("AZT503.1"),
    "https://learn.microsoft.com/rest/api/logic/workflow-triggers/list-callback-url",
    "https://learn.microsoft.com/azure/sentinel/roles",
  ],
  severity: 3,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  parameters: {
    allowedCallers: callerAllowlist("retrieve Logic App trigger URLs"),
    serviceAppIds: {
      type: "stringList",
      description:
        "Application (client) ids of services whose own listings are expected (CallerAppId, the token's appid claim): by default the " +
        "Microsoft service principals Microsoft lists (Azure Security Insights is Microsoft Sentinel) and Azure Logic Apps. An empty " +
        "list lets the rule deploy as a free activity-log alert.",
      default: CALLBACK_SERVICE_APP_IDS,
      allowlist: "appIds",
    },
  },
  signal: {
    kind: "activityLog",
    match: { operations: [LIST_CALLBACK, LIST_CALLBACK_STANDARD], outcome: "succeeded" },
    exclusions: [{ column: "Caller", parameter: "allowedCallers" }, { column: "CallerAppId", parameter: "serviceAppIds" }],
  },
  requires: [ACTIVITY_ADMIN],
  entities: ACTIVITY_ENTITIES,
  samples: {
    source: "log-values.md 1.1-1.3, 1.4 (Claims_d appid/appidacr), 1.5 (listCallbackUrl/action is a POST, logged); ATRM AZT503.1 Logs table; " +
      SENTINEL_ROLES_SOURCE + "; " + MICROSOFT_SERVICE_APP_IDS_SOURCE + "; " + AZURE_LOGIC_APPS_APP_ID_SOURCE,
    fires: [
      { name: "callback URL listed by a user in the portal", rows: { AzureActivity: [activityRow(4, LIST_CALLBACK, `${WORKFLOW}/triggers/manual`, { Claims_d: { appid: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", appidacr: "2" } })] } },
      { name: "Logic Apps Standard trigger URL listed (Microsoft.Web hostruntime operation)", rows: { AzureActivity: [activityRow(4, LIST_CALLBACK_STANDARD, STANDARD_TRIGGER)] } },
      {
        name: "late row: listed 30 minutes ago, ingested 3 minutes ago",
        rows: { AzureActivity: [activityRow(30, LIST_CALLBACK, `${WORKFLOW}/triggers/manual`, { _TimeReceived: minutesAgo(3) })] },
      },
    ],
    quiet: [
      ...operationQuietCases(LIST_CALLBACK, `${WORKFLOW}/triggers/manual`, 15),
      { name: "workflow run, not a URL listing", rows: { AzureActivity: [activityRow(4, "Microsoft.Logic/workflows/triggers/run/action", `${WORKFLOW}/triggers/manual`)] } },
      {
        name: "Microsoft Sentinel (Azure Security Insights) lists a playbook's trigger URL to run it",
        rows: { AzureActivity: [activityRow(4, LIST_CALLBACK, `${WORKFLOW}/triggers/manual`, serviceCaller(MICROSOFT_SERVICE_APP_IDS["Azure Security Insights (Microsoft Sentinel)"]))] },
      },
      {
        name: "Microsoft Sentinel lists a Standard playbook's trigger URL",
        rows: { AzureActivity: [activityRow(4, LIST_CALLBACK_STANDARD, STANDARD_TRIGGER, serviceCaller(MICROSOFT_SERVICE_APP_IDS["Azure Security Insights (Microsoft Sentinel)"]))] },
      },
      { name: "Azure Logic Apps lists a trigger URL as itself", rows: { AzureActivity: [activityRow(4, LIST_CALLBACK, `${WORKFLOW}/triggers/manual`, serviceCaller(AZURE_LOGIC_APPS_APP_ID))] } },
    ],
  },
  revisions: [
    {
      change: "Also matches Microsoft.Web/sites/hostruntime/webhooks/api/workflows/triggers/listCallbackUrl/action (Logic Apps Standard).",
      why: "Standard workflows run inside an App Service site and their trigger URL is listed through Microsoft.Web; the rule watched only the Consumption operation.",
      source: SENTINEL_ROLES_SOURCE,
    },
    {
      change:
        "Excludes listings whose token app id (Claims_d.appid) is in serviceAppIds (default: the Microsoft service principals Microsoft lists, " +
        "Azure Security Insights among them, and Azure Logic Apps); with that list set it deploys as a log search alert every 15 minutes instead of an activity-log alert.",
      why:
        "Microsoft Sentinel runs playbooks through the Azure Security Insights service principal, whose role (Microsoft Sentinel Automation Contributor) " +
        "exists to list trigger URLs: every automated playbook run alerted. The Activity Log names such a caller only by its tenant-specific object id, " +
        "so the app id claim is the stable key; activity-log alerts cannot exclude values.",
      source: [SENTINEL_ROLES_SOURCE, MICROSOFT_SERVICE_APP_IDS_SOURCE, AZURE_LOGIC_APPS_APP_ID_SOURCE].join("; "),
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// AZT503.2 Function App HTTP trigger

const FUNCTION_WRITES = ["Microsoft.Web/sites/functions/write", "Microsoft.Web/sites/slots/functions/write"];
/** Writes that set a function or host key to a caller-chosen value (names from RBAC action lists; rows unverified). */
const KEY_WRITES = [
  "Microsoft.Web/sites/functions/keys/write", "Microsoft.Web/sites/slots/functions/keys/write",
  "Microsoft.Web/sites/host/functionKeys/write", "Microsoft.Web/sites/slots/host/functionKeys/write",
  "Microsoft.Web/sites/host/systemkeys/write", "Microsoft.Web/sites/slots/host/systemkeys/write",
];
const FUNC = resourceId("rg-prod-app", "microsoft.web", "sites/func-orders/functions/healthcheck");
const HTTP_FUNCTION = {
  properties: {
    config: { bindings: [{ authLevel: "anonymous", type: "httpTrigger", direction: "in", name: "req", methods: ["get", "post"] }, { type: "http", direction: "out", name: "res" }] },
    files: { "run.ps1": "param($Request) ..." },
  },
};

const functionHttpTrigger: Detection = {
  key: "azt503-2-function-http-trigger",
  technique: "AZT503.2",
  tactic: "Persistence",
  name: "Function created with an HTTP trigger, or a function key set, through ARM",
  description:
    "A function with an httpTrigger binding was written to a Function App through Azure Resource Manager, or a function, " +
    "host or system key was set to a caller-chosen value. Either gives the caller a URL that runs code under the app's " +
    "identity from anywhere. Deployments through the SCM/Kudu endpoint (zip deploy, VS Code) do not pass through ARM and " +
    "are not seen here.",
  falsePositives: [
    "Developers creating functions in the portal editor; pipelines that set known keys for integrations (allowlist them).",
  ],
  triage: [
    "Read RequestBody: the bindings (authLevel anonymous is the strongest signal) and the inline code in `files` if present.",
    "Ask the app owner whether the function or key is expected; review FunctionAppLogs/AppServiceHTTPLogs for calls to it.",
    "If unexpected: delete the function, roll the app's host and function keys, and review what the app's managed identity can reach.",
  ],
  references: [
    atrmPage("AZT503.2"),
    "https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger",
    "https://learn.microsoft.com/rest/api/appservice/web-apps/create-function",
  ],
  severity: 2,
  ...requestBodyParts([...FUNCTION_WRITES, ...KEY_WRITES], "create functions or set function keys through ARM", [
    '| where RequestBody has "httpTrigger" or OperationNameValue !endswith "/functions/write"',
  ], [], "PT15M"),
  samples: {
    source: "log-values.md 1.3, 1.5 (`Microsoft.Web/sites/functions/write` logged); Azure Functions HTTP binding docs " +
      "(function.json `type: httpTrigger`, `authLevel`); ATRM AZT503.2",
    fires: [
      { name: "anonymous HTTP function created", rows: { AzureActivity: [startRow(6, FUNCTION_WRITES[0], FUNC, HTTP_FUNCTION)] } },
      {
        name: "host function key set to a chosen value",
        rows: { AzureActivity: [startRow(6, KEY_WRITES[2], resourceId("rg-prod-app", "microsoft.web", "sites/func-orders/host/default/functionkeys/ops"), { properties: { name: "ops", value: "***" } })] },
      },
    ],
    quiet: [
      {
        name: "timer-triggered function",
        rows: {
          AzureActivity: [startRow(6, FUNCTION_WRITES[0], FUNC, {
            properties: { config: { bindings: [{ type: "timerTrigger", direction: "in", name: "timer", schedule: "0 */5 * * * *" }] } },
          })],
        },
      },
      {
        name: "allowlisted developer",
        parameters: { allowedCallers: [ATTACKER] },
        rows: { AzureActivity: [startRow(6, FUNCTION_WRITES[0], FUNC, HTTP_FUNCTION)] },
      },
      { name: "function created outside the window", rows: { AzureActivity: [startRow(20, FUNCTION_WRITES[0], FUNC, HTTP_FUNCTION)] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT503.3 Runbook webhook

const WEBHOOK_WRITE = "Microsoft.Automation/automationAccounts/webhooks/write";
const WEBHOOK = resourceId("rg-ops", "microsoft.automation", "automationAccounts/aa-ops/webhooks/patch-now");

const runbookWebhook: Detection = {
  key: "azt503-3-automation-webhook",
  technique: "AZT503.3",
  tactic: "Persistence",
  name: "Automation runbook webhook created or updated",
  description:
    "A webhook was created or updated on an Automation account. The webhook URL embeds its token: any holder can start the " +
    "linked runbook, with the account's managed identity or Run As credentials, from anywhere without signing in.",
  falsePositives: ["Operations teams wiring alerts or ITSM tools to runbooks (allowlist their deployment identities)."],
  triage: [
    "Identify the runbook the webhook starts and read its current content (Automation account > Runbooks), and what the " +
      "account's identity can do.",
    "Check JobLogs (AzureDiagnostics, JobLogs category) for jobs started by the webhook and their source.",
    "If unexpected: delete the webhook, review and restore the runbook, and investigate the caller.",
  ],
  references: [
    atrmPage("AZT503.3"),
    "https://learn.microsoft.com/azure/automation/automation-webhooks",
  ],
  severity: 2,
  evaluationFrequency: "PT5M",
  windowSize: arrivalWindow("PT5M"),
  ...operationMatchParts([WEBHOOK_WRITE], "create Automation webhooks"),
  samples: {
    source: "log-values.md 1.1-1.3, 1.5 (Automation writes are logged); ATRM AZT503.3 (`Create or Update an Azure Automation webhook`)",
    fires: [{ name: "webhook created", rows: { AzureActivity: [activityRow(2, WEBHOOK_WRITE, WEBHOOK, { ActivitySubstatusValue: "Created" })] } }],
    quiet: [
      { name: "webhook deleted", rows: { AzureActivity: [activityRow(2, "Microsoft.Automation/automationAccounts/webhooks/delete", WEBHOOK)] } },
      ...operationQuietCases(WEBHOOK_WRITE, WEBHOOK, 5),
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT503.4 WebJob

/**
 * ARM operations that create, start or run WebJobs, or install site extensions (which run install
 * scripts on the worker). Names from RBAC action lists; which of them produce rows is unverified, and
 * WebJobs uploaded through the SCM/Kudu endpoint with publishing credentials do not pass through ARM.
 */
const WEBJOB_OPERATIONS = [
  "Microsoft.Web/sites/continuouswebjobs/write", "Microsoft.Web/sites/continuouswebjobs/start/action",
  "Microsoft.Web/sites/triggeredwebjobs/write", "Microsoft.Web/sites/triggeredwebjobs/run/action",
  "Microsoft.Web/sites/slots/continuouswebjobs/start/action", "Microsoft.Web/sites/slots/triggeredwebjobs/run/action",
  "Microsoft.Web/sites/siteextensions/write", "Microsoft.Web/sites/slots/siteextensions/write",
];
const WEBJOB = resourceId("rg-prod-app", "microsoft.web", "sites/app-shop/triggeredwebjobs/cleanup");

const webJob: Detection = {
  key: "azt503-4-webjob",
  technique: "AZT503.4",
  tactic: "Persistence",
  name: "App Service WebJob created, started or run, or site extension installed",
  description:
    "A WebJob was created, started or triggered on an App Service, or a site extension was installed, through Azure " +
    "Resource Manager. WebJobs run arbitrary scripts and executables on the app's worker under the app's identity, on " +
    "a schedule or continuously: a foothold that survives redeployments of the main application.",
  falsePositives: ["Teams that run scheduled maintenance WebJobs or deploy them with pipelines (allowlist those callers)."],
  triage: [
    "Identify the WebJob (the _ResourceId ends with its name) and read its files in the SCM site (site/wwwroot/App_Data/jobs).",
    "Review AppServiceAuditLogs for publishing-credential logins (FTP/Kudu) to the app around the same time.",
    "If unexpected: delete the WebJob or extension, reset the app's publishing credentials, and review the app identity's access.",
  ],
  references: [
    atrmPage("AZT503.4"),
    "https://learn.microsoft.com/azure/app-service/webjobs-create",
  ],
  severity: 3,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  ...operationMatchParts(WEBJOB_OPERATIONS, "create or run WebJobs and install site extensions"),
  samples: {
    source: "log-values.md 1.1-1.3, 1.5 (Microsoft.Web writes/actions are logged); ATRM AZT503.4 (triggered WebJob run REST call); " +
      "operation names from Azure RBAC action lists (rows unverified)",
    fires: [
      { name: "triggered WebJob run", rows: { AzureActivity: [activityRow(4, "Microsoft.Web/sites/triggeredwebjobs/run/action", WEBJOB)] } },
      { name: "legacy lower-case continuous WebJob start", rows: { AzureActivity: [activityRow(4, "microsoft.web/sites/continuouswebjobs/start/action", WEBJOB.replace("triggeredwebjobs/cleanup", "continuouswebjobs/miner"), { OperationNameValue: "microsoft.web/sites/continuouswebjobs/start/action", ActivityStatusValue: "Succeeded" })] } },
    ],
    quiet: [
      { name: "WebJob stopped", rows: { AzureActivity: [activityRow(4, "Microsoft.Web/sites/continuouswebjobs/stop/action", WEBJOB)] } },
      { name: "app restarted", rows: { AzureActivity: [activityRow(4, "Microsoft.Web/sites/restart/action", resourceId("rg-prod-app", "microsoft.web", "sites/app-shop"))] } },
      ...operationQuietCases("Microsoft.Web/sites/triggeredwebjobs/run/action", WEBJOB, 15),
    ],
  },
};

export const technique: TechniqueModule = {
  detections: [logicAppHttpTrigger, logicAppCallbackUrl, functionHttpTrigger, runbookWebhook, webJob],
};
