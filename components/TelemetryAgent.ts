// Azure Monitor Agent on existing VMs: one data collection rule per OS (what to collect, into the
// workspace), the agent extension per VM (installs the agent) and one association per VM (links
// the VM to the rule). Either half alone collects nothing. The VMs are referenced, never managed.
import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as monitor from "@pulumi/azure-native/monitor";
import { parseResourceId } from "../config/schema";
import { DeployTimeError } from "../config/errors";
import type { Os, TelemetryPlan, WindowsStream } from "../planning/telemetry";
import { logicalNameFor } from "./telemetryNames";
import { AGENT_EXTENSION } from "../azure/telemetry-sources";
import { childNamer, stackNames, type ComponentNaming } from "./names";

export interface TelemetryAgentArgs extends ComponentNaming {
  location: string;
  resourceGroupName: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  /** The provider's subscription: the only one the extension can be declared in. */
  subscriptionId: pulumi.Input<string>;
  /**
   * The provider of a watched subscription (stack config `subscriptions`): a VM there gets its
   * extension through it. Undefined (the default) = the deploying subscription only.
   */
  providerFor?: (subscriptionId: string) => pulumi.ProviderResource | undefined;
  agent: TelemetryPlan["agent"];
  tags: Record<string, string>;
}

const STREAM_NAMES: Record<WindowsStream, string> = { "Microsoft-Event": "eventLogs", "Microsoft-SecurityEvent": "securityEvents" };
const DESTINATION = "workspace";

/**
 * The extension is addressed by resource group and VM name in the provider's subscription, so a VM
 * in another subscription would be missed (or the wrong VM hit). Returns the problem, if any.
 */
export function vmSubscriptionProblem(vmId: string, subscriptionId: string): string | undefined {
  const vmSub = parseResourceId(vmId)?.subscriptionId ?? "";
  if (vmSub.toLowerCase() === subscriptionId.toLowerCase()) return undefined;
  return `azdetect:telemetry.agent.vms: ${vmId} is in subscription ${vmSub}, but the stack deploys to ${subscriptionId} — the agent extension can only be installed in the stack's subscription; set installAgent: false for this VM (the association still works) and install the agent there`;
}

export class TelemetryAgent extends pulumi.ComponentResource {
  /** DCR id per OS that has one (the policy path associates VMs with these too). */
  public readonly dataCollectionRuleIds: Partial<Record<Os, pulumi.Output<string>>> = {};

  constructor(name: string, args: TelemetryAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryAgent", name, {}, opts);
    const names = stackNames(args.stack);
    const { agent } = args;
    const child = childNamer(args.childNamePrefix ?? `${name}-`);
    const destinations = { logAnalytics: [{ name: DESTINATION, workspaceResourceId: args.workspaceId }] };

    if (agent.windows) {
      const streams = Object.entries(agent.windows.xPathQueries).filter(([, q]) => q && q.length) as [WindowsStream, string[]][];
      this.dataCollectionRuleIds.windows = new monitor.DataCollectionRule(child("dcr-windows"), {
        dataCollectionRuleName: names.dataCollectionRule("windows"),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "Windows",
        description: "azdetect: Windows events the deployed detections read",
        dataSources: { windowsEventLogs: streams.map(([stream, xPathQueries]) => ({ name: STREAM_NAMES[stream], streams: [stream], xPathQueries })) },
        destinations,
        dataFlows: streams.map(([stream]) => ({ streams: [stream], destinations: [DESTINATION] })),
        tags: args.tags,
      }, { parent: this }).id;
    }
    if (agent.linux) {
      this.dataCollectionRuleIds.linux = new monitor.DataCollectionRule(child("dcr-linux"), {
        dataCollectionRuleName: names.dataCollectionRule("linux"),
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "Linux",
        description: "azdetect: syslog the deployed detections read",
        dataSources: {
          syslog: agent.linux.syslog.map((s, i) => ({ name: `syslog-${i + 1}`, streams: ["Microsoft-Syslog"], facilityNames: s.facilities, logLevels: s.logLevels })),
        },
        destinations,
        dataFlows: [{ streams: ["Microsoft-Syslog"], destinations: [DESTINATION] }],
        tags: args.tags,
      }, { parent: this }).id;
    }

    for (const vm of agent.vms) {
      const dcr = this.dataCollectionRuleIds[vm.os];
      if (!dcr) continue;
      const parsed = parseResourceId(vm.id)!;
      if (vm.installAgent) {
        // The VM's own subscription's provider when it is watched; else the deploying one's, checked.
        const provider = args.providerFor?.(parsed.subscriptionId.toLowerCase());
        // Kept on destroy by default: other rules (Defender, Sentinel, a team's own DCR) may rely
        // on the agent once it is there; removing it would silently stop their collection.
        new compute.VirtualMachineExtension(child(logicalNameFor("ama", vm.id)), {
          resourceGroupName: parsed.resourceGroup,
          vmName: provider ? parsed.name : pulumi.output(args.subscriptionId).apply((sub) => {
            const problem = vmSubscriptionProblem(vm.id, sub);
            if (problem) throw new DeployTimeError(problem);
            return parsed.name;
          }),
          vmExtensionName: AGENT_EXTENSION[vm.os].type,
          location: vm.location ?? args.location,
          publisher: AGENT_EXTENSION.publisher,
          type: AGENT_EXTENSION[vm.os].type,
          typeHandlerVersion: AGENT_EXTENSION[vm.os].typeHandlerVersion,
          autoUpgradeMinorVersion: true,
          enableAutomaticUpgrade: true,
          tags: args.tags,
        }, { parent: this, retainOnDelete: agent.keepAgentOnDestroy, ...(provider ? { provider } : {}) });
      }
      new monitor.DataCollectionRuleAssociation(child(logicalNameFor("dcra", vm.id)), {
        resourceUri: vm.id,
        associationName: pulumi.output(args.subscriptionId).apply((sub) => names.dataCollectionRuleAssociation(sub, vm.os)),
        dataCollectionRuleId: dcr,
        description: "azdetect: collect what the deployed detections read",
      }, { parent: this });
    }
    this.registerOutputs({ dataCollectionRuleIds: this.dataCollectionRuleIds });
  }
}
