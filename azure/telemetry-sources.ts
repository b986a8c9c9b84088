// What each telemetry source can deliver: the resource types whose diagnostic settings the stack
// knows, their log categories and the tables they fill, and syslog facilities. Pure data; the
// config validation, the telemetry plan and the catalogue tests read it.
//
// Category names and tables: Azure Monitor "supported logs" reference, generated from Azure's own
// API (learn.microsoft.com/azure/azure-monitor/reference/supported-logs/), read in its last
// published source, MicrosoftDocs/azure-reference-other @SUPPORTED_LOGS.commit,
// azure-monitor-ref/supported-logs/includes/microsoft-<namespace>-<type>-logs-include.md: each
// category with its "Log table" (a resource-specific table = the type accepts Dedicated). Every
// type below matches its page, except the three AKS fleet-* categories, which are newer than that
// page (2024-07-30) and unverified. Names are case-sensitive in diagnostic settings: copy them exactly.
/** Activity Log categories a subscription diagnostic setting exports (SubscriptionDiagnosticSetting). */
export const ACTIVITY_LOG_CATEGORIES = [
  "Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale", "ResourceHealth",
] as const;

/**
 * Entra ID diagnostic-setting categories and the Log Analytics table each one fills. The aadiam
 * API takes the category as a free string (azure/arm-resources.ts, openEnums); these are the ones
 * this stack sends, each filling the table named.
 */
export const ENTRA_CATEGORY_TABLES = {
  AuditLogs: "AuditLogs",
  SignInLogs: "SigninLogs",
  NonInteractiveUserSignInLogs: "AADNonInteractiveUserSignInLogs",
  ServicePrincipalSignInLogs: "AADServicePrincipalSignInLogs",
  ManagedIdentitySignInLogs: "AADManagedIdentitySignInLogs",
  ProvisioningLogs: "AADProvisioningLogs",
  RiskyUsers: "AADRiskyUsers",
  UserRiskEvents: "AADUserRiskEvents",
  MicrosoftGraphActivityLogs: "MicrosoftGraphActivityLogs",
} as const;

/** Where the diagnostic categories and tables were checked (see the header). */
export const SUPPORTED_LOGS = {
  repo: "MicrosoftDocs/azure-reference-other",
  commit: "bd9f3feeeee7a528954e580c84c4b9a74058d736",
  path: (type: string) => `azure-monitor-ref/supported-logs/includes/${type.toLowerCase().replace(/[./]/g, "-")}-logs-include.md`,
  /** Categories kept although the page does not list them (newer than it). */
  unverified: ["fleet-member-agent", "fleet-member-net-controller-manager", "fleet-mcs-controller-manager"],
} as const;

/**
 * Where resource logs land. `AzureDiagnostics` is the shared legacy table (diagnostic setting
 * without a destination type); `resourceSpecific` means `logAnalyticsDestinationType: Dedicated`
 * and per-service tables such as StorageBlobLogs or AZKVAuditLogs.
 */
export type DiagnosticsDestination = "AzureDiagnostics" | "resourceSpecific";

export interface DiagnosticType {
  /** Short name for docs and messages. */
  label: string;
  categories: readonly string[];
  /**
   * Where a setting without a destination type (AzureDiagnostics) and one with
   * `logAnalyticsDestinationType: Dedicated` (resourceSpecific) send the logs. A destination the
   * type does not support is absent.
   */
  tables: Partial<Record<DiagnosticsDestination, Record<string, string>>>;
  /** Destination for categories no detection asked for (explicit extras in config). */
  defaultDestination: DiagnosticsDestination;
  /**
   * Set for storage services: the diagnostic setting lives on `<account id>/<service>/default`,
   * and a storage account id in config stands for each service the detections need.
   */
  storageService?: "blobServices" | "fileServices" | "queueServices" | "tableServices";
}

const same = (cats: readonly string[], table: string) => Object.fromEntries(cats.map((c) => [c, table]));
const own = (cats: readonly string[]) => Object.fromEntries(cats.map((c) => [c, c]));

