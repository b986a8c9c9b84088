// Resource logs -> workspace: one diagnostic setting per (target resource, destination type).
// The targets exist already and are only referenced by id. Azure allows at most 5 diagnostic
// settings per resource; this stack adds at most 2 per resource (AzureDiagnostics and Dedicated).
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type { DiagnosticSettingPlan } from "../planning/telemetry";
import { logicalNameFor } from "./telemetryNames";
import { childNamer, deploySubscription, stackNames, type ComponentNaming } from "./names";

export interface TelemetryDiagnosticsArgs extends ComponentNaming {
  /** The subscription the stack deploys to (default: the provider's): names that reach beyond the resource group carry it (config/names.ts). */
  subscriptionId?: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  settings: DiagnosticSettingPlan[];
}

export class TelemetryDiagnostics extends pulumi.ComponentResource {
  /** Setting id per resource URI and destination ("<uri>|<destination>"). */
  public readonly settingIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TelemetryDiagnosticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryDiagnostics", name, {}, opts);
    const child = childNamer(args.childNamePrefix ?? `${name}-`);
    const ids: Record<string, pulumi.Output<string>> = {};
    const names = stackNames(args.stack);
    const subscription = deploySubscription(args.subscriptionId, this);
    for (const s of args.settings) {
      const dedicated = s.destination === "resourceSpecific";
      ids[`${s.resourceUri}|${s.destination}`] = new monitor.DiagnosticSetting(child(logicalNameFor("diag", s.resourceUri, dedicated ? "dedicated" : "")), {
        resourceUri: s.resourceUri,
        name: subscription.apply((sub) => names.resourceDiagnosticSetting(sub, dedicated)),
        workspaceId: args.workspaceId,
        // Categories only, never a categoryGroup: one setting cannot mix them.
        logs: s.categories.map((category) => ({ category, enabled: true })),
        // Unset = AzureDiagnostics (shared table); Dedicated = resource-specific tables.
        ...(dedicated ? { logAnalyticsDestinationType: "Dedicated" } : {}),
      }, { parent: this }).id;
    }
    this.settingIds = pulumi.output(ids);
    this.registerOutputs({ settingIds: this.settingIds });
  }
}
