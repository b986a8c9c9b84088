// AZT601 Steal Managed Identity JsonWebToken. The token request itself (IMDS on 169.254.169.254, the
// App Service/Automation IDENTITY_ENDPOINT) never reaches an Azure log; what is visible is the
// change that lets an attacker run code next to an identity, the token issuance in
// AADManagedIdentitySignInLogs, and the token's later use in resource logs.
import * as kql from "../kql";
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { FIRST_ARRIVAL, arrivalSplit, arrivalWindow, ingestedSinceLastRun, ingestionSchedule, withEarlierEventLandingLast, NEW_EVIDENCE } from "../patterns/arrival";
import {
  ACTIVITY_ADMIN, ADMIN, ATRM, ATTACKER, ATTACKER_IP, AUTOMATION_ACCOUNT, AUTOMATION_REQUIRES_NOTE, RUNBOOK_NAME, activityRow,
  callersParam, changeThenRunParts, list, operationMatchParts, rid,
} from "./shared";

const MI_DOCS = "https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token";
const MI_APP = "3c8e1a7b-52d4-4f0e-9b6a-1d2c3e4f5a6b";
const MI_OBJECT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const MI_NAME = "vm-batch-01";
const VM_IP = "20.61.14.88";
const ARM_RESOURCE = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
const GRAPH_RESOURCE = "00000003-0000-0000-c000-000000000000";
const KEYVAULT_RESOURCE = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";

/**
 * The baseline rules run hourly: the rows ingested since the previous run are judged, the rest of
 * the two days (plus the ingestion lag) is history. A late row is judged once, when it lands.
 */
const RUN = "PT1H";
const split = arrivalSplit(RUN);
/** History of about two days: with the ingestion lag on top the query range is P2D, Azure's maximum. */
const HISTORY_ACTIVITY = "P1DT23H30M";
const HISTORY_ENTRA = "P1DT23H";

/** A managed identity token issuance (AADManagedIdentitySignInLogs; column forms per log-values.md 3.3, row values (unverified)). */
function miSignIn(minutes: number, over: SampleRow = {}): SampleRow {
  return {
    TimeGenerated: minutesAgo(minutes),
    Category: "ManagedIdentitySignInLogs",
    OperationName: "Sign-in activity",
    ResultType: "0",
    AppId: MI_APP,
    ServicePrincipalId: MI_OBJECT,
    ServicePrincipalName: MI_NAME,
    ResourceIdentity: ARM_RESOURCE,
    ResourceDisplayName: "Windows Azure Service Management API",
    Id: "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9",
    CorrelationId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    ...over,
  };
}

/** An ARM write made with the managed identity's token: Caller is its object id, Claims_d.appid its client id. */
function miCall(minutes: number, ip: string, over: SampleRow = {}): SampleRow {
  return activityRow(minutes, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", rid("rg-batch", "microsoft.compute/virtualmachines/vm-batch-02"), {
    Caller: MI_OBJECT,
    CallerIpAddress: ip,
    Claims_d: { appid: MI_APP, appidacr: "2", ipaddr: ip },
    ...over,
  });
}

// --- AZT601.1 (and every other 601.x route): the stolen token used from elsewhere --------------------

