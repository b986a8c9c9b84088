// AZT501 Account Manipulation: taking over existing identities (users, service principals, VM local
// administrators) so they keep working for the attacker.
import * as kql from "../kql";
import type { Detection, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { ARRIVAL_PROJECTION, NEW_EVIDENCE, arrivalWindow, dailyThreshold, ingestedSinceLastRun, ingestionSchedule, withLateArrival } from "../patterns/arrival";
import {
  AUDIT_FREQUENCY, AUDIT_SCHEDULE,
  ADMIN, atrmPage, ATTACKER, AUDIT_COLUMNS, AUDIT_ENTITIES, AUDIT_TRIGGER, ENTRA_AUDIT, activityRow, auditInitiator, auditRow,
  byApp, byUser, initiatorAllowlists, operationMatchParts, operationQuietCases, requestBodyParts, resourceId, startRow,
} from "./shared";

// ---------------------------------------------------------------------------------------------
// AZT501.1 User account manipulation

/** Activities that hand an attacker a working credential or a dormant account (log-values.md 2.2). */
const USER_TAKEOVER_ACTIVITIES = [
  "Reset password", "Change user password", "Set force change user password", "Reset password (by admin)",
  "Enable account", "Restore user",
  // An administrator adding, changing or removing another user's MFA methods (Authentication Methods,
  // UserManagement; names from the Entra audit activity reference).
  "Admin registered security info", "Admin updated security info", "Admin deleted security info",
  // An administrator turning off another user's per-user MFA (Core Directory, UserManagement).
  "Disable Strong Authentication",
];
const AUDIT_ACTIVITIES_SOURCE =
  "MicrosoftDocs/entra-docs:docs/identity/monitoring-health/reference-audit-activities.md@092dd5c1 (Core Directory UserManagement: " +
  "'Disable Strong Authentication'; Authentication Methods: 'Admin registered/updated/deleted security info', 'User registered security info' ...)";
/** azt501-1-user-takeover alerts once per initiator and UTC day (patterns/arrival.ts dailyThreshold). */
const takeoverDay = dailyThreshold(AUDIT_FREQUENCY);
/** `Update user` property names of strong-authentication (MFA) methods (unverified: community rules, not a real row here). */
const MFA_PROPERTIES = ["StrongAuthenticationMethod", "StrongAuthenticationUserDetails", "StrongAuthenticationPhoneAppDetail"];

const victim = "cfo@contoso.onmicrosoft.com";
const userTarget = (upn: string, props: { displayName: string; oldValue: string | null; newValue: string | null }[] = []) =>
  [{ type: "User", userPrincipalName: upn, displayName: null, modifiedProperties: props }];

const userManipulation: Detection = {
  key: "azt501-1-user-takeover",
  technique: "AZT501.1",
  tactic: "Persistence",
  name: "Another user's password reset, account enabled or restored, or MFA method changed or disabled",
  description:
    "An identity reset or changed another user's password, re-enabled a disabled account, restored a deleted user, " +
    "registered, changed or deleted another user's authentication (MFA) methods, or turned off another user's per-user MFA. " +
    "Each gives the actor a working sign-in for an account that is not theirs, a classic way to keep access that survives " +
    "the loss of the first foothold. One alert per initiator and UTC day: the first such action of the day alerts, the " +
    "initiator's later ones that day do not (the triage query lists them).",
  falsePositives: [
    "Helpdesk and identity administrators resetting passwords or re-enabling leavers on request: one alert a day per " +
      "administrator (allowlist their UPNs, or better, route the helpdesk through SSPR so resets are self-service).",
    "HR-driven provisioning tools that enable accounts on a start date (allowlist their app ids).",
  ],
  triage: [
    "List everything the initiator did to other accounts today: AuditLogs where InitiatedBy has the Initiator, since the start of the " +
      "day (Targets and Operations show the actions up to the alert).",
    "Confirm with the target users (out of band) and the initiator that the resets, enablements or MFA changes were requested.",
    "Check the targets' sign-ins (SigninLogs by UserPrincipalName) after the change: new IP, country, device or client app.",
    "If unexpected: reset the targets' passwords again, revoke their sessions (Revoke-MgUserSignInSession), remove unknown " +
      "authentication methods, re-enable MFA, and investigate the initiator's account for compromise.",
  ],
  references: [
    atrmPage("AZT501.1"),
    "https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities",
  ],
  severity: 2,
  ...ingestionSchedule(AUDIT_FREQUENCY, "P1D", "entraId"),
  parameters: initiatorAllowlists("reset passwords and enable or restore accounts of other users"),
  signal: {
    kind: "query",
    query: (p) => [
      "AuditLogs",
      takeoverDay.mark,
      takeoverDay.today,
      `| where OperationName in~ ${kql.strList(USER_TAKEOVER_ACTIVITIES)}`,
      `    or (OperationName =~ "Update user" and tostring(TargetResources[0].modifiedProperties) has_any ${kql.strList(MFA_PROPERTIES)})`,
      '| where Result =~ "success"',
      auditInitiator(p),
      "// Changing your own password or MFA is not manipulation; an Update user by a service is the user's own registration.",
      "| where not(isnotempty(InitiatorUpn) and InitiatorUpn =~ Target)",
      '| where OperationName !~ "Update user" or isnotempty(InitiatorUpn)',
      "| summarize TimeGenerated = min(TimeGenerated), Actions = count(), ActionsSeen = countif(" + takeoverDay.seen + "), Operations = make_set(OperationName, 10),",
      `    Targets = make_set(Target, 50), InitiatorIp = take_any(InitiatorIp), InitiatorAppId = take_any(InitiatorAppId), CorrelationId = take_any(CorrelationId), ${NEW_EVIDENCE.aggregate} by Initiator`,
      "// The initiator's first action of the day landed since the previous run (so its newest row did too).",
      "| where ActionsSeen == 0",
      NEW_EVIDENCE.since(AUDIT_FREQUENCY),
      `| project ${NEW_EVIDENCE.output("TimeGenerated")}, Initiator, InitiatorIp, InitiatorAppId, Actions, Operations, Targets, CorrelationId`,
    ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Initiator"] },
  },
  requires: [ENTRA_AUDIT],
  entities: { account: "Initiator", ip: "InitiatorIp", resource: "Targets" },
  samples: {
    source: "log-values.md 2.1 (row shape, lower-case Result, InitiatedBy), 2.2 (UserManagement activity names); ATRM AZT501.1; " +
      AUDIT_ACTIVITIES_SOURCE + " (LoggedByService value and target shape of the Authentication Methods rows unverified)",
    fires: [
      {
        name: "attacker resets the CFO's password",
        rows: { AuditLogs: [auditRow(5, "Reset password", "UserManagement", byUser(ATTACKER), userTarget(victim))] },
      },
      {
        name: "disabled account re-enabled",
        rows: { AuditLogs: [auditRow(3, "Enable account", "UserManagement", byUser(ATTACKER), userTarget("leaver@contoso.onmicrosoft.com"))] },
      },
      {
        name: "attacker registers an authentication method for another user (Authentication Methods service)",
        rows: { AuditLogs: [auditRow(6, "Admin registered security info", "UserManagement", byUser(ATTACKER), userTarget(victim), { LoggedByService: "Authentication Methods", AADOperationType: "Update" })] },
      },
      {
        name: "attacker turns off another user's per-user MFA (Disable Strong Authentication)",
        rows: { AuditLogs: [auditRow(4, "Disable Strong Authentication", "UserManagement", byUser(ATTACKER), userTarget(victim))] },
      },
      {
        name: "attacker changes another user's MFA phone app",
        rows: {
          AuditLogs: [auditRow(4, "Update user", "UserManagement", byUser(ATTACKER), userTarget(victim, [
            { displayName: "StrongAuthenticationPhoneAppDetail", oldValue: "[]", newValue: "[{\"DeviceName\":\"Pixel 7\"}]" },
            { displayName: "Included Updated Properties", oldValue: null, newValue: "\"StrongAuthenticationPhoneAppDetail\"" },
          ]))],
        },
      },
      {
        name: "first action of the UTC day: the same initiator's resets yesterday evening alerted yesterday",
        rows: {
          AuditLogs: [
            auditRow(13 * 60, "Reset password", "UserManagement", byUser(ATTACKER), userTarget("intern@contoso.onmicrosoft.com")),
            auditRow(5, "Reset password", "UserManagement", byUser(ATTACKER), userTarget(victim)),
          ],
        },
      },
    ],
    quiet: [
      {
        name: "password reset failed",
        rows: { AuditLogs: [auditRow(5, "Reset password", "UserManagement", byUser(ATTACKER), userTarget(victim), { Result: "failure" })] },
      },
      {
        name: "user changes their own password",
        rows: { AuditLogs: [auditRow(5, "Change user password", "UserManagement", byUser(victim), userTarget(victim))] },
      },
      {
        name: "admin updates another user's department",
        rows: {
          AuditLogs: [auditRow(5, "Update user", "UserManagement", byUser(ATTACKER), userTarget(victim, [
            { displayName: "Department", oldValue: "[\"Finance\"]", newValue: "[\"Treasury\"]" },
          ]))],
        },
      },
      {
        name: "MFA registration written by the authentication service, not by a person",
        rows: {
          AuditLogs: [auditRow(5, "Update user", "UserManagement", byApp("Azure MFA StrongAuthenticationService", "b5a60e17-278b-4c92-a4e2-b9262e66bb28"), userTarget(victim, [
            { displayName: "StrongAuthenticationMethod", oldValue: "[]", newValue: "[{\"MethodType\":6}]" },
          ]))],
        },
      },
      {
        name: "user registers their own authentication method (azt501-1-privileged-user-mfa-self-registered's row)",
        rows: { AuditLogs: [auditRow(5, "User registered security info", "UserManagement", byUser(victim), userTarget(victim), { LoggedByService: "Authentication Methods", AADOperationType: "Update" })] },
      },
      {
        name: "allowlisted helpdesk administrator",
        parameters: { allowedInitiatorUpns: [ADMIN] },
        rows: { AuditLogs: [auditRow(5, "Reset password", "UserManagement", byUser(ADMIN), userTarget(victim))] },
      },
      {
        name: "reset ingested before the previous run (already alerted)",
        rows: { AuditLogs: [auditRow(20, "Reset password", "UserManagement", byUser(ATTACKER), userTarget(victim))] },
      },
      {
        name: "helpdesk administrator's next reset today: the first, two hours ago, alerted",
        rows: {
          AuditLogs: [
            auditRow(120, "Reset password", "UserManagement", byUser(ADMIN), userTarget("intern@contoso.onmicrosoft.com")),
            auditRow(5, "Reset password", "UserManagement", byUser(ADMIN), userTarget(victim)),
          ],
        },
      },
    ],
  },
  revisions: [
    {
      change: "Also alerts on 'Disable Strong Authentication' (an administrator turning off another user's per-user MFA).",
      why: "Turning off a user's MFA prepares the account for sign-in with the password alone; the rule covered MFA method changes but not this.",
      source: AUDIT_ACTIVITIES_SOURCE,
    },
    {
      change:
        "One alert per initiator and UTC day: the initiator's first qualifying action of the day alerts, listing actions and targets so far; " +
        "later ones that day do not (query range two days).",
      why:
        "Helpdesk administrators reset passwords all day: an alert per reset made the rule one a real tenant switches off. A compromised " +
        "helpdesk account acting after its own routine alert that day is the cost; the triage lists the rest of the day.",
      source: "issue 14 (too noisy as a default); the Entra audit activity reference for the activities counted (" + AUDIT_ACTIVITIES_SOURCE + ")",
    },
  ],
};

// Self-service registration of an authentication method: an attacker holding a session (a stolen
// cookie, an AiTM phish) registers a method of their own as the user, which azt501-1-user-takeover
// (another user's methods) does not see. Every user does this legitimately, so the rule watches the
// accounts the tenant lists.

/** Activities of a user adding or changing their own sign-in methods (Authentication Methods, Device Registration Service). */
const SELF_REGISTRATION_ACTIVITIES = [
  "User registered security info", "User changed default security info", "User updated security info", "User registered all required security info",
  "Add FIDO2 security key", "Add Windows Hello for Business credential", "Add passwordless phone sign-in credential", "Add platform credential",
];
const SELF_REGISTRATION_SOURCE =
  "MicrosoftDocs/entra-docs:docs/identity/monitoring-health/reference-audit-activities.md@092dd5c1 (Authentication Methods and Device " +
  "Registration Service, UserManagement); Azure/Azure-Sentinel:Solutions/Microsoft Entra ID/Analytic Rules/" +
  "AuthenticationMethodsChangedforPrivilegedAccount.yaml@0b244849 (the same activities watched for privileged accounts; the user in " +
  "InitiatedBy.user and TargetResources[0].userPrincipalName)";
const ADMIN_ACCOUNT = "admin-alex@contoso.onmicrosoft.com";
const selfRegistration = (minutes: number, operation: string, upn: string, over: Record<string, unknown> = {}) =>
  auditRow(minutes, operation, "UserManagement", byUser(upn), userTarget(upn), { LoggedByService: "Authentication Methods", AADOperationType: "Update", ...over });

const privilegedSelfRegistration: Detection = {
  key: "azt501-1-privileged-user-mfa-self-registered",
  technique: "AZT501.1",
  tactic: "Persistence",
  name: "Listed privileged user registered or changed their own authentication method",
  description:
    "A user listed in privilegedUsers registered, changed or made default an authentication method for themselves (security info, FIDO2 " +
    "key, Windows Hello, passwordless phone sign-in, platform credential). An attacker holding the user's session registers a method of " +
    "their own to sign in again later, past MFA; azt501-1-user-takeover only sees changes made to another user's methods.",
  falsePositives: ["A listed administrator replacing a phone or adding a passkey (confirm with them out of band)."],
  triage: [
    "Ask the user, out of band, whether they registered the method (OperationName, IPAddress, time).",
    "Check the sign-in that preceded it (SigninLogs for the user within the hour before: IP, device, risk, token protection).",
    "If not the user: delete the method, revoke the user's sessions, reset the password and review the user's recent actions.",
  ],
  references: [atrmPage("AZT501.1"), "https://learn.microsoft.com/entra/architecture/security-operations-privileged-accounts"],
  severity: 2,
  ...AUDIT_SCHEDULE,
  parameters: {
    privilegedUsers: {
      type: "stringList",
      description: "UPNs of the accounts whose own method registrations alert: administrators and other accounts holding privileged roles.",
      default: [],
    },
  },
  signal: {
    kind: "query",
    query: (p) => [
      "AuditLogs",
      ingestedSinceLastRun(AUDIT_FREQUENCY),
      `| where OperationName in~ ${kql.strList(SELF_REGISTRATION_ACTIVITIES)}`,
      '| where Result =~ "success"',
      "| extend UserPrincipalName = tolower(tostring(InitiatedBy.user.userPrincipalName)), Target = tolower(tostring(TargetResources[0].userPrincipalName)),",
      "    IPAddress = tostring(InitiatedBy.user.ipAddress)",
      "// The user acting on their own account; a change made for another user is azt501-1-user-takeover's.",
      "| where isnotempty(UserPrincipalName) and (isempty(Target) or Target == UserPrincipalName)",
      // Empty until the tenant lists its accounts (the rule ships off and cannot be enabled without them).
      `| where UserPrincipalName in~ (${kql.dynamicList(p.privilegedUsers as string[])})`,
      `| project ${ARRIVAL_PROJECTION}, UserPrincipalName, IPAddress, OperationName, LoggedByService, CorrelationId`,
    ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["UserPrincipalName", "IPAddress"] },
  },
  requires: [ENTRA_AUDIT],
  entities: { account: "UserPrincipalName", ip: "IPAddress" },
  offByDefault: {
    reason:
      "Users register authentication methods for themselves all the time (every new phone or passkey): without the list of accounts that " +
      "matter every registration in the tenant would alert.",
    expectedVolume: "One alert per method a listed user registers or changes: a few a month per listed administrator.",
    requiredParameters: ["privilegedUsers"],
  },
  samples: {
    source: "log-values.md 2.1 (row shape, lower-case Result, InitiatedBy.user); " + SELF_REGISTRATION_SOURCE,
    fires: [
      { name: "listed administrator registers a new authenticator", parameters: { privilegedUsers: [ADMIN_ACCOUNT] }, rows: { AuditLogs: [selfRegistration(5, "User registered security info", ADMIN_ACCOUNT)] } },
      {
        name: "listed administrator adds a FIDO2 key (Device Registration Service), UPN in another case",
        parameters: { privilegedUsers: [ADMIN_ACCOUNT.toUpperCase()] },
        rows: { AuditLogs: [selfRegistration(5, "Add FIDO2 security key", ADMIN_ACCOUNT, { LoggedByService: "Device Registration Service", AADOperationType: "Add" })] },
      },
      {
        name: "late row: registered 40 minutes ago, ingested 3 minutes ago",
        parameters: { privilegedUsers: [ADMIN_ACCOUNT] },
        rows: { AuditLogs: [selfRegistration(40, "User changed default security info", ADMIN_ACCOUNT, { _TimeReceived: minutesAgo(3) })] },
      },
    ],
    quiet: [
      { name: "a user who is not listed registers a method", parameters: { privilegedUsers: [ADMIN_ACCOUNT] }, rows: { AuditLogs: [selfRegistration(5, "User registered security info", victim)] } },
      {
        name: "an administrator registers a method for the listed user (azt501-1-user-takeover's row)",
        parameters: { privilegedUsers: [ADMIN_ACCOUNT] },
        rows: { AuditLogs: [auditRow(5, "Admin registered security info", "UserManagement", byUser(ATTACKER), userTarget(ADMIN_ACCOUNT), { LoggedByService: "Authentication Methods" })] },
      },
      { name: "registration only started", parameters: { privilegedUsers: [ADMIN_ACCOUNT] }, rows: { AuditLogs: [selfRegistration(5, "User started security info registration", ADMIN_ACCOUNT)] } },
      { name: "registration failed", parameters: { privilegedUsers: [ADMIN_ACCOUNT] }, rows: { AuditLogs: [selfRegistration(5, "User registered security info", ADMIN_ACCOUNT, { Result: "failure" })] } },
      { name: "ingested before the previous run", parameters: { privilegedUsers: [ADMIN_ACCOUNT] }, rows: { AuditLogs: [selfRegistration(20, "User registered security info", ADMIN_ACCOUNT)] } },
    ],
  },
  revisions: [
    {
      change: "New detection (ships off: list the accounts in privilegedUsers and enable it).",
      why:
        "azt501-1-user-takeover ignored methods a user registers for themselves, which is what an attacker holding the user's session " +
        "does; Sentinel watches the same activities for privileged accounts.",
      source: SELF_REGISTRATION_SOURCE,
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// AZT501.2 Service principal manipulation

const SP_CREDENTIAL_ACTIVITIES = ["Add service principal credentials", "Add owner to service principal", "Add owner to application"];
const SP_CHANGES_SOURCE =
  "log-values.md 2.1 (real 'Update application – Certificates and secrets management ' row: KeyDescription old and new key lists), 2.2; " +
  "Microsoft Graph federatedIdentityCredential resource (issuer, subject, audiences; the 'Update application' row listing them as " +
  "FederatedIdentityCredentials old/new is unverified: no recorded row found)";

const appTarget = (name: string, type = "Application", props: { displayName: string; oldValue: string | null; newValue: string | null }[] = []) =>
  [{ type, displayName: name, modifiedProperties: props }];
const key = (id: string, name: string) => `[KeyIdentifier=${id},KeyType=Password,KeyUsage=Verify,DisplayName=${name}]`;
const K_OLD = key("8a1c3e5f-7b9d-4f1a-8c3e-5a7c9e1b3d5f", "key 1"), K_NEW = key("2f9d4c1e-7b3a-4e58-9a06-c1d2e3f4a5b6", "key 2");
const keyChange = (before: string[], after: string[]) => [
  { displayName: "KeyDescription", oldValue: JSON.stringify(before), newValue: JSON.stringify(after) },
  { displayName: "Included Updated Properties", oldValue: null, newValue: "\"KeyDescription\"" },
];
const NEW_SECRET = keyChange([], [K_NEW]);
const federatedChange = (before: unknown[], after: unknown[]) => [
  { displayName: "FederatedIdentityCredentials", oldValue: JSON.stringify(before), newValue: JSON.stringify(after) },
  { displayName: "Included Updated Properties", oldValue: null, newValue: "\"FederatedIdentityCredentials\"" },
];
const GITHUB_FIC = { Name: "deploy", Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:contoso-attacker/tools:ref:refs/heads/main", Audiences: ["api://AzureADTokenExchange"] };
const ROTATOR = byApp("secret-rotator", "3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e");

const spManipulation: Detection = {
  key: "azt501-2-sp-credential-or-owner",
  technique: "AZT501.2",
  tactic: "Persistence",
  name: "Owner or federated credential added to an application, or a credential added by an application",
  description:
    "A new owner was added to an application or service principal, a federated identity credential (a trust in an outside token " +
    "issuer) was added to an application, or an application or service principal added a secret or certificate to one. A credential " +
    "on an existing, already-privileged app lets the attacker sign in as that app (app-only, no MFA, no user to notice); an owner can " +
    "add such credentials at any later time; a federated credential needs no secret at all and never expires. Only additions count " +
    "(the key or credential lists before and after are compared); a user adding a secret or certificate is " +
    "azt405-3-app-credential-added-by-user's alert.",
  falsePositives: [
    "Planned secret rotation by a secrets-rotation pipeline (allowlist its app id).",
    "Workload identity federation set up for a CI/CD pipeline (GitHub Actions, Azure DevOps): confirm the issuer and subject.",
  ],
  triage: [
    "Identify the application (Target) and what it can do: its Microsoft Graph application permissions and Azure role assignments.",
    "Ask the app's owners whether the credential, federated credential or owner was planned; AddedKeys names the new key ids, Changes " +
      "holds the federated credential's issuer and subject.",
    "Check AADServicePrincipalSignInLogs for the app after the change (new IP, ServicePrincipalCredentialKeyId of the new key, FederatedCredentialId).",
    "If unexpected: remove the credential or owner, rotate the app's remaining secrets, and investigate the initiator.",
  ],
  references: [
    atrmPage("AZT501.2"),
    "https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities",
    "https://learn.microsoft.com/graph/api/resources/federatedidentitycredential",
  ],
  severity: 2,
  ...AUDIT_SCHEDULE,
  parameters: initiatorAllowlists("add credentials or owners to applications and service principals"),
  signal: {
    kind: "query",
    query: (p) => [
      "AuditLogs",
      ingestedSinceLastRun(AUDIT_FREQUENCY),
      // The row's arrival, before mv-expand ends its table context (patterns/arrival.ts).
      NEW_EVIDENCE.extend,
      `| where OperationName in~ ${kql.strList(SP_CREDENTIAL_ACTIVITIES)}`,
      "    // Real rows spell it 'Update application – Certificates and secrets management ' (en dash, trailing space).",
      '    or (OperationName startswith "Update application" and OperationName has "Certificates and secrets management")',
      '    or (OperationName =~ "Update service principal" and tostring(TargetResources[0].modifiedProperties) has "KeyDescription")',
      '    or (OperationName =~ "Update application" and tostring(TargetResources[0].modifiedProperties) has "FederatedIdentityCredentials")',
      '| where Result =~ "success"',
      auditInitiator(p),
      "| extend OtherTarget = coalesce(tostring(TargetResources[1].displayName), tostring(TargetResources[1].userPrincipalName)), Changes = tostring(TargetResources[0].modifiedProperties)",
      "| mv-expand Prop = iff(array_length(TargetResources[0].modifiedProperties) > 0, TargetResources[0].modifiedProperties, dynamic([{}]))",
      "| extend PropName = tostring(Prop.displayName), PropOld = tostring(Prop.oldValue), PropNew = tostring(Prop.newValue)",
      "| summarize TimeGenerated = min(TimeGenerated), OldKeys = take_anyif(PropOld, PropName =~ \"KeyDescription\"), NewKeys = take_anyif(PropNew, PropName =~ \"KeyDescription\"),",
      "    OldFederated = take_anyif(PropOld, PropName =~ \"FederatedIdentityCredentials\"), NewFederated = take_anyif(PropNew, PropName =~ \"FederatedIdentityCredentials\"),",
      `    ${NEW_EVIDENCE.aggregate} by Id, ${AUDIT_COLUMNS.filter((c) => c !== ARRIVAL_PROJECTION).join(", ")}, InitiatorUpn, OtherTarget, Changes`,
      "// Additions only: key ids in the new list and not in the old; more federated credentials after than before.",
      '| extend AddedKeys = set_difference(todynamic(iff(isempty(NewKeys), "[]", NewKeys)), todynamic(iff(isempty(OldKeys), "[]", OldKeys)))',
      "| extend FederatedAdded = coalesce(array_length(todynamic(NewFederated)), 0) > coalesce(array_length(todynamic(OldFederated)), 0)",
      '| extend Change = case(OperationName has "owner", "owner added", FederatedAdded, "federated credential added",',
      '    array_length(AddedKeys) > 0 or (OperationName =~ "Add service principal credentials" and isempty(NewKeys)), "credential added", "")',
      "| where isnotempty(Change)",
      "// A user adding a secret or certificate is azt405-3-app-credential-added-by-user's.",
      '| where not(Change == "credential added" and isnotempty(InitiatorUpn))',
      `| project ${[NEW_EVIDENCE.output("TimeGenerated"), ...AUDIT_COLUMNS.filter((c) => c !== ARRIVAL_PROJECTION)].join(", ")}, Change, OtherTarget, AddedKeys, Changes`,
    ].join("\n"),
    trigger: AUDIT_TRIGGER,
  },
  requires: [ENTRA_AUDIT],
  entities: AUDIT_ENTITIES,
  samples: {
    source: SP_CHANGES_SOURCE + "; ATRM AZT501.2",
    fires: [
      {
        name: "client secret added by an automation app (portal spelling: en dash and trailing space)",
        rows: { AuditLogs: [auditRow(6, "Update application \u2013 Certificates and secrets management ", "ApplicationManagement", ROTATOR, appTarget("payroll-sync", "Application", NEW_SECRET), { AADOperationType: "Update" })] },
      },
      {
        name: "reference-page spelling with a hyphen, secret added by an app",
        rows: { AuditLogs: [auditRow(6, "Update application - Certificates and secrets management", "ApplicationManagement", ROTATOR, appTarget("payroll-sync", "Application", NEW_SECRET), { AADOperationType: "Update" })] },
      },
      {
        name: "an app swaps a key in one update (one removed, one added: same count)",
        rows: { AuditLogs: [auditRow(6, "Update application \u2013 Certificates and secrets management ", "ApplicationManagement", ROTATOR, appTarget("payroll-sync", "Application", keyChange([K_OLD], [K_NEW])), { AADOperationType: "Update" })] },
      },
      {
        name: "credential added to a service principal by an app",
        rows: { AuditLogs: [auditRow(2, "Add service principal credentials", "ApplicationManagement", byApp("backdoor-app", "3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e"), appTarget("Terraform-Prod", "ServicePrincipal"))] },
      },
      {
        name: "attacker made owner of a service principal",
        rows: { AuditLogs: [auditRow(2, "Add owner to service principal", "ApplicationManagement", byUser(ATTACKER), [{ type: "User", userPrincipalName: ATTACKER }, { type: "ServicePrincipal", displayName: "Terraform-Prod" }])] },
      },
      {
        name: "federated identity credential trusting an outside GitHub repository added by a user",
        rows: { AuditLogs: [auditRow(3, "Update application", "ApplicationManagement", byUser(ATTACKER), appTarget("payroll-sync", "Application", federatedChange([], [GITHUB_FIC])), { AADOperationType: "Update" })] },
      },
    ],
    quiet: [
      {
        name: "application display name updated",
        rows: { AuditLogs: [auditRow(6, "Update application", "ApplicationManagement", byUser(ATTACKER), appTarget("payroll-sync", "Application", [{ displayName: "DisplayName", oldValue: "[\"payroll\"]", newValue: "[\"payroll-sync\"]" }]))] },
      },
      {
        name: "secret removed through the 'Certificates and secrets' blade",
        rows: { AuditLogs: [auditRow(6, "Update application \u2013 Certificates and secrets management ", "ApplicationManagement", ROTATOR, appTarget("payroll-sync", "Application", keyChange([K_OLD, K_NEW], [K_OLD])), { AADOperationType: "Update" })] },
      },
      {
        name: "a user adds a secret (azt405-3-app-credential-added-by-user's row)",
        rows: { AuditLogs: [auditRow(6, "Update application \u2013 Certificates and secrets management ", "ApplicationManagement", byUser(ATTACKER), appTarget("payroll-sync", "Application", NEW_SECRET), { AADOperationType: "Update" })] },
      },
      {
        name: "federated identity credential removed",
        rows: { AuditLogs: [auditRow(3, "Update application", "ApplicationManagement", byUser(ATTACKER), appTarget("payroll-sync", "Application", federatedChange([GITHUB_FIC], [])), { AADOperationType: "Update" })] },
      },
      {
        name: "credential add failed",
        rows: { AuditLogs: [auditRow(2, "Add service principal credentials", "ApplicationManagement", byApp("backdoor-app", "3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e"), appTarget("Terraform-Prod", "ServicePrincipal"), { Result: "failure" })] },
      },
      {
        name: "allowlisted rotation pipeline",
        parameters: { allowedInitiatorAppIds: ["3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e"] },
        rows: { AuditLogs: [auditRow(2, "Add service principal credentials", "ApplicationManagement", ROTATOR, appTarget("Terraform-Prod", "ServicePrincipal"))] },
      },
      {
        name: "credential added outside the window",
        rows: { AuditLogs: [auditRow(25, "Add service principal credentials", "ApplicationManagement", byApp("backdoor-app", "3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e"), appTarget("Terraform-Prod", "ServicePrincipal"))] },
      },
    ],
  },
  revisions: [
    {
      change: "Alerts only on additions: the KeyDescription key lists before and after are compared (new key ids), so removals stay quiet.",
      why: "The 'Certificates and secrets management' activity is logged for removals too, and each removal alerted.",
      source: SP_CHANGES_SOURCE,
    },
    {
      change: "Credentials added by users are left to azt405-3-app-credential-added-by-user; this rule keeps those added by applications and service principals.",
      why: "Both rules alerted on the same row for the same reason (issue 14: no two rules on one row).",
      source: "azt405-3-app-credential-added-by-user (this catalogue)",
    },
    {
      change: "Also alerts when a federated identity credential is added to an application ('Update application' with FederatedIdentityCredentials).",
      why: "A federated credential lets anyone holding a token from the trusted issuer sign in as the app, with no secret to rotate and no expiry; the rule saw only secrets and certificates.",
      source: SP_CHANGES_SOURCE,
    },
  ],
};

// A user-assigned managed identity's federated credentials are an ARM child resource, written
// through the Activity Log, not Entra's audit log.

const MI_FIC_WRITE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write";
const MI_FIC = resourceId("rg-identity", "microsoft.managedidentity", "userAssignedIdentities/id-deploy/federatedIdentityCredentials/github-main");
const MI_FIC_SOURCE =
  "MicrosoftDocs/azure-docs:articles/role-based-access-control/permissions/identity.md (Microsoft.ManagedIdentity/userAssignedIdentities/" +
  "federatedIdentityCredentials/write: 'Add or update a Federated Identity Credential'); log-values.md 1.3, 1.5 (ARM writes are logged " +
  "Start then Success)";

const managedIdentityFederatedCredential: Detection = {
  key: "azt501-2-managed-identity-federated-credential",
  technique: "AZT501.2",
  tactic: "Persistence",
  name: "Federated identity credential added to a user-assigned managed identity",
  description:
    "A federated identity credential was added to or changed on a user-assigned managed identity " +
    "(Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write). Anyone holding a token from the trusted " +
    "issuer with the configured subject (a GitHub repository, a Kubernetes service account) can then sign in as the identity and use " +
    "its role assignments, with no secret and no expiry.",
  falsePositives: ["Workload identity federation set up for CI/CD or AKS workloads by platform teams (allowlist their pipeline identities)."],
  triage: [
    "Read the credential (az identity federated-credential show): issuer, subject and audience; is the issuer yours?",
    "List the identity's role assignments to size what the new trust can do.",
    "If unexpected: delete the federated credential and review AADManagedIdentitySignInLogs for the identity since the change.",
  ],
  references: [atrmPage("AZT501.2"), "https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust-user-assigned-managed-identity"],
  severity: 2,
  evaluationFrequency: "PT5M",
  windowSize: arrivalWindow("PT5M"),
  ...operationMatchParts([MI_FIC_WRITE], "add federated credentials to managed identities"),
  samples: {
    source: MI_FIC_SOURCE,
    fires: [
      { name: "federated credential written on a managed identity", rows: { AzureActivity: [activityRow(2, MI_FIC_WRITE, MI_FIC, { ActivitySubstatusValue: "Created" })] } },
      { name: "legacy lower-case operation with Succeeded", rows: { AzureActivity: [activityRow(2, MI_FIC_WRITE, MI_FIC, { OperationNameValue: MI_FIC_WRITE.toLowerCase(), ActivityStatusValue: "Succeeded" })] } },
    ],
    quiet: [
      { name: "federated credential deleted", rows: { AzureActivity: [activityRow(2, "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete", MI_FIC)] } },
      ...operationQuietCases(MI_FIC_WRITE, MI_FIC, 5),
    ],
  },
  revisions: [
    {
      change: "New detection.",
      why: "Federated credentials of user-assigned managed identities are written through ARM and were not watched (issue 14: federated identity credentials missed).",
      source: MI_FIC_SOURCE,
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// AZT501.3 Azure VM local administrator manipulation (VMAccess extension)

const EXTENSION_WRITES = [
  "Microsoft.Compute/virtualMachines/extensions/write",
  "Microsoft.Compute/virtualMachineScaleSets/extensions/write",
];
/** A scale set write carries the model's extensions (virtualMachineProfile.extensionProfile): the other way to add one. */
const SCALE_SET_MODEL_WRITE = "Microsoft.Compute/virtualMachineScaleSets/write";
const VMSS_ID = resourceId("rg-prod-app", "microsoft.compute", "virtualMachineScaleSets/vmss-web");
const SCALE_SET_MODEL_SOURCE =
  "Azure/azure-rest-api-specs:specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-07-01/virtualMachineScaleSet.json@b3120360 " +
  "(VirtualMachineScaleSetVMProfile.extensionProfile.extensions); Azure/azure-cli:src/command_modules/azure-cli-vm/azure/cli/command_modules/vm/" +
  "custom.py@b86023e9 (set_vmss_extension writes the scale set model)";
const VM_EXT = resourceId("rg-prod-app", "microsoft.compute", "virtualMachines/vm-web-01/extensions/enablevmaccess");
const WINDOWS_VMACCESS = {
  location: "westeurope",
  properties: {
    publisher: "Microsoft.Compute", type: "VMAccessAgent", typeHandlerVersion: "2.4", autoUpgradeMinorVersion: true,
    settings: { UserName: "localadmin" }, protectedSettings: {},
  },
};

/** A scale set PUT body whose model lists `extensions`. */
function scaleSetModel(extensions: { name: string; properties: unknown }[]) {
  return {
    location: "westeurope",
    sku: { name: "Standard_D2s_v5", tier: "Standard", capacity: 3 },
    properties: { upgradePolicy: { mode: "Automatic" }, virtualMachineProfile: { extensionProfile: { extensions } } },
  };
}

const vmAccess: Detection = {
  key: "azt501-3-vmaccess-reset",
  technique: "AZT501.3",
  tactic: "Persistence",
  name: "VM local administrator reset through the VMAccess extension",
  description:
    "The VMAccess extension (VMAccessAgent on Windows, VMAccessForLinux on Linux) was written to a VM or scale set. It is " +
    "what the portal's 'Reset password' blade, Set-AzVMAccessExtension and `az vm user update` use to reset or create a " +
    "local administrator or add an SSH key, giving the caller an interactive login on the machine that does not depend on " +
    "the directory. A scale set write whose model lists the extension adds it to every instance the same way.",
  falsePositives: [
    "Administrators recovering a VM whose local password was lost (allowlist break-glass operators).",
    "Any later full write of a scale set model that already lists VMAccess (a template redeploy) fires again.",
  ],
  triage: [
    "Read RequestBody: the publisher/type shows the extension, `settings.UserName` the Windows account touched (the password " +
      "and Linux settings are in protectedSettings, which Azure masks).",
    "Ask the caller whether the reset was planned; check whether the VM is reachable (public IP, Bastion, NSG rules for 3389/22).",
    "On the VM: review local accounts and the Administrators/sudo group, and logons (4624 type 10, sshd Accepted) after the reset.",
    "If unexpected: remove the account or key, rotate the local administrator (LAPS), and investigate the caller.",
  ],
  references: [
    atrmPage("AZT501.3"),
    "https://learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/reset-rdp",
    "https://learn.microsoft.com/azure/virtual-machines/extensions/vmaccess-linux",
  ],
  severity: 1,
  ...requestBodyParts([...EXTENSION_WRITES, SCALE_SET_MODEL_WRITE], "reset VM local administrators", [
    "// Publisher/type in the body; the portal names the extension enablevmaccess (name unverified for every client).",
    '| where RequestBody contains "VMAccess" or _ResourceId contains "vmaccess"',
    "// A scale set write counts when its model lists extensions.",
    `| where OperationNameValue !~ ${kql.str(SCALE_SET_MODEL_WRITE)} or RequestBody has "extensionProfile"`,
    "| extend PublicSettings = tostring(parse_json(RequestBody).properties.settings)",
  ], ["PublicSettings"], "PT5M"),
  revisions: [
    {
      change: "Also matches Start rows of Microsoft.Compute/virtualMachineScaleSets/write whose model (extensionProfile) lists VMAccess.",
      why: "An extension added through the scale set model (az vmss extension set, a template) logs a write of the scale set, not an extensions/write.",
      source: SCALE_SET_MODEL_SOURCE,
    },
  ],
  samples: {
    source: "log-values.md 1.2-1.3 (`MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE` Start row, Properties_d.requestbody); " +
      "Microsoft VMAccess docs (publisher Microsoft.Compute/VMAccessAgent, Microsoft.OSTCExtensions/VMAccessForLinux); ATRM AZT501.3; " +
      SCALE_SET_MODEL_SOURCE,
    fires: [
      {
        name: "Windows VMAccessAgent written",
        rows: { AzureActivity: [startRow(3, EXTENSION_WRITES[0], VM_EXT, WINDOWS_VMACCESS)] },
      },
      {
        name: "VMAccessAgent added through the scale set model (scale set write, no extensions/write)",
        rows: { AzureActivity: [startRow(3, SCALE_SET_MODEL_WRITE, VMSS_ID, scaleSetModel([{ name: "enablevmaccess", properties: WINDOWS_VMACCESS.properties }]))] },
      },
      {
        name: "Linux VMAccessForLinux under a custom extension name",
        rows: {
          AzureActivity: [startRow(2, EXTENSION_WRITES[0], VM_EXT.replace("enablevmaccess", "resetaccess"), {
            location: "westeurope",
            properties: { publisher: "Microsoft.OSTCExtensions", type: "VMAccessForLinux", typeHandlerVersion: "1.5", protectedSettings: {} },
          })],
        },
      },
    ],
    quiet: [
      {
        name: "custom script extension on the same VM",
        rows: {
          AzureActivity: [startRow(3, EXTENSION_WRITES[0], VM_EXT.replace("enablevmaccess", "customscript"), {
            location: "westeurope",
            properties: { publisher: "Microsoft.Compute", type: "CustomScriptExtension", typeHandlerVersion: "1.10", settings: {} },
          })],
        },
      },
      {
        name: "scale set write that only changes the capacity",
        rows: { AzureActivity: [startRow(3, SCALE_SET_MODEL_WRITE, VMSS_ID, { sku: { name: "Standard_D2s_v5", capacity: 5 } })] },
      },
      {
        name: "Success row of the reset (no request body; the Start row carries the alert)",
        rows: { AzureActivity: [activityRow(3, EXTENSION_WRITES[0], VM_EXT, { ActivitySubstatusValue: "Created" })] },
      },
      {
        name: "allowlisted break-glass operator",
        parameters: { allowedCallers: [ATTACKER] },
        rows: { AzureActivity: [startRow(3, EXTENSION_WRITES[0], VM_EXT, WINDOWS_VMACCESS)] },
      },
      {
        name: "reset outside the 5-minute window",
        rows: { AzureActivity: [startRow(8, EXTENSION_WRITES[0], VM_EXT, WINDOWS_VMACCESS)] },
      },
    ],
  },
};

export const technique: TechniqueModule = {
  detections: [withLateArrival(userManipulation), privilegedSelfRegistration, withLateArrival(spManipulation), managedIdentityFederatedCredential, vmAccess],
};
