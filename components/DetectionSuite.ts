// The root component: resource group, workspace, alert routing, telemetry, and one
// TacticDetections per selected tactic.
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import type { StackConfig } from "../config";
import { TACTICS } from "../detections/model";
import { allowlistParameters, renderQuery, withAllowlistValues, type ResolvedDetection } from "../detections/resolve";
import { TacticDetections, tacticComponentName } from "./TacticDetections";
import { AlertRouting } from "./AlertRouting";
import { servicePrincipalAppIds } from "./entraLookups";

export interface DetectionSuiteArgs {
  config: StackConfig;
  detections: ResolvedDetection[];
}

export class DetectionSuite extends pulumi.ComponentResource {
  public readonly resourceGroupName: pulumi.Output<string>;
  public readonly workspaceId: pulumi.Output<string>;
  /** Rule ids per tactic, then per detection key. */
  public readonly rules: pulumi.Output<Record<string, Record<string, string>>>;
  /** Action group id per configured name (managed and referenced). */
  public readonly actionGroups: pulumi.Output<Record<string, string>>;
  /** One component per selected tactic. */
  public readonly tactics: Partial<Record<(typeof TACTICS)[number], TacticDetections>> = {};

  constructor(name: string, args: DetectionSuiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:DetectionSuite", name, {}, opts);
    const cfg = args.config;
    const tags = { ...cfg.tags, "azdetect-stack": cfg.stack };

    // An existing group is only referenced by name: the stack never manages or deletes it.
    this.resourceGroupName = cfg.createResourceGroup
      ? new resources.ResourceGroup("resource-group", { resourceGroupName: cfg.resourceGroupName, location: cfg.location, tags }, { parent: this }).name
      : pulumi.output(cfg.resourceGroupName);

    // An existing workspace is referenced by id only. A created one keeps the evidence it holds
    // when the stack is destroyed unless config says otherwise (retainOnDelete).
    this.workspaceId = cfg.workspace.mode === "existing"
      ? pulumi.output(cfg.workspace.id)
      : new operationalinsights.Workspace("workspace", {
          workspaceName: cfg.workspace.name,
          resourceGroupName: this.resourceGroupName,
          location: cfg.location,
          sku: { name: cfg.workspace.sku },
          retentionInDays: cfg.workspace.retentionInDays,
          tags,
        }, { parent: this, retainOnDelete: cfg.workspace.retainOnDelete }).id;

    const client = authorization.getClientConfigOutput({ parent: this });
    const subscriptionScope = pulumi.interpolate`/subscriptions/${client.subscriptionId}`;

    const routing = new AlertRouting("alert-routing", {
      routing: cfg.routing,
      detections: args.detections,
      stack: cfg.stack,
      resourceGroupName: this.resourceGroupName,
      subscriptionScope,
      tags,
    }, { parent: this });
    this.actionGroups = routing.actionGroupIds;

    // allowlists.servicePrincipalNames: app ids known only at deploy time. They enter the query
    // through the detection's own builder (kql.ts quoting), like every other allowlist value;
    // offline tools see the query without them.
    const spAppIds = cfg.servicePrincipalNames.length ? servicePrincipalAppIds(cfg.servicePrincipalNames, { parent: this }) : undefined;
    const queryFor = (d: ResolvedDetection): pulumi.Input<string> =>
      spAppIds && allowlistParameters(d.detection, "appIds").length
        ? spAppIds.apply((ids) => renderQuery(d.detection, withAllowlistValues(d, "appIds", ids)))
        : d.query;

    const rules: Record<string, pulumi.Output<Record<string, string>>> = {};
    for (const tactic of TACTICS) {
      const selected = args.detections.filter((d) => d.detection.tactic === tactic);
      if (selected.length === 0) continue;
      const component = new TacticDetections(tacticComponentName(tactic), {
        tactic,
        detections: selected,
        stack: cfg.stack,
        location: cfg.location,
        resourceGroupName: this.resourceGroupName,
        workspaceId: this.workspaceId,
        subscriptionScope,
        actionGroupIds: (d) => routing.actionGroupIdsFor(d.severity, d.detection.tactic),
        queryFor,
        skipQueryValidation: cfg.skipQueryValidation,
        tags,
      }, { parent: this });
      this.tactics[tactic] = component;
      rules[tactic] = component.ruleIds;
    }
    this.rules = pulumi.output(rules) as pulumi.Output<Record<string, Record<string, string>>>;
    this.registerOutputs({ resourceGroupName: this.resourceGroupName, workspaceId: this.workspaceId, rules: this.rules, actionGroups: this.actionGroups });
  }
}