const tokenNewIp: Detection = {
  key: "azt601-1-mi-token-new-ip",
  technique: "AZT601.1",
  tactic: "Credential Access",
  name: "Managed identity token used from an IP address it never used before",
  description:
    "An Azure Resource Manager write or action was made with a managed identity's token from a source IP that the same " +
    "identity has not used in the previous two days. A managed identity's calls come from the resource it belongs to " +
    "(the VM's, App Service's or Automation sandbox's outbound addresses); a token taken from IMDS or IDENTITY_ENDPOINT " +
    "(AZT601.1-601.5) and replayed from an attacker's machine shows up with a new address. Managed identities are recognised " +
    "by the application id of the token (Claims_d.appid) appearing in AADManagedIdentitySignInLogs. Only identities with " +
    "earlier activity are judged (no baseline, no verdict). Limitation: ARM reads (GET) are not in the Activity Log, so " +
    "a stolen token used only to read stays invisible here.",
  falsePositives: [
    "The resource's outbound IP changed (VM stop/deallocate without a static IP, App Service scale-out to new workers, NAT gateway change).",
    "Identities used from several Azure services with rotating egress (Automation cloud sandboxes, Consumption Functions): allowlist their callers or egress IPs.",
  ],
  triage: [
    "Resolve the identity (Caller = its object id, AppId = client id) to the resource it belongs to (Entra ID > Enterprise applications > Managed identities).",
    "Check whether CallerIpAddress belongs to that resource (its public IP, NAT gateway, App Service outbound addresses) or to Azure at all.",
    "If not: the token was stolen — find how (run command, extension, runbook, function or Logic App changes on that resource in the last day), remove the identity's role assignments until contained, and restart/redeploy the resource.",
  ],
  references: [`${ATRM}/AZT601/AZT601-1/`, MI_DOCS, "https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins#managed-identity-sign-ins"],
  severity: 2,
  ...ingestionSchedule(RUN, HISTORY_ACTIVITY, "activityLog"),
  parameters: {
    allowedCallers: callersParam("act from any address (managed identities with rotating egress)"),
    allowedIpAddresses: { type: "stringList", description: "Egress IP addresses from which managed identities may act.", default: [], allowlist: "ipAddresses" },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "let managedIdentityApps = AADManagedIdentitySignInLogs",
        '| where ResultType == "0"',
        "| distinct AppId;",
        "let calls = AzureActivity",
        split.mark,
        '| where CategoryValue =~ "Administrative"',
        "| where isnotempty(CallerIpAddress)",
        "| extend AppId = tostring(Claims_d.appid)",
        "| where AppId in (managedIdentityApps)" +
          kql.excludeIn("Caller", list(p, "allowedCallers")) +
          kql.excludeIn("CallerIpAddress", list(p, "allowedIpAddresses")) + ";",
        "let known = calls",
        split.history,
        "| summarize by AppId, CallerIpAddress;",
        "calls",
        split.recent,
        `| summarize FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), Calls = count(), ${FIRST_ARRIVAL.aggregate}, Operations = make_set(OperationNameValue, 20),`,
        "    Resources = make_set(_ResourceId, 20) by AppId, Caller, CallerIpAddress",
        "| join kind=inner (known | distinct AppId) on AppId",
        "| join kind=leftanti known on AppId, CallerIpAddress",
        `| project ${FIRST_ARRIVAL.output("LastSeen")}, Caller, AppId, CallerIpAddress, Operations, Resources, Calls, FirstSeen`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Caller", "CallerIpAddress"] },
  },
  requires: [ACTIVITY_ADMIN, { source: "entraId", categories: ["ManagedIdentitySignInLogs"] }],
  entities: { account: "Caller", ip: "CallerIpAddress", resource: "Resources", subscription: "Resources" },
  samples: {
    source:
      "log-values.md 1.4 (Caller = service principal object id, Claims_d.appid), 3.3 (AADManagedIdentitySignInLogs columns); " +
      "MI rows' Caller form (unverified, by analogy with service principals)",
    fires: [
      {
        name: "identity used from its VM's address yesterday, now from an outside address",
        rows: {
          AADManagedIdentitySignInLogs: [miSignIn(20 * 60), miSignIn(90)],
          AzureActivity: [miCall(20 * 60, VM_IP), miCall(19 * 60, VM_IP), miCall(10, ATTACKER_IP)],
        },
      },
      {
        name: "outside call 80 minutes ago that was ingested after the previous run (still judged as new)",
        rows: { AADManagedIdentitySignInLogs: [miSignIn(20 * 60)], AzureActivity: [miCall(20 * 60, VM_IP), miCall(80, ATTACKER_IP, { _TimeReceived: minutesAgo(10) })] },
      },
    ],
    quiet: [
      {
        name: "same identity, same address as before",
        rows: { AADManagedIdentitySignInLogs: [miSignIn(20 * 60)], AzureActivity: [miCall(20 * 60, VM_IP), miCall(10, VM_IP)] },
      },
      {
        name: "new address for a user (not a managed identity)",
        rows: {
          AADManagedIdentitySignInLogs: [miSignIn(20 * 60)],
          AzureActivity: [miCall(20 * 60, VM_IP), activityRow(10, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", rid("rg-batch", "microsoft.compute/virtualmachines/vm-batch-02"))],
        },
      },
      {
        name: "identity with no earlier activity (no baseline)",
        rows: { AADManagedIdentitySignInLogs: [miSignIn(30)], AzureActivity: [miCall(10, ATTACKER_IP)] },
      },
      {
        name: "new address is an allowlisted egress IP",
        parameters: { allowedIpAddresses: [ATTACKER_IP] },
        rows: { AADManagedIdentitySignInLogs: [miSignIn(20 * 60)], AzureActivity: [miCall(20 * 60, VM_IP), miCall(10, ATTACKER_IP)] },
      },
      {
        name: "new address seen only before the previous run (already judged)",
        rows: { AADManagedIdentitySignInLogs: [miSignIn(20 * 60)], AzureActivity: [miCall(20 * 60, VM_IP), miCall(70, ATTACKER_IP)] },
      },
      {
        name: "address alerted on by the previous run, used again now",
        rows: { AADManagedIdentitySignInLogs: [miSignIn(20 * 60)], AzureActivity: [miCall(20 * 60, VM_IP), miCall(75, ATTACKER_IP, { _TimeReceived: minutesAgo(65) }), miCall(10, ATTACKER_IP)] },
      },
    ],
  },
};

const tokenNewResource: Detection = {
  key: "azt601-1-mi-token-new-resource",
  technique: "AZT601.1",
  tactic: "Credential Access",
  name: "Managed identity obtained a token for a sensitive resource it never asked for before",
  description:
    "A managed identity was issued a token (AADManagedIdentitySignInLogs) for Azure Resource Manager, Microsoft Graph or " +
    "Key Vault although it received none for that resource in the previous two days, while it did sign in for other " +
    "resources. The IMDS / IDENTITY_ENDPOINT request is invisible, but its issuance is logged: an attacker running code " +
    "next to the identity (run command, extension, runbook, function, Logic App — AZT601.1-601.5) typically asks for ARM " +
    "or Graph tokens the workload itself never uses. Tokens are cached by the platform for up to 24 hours, so a workload " +
    "using a resource daily appears in the baseline.",
  falsePositives: ["A new release of the workload that starts calling ARM, Graph or Key Vault.", "Workloads that use a resource less often than every two days."],
  triage: [
    "Find the resource the identity belongs to (ServicePrincipalName is usually the resource's name for system-assigned identities).",
    "Look for code changes on that resource just before FirstSeen: AzureActivity run command, extensions/write, runbook, function or workflow writes.",
    "Follow the token: AzureActivity with Claims_d.appid == AppId, Key Vault AuditEvent with identity_claim_appid_g == AppId, MicrosoftGraphActivityLogs with AppId.",
  ],
  references: [`${ATRM}/AZT601/AZT601-1/`, MI_DOCS, "https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins#managed-identity-sign-ins"],
  severity: 3,
  ...ingestionSchedule(RUN, HISTORY_ENTRA, "entraId"),
  parameters: {
    sensitiveResources: {
      type: "stringList",
      description: "ResourceIdentity (application id) of the resources watched: Azure Resource Manager, Microsoft Graph, Azure Key Vault.",
      default: [ARM_RESOURCE, GRAPH_RESOURCE, KEYVAULT_RESOURCE],
    },
    allowedAppIds: { type: "stringList", description: "Managed identity client ids (AppId) not judged.", default: [], allowlist: "appIds" },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "let issued = AADManagedIdentitySignInLogs",
        split.mark,
        '| where ResultType == "0"' + kql.excludeIn("AppId", list(p, "allowedAppIds")) + ";",
        "let established = issued",
        split.history,
        "| summarize by ServicePrincipalId, ResourceIdentity;",
        "issued",
        split.recent,
        `| where ResourceIdentity in~ ${kql.strList(list(p, "sensitiveResources"))}`,
        `| summarize FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), Tokens = count(), ${FIRST_ARRIVAL.aggregate} by ServicePrincipalId, ServicePrincipalName, AppId, ResourceIdentity, ResourceDisplayName`,
        "| join kind=inner (established | distinct ServicePrincipalId) on ServicePrincipalId",
        "| join kind=leftanti established on ServicePrincipalId, ResourceIdentity",
        `| project ${FIRST_ARRIVAL.output("FirstSeen")}, ServicePrincipalName, ServicePrincipalId, AppId, ResourceDisplayName, ResourceIdentity, Tokens`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["ServicePrincipalName", "ServicePrincipalId", "ResourceDisplayName"] },
  },
  requires: [{ source: "entraId", categories: ["ManagedIdentitySignInLogs"] }],
  entities: { account: "ServicePrincipalName", resource: "ResourceDisplayName" },
  samples: {
    source: "log-values.md 3.1 (ResourceIdentity/ResourceDisplayName values), 3.3 (AADManagedIdentitySignInLogs columns); MI row values (unverified)",
    fires: [
      {
        name: "identity that only used Storage now gets an ARM token",
        rows: {
          AADManagedIdentitySignInLogs: [
            miSignIn(30 * 60, { ResourceIdentity: "e406a681-f3d4-42a8-90b6-c2b029497af1", ResourceDisplayName: "Azure Storage" }),
            miSignIn(20),
          ],
        },
      },
      {
        name: "ARM token issued 100 minutes ago whose sign-in row landed after the previous run",
        rows: {
          AADManagedIdentitySignInLogs: [
            miSignIn(30 * 60, { ResourceIdentity: "e406a681-f3d4-42a8-90b6-c2b029497af1", ResourceDisplayName: "Azure Storage" }),
            miSignIn(100, { _TimeReceived: minutesAgo(15) }),
          ],
        },
      },
    ],
    quiet: [
      { name: "ARM token as the day before", rows: { AADManagedIdentitySignInLogs: [miSignIn(30 * 60), miSignIn(20)] } },
      {
        name: "first ARM token before the previous run (already judged)",
        rows: { AADManagedIdentitySignInLogs: [miSignIn(30 * 60, { ResourceIdentity: "e406a681-f3d4-42a8-90b6-c2b029497af1", ResourceDisplayName: "Azure Storage" }), miSignIn(70), miSignIn(20)] },
      },
      {
        name: "new resource that is not watched (Azure SQL)",
        rows: {
          AADManagedIdentitySignInLogs: [
            miSignIn(30 * 60),
            miSignIn(20, { ResourceIdentity: "022907d3-0f1b-48f7-badc-1ba6abab6d66", ResourceDisplayName: "Azure SQL Database" }),
          ],
        },
      },
      { name: "brand-new identity (no baseline)", rows: { AADManagedIdentitySignInLogs: [miSignIn(20)] } },
      { name: "failed token request", rows: { AADManagedIdentitySignInLogs: [miSignIn(30 * 60, { ResourceIdentity: "e406a681-f3d4-42a8-90b6-c2b029497af1", ResourceDisplayName: "Azure Storage" }), miSignIn(20, { ResultType: "700016" })] } },
      {
        name: "allowlisted identity",
        parameters: { allowedAppIds: [MI_APP] },
        rows: { AADManagedIdentitySignInLogs: [miSignIn(30 * 60, { ResourceIdentity: "e406a681-f3d4-42a8-90b6-c2b029497af1", ResourceDisplayName: "Azure Storage" }), miSignIn(20)] },
      },
    ],
  },
};

// --- AZT601.2 AKS --------------------------------------------------------------------------------------

const AKS = rid("rg-aks", "microsoft.containerservice/managedclusters/aks-prod");
const aksRunCommand: Detection = {
  key: "azt601-2-aks-runcommand",
  technique: "AZT601.2",
  tactic: "Credential Access",
  name: "Command run in an AKS cluster through the ARM run command",
  description:
    "A caller ran a command in an AKS cluster through Microsoft.ContainerService/managedClusters/runCommand/action " +
    "(az aks command invoke). The command runs in a pod on a node, where IMDS hands out the kubelet identity's token " +
    "and /etc/kubernetes/azure.json may hold credentials; the command text is not in the Activity Log and its result " +
    "(commandResults/read) is a GET that is never logged. Overlaps the Execution detection of AZT301.5 by design: this " +
    "one is tuned for the credential-theft follow-up.",
  falsePositives: ["Operators of private clusters use run command as their normal kubectl path (allowlist them)."],
  triage: [
    "Ask the caller for the command; in AKSAudit look for the pod created in namespace aks-command at that time and its spec.",
    "Check the kubelet and cluster identities' activity afterwards (azt601-1-mi-token-new-ip, azt601-1-mi-token-new-resource).",
  ],
  references: [`${ATRM}/AZT601/AZT601-2/`, "https://learn.microsoft.com/azure/aks/access-private-cluster"],
  severity: 2,
  evaluationFrequency: "PT5M",
  windowSize: arrivalWindow("PT5M"),
  ...operationMatchParts("Microsoft.ContainerService/managedClusters/runCommand/action", "use AKS run command"),
  samples: {
    source: "log-values.md 1.2, 1.3, 1.5 (runcommand/action logged); ATRM AZT601.2",
    fires: [
      { name: "run command succeeded", rows: { AzureActivity: [activityRow(3, "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/RUNCOMMAND/ACTION", AKS)] } },
    ],
    quiet: [
      { name: "run command failed", rows: { AzureActivity: [activityRow(3, "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/RUNCOMMAND/ACTION", AKS, { ActivityStatusValue: "Failure" })] } },
      { name: "credentials listed instead", rows: { AzureActivity: [activityRow(3, "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/LISTCLUSTERUSERCREDENTIAL/ACTION", AKS)] } },
      { name: "allowlisted operator", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [activityRow(3, "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/RUNCOMMAND/ACTION", AKS)] } },
    ],
  },
};

