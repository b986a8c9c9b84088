// KQL fragments over AuditLogs shared by the Entra ID detections of this folder (AZT401, AZT405).
// AuditLogs keeps the who in InitiatedBy (user or app) and the what in TargetResources, whose
// modifiedProperties values are JSON strings wrapped in quotes (log-values.md 2.1).
import * as kql from "../kql";
import { NEW_EVIDENCE, ingestedSinceLastRun } from "../patterns/arrival";

/** Actor and ActorIp for a user or an application initiator. */
export const AUDIT_ACTOR =
  "| extend Actor = coalesce(tostring(InitiatedBy.user.userPrincipalName), tostring(InitiatedBy.app.displayName), tostring(InitiatedBy.app.servicePrincipalId))," +
  " ActorIp = coalesce(tostring(InitiatedBy.user.ipAddress), tostring(InitiatedBy.app.ipAddress))";

/**
 * One row per target property (a target without modifiedProperties still yields one row with an
 * empty Prop), so a later summarize by Id can pick named targets and properties without mv-apply.
 * The record's arrival is taken first (Ingested), as mv-expand ends the rows' table context: the
 * summarize by Id carries it with RECORD_ARRIVAL, and the result outputs RECORD_OUTPUT.
 */
export const EXPAND_TARGET_PROPERTIES = [
  NEW_EVIDENCE.extend,
  "| mv-expand Target = TargetResources",
  "| extend TargetType = tostring(Target.type)",
  "| mv-expand Prop = iff(array_length(Target.modifiedProperties) > 0, Target.modifiedProperties, dynamic([{}]))",
  "| extend PropName = tostring(Prop.displayName), PropNew = trim(@'\"', tostring(Prop.newValue)), PropOld = trim(@'\"', tostring(Prop.oldValue))",
].join("\n");

/** The aggregate keeping one record's arrival through the summarize by Id (NEW_EVIDENCE's: max of one value). */
export const RECORD_ARRIVAL = NEW_EVIDENCE.aggregate;
/** The first output columns: the record's arrival as TimeGenerated, its event time (the summarised TimeGenerated) as EventTime. */
export const RECORD_OUTPUT = NEW_EVIDENCE.output("TimeGenerated");

/** The role name of a role-management row: the Role target (PIM rows) or Role.DisplayName (Core Directory rows). */
export const ROLE_NAME_AGGREGATES =
  "RoleTarget = take_anyif(tostring(Target.displayName), TargetType =~ \"Role\"), " +
  "RoleProperty = take_anyif(PropNew, PropName =~ \"Role.DisplayName\"), " +
  "TargetUser = take_anyif(coalesce(tostring(Target.userPrincipalName), tostring(Target.displayName)), TargetType in~ (\"User\", \"ServicePrincipal\", \"Group\"))";

/**
 * Successful AuditLogs rows ingested since the previous run (`frequency` ago), narrowed by `filters`
 * (KQL lines), with Actor and ActorIp, the `excludedActors` dropped, one row per target property.
 */
export function auditTargetRows(frequency: string, filters: string[], excludedActors: string[]): string {
  return ["AuditLogs", ingestedSinceLastRun(frequency), ...filters, `| where Result =~ "success"`, AUDIT_ACTOR].join("\n") +
    kql.excludeIn("Actor", excludedActors) + "\n" + EXPAND_TARGET_PROPERTIES;
}
