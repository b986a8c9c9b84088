// AZT203 Malicious Application Consent: a user (or an admin for everyone) grants an attacker's app
// delegated access. AuditLogs records interactive consent as "Consent to application" beside "Add
// delegated permission grant", and a grant written through Graph as the latter only (log-values.md 2.2).
import * as kql from "../kql";
import type { Detection, ParameterValues, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { listParameter } from "../patterns/baseline";
import { NEW_EVIDENCE, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";
import { HIGH_RISK_DELEGATED, LOWER_RISK_DELEGATED, PERMISSION_RISK_SOURCE, highRiskPermission } from "../permission-risk";

/** Both rules run every 15 minutes over the consents ingested since the previous run: each alerts once, however late it lands. */
const FREQUENCY = "PT15M";
const SCHEDULE = ingestionSchedule(FREQUENCY, FREQUENCY, "entraId");

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/InitialAccess/AZT203/AZT203/";
const REFERENCES = [
  ATRM,
  "https://learn.microsoft.com/security/operations/incident-response-playbook-app-consent",
  "https://learn.microsoft.com/entra/identity/enterprise-apps/detect-and-remediate-illicit-consent-grants",
  "https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities",
];

/** Activities that grant delegated permissions: interactive consent, and the grant written directly (Graph oauth2PermissionGrants). */
const GRANT_ACTIVITIES = ["Consent to application", "Add delegated permission grant", "Add OAuth2PermissionGrant"];

/**
 * Delegated grants with who, which client app, consent type and the scopes each one *added*. Two
 * row shapes (log-values.md 2.2): 'Consent to application' on the client's service principal, whose
 * ConsentAction.Permissions text reads "[old grants] => [new grants]" with "ConsentType: ..., Scope:
 * ..." per grant; and 'Add delegated permission grant' on the resource's service principal, with
 * DelegatedPermissionGrant.Scope (old -> new), DelegatedPermissionGrant.ConsentType and the client in
 * ServicePrincipal.ObjectID. Interactive consent writes both rows (same CorrelationId); a grant made
 * through Graph only the second. One row per added scope, empty scopes dropped.
 */
function grantedScopes(p: ParameterValues): string {
  const allowed = listParameter(p, "allowedApps");
  return (
    [
      "AuditLogs",
      ingestedSinceLastRun(FREQUENCY),
      NEW_EVIDENCE.extend,
      `| where OperationName in~ ${kql.strList(GRANT_ACTIVITIES)}`,
      `| where Result =~ "success"`,
      // A consent granted through Graph by an app (InitiatedBy.app) has no user: name the app instead.
      "| extend Actor = coalesce(tostring(InitiatedBy.user.userPrincipalName), tostring(InitiatedBy.app.servicePrincipalId), tostring(InitiatedBy.app.displayName)),",
      "    ActorIpAddress = coalesce(tostring(InitiatedBy.user.ipAddress), tostring(InitiatedBy.app.ipAddress)),",
      "    TargetName = tostring(TargetResources[0].displayName), TargetId = tostring(TargetResources[0].id)",
      "| mv-expand Prop = iff(array_length(TargetResources[0].modifiedProperties) > 0, TargetResources[0].modifiedProperties, dynamic([{}]))",
      "| extend PropName = tostring(Prop.displayName), PropOld = trim(@'\"', tostring(Prop.oldValue)), PropNew = trim(@'\"', tostring(Prop.newValue))",
      "| summarize TimeGenerated = min(TimeGenerated), ConsentText = take_anyif(PropNew, PropName =~ \"ConsentAction.Permissions\"),",
      "    ScopeOld = take_anyif(PropOld, PropName =~ \"DelegatedPermissionGrant.Scope\"), ScopeNew = take_anyif(PropNew, PropName =~ \"DelegatedPermissionGrant.Scope\"),",
      "    GrantConsentType = take_anyif(PropNew, PropName =~ \"DelegatedPermissionGrant.ConsentType\"), GrantClientId = take_anyif(PropNew, PropName =~ \"ServicePrincipal.ObjectID\"),",
      `    ${NEW_EVIDENCE.aggregate}`,
      "    by Id, OperationName, CorrelationId, Actor, ActorIpAddress, TargetName, TargetId",
      "| extend IsConsent = OperationName =~ \"Consent to application\"",
      "| extend ConsentBefore = tostring(split(ConsentText, \"=>\")[0]), ConsentAfter = tostring(split(ConsentText, \"=>\")[1])",
      `| extend ConsentType = iff(IsConsent, extract(${kql.str("ConsentType:\\s*(\\w+)")}, 1, ConsentAfter), GrantConsentType),`,
      `    ScopesBefore = iff(IsConsent, strcat_array(extract_all(${kql.str("Scope:\\s*([^,\\]]*)")}, ConsentBefore), " "), ScopeOld),`,
      `    ScopesAfter = iff(IsConsent, strcat_array(extract_all(${kql.str("Scope:\\s*([^,\\]]*)")}, ConsentAfter), " "), ScopeNew),`,
      "    AppObjectId = iff(IsConsent, TargetId, GrantClientId), AppName = iff(IsConsent, TargetName, \"\"), ResourceName = iff(IsConsent, \"\", TargetName)",
      "// The scopes this change added: granted after and not before (a re-consent adds nothing).",
      "| mv-expand Scope = set_difference(split(ScopesAfter, \" \"), split(ScopesBefore, \" \"))",
      "| extend Scope = tostring(Scope)",
      "| where isnotempty(Scope)",
    ].join("\n") +
    // By object id only: anyone can register an app whose display name copies an approved one.
    kql.excludeIn("AppObjectId", allowed)
  );
}
/**
 * One result per consent (its two rows share the CorrelationId) and client app. Its TimeGenerated is
 * the arrival of its newest row (every row was ingested since the previous run), EventTime the
 * consent's first event time.
 */
const PER_CONSENT =
  "| summarize TimeGenerated = min(TimeGenerated), AddedScopes = make_set(Scope, 100), AppName = max(AppName), ResourceName = max(ResourceName),\n" +
  "    ActorIpAddress = max(ActorIpAddress), Operations = make_set(OperationName, 3), LastIngested = max(LastIngested) by CorrelationId, Actor, AppObjectId, ConsentType";
const CONSENT_COLUMNS = `${NEW_EVIDENCE.output("TimeGenerated")}, Actor, ActorIpAddress, AppName, AppObjectId, ResourceName, ConsentType, AddedScopes, Operations, CorrelationId`;

const SP_ID = "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f";
const LOOKALIKE_SP_ID = "7e6d5c4b-3a29-4018-9f7e-6d5c4b3a2918";
const GRAPH_SP_ID = "1d7f3b5a-9c2e-4f6a-8b0d-2e4c6a8f0b1d";
const ADMIN_USER = { user: { id: "6e7b768e-07e2-4810-8459-485f84f8f204", displayName: null, userPrincipalName: "adelev@contoso.onmicrosoft.com", ipAddress: "45.153.160.2", roles: [] } };

/** The columns every AuditLogs row carries (log-values.md 2.1). */
function grantAuditRow(minutes: number, operation: string, target: Record<string, unknown>, over: SampleRow): SampleRow {
  return {
    TimeGenerated: minutesAgo(minutes),
    ActivityDateTime: minutesAgo(minutes),
    OperationName: operation,
    ActivityDisplayName: operation,
    Category: "ApplicationManagement",
    LoggedByService: "Core Directory",
    AADOperationType: "Assign",
    Result: "success",
    ResultSignature: "None",
    ResultReason: "",
    OperationVersion: "1.0",
    Resource: "Microsoft.aadiam",
    ResourceProvider: "Microsoft.aadiam",
    ResourceGroup: "Microsoft.aadiam",
    Id: `Directory_6b1f2e3d-4c5a-4b6c-9d7e-8f9a0b1c2d3e_${operation.length}_${minutes}`,
    CorrelationId: "6b1f2e3d-4c5a-4b6c-9d7e-8f9a0b1c2d3e",
    InitiatedBy: ADMIN_USER,
    TargetResources: [{ userPrincipalName: null, administrativeUnits: [], type: "ServicePrincipal", ...target }],
    AdditionalDetails: [{ key: "User-Agent", value: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0" }],
    ...over,
  };
}

/** One grant as ConsentAction.Permissions prints it ("[Id: ..., ConsentType: ..., Scope: ..., ...]"). */
function grantText(spId: string, consentType: string, scope: string): string {
  const principal = consentType === "AllPrincipals" ? "" : "6e7b768e-07e2-4810-8459-485f84f8f204";
  return `[Id: ZGF0YXZpZXdlcnByb2FwcGxpY2F0aW9uaWQ, ClientId: ${spId}, PrincipalId: ${principal}, ResourceId: ${GRAPH_SP_ID}, ConsentType: ${consentType}, Scope: ${scope}, CreatedDateTime: , LastModifiedDateTime ]`;
}

/**
 * A 'Consent to application' row on the client's service principal: ConsentAction.Permissions reads
 * "[grants before] => [grants after]; " (a public recording of the row in the sources).
 */
function consentRow(minutes: number, consentType: "Principal" | "AllPrincipals", scope: string, over: SampleRow = {}, spId = SP_ID, scopeBefore?: string): SampleRow {
  const admin = consentType === "AllPrincipals";
  const before = scopeBefore === undefined ? "[]" : `[${grantText(spId, consentType, scopeBefore)}]`;
  return grantAuditRow(minutes, "Consent to application", {
    id: spId,
    displayName: "Document Viewer Pro",
    modifiedProperties: [
      { displayName: "ConsentContext.IsAdminConsent", oldValue: null, newValue: `"${admin ? "True" : "False"}"` },
      { displayName: "ConsentContext.IsAppOnly", oldValue: null, newValue: "\"False\"" },
      { displayName: "ConsentContext.OnBehalfOfAll", oldValue: null, newValue: `"${admin ? "True" : "False"}"` },
      { displayName: "ConsentContext.Tags", oldValue: null, newValue: "\"WindowsAzureActiveDirectoryIntegratedApp\"" },
      { displayName: "ConsentAction.Permissions", oldValue: null, newValue: `"${before} => [${grantText(spId, consentType, scope)}]; "` },
      { displayName: "TargetId.ServicePrincipalNames", oldValue: null, newValue: "\"5a1b9c3d-2e4f-4a6b-8c0d-1e2f3a4b5c6d\"" },
    ],
  }, over);
}

/**
 * An 'Add delegated permission grant' row, as interactive consent writes it beside the consent row and
 * a grant made directly through Graph writes it alone: target the resource's service principal
 * (Microsoft Graph), DelegatedPermissionGrant.Scope old -> new, DelegatedPermissionGrant.ConsentType,
 * the client in ServicePrincipal.ObjectID.
 */
function delegatedGrantRow(minutes: number, consentType: "Principal" | "AllPrincipals", scopeBefore: string | null, scopeAfter: string, over: SampleRow = {}, spId = SP_ID): SampleRow {
  return grantAuditRow(minutes, "Add delegated permission grant", {
    id: GRAPH_SP_ID,
    displayName: "Microsoft Graph",
    modifiedProperties: [
      { displayName: "DelegatedPermissionGrant.Scope", oldValue: scopeBefore === null ? null : `"${scopeBefore}"`, newValue: `"${scopeAfter}"` },
      { displayName: "DelegatedPermissionGrant.ConsentType", oldValue: null, newValue: `"${consentType}"` },
      { displayName: "ServicePrincipal.ObjectID", oldValue: null, newValue: `"${spId}"` },
      { displayName: "ServicePrincipal.DisplayName", oldValue: null, newValue: null },
      { displayName: "TargetId.ServicePrincipalNames", oldValue: null, newValue: "\"00000003-0000-0000-c000-000000000000;https://graph.microsoft.com\"" },
    ],
  }, over);
}
/** Interactive consent: both rows, one correlation. */
const consentWithGrant = (minutes: number, consentType: "Principal" | "AllPrincipals", scope: string, over: SampleRow = {}) =>
  [consentRow(minutes, consentType, scope, over), delegatedGrantRow(minutes, consentType, null, scope, over)];

const GRANT_ROW_SOURCE =
  "a public recording of the rows interactive consent writes (blog post 'What happens when you first execute Connect-MsGraph', GitHub " +
  "Pages, repository not resolved: " +
  "'Add delegated permission grant' on Microsoft Graph with DelegatedPermissionGrant.Scope, DelegatedPermissionGrant.ConsentType and " +
  "ServicePrincipal.ObjectID, then 'Consent to application' with ConsentAction.Permissions '[] => [[..., ConsentType: Principal, Scope: ...]]'); " +
  "MicrosoftDocs/entra-docs:docs/architecture/security-operations-applications.md@f5ad8570 ('Add delegated permission grant' where " +
  "DelegatedPermissionGrant.Scope includes high-privilege permissions and DelegatedPermissionGrant.ConsentType is AllPrincipals)";
const SAMPLE_SOURCE =
  "log-values.md 2.1 (AuditLogs row shape, lower-case Result) and 2.2 (Consent to application, Add delegated permission grant; " +
  "ConsentContext.* names unverified); " + GRANT_ROW_SOURCE;
const ALLOWED_APPS: Detection["parameters"] = {
  allowedApps: {
    type: "stringList",
    default: [],
    description: "Service principal object ids (TargetResources[0].id, AppObjectId in the alert) of approved applications. Display names are not accepted: an attacker's app can copy any name.",
  },
};

const CONSENT_REVISION = {
  change:
    "Also reads 'Add delegated permission grant' (a grant written directly through Graph, ConsentType and scopes as properties of their own) " +
    "besides 'Consent to application', and alerts on the scopes a change added (after minus before), one result per consent.",
  why:
    "A grant made through Graph never logs 'Consent to application', so both AZT203 rules missed it; and a re-consent or an added scope " +
    "listed every scope already granted.",
  source: GRANT_ROW_SOURCE,
};
const REFERENCES_API = [...REFERENCES, "https://learn.microsoft.com/graph/api/oauth2permissiongrant-post"];

const userConsentRiskyScopes: Detection = {
  key: "azt203-user-consent-risky-scopes",
  technique: "AZT203",
  tactic: "Initial Access",
  name: "User consented to an application for mail, files, contacts or directory access",
  description:
    "A user granted an application delegated access for themselves (ConsentType Principal), by consenting or through a grant " +
    "written with Graph, and the scopes it added include a high-risk one (riskyScopes: by default the permissions Microsoft's " +
    "consent-grant report ranks High, e.g. Mail.*, Files.*, Contacts.*, Directory.AccessAsUser.All). Consent phishing uses exactly " +
    "this: the app then reads the victim's data with a refresh token, without their password or MFA.",
  falsePositives: ["Users adopting a legitimate SaaS tool that needs mail or files access (allowlist it after review, or move to admin-approved consent)."],
  triage: [
    "Look up the app (AppName, AppObjectId): publisher verification, reply URLs, when it was created and in which tenant.",
    "If malicious: delete the service principal's delegated grants (Remove-MgOauth2PermissionGrant) or disable the service principal, revoke the user's sessions, and check MicrosoftGraphActivityLogs for the app's calls (AZT108).",
    "Restrict user consent to verified publishers and low-risk permissions.",
  ],
  references: REFERENCES_API,
  severity: 2,
  ...SCHEDULE,
  parameters: {
    riskyScopes: {
      type: "stringList",
      default: HIGH_RISK_DELEGATED,
      description:
        "Delegated permissions whose consent alerts, case-insensitive: a name with a dot is one permission, a name without one a family " +
        "(Mail = Mail.Read, Mail.Send ...). Default: the High rows of Microsoft's consent-grant permission table (MSIdentityTools).",
    },
    lowerRiskScopes: {
      type: "stringList",
      default: LOWER_RISK_DELEGATED,
      description: "Members of a riskyScopes family that do not alert (the table ranks Mail.ReadBasic Medium).",
    },
    ...ALLOWED_APPS,
  },
  signal: {
    kind: "query",
    query: (p) =>
      grantedScopes(p) +
      "\n" +
      [
        `| where ConsentType =~ "Principal"`,
        `| where ${highRiskPermission("Scope", listParameter(p, "riskyScopes"), listParameter(p, "lowerRiskScopes"), false)}`,
        PER_CONSENT,
        `| project ${CONSENT_COLUMNS}`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "AppObjectId"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIpAddress", resource: "AppObjectId" },
  samples: {
    source: SAMPLE_SOURCE + "; " + PERMISSION_RISK_SOURCE,
    fires: [
      { name: "user consents to mail read and offline access (consent and grant rows)", rows: { AuditLogs: consentWithGrant(10, "Principal", " openid profile offline_access User.Read Mail.Read") } },
      { name: "late row: a consent 40 minutes ago that landed 5 minutes ago", rows: { AuditLogs: [consentRow(40, "Principal", "Mail.Read offline_access", { _TimeReceived: minutesAgo(5) })] } },
      { name: "scope in a different case (Files family)", rows: { AuditLogs: [consentRow(10, "Principal", "files.readwrite.all offline_access")] } },
      {
        name: "grant written through Graph, scopes as an old -> new diff (User.Read -> User.Read Mail.ReadWrite)",
        rows: { AuditLogs: [delegatedGrantRow(10, "Principal", "User.Read", "User.Read Mail.ReadWrite")] },
      },
      { name: "consent adding Contacts.Read to an existing User.Read grant", rows: { AuditLogs: [consentRow(10, "Principal", "User.Read Contacts.Read", {}, SP_ID, "User.Read")] } },
      {
        name: "attacker's app copies the display name of an approved app (allowlist is by object id)",
        parameters: { allowedApps: [SP_ID] },
        rows: { AuditLogs: [consentRow(10, "Principal", "Mail.Read offline_access", {}, LOOKALIKE_SP_ID)] },
      },
    ],
    quiet: [
      { name: "sign-in-only scopes", rows: { AuditLogs: consentWithGrant(10, "Principal", " openid profile email offline_access User.Read") } },
      { name: "Mail.ReadBasic (ranked Medium) is not Mail.Read", rows: { AuditLogs: [consentRow(10, "Principal", "User.Read Mail.ReadBasic")] } },
      {
        name: "re-consent adding only offline_access: Mail.Read was granted before",
        rows: { AuditLogs: [consentRow(10, "Principal", "User.Read Mail.Read offline_access", {}, SP_ID, "User.Read Mail.Read"), delegatedGrantRow(10, "Principal", "User.Read Mail.Read", "User.Read Mail.Read offline_access")] },
      },
      { name: "tenant-wide consent (the other rule)", rows: { AuditLogs: consentWithGrant(10, "AllPrincipals", "User.Read Mail.Read") } },
      { name: "consent failed", rows: { AuditLogs: [consentRow(10, "Principal", "Mail.Read", { Result: "failure", ResultReason: "Microsoft.Online.Security.UserConsentBlockedForRiskyAppsException" })] } },
      { name: "approved app (by service principal object id)", parameters: { allowedApps: [SP_ID] }, rows: { AuditLogs: consentWithGrant(10, "Principal", "Mail.Read") } },
      { name: "already alerted: a consent 20 minutes ago, ingested before the previous run", rows: { AuditLogs: [consentRow(20, "Principal", "Mail.Read")] } },
      { name: "consent 45 minutes ago, ingested then", rows: { AuditLogs: [consentRow(45, "Principal", "Mail.Read")] } },
    ],
  },
  revisions: [
    CONSENT_REVISION,
    {
      change:
        "riskyScopes defaults to the delegated permissions Microsoft's consent-grant permission table ranks High (families such as Mail, " +
        "Files, Contacts, People, Notes, AllSites; Mail.ReadBasic excluded as Medium) instead of a hand-picked list.",
      why: "The hand-picked list came from memory (issue 14); the table is Microsoft's own ranking, used by its consent-grant report.",
      source: PERMISSION_RISK_SOURCE,
    },
  ],
};

const tenantWideConsent: Detection = {
  key: "azt203-tenant-wide-consent",
  technique: "AZT203",
  tactic: "Initial Access",
  name: "Delegated permissions granted to an application on behalf of all users",
  description:
    "Delegated permissions were granted to an application for every user in the tenant (ConsentType AllPrincipals), by admin " +
    "consent or by a grant written directly through Graph, and the change added at least one scope. A consent-phishing lure that " +
    "reaches an admin, or an attacker holding an admin session or an app allowed to write grants, turns one request into access to " +
    "every user's data for the added scopes.",
  falsePositives: ["Planned onboarding of a new enterprise application (allowlist it, or accept the alert as the change record)."],
  triage: [
    "Confirm a change request exists for the app (AppName, AppObjectId); check the app's publisher, owner and creation date.",
    "Review AddedScopes: mail, files or directory write scopes for all users are a critical grant.",
    "If unplanned: remove the grant (Remove-MgOauth2PermissionGrant), disable the service principal, and review the actor's sign-ins around TimeGenerated.",
  ],
  references: REFERENCES_API,
  severity: 1,
  ...SCHEDULE,
  parameters: ALLOWED_APPS,
  signal: {
    kind: "query",
    query: (p) => grantedScopes(p) + `\n| where ConsentType =~ "AllPrincipals"\n${PER_CONSENT}\n| project ${CONSENT_COLUMNS}`,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "AppObjectId"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIpAddress", resource: "AppObjectId" },
  samples: {
    source: SAMPLE_SOURCE,
    fires: [
      { name: "admin consent for all users (consent and grant rows)", rows: { AuditLogs: consentWithGrant(10, "AllPrincipals", " User.Read Mail.Read Files.Read.All") } },
      { name: "late row: an admin consent 50 minutes ago that landed 10 minutes ago", rows: { AuditLogs: [consentRow(50, "AllPrincipals", "User.Read Mail.Read", { _TimeReceived: minutesAgo(10) })] } },
      {
        name: "consent granted by an application through Graph (InitiatedBy.app, no user)",
        rows: { AuditLogs: [consentRow(10, "AllPrincipals", "Mail.Read", { InitiatedBy: { app: { displayName: "backdoor-app", appId: "3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e", servicePrincipalId: "9d2b6e41-3c7a-4f58-b0e1-6a4c8d2f7e90", ipAddress: null } } })] },
      },
      {
        name: "tenant-wide grant written through Graph only: ConsentType property AllPrincipals, User.Read -> User.Read Mail.ReadWrite",
        rows: { AuditLogs: [delegatedGrantRow(10, "AllPrincipals", "User.Read", "User.Read Mail.ReadWrite")] },
      },
    ],
    quiet: [
      { name: "user consent for themselves", rows: { AuditLogs: consentWithGrant(10, "Principal", "User.Read") } },
      { name: "already alerted: an admin consent 20 minutes ago, ingested before the previous run", rows: { AuditLogs: [consentRow(20, "AllPrincipals", "User.Read Mail.Read")] } },
      { name: "tenant-wide grant rewritten with the same scopes (nothing added)", rows: { AuditLogs: [delegatedGrantRow(10, "AllPrincipals", "User.Read Mail.Read", "User.Read Mail.Read")] } },
      {
        name: "a tenant-wide grant removed",
        rows: { AuditLogs: [delegatedGrantRow(10, "AllPrincipals", "User.Read Mail.Read", "", { OperationName: "Remove delegated permission grant", ActivityDisplayName: "Remove delegated permission grant" })] },
      },
      { name: "approved app by object id", parameters: { allowedApps: [SP_ID] }, rows: { AuditLogs: consentWithGrant(10, "AllPrincipals", "User.Read") } },
    ],
  },
  revisions: [CONSENT_REVISION],
};

export const technique: TechniqueModule = { detections: [userConsentRiskyScopes, tenantWideConsent] };