const IMDS_MARKERS = ["169.254.169.254", "metadata%2Fidentity", "metadata/identity", "IDENTITY_ENDPOINT", "azure.json"];
function execRow(minutes: number, command: string, over: SampleRow = {}): SampleRow {
  return {
    TimeGenerated: minutesAgo(minutes),
    AuditId: "4c1b9f0e-2d3a-4e5b-8c7d-6f5e4d3c2b1a",
    Stage: "ResponseStarted",
    Level: "Metadata",
    Verb: "create",
    RequestUri: `/api/v1/namespaces/default/pods/web-7d9f8/exec?${command}&container=web&stderr=true&stdout=true`,
    ObjectRef: { resource: "pods", subresource: "exec", namespace: "default", name: "web-7d9f8", apiVersion: "v1" },
    User: { username: "mallory@contoso.onmicrosoft.com", groups: ["system:authenticated"] },
    SourceIps: [ATTACKER_IP],
    UserAgent: "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505",
    _ResourceId: AKS,
    ...over,
  };
}
const CURL_IMDS =
  "command=curl&command=-s&command=-H&command=Metadata%3Atrue&command=http%3A%2F%2F169.254.169.254%2Fmetadata%2Fidentity%2Foauth2%2Ftoken%3Fapi-version%3D2018-02-01%26resource%3Dhttps%3A%2F%2Fmanagement.azure.com%2F";

