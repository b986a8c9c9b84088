// AZT605 Resource Secret Reveal: storage account keys, Automation credentials, deployment history.
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { withEarlierEventLandingLast } from "../patterns/arrival";
import {
  ACTIVITY_ADMIN, ADMIN, ATRM, ATTACKER, AUTOMATION_ACCOUNT, AUTOMATION_REQUIRES_NOTE, DISTINCT_TARGETS_ENTITIES,
  DISTINCT_TARGETS_SCHEDULE, DISTINCT_TARGETS_TRIGGER, RUNBOOK_NAME, activityRow, callersParam, changeThenRunParts, countParam, distinctTargetsQuery, list, num, rid,
} from "./shared";

// --- AZT605.1 storage account keys -------------------------------------------------------------

const LISTKEYS = "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION";
const account = (n: number) => rid("rg-data", `microsoft.storage/storageaccounts/stdata${n}`);
const listKeys = (minutes: number, n: number, over: SampleRow = {}) => activityRow(minutes, LISTKEYS, account(n), over);
const listKeysOn = (count: number, start: number, over: SampleRow = {}) => Array.from({ length: count }, (_, i) => listKeys(start + i, i + 1, over));

const storageKeys: Detection = {
  key: "azt605-1-storage-keys-many-accounts",
  technique: "AZT605.1",
  tactic: "Credential Access",
  name: "Storage account keys listed for many accounts by one caller",
  description:
    "One caller listed the access keys (Microsoft.Storage/storageAccounts/listkeys/action) of many distinct storage accounts " +
    "within an hour. An account key is full, long-lived data-plane access that bypasses Entra ID and RBAC; collecting the " +
    "keys of many accounts is how an attacker with Contributor or Storage Account Key Operator prepares exfiltration. " +
    "A single listing is routine (portal Storage browser, Storage Explorer, CLI without --auth-mode login), so the " +
    "detection counts accounts. Matches both the current upper-case rows with Success and the legacy lower-case rows with Succeeded.",
  falsePositives: [
    "Storage Explorer or the portal browsing several accounts with key authorisation.",
    "Backup, data-platform (Synapse, Data Factory linked services) or inventory automation that reads keys (allowlist its caller).",
  ],
  triage: [
    "Check the caller, its source IP and its sign-in (SigninLogs / AADServicePrincipalSignInLogs) for that IP.",
    "Look for data-plane use of the keys: StorageBlobLogs/StorageFileLogs with AuthenticationType AccountKey from the same IP.",
    "If not expected: rotate both keys of every account in Targets (regenerateKey), consider AllowSharedKeyAccess=false, and review the caller's role assignments.",
  ],
  references: [
    `${ATRM}/AZT605/AZT605-1/`,
    "https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage",
    "https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent",
  ],
  severity: 2,
  ...DISTINCT_TARGETS_SCHEDULE,
  parameters: {
    minAccounts: countParam("Distinct storage accounts whose keys one caller must list within the window to alert.", 5),
    allowedCallers: callersParam("list storage account keys"),
  },
  signal: {
    kind: "query",
    query: (p) =>
      distinctTargetsQuery({
        operations: ["Microsoft.Storage/storageAccounts/listkeys/action"],
        target: "tolower(_ResourceId)",
        minTargets: num(p, "minAccounts"),
        allowedCallers: list(p, "allowedCallers"),
      }),
    trigger: DISTINCT_TARGETS_TRIGGER,
  },
  requires: [ACTIVITY_ADMIN],
  entities: DISTINCT_TARGETS_ENTITIES,
  samples: {
    source: "log-values.md 1.2-1.3 and 1.5 (listkeys rows in current upper-case/Success and legacy lower-case/Succeeded form); ATRM AZT605.1",
    fires: [
      { name: "keys of five accounts listed in 10 minutes", rows: { AzureActivity: listKeysOn(5, 5) } },
      {
        name: "five listings 70 minutes ago that reached the workspace only 40 minutes ago (Activity Log latency)",
        rows: { AzureActivity: listKeysOn(5, 70, { _TimeReceived: minutesAgo(40) }) },
      },
      {
        name: "mix of current and legacy row forms",
        rows: {
          AzureActivity: [
            ...listKeysOn(3, 5),
            listKeys(20, 4, { OperationNameValue: "microsoft.storage/storageaccounts/listkeys/action", ActivityStatusValue: "Succeeded" }),
            listKeys(21, 5, { OperationNameValue: "microsoft.storage/storageaccounts/listkeys/action", ActivityStatusValue: "Succeeded" }),
          ],
        },
      },
    ],
    quiet: [
      { name: "four accounts (one below the threshold)", rows: { AzureActivity: listKeysOn(4, 5) } },
      { name: "one account listed ten times", rows: { AzureActivity: Array.from({ length: 10 }, (_, i) => listKeys(5 + i, 1)) } },
      { name: "five listings that failed", rows: { AzureActivity: listKeysOn(5, 5, { ActivityStatusValue: "Failure", ActivitySubstatusValue: "Forbidden" }) } },
      { name: "five Start rows only", rows: { AzureActivity: listKeysOn(5, 5, { ActivityStatusValue: "Start", ActivitySubstatusValue: "" }) } },
      { name: "account SAS listed instead of keys", rows: { AzureActivity: listKeysOn(5, 5, { OperationNameValue: "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTACCOUNTSAS/ACTION" }) } },
      { name: "allowlisted backup automation", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: listKeysOn(5, 5) } },
      { name: "five accounts, but more than an hour ago", rows: { AzureActivity: listKeysOn(5, 65) } },
    ],
  },
};

