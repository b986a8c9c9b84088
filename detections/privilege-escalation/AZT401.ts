// AZT401 Privileged Identity Management Role: an attacker who controls an account that is eligible
// for a privileged role activates it through PIM, or grants a role so that PIM's controls (approval,
// MFA, time limit) do not apply.
import * as kql from "../kql";
import type { Detection, Parameter, SampleRow, TechniqueModule } from "../model";
import { ATTACKER_IP, ATTACKER_UPN, appInitiator, auditRow, target, userInitiator } from "../impact/sampleRows";
import { minutesAgo } from "../model";
import { ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";
import { AUDIT_ACTOR, EXPAND_TARGET_PROPERTIES, RECORD_ARRIVAL, RECORD_OUTPUT, ROLE_NAME_AGGREGATES, auditTargetRows } from "./auditTargets";

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
/** A permanent active assignment made in PIM: no activation, approval, MFA or expiry ever applies to it. */
const PIM_PERMANENT_ACTIVE = "Add member to role in PIM completed (permanent)";
const PIM_ACTIVITIES_SOURCE =
  "MicrosoftDocs/entra-docs:docs/identity/monitoring-health/reference-audit-activities.md@092dd5c1 (PIM: 'Add member to role in PIM " +
  "completed (permanent)' in RoleManagement, ResourceManagement and GroupManagement); Azure/Azure-Sentinel:Solutions/Microsoft Entra ID/" +
  "Analytic Rules/UserAssignedPrivilegedRole.yaml@043910d5 (every completed 'Add member to role' assignment, PIM rows included)";
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
  offByDefault: {
    reason:
      "Activating an eligible role is how PIM is meant to be used: every planned activation of a listed role alerts. The paths that " +
      "bypass PIM's controls stay on (azt401-role-assigned-outside-pim, azt401-pim-permanent-eligibility, azt401-privileged-group-membership).",
    expectedVolume:
      "One alert per completed activation of a role in privilegedRoles: about as many per day as your administrators activate roles " +
      "(ten administrators activating once a working day: about ten alerts a day). Narrow privilegedRoles to the roles activated rarely, " +
      "or allowlist routine activators (allowedActivators), when enabling it.",
  },
  revisions: [
    {
      change: "Ships off by default; enable it with overrides.azt401-pim-privileged-activation.enabled: true.",
      why:
        "Every routine activation alerted (issue 14: too noisy as a default). PIM records each activation as 'Add member to role completed " +
        "(PIM activation)', the normal use of an eligible assignment; the rules for assignments that skip activation stay on.",
      source: PIM_ACTIVITIES_SOURCE,
    },
  ],
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
  name: "Privileged role assigned as a permanent active assignment, outside PIM or in it",
  description:
    "A privileged role was assigned as an active, permanent assignment: outside PIM (PIM reports 'Add member to role " +
    "outside of PIM (permanent)', or Core Directory logs 'Add member to role' not initiated by the MS-PIM service), or in " +
    "PIM as a permanent active assignment ('Add member to role in PIM completed (permanent)', Entra or Azure resource roles). " +
    "Such an assignment skips PIM's activation, approval, MFA and expiry, a common way to keep privilege after compromising a " +
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
    // Group memberships granted in PIM are azt401-privileged-group-membership's.
    `    or (OperationName =~ ${kql.str(PIM_PERMANENT_ACTIVE)} and LoggedByService =~ "PIM" and Category !~ "GroupManagement")`,
  ], "allowedAssigners", "PT5M"),
  revisions: [
    {
      change: "Also matches 'Add member to role in PIM completed (permanent)' (a permanent active assignment made in PIM) for Entra and Azure resource roles.",
      why:
        "A permanent active assignment made through PIM never needs activation, approval or MFA and never expires, yet escaped all three " +
        "AZT401 rules: the activation rule saw no activation, this rule only assignments outside PIM, the eligibility rule only eligible ones.",
      source: PIM_ACTIVITIES_SOURCE,
    },
  ],
  samples: {
    source: "log-values.md 2.2 ('Add member to role' with MS-PIM identity for PIM activations; 'outside of PIM (permanent)'; Role.DisplayName trimmed); " +
      "Sentinel PrivlegedRoleAssignedOutsidePIM; " + PIM_ACTIVITIES_SOURCE,
    fires: [
      { name: "direct Global Administrator assignment", rows: { AuditLogs: [directAssignRow(2, "Global Administrator")] } },
      { name: "PIM reports assignment outside PIM", rows: { AuditLogs: [pimRow(3, OUTSIDE_PIM, "Privileged Role Administrator")] } },
      { name: "permanent active Global Administrator assignment made in PIM", rows: { AuditLogs: [pimRow(3, PIM_PERMANENT_ACTIVE, "Global Administrator", { AADOperationType: "Assign" })] } },
      {
        name: "permanent active Owner assignment on an Azure resource made in PIM",
        rows: { AuditLogs: [pimRow(3, PIM_PERMANENT_ACTIVE, "Owner", { Category: "ResourceManagement", AADOperationType: "Assign" })] },
      },
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
      { name: "permanent active assignment only requested in PIM", rows: { AuditLogs: [pimRow(3, "Add member to role in PIM requested (permanent)", "Global Administrator")] } },
      { name: "time-bound active assignment made in PIM (it expires)", rows: { AuditLogs: [pimRow(3, "Add member to role in PIM completed (timebound)", "Global Administrator")] } },
      {
        name: "permanent membership of a PIM-managed group (the group rule's row)",
        rows: { AuditLogs: [pimRow(3, PIM_PERMANENT_ACTIVE, "Global Administrator", { Category: "GroupManagement" })] },
      },
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
  ...roleRule([
    `| where LoggedByService =~ "PIM"`, `| where OperationName in~ ${kql.strList(ELIGIBLE_PERMANENT)}`,
    // Group memberships granted in PIM are azt401-privileged-group-membership's.
    `| where Category !~ "GroupManagement"`,
  ], "allowedAssigners", "PT15M"),
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
      {
        name: "permanent eligible membership of a PIM-managed group (the group rule's row), even with a role name listed",
        parameters: { privilegedRoles: ["Member"] },
        rows: { AuditLogs: [pimRow(4, ELIGIBLE_PERMANENT[0], "Member", { Category: "GroupManagement" })] },
      },
      { name: "ingested before the previous run", rows: { AuditLogs: [pimRow(25, ELIGIBLE_PERMANENT[0], "Privileged Role Administrator")] } },
    ],
  },
};


