// AZT405 Azure AD Application: privilege escalation through what an application may do. The three
// sub-techniques follow the ATRM pages (the tactic table swaps the names of .1 and .2):
//   .1 Application Role: abuse of a service principal that holds privileged application roles;
//   .2 Application API Permissions: granting privileged API permissions to an application;
//   .3 Application Registration Owner: an owner adds a credential and signs in as the application.
import * as kql from "../kql";
import type { Detection, Parameter, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { FIRST_ARRIVAL, arrivalSplit, ingestionSchedule, withLateArrival } from "../patterns/arrival";
import { ATTACKER_IP, ATTACKER_UPN, appInitiator, auditRow, target, userInitiator } from "../impact/sampleRows";
import { RECORD_ARRIVAL, RECORD_OUTPUT, auditTargetRows } from "./auditTargets";
import { HIGH_RISK_APPLICATION, PERMISSION_RISK_SOURCE, highRiskPermission } from "../permission-risk";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT405";

/** AZT405.1 runs hourly and judges the Graph requests ingested since the previous run. */
const APP_ROLE_RUN = "PT1H";
const appRoleSplit = arrivalSplit(APP_ROLE_RUN);
/** The Entra audit rules run every 15 minutes over the rows ingested since the previous run. */
const AUDIT_RUN = "PT15M";

/** Microsoft Graph permissions that lead to tenant takeover or bulk data access. */
const PRIVILEGED_PERMISSIONS: Parameter = {
  type: "stringList",
  description: "Microsoft Graph (and Exchange) permission values treated as privileged.",
  default: [
    "RoleManagement.ReadWrite.Directory", "AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All", "Directory.AccessAsUser.All", "User.ReadWrite.All",
    "Group.ReadWrite.All", "GroupMember.ReadWrite.All", "UserAuthenticationMethod.ReadWrite.All",
    "Policy.ReadWrite.ConditionalAccess", "Policy.ReadWrite.AuthenticationMethod", "PrivilegedAccess.ReadWrite.AzureAD",
    "RoleManagementPolicy.ReadWrite.Directory", "Domain.ReadWrite.All", "ServicePrincipalEndpoint.ReadWrite.All",
    "Mail.ReadWrite", "Mail.Send", "Files.ReadWrite.All", "Sites.FullControl.All", "full_access_as_app",
  ],
};

// ---------------------------------------------------------------------------------------------
// AZT405.1: a service principal uses privileged application roles from an address it never used.

function graphRow(minutes: number, over: Record<string, unknown> = {}): SampleRow {
  return {
    TimeGenerated: minutesAgo(minutes),
    RequestMethod: "POST",
    RequestUri: "https://graph.microsoft.com/v1.0/roleManagement/directory/roleAssignments",
    ResponseStatusCode: 201,
    AppId: "b7c9d1e3-5f7a-4b9c-8d0e-2f4a6b8c0d1e",
    ServicePrincipalId: "e1f3a5c7-9b1d-4f3a-8c5e-7a9b1c3d5e7f",
    UserId: "",
    Roles: "RoleManagement.ReadWrite.Directory Application.Read.All",
    Scopes: "",
    ClientAuthMethod: 1,
    IPAddress: ATTACKER_IP,
    UserAgent: "python-requests/2.31.0",
    ApiVersion: "v1.0",
    TenantId: "2f4a9e1c-7b3d-4c8e-a1f6-5d2b8c9e0a17",
    ...over,
  };
}

const appRoleUse: Detection = {
  key: "azt405-1-privileged-app-role-new-ip",
  technique: "AZT405.1",
  tactic: "Privilege Escalation",
  name: "Service principal with privileged application roles writes to Graph from a new IP address",
  description:
    "A service principal calling Microsoft Graph app-only, with a token carrying privileged application roles " +
    "(e.g. RoleManagement.ReadWrite.Directory), made a successful write request from an IP address it had not used in " +
    "the rest of the query range (about the previous two days). Each request is judged once, in the hourly run that " +
    "ingests it, however late it lands. Whoever holds the credentials of such an application (or an app role over it) can " +
    "impersonate it and use those roles; a new source address is the visible trace.",
  falsePositives: [
    "Automation moved to new infrastructure or egress IPs (add its app id to allowedAppIds or the IPs to allowedIpAddresses).",
    "Brand-new applications have no history and alert on their first writes.",
  ],
  triage: [
    "Identify the application (AppId, ServicePrincipalId) and its owner; confirm whether it runs from the new IPAddress.",
    "Review which credential signed in (AADServicePrincipalSignInLogs: ServicePrincipalCredentialKeyId / Thumbprint, IPAddress) " +
      "and whether that credential was added recently (AuditLogs 'Certificates and secrets management').",
    "Read what it wrote (RequestUri, MicrosoftGraphActivityLogs for the ServicePrincipalId) and revert role assignments or changes.",
    "If abused: remove the added credentials, rotate the legitimate ones, and review the app's permissions.",
  ],
  references: [`${ATRM}/AZT405-1/`, "https://learn.microsoft.com/graph/microsoft-graph-activity-logs-overview"],
  severity: 1,
  // Hourly: the requests ingested since the previous run are judged against every other request of
  // the range (arrivalSplit), which reaches the Graph lag beyond the history, within Azure's P2D.
  ...ingestionSchedule(APP_ROLE_RUN, "P1DT22H", "graphActivity"),
  parameters: {
    privilegedPermissions: PRIVILEGED_PERMISSIONS,
    allowedAppIds: { type: "stringList", description: "Application (client) ids of trusted automation.", default: [], allowlist: "appIds" },
    allowedIpAddresses: { type: "stringList", description: "Egress IPs of trusted automation.", default: [], allowlist: "ipAddresses" },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "let calls = MicrosoftGraphActivityLogs",
        appRoleSplit.mark,
        "| where isempty(UserId);",
        "let known = calls",
        appRoleSplit.history,
        "| distinct ServicePrincipalId, IPAddress;",
        "calls",
        appRoleSplit.recent,
        `| where RequestMethod in~ ("POST", "PATCH", "PUT", "DELETE")`,
        "| where ResponseStatusCode between (200 .. 299)",
        `| where Roles has_any ${kql.strList(p.privilegedPermissions as string[])}`,
      ].join("\n") +
      kql.excludeIn("AppId", p.allowedAppIds as string[]) +
      kql.excludeIn("IPAddress", p.allowedIpAddresses as string[]) +
      "\n" +
      [
        `| summarize FirstSeen = min(TimeGenerated), Requests = count(), SampleUri = take_any(RequestUri), Roles = take_any(Roles), UserAgent = take_any(UserAgent), ${FIRST_ARRIVAL.aggregate}`,
        "    by ServicePrincipalId, AppId, IPAddress",
        "| join kind=leftanti known on ServicePrincipalId, IPAddress",
        `| project ${FIRST_ARRIVAL.output("FirstSeen")}, ServicePrincipalId, AppId, IPAddress, Requests, SampleUri, Roles, UserAgent`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["ServicePrincipalId", "AppId", "IPAddress"] },
  },
  requires: [{ source: "entraId", categories: ["MicrosoftGraphActivityLogs"] }],
  entities: { account: "ServicePrincipalId", ip: "IPAddress", resource: "SampleUri" },
  samples: {
    source: "log-values.md 8 (RequestMethod upper case, ResponseStatusCode int, empty UserId for app-only calls, Roles string); ATRM AZT405.1",
    fires: [
      {
        name: "role assignment written from a new address",
        rows: { MicrosoftGraphActivityLogs: [graphRow(600, { IPAddress: "198.51.100.7", RequestMethod: "GET", ResponseStatusCode: 200 }), graphRow(20)] },
      },
    ],
    quiet: [
      { name: "new address already judged by the previous run (its rows landed 90 minutes ago)", rows: { MicrosoftGraphActivityLogs: [graphRow(600, { IPAddress: "198.51.100.7", RequestMethod: "GET", ResponseStatusCode: 200 }), graphRow(90)] } },
      { name: "same address used the day before", rows: { MicrosoftGraphActivityLogs: [graphRow(1500, { RequestMethod: "GET", ResponseStatusCode: 200 }), graphRow(20)] } },
      { name: "read-only request", rows: { MicrosoftGraphActivityLogs: [graphRow(20, { RequestMethod: "GET", ResponseStatusCode: 200 })] } },
      { name: "write denied", rows: { MicrosoftGraphActivityLogs: [graphRow(20, { ResponseStatusCode: 403 })] } },
      { name: "no privileged role in the token", rows: { MicrosoftGraphActivityLogs: [graphRow(20, { Roles: "User.Read.All" })] } },
      { name: "delegated (user) call", rows: { MicrosoftGraphActivityLogs: [graphRow(20, { UserId: "9d2f6c1a-5b7e-4a3c-8e0f-1b2c3d4e5f60" })] } },
      { name: "allowlisted automation", parameters: { allowedAppIds: ["b7c9d1e3-5f7a-4b9c-8d0e-2f4a6b8c0d1e"] }, rows: { MicrosoftGraphActivityLogs: [graphRow(20)] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT405.2: privileged API permission granted to an application.

/** An application permission (app role) granted to a service principal; delegated grants are AZT203's (initial-access/AZT203.ts). */
const APP_ROLE_GRANT = "Add app role assignment to service principal";

function grantRow(minutes: number, operation: string, permission: string, over: Record<string, unknown> = {}): SampleRow {
  const prop = operation.startsWith("Add app role") ? "AppRole.Value" : "DelegatedPermissionGrant.Scope";
  return auditRow(minutes, operation, {
    TargetResources: [
      target("ServicePrincipal", "Microsoft Graph", [
        { displayName: prop, newValue: `"${permission}"` },
        { displayName: "ServicePrincipal.DisplayName", newValue: "\"invoice-sync\"" },
        { displayName: "ServicePrincipal.ObjectID", newValue: "\"e1f3a5c7-9b1d-4f3a-8c5e-7a9b1c3d5e7f\"" },
      ]),
    ],
    ...over,
  });
}

const permissionGrant: Detection = {
  key: "azt405-2-privileged-api-permission-grant",
  technique: "AZT405.2",
  tactic: "Privilege Escalation",
  name: "High-risk application permission granted to an application",
  description:
    "An application role assignment gave an application a high-risk application permission (app-only, for the whole tenant): by default " +
    "the permissions Microsoft's consent-grant report ranks High, such as RoleManagement.ReadWrite.Directory, AppRoleAssignment.ReadWrite.All, " +
    "Mail.* or Files.*, and any other one whose name holds Write. Whoever controls that application's credentials then holds the permission; " +
    "attackers grant it to an application they own to turn it into a tenant-wide backdoor. Delegated grants (consent) are AZT203's.",
  falsePositives: ["Admin consent for a newly onboarded, reviewed application (add the approver to allowedGrantors)."],
  triage: [
    "Identify the application (ServicePrincipal.DisplayName / ObjectID), the permission and who granted it.",
    "Check the application's owners and credentials and whether the grant went through your app-approval process.",
    "If unexpected: remove the app role assignment, remove unknown credentials, and review the app's sign-ins " +
      "(AADServicePrincipalSignInLogs) and Graph activity since the grant.",
  ],
  references: [`${ATRM}/AZT405-2/`, "https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities"],
  severity: 1,
  ...ingestionSchedule(AUDIT_RUN, AUDIT_RUN, "entraId"),
  parameters: {
    privilegedPermissions: {
      type: "stringList",
      description:
        "Application permissions treated as high risk, case-insensitive: a name with a dot is one permission, a name without one a family " +
        "(Mail = Mail.Read, Mail.ReadWrite ...); any permission whose name holds Write counts too. Default: the High rows of Microsoft's " +
        "consent-grant permission table (MSIdentityTools).",
      default: HIGH_RISK_APPLICATION,
    },
    allowedGrantors: { type: "stringList", description: "Grantors (UPN or app display name) whose grants are reviewed elsewhere.", default: [], allowlist: "callers" },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        auditTargetRows(AUDIT_RUN, [`| where OperationName =~ ${kql.str(APP_ROLE_GRANT)}`], p.allowedGrantors as string[]),
        `| summarize TimeGenerated = min(TimeGenerated), ${RECORD_ARRIVAL},`,
        `    Permission = take_anyif(PropNew, PropName =~ "AppRole.Value"),`,
        `    Application = take_anyif(PropNew, PropName =~ "ServicePrincipal.DisplayName"),`,
        `    ApplicationObjectId = take_anyif(PropNew, PropName =~ "ServicePrincipal.ObjectID"),`,
        "    Resource = take_anyif(tostring(Target.displayName), TargetType =~ \"ServicePrincipal\")",
        "    by Id, OperationName, Actor, ActorIp, CorrelationId",
        `| where ${highRiskPermission("Permission", p.privilegedPermissions as string[], [], true)}`,
        `| project ${RECORD_OUTPUT}, Actor, ActorIp, OperationName, Application, ApplicationObjectId, Resource, Permission, CorrelationId`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "Application", "Permission"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIp", resource: "Application" },
  samples: {
    source: "log-values.md 2.2 (app role grant name, AppRole.Value), 2.1 (quoted values); " + PERMISSION_RISK_SOURCE,
    fires: [
      { name: "RoleManagement.ReadWrite.Directory granted as application permission", rows: { AuditLogs: [grantRow(5, APP_ROLE_GRANT, "RoleManagement.ReadWrite.Directory")] } },
      { name: "Mail.Read for every mailbox (Mail family, missing from the old list)", rows: { AuditLogs: [grantRow(5, APP_ROLE_GRANT, "Mail.Read")] } },
      { name: "an unlisted application permission whose name holds Write (Calendars.ReadWrite)", rows: { AuditLogs: [grantRow(5, APP_ROLE_GRANT, "Calendars.ReadWrite")] } },
    ],
    quiet: [
      { name: "low-privilege permission", rows: { AuditLogs: [grantRow(5, APP_ROLE_GRANT, "User.Read.All")] } },
      { name: "a delegated grant (AZT203's rules)", rows: { AuditLogs: [grantRow(5, "Add delegated permission grant", "openid profile Directory.AccessAsUser.All")] } },
      { name: "grant failed", rows: { AuditLogs: [grantRow(5, APP_ROLE_GRANT, "RoleManagement.ReadWrite.Directory", { Result: "failure" })] } },
      { name: "grant before the window", rows: { AuditLogs: [grantRow(40, APP_ROLE_GRANT, "RoleManagement.ReadWrite.Directory")] } },
      {
        name: "reviewed grantor allowlisted",
        parameters: { allowedGrantors: [ATTACKER_UPN] },
        rows: { AuditLogs: [grantRow(5, APP_ROLE_GRANT, "RoleManagement.ReadWrite.Directory", { InitiatedBy: userInitiator(ATTACKER_UPN, ATTACKER_IP) })] },
      },
    ],
  },
  revisions: [
    {
      change:
        "privilegedPermissions defaults to the application permissions Microsoft's consent-grant permission table ranks High (families such as " +
        "Mail, Files, Sites; AppRoleAssignment.ReadWrite.All, RoleManagement.ReadWrite.Directory ...) plus any permission holding Write, as the " +
        "table's report ranks them, instead of a hand-picked list (Mail.Read was missing).",
      why: "The hand-picked list came from memory (issue 14).",
      source: PERMISSION_RISK_SOURCE,
    },
    {
      change: "Reads application role assignments only; delegated grants and consent are left to the AZT203 rules, which read them by property.",
      why: "A delegated grant alerted here and in azt203-tenant-wide-consent for the same reason (issue 14: no two rules on one row).",
      source: "azt203-tenant-wide-consent, azt203-user-consent-risky-scopes (this catalogue)",
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// AZT405.3: an owner (a user) adds a credential to an application or service principal.

/** Real rows carry an en dash (U+2013) and a trailing space (log-values.md 2.2). */
const APP_CREDENTIALS = "Update application \u2013 Certificates and secrets management ";

function credentialRow(minutes: number, operation: string, oldKeys: string[], newKeys: string[], over: Record<string, unknown> = {}): SampleRow {
  const keys = (ids: string[]) => JSON.stringify(ids.map((id, i) => `[KeyIdentifier=${id},KeyType=Password,KeyUsage=Verify,DisplayName=key ${i + 1}]`));
  return auditRow(minutes, operation, {
    AADOperationType: "Update",
    TargetResources: [
      target("Application", "invoice-sync", [
        { displayName: "KeyDescription", oldValue: keys(oldKeys), newValue: keys(newKeys) },
        { displayName: "Included Updated Properties", newValue: "\"KeyDescription\"" },
      ], { id: "a2c4e6f8-0b1d-4e3f-9a5c-7e9f1b3d5a7c" }),
    ],
    ...over,
  });
}

const K1 = "3f1c5e7a-9b0d-4c2e-8f4a-6b8d0e2f4a6c", K2 = "7d9f1b3c-5e7a-4d9c-b1e3-5a7c9e1b3d5f";

const ownerCredential: Detection = {
  key: "azt405-3-app-credential-added-by-user",
  technique: "AZT405.3",
  tactic: "Privilege Escalation",
  name: "User added a secret or certificate to an application or service principal",
  description:
    "A user (not an automation identity) added a client secret or certificate to an application registration or a " +
    "service principal. An application owner, or anyone with Application Administrator-like rights, can add a " +
    "credential and then sign in as the application with all of its API permissions and roles, which is how an " +
    "owner escalates to the application's privileges. Updates that only remove credentials are ignored.",
  falsePositives: [
    "Developers rotating the secret of their own application (expected around expiry dates).",
    "Admins configuring SSO certificates for enterprise applications.",
  ],
  triage: [
    "Identify the application (TargetName / TargetId) and whether the actor is a listed owner or an administrator.",
    "Check the application's permissions and roles (Graph app roles, Azure role assignments of its service principal).",
    "Look for sign-ins of the service principal with the new key after the change (AADServicePrincipalSignInLogs: " +
      "ServicePrincipalCredentialKeyId equal to the KeyIdentifier in NewKeys) and their IP addresses.",
    "If unexpected: remove the credential, review owners ('Add owner to application'), and revoke the actor's sessions.",
  ],
  references: [
    `${ATRM}/AZT405-3/`,
    "https://learn.microsoft.com/entra/identity/enterprise-apps/application-management-certs-faq",
    "https://learn.microsoft.com/graph/api/serviceprincipal-addkey",
  ],
  severity: 2,
  ...ingestionSchedule(AUDIT_RUN, AUDIT_RUN, "entraId"),
  parameters: {
    allowedActors: {
      type: "stringList",
      description: "UPNs that routinely manage application credentials.",
      default: [],
      allowlist: "userPrincipalNames",
    },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        auditTargetRows(AUDIT_RUN, [
          `| where OperationName =~ "Add service principal credentials" or (OperationName startswith "Update application" and OperationName has "Certificates and secrets")`,
          "| where isnotempty(tostring(InitiatedBy.user.userPrincipalName))",
        ], p.allowedActors as string[]),
        `| summarize TimeGenerated = min(TimeGenerated), ${RECORD_ARRIVAL},`,
        `    OldKeys = take_anyif(PropOld, PropName =~ "KeyDescription"), NewKeys = take_anyif(PropNew, PropName =~ "KeyDescription"),`,
        `    TargetName = take_anyif(tostring(Target.displayName), TargetType in~ ("Application", "ServicePrincipal")),`,
        `    TargetId = take_anyif(tostring(Target.id), TargetType in~ ("Application", "ServicePrincipal"))`,
        "    by Id, OperationName, Actor, ActorIp, CorrelationId",
        // KeyDescription holds the full key list before and after: a credential was added when a key
        // identifier is listed after that was not before (one removed and one added in the same update
        // keeps the count).
        `| extend OldKeyIds = coalesce(extract_all(@"KeyIdentifier=([0-9a-fA-F-]+)", tostring(OldKeys)), dynamic([])),`,
        `    NewKeyIds = coalesce(extract_all(@"KeyIdentifier=([0-9a-fA-F-]+)", tostring(NewKeys)), dynamic([]))`,
        "| extend AddedKeys = set_difference(NewKeyIds, OldKeyIds), KeysBefore = array_length(OldKeyIds), KeysAfter = array_length(NewKeyIds)",
        `| where OperationName =~ "Add service principal credentials" or array_length(AddedKeys) > 0`,
        `| project ${RECORD_OUTPUT}, Actor, ActorIp, OperationName, TargetName, TargetId, AddedKeys, KeysBefore, KeysAfter, NewKeys, CorrelationId`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "TargetName", "ActorIp"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIp", resource: "TargetName" },
  samples: {
    source:
      "log-values.md 2.1 (real 'Certificates and secrets management' row: en dash, trailing space, KeyDescription old/new lists), " +
      "2.2 (SP credential names); ATRM AZT405.3",
    fires: [
      { name: "secret added (real operation string with en dash and trailing space)", rows: { AuditLogs: [credentialRow(5, APP_CREDENTIALS, [K1], [K1, K2])] } },
      { name: "first secret on an app without keys", rows: { AuditLogs: [credentialRow(5, APP_CREDENTIALS, [], [K2])] } },
      { name: "service principal credential added", rows: { AuditLogs: [credentialRow(5, "Add service principal credentials", [], [K2], { AADOperationType: "Add" })] } },
      { name: "secret swapped: one removed and one added in the same update (the key count stays)", rows: { AuditLogs: [credentialRow(5, APP_CREDENTIALS, [K1], [K2])] } },
    ],
    quiet: [
      { name: "secret removed", rows: { AuditLogs: [credentialRow(5, APP_CREDENTIALS, [K1, K2], [K1])] } },
      { name: "the same keys before and after (another property of the credentials changed)", rows: { AuditLogs: [credentialRow(5, APP_CREDENTIALS, [K1, K2], [K1, K2])] } },
      { name: "added by an automation identity", rows: { AuditLogs: [credentialRow(5, APP_CREDENTIALS, [K1], [K1, K2], { InitiatedBy: appInitiator("secret-rotator", "d4f6a8c0-2e4a-4c6e-8a0c-2e4a6c8e0a2c", "f6a8c0e2-4a6c-4e8a-0c2e-4a6c8e0a2c4e") })] } },
      { name: "other application update", rows: { AuditLogs: [credentialRow(5, "Update application", [K1], [K1, K2])] } },
      { name: "added before the window", rows: { AuditLogs: [credentialRow(30, APP_CREDENTIALS, [K1], [K1, K2])] } },
      { name: "allowlisted app administrator", parameters: { allowedActors: [ATTACKER_UPN] }, rows: { AuditLogs: [credentialRow(5, APP_CREDENTIALS, [K1], [K1, K2])] } },
    ],
  },
  revisions: [
    {
      change: "A credential counts as added when a key identifier of KeyDescription's new list is not in its old list, instead of when the new list is longer.",
      why: "Removing one secret and adding another in the same update kept the count, so the added secret did not alert.",
      source: "log-values.md 2.1 (KeyDescription old and new values list every key with its KeyIdentifier)",
    },
  ],
};

export const technique: TechniqueModule = { detections: [appRoleUse, permissionGrant, ownerCredential].map((d) => withLateArrival(d)) };