const aksExecImds: Detection = {
  key: "azt601-2-aks-exec-imds",
  technique: "AZT601.2",
  tactic: "Credential Access",
  name: "kubectl exec into an AKS pod requesting a managed identity token",
  description:
    "The Kubernetes audit log shows an exec into a pod whose command line addresses the instance metadata service " +
    "(169.254.169.254, metadata/identity), IDENTITY_ENDPOINT or the node's azure.json. Pods can reach the node's IMDS and " +
    "obtain the kubelet identity's token. Exec command arguments are URL-encoded in RequestUri. Limitation: a command typed " +
    "inside an interactive shell (exec of `sh`) is not in the audit log; neither is IMDS traffic from a compromised pod.",
  falsePositives: ["Operators debugging workload identity or IMDS connectivity."],
  triage: [
    "Identify the user (User.username) and source IP; check the pod and namespace.",
    "Check the kubelet identity's and the cluster identity's use right after (azt601-1-mi-token-new-ip, AzureActivity with their app ids).",
    "Block pod access to IMDS where not needed (network policy), and review who may exec into pods.",
  ],
  references: [`${ATRM}/AZT601/AZT601-2/`, "https://learn.microsoft.com/azure/aks/monitor-aks-reference", "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/"],
  severity: 1,
  ...ingestionSchedule("PT15M", "PT15M", "resourceLogs"),
  signal: {
    kind: "query",
    query: () =>
      [
        "AKSAudit",
        ingestedSinceLastRun("PT15M"),
        '| where tostring(ObjectRef.subresource) in~ ("exec", "attach")',
        `| where ${IMDS_MARKERS.map((m) => `RequestUri contains ${kql.str(m)}`).join(" or ")}`,
        "| extend User = tostring(User.username), SourceIp = tostring(SourceIps[0]), Namespace = tostring(ObjectRef.namespace), Pod = tostring(ObjectRef.name)",
        NEW_EVIDENCE.extend,
        `| summarize TimeGenerated = min(TimeGenerated), ${NEW_EVIDENCE.aggregate} by AuditId, User, SourceIp, Namespace, Pod, RequestUri, _ResourceId`,
        `| project ${NEW_EVIDENCE.output("TimeGenerated")}, User, SourceIp, _ResourceId, Namespace, Pod, RequestUri`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["User", "_ResourceId", "Pod"] },
  },
  requires: [
    {
      source: "diagnostics",
      resourceType: "Microsoft.ContainerService/managedClusters",
      categories: ["kube-audit"],
      destination: "resourceSpecific",
      tables: ["AKSAudit"],
    },
  ],
  entities: { account: "User", ip: "SourceIp", resource: "_ResourceId", host: "Pod" },
  samples: {
    source:
      "AKSAudit schema (RequestUri, ObjectRef, User, SourceIps); Kubernetes audit events of pods/exec carry the command as URL-encoded " +
      "`command=` query parameters; stage values (unverified for AKS)",
    fires: [
      { name: "exec curl to IMDS token endpoint (two stages, one alert row)", rows: { AKSAudit: [execRow(5, CURL_IMDS), execRow(4, CURL_IMDS, { Stage: "ResponseComplete" })] } },
      { name: "exec reading the node's azure.json", rows: { AKSAudit: [execRow(5, "command=cat&command=%2Fetc%2Fkubernetes%2Fazure.json")] } },
      { name: "exec to IMDS 35 minutes ago whose audit row landed after the previous run", rows: { AKSAudit: [execRow(35, CURL_IMDS, { _TimeReceived: minutesAgo(4) })] } },
    ],
    quiet: [
      { name: "exec of an interactive shell", rows: { AKSAudit: [execRow(5, "command=sh&stdin=true&tty=true")] } },
      { name: "pod logs read (not exec)", rows: { AKSAudit: [execRow(5, CURL_IMDS, { ObjectRef: { resource: "pods", subresource: "log", namespace: "default", name: "web-7d9f8" } })] } },
      { name: "exec to IMDS 20 minutes ago (ingested before the previous run)", rows: { AKSAudit: [execRow(20, CURL_IMDS)] } },
    ],
  },
};

