// The root component: resource group, workspace, alert routing, telemetry, and one
// TacticDetections per selected tactic.
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import type { StackConfig } from "../config";
import { TACTICS, type GlobalAllowlist } from "../detections/model";
import { allowlistParameters, deferredAllowlists, deployedQuery, upnsIn, withAllowlistValues, type ResolvedDetection } from "../planning/resolve";
import { TacticDetections, tacticComponentName } from "./TacticDetections";
import type { TelemetryPlan } from "../planning/telemetry";
import { TelemetryActivityLog } from "./TelemetryActivityLog";
import { TelemetryEntraId } from "./TelemetryEntraId";
import { TelemetryDiagnostics } from "./TelemetryDiagnostics";
import { TelemetryAgent } from "./TelemetryAgent";
import { TelemetryPolicy } from "./TelemetryPolicy";
import { AlertRouting } from "./AlertRouting";
import { servicePrincipalIds, userObjectIds } from "./entraLookups";

export interface DetectionSuiteArgs {
  config: StackConfig;
  detections: ResolvedDetection[];
  /** What telemetry to deploy (planning/telemetry.ts); none when absent. */
  telemetry?: TelemetryPlan;
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

    // ---- Telemetry (issue 4): one component per source, each declared only when the plan has it.
    const plan = args.telemetry;
    const workspaceId = this.workspaceId;
    if (plan?.activityLog) {
      new TelemetryActivityLog("telemetry-activity-log", { stack: cfg.stack, workspaceId, categories: plan.activityLog.categories }, { parent: this });
    }
    if (plan?.entraId) {
      new TelemetryEntraId("telemetry-entra-id", { stack: cfg.stack, workspaceId, categories: plan.entraId.categories }, { parent: this });
    }
    if (plan?.diagnostics.length) {
      new TelemetryDiagnostics("telemetry-diagnostics", { stack: cfg.stack, workspaceId, settings: plan.diagnostics }, { parent: this });
    }
    const agent = plan && (plan.agent.windows || plan.agent.linux)
      ? new TelemetryAgent("telemetry-agent", { stack: cfg.stack, location: cfg.location, resourceGroupName: this.resourceGroupName, workspaceId, subscriptionId: client.subscriptionId, agent: plan.agent, tags }, { parent: this })
      : undefined;
    if (plan && (plan.policy.resourceLogs || plan.policy.agent.length)) {
      new TelemetryPolicy("telemetry-policy", {
        stack: cfg.stack, location: cfg.location, subscriptionId: client.subscriptionId, workspaceId,
        resourceLogs: plan.policy.resourceLogs,
        dataCollectionRuleIds: Object.fromEntries(plan.policy.agent.map((os) => [os, agent!.dataCollectionRuleIds[os]!])),
      }, { parent: this });
    }
    // ---- end telemetry.
    const routing = new AlertRouting("alert-routing", {
      routing: cfg.routing,
      detections: args.detections,
      stack: cfg.stack,
      resourceGroupName: this.resourceGroupName,
      subscriptionScope,
      tags,
    }, { parent: this });
    this.actionGroups = routing.actionGroupIds;

    // Allowlist values known only at deploy time, from Entra ID (deferredAllowlists): they enter
    // the query through the detection's own builder (kql.ts quoting), like every other allowlist
    // value; offline tools see the query without them.
    const deferred = this.deferredAllowlistValues(cfg, args.detections);
    const queryFor = (d: ResolvedDetection): pulumi.Input<string> => {
      const lists = (Object.keys(deferred) as GlobalAllowlist[]).filter((a) => allowlistParameters(d.detection, a).length);
      if (lists.length === 0) return d.query;
      return pulumi.all(lists.map((a) => deferred[a]!)).apply((values) =>
        deployedQuery(d, lists.reduce((p, a, i) => withAllowlistValues({ ...d, parameters: p }, a, values[i]), d.parameters), cfg.estate));
    };

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

  /** The deploy-time values of the deferred allowlists that some selected detection uses. */
  private deferredAllowlistValues(cfg: StackConfig, detections: ResolvedDetection[]): Partial<Record<GlobalAllowlist, pulumi.Output<string[]>>> {
    const used = deferredAllowlists(cfg).filter((a) => detections.some((d) => allowlistParameters(d.detection, a).length));
    if (used.length === 0) return {};
    const opts = { parent: this };
    const sps = cfg.servicePrincipalNames.length ? servicePrincipalIds(cfg.servicePrincipalNames, opts) : pulumi.output([]);
    const out: Partial<Record<GlobalAllowlist, pulumi.Output<string[]>>> = {};
    if (used.includes("appIds")) out.appIds = sps.apply((s) => s.map((x) => x.appId));
    if (used.includes("objectIds")) {
      const upns = [...new Set(upnsIn([...cfg.allowlists.callers, ...cfg.allowlists.userPrincipalNames]).map((u) => u.toLowerCase()))];
      const users = upns.length ? userObjectIds(upns, opts) : pulumi.output({ objectIds: [] as string[], unknown: [] as string[] });
      out.objectIds = pulumi.all([sps, users]).apply(([s, u]) => {
        if (u.unknown.length) void pulumi.log.warn(`allowlists: ${u.unknown.join(", ")} not found in Entra ID: they stay allowlisted where a table logs UPNs, but not in tables that log object ids (MicrosoftGraphActivityLogs) — add their object ids to allowlists.objectIds if they act in this tenant`, this);
        return [...new Set([...s.map((x) => x.objectId), ...u.objectIds])];
      });
    }
    return out;
  }
}
