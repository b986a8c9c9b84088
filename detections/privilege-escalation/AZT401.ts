// AZT401 Privileged Identity Management Role: an attacker who controls an account that is eligible
// for a privileged role activates it through PIM, or grants a role so that PIM's controls (approval,
// MFA, time limit) do not apply.
import * as kql from "../kql";
import type { Detection, Parameter, SampleRow, TechniqueModule } from "../model";
import { ATTACKER_IP, ATTACKER_UPN, appInitiator, auditRow, target, userInitiator } from "../impact/sampleRows";
import { minutesAgo } from "../model";
import { ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";
import { AUDIT_ACTOR, EXPAND_TARGET_PROPERTIES, RECORD_ARRIVAL, RECORD_OUTPUT, ROLE_NAME_AGGREGATES } from "./auditTargets";

const REFS = [
  "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT401/AZT401/",
  "https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-use-audit-log",
  "https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities",
];

/** Entra and Azure roles whose holder can take over the tenant or a subscription. */
const PRIVILEGED_ROLES: Parameter = {
  type: "stringList",
  description: "Role display names treated as privileged (Entra ID roles and Azure resource roles managed through PIM).",
  default: [
    "Global Administrator", "Privileged Role Administrator", "Privileged Authentication Administrator",
    "Application Administrator", "Cloud Application Administrator", "Security Administrator", "User Administrator",
    "Authentication Administrator", "Hybrid Identity Administrator", "Conditional Access Administrator",
    "Exchange Administrator", "SharePoint Administrator", "Intune Administrator", "Partner Tier2 Support",
    "Directory Synchronization Accounts", "Owner", "User Access Administrator", "Role Based Access Control Administrator",
    "Contributor",
  ],
};

// PIM activity names (log-values.md 2.2, [S15][S17]).
const ACTIVATION_COMPLETED = "Add member to role completed (PIM activation)";
const OUTSIDE_PIM = "Add member to role outside of PIM (permanent)";
const ELIGIBLE_PERMANENT = ["Add eligible member to role in PIM completed (permanent)", "Add eligible member to role in PIM requested (permanent)"];

/** The common tail: actor, targets, role name, privileged-role filter, projection. */
function roleQuery(head: string[], p: Record<string, unknown>, excludeActors?: string[]): string {
  return [
    ...head,
    AUDIT_ACTOR,
    EXPAND_TARGET_PROPERTIES,
    `| summarize TimeGenerated = min(TimeGenerated), ${RECORD_ARRIVAL}, ${ROLE_NAME_AGGREGATES} by Id, OperationName, Category, LoggedByService, Actor, ActorIp, CorrelationId`,
    "| extend RoleName = coalesce(RoleTarget, RoleProperty)",
    `| where RoleName in~ ${kql.strList(p.privilegedRoles as string[])}`,
  ].join("\n") +
    (excludeActors ? kql.excludeIn("Actor", excludeActors) : "") +
    `\n| project ${RECORD_OUTPUT}, Actor, ActorIp, TargetUser, RoleName, OperationName, Category, LoggedByService, CorrelationId`;
}

/**
 * Schedule, signal, telemetry and entities shared by the role detections: `filters` select the rows,
 * `allow` names the allowlist parameter. Each run reads the rows ingested since the previous run
 * (every `frequency`): AuditLogs rows land minutes after the event.
 */
function roleRule(filters: string[], allow: string, frequency: string): Pick<Detection, "signal" | "requires" | "entities" | "evaluationFrequency" | "windowSize" | "overrideQueryTimeRange"> {
  return {
    ...ingestionSchedule(frequency, frequency, "entraId"),
    signal: {
      kind: "query",
      query: (p) => roleQuery(["AuditLogs", ingestedSinceLastRun(frequency), ...filters, `| where Result =~ "success"`], p, p[allow] as string[]),
      trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "TargetUser", "RoleName"] },
    },
    requires: [{ source: "entraId", categories: ["AuditLogs"] }],
    entities: { account: "Actor", ip: "ActorIp", resource: "RoleName" },
  };
}

const ALLOWED_ASSIGNERS: Parameter = {
  type: "stringList",
  description: "Assigners (UPN or application display name) whose role assignments are expected.",
  default: [],
  allowlist: "callers",
};

// Sample rows ------------------------------------------------------------------------------------

/** A PIM audit row: the role is a TargetResources entry of type Role, the user one of type User. */
function pimRow(minutes: number, operation: string, role: string, over: Record<string, unknown> = {}): SampleRow {
  return auditRow(minutes, operation, {
    Category: "RoleManagement",
    LoggedByService: "PIM",
    AADOperationType: "CreateRequestActivation",
    TargetResources: [
      target("Role", role, [], { id: "62e90394-69f5-4237-9190-012177145e10" }),
      target("Request", "c1a3e5f7-0b2d-4f6a-8c0e-1a3c5e7f9b2d"),
      target("User", "Mallory", [], { userPrincipalName: ATTACKER_UPN }),
    ],
    ...over,
  });
}