// --- AZT601.3 Logic Apps -------------------------------------------------------------------------------

const WORKFLOW = rid("rg-int", "microsoft.logic/workflows/la-sync-hr");
const workflowWrite = (m: number, over: SampleRow = {}) => activityRow(m, "MICROSOFT.LOGIC/WORKFLOWS/WRITE", WORKFLOW, over);
const triggerRun = (m: number, over: SampleRow = {}) => activityRow(m, "MICROSOFT.LOGIC/WORKFLOWS/TRIGGERS/RUN/ACTION", `${WORKFLOW}/triggers/manual`, over);

const logicAppChangeRun: Detection = {
  key: "azt601-3-logicapp-change-and-run",
  technique: "AZT601.3",
  tactic: "Credential Access",
  name: "Logic App changed and run by the same caller",
  description:
    "A caller updated a Logic App workflow (Microsoft.Logic/workflows/write) and within the hour ran it or fetched its trigger " +
    "URL (workflows/run/action, triggers/run/action, triggers/listCallbackUrl/action). An attacker who can edit a Logic App " +
    "that has a managed identity adds an HTTP action authenticated with that identity (authentication type " +
    "ManagedServiceIdentity) pointed at a server they control, then runs it: the token arrives in the Authorization header. " +
    "The workflow definition is not in the alert; whether the Start row's request body carries it is (unverified). " +
    "Runs by a recurrence trigger or a call to the callback URL (data plane) produce no run action, so the " +
    "listCallbackUrl action is counted too.",
  falsePositives: ["Developers editing and testing workflows in the designer (allowlist them, or tune for production subscriptions)."],
  triage: [
    "Open the workflow's versions (Versions blade) and diff the version written by the caller with the previous one: look for HTTP actions with ManagedServiceIdentity authentication to an external URI.",
    "Check the run history for that run's HTTP action inputs and destination.",
    "If malicious: restore the previous version, remove the caller's Logic App Contributor rights, and treat the identity's token as stolen (review its activity for 24 hours).",
  ],
  references: [`${ATRM}/AZT601/AZT601-3/`, "https://learn.microsoft.com/azure/logic-apps/authenticate-with-managed-identity"],
  severity: 3,
  ...changeThenRunParts(
    {
      changeOperations: ["Microsoft.Logic/workflows/write"],
      runOperations: [
        "Microsoft.Logic/workflows/run/action",
        "Microsoft.Logic/workflows/triggers/run/action",
        "Microsoft.Logic/workflows/triggers/listCallbackUrl/action",
      ],
      containerPattern: "(?i)^(.*/providers/microsoft\\.logic/workflows/[^/]+)",
      itemPattern: "(?i)/workflows/([^/]+)",
    },
    "edit and run Logic Apps",
  ),
  samples: {
    source: "log-values.md 1.2, 1.3, 1.5 (Logic workflow writes and run/listCallbackUrl actions logged); ATRM AZT601.3",
    fires: [
      { name: "workflow saved, trigger run 5 minutes later", rows: { AzureActivity: [workflowWrite(20), triggerRun(15)] } },
      {
        name: "workflow saved, callback URL fetched",
        rows: { AzureActivity: [workflowWrite(50), activityRow(30, "MICROSOFT.LOGIC/WORKFLOWS/TRIGGERS/LISTCALLBACKURL/ACTION", `${WORKFLOW}/triggers/manual`)] },
      },
    ],
    quiet: [
      { name: "saved only", rows: { AzureActivity: [workflowWrite(20)] } },
      { name: "run by another caller", rows: { AzureActivity: [workflowWrite(20), triggerRun(15, { Caller: ADMIN })] } },
      { name: "another workflow run", rows: { AzureActivity: [workflowWrite(20), triggerRun(15, { _ResourceId: rid("rg-int", "microsoft.logic/workflows/la-other/triggers/manual") })] } },
      { name: "run before the change", rows: { AzureActivity: [triggerRun(40), workflowWrite(20)] } },
      { name: "allowlisted developer", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [workflowWrite(20), triggerRun(15)] } },
    ],
  },
};

