// AZT505 Scheduled Jobs: runbooks linked to Automation schedules run by themselves.
import type { Detection, TechniqueModule } from "../model";
import { atrmPage, activityRow, operationMatchParts, operationQuietCases, resourceId } from "./shared";
import { arrivalWindow } from "../patterns/arrival";

/** A schedule asset, and the job schedule that links a runbook to it (both needed to make a runbook recur). */
const SCHEDULE_WRITES = [
  "Microsoft.Automation/automationAccounts/schedules/write",
  "Microsoft.Automation/automationAccounts/jobSchedules/write",
];
const ACCOUNT = resourceId("rg-ops", "microsoft.automation", "automationAccounts/aa-ops");

const runbookSchedule: Detection = {
  key: "azt505-1-runbook-schedule",
  technique: "AZT505.1",
  tactic: "Persistence",
  name: "Automation schedule created or runbook linked to a schedule",
  description:
    "A schedule was created/updated on an Automation account, or a runbook was linked to one (job schedule). A scheduled " +
    "runbook re-executes the attacker's code under the account's identity every hour or day, long after the initial access " +
    "is gone.",
  falsePositives: ["Automation engineers scheduling maintenance runbooks; infrastructure pipelines (allowlist their identities)."],
  triage: [
    "Open the Automation account > Schedules: which runbooks are linked, how often, and from when.",
    "Read the linked runbook and check JobLogs for its scheduled jobs (Caller_s `System`).",
    "If unexpected: unlink and delete the schedule, review the runbook, and investigate the caller.",
  ],
  references: [atrmPage("AZT505.1"), "https://learn.microsoft.com/azure/automation/shared-resources/schedules"],
  severity: 3,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  ...operationMatchParts(SCHEDULE_WRITES, "create Automation schedules"),
  samples: {
    source: "log-values.md 1.1-1.3, 1.5 (`Schedules/write` logged); ATRM AZT505.1 (`Create or Update an Azure Automation schedule asset`)",
    fires: [
      { name: "schedule created", rows: { AzureActivity: [activityRow(5, SCHEDULE_WRITES[0], `${ACCOUNT}/schedules/hourly`, { ActivitySubstatusValue: "Created" })] } },
      { name: "runbook linked to a schedule", rows: { AzureActivity: [activityRow(5, SCHEDULE_WRITES[1], `${ACCOUNT}/jobschedules/6a1e0c3d-2b4f-4d8a-9e7c-5f3b1a0d2c4e`)] } },
    ],
    quiet: [
      ...operationQuietCases(SCHEDULE_WRITES[0], `${ACCOUNT}/schedules/hourly`, 15),
      { name: "schedule deleted", rows: { AzureActivity: [activityRow(5, "Microsoft.Automation/automationAccounts/schedules/delete", `${ACCOUNT}/schedules/hourly`)] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [runbookSchedule] };
