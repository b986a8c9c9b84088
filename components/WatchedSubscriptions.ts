// The subscriptions a stack watches when they are listed (stack config `subscriptions`): one
// explicit azure-native provider each, so what the stack puts into a subscription (its Activity Log
// setting, its activity-log alerts, the agent extension on its VMs) is declared there and nowhere
// else; and, when activity-log alerts are deployed per subscription, one resource group of the
// stack's own in each to hold them (an activity-log alert must live in the subscription it watches).
// Nothing a subscription already holds is touched: the group is new and stack-named; `pulumi
// destroy` deletes the alerts in it and leaves the (then empty) group, as it does the suite's own.
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { Provider, type ProviderArgs } from "@pulumi/azure-native/provider";
import type { EstateSubscription } from "../config/estate";
import { childNamer, type ComponentNaming } from "./names";

/** A watched subscription as the other components use it. */
export interface SubscriptionTarget {
  id: string;
  name?: string;
  provider: Provider;
  /** The stack's own group for the subscription's activity-log alerts (when they are deployed per subscription). */
  alertResourceGroupName?: pulumi.Output<string>;
}

/**
 * Provider settings copied to every per-subscription provider. An explicit provider does not read
 * the stack's `azure-native:` configuration (it falls back to the environment: ARM_* variables,
 * az login, a managed identity), so the stack program passes those settings on.
 */
export type ProviderSettings = Omit<ProviderArgs, "subscriptionId">;

export interface WatchedSubscriptionsArgs extends ComponentNaming {
  subscriptions: readonly EstateSubscription[];
  providerSettings?: ProviderSettings;
  /** Create a group for activity-log alerts in each subscription, with this name, region and tags. */
  alertResourceGroup?: { name: pulumi.Input<string>; location: string; tags: Record<string, string> };
}

export class WatchedSubscriptions extends pulumi.ComponentResource {
  public readonly targets: SubscriptionTarget[];

  constructor(name: string, args: WatchedSubscriptionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:WatchedSubscriptions", name, {}, opts);
    const child = childNamer(args.childNamePrefix ?? `${name}-`);
    this.targets = args.subscriptions.map((s) => {
      const provider = new Provider(child(`subscription-${s.id}`), { ...args.providerSettings, subscriptionId: s.id }, { parent: this });
      const group = args.alertResourceGroup
        ? new resources.ResourceGroup(child(`alerts-${s.id}`), {
            resourceGroupName: args.alertResourceGroup.name,
            location: args.alertResourceGroup.location,
            tags: { ...args.alertResourceGroup.tags, "azdetect-subscription": s.id },
          // Kept on destroy like the suite's own group: Azure deletes a group with everything in
          // it, and someone may have put something there; the alerts in it are deleted one by one.
          }, { parent: this, provider, retainOnDelete: true })
        : undefined;
      return { id: s.id, ...(s.name ? { name: s.name } : {}), provider, ...(group ? { alertResourceGroupName: group.name } : {}) };
    });
    this.registerOutputs({ subscriptions: this.targets.map((t) => t.id) });
  }
}

/** Azure name of the group holding a watched subscription's activity-log alerts: the suite's group name + "-alerts". */
export function alertResourceGroupName(suiteGroup: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.output(suiteGroup).apply((g) => `${g.slice(0, 83)}-alerts`);
}
