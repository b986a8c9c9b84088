// Azure built-in policies the stack assigns, in one place: the Activity Log policy of the
// management-group path and the DeployIfNotExists initiatives of the resource-log and agent scale
// paths, with the roles their identities need, the members a remediation task targets, and the
// effects each allows (never Deny: the stack deploys settings, it never blocks a deployment).
// Pure data with its sources. Every id, parameter, member reference and role was read from the
// definition JSON in github.com/Azure/azure-policy (MIT) at commit POLICY_REPO_COMMIT, whose
// "name" field is the id Azure uses; Microsoft Learn lists the same ids on POLICY_LIST_PAGE.
// Re-check them when Azure versions a definition.

/** The snapshot of github.com/Azure/azure-policy every entry below was read from. */
export const POLICY_REPO_COMMIT = "f4a50bacae07ddb096943c597669bcae494a6e29";
/** Microsoft Learn's list of Azure Monitor's built-in policy definitions and initiatives (ids, versions). */
export const POLICY_LIST_PAGE = "https://learn.microsoft.com/azure/azure-monitor/policy-reference";

export interface BuiltInPolicy {
  /** Full definition id: /providers/Microsoft.Authorization/policyDefinitions|policySetDefinitions/<guid>. */
  id: string;
  displayName: string;
  /** Path in github.com/Azure/azure-policy where the id, parameters and roles were read. */
  source: string;
  /** Role definitions (GUIDs) the member policies' `roleDefinitionIds` list, with their names. */
  roles: { id: string; name: string; source: string }[];
  /** Name of the parameter that takes the workspace id or the DCR id (exact spelling differs per definition). */
  parameter: string;
  /** Other parameters the stack sets, with their values. */
  fixedParameters?: Record<string, string>;
  /** The effect parameter: the stack sets `value`; `allowed` is the definition's allowedValues. */
  effect: { parameter: string; value: "DeployIfNotExists"; allowed: readonly string[] };
  /**
   * What a remediation task remediates: the definition itself (no reference id), or, for an
   * initiative, the policyDefinitionReferenceId of each member the stack relies on.
   */
  remediate: { referenceId?: string; what: string }[];
}

const LOG_ANALYTICS_CONTRIBUTOR = "92aaf0da-9dab-42b6-94a3-d43ce8d16293";
const MONITORING_CONTRIBUTOR = "749f88d5-cbae-40b8-bcfc-e573ddc772fa";
const VIRTUAL_MACHINE_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
export const ROLE_NAMES: Record<string, string> = {
  [LOG_ANALYTICS_CONTRIBUTOR]: "Log Analytics Contributor",
  [MONITORING_CONTRIBUTOR]: "Monitoring Contributor",
  [VIRTUAL_MACHINE_CONTRIBUTOR]: "Virtual Machine Contributor",
};
/** The role a policy identity needs on a workspace outside the assignment's scope (the definitions' logAnalytics parameter says so). */
export const WORKSPACE_ROLE = { id: LOG_ANALYTICS_CONTRIBUTOR, name: "Log Analytics Contributor" };

const CONNECTED_MACHINE_RESOURCE_ADMINISTRATOR = "cd570a14-e51a-42ad-bac8-bafd67325302";
ROLE_NAMES[CONNECTED_MACHINE_RESOURCE_ADMINISTRATOR] = "Azure Connected Machine Resource Administrator";

const member = (file: string) => `built-in-policies/policyDefinitions/Monitoring/${file}.json (roleDefinitionIds, Azure/azure-policy@${POLICY_REPO_COMMIT})`;

const dcrAssociationRoles = (source: string) => [
  { id: MONITORING_CONTRIBUTOR, name: "Monitoring Contributor", source },
  { id: LOG_ANALYTICS_CONTRIBUTOR, name: "Log Analytics Contributor", source },
];

/**
 * "Configure Azure Activity logs to stream to specified Log Analytics workspace": for every
 * subscription in scope, a subscription diagnostic setting named `subscriptionToLa` with all eight
 * Activity Log categories to the workspace. Compliant when any setting of the subscription sends
 * enabled logs to that workspace (its existenceCondition).
 */
export const ACTIVITY_LOG_POLICY: BuiltInPolicy = {
  id: "/providers/Microsoft.Authorization/policyDefinitions/2465583e-4e78-4c15-b6be-a36cbc7c8b0f",
  displayName: "Configure Azure Activity logs to stream to specified Log Analytics workspace",
  source: "built-in-policies/policyDefinitions/Monitoring/DataConnectorsAzureActivity.json",
  roles: [
    { id: MONITORING_CONTRIBUTOR, name: "Monitoring Contributor", source: "built-in-policies/policyDefinitions/Monitoring/DataConnectorsAzureActivity.json (roleDefinitionIds)" },
    { id: LOG_ANALYTICS_CONTRIBUTOR, name: "Log Analytics Contributor", source: "built-in-policies/policyDefinitions/Monitoring/DataConnectorsAzureActivity.json (roleDefinitionIds)" },
  ],
  parameter: "logAnalytics",
  fixedParameters: { logsEnabled: "True" },
  effect: { parameter: "effect", value: "DeployIfNotExists", allowed: ["DeployIfNotExists", "Disabled"] },
  remediate: [{ what: "activity-log" }],
};
/** The name of the setting ACTIVITY_LOG_POLICY deploys in each subscription (fixed by the definition). */
export const ACTIVITY_LOG_POLICY_SETTING_NAME = "subscriptionToLa";

