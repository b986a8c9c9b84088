// AZT301 Virtual Machine Scripting: code execution on VMs through the Azure control plane.
import type { Detection, TechniqueModule } from "../model";
import { minutesAgo } from "../model";

const SUB = "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11";
const VM_ID = `/subscriptions/${SUB}/resourcegroups/rg-prod-app/providers/microsoft.compute/virtualmachines/vm-web-01`;

/** An AzureActivity row as diagnostic-settings export writes it (log-values.md 1.1-1.3). */
function activityRow(minutes: number, over: Record<string, unknown>) {
  return {
    TimeGenerated: minutesAgo(minutes),
    CategoryValue: "Administrative",
    OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
    ActivityStatusValue: "Success",
    ActivitySubstatusValue: "OK",
    ResourceProviderValue: "MICROSOFT.COMPUTE",
    ResourceGroup: "RG-PROD-APP",
    _ResourceId: VM_ID,
    SubscriptionId: SUB,
    Caller: "mallory@contoso.onmicrosoft.com",
    CallerIpAddress: "203.0.113.45",
    CorrelationId: "0b9c8e7a-1f2d-4e3c-8b5a-6d7e8f9a0b1c",
    ...over,
  };
}

const runCommand: Detection = {
  key: "azt301-1-runcommand",
  technique: "AZT301.1",
  tactic: "Execution",
  name: "Run Command executed on a virtual machine",
  description:
    "A principal ran a script on a VM through Run Command (Microsoft.Compute/virtualMachines/runCommand/action). " +
    "The script runs as SYSTEM/root with no interactive logon, so it is a favoured way to execute code after " +
    "gaining Contributor or Virtual Machine Contributor on a subscription.",
  falsePositives: [
    "Administrators troubleshooting a VM without network access.",
    "Automation that uses Run Command for configuration (add its identity to allowlists.callers).",
  ],
  triage: [
    "Identify the caller and source IP; confirm with the owner that the run was planned.",
    "Read the script: Run Command does not log its content in the Activity Log; check the VM's " +
      "C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows\\<version>\\Downloads or " +
      "/var/lib/waagent/run-command/download, and PowerShell 4104 events (the azt301-1-runcommand-scriptblock variant).",
    "If unplanned: revoke the caller's sessions, review its role assignments, and treat the VM as compromised.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/Execution/AZT301/AZT301-1/",
    "https://learn.microsoft.com/azure/virtual-machines/run-command-overview",
  ],
  severity: 1,
  evaluationFrequency: "PT5M",
  windowSize: "PT5M",
  parameters: {
    allowedCallers: {
      type: "stringList",
      description: "Callers (UPN or service principal object id, as in AzureActivity.Caller) allowed to use Run Command.",
      default: [],
      allowlist: "callers",
    },
  },
  signal: {
    kind: "activityLog",
    match: { operations: ["Microsoft.Compute/virtualMachines/runCommand/action"], outcome: "succeeded" },
    exclusions: [{ column: "Caller", parameter: "allowedCallers" }],
  },
  requires: [{ source: "activityLog", categories: ["Administrative"] }],
  entities: { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId" },
  samples: {
    source: "log-values.md 1.1-1.3 (upper-case OperationNameValue, Start/Accept/Success sequence); ATRM AZT301.1",
    fires: [
      {
        name: "run command accepted then succeeded",
        rows: {
          AzureActivity: [
            activityRow(4, { ActivityStatusValue: "Start", ActivitySubstatusValue: "" }),
            activityRow(4, { ActivityStatusValue: "Accept", ActivitySubstatusValue: "Accepted" }),
            activityRow(2, {}),
          ],
        },
      },
      {
        name: "legacy lower-case operation and Succeeded status",
        rows: {
          AzureActivity: [
            activityRow(3, { OperationNameValue: "microsoft.compute/virtualmachines/runcommand/action", ActivityStatusValue: "Succeeded" }),
          ],
        },
      },
    ],
    quiet: [
      {
        name: "run command failed",
        rows: { AzureActivity: [activityRow(2, { ActivityStatusValue: "Failure", ActivitySubstatusValue: "Conflict" })] },
      },
      {
        name: "different operation on the same VM",
        rows: { AzureActivity: [activityRow(2, { OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RESTART/ACTION" })] },
      },
      {
        name: "succeeded outside the 5-minute window",
        rows: { AzureActivity: [activityRow(9, {})] },
      },
      {
        name: "allowlisted automation identity",
        parameters: { allowedCallers: ["mallory@contoso.onmicrosoft.com"] },
        rows: { AzureActivity: [activityRow(2, {})] },
      },
    ],
  },
};

export const technique: TechniqueModule = { detections: [runCommand] };
