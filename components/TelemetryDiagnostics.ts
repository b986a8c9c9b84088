// Resource logs -> workspace: one diagnostic setting per (target resource, destination type).
// The targets exist already and are only referenced by id. Azure allows at most 5 diagnostic
// settings per resource; this stack adds at most 2 per resource (AzureDiagnostics and Dedicated).
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type { DiagnosticSettingPlan } from "../planning/telemetry";
import type { StackNames } from "../config/names";
import { logicalNameFor } from "./telemetryNames";

export interface TelemetryDiagnosticsArgs {
  names: StackNames;
  /** The provider's subscription: setting names carry it (config/names.ts). */
  subscriptionId: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  settings: DiagnosticSettingPlan[];
}

export class TelemetryDiagnostics extends pulumi.ComponentResource {
  /** Setting id per resource URI and destination ("<uri>|<destination>"). */
  public readonly settingIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: TelemetryDiagnosticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryDiagnostics", name, {}, opts);
    const ids: Record<string, pulumi.Output<string>> = {};
    for (const s of args.settings) {
      const dedicated = s.destination === "resourceSpecific";
      ids[`${s.resourceUri}|${s.destination}`] = new monitor.DiagnosticSetting(logicalNameFor("diag", s.resourceUri, dedicated ? "dedicated" : ""), {
        resourceUri: s.resourceUri,
        name: pulumi.output(args.subscriptionId).apply((sub) => args.names.resourceDiagnosticSetting(sub, dedicated)),
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