export const RESOURCE_LOGS_INITIATIVE: BuiltInPolicy = {
  id: "/providers/Microsoft.Authorization/policySetDefinitions/0884adba-2312-4468-abeb-5422caed1038",
  displayName: "Enable allLogs category group resource logging for supported resources to Log Analytics",
  source: "built-in-policies/policySetDefinitions/Monitoring/AzureMonitor_DiagSettings_logAnalytics_allLogs.json",
  roles: [{ id: LOG_ANALYTICS_CONTRIBUTOR, name: "Log Analytics Contributor", source: "built-in-policies/policyDefinitions/Monitoring/DS_LA_keyvault-vaults_DINE.json (roleDefinitionIds; same in the other members read)" }],
  parameter: "logAnalytics",
  effect: { parameter: "effect", value: "DeployIfNotExists", allowed: ["DeployIfNotExists", "AuditIfNotExists", "Disabled"] },
  // The members for RESOURCE_LOGS_INITIATIVE_TYPES, in that order.
  remediate: [
    { referenceId: "keyvault-vaults", what: "key-vaults" },
    { referenceId: "automation-automationaccounts", what: "automation" },
    { referenceId: "logic-workflows", what: "logic-apps" },
    { referenceId: "network-networksecuritygroups", what: "nsgs" },
  ],
};

/**
 * Each agent initiative has four members: the agent on VMs, on scale sets and on Arc-enabled
 * servers, and the DCR association. Every role a member lists must be granted to the assignment's
 * identity, or that member's remediation fails: the Arc member needs Azure Connected Machine
 * Resource Administrator, without which Arc servers silently get no agent.
 */
export const AGENT_INITIATIVES: Record<"windows" | "linux", BuiltInPolicy> = {
  windows: {
    id: "/providers/Microsoft.Authorization/policySetDefinitions/9575b8b7-78ab-4281-b53b-d3c1ace2260b",
    displayName: "Configure Windows machines to run Azure Monitor Agent and associate them to a Data Collection Rule",
    source: "built-in-policies/policySetDefinitions/Monitoring/AzureMonitor_WindowsPlatform_EnableDCR.json",
    roles: [
      { id: VIRTUAL_MACHINE_CONTRIBUTOR, name: "Virtual Machine Contributor", source: `${member("AzureMonitor_Agent_Windows_VM_DINE")}; ${member("AzureMonitor_Agent_Windows_VMSS_DINE")}` },
      { id: CONNECTED_MACHINE_RESOURCE_ADMINISTRATOR, name: "Azure Connected Machine Resource Administrator", source: member("AzureMonitor_Agent_Windows_HybridVM_DINE") },
      ...dcrAssociationRoles(member("AzureMonitor_DCRA_Windows_DINE")),
    ],
    parameter: "DcrResourceId",
    effect: { parameter: "effect", value: "DeployIfNotExists", allowed: ["DeployIfNotExists", "Disabled"] },
    remediate: [
      { referenceId: "deployAzureMonitoringAgentWindows", what: "agent" },
      { referenceId: "deployAzureMonitorAgentWindowsVMSS", what: "agent-vmss" },
      { referenceId: "deployAzureMonitorAgentWindowsHybridVM", what: "agent-arc" },
      { referenceId: "associateDataCollectionRuleWindows", what: "dcr" },
    ],
  },
  linux: {
    id: "/providers/Microsoft.Authorization/policySetDefinitions/118f04da-0375-44d1-84e3-0fd9e1849403",
    displayName: "Configure Linux machines to run Azure Monitor Agent and associate them to a Data Collection Rule",
    source: "built-in-policies/policySetDefinitions/Monitoring/AzureMonitor_LinuxPlatform_EnableDCR.json",
    roles: [
      { id: VIRTUAL_MACHINE_CONTRIBUTOR, name: "Virtual Machine Contributor", source: `${member("AzureMonitor_Agent_Linux_VM_DINE")}; ${member("AzureMonitor_Agent_Linux_VMSS_DINE")}` },
      { id: CONNECTED_MACHINE_RESOURCE_ADMINISTRATOR, name: "Azure Connected Machine Resource Administrator", source: member("AzureMonitor_Agent_Linux_HybridVM_DINE") },
      ...dcrAssociationRoles(member("AzureMonitor_DCRA_Linux_DINE")),
    ],
    parameter: "dcrResourceId",
    effect: { parameter: "effect", value: "DeployIfNotExists", allowed: ["DeployIfNotExists", "Disabled"] },
    remediate: [
      { referenceId: "deployAzureMonitorAgentLinuxVM", what: "agent" },
      { referenceId: "deployAzureMonitorAgentLinuxVMSS", what: "agent-vmss" },
      { referenceId: "deployAzureMonitorAgentLinuxHybridVM", what: "agent-arc" },
      { referenceId: "associateDataCollectionRuleLinux", what: "dcr" },
    ],
  },
};

/** The former name of BuiltInPolicy (the initiatives only). */
export type BuiltInInitiative = BuiltInPolicy;

/** Every built-in definition the stack may assign. */
export const BUILT_IN_POLICIES: readonly BuiltInPolicy[] = [ACTIVITY_LOG_POLICY, RESOURCE_LOGS_INITIATIVE, AGENT_INITIATIVES.windows, AGENT_INITIATIVES.linux];

/**
 * Resource types of the catalogue that the resource-logs initiative covers (its resourceTypeList
 * default, read in the source above). Its settings use the allLogs category group without a
 * destination type, so the logs land in AzureDiagnostics: detections that read resource-specific
 * tables are not served by it. Storage services, App Service and AKS are not in the list.
 */
export const RESOURCE_LOGS_INITIATIVE_TYPES = [
  "Microsoft.KeyVault/vaults",
  "Microsoft.Automation/automationAccounts",
  "Microsoft.Logic/workflows",
  "Microsoft.Network/networkSecurityGroups",
] as const;