// --- AZT605.2 Automation credential assets ------------------------------------------------------

const AA = rid("rg-ops", "microsoft.automation/automationaccounts/aa-ops");
const draftWrite = (m: number, over: SampleRow = {}) =>
  activityRow(m, "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/DRAFT/WRITE", `${AA}/runbooks/Get-Creds/draft/content`, over);
const testJob = (m: number, over: SampleRow = {}) =>
  activityRow(m, "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/DRAFT/TESTJOB/WRITE", `${AA}/runbooks/Get-Creds/draft/testJob`, over);

const automationTestPane: Detection = {
  key: "azt605-2-runbook-edit-and-test",
  technique: "AZT605.2",
  tactic: "Credential Access",
  name: "Runbook draft edited and run in the test pane by the same caller",
  description:
    "A caller wrote a runbook draft (or created a runbook) and started a test job of a draft in the same Automation account " +
    "within the hour. Editing a draft and running it in the test pane is the quickest way to reveal the account's " +
    "credential, certificate and variable assets (Get-AutomationPSCredential, output shown in the pane) or to print the " +
    "account's managed identity token, without publishing anything. " + AUTOMATION_REQUIRES_NOTE +
    " The test job operation (runbooks/draft/testJob/write, the PUT of the TestJob_Create API) follows the rule that " +
    "writes are logged; a real row is (unverified).",
  falsePositives: ["Runbook authors developing in the portal (allowlist them, or accept the alert in development accounts)."],
  triage: [
    "Open the runbook draft (ChangedItems) in the account and read it: look for Get-AutomationPSCredential, Get-AutomationCertificate, Get-AutomationVariable, Connect-AzAccount -Identity, IDENTITY_ENDPOINT.",
    "Check whether the caller usually authors runbooks there, and its sign-in from CallerIpAddress.",
    "If not expected: rotate every credential, certificate and encrypted variable of the account, and remove the caller's Automation Contributor/Operator rights.",
  ],
  references: [
    `${ATRM}/AZT605/AZT605-2/`,
    "https://learn.microsoft.com/rest/api/automation/test-job/create",
    "https://learn.microsoft.com/azure/automation/shared-resources/credentials",
  ],
  severity: 2,
  ...changeThenRunParts(
    {
      changeOperations: [
        "Microsoft.Automation/automationAccounts/runbooks/draft/write",
        "Microsoft.Automation/automationAccounts/runbooks/write",
      ],
      runOperations: ["Microsoft.Automation/automationAccounts/runbooks/draft/testJob/write"],
      containerPattern: AUTOMATION_ACCOUNT,
      itemPattern: RUNBOOK_NAME,
    },
    "edit and test runbooks",
  ),
  samples: {
    source: "log-values.md 1.2-1.3 and 1.5 (Automation writes logged, content not); ATRM AZT605.2; TestJob_Create REST API (PUT .../runbooks/{name}/draft/testJob)",
    fires: [
      { name: "draft written, test job started 10 minutes later", rows: { AzureActivity: [draftWrite(30), testJob(20)] } },
      { name: "draft written 40 minutes before a test job 5 minutes ago", rows: { AzureActivity: [draftWrite(40), testJob(5)] } },
    ],
    quiet: [
      { name: "test job by another caller", rows: { AzureActivity: [draftWrite(30), testJob(20, { Caller: ADMIN })] } },
      { name: "draft written, no test", rows: { AzureActivity: [draftWrite(30)] } },
      { name: "test job more than an hour after the edit", rows: { AzureActivity: [draftWrite(110), testJob(45)] } },
      { name: "test job in another Automation account", rows: { AzureActivity: [draftWrite(30), testJob(20, { _ResourceId: rid("rg-ops", "microsoft.automation/automationaccounts/aa-dev/runbooks/x/draft/testjob") })] } },
      { name: "test job failed to start", rows: { AzureActivity: [draftWrite(30), testJob(20, { ActivityStatusValue: "Failure" })] } },
      { name: "pair already alerted in the previous hour", rows: { AzureActivity: [draftWrite(100), testJob(80)] } },
      { name: "allowlisted runbook author", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [draftWrite(30), testJob(20)] } },
    ],
  },
};