// ---------------------------------------------------------------------------------------------
// Membership of groups that hold privilege: a member of a role-assignable group holds the group's
// roles, so adding a member grants a role without any role-management activity.

/** PIM for Groups grants that need no activation or never expire (GroupManagement, PIM). */
const PIM_GROUP_PERMANENT = [PIM_PERMANENT_ACTIVE, ELIGIBLE_PERMANENT[0]];
const DIRECT_GROUP_GRANTS = ["Add member to group", "Add owner to group"];
const GROUP_ID = "3a7c1e5f-9b2d-4f6a-8c0e-1d3f5b7a9c2e";
const GROUP_NAME = "Tier0-Entra-Admins";
const GROUP_SOURCE =
  "MicrosoftDocs/entra-docs:docs/identity/monitoring-health/reference-audit-activities.md@092dd5c1 (Core Directory GroupManagement: " +
  "'Add member to group', 'Add owner to group'; PIM GroupManagement: 'Add member to role in PIM completed (permanent)', 'Add eligible " +
  "member to role in PIM completed (permanent)'); Azure/Azure-Sentinel:Solutions/Microsoft Entra ID/Analytic Rules/" +
  "GuestAccountsAddedinAADGroupsOtherThanTheOnesSpecified.yaml@24b26dca (the group in Group.ObjectID and Group.DisplayName of the " +
  "User target; PIM group row targets modelled on PIM role rows, unverified)";

function groupMemberRow(minutes: number, operation: string, over: Record<string, unknown> = {}, group = { id: GROUP_ID, name: GROUP_NAME }): SampleRow {
  return auditRow(minutes, operation, {
    Category: "GroupManagement",
    AADOperationType: operation.startsWith("Add owner") ? "Assign" : "Add",
    InitiatedBy: userInitiator(ATTACKER_UPN, ATTACKER_IP),
    TargetResources: [
      target("User", "Eve", [
        { displayName: "Group.ObjectID", newValue: `"${group.id}"` },
        { displayName: "Group.DisplayName", newValue: `"${group.name}"` },
      ], { userPrincipalName: "eve@contoso.onmicrosoft.com" }),
      target("Group", group.name, [], { id: group.id }),
    ],
    ...over,
  });
}