// --- AZT601.4 Function Apps ----------------------------------------------------------------------------

const FUNC = rid("rg-apps", "microsoft.web/sites/func-payments/functions/HttpTrigger1");
const functionWrite: Detection = {
  key: "azt601-4-function-write",
  technique: "AZT601.4",
  tactic: "Credential Access",
  name: "Function created or changed through the control plane",
  description:
    "A caller created or overwrote a function in a Function App through ARM (Microsoft.Web/sites/functions/write), as the " +
    "portal's 'Create function' and code editor do. A function added this way can read IDENTITY_ENDPOINT / " +
    "IDENTITY_HEADER and return the app's managed identity token to the caller. Deployment pipelines normally publish " +
    "packages (zip deploy / run-from-package) instead, which is not this operation. Writes through Kudu " +
    "(hostruntime/vfs) are data-plane and their Activity Log form is (unverified).",
  falsePositives: ["Developers creating functions in the portal (typical in development subscriptions; allowlist them or scope to production)."],
  triage: [
    "Open the function (resource in _ResourceId) and read its code: look for IDENTITY_ENDPOINT, MSI_ENDPOINT, ManagedIdentityCredential, returning tokens in the response.",
    "Check who invoked it: FunctionAppLogs / AppServiceHTTPLogs, and AzureActivity functions/listkeys/action by the same caller.",
    "If malicious: delete the function, rotate the function keys, and treat the app identity's token as stolen.",
  ],
  references: [`${ATRM}/AZT601/AZT601-4/`, "https://learn.microsoft.com/azure/app-service/overview-managed-identity"],
  severity: 3,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  ...operationMatchParts("Microsoft.Web/sites/functions/write", "create or change functions through ARM"),
  samples: {
    source: "log-values.md 1.2, 1.3, 1.5 (Microsoft.Web/sites/functions/write is an AzureActivity operation, not AuditLogs as ATRM says)",
    fires: [{ name: "function written", rows: { AzureActivity: [activityRow(5, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", FUNC)] } }],
    quiet: [
      { name: "function write failed", rows: { AzureActivity: [activityRow(5, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", FUNC, { ActivityStatusValue: "Failure" })] } },
      { name: "app settings changed (site config write)", rows: { AzureActivity: [activityRow(5, "MICROSOFT.WEB/SITES/CONFIG/WRITE", rid("rg-apps", "microsoft.web/sites/func-payments/config/appsettings"))] } },
      { name: "allowlisted developer", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [activityRow(5, "MICROSOFT.WEB/SITES/FUNCTIONS/WRITE", FUNC)] } },
    ],
  },
};

// --- AZT601.5 Automation runbooks ----------------------------------------------------------------------

const AA = rid("rg-ops", "microsoft.automation/automationaccounts/aa-ops");
const runbookWrite = (m: number, op = "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/WRITE", over: SampleRow = {}) =>
  activityRow(m, op, `${AA}/runbooks/Sync-Users`, over);
const jobWrite = (m: number, over: SampleRow = {}) =>
  activityRow(m, "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/JOBS/WRITE", `${AA}/jobs/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9`, over);

const runbookChangeJob: Detection = {
  key: "azt601-5-runbook-change-and-job",
  technique: "AZT601.5",
  tactic: "Credential Access",
  name: "Runbook created or published and a job started by the same caller",
  description:
    "A caller created, edited or published a runbook (runbooks/write, runbooks/draft/write, runbooks/publish/action) and " +
    "started a job (jobs/write) in the same Automation account within the hour. Runbooks run with the account's managed " +
    "identity (Connect-AzAccount -Identity, IDENTITY_ENDPOINT) and can read its credential and certificate assets, so " +
    "publish-and-run is how an attacker with Automation Contributor prints tokens or secrets into the job output. " +
    AUTOMATION_REQUIRES_NOTE,
  falsePositives: ["Runbook authors deploying and testing a new runbook; release pipelines that publish and start runbooks (allowlist the pipeline identity)."],
  triage: [
    "Read the published runbook (ChangedItems) and the job's output (job streams, or AzureDiagnostics JobStreams if exported).",
    "Check the account identity's use right after (azt601-1-mi-token-new-ip, azt601-1-mi-token-new-resource).",
    "If malicious: delete the runbook, rotate the account's credential/certificate assets, and remove the caller's rights on the account.",
  ],
  references: [`${ATRM}/AZT601/AZT601-5/`, "https://learn.microsoft.com/azure/automation/enable-managed-identity-for-automation"],
  severity: 2,
  ...changeThenRunParts(
    {
      changeOperations: [
        "Microsoft.Automation/automationAccounts/runbooks/write",
        "Microsoft.Automation/automationAccounts/runbooks/draft/write",
        "Microsoft.Automation/automationAccounts/runbooks/publish/action",
      ],
      runOperations: ["Microsoft.Automation/automationAccounts/jobs/write"],
      containerPattern: AUTOMATION_ACCOUNT,
      itemPattern: RUNBOOK_NAME,
    },
    "publish and start runbooks",
  ),
  samples: {
    source: "log-values.md 1.2, 1.3, 1.5 and 4.2 (Automation writes logged, content and output not); ATRM AZT601.5",
    fires: [
      {
        name: "runbook created, published, job started",
        rows: { AzureActivity: [runbookWrite(40), runbookWrite(35, "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/PUBLISH/ACTION"), jobWrite(30)] },
      },
      { name: "legacy row form", rows: { AzureActivity: [runbookWrite(40, "microsoft.automation/automationaccounts/runbooks/write", { ActivityStatusValue: "Succeeded" }), jobWrite(30, { OperationNameValue: "microsoft.automation/automationaccounts/jobs/write", ActivityStatusValue: "Succeeded" })] } },
      {
        name: "runbook created 110 minutes ago, edited 40 minutes ago, job 30 minutes ago (the recent edit pairs with the job)",
        rows: {
          AzureActivity: [
            runbookWrite(110, undefined, { CorrelationId: "1a2b3c4d-0001-4e5f-8a9b-0c1d2e3f4a5b" }),
            runbookWrite(40, "MICROSOFT.AUTOMATION/AUTOMATIONACCOUNTS/RUNBOOKS/DRAFT/WRITE", { CorrelationId: "1a2b3c4d-0002-4e5f-8a9b-0c1d2e3f4a5b" }),
            jobWrite(30, { CorrelationId: "1a2b3c4d-0003-4e5f-8a9b-0c1d2e3f4a5b" }),
          ],
        },
      },
    ],
    quiet: [
      { name: "job started by the schedule owner, not the runbook author", rows: { AzureActivity: [runbookWrite(40), jobWrite(30, { Caller: ADMIN })] } },
      { name: "job of an unchanged runbook", rows: { AzureActivity: [jobWrite(30)] } },
      { name: "job 70 minutes after the change", rows: { AzureActivity: [runbookWrite(100), jobWrite(30)] } },
      { name: "allowlisted release pipeline", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [runbookWrite(40), jobWrite(30)] } },
    ],
  },
};

export const technique: TechniqueModule = {
  detections: [tokenNewIp, tokenNewResource, aksRunCommand, aksExecImds, withEarlierEventLandingLast(logicAppChangeRun), functionWrite, withEarlierEventLandingLast(runbookChangeJob)],
};