// --- AZT605.3 deployment history ------------------------------------------------------------------

const EXPORT = "MICROSOFT.RESOURCES/DEPLOYMENTS/EXPORTTEMPLATE/ACTION";
const deployment = (n: number) => rid("rg-app", `microsoft.resources/deployments/app-release-${n}`);
const exportRows = (count: number, start: number, over: SampleRow = {}) =>
  Array.from({ length: count }, (_, i) => activityRow(start + i, EXPORT, deployment(i + 1), over));

const deploymentExport: Detection = {
  key: "azt605-3-deployment-template-export",
  technique: "AZT605.3",
  tactic: "Credential Access",
  name: "Templates of many deployments exported by one caller",
  description:
    "One caller exported the templates of several deployments from deployment history " +
    "(Microsoft.Resources/deployments/exportTemplate/action, a POST) within an hour. Templates and deployment history " +
    "hold secrets whenever authors hard-coded them or passed them as plain string parameters. Limitation: reading a " +
    "deployment's parameters and outputs — where most of these secrets show — is a GET " +
    "(Microsoft.Resources/deployments/read) and is never written to the Activity Log, so only the template export is " +
    "visible. The export POST follows the rule that actions are logged; a real row is (unverified).",
  falsePositives: ["Engineers or tooling (policy-as-code, documentation generators) exporting templates in bulk."],
  triage: [
    "Check the caller and IP; review which deployments were exported (Targets) and whether their templates or parameters contain secrets.",
    "Rotate any secret found in those deployments and move it to Key Vault references / secureString parameters.",
  ],
  references: [
    `${ATRM}/AZT605/AZT605-3/`,
    "https://learn.microsoft.com/rest/api/resources/deployments/export-template",
    "https://learn.microsoft.com/azure/azure-resource-manager/templates/deployment-history",
  ],
  severity: 3,
  ...DISTINCT_TARGETS_SCHEDULE,
  parameters: {
    minDeployments: countParam("Distinct deployments whose template one caller must export within the window to alert.", 3),
    allowedCallers: callersParam("export deployment templates"),
  },
  signal: {
    kind: "query",
    query: (p) =>
      distinctTargetsQuery({
        operations: ["Microsoft.Resources/deployments/exportTemplate/action"],
        target: "tolower(_ResourceId)",
        minTargets: num(p, "minDeployments"),
        allowedCallers: list(p, "allowedCallers"),
      }),
    trigger: DISTINCT_TARGETS_TRIGGER,
  },
  requires: [ACTIVITY_ADMIN],
  entities: DISTINCT_TARGETS_ENTITIES,
  samples: {
    source: "log-values.md 1.2, 1.3, 1.5 (POST actions logged, GET reads not; row form by analogy with other actions); Deployments - Export Template REST API (POST)",
    fires: [{ name: "three deployments exported", rows: { AzureActivity: exportRows(3, 5) } }],
    quiet: [
      { name: "two deployments exported", rows: { AzureActivity: exportRows(2, 5) } },
      { name: "the same deployment exported three times", rows: { AzureActivity: [1, 2, 3].map((m) => activityRow(m, EXPORT, deployment(1))) } },
      { name: "three deployments created (writes, not exports)", rows: { AzureActivity: exportRows(3, 5, { OperationNameValue: "MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE" }) } },
      { name: "allowlisted documentation tooling", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: exportRows(3, 5) } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [storageKeys, withEarlierEventLandingLast(automationTestPane), deploymentExport] };