function pimGroupRow(minutes: number, operation: string, over: Record<string, unknown> = {}): SampleRow {
  return auditRow(minutes, operation, {
    Category: "GroupManagement",
    LoggedByService: "PIM",
    AADOperationType: "Assign",
    InitiatedBy: userInitiator(ATTACKER_UPN, ATTACKER_IP),
    TargetResources: [
      target("Role", "Member"),
      target("Group", GROUP_NAME, [], { id: GROUP_ID }),
      target("User", "Mallory", [], { userPrincipalName: ATTACKER_UPN }),
    ],
    ...over,
  });
}

const PRIVILEGED_GROUP_RUN = "PT15M";

function privilegedGroupQuery(p: Record<string, unknown>): string {
  const groups = p.privilegedGroups as string[];
  return [
    auditTargetRows(PRIVILEGED_GROUP_RUN, [
      `| where OperationName in~ ${kql.strList(DIRECT_GROUP_GRANTS)} or (LoggedByService =~ "PIM" and Category =~ "GroupManagement" and OperationName in~ ${kql.strList(PIM_GROUP_PERMANENT)})`,
    ], p.allowedAssigners as string[]),
    "| summarize TimeGenerated = min(TimeGenerated), GroupIdProperty = take_anyif(PropNew, PropName =~ \"Group.ObjectID\"), GroupIdTarget = take_anyif(tostring(Target.id), TargetType =~ \"Group\"),",
    "    GroupNameProperty = take_anyif(PropNew, PropName =~ \"Group.DisplayName\"), GroupNameTarget = take_anyif(tostring(Target.displayName), TargetType =~ \"Group\"),",
    "    Member = take_anyif(coalesce(tostring(Target.userPrincipalName), tostring(Target.displayName)), TargetType in~ (\"User\", \"ServicePrincipal\")),",
    `    ${RECORD_ARRIVAL} by Id, OperationName, Category, LoggedByService, Actor, ActorIp, CorrelationId`,
    "| extend GroupId = coalesce(GroupIdProperty, GroupIdTarget), GroupName = coalesce(GroupNameProperty, GroupNameTarget)",
    // A permanent grant made in PIM for Groups alerts for any group; a direct one for the listed groups.
    groups.length
      ? `| where LoggedByService =~ "PIM" or GroupId in~ ${kql.strList(groups)} or GroupName in~ ${kql.strList(groups)}`
      : `| where LoggedByService =~ "PIM"`,
    `| project ${RECORD_OUTPUT}, Actor, ActorIp, Member, GroupId, GroupName, OperationName, LoggedByService, CorrelationId`,
  ].join("\n");
}

