// AZT106 Gather Role Information: Entra role assignments (.1), application role assignments (.2),
// Azure RBAC role assignments (.3) and transitive role assignments (.4).
import * as kql from "../kql";
import type { Detection, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { baselineParameters, baselineQuery, baselineTrigger, BASELINE_SCHEDULE, IN_RECENT, type BaselineSpec } from "../patterns/baseline";
import { APP } from "../initial-access/signins";
import { ADMIN_USER_ID, GRAPH_ACTIVITY_DOC, graphPrincipalsDescription, GRAPH_REQUIRES, graphEnumeration, graphRow, PRINCIPAL, rowsOver, sampleGuid } from "./graph";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/Reconnaissance/AZT106";

const entraRoles = graphEnumeration({
  key: "azt106-1-graph-role-enumeration",
  technique: "AZT106.1",
  name: "Burst of Entra role assignment and role member reads through Microsoft Graph",
  what: "directory roles, their members, and role assignment, definition and PIM eligibility schedules",
  terms: ["directoryRoles", "roleManagement", "directoryRoleTemplates"],
  paths: [
    "directoryroles", "directoryroletemplates", "directoryroles/\\{id\\}", "directoryroles/\\{id\\}/members",
    "directoryroles\\(roletemplateid='\\{id\\}'\\)(/members)?",
    "rolemanagement/directory/(roleassignments|roledefinitions|roleeligibilityschedules|roleeligibilityscheduleinstances|roleassignmentschedules|roleassignmentscheduleinstances|roleeligibilityschedulerequests|roleassignmentschedulerequests)(/\\{id\\})?",
  ],
  minCount: 15,
  risePercent: 300,
  atrm: `${ATRM}/AZT106-1/`,
  references: ["https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments", "https://learn.microsoft.com/graph/api/directoryrole-list-members"],
  falsePositives: ["Privileged-access reviews and PIM reporting tools (allowlist their AppId).", "Administrators reviewing role membership."],
  triage: ["Read Endpoints: listing the members of every activated role, or every assignment and eligibility schedule, maps who to target for privilege escalation."],
  sampleUri: (i) => `https://graph.microsoft.com/v1.0/directoryRoles/${sampleGuid(i)}/members`,
  otherUri: "https://graph.microsoft.com/v1.0/organization",
});

const appRoles = graphEnumeration({
  key: "azt106-2-graph-app-role-enumeration",
  technique: "AZT106.2",
  name: "Burst of application role assignment and app owner reads through Microsoft Graph",
  what: "application role assignments (appRoleAssignedTo, appRoleAssignments) and application or service principal owners",
  terms: ["appRoleAssignedTo", "appRoleAssignments", "owners"],
  paths: [
    "serviceprincipals/\\{id\\}/(approleassignedto|approleassignments|owners)",
    "(users|groups)/\\{id\\}/approleassignments",
    "applications/\\{id\\}/owners",
  ],
  minCount: 30,
  risePercent: 300,
  atrm: `${ATRM}/AZT106-2/`,
  references: ["https://learn.microsoft.com/graph/api/serviceprincipal-list-approleassignedto", "https://learn.microsoft.com/graph/api/application-list-owners"],
  falsePositives: ["Application governance and access-review tools (allowlist their AppId)."],
  triage: ["Read Endpoints: appRoleAssignedTo on every service principal plus every application's owners is how AzureHound finds apps a compromised owner can add credentials to (AZT405, AZT501)."],
  sampleUri: (i) => `https://graph.microsoft.com/v1.0/servicePrincipals/${sampleGuid(i)}/appRoleAssignedTo`,
  otherUri: "https://graph.microsoft.com/v1.0/servicePrincipals/a1b2c3d4-e5f6-4a7b-8c9d-000000000001",
});

const transitiveRoles = graphEnumeration({
  key: "azt106-4-graph-transitive-role-lookups",
  technique: "AZT106.4",
  name: "Repeated transitive role assignment lookups through Microsoft Graph",
  what: "transitive role assignments of chosen principals (roleManagement/directory/transitiveRoleAssignments, roleDefinitions/{id}/assignedPrincipals)",
  terms: ["transitiveRoleAssignments", "assignedPrincipals"],
  paths: ["rolemanagement/directory/transitiveroleassignments(/\\{id\\})?", "rolemanagement/directory/roledefinitions/\\{id\\}/assignedprincipals"],
  minCount: 3,
  risePercent: 200,
  atrm: `${ATRM}/AZ-T106-4/`,
  references: ["https://learn.microsoft.com/graph/api/rbacapplication-list-transitiveroleassignments?view=graph-rest-beta"],
  falsePositives: ["Administrators checking which roles a user holds through group membership (the admin center's Assigned roles view may use this API — unverified)."],
  triage: ["The beta transitiveRoleAssignments API requires a principalId filter: the principals looked up are in the request (RequestUri) — query MicrosoftGraphActivityLogs for this principal's requests to see whose roles were checked."],
  sampleUri: (i) => `https://graph.microsoft.com/beta/roleManagement/directory/transitiveRoleAssignments?$count=true&$filter=principalId eq '${sampleGuid(i)}'`,
  otherUri: "https://graph.microsoft.com/beta/roleManagement/directory/roleAssignments?$filter=principalId eq 'a1b2c3d4-e5f6-4a7b-8c9d-000000000001'",
});

// ---------------------------------------------------------------------------------------------
// AZT106.3: Azure RBAC role assignment reads are ARM GETs, which the Activity Log never records.
// What is visible: the Azure CLI's `az role assignment list` resolves the principals of the
// assignments it returns through Microsoft Graph (POST directoryObjects/getByIds, up to 1000 ids
// per call, in azure-cli's role module `_get_object_stubs`). Azure PowerShell's
// Get-AzRoleAssignment resolves names through Graph as well (unverified which endpoint).

const rbacSpec: BaselineSpec = {
  source: "MicrosoftGraphActivityLogs",
  filters: [`RequestMethod =~ "POST"`, `RequestUri has "getByIds"`, `AppId in~ ${kql.strList([APP.azureCli, APP.azurePowerShell])}`],
  extend: [PRINCIPAL],
  groupBy: ["Principal", "AppId"],
  details: [
    { name: "IPAddresses", expr: `make_set_if(IPAddress, ${IN_RECENT}, 10)` },
    { name: "UserAgents", expr: `make_set_if(UserAgent, ${IN_RECENT}, 5)` },
  ],
  after: [{ name: "SampleIPAddress", expr: "tostring(IPAddresses[0])" }],
  exclusions: [{ column: "Principal", parameter: "allowedPrincipals" }],
};

const cliAgent = "Mozilla/5.0 (Linux) AZURECLI/2.61.0 (DEB) azsdk-python-core/1.28.0 Python/3.11.8 (Linux-6.5.0-1022-azure-x86_64-with-glibc2.35)";
const getByIds = (minutes: number, over: Record<string, unknown> = {}) =>
  graphRow(minutes, {
    RequestMethod: "POST", RequestUri: "https://graph.microsoft.com/v1.0/directoryObjects/getByIds",
    AppId: APP.azureCli, UserAgent: cliAgent, ...over,
  });

const rbacAssignmentListing: Detection = {
  key: "azt106-3-cli-role-assignment-listing",
  technique: "AZT106.3",
  tactic: "Reconnaissance",
  name: "Azure CLI/PowerShell resolving role assignment principals, new or rising for this principal",
  description:
    "Partial coverage. Listing Azure RBAC role assignments (GET Microsoft.Authorization/roleAssignments) is an ARM read " +
    "and never reaches the Activity Log. The Azure CLI, however, resolves the principals of the assignments it lists " +
    "through Microsoft Graph (POST directoryObjects/getByIds), which MicrosoftGraphActivityLogs records. This rule " +
    "alerts when a principal makes such calls from the Azure CLI or Azure PowerShell app in the last 24 hours at least " +
    "minCount times and risePercent more than the day before (a principal with no such call the day before alerts on " +
    "its first). It does not see the portal's Access control blade, Resource Graph queries, raw REST calls with " +
    "another client, or listing with name resolution turned off (--fill-principal-name false).",
  falsePositives: [
    "Engineers who use `az role assignment list` or `az ad`/`az role` commands occasionally (allowlist automation identities).",
    "Other Azure CLI commands that resolve object ids (role assignment create without --assignee-principal-type).",
  ],
  triage: [
    "Identify the principal (user object id, or service principal object id) and confirm whether it normally uses the Azure CLI or PowerShell.",
    "Check the sign-in behind it (SigninLogs/AADNonInteractiveUserSignInLogs, app Microsoft Azure CLI or Microsoft Azure PowerShell, same IPAddresses): a new IP or device points to stolen tokens.",
    "Look at the principal's Azure write activity afterwards in AzureActivity (role assignments, run command, key listing).",
  ],
  references: [
    `${ATRM}/AZT106-3/`,
    GRAPH_ACTIVITY_DOC,
    "https://learn.microsoft.com/cli/azure/role/assignment#az-role-assignment-list",
    "https://learn.microsoft.com/graph/api/directoryobject-getbyids",
  ],
  severity: 3,
  ...BASELINE_SCHEDULE,
  parameters: baselineParameters({
    minCount: { default: 1, description: "getByIds calls from the Azure CLI/PowerShell in the last 24h before a rise can alert." },
    risePercent: 100,
    allowlists: { allowedPrincipals: { description: graphPrincipalsDescription("that list role assignments routinely"), allowlist: "objectIds" } },
  }),
  signal: { kind: "query", query: (p) => baselineQuery(rbacSpec, p), trigger: baselineTrigger(["Principal", "AppId"]) },
  requires: GRAPH_REQUIRES,
  entities: { account: "Principal", ip: "SampleIPAddress" },
  samples: {
    source:
      "azure-cli role module (_get_object_stubs -> POST /directoryObjects/getByIds, batches of 1000 ids); " +
      "log-values.md section 8 (RequestMethod upper case, int ResponseStatusCode) and 3.1 (Azure CLI app id)",
    fires: [
      { name: "first role assignment listing by this user in two days", rows: { MicrosoftGraphActivityLogs: [getByIds(30)] } },
      { name: "late row: a listing sent 100 minutes ago landed 15 minutes ago", rows: { MicrosoftGraphActivityLogs: [getByIds(100, { _TimeReceived: minutesAgo(15) })] } },
      {
        name: "Azure PowerShell, three calls today after one yesterday",
        rows: { MicrosoftGraphActivityLogs: [...rowsOver(3, 40, (_, m) => getByIds(m, { AppId: APP.azurePowerShell, UserAgent: "AzurePowershell/v12.0.0" })), getByIds(30 * 60, { AppId: APP.azurePowerShell })] },
      },
    ],
    quiet: [
      { name: "same user listed as often the day before", rows: { MicrosoftGraphActivityLogs: [getByIds(30), getByIds(28 * 60), getByIds(29 * 60)] } },
      { name: "getByIds from another app (not the CLI or PowerShell)", rows: { MicrosoftGraphActivityLogs: [getByIds(30, { AppId: "00000006-0000-0ff1-ce00-000000000000" })] } },
      { name: "a GET of directory objects is not the name resolution call", rows: { MicrosoftGraphActivityLogs: [getByIds(30, { RequestMethod: "GET", RequestUri: `https://graph.microsoft.com/v1.0/directoryObjects/${sampleGuid(1)}` })] } },
      { name: "allowlisted automation principal", parameters: { allowedPrincipals: [ADMIN_USER_ID] }, rows: { MicrosoftGraphActivityLogs: [getByIds(30, { UserId: ADMIN_USER_ID })] } },
      { name: "already alerted: listings 70-72 minutes ago, ingested before the previous run", rows: { MicrosoftGraphActivityLogs: rowsOver(3, 70, (_, m) => getByIds(m)) } },
      { name: "listing happened 5 hours ago (already alerted)", rows: { MicrosoftGraphActivityLogs: [getByIds(5 * 60)] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [entraRoles, appRoles, rbacAssignmentListing, transitiveRoles] };