/** A Core Directory "Add member to role" row: role name only in Role.DisplayName of the user target. */
function directAssignRow(minutes: number, role: string, over: Record<string, unknown> = {}): SampleRow {
  return auditRow(minutes, "Add member to role", {
    Category: "RoleManagement",
    AADOperationType: "Assign",
    Identity: "Mallory",
    TargetResources: [
      target("User", "Eve", [
        { displayName: "Role.ObjectID", newValue: "\"8f2a1c3e-5b7d-4e9f-a0c2-4e6a8c0e2b4d\"" },
        { displayName: "Role.DisplayName", newValue: `"${role}"` },
        { displayName: "Role.TemplateId", newValue: "\"62e90394-69f5-4237-9190-012177145e10\"" },
      ], { userPrincipalName: "eve@contoso.onmicrosoft.com" }),
    ],
    ...over,
  });
}

const activation: Detection = {
  key: "azt401-pim-privileged-activation",
  technique: "AZT401",
  tactic: "Privilege Escalation",
  name: "Privileged role activated through PIM",
  description:
    "A user completed a PIM activation of a privileged Entra ID or Azure resource role. An attacker holding an " +
    "eligible account activates the role to gain its rights for the activation period; the activation is the " +
    "moment the privilege becomes usable. Roles are matched by display name against privilegedRoles.",
  falsePositives: [
    "Administrators activating their role for planned work: add routine activators to allowedActivators, or narrow " +
      "privilegedRoles to the roles your organisation rarely activates.",
  ],
  triage: [
    "Ask the user, out of band, whether they activated the role; check the justification and ticket in the PIM request " +
      "('Add member to role requested (PIM activation)' row with the same CorrelationId).",
    "Check the sign-in that preceded the activation (SigninLogs for the user: IP, device, MFA method, risk).",
    "Review what the account did during the activation (AuditLogs initiated by it, AzureActivity with Caller = the UPN).",
    "If not the user: deactivate the assignment, revoke sessions, reset credentials and re-register MFA.",
  ],
  references: REFS,
  severity: 2,
  parameters: {
    privilegedRoles: PRIVILEGED_ROLES,
    allowedActivators: {
      type: "stringList",
      description: "UPNs whose activations are routine (as in InitiatedBy.user.userPrincipalName).",
      default: [],
      allowlist: "userPrincipalNames",
    },
  },
  ...roleRule([`| where LoggedByService =~ "PIM"`, `| where OperationName =~ ${kql.str(ACTIVATION_COMPLETED)}`], "allowedActivators", "PT15M"),
  samples: {
    source: "log-values.md 2.1 (row shape), 2.2 (PIM activity names, role in the Role target); Sentinel PIMElevationRequestRejected (Role/User targets)",
    fires: [
      { name: "Global Administrator activated", rows: { AuditLogs: [pimRow(5, ACTIVATION_COMPLETED, "Global Administrator")] } },
      {
        name: "activation row landed late: 40 minutes after the event, ingested 3 minutes ago",
        rows: { AuditLogs: [pimRow(40, ACTIVATION_COMPLETED, "Global Administrator", { _TimeReceived: minutesAgo(3) })] },
      },
    ],
    quiet: [
      { name: "activation only requested", rows: { AuditLogs: [pimRow(5, "Add member to role requested (PIM activation)", "Global Administrator")] } },
      { name: "non-privileged role activated", rows: { AuditLogs: [pimRow(5, ACTIVATION_COMPLETED, "Reports Reader")] } },
      { name: "activation failed", rows: { AuditLogs: [pimRow(5, ACTIVATION_COMPLETED, "Global Administrator", { Result: "failure" })] } },
      { name: "activation ingested before the previous run", rows: { AuditLogs: [pimRow(20, ACTIVATION_COMPLETED, "Global Administrator")] } },
      {
        name: "routine activator allowlisted",
        parameters: { allowedActivators: [ATTACKER_UPN] },
        rows: { AuditLogs: [pimRow(5, ACTIVATION_COMPLETED, "Global Administrator")] },
      },
    ],
  },
};

