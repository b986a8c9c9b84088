// The policy scale path: Azure's built-in DeployIfNotExists policies assigned at a subscription
// (telemetry.policy at the deploying or each listed subscription) or at a management group (stack
// config `managementGroup`: the Activity Log policy always, the initiatives with telemetry.policy),
// so resources, VMs and subscriptions created after `pulumi up` get their settings too. Each
// assignment has a system-assigned identity, the roles its members list (and Log Analytics
// Contributor on the workspace, which may sit outside the assigned scope), and, at a management
// group, a remediation task per member the stack relies on, for what existed before the assignment. Assignments only deploy
// settings: the effect is always DeployIfNotExists, never Deny (azure/telemetry-policies.ts).
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as policyinsights from "@pulumi/azure-native/policyinsights";
import type { Os } from "../planning/telemetry";
import { ACTIVITY_LOG_POLICY, AGENT_INITIATIVES, RESOURCE_LOGS_INITIATIVE, WORKSPACE_ROLE, type BuiltInPolicy } from "../azure/telemetry-policies";
import { childNamer, stackNames, type ComponentNaming } from "./names";

/** Where the assignments go. */
export type PolicyScope =
  | { kind: "subscription"; subscriptionId: pulumi.Input<string> }
  | { kind: "managementGroup"; managementGroupId: string };

export interface TelemetryPolicyArgs extends ComponentNaming {
  location: string;
  /** The subscription to assign at (the deploying one), when `scope` is not given. */
  subscriptionId?: pulumi.Input<string>;
  /** Where to assign (default: the subscription `subscriptionId`). */
  scope?: PolicyScope;
  workspaceId: pulumi.Input<string>;
  /** Assign the Activity Log policy (a management group's subscriptions). */
  activityLog?: boolean;
  resourceLogs: boolean;
  /** DCR per OS whose agent initiative is assigned. */
  dataCollectionRuleIds: Partial<Record<Os, pulumi.Input<string>>>;
  /** Part of the remediation tasks' names: a new value starts new tasks (default 1). */
  remediationRound?: number;
}

export class TelemetryPolicy extends pulumi.ComponentResource {
  public readonly assignmentIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TelemetryPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryPolicy", name, {}, opts);
    const names = stackNames(args.stack);
    const target: PolicyScope = args.scope ?? { kind: "subscription", subscriptionId: args.subscriptionId ?? "" };
    const atGroup = target.kind === "managementGroup";
    // The key Azure names beyond the resource group carry: the subscription, or the group.
    const scopeKey: pulumi.Output<string> = atGroup ? pulumi.output(`mg:${target.managementGroupId.toLowerCase()}`) : pulumi.output(target.subscriptionId);
    const scope = atGroup ? `/providers/Microsoft.Management/managementGroups/${target.managementGroupId}` : pulumi.interpolate`/subscriptions/${target.subscriptionId}`;
    const roleDefinition = (role: string) => atGroup
      ? `/providers/Microsoft.Authorization/roleDefinitions/${role}`
      : pulumi.interpolate`/subscriptions/${target.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
    const child = childNamer(args.childNamePrefix ?? `${name}-`);
    const round = args.remediationRound ?? 1;
    const ids: Record<string, pulumi.Output<string>> = {};

    const assign = (what: string, policy: BuiltInPolicy, value: pulumi.Input<string>) => {
      const assignment = new authorization.PolicyAssignment(child(`policy-${what}`), {
        // Fitted to Azure's rules: 24 characters at a management group, 64 at a subscription, 128 for the display name.
        policyAssignmentName: atGroup ? names.managementGroupPolicyAssignment(target.managementGroupId, what) : scopeKey.apply((sub) => names.policyAssignment(sub, what)),
        displayName: names.policyAssignmentDisplayName(policy.displayName),
        scope,
        policyDefinitionId: policy.id,
        identity: { type: "SystemAssigned" },
        location: args.location,
        // Default enforcement; the only effect the stack sets is DeployIfNotExists.
        parameters: {
          [policy.parameter]: { value },
          [policy.effect.parameter]: { value: policy.effect.value },
          ...Object.fromEntries(Object.entries(policy.fixedParameters ?? {}).map(([k, v]) => [k, { value: v }])),
        },
      }, { parent: this });
      const principalId = assignment.identity.apply((i) => i?.principalId ?? "");
      const roles = policy.roles.map((role) => new authorization.RoleAssignment(child(`policy-${what}-${role.name.toLowerCase().replace(/ /g, "-")}`), {
        roleAssignmentName: scopeKey.apply((key) => names.roleAssignment(key, what, role.id)),
        scope,
        principalId,
        principalType: "ServicePrincipal",
        roleDefinitionId: roleDefinition(role.id),
        description: `azdetect ${args.stack}: ${role.name} for the DeployIfNotExists policy ${what}`,
      }, { parent: this }));
      // The workspace may sit outside the assigned scope (the definitions say to grant this by hand).
      if (args.scope && policy.parameter === "logAnalytics") {
        roles.push(new authorization.RoleAssignment(child(`policy-${what}-workspace`), {
          roleAssignmentName: scopeKey.apply((key) => names.roleAssignment(key, `${what}-workspace`, WORKSPACE_ROLE.id)),
          scope: args.workspaceId,
          principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: pulumi.output(args.workspaceId).apply((ws) => `/subscriptions/${ws.split("/")[2]}/providers/Microsoft.Authorization/roleDefinitions/${WORKSPACE_ROLE.id}`),
          description: `azdetect ${args.stack}: ${WORKSPACE_ROLE.name} on the workspace for the DeployIfNotExists policy ${what}`,
        }, { parent: this }));
      }
      // What existed before the assignment is only fixed by a remediation task. At a management
      // group (every subscription under it) the stack creates them; Azure cannot re-evaluate
      // compliance first there, so a task created with the assignment finds nothing until the first
      // compliance scan, and a new remediationRound starts new ones. At the deploying subscription
      // the tasks are left to the user (docs/telemetry.md): one more step after the assignment and
      // its roles would lengthen the stack's longest creation chain past its budget (README).
      for (const member of atGroup ? policy.remediate : []) {
        const remediationName = names.remediation((target as { managementGroupId: string }).managementGroupId, what, member.referenceId ? member.what : "", round);
        const common = { policyAssignmentId: assignment.id, remediationName, ...(member.referenceId ? { policyDefinitionReferenceId: member.referenceId } : {}) };
        const local = child(`remediation-${what}${member.referenceId ? `-${member.what}` : ""}`);
        new policyinsights.RemediationAtManagementGroup(local, {
          ...common, managementGroupId: (target as { managementGroupId: string }).managementGroupId, managementGroupsNamespace: "Microsoft.Management", resourceDiscoveryMode: "ExistingNonCompliant",
        }, { parent: this, dependsOn: roles });
      }
      ids[what] = assignment.id;
    };

    if (args.activityLog) assign("activity-log", ACTIVITY_LOG_POLICY, args.workspaceId);
    if (args.resourceLogs) assign("resource-logs", RESOURCE_LOGS_INITIATIVE, args.workspaceId);
    for (const os of ["windows", "linux"] as const) {
      const dcr = args.dataCollectionRuleIds[os];
      if (dcr) assign(`agent-${os}`, AGENT_INITIATIVES[os], dcr);
    }
    this.assignmentIds = pulumi.output(ids);
    this.registerOutputs({ assignmentIds: this.assignmentIds });
  }
}
