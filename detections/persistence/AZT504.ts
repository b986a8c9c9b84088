// AZT504 Watcher Tasks: an Automation watcher runs a watcher runbook on a short interval and starts an
// action runbook when it reports an event: code that re-runs by itself.
import type { Detection, TechniqueModule } from "../model";
import { atrmPage, activityRow, operationMatchParts, operationQuietCases, resourceId } from "./shared";
import { arrivalWindow } from "../patterns/arrival";

const WATCHER_WRITES = [
  "Microsoft.Automation/automationAccounts/watchers/write",
  "Microsoft.Automation/automationAccounts/watchers/watcherActions/write",
];
const RUNBOOK_WRITES = [
  "Microsoft.Automation/automationAccounts/runbooks/write",
  "Microsoft.Automation/automationAccounts/runbooks/publish/action",
];
const ACCOUNT = resourceId("rg-ops", "microsoft.automation", "automationAccounts/aa-ops");
const AUTOMATION_DOCS = "https://learn.microsoft.com/azure/automation/automation-scenario-using-watcher-task";

const watcherTask: Detection = {
  key: "azt504-watcher-task",
  technique: "AZT504",
  tactic: "Persistence",
  name: "Automation watcher task created or changed",
  description:
    "A watcher task (or its action) was written on an Automation account. A watcher runs its runbook on a fixed interval " +
    "(down to 60 seconds) and triggers an action runbook, under the account's identity: persistence that keeps executing " +
    "code without any further request. Watcher tasks are rare outside a few monitoring scenarios.",
  falsePositives: ["Operations teams that use watcher tasks for file or event monitoring on hybrid workers (allowlist their identities)."],
  triage: [
    "Open the Automation account > Watcher tasks: read the watcher runbook, the action runbook and the interval.",
    "Check JobLogs (AzureDiagnostics, JobLogs) for jobs of those runbooks and their output; review the account's managed identity roles.",
    "If unexpected: delete the watcher task, review recent runbook changes, and investigate the caller.",
  ],
  references: [atrmPage("AZT504"), AUTOMATION_DOCS],
  severity: 2,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  ...operationMatchParts(WATCHER_WRITES, "create watcher tasks"),
  samples: {
    source: "log-values.md 1.1-1.3, 1.5 (Automation writes are logged). ATRM AZT504 says watcher creation is not logged, " +
      "while its own query and a public lab test (Started + Succeeded rows for watchers/write) say it is: the row form is unverified.",
    fires: [
      { name: "watcher created", rows: { AzureActivity: [activityRow(4, WATCHER_WRITES[0], `${ACCOUNT}/watchers/w-poll`, { ActivitySubstatusValue: "Created" })] } },
      {
        name: "watcher action written (form used by ATRM's query)",
        rows: { AzureActivity: [activityRow(4, WATCHER_WRITES[1], `${ACCOUNT}/watchers/w-poll/watcheractions/a-run`)] },
      },
    ],
    quiet: [
      ...operationQuietCases(WATCHER_WRITES[0], `${ACCOUNT}/watchers/w-poll`, 15),
      { name: "watcher deleted", rows: { AzureActivity: [activityRow(4, "Microsoft.Automation/automationAccounts/watchers/delete", `${ACCOUNT}/watchers/w-poll`)] } },
    ],
  },
};

const runbookPublished: Detection = {
  key: "azt504-runbook-published",
  technique: "AZT504",
  tactic: "Persistence",
  name: "Automation runbook created or published",
  description:
    "A runbook was created/updated or its draft published on an Automation account. Watcher tasks, schedules and webhooks " +
    "all run published runbooks; a new or changed runbook by an unexpected identity is the payload behind them. The " +
    "runbook's content is not in the Activity Log.",
  falsePositives: ["Runbook authors and source-control sync of the Automation account (allowlist the sync identity)."],
  triage: [
    "Read the runbook's current and previous versions (Automation account > Runbooks, or the source-control repository).",
    "Check what starts it: watcher tasks, schedules (jobSchedules) and webhooks; and what the account's identity can do.",
    "If unexpected: revert or delete the runbook, remove its triggers, and investigate the caller.",
  ],
  references: [atrmPage("AZT504"), "https://learn.microsoft.com/azure/automation/manage-runbooks"],
  severity: 3,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  ...operationMatchParts(RUNBOOK_WRITES, "author and publish runbooks"),
  samples: {
    source: "log-values.md 1.1-1.3, 1.5; ATRM AZT504 Logs table (`Publish an Azure Automation runbook draft`, `Create or Update an Azure Automation Runbook`)",
    fires: [
      { name: "runbook draft published", rows: { AzureActivity: [activityRow(3, RUNBOOK_WRITES[1], `${ACCOUNT}/runbooks/rb-cleanup`)] } },
    ],
    quiet: [
      ...operationQuietCases(RUNBOOK_WRITES[0], `${ACCOUNT}/runbooks/rb-cleanup`, 15),
      { name: "job started, not a runbook change", rows: { AzureActivity: [activityRow(3, "Microsoft.Automation/automationAccounts/jobs/write", `${ACCOUNT}/jobs/4b2d`)] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [watcherTask, runbookPublished] };
