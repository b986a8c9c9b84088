// Test-only detections that read each kind of telemetry, so the telemetry tests do not depend on
// what the catalogue holds today. They are never registered in the catalogue.
import type { Detection, Requirement, Tactic } from "../detections/model";
import { telemetryConfig, type RawTelemetryConfig, type TelemetryConfig } from "../config/telemetry";

export const SUB = "00000000-1111-2222-3333-444444444444";
const rid = (type: string, name: string, rg = "rg-prod") => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/${type}/${name}`;
export const IDS = {
  keyVault: rid("Microsoft.KeyVault/vaults", "kv-prod"),
  storage: rid("Microsoft.Storage/storageAccounts", "stprod"),
  automation: rid("Microsoft.Automation/automationAccounts", "aa-prod"),
  nsg: rid("Microsoft.Network/networkSecurityGroups", "nsg-web"),
  winVm: rid("Microsoft.Compute/virtualMachines", "vm-win-01", "rg-vms"),
  linuxVm: rid("Microsoft.Compute/virtualMachines", "vm-lnx-01", "rg-vms"),
  workspace: rid("Microsoft.OperationalInsights/workspaces", "law-shared", "rg-logs"),
};

export const XPATH_4104 = "Microsoft-Windows-PowerShell/Operational!*[System[(EventID=4104)]]";
export const XPATH_4624 = "Security!*[System[(EventID=4624)]]";
export const SCRIPT_BLOCK_LOGGING = "PowerShell script block logging enabled by Group Policy";

export const REQ = {
  activity: { source: "activityLog", categories: ["Administrative"] },
  signIn: { source: "entraId", categories: ["SignInLogs"] },
  kvDedicated: { source: "diagnostics", resourceType: "Microsoft.KeyVault/vaults", categories: ["AuditEvent"], destination: "resourceSpecific", tables: ["AZKVAuditLogs"] },
  kvShared: { source: "diagnostics", resourceType: "Microsoft.KeyVault/vaults", categories: ["AuditEvent"], destination: "AzureDiagnostics", tables: ["AzureDiagnostics"] },
  blob: { source: "diagnostics", resourceType: "Microsoft.Storage/storageAccounts/blobServices", categories: ["StorageRead", "StorageWrite"], destination: "resourceSpecific", tables: ["StorageBlobLogs"] },
  jobs: { source: "diagnostics", resourceType: "Microsoft.Automation/automationAccounts", categories: ["JobLogs", "JobStreams"], destination: "AzureDiagnostics", tables: ["AzureDiagnostics"] },
  scriptBlock: { source: "agent", os: "windows", xPathQueries: [XPATH_4104], stream: "Microsoft-Event", osPrerequisite: SCRIPT_BLOCK_LOGGING },
  logons: { source: "agent", os: "windows", xPathQueries: [XPATH_4624], stream: "Microsoft-SecurityEvent" },
  sshAuth: { source: "agent", os: "linux", facilities: ["auth", "authpriv"], minimumLevel: "Info" },
} satisfies Record<string, Requirement>;

/** A minimal log search detection with the given requirements. */
export function fixture(key: string, requires: Requirement[], tactic: Tactic = "Execution"): Detection {
  return {
    key, technique: "AZT301.1", tactic, name: `fixture ${key}`, description: "test fixture", falsePositives: [], triage: ["test"],
    references: [], severity: 2, evaluationFrequency: "PT5M", windowSize: "PT5M",
    signal: { kind: "query", query: () => "AzureActivity | take 1", trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count" } },
    requires, entities: {}, samples: { source: "fixture", fires: [], quiet: [] },
  };
}

export const F = {
  activity: fixture("azt900-activity", [REQ.activity]),
  signIn: fixture("azt900-signin", [REQ.signIn], "Initial Access"),
  keyVault: fixture("azt900-keyvault", [REQ.kvDedicated], "Credential Access"),
  keyVaultShared: fixture("azt900-keyvault-shared", [REQ.kvShared], "Credential Access"),
  blob: fixture("azt900-blob", [REQ.blob], "Impact"),
  jobs: fixture("azt900-jobs", [REQ.jobs], "Persistence"),
  scriptBlock: fixture("azt900-scriptblock", [REQ.activity, REQ.scriptBlock]),
  logons: fixture("azt900-logons", [REQ.logons], "Initial Access"),
  ssh: fixture("azt900-ssh", [REQ.sshAuth], "Initial Access"),
  nothing: fixture("azt900-nothing", []),
};

/** Selected detections as the plan takes them. */
export const sel = (...ds: Detection[]) => ds.map((d) => ({ key: d.key, detection: d }));

export const tcfg = (raw: RawTelemetryConfig = {}): TelemetryConfig => telemetryConfig(raw);
