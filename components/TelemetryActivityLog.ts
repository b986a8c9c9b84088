// Subscription Activity Log -> workspace (fills AzureActivity): one stack-named subscription
// diagnostic setting in the deploying subscription (the default provider's), or in each watched
// subscription through that subscription's provider.
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { childNamer, deploySubscription, stackNames, type ComponentNaming } from "./names";
import type { SubscriptionTarget } from "./WatchedSubscriptions";

export interface TelemetryActivityLogArgs extends ComponentNaming {
  /** The subscription the stack deploys to (default: the provider's): names that reach beyond the resource group carry it (config/names.ts). */
  subscriptionId?: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  categories: string[];
  /** Watched subscriptions (stack config `subscriptions`); default: the deploying subscription only. */
  subscriptions?: readonly SubscriptionTarget[];
}

export class TelemetryActivityLog extends pulumi.ComponentResource {
  /** Setting id per subscription id ("" for the deploying subscription). */
  public readonly settingIds: pulumi.Output<Record<string, string>>;
  /** The first setting's id (the deploying subscription's, by default). */
  public readonly settingId: pulumi.Output<string>;

  constructor(name: string, args: TelemetryActivityLogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryActivityLog", name, {}, opts);
    const child = childNamer(args.childNamePrefix ?? `${name}-`);
    const names = stackNames(args.stack);
    const setting = (logicalName: string, subscriptionId: pulumi.Input<string>, provider?: pulumi.ProviderResource) => new monitor.SubscriptionDiagnosticSetting(logicalName, {
      name: pulumi.output(subscriptionId).apply((sub) => names.subscriptionDiagnosticSetting(sub)),
      workspaceId: args.workspaceId,
      logs: args.categories.map((category) => ({ category, enabled: true })),
    }, { parent: this, ...(provider ? { provider } : {}) }).id;
    const ids: Record<string, pulumi.Output<string>> = args.subscriptions
      ? Object.fromEntries(args.subscriptions.map((s) => [s.id, setting(child(`activity-log-${s.id}`), s.id, s.provider)]))
      : { "": setting(child("activity-log"), deploySubscription(args.subscriptionId, this)) };
    this.settingIds = pulumi.output(ids);
    this.settingId = Object.values(ids)[0];
    this.registerOutputs({ settingId: this.settingId, settingIds: this.settingIds });
  }
}
