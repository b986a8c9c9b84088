// AZT203 Malicious Application Consent: a user (or an admin for everyone) grants an attacker's app
// delegated access. AuditLogs records it as "Consent to application" (log-values.md 2.2).
import * as kql from "../kql";
import type { Detection, ParameterValues, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { listParameter } from "../patterns/baseline";
import { NEW_EVIDENCE, arrivalOutput, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";

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

/** Delegated scopes that give an app the victim's mail, files, chats or directory write access. */
const RISKY_SCOPES = [
  "Mail.Read", "Mail.ReadWrite", "Mail.Send", "MailboxSettings.ReadWrite", "Contacts.Read", "Calendars.Read",
  "Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All", "Notes.Read.All", "Notes.ReadWrite.All",
  "Chat.Read", "Chat.ReadWrite", "ChannelMessage.Read.All",
  "Directory.ReadWrite.All", "Directory.AccessAsUser.All", "User.ReadWrite.All", "Group.ReadWrite.All",
  "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "RoleManagement.ReadWrite.Directory",
  "full_access_as_user", "EWS.AccessAsUser.All", "IMAP.AccessAsUser.All", "SMTP.Send",
];

/**
 * Successful consents with who, what app, consent type and granted scopes. The permissions are text
 * inside modifiedProperties ("ConsentAction.Permissions": "... ConsentType: AllPrincipals, Scope: a b c, ..."),
 * one [..] entry per resource API.
 */
function consentRows(p: ParameterValues): string {
  const allowed = listParameter(p, "allowedApps");
  return (
    [
      "AuditLogs",
      ingestedSinceLastRun(FREQUENCY),
      NEW_EVIDENCE.extend,
      `| where OperationName =~ "Consent to application"`,
      `| where Result =~ "success"`,
      "| extend Props = tostring(TargetResources[0].modifiedProperties)",
      `| extend ConsentType = extract(${kql.str("ConsentType:\\s*(\\w+)")}, 1, Props)`,
      `| extend GrantedScopes = split(strcat_array(extract_all(${kql.str("Scope:\\s*([^,\\]]*)")}, Props), " "), " ")`,
      // A consent granted through Graph by an app (InitiatedBy.app) has no user: name the app instead.
      "| extend Actor = coalesce(tostring(InitiatedBy.user.userPrincipalName), tostring(InitiatedBy.app.servicePrincipalId), tostring(InitiatedBy.app.displayName)),",
      "    ActorIpAddress = coalesce(tostring(InitiatedBy.user.ipAddress), tostring(InitiatedBy.app.ipAddress)),",
      "    AppName = tostring(TargetResources[0].displayName), AppObjectId = tostring(TargetResources[0].id)",
    ].join("\n") +
    // By object id only: anyone can register an app whose display name copies an approved one.
    kql.excludeIn("AppObjectId", allowed)
  );
}
const CONSENT_COLUMNS = "Actor, ActorIpAddress, AppName, AppObjectId, ConsentType, GrantedScopes";
/** The consent row's arrival (taken before mv-expand) as TimeGenerated, its event time as EventTime, then CONSENT_COLUMNS. */
const CONSENT_OUTPUT = `${arrivalOutput("Ingested", "TimeGenerated")}, ${CONSENT_COLUMNS}`;

const SP_ID = "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f";
const LOOKALIKE_SP_ID = "7e6d5c4b-3a29-4018-9f7e-6d5c4b3a2918";
function consentRow(minutes: number, consentType: "Principal" | "AllPrincipals", scope: string, over: SampleRow = {}, spId = SP_ID): SampleRow {
  const admin = consentType === "AllPrincipals";
  return {
    TimeGenerated: minutesAgo(minutes),
    ActivityDateTime: minutesAgo(minutes),
    OperationName: "Consent to application",
    ActivityDisplayName: "Consent to application",
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
    Id: `Directory_6b1f2e3d-4c5a-4b6c-9d7e-8f9a0b1c2d3e_Q8ZJ1_${minutes}`,
    CorrelationId: "6b1f2e3d-4c5a-4b6c-9d7e-8f9a0b1c2d3e",
    InitiatedBy: { user: { id: "6e7b768e-07e2-4810-8459-485f84f8f204", displayName: null, userPrincipalName: "adelev@contoso.onmicrosoft.com", ipAddress: "45.153.160.2", roles: [] } },
    TargetResources: [
      {
        id: spId,
        displayName: "Document Viewer Pro",
        type: "ServicePrincipal",
        userPrincipalName: null,
        administrativeUnits: [],
        modifiedProperties: [
          { displayName: "ConsentContext.IsAdminConsent", oldValue: null, newValue: `"${admin ? "True" : "False"}"` },
          { displayName: "ConsentContext.IsAppOnly", oldValue: null, newValue: "\"False\"" },
          { displayName: "ConsentContext.OnBehalfOfAll", oldValue: null, newValue: `"${admin ? "True" : "False"}"` },
          { displayName: "ConsentContext.Tags", oldValue: null, newValue: "\"WindowsAzureActiveDirectoryIntegratedApp\"" },
          {
            displayName: "ConsentAction.Permissions",
            oldValue: null,
            newValue: `"[] => [[Id: ZGF0YXZpZXdlcnByb2FwcGxpY2F0aW9uaWQ, ClientId: ${spId}, PrincipalId: ${admin ? "" : "6e7b768e-07e2-4810-8459-485f84f8f204"}, ResourceId: 8a1b2c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d, ConsentType: ${consentType}, Scope: ${scope}, CreatedDateTime: , LastModifiedDateTime ]]; "`,
          },
          { displayName: "TargetId.ServicePrincipalNames", oldValue: null, newValue: "\"5a1b9c3d-2e4f-4a6b-8c0d-1e2f3a4b5c6d\"" },
        ],
      },
    ],
    AdditionalDetails: [{ key: "User-Agent", value: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0" }],
    ...over,
  };
}
const SAMPLE_SOURCE =
  "log-values.md 2.1 (AuditLogs row shape, lower-case Result) and 2.2 (Consent to application; ConsentAction.Permissions with ConsentType and Scope, " +
  "ConsentContext.* names unverified); Microsoft app-consent incident response playbook";
const ALLOWED_APPS: Detection["parameters"] = {
  allowedApps: {
    type: "stringList",
    default: [],
    description: "Service principal object ids (TargetResources[0].id, AppObjectId in the alert) of approved applications. Display names are not accepted: an attacker's app can copy any name.",
  },
};

const userConsentRiskyScopes: Detection = {
  key: "azt203-user-consent-risky-scopes",
  technique: "AZT203",
  tactic: "Initial Access",
  name: "User consented to an application for mail, files, chats or directory access",
  description:
    "A user consented for themselves (ConsentType Principal) to an application and the granted delegated scopes include " +
    "one of riskyScopes (Mail.Read, Files.ReadWrite.All, full_access_as_user, Directory.AccessAsUser.All ...). Consent " +
    "phishing uses exactly this: the app then reads the victim's data with a refresh token, without their password or MFA.",
  falsePositives: ["Users adopting a legitimate SaaS tool that needs mail or files access (allowlist it after review, or move to admin-approved consent)."],
  triage: [
    "Look up the app (AppName, AppObjectId): publisher verification, reply URLs, when it was created and in which tenant.",
    "If malicious: delete the service principal's delegated grants (Remove-MgOauth2PermissionGrant) or disable the service principal, revoke the user's sessions, and check MicrosoftGraphActivityLogs for the app's calls (AZT108).",
    "Restrict user consent to verified publishers and low-risk permissions.",
  ],
  references: REFERENCES,
  severity: 2,
  ...SCHEDULE,
  parameters: {
    riskyScopes: { type: "stringList", default: RISKY_SCOPES, description: "Delegated scopes whose consent alerts (case-insensitive)." },
    ...ALLOWED_APPS,
  },
  signal: {
    kind: "query",
    query: (p) =>
      consentRows(p) +
      "\n" +
      [
        `| where ConsentType =~ "Principal"`,
        "| mv-expand Scope = GrantedScopes",
        "| extend Scope = tostring(Scope)",
        `| where Scope in~ ${kql.strList(listParameter(p, "riskyScopes"))}`,
        `| summarize RiskyScopes = make_set(Scope, 50), GrantedScopes = take_any(GrantedScopes) by TimeGenerated, Ingested, ${CONSENT_COLUMNS.replace(", GrantedScopes", "")}, CorrelationId, Id`,
        `| project ${CONSENT_OUTPUT}, RiskyScopes, CorrelationId`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "AppName", "AppObjectId"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIpAddress", resource: "AppObjectId" },
  samples: {
    source: SAMPLE_SOURCE,
    fires: [
      { name: "user consents to mail read and offline access", rows: { AuditLogs: [consentRow(10, "Principal", " openid profile offline_access User.Read Mail.Read")] } },
      { name: "late row: a consent 40 minutes ago that landed 5 minutes ago", rows: { AuditLogs: [consentRow(40, "Principal", "Mail.Read offline_access", { _TimeReceived: minutesAgo(5) })] } },
      { name: "scope in a different case", rows: { AuditLogs: [consentRow(10, "Principal", "files.readwrite.all offline_access")] } },
      {
        name: "attacker's app copies the display name of an approved app (allowlist is by object id)",
        parameters: { allowedApps: [SP_ID] },
        rows: { AuditLogs: [consentRow(10, "Principal", "Mail.Read offline_access", {}, LOOKALIKE_SP_ID)] },
      },
    ],
    quiet: [
      { name: "sign-in-only scopes", rows: { AuditLogs: [consentRow(10, "Principal", " openid profile email offline_access User.Read")] } },
      { name: "Mail.ReadBasic is not Mail.Read", rows: { AuditLogs: [consentRow(10, "Principal", "User.Read Mail.ReadBasic")] } },
      { name: "tenant-wide consent (the other rule)", rows: { AuditLogs: [consentRow(10, "AllPrincipals", "User.Read Mail.Read")] } },
      { name: "consent failed", rows: { AuditLogs: [consentRow(10, "Principal", "Mail.Read", { Result: "failure", ResultReason: "Microsoft.Online.Security.UserConsentBlockedForRiskyAppsException" })] } },
      { name: "approved app (by service principal object id)", parameters: { allowedApps: [SP_ID] }, rows: { AuditLogs: [consentRow(10, "Principal", "Mail.Read")] } },
      { name: "already alerted: a consent 20 minutes ago, ingested before the previous run", rows: { AuditLogs: [consentRow(20, "Principal", "Mail.Read")] } },
      { name: "consent 45 minutes ago, ingested then", rows: { AuditLogs: [consentRow(45, "Principal", "Mail.Read")] } },
    ],
  },
};

const tenantWideConsent: Detection = {
  key: "azt203-tenant-wide-consent",
  technique: "AZT203",
  tactic: "Initial Access",
  name: "Admin consent granted to an application on behalf of all users",
  description:
    "An administrator consented to an application's delegated permissions for every user in the tenant " +
    "(ConsentType AllPrincipals). A consent-phishing lure that reaches an admin, or an attacker holding an admin " +
    "session, turns one click into access to every user's data for the listed scopes.",
  falsePositives: ["Planned onboarding of a new enterprise application (allowlist it, or accept the alert as the change record)."],
  triage: [
    "Confirm a change request exists for AppName; check the app's publisher, owner and creation date.",
    "Review GrantedScopes: mail, files or directory write scopes for all users are a critical grant.",
    "If unplanned: remove the grant (Remove-MgOauth2PermissionGrant), disable the service principal, and review the admin's sign-ins around TimeGenerated.",
  ],
  references: REFERENCES,
  severity: 1,
  ...SCHEDULE,
  parameters: ALLOWED_APPS,
  signal: {
    kind: "query",
    query: (p) => consentRows(p) + `\n| where ConsentType =~ "AllPrincipals"\n| project ${CONSENT_OUTPUT}, CorrelationId`,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "AppName", "AppObjectId"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIpAddress", resource: "AppObjectId" },
  samples: {
    source: SAMPLE_SOURCE,
    fires: [
      { name: "admin consent for all users", rows: { AuditLogs: [consentRow(10, "AllPrincipals", " User.Read Mail.Read Files.Read.All")] } },
      { name: "late row: an admin consent 50 minutes ago that landed 10 minutes ago", rows: { AuditLogs: [consentRow(50, "AllPrincipals", "User.Read Mail.Read", { _TimeReceived: minutesAgo(10) })] } },
      {
        name: "consent granted by an application through Graph (InitiatedBy.app, no user)",
        rows: { AuditLogs: [consentRow(10, "AllPrincipals", "Mail.Read", { InitiatedBy: { app: { displayName: "backdoor-app", appId: "3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e", servicePrincipalId: "9d2b6e41-3c7a-4f58-b0e1-6a4c8d2f7e90", ipAddress: null } } })] },
      },
    ],
    quiet: [
      { name: "user consent for themselves", rows: { AuditLogs: [consentRow(10, "Principal", "User.Read")] } },
      { name: "already alerted: an admin consent 20 minutes ago, ingested before the previous run", rows: { AuditLogs: [consentRow(20, "AllPrincipals", "User.Read Mail.Read")] } },
      { name: "a different application-management activity", rows: { AuditLogs: [consentRow(10, "AllPrincipals", "User.Read", { OperationName: "Add delegated permission grant", ActivityDisplayName: "Add delegated permission grant" })] } },
      { name: "approved app by object id", parameters: { allowedApps: [SP_ID] }, rows: { AuditLogs: [consentRow(10, "AllPrincipals", "User.Read")] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [userConsentRiskyScopes, tenantWideConsent] };
