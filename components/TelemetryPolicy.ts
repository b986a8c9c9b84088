// Optional scale path: Azure's built-in DeployIfNotExists initiatives at subscription scope, so
// resources and VMs created after `pulumi up` get their diagnostic setting / agent + association
// too. Each assignment has a system-assigned identity and the roles its member policies list.
// DeployIfNotExists acts on resources created or updated after assignment; existing ones need a
// remediation task (not created here, see docs/telemetry.md).
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type { Os } from "../planning/telemetry";
import { AGENT_INITIATIVES, RESOURCE_LOGS_INITIATIVE, type BuiltInPolicy } from "../azure/telemetry-policies";
import { stableGuid } from "./telemetryNames";
import { childNamer, type ComponentNaming } from "./names";

export interface TelemetryPolicyArgs extends ComponentNaming {
  location: string;
  subscriptionId: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  resourceLogs: boolean;
  /** DCR per OS whose agent initiative is assigned. */
  dataCollectionRuleIds: Partial<Record<Os, pulumi.Input<string>>>;
}

export class TelemetryPolicy extends pulumi.ComponentResource {
  public readonly assignmentIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TelemetryPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryPolicy", name, {}, opts);
    const scope = pulumi.interpolate`/subscriptions/${args.subscriptionId}`;
    const child = childNamer(args.childNamePrefix ?? `${name}-`);
    const ids: Record<string, pulumi.Output<string>> = {};

    const assign = (what: string, initiative: BuiltInPolicy, value: pulumi.Input<string>) => {
      const assignment = new authorization.PolicyAssignment(child(`policy-${what}`), {
        // At most 64 characters at subscription scope.
        policyAssignmentName: `azdetect-${args.stack}-${what}`.slice(0, 64),
        displayName: `[azdetect ${args.stack}] ${initiative.displayName}`,
        scope,
        policyDefinitionId: initiative.id,
        identity: { type: "SystemAssigned" },
        location: args.location,
        parameters: { [initiative.parameter]: { value } },
      }, { parent: this });
      for (const role of initiative.roles) {
        new authorization.RoleAssignment(child(`policy-${what}-${role.name.toLowerCase().replace(/ /g, "-")}`), {
          roleAssignmentName: stableGuid("azdetect", args.stack, what, role.id),
          scope,
          principalId: assignment.identity.apply((i) => i?.principalId ?? ""),
          principalType: "ServicePrincipal",
          roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
          description: `azdetect ${args.stack}: ${role.name} for the DeployIfNotExists policy ${what}`,
        }, { parent: this });
      }
      ids[what] = assignment.id;
    };

    if (args.resourceLogs) assign("resource-logs", RESOURCE_LOGS_INITIATIVE, args.workspaceId);
    for (const os of ["windows", "linux"] as const) {
      const dcr = args.dataCollectionRuleIds[os];
      if (dcr) assign(`agent-${os}`, AGENT_INITIATIVES[os], dcr);
    }
    this.assignmentIds = pulumi.output(ids);
    this.registerOutputs({ assignmentIds: this.assignmentIds });
  }
}