const STORAGE_CATEGORIES = ["StorageRead", "StorageWrite", "StorageDelete"] as const;
function storage(service: NonNullable<DiagnosticType["storageService"]>, table: string): DiagnosticType {
  // Storage service logs exist only in resource-specific tables (StorageBlobLogs, ...).
  return { label: `Storage ${service.replace("Services", "")}`, categories: STORAGE_CATEGORIES, tables: { resourceSpecific: same(STORAGE_CATEGORIES, table) }, defaultDestination: "resourceSpecific", storageService: service };
}

const AKS_CATEGORIES = [
  "kube-apiserver", "kube-audit", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler",
  "cloud-controller-manager", "guard", "csi-azuredisk-controller", "csi-azurefile-controller", "csi-snapshot-controller",
  "fleet-member-agent", "fleet-member-net-controller-manager", "fleet-mcs-controller-manager",
] as const;

const APP_SERVICE_CATEGORIES = [
  "AppServiceHTTPLogs", "AppServiceConsoleLogs", "AppServiceAppLogs", "AppServiceAuditLogs", "AppServiceIPSecAuditLogs",
  "AppServicePlatformLogs", "AppServiceFileAuditLogs", "AppServiceAntivirusScanAuditLogs", "AppServiceAuthenticationLogs",
  // Function apps (Microsoft.Web/sites of kind functionapp) and Logic Apps Standard.
  "FunctionAppLogs", "WorkflowRuntime",
] as const;

/** Keys are ARM resource types as the catalogue's `requires` names them (compare case-insensitively). */
export const DIAGNOSTIC_TYPES: Readonly<Record<string, DiagnosticType>> = {
  "Microsoft.KeyVault/vaults": {
    label: "Key Vault",
    categories: ["AuditEvent", "AzurePolicyEvaluationDetails"],
    tables: {
      AzureDiagnostics: same(["AuditEvent", "AzurePolicyEvaluationDetails"], "AzureDiagnostics"),
      resourceSpecific: { AuditEvent: "AZKVAuditLogs", AzurePolicyEvaluationDetails: "AZKVPolicyEvaluationDetailsLogs" },
    },
    defaultDestination: "AzureDiagnostics",
  },
  "Microsoft.Automation/automationAccounts": {
    label: "Automation account",
    categories: ["JobLogs", "JobStreams", "DscNodeStatus", "AuditEvent"],
    // Automation has no resource-specific tables: everything lands in AzureDiagnostics.
    tables: { AzureDiagnostics: same(["JobLogs", "JobStreams", "DscNodeStatus", "AuditEvent"], "AzureDiagnostics") },
    defaultDestination: "AzureDiagnostics",
  },
  "Microsoft.Storage/storageAccounts/blobServices": storage("blobServices", "StorageBlobLogs"),
  "Microsoft.Storage/storageAccounts/fileServices": storage("fileServices", "StorageFileLogs"),
  "Microsoft.Storage/storageAccounts/queueServices": storage("queueServices", "StorageQueueLogs"),
  "Microsoft.Storage/storageAccounts/tableServices": storage("tableServices", "StorageTableLogs"),
  "Microsoft.Logic/workflows": {
    label: "Logic App (Consumption)",
    categories: ["WorkflowRuntime"],
    // Consumption Logic Apps have no resource-specific table (LogicAppWorkflowRuntime is Standard's, on Microsoft.Web/sites).
    tables: { AzureDiagnostics: { WorkflowRuntime: "AzureDiagnostics" } },
    defaultDestination: "AzureDiagnostics",
  },
  "Microsoft.Web/sites": {
    label: "App Service / Function app",
    categories: APP_SERVICE_CATEGORIES,
    // App Service logs exist only in resource-specific tables, each named like its category
    // (WorkflowRuntime of Logic Apps Standard lands in LogicAppWorkflowRuntime).
    tables: { resourceSpecific: { ...own(APP_SERVICE_CATEGORIES), WorkflowRuntime: "LogicAppWorkflowRuntime" } },
    defaultDestination: "resourceSpecific",
  },
  "Microsoft.ContainerService/managedClusters": {
    label: "AKS cluster",
    categories: AKS_CATEGORIES,
    tables: {
      AzureDiagnostics: same(AKS_CATEGORIES, "AzureDiagnostics"),
      resourceSpecific: { ...same(AKS_CATEGORIES, "AKSControlPlane"), "kube-audit": "AKSAudit", "kube-audit-admin": "AKSAuditAdmin" },
    },
    defaultDestination: "resourceSpecific",
  },
  "Microsoft.Network/networkSecurityGroups": {
    label: "Network security group",
    categories: ["NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter", "NetworkSecurityGroupFlowEvent"],
    tables: { AzureDiagnostics: same(["NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter", "NetworkSecurityGroupFlowEvent"], "AzureDiagnostics") },
    defaultDestination: "AzureDiagnostics",
  },
};

