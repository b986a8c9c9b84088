// AZT402 Elevated Access Toggle: a Global Administrator grants themself User Access Administrator
// at root scope ("/"), which controls every subscription and management group of the tenant.
import * as kql from "../kql";
import type { Detection, TechniqueModule } from "../model";
import { ARRIVAL_PROJECTION, ingestedSinceLastRun, ingestionSchedule, withLateArrival } from "../patterns/arrival";
import { ATTACKER_IP, ATTACKER_UPN, auditRow, userInitiator } from "../impact/sampleRows";

// log-values.md 2.2: the event is in AuditLogs, not in subscription AzureActivity (it is tenant-level
// "Directory Activity" there). ATRM's "Assigns the caller to User Access Administrator role" is the
// Activity Log display name and never appears in AuditLogs.
const ELEVATE = "User has elevated their access to User Access Administrator for their Azure Resources";
const ELEVATE_CATEGORY = "AzureRBACRoleManagementElevateAccess";

function elevateRow(minutes: number, over: Record<string, unknown> = {}) {
  return auditRow(minutes, ELEVATE, {
    Category: ELEVATE_CATEGORY,
    LoggedByService: "Azure RBAC (Elevated Access)",
    AADOperationType: "Assign",
    TargetResources: [],
    ...over,
  });
}

const elevateAccess: Detection = {
  key: "azt402-elevate-access",
  technique: "AZT402",
  tactic: "Privilege Escalation",
  name: "Global Administrator elevated access to User Access Administrator at root scope",
  description:
    "A Global Administrator used the 'Access management for Azure resources' toggle " +
    "(Microsoft.Authorization/elevateAccess/action), which assigns them User Access Administrator at the root " +
    "scope '/'. From there they can grant themselves Owner on every subscription and management group. Entra ID " +
    "records it in AuditLogs (category AzureRBACRoleManagementElevateAccess, service 'Azure RBAC (Elevated Access)'); " +
    "subscription Activity Logs do not contain it.",
  falsePositives: [
    "Break-glass procedures or a planned recovery of a subscription whose owners were lost (should be rare and ticketed).",
  ],
  triage: [
    "Confirm with the named administrator, out of band, that they toggled elevated access and why.",
    "List role assignments at scope '/' (az role assignment list --scope / --include-inherited) and any new Owner/User Access " +
      "Administrator assignments made by the same account in AzureActivity since the elevation.",
    "Remove the root assignment once the task is done (the toggle off logs 'The role assignment of User Access Administrator " +
      "has been removed from the user').",
    "If unplanned: revoke the account's sessions, reset its credentials, review its sign-ins (SigninLogs) around the elevation.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT402/AZT402/",
    "https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin",
  ],
  severity: 0,
  // Every 5 minutes over the audit rows ingested since the previous run (Entra ID lag: patterns/arrival.ts).
  ...ingestionSchedule("PT5M", "PT5M", "entraId"),
  parameters: {
    allowedAdmins: {
      type: "stringList",
      description:
        "UPNs expected to elevate (break-glass accounts used in a documented procedure). Not drawn from the global " +
        "allowlist on purpose: elevation by an otherwise trusted admin still deserves an alert.",
      default: [],
    },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "AuditLogs",
        ingestedSinceLastRun("PT5M"),
        `| where OperationName has "elevated their access" and OperationName has "User Access Administrator"`,
        `| where Result =~ "success"`,
        "| extend Actor = tostring(InitiatedBy.user.userPrincipalName), ActorIp = tostring(InitiatedBy.user.ipAddress)",
      ].join("\n") +
      kql.excludeIn("Actor", p.allowedAdmins as string[]) +
      `\n| project ${ARRIVAL_PROJECTION}, Actor, ActorIp, OperationName, Category, LoggedByService, CorrelationId`,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Actor", "ActorIp"] },
  },
  requires: [{ source: "entraId", categories: ["AuditLogs"] }],
  entities: { account: "Actor", ip: "ActorIp" },
  samples: {
    source: `log-values.md 2.2 (elevate access: OperationName, Category ${ELEVATE_CATEGORY}, LoggedByService); 2.1 (row shape, Result lower case)`,
    fires: [{ name: "global admin elevated access", rows: { AuditLogs: [elevateRow(3)] } }],
    quiet: [
      {
        name: "elevation removed (toggle off)",
        rows: { AuditLogs: [elevateRow(3, { OperationName: "The role assignment of User Access Administrator has been removed from the user", ActivityDisplayName: "The role assignment of User Access Administrator has been removed from the user" })] },
      },
      { name: "elevation failed", rows: { AuditLogs: [elevateRow(3, { Result: "failure" })] } },
      { name: "elevation outside the 5-minute window", rows: { AuditLogs: [elevateRow(12)] } },
      {
        name: "documented break-glass account",
        parameters: { allowedAdmins: [ATTACKER_UPN] },
        rows: { AuditLogs: [elevateRow(3, { InitiatedBy: userInitiator(ATTACKER_UPN, ATTACKER_IP) })] },
      },
    ],
  },
};

export const technique: TechniqueModule = { detections: [withLateArrival(elevateAccess)] };