const privilegedGroupMembership: Detection = {
  key: "azt401-privileged-group-membership",
  technique: "AZT401",
  tactic: "Privilege Escalation",
  name: "Member or owner added to a privileged group, or permanent membership granted through PIM for Groups",
  description:
    "A member or owner was added to a group listed in privilegedGroups (role-assignable groups and groups holding Azure roles: a member " +
    "holds every role of the group, with no role-management activity logged), or PIM for Groups granted a permanent active or permanent " +
    "eligible membership or ownership of any group. Group membership is how a Privileged Role Administrator, a group owner or an attacker " +
    "holding one grants a role without touching role assignments. Direct membership of a group is seen only when the group is listed: the " +
    "audit row does not say whether a group holds a role.",
  falsePositives: [
    "Onboarding of a new administrator into a Tier 0 group (should follow a change request; allowlist identity-governance automation in allowedAssigners).",
    "Access packages or lifecycle workflows that manage the listed groups (allowlist their service principals).",
  ],
  triage: [
    "Identify who added whom to which group (Actor, Member, GroupName / GroupId) and the roles the group holds (Entra roles and Azure role assignments).",
    "Confirm with the group owner and the change request; remove the membership if unplanned.",
    "Review the assigner's sign-ins and recent AuditLogs; revoke its sessions if it was not them.",
  ],
  references: [...REFS, "https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept"],
  severity: 1,
  parameters: {
    privilegedGroups: {
      type: "stringList",
      description:
        "Object ids (preferred: names are not unique) or display names of groups that hold privilege: role-assignable groups and groups " +
        "with Owner, Contributor or User Access Administrator on Azure scopes. Direct membership changes of other groups are not alerted; " +
        "empty by default, so until it is set only permanent grants made through PIM for Groups alert.",
      default: [],
    },
    allowedAssigners: ALLOWED_ASSIGNERS,
  },
  ...ingestionSchedule(PRIVILEGED_GROUP_RUN, PRIVILEGED_GROUP_RUN, "entraId"),
  signal: {
    kind: "query",
    query: privilegedGroupQuery,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "Member", "GroupId"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIp", resource: "GroupName" },
  revisions: [
    {
      change:
        "New detection. As shipped it sees only permanent grants made through PIM for Groups: a member or owner added directly to a " +
        "role-assignable group (or a group holding Azure roles) alerts only for the groups listed in privilegedGroups, which is empty by " +
        "default and is not filled from Entra ID at deploy time. List your privileged groups (object ids) to close that gap.",
      why:
        "A permanent membership granted through PIM for Groups, and membership of a role-assignable group, escaped all three AZT401 rules " +
        "(issue 14): a member holds every role of the group with no role-management activity logged. The audit row of a direct add does not " +
        "say whether the group holds a role, so only a list can tell a privileged group from any other.",
      source: GROUP_SOURCE,
    },
  ],
  samples: {
    source: "log-values.md 2.1 (row shape, lower-case Result, quoted modifiedProperties values); " + GROUP_SOURCE,
    fires: [
      { name: "member added directly to a listed role-assignable group (by object id)", parameters: { privilegedGroups: [GROUP_ID] }, rows: { AuditLogs: [groupMemberRow(4, "Add member to group")] } },
      { name: "owner added to a listed group (by display name)", parameters: { privilegedGroups: [GROUP_NAME.toLowerCase()] }, rows: { AuditLogs: [groupMemberRow(4, "Add owner to group")] } },
      { name: "permanent active membership granted through PIM for Groups (no list needed)", rows: { AuditLogs: [pimGroupRow(4, PIM_PERMANENT_ACTIVE)] } },
      { name: "permanent eligible membership granted through PIM for Groups", rows: { AuditLogs: [pimGroupRow(4, ELIGIBLE_PERMANENT[0])] } },
      {
        name: "late row: added 40 minutes ago, ingested 3 minutes ago",
        parameters: { privilegedGroups: [GROUP_ID] },
        rows: { AuditLogs: [groupMemberRow(40, "Add member to group", { _TimeReceived: minutesAgo(3) })] },
      },
    ],
    quiet: [
      { name: "member added to a group that is not listed", parameters: { privilegedGroups: [GROUP_ID] }, rows: { AuditLogs: [groupMemberRow(4, "Add member to group", {}, { id: "6d8f0b2c-4e6a-4c8e-9a1b-3c5e7f9b1d3e", name: "Marketing" })] } },
      { name: "direct membership with no group listed", rows: { AuditLogs: [groupMemberRow(4, "Add member to group")] } },
      { name: "time-bound membership granted through PIM for Groups (it expires)", rows: { AuditLogs: [pimGroupRow(4, "Add member to role in PIM completed (timebound)")] } },
      { name: "PIM for Groups request not completed", rows: { AuditLogs: [pimGroupRow(4, "Add member to role in PIM requested (permanent)")] } },
      { name: "member removed from a listed group", parameters: { privilegedGroups: [GROUP_ID] }, rows: { AuditLogs: [groupMemberRow(4, "Remove member from group")] } },
      { name: "addition failed", parameters: { privilegedGroups: [GROUP_ID] }, rows: { AuditLogs: [groupMemberRow(4, "Add member to group", { Result: "failure" })] } },
      { name: "ingested before the previous run", parameters: { privilegedGroups: [GROUP_ID] }, rows: { AuditLogs: [groupMemberRow(25, "Add member to group")] } },
      {
        name: "identity-governance automation allowlisted",
        parameters: { privilegedGroups: [GROUP_ID], allowedAssigners: [ATTACKER_UPN] },
        rows: { AuditLogs: [groupMemberRow(4, "Add member to group")] },
      },
    ],
  },
};

export const technique: TechniqueModule = { detections: [activation, outsidePim, permanentEligible, privilegedGroupMembership] };
