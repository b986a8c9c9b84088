// Subscription Activity Log -> workspace (fills AzureActivity). The subscription is the provider's.
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { childNamer, deploySubscription, stackNames, type ComponentNaming } from "./names";

export interface TelemetryActivityLogArgs extends ComponentNaming {
  /** The subscription the stack deploys to (default: the provider's): names that reach beyond the resource group carry it (config/names.ts). */
  subscriptionId?: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  categories: string[];
}

export class TelemetryActivityLog extends pulumi.ComponentResource {
  public readonly settingId: pulumi.Output<string>;

  constructor(name: string, args: TelemetryActivityLogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryActivityLog", name, {}, opts);
    this.settingId = new monitor.SubscriptionDiagnosticSetting(childNamer(args.childNamePrefix ?? `${name}-`)("activity-log"), {
      name: deploySubscription(args.subscriptionId, this).apply((sub) => stackNames(args.stack).subscriptionDiagnosticSetting(sub)),
      workspaceId: args.workspaceId,
      logs: args.categories.map((category) => ({ category, enabled: true })),
    }, { parent: this }).id;
    this.registerOutputs({ settingId: this.settingId });
  }
}
