// Subscription Activity Log -> workspace (fills AzureActivity). The subscription is the provider's.
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { telemetrySettingName } from "./telemetryNames";
import { childNamer, type ComponentNaming } from "./names";

export interface TelemetryActivityLogArgs extends ComponentNaming {
  workspaceId: pulumi.Input<string>;
  categories: string[];
}

export class TelemetryActivityLog extends pulumi.ComponentResource {
  public readonly settingId: pulumi.Output<string>;

  constructor(name: string, args: TelemetryActivityLogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryActivityLog", name, {}, opts);
    this.settingId = new monitor.SubscriptionDiagnosticSetting(childNamer(args.childNamePrefix ?? `${name}-`)("activity-log"), {
      name: telemetrySettingName(args.stack),
      workspaceId: args.workspaceId,
      logs: args.categories.map((category) => ({ category, enabled: true })),
    }, { parent: this }).id;
    this.registerOutputs({ settingId: this.settingId });
  }
}
