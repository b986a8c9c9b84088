// Entra ID (tenant) logs -> workspace (SigninLogs, AuditLogs, AAD*SignInLogs, ...). Tenant-level:
// the deploying identity needs Security Administrator or Global Administrator, and sign-in logs
// need Entra ID P1/P2. Declared only when telemetry.entraId.enabled is true.
import * as pulumi from "@pulumi/pulumi";
import * as aadiam from "@pulumi/azure-native/aadiam";
import { telemetrySettingName } from "./telemetryNames";
import { childNamer, type ComponentNaming } from "./names";

export interface TelemetryEntraIdArgs extends ComponentNaming {
  workspaceId: pulumi.Input<string>;
  /** Category names as strings: the SDK enum lists only AuditLogs and SignInLogs. */
  categories: string[];
}

export class TelemetryEntraId extends pulumi.ComponentResource {
  public readonly settingId: pulumi.Output<string>;

  constructor(name: string, args: TelemetryEntraIdArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TelemetryEntraId", name, {}, opts);
    this.settingId = new aadiam.DiagnosticSetting(childNamer(args.childNamePrefix ?? `${name}-`)("entra-id"), {
      name: telemetrySettingName(args.stack),
      workspaceId: args.workspaceId,
      logs: args.categories.map((category) => ({ category, enabled: true })),
    }, { parent: this }).id;
    this.registerOutputs({ settingId: this.settingId });
  }
}
