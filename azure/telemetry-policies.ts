// Azure built-in policy initiatives (policy set definitions) for the optional telemetry scale path,
// and the roles their DeployIfNotExists identities need. Pure data with its sources; every id was
// read from the definition JSON in github.com/Azure/azure-policy (built-in-policies/), whose
// "name" field is the id Azure uses. Re-check them when Azure versions an initiative.

export interface BuiltInInitiative {
  id: string;
  displayName: string;
  /** Path in github.com/Azure/azure-policy where the id and parameters were read. */
  source: string;
  /** Role definitions (GUIDs) the member policies' `roleDefinitionIds` list, with their names. */
  roles: { id: string; name: string; source: string }[];
  /** Name of the parameter that takes the workspace id or the DCR id (exact spelling differs per initiative). */
  parameter: string;
}

const LOG_ANALYTICS_CONTRIBUTOR = "92aaf0da-9dab-42b6-94a3-d43ce8d16293";
const MONITORING_CONTRIBUTOR = "749f88d5-cbae-40b8-bcfc-e573ddc772fa";
const VIRTUAL_MACHINE_CONTRIBUTOR = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
const CONNECTED_MACHINE_RESOURCE_ADMINISTRATOR = "cd570a14-e51a-42ad-bac8-bafd67325302";

/** Azure/azure-policy commit the agent initiatives' members and their roles were read at. */
const AGENT_SOURCE_COMMIT = "f4a50bacae07ddb096943c597669bcae494a6e29";
const member = (file: string) => `built-in-policies/policyDefinitions/Monitoring/${file}.json (roleDefinitionIds, Azure/azure-policy@${AGENT_SOURCE_COMMIT})`;

const dcrAssociationRoles = (source: string) => [
  { id: MONITORING_CONTRIBUTOR, name: "Monitoring Contributor", source },
  { id: LOG_ANALYTICS_CONTRIBUTOR, name: "Log Analytics Contributor", source },
];

export const RESOURCE_LOGS_INITIATIVE: BuiltInInitiative = {
  id: "/providers/Microsoft.Authorization/policySetDefinitions/0884adba-2312-4468-abeb-5422caed1038",
  displayName: "Enable allLogs category group resource logging for supported resources to Log Analytics",
  source: "built-in-policies/policySetDefinitions/Monitoring/AzureMonitor_DiagSettings_logAnalytics_allLogs.json",
  roles: [{ id: LOG_ANALYTICS_CONTRIBUTOR, name: "Log Analytics Contributor", source: "built-in-policies/policyDefinitions/Monitoring/DiagSettings_logAnalytics_firewall_DINE.json (roleDefinitionIds; same in the other category-group members read)" }],
  parameter: "logAnalytics",
};

/**
 * Each agent initiative has four members: the agent on VMs, on scale sets and on Arc-enabled
 * servers, and the DCR association. Every role a member lists must be granted to the assignment's
 * identity, or that member's remediation fails: the Arc member needs Azure Connected Machine
 * Resource Administrator, without which Arc servers silently get no agent.
 */
export const AGENT_INITIATIVES: Record<"windows" | "linux", BuiltInInitiative> = {
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
  },
};

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
