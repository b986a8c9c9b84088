// AZT502 Account Creation: new identities in the tenant (members, applications/service principals, guests).
import type { Detection, TechniqueModule } from "../model";
import { withLateArrival } from "../patterns/arrival";
import {
  AUDIT_SCHEDULE, ADMIN, atrmPage, ATTACKER, AUDIT_ENTITIES, AUDIT_TRIGGER, ENTRA_AUDIT, auditActivityQuery, auditRow, byApp, byUser,
  initiatorAllowlists,
} from "./shared";

const AUDIT_DOCS = "https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities";

// ---------------------------------------------------------------------------------------------
// AZT502.1 User account creation

const newMember = (upn: string) => [{ type: "User", userPrincipalName: upn, displayName: null }];

const userCreated: Detection = {
  key: "azt502-1-user-created",
  technique: "AZT502.1",
  tactic: "Persistence",
  name: "Member user created in Entra ID",
  description:
    "A new user account (not a B2B guest) was created by an identity outside the expected administrators and provisioning " +
    "tools. An attacker with User Administrator or a Graph app with User.ReadWrite.All creates a quiet account that outlives " +
    "the compromised credential it was made with.",
  falsePositives: [
    "Joiner processes: HR provisioning apps, Entra Connect sync accounts (Sync_<server>_<id>@<tenant>.onmicrosoft.com) and " +
      "identity administrators (allowlist their UPNs and app ids).",
  ],
  triage: [
    "Check the new account against an HR/ticket record; a name that imitates a service or admin account is a red flag.",
    "Review what the account received next: role assignments, group memberships, MFA registration, sign-ins (SigninLogs).",
    "If unexpected: disable the account, revoke its sessions, and investigate the initiator.",
  ],
  references: [atrmPage("AZT502.1"), AUDIT_DOCS],
  severity: 3,
  ...AUDIT_SCHEDULE,
  parameters: initiatorAllowlists("create users (HR provisioning, sync accounts, identity admins)"),
  signal: {
    kind: "query",
    // Guest accounts (#EXT# in the UPN) are the subject of azt502-3-guest-invited.
    query: auditActivityQuery(["Add user"], ['| where tostring(TargetResources[0].userPrincipalName) !contains "#EXT#"']),
    trigger: AUDIT_TRIGGER,
  },
  requires: [ENTRA_AUDIT],
  entities: AUDIT_ENTITIES,
  samples: {
    source: "log-values.md 2.1 (row shape), 2.2 (`Add user`, UserManagement, Core Directory); ATRM AZT502.1",
    fires: [
      {
        name: "attacker creates a look-alike admin account",
        rows: { AuditLogs: [auditRow(4, "Add user", "UserManagement", byUser(ATTACKER), newMember("svc-backup-admin@contoso.onmicrosoft.com"))] },
      },
    ],
    quiet: [
      {
        name: "guest user object created by an invitation",
        rows: { AuditLogs: [auditRow(4, "Add user", "UserManagement", byUser(ATTACKER), newMember("eve_evil.example#EXT#@contoso.onmicrosoft.com"))] },
      },
      {
        name: "allowlisted HR provisioning app",
        parameters: { allowedInitiatorAppIds: ["5e2a9c4f-1b3d-4f7a-8c6e-0a2b4d6f8e1c"] },
        rows: { AuditLogs: [auditRow(4, "Add user", "UserManagement", byApp("Workday to Entra provisioning", "5e2a9c4f-1b3d-4f7a-8c6e-0a2b4d6f8e1c"), newMember("new.hire@contoso.onmicrosoft.com"))] },
      },
      {
        name: "user updated, not created",
        rows: { AuditLogs: [auditRow(4, "Update user", "UserManagement", byUser(ATTACKER), newMember("svc-backup-admin@contoso.onmicrosoft.com"))] },
      },
      {
        name: "creation failed",
        rows: { AuditLogs: [auditRow(4, "Add user", "UserManagement", byUser(ATTACKER), newMember("svc-backup-admin@contoso.onmicrosoft.com"), { Result: "failure" })] },
      },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT502.2 Service principal creation

const spCreated: Detection = {
  key: "azt502-2-app-or-sp-created",
  technique: "AZT502.2",
  tactic: "Persistence",
  name: "Application or service principal created",
  description:
    "An application registration or a service principal was created by an identity outside the expected administrators and " +
    "deployment pipelines. A new app with a secret is a non-interactive identity no user will ever notice; granted roles or " +
    "Graph permissions, it is a durable backdoor.",
  falsePositives: [
    "Developers registering apps where app registration is open to users (consider restricting it).",
    "Admin consent to a multi-tenant SaaS app creates its service principal (the initiator is the consenting admin).",
    "Infrastructure-as-code pipelines creating app registrations (allowlist their app ids).",
  ],
  triage: [
    "Identify the app (Target) and its owner; check whether a credential was added right after (azt501-2) and what it was " +
      "granted (app role assignments, Azure role assignments).",
    "Check AADServicePrincipalSignInLogs for the new app id.",
    "If unexpected: delete or disable the service principal, and investigate the initiator.",
  ],
  references: [atrmPage("AZT502.2"), AUDIT_DOCS],
  severity: 3,
  ...AUDIT_SCHEDULE,
  parameters: initiatorAllowlists("register applications and create service principals"),
  signal: { kind: "query", query: auditActivityQuery(["Add application", "Add service principal"]), trigger: AUDIT_TRIGGER },
  requires: [ENTRA_AUDIT],
  entities: AUDIT_ENTITIES,
  samples: {
    source: "log-values.md 2.1, 2.2 (`Add application`, `Add service principal`, ApplicationManagement); ATRM AZT502.2",
    fires: [
      {
        name: "app registration by a compromised user",
        rows: { AuditLogs: [auditRow(3, "Add application", "ApplicationManagement", byUser(ATTACKER), [{ type: "Application", displayName: "Office365 Sync Helper" }])] },
      },
      {
        name: "service principal created by an app",
        rows: { AuditLogs: [auditRow(3, "Add service principal", "ApplicationManagement", byApp("backdoor-app", "3c1f8e2a-5b7d-4a69-8e0c-2d4f6a8b0c1e"), [{ type: "ServicePrincipal", displayName: "Office365 Sync Helper" }])] },
      },
    ],
    quiet: [
      {
        name: "allowlisted platform administrator",
        parameters: { allowedInitiatorUpns: [ADMIN] },
        rows: { AuditLogs: [auditRow(3, "Add application", "ApplicationManagement", byUser(ADMIN), [{ type: "Application", displayName: "billing-api" }])] },
      },
      {
        name: "application deleted",
        rows: { AuditLogs: [auditRow(3, "Delete application", "ApplicationManagement", byUser(ATTACKER), [{ type: "Application", displayName: "billing-api" }])] },
      },
      {
        name: "created before the previous run and its 2-minute overlap",
        rows: { AuditLogs: [auditRow(18, "Add application", "ApplicationManagement", byUser(ATTACKER), [{ type: "Application", displayName: "Office365 Sync Helper" }])] },
      },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT502.3 Guest account creation

const guestInvited: Detection = {
  key: "azt502-3-guest-invited",
  technique: "AZT502.3",
  tactic: "Persistence",
  name: "External (B2B guest) user invited",
  description:
    "An external user was invited into the tenant by an identity outside the expected inviters. A guest account that the " +
    "attacker controls from their own tenant or a consumer mailbox survives password resets of the compromised account, " +
    "and guests can be granted Azure roles like any member.",
  falsePositives: [
    "Collaboration invites by employees where guest invitations are open to all users (restrict inviters, or allowlist the " +
      "expected inviters and entitlement-management app).",
  ],
  triage: [
    "Look at the invited address (Target): consumer mail domains and look-alike partner domains deserve a call to the inviter.",
    "Check whether the invite was redeemed (`Redeem external user invite`) and what the guest received (groups, roles, apps).",
    "If unexpected: delete the guest user and investigate the inviter.",
  ],
  references: [atrmPage("AZT502.3"), AUDIT_DOCS, "https://learn.microsoft.com/entra/external-id/auditing-and-reporting"],
  severity: 3,
  ...AUDIT_SCHEDULE,
  parameters: initiatorAllowlists("invite external users"),
  signal: {
    kind: "query",
    // ATRM's "Invited Users" is the LoggedByService value, not the activity name (log-values.md 2.2).
    query: auditActivityQuery(["Invite external user"]),
    trigger: AUDIT_TRIGGER,
  },
  requires: [ENTRA_AUDIT],
  entities: AUDIT_ENTITIES,
  samples: {
    source: "log-values.md 2.2 (`Invite external user`, UserManagement, LoggedByService `Invited Users`); ATRM AZT502.3",
    fires: [
      {
        name: "consumer mailbox invited",
        rows: {
          AuditLogs: [auditRow(5, "Invite external user", "UserManagement", byUser(ATTACKER),
            [{ type: "User", userPrincipalName: "eve.attacker@outlook.com", displayName: "Eve" }],
            { LoggedByService: "Invited Users", AADOperationType: "Add" })],
        },
      },
    ],
    quiet: [
      {
        name: "invite redeemed (the invite itself is what alerts)",
        rows: {
          AuditLogs: [auditRow(5, "Redeem external user invite", "UserManagement", byUser("eve.attacker@outlook.com"),
            [{ type: "User", userPrincipalName: "eve.attacker_outlook.com#EXT#@contoso.onmicrosoft.com" }], { LoggedByService: "Invited Users" })],
        },
      },
      {
        name: "allowlisted partner manager",
        parameters: { allowedInitiatorUpns: [ADMIN] },
        rows: {
          AuditLogs: [auditRow(5, "Invite external user", "UserManagement", byUser(ADMIN),
            [{ type: "User", userPrincipalName: "consultant@fabrikam.com" }], { LoggedByService: "Invited Users" })],
        },
      },
      {
        name: "invite failed",
        rows: {
          AuditLogs: [auditRow(5, "Invite external user", "UserManagement", byUser(ATTACKER),
            [{ type: "User", userPrincipalName: "eve.attacker@outlook.com" }], { LoggedByService: "Invited Users", Result: "failure" })],
        },
      },
    ],
  },
};

export const technique: TechniqueModule = { detections: [userCreated, spCreated, guestInvited].map((d) => withLateArrival(d)) };
