// Entra ID (tenant) logs -> workspace (SigninLogs, AuditLogs, AAD*SignInLogs, ...). Tenant-level:
// the deploying identity needs Security Administrator or Global Administrator, and sign-in logs
// need Entra ID P1/P2. Declared only when telemetry.entraId.enabled is true.
import * as pulumi from "@pulumi/pulumi";
import * as aadiam from "@pulumi/azure-native/aadiam";
import { childNamer, deploySubscription, stackNames, type ComponentNaming } from "./names";

export interface TelemetryEntraIdArgs extends ComponentNaming {
  /** The subscription the stack deploys to (default: the provider's): names that reach beyond the resource group carry it (config/names.ts). */
  subscriptionId?: pulumi.Input<string>;
  workspaceId: pulumi.Input<string>;
  /** Category names as strings: the SDK enum lists only AuditLogs and SignInLogs. */
  categories: string[];
}

export class TelemetryEntraId extends pulumi.ComponentResource {
  public readonly settingId: pulumi.Output<string>;

  constructor(name: string, args: TelemetryEntraIdArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryEntraId", name, {}, opts);
    this.settingId = new aadiam.DiagnosticSetting(childNamer(args.childNamePrefix ?? `${name}-`)("entra-id"), {
      // Tenant-wide: the name carries the stack's identity and subscription.
      name: deploySubscription(args.subscriptionId, this).apply((sub) => stackNames(args.stack).entraDiagnosticSetting(sub)),
      workspaceId: args.workspaceId,
      logs: args.categories.map((category) => ({ category, enabled: true })),
    }, { parent: this }).id;
    this.registerOutputs({ settingId: this.settingId });
  }
}