/**
 * Log sources detections read that the stack cannot deploy: the reason is the gap's text, so the
 * user knows what to do by hand (then list the source under telemetry.provided).
 */
export const NOT_DEPLOYABLE: Readonly<Record<string, { reason: string; tables: Record<string, string> }>> = {
  "Microsoft.Intune": {
    reason: "Intune's diagnostic setting is tenant-level (Intune admin center > Tenant administration > Diagnostic settings) and azure-native v3 has no resource for it: configure it by hand, then list diagnostics:Microsoft.Intune in telemetry.provided",
    tables: { AuditLogs: "IntuneAuditLogs", OperationalLogs: "IntuneOperationalLogs", DeviceComplianceOrg: "IntuneDeviceComplianceOrg", Devices: "IntuneDevices" },
  },
};

/** The canonical spelling of a known diagnostics resource type (ARM types are case-insensitive). */
export function diagnosticTypeKey(type: string): string | undefined {
  const lower = type.toLowerCase();
  return Object.keys(DIAGNOSTIC_TYPES).find((k) => k.toLowerCase() === lower);
}

/** Resource types a config target may have: the known types plus storage accounts (expanded to their services). */
export const STORAGE_ACCOUNT_TYPE = "Microsoft.Storage/storageAccounts";

/** Syslog facility names a DCR accepts (Microsoft-Syslog data source, facilityNames). */
export const SYSLOG_FACILITIES = [
  "alert", "audit", "auth", "authpriv", "clock", "cron", "daemon", "ftp", "kern", "local0", "local1", "local2", "local3",
  "local4", "local5", "local6", "local7", "lpr", "mail", "mark", "news", "nopri", "ntp", "syslog", "user", "uucp", "*",
] as const;

/**
 * The Azure Monitor Agent VM extension, as Microsoft's own Resource Manager samples install it
 * (MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/agents/resource-manager-agent.md
 * @30a5ec20eb63aced1c900ea06a83c3b273ca2049: Windows typeHandlerVersion "1.0", Linux "1.21",
 * autoUpgradeMinorVersion and enableAutomaticUpgrade true). The version is the minimum major.minor;
 * automatic upgrade moves the agent to the newest release after that.
 */
export const AGENT_EXTENSION = {
  publisher: "Microsoft.Azure.Monitor",
  windows: { type: "AzureMonitorWindowsAgent", typeHandlerVersion: "1.0" },
  linux: { type: "AzureMonitorLinuxAgent", typeHandlerVersion: "1.21" },
  source: "MicrosoftDocs/azure-monitor-docs articles/azure-monitor/agents/resource-manager-agent.md @30a5ec20eb63aced1c900ea06a83c3b273ca2049",
} as const;

/**
 * Microsoft-SecurityEvent (the SecurityEvent table) is Microsoft Sentinel's way of collecting the
 * Security log: "Enable Microsoft Sentinel on the workspace ... Security events are sent to the
 * SecurityEvent table"; without Sentinel, security events go to Event through Microsoft-Event
 * (MicrosoftDocs/azure-monitor-docs articles/azure-monitor/agents/data-collection-windows-events.md
 * @0f835f4c7e883f94fe02c7827179f21c50854521, "Security events").
 */
export const SECURITY_EVENT_STREAM_NOTE =
  "stream Microsoft-SecurityEvent (SecurityEvent table) needs Microsoft Sentinel enabled on the workspace; without it use stream Microsoft-Event (Event table)";