const outsidePim: Detection = {
  key: "azt401-role-assigned-outside-pim",
  technique: "AZT401",
  tactic: "Privilege Escalation",
  name: "Privileged role assigned permanently, bypassing PIM",
  description:
    "A privileged role was assigned as an active, permanent assignment outside PIM: PIM reports 'Add member to role " +
    "outside of PIM (permanent)', or Core Directory logs 'Add member to role' not initiated by the MS-PIM service. " +
    "Such an assignment skips PIM's approval, MFA and expiry, a common way to keep privilege after compromising a " +
    "Privileged Role Administrator.",
  falsePositives: [
    "Tenants that do not use PIM for every role, or provisioning automation that assigns roles directly " +
      "(add its UPN/app name to allowedAssigners).",
  ],
  triage: [
    "Identify who assigned which role to whom (Actor, TargetUser, RoleName) and whether a change request exists.",
    "Remove the permanent assignment if unplanned and convert to an eligible PIM assignment if the need is real.",
    "Review the assigner's sign-ins and recent AuditLogs; revoke its sessions if it was not them.",
  ],
  references: REFS,
  severity: 1,
  parameters: {
    privilegedRoles: PRIVILEGED_ROLES,
    allowedAssigners: ALLOWED_ASSIGNERS,
  },
  ...roleRule([
    `| where OperationName =~ ${kql.str(OUTSIDE_PIM)} or (OperationName =~ "Add member to role" and LoggedByService =~ "Core Directory" and Identity !in~ ("MS-PIM", "MS-PIM-Fairfax"))`,
  ], "allowedAssigners", "PT5M"),
  samples: {
    source: "log-values.md 2.2 ('Add member to role' with MS-PIM identity for PIM activations; 'outside of PIM (permanent)'; Role.DisplayName trimmed); Sentinel PrivlegedRoleAssignedOutsidePIM",
    fires: [
      { name: "direct Global Administrator assignment", rows: { AuditLogs: [directAssignRow(2, "Global Administrator")] } },
      { name: "PIM reports assignment outside PIM", rows: { AuditLogs: [pimRow(3, OUTSIDE_PIM, "Privileged Role Administrator")] } },
      {
        name: "assignment row landed late: 25 minutes after the event, ingested 2 minutes ago",
        rows: { AuditLogs: [directAssignRow(25, "Global Administrator", { _TimeReceived: minutesAgo(2) })] },
      },
    ],
    quiet: [
      {
        name: "Core Directory row written by a PIM activation (MS-PIM)",
        rows: { AuditLogs: [directAssignRow(2, "Global Administrator", { Identity: "MS-PIM", InitiatedBy: appInitiator("MS-PIM", "01fc33a7-78ba-4d2f-a4b7-768e336e890e", "3c1e5a7f-9b0d-4e2f-8a6c-0e2f4a6c8e0a") })] },
      },
      { name: "non-privileged role", rows: { AuditLogs: [directAssignRow(2, "Message Center Reader")] } },
      { name: "assignment failed", rows: { AuditLogs: [directAssignRow(2, "Global Administrator", { Result: "failure" })] } },
      { name: "assignment ingested before the previous run (already alerted)", rows: { AuditLogs: [directAssignRow(25, "Global Administrator", { _TimeReceived: minutesAgo(7) })] } },
      {
        name: "provisioning automation allowlisted",
        parameters: { allowedAssigners: [ATTACKER_UPN] },
        rows: { AuditLogs: [directAssignRow(2, "Global Administrator", { InitiatedBy: userInitiator(ATTACKER_UPN, ATTACKER_IP) })] },
      },
    ],
  },
};

const permanentEligible: Detection = {
  key: "azt401-pim-permanent-eligibility",
  technique: "AZT401",
  tactic: "Privilege Escalation",
  name: "Permanent PIM eligibility granted for a privileged role",
  description:
    "PIM recorded a permanent (non-expiring) eligible assignment to a privileged role. An attacker with role " +
    "management rights makes a controlled account permanently eligible so that it can activate the role at will " +
    "later, which survives the clean-up of active assignments.",
  falsePositives: ["Onboarding of a new administrator whose eligibility is meant to be permanent (should follow a change request)."],
  triage: [
    "Confirm the assignment with the role owner and the change request; check who requested and who approved it.",
    "Prefer time-bound eligibility; remove the assignment if it is not expected.",
    "Review the assigner's recent role-management activity in AuditLogs.",
  ],
  references: REFS,
  severity: 2,
  parameters: {
    privilegedRoles: PRIVILEGED_ROLES,
    allowedAssigners: ALLOWED_ASSIGNERS,
  },
  ...roleRule([`| where LoggedByService =~ "PIM"`, `| where OperationName in~ ${kql.strList(ELIGIBLE_PERMANENT)}`], "allowedAssigners", "PT15M"),
  samples: {
    source: "log-values.md 2.2 (eligible assignment names, PIM service); ATRM AZT401 Logs table",
    fires: [
      { name: "permanent eligibility for Privileged Role Administrator", rows: { AuditLogs: [pimRow(4, ELIGIBLE_PERMANENT[0], "Privileged Role Administrator")] } },
      {
        name: "eligibility row landed late: 50 minutes after the event, ingested 5 minutes ago",
        rows: { AuditLogs: [pimRow(50, ELIGIBLE_PERMANENT[0], "Privileged Role Administrator", { _TimeReceived: minutesAgo(5) })] },
      },
    ],
    quiet: [
      { name: "time-bound eligibility", rows: { AuditLogs: [pimRow(4, "Add eligible member to role in PIM completed (timebound)", "Privileged Role Administrator")] } },
      { name: "non-privileged role", rows: { AuditLogs: [pimRow(4, ELIGIBLE_PERMANENT[0], "Reports Reader")] } },
      { name: "ingested before the previous run", rows: { AuditLogs: [pimRow(25, ELIGIBLE_PERMANENT[0], "Privileged Role Administrator")] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [activation, outsidePim, permanentEligible] };
