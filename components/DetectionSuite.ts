// The root component: resource group, workspace, alert routing, telemetry, and one
// TacticDetections per selected tactic. It takes its own typed args, so a Pulumi program that
// already owns a workspace and action groups can embed it (examples/embed/); the stack program
// (program.ts) builds these args from the stack config.
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as authorization from "@pulumi/azure-native/authorization";
import { TACTICS, type GlobalAllowlist } from "../detections/model";
import { allowlistParameters, deferredAllowlists, deployedQuery, withAllowlistValues, type EntraAllowlistLookups, type ResolvedDetection } from "../planning/resolve";
import type { Estate } from "../config/estate";
import { WatchedSubscriptions, alertResourceGroupName, type ProviderSettings, type SubscriptionTarget } from "./WatchedSubscriptions";
import { TacticDetections, tacticComponentName } from "./TacticDetections";
import type { TelemetryPlan } from "../planning/telemetry";
import { TelemetryActivityLog } from "./TelemetryActivityLog";
import { TelemetryEntraId } from "./TelemetryEntraId";
import { TelemetryDiagnostics } from "./TelemetryDiagnostics";
import { TelemetryAgent } from "./TelemetryAgent";
import { TelemetryPolicy } from "./TelemetryPolicy";
import { AlertRouting, type SuiteRouting } from "./AlertRouting";
import { servicePrincipalIds, userObjectIds } from "./entraLookups";
import { childNamer } from "./names";
import { queryValidation } from "../planning/validation";

/** A Log Analytics workspace the suite creates (and, by default, keeps on destroy). */
export interface WorkspaceToCreate {
  /** Azure name of the workspace. */
  name: string;
  /** Pricing tier (default PerGB2018). */
  sku?: string;
  /** Days the workspace keeps data (default 90). */
  retentionInDays?: number;
  /** Keep the workspace and the evidence in it when the suite is destroyed (default true). */
  retainOnDelete?: boolean;
}

export interface DetectionSuiteArgs {
  /** Azure region of the log search rules (and of the group and workspace the suite creates). */
  location: string;
  /** The resource group of everything the suite creates: an existing one by name, or one the suite creates and owns. */
  resourceGroup: { name: pulumi.Input<string> } | { create: { name: string } };
  /** The workspace the rules query and the telemetry fills: an existing one (by id, or a resource's `id`), or one the suite creates. */
  workspace: { id: pulumi.Input<string> } | { create: WorkspaceToCreate };
  /** The detections to deploy: `selectDetections(...)` or `resolveDetections(...)` of the library. */
  detections: readonly ResolvedDetection[];
  /** Action groups (managed by the suite, or existing by id) and the severity/tactic routes to them. */
  routing: SuiteRouting;
  /** The telemetry to deploy (`planTelemetry(...)` of the library); none when absent. */
  telemetry?: TelemetryPlan;
  /** Entra ID names resolved at deploy time into the appIds/objectIds allowlists (none by default). */
  entraAllowlists?: EntraAllowlistLookups;
  /**
   * Ask Azure not to validate the queries when the rules are created (true), or always validate
   * (false). Default: decided per rule (planning/validation.ts): skipped when the suite creates the
   * workspace, or starts sending a table the rule reads, or a table is a telemetry gap, or there is
   * no telemetry plan; validated where the plan shows every table it reads already receives rows
   * from outside the suite (telemetry.provided).
   */
  skipQueryValidation?: boolean;
  /**
   * The subscriptions watched (default: the one the suite deploys to). Use the same estate the
   * detections and the telemetry plan were resolved with.
   */
  estate?: Estate;
  /**
   * Settings of the explicit provider each listed subscription gets (credentials, environment); an
   * explicit provider does not read the stack's `azure-native:` config by itself.
   */
  providerSettings?: ProviderSettings;
  /** Part of the policy remediation tasks' names: a new value starts new tasks (default 1). */
  policyRemediationRound?: number;
  /** Tags on every resource the suite creates. */
  tags?: Record<string, string>;
  /**
   * The identity the suite's Azure names and tags carry (`azdetect-<identity>-<detection key>`, tag
   * azdetect-stack). Default `<Pulumi stack>-<component name>`, so two suites never share a name.
   */
  identity?: string;
  /**
   * Prefix of the Pulumi names of the suite's children. Default `<component name>-`, so two suites in
   * one program do not collide. The stack program passes "" to keep the URNs of stacks deployed
   * before this option existed.
   */
  childNamePrefix?: string;
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
    const identity = args.identity ?? `${pulumi.getStack()}-${name}`;
    const prefix = args.childNamePrefix ?? `${name}-`;
    const child = childNamer(prefix);
    const tags = { ...args.tags, "azdetect-stack": identity };
    const estate: Estate = args.estate ?? { mode: "current" };

    // An existing group is only referenced by name: the suite never manages or deletes it.
    this.resourceGroupName = "create" in args.resourceGroup
      // Kept on destroy (retainOnDelete): Azure deletes a group with everything in it, the kept
      // workspace and its evidence included, and whatever else was put there since
      // (pulumi/pulumi-azure-native#2522). Destroy removes the suite's resources one by one instead.
      ? new resources.ResourceGroup(child("resource-group"), { resourceGroupName: args.resourceGroup.create.name, location: args.location, tags }, { parent: this, retainOnDelete: true }).name
      : pulumi.output(args.resourceGroup.name);

    // An existing workspace is referenced by id only. A created one keeps the evidence it holds
    // when the suite is destroyed unless told otherwise (retainOnDelete).
    const ws = args.workspace;
    this.workspaceId = "id" in ws
      ? pulumi.output(ws.id)
      : new operationalinsights.Workspace(child("workspace"), {
          workspaceName: ws.create.name,
          resourceGroupName: this.resourceGroupName,
          location: args.location,
          sku: { name: ws.create.sku ?? "PerGB2018" },
          retentionInDays: ws.create.retentionInDays ?? 90,
          tags,
        }, { parent: this, retainOnDelete: ws.create.retainOnDelete ?? true }).id;

    const client = authorization.getClientConfigOutput({ parent: this });
    const subscriptionScope = pulumi.interpolate`/subscriptions/${client.subscriptionId}`;
    const common = { stack: identity, childNamePrefix: prefix, subscriptionId: client.subscriptionId };

    // ---- The watched subscriptions: with a list, one provider each (and, for activity-log alerts
    // deployed per subscription, a group of the stack's own in each); else the deploying one.
    const perSubscriptionAlerts = args.detections.some((d) => d.alertKind === "activityLog");
    const watched: SubscriptionTarget[] | undefined = estate.mode === "subscriptions"
      ? new WatchedSubscriptions(child("subscriptions"), {
          ...common,
          subscriptions: estate.subscriptions,
          providerSettings: args.providerSettings,
          alertResourceGroup: perSubscriptionAlerts ? { name: alertResourceGroupName(this.resourceGroupName), location: args.location, tags } : undefined,
        }, { parent: this }).targets
      : undefined;

    // ---- Telemetry: one component per source, each declared only when the plan has it.
    const plan = args.telemetry;
    const workspaceId = this.workspaceId;
    if (plan?.activityLog?.via === "settings") {
      new TelemetryActivityLog(child("telemetry-activity-log"), { ...common, workspaceId, categories: plan.activityLog.categories, subscriptions: watched }, { parent: this });
    }
    if (plan?.entraId) {
      new TelemetryEntraId(child("telemetry-entra-id"), { ...common, workspaceId, categories: plan.entraId.categories }, { parent: this });
    }
    if (plan?.diagnostics.length) {
      new TelemetryDiagnostics(child("telemetry-diagnostics"), { ...common, workspaceId, settings: plan.diagnostics }, { parent: this });
    }
    const agent = plan && (plan.agent.windows || plan.agent.linux)
      ? new TelemetryAgent(child("telemetry-agent"), {
          ...common, location: args.location, resourceGroupName: this.resourceGroupName, workspaceId, subscriptionId: client.subscriptionId, agent: plan.agent, tags,
          providerFor: watched && ((sub) => watched.find((t) => t.id === sub)?.provider),
        }, { parent: this })
      : undefined;
    // Policies: at the management group (the Activity Log policy, and the initiatives with
    // telemetry.policy), else the initiatives at the deploying subscription (a subscription list
    // uses explicit targets: config/estate.ts).
    if (plan && (plan.policy.resourceLogs || plan.policy.agent.length || plan.activityLog?.via === "policy")) {
      const policyArgs = {
        location: args.location, workspaceId,
        resourceLogs: plan.policy.resourceLogs,
        dataCollectionRuleIds: Object.fromEntries(plan.policy.agent.map((os) => [os, agent!.dataCollectionRuleIds[os]!])),
        remediationRound: args.policyRemediationRound,
      };
      if (estate.mode === "managementGroup") {
        new TelemetryPolicy(child("telemetry-policy"), {
          ...common, ...policyArgs, activityLog: plan.activityLog?.via === "policy", scope: { kind: "managementGroup", managementGroupId: estate.managementGroupId },
        }, { parent: this });
      } else {
        new TelemetryPolicy(child("telemetry-policy"), { ...common, ...policyArgs, subscriptionId: client.subscriptionId }, { parent: this });
      }
    }
    // ---- end telemetry.
    const routing = new AlertRouting(child("alert-routing"), {
      ...common,
      routing: args.routing,
      detections: args.detections,
      resourceGroupName: this.resourceGroupName,
      subscriptionScope,
      alertSubscriptions: watched?.filter((t) => t.alertResourceGroupName).map((t) => ({ id: t.id, provider: t.provider, resourceGroupName: t.alertResourceGroupName! })),
      tags,
    }, { parent: this });
    this.actionGroups = routing.actionGroupIds;

    // Allowlist values known only at deploy time, from Entra ID (deferredAllowlists): they enter
    // the query through the detection's own builder (kql.ts quoting), like every other allowlist
    // value; offline tools see the query without them.
    const deferred = this.deferredAllowlistValues(args.entraAllowlists, args.detections);
    const queryFor = (d: ResolvedDetection): pulumi.Input<string> => {
      const lists = (Object.keys(deferred) as GlobalAllowlist[]).filter((a) => allowlistParameters(d.detection, a).length);
      if (lists.length === 0) return d.query;
      return pulumi.all(lists.map((a) => deferred[a]!)).apply((values) =>
        deployedQuery(d, lists.reduce((p, a, i) => withAllowlistValues({ ...d, parameters: p }, a, values[i]), d.parameters), estate));
    };

    const rules: Record<string, pulumi.Output<Record<string, string>>> = {};
    for (const tactic of TACTICS) {
      const selected = args.detections.filter((d) => d.detection.tactic === tactic);
      if (selected.length === 0) continue;
      const component = new TacticDetections(child(tacticComponentName(tactic)), {
        ...common,
        tactic,
        detections: selected,
        location: args.location,
        resourceGroupName: this.resourceGroupName,
        workspaceId: this.workspaceId,
        subscriptionScope,
        activityLogSubscriptions: watched?.map((t) => ({ id: t.id, name: t.name, provider: t.provider, resourceGroupName: t.alertResourceGroupName! })),
        actionGroupIds: (d) => routing.actionGroupIdsFor(d.severity, d.detection.tactic),
        queryFor,
        skipQueryValidation: (d) => queryValidation(d, { skipQueryValidation: args.skipQueryValidation, workspaceCreated: "create" in args.workspace, telemetry: args.telemetry }).skip,
        tags,
      }, { parent: this });
      this.tactics[tactic] = component;
      rules[tactic] = component.ruleIds;
    }
    this.rules = pulumi.output(rules) as pulumi.Output<Record<string, Record<string, string>>>;
    this.registerOutputs({ resourceGroupName: this.resourceGroupName, workspaceId: this.workspaceId, rules: this.rules, actionGroups: this.actionGroups });
  }

  /** The deploy-time values of the deferred allowlists that some selected detection uses. */
  private deferredAllowlistValues(lookups: EntraAllowlistLookups | undefined, detections: readonly ResolvedDetection[]): Partial<Record<GlobalAllowlist, pulumi.Output<string[]>>> {
    if (!lookups) return {};
    const used = deferredAllowlists(lookups).filter((a) => detections.some((d) => allowlistParameters(d.detection, a).length));
    if (used.length === 0) return {};
    const opts = { parent: this };
    const sps = lookups.servicePrincipalNames.length ? servicePrincipalIds(lookups.servicePrincipalNames, opts) : pulumi.output([]);
    const out: Partial<Record<GlobalAllowlist, pulumi.Output<string[]>>> = {};
    if (used.includes("appIds")) out.appIds = sps.apply((s) => s.map((x) => x.appId));
    if (used.includes("objectIds")) {
      const upns = lookups.userPrincipalNames;
      const users = upns.length ? userObjectIds(upns, opts) : pulumi.output({ objectIds: [] as string[], unknown: [] as string[] });
      out.objectIds = pulumi.all([sps, users]).apply(([s, u]) => {
        if (u.unknown.length) void pulumi.log.warn(`azdetect:allowlists (callers, userPrincipalNames): ${u.unknown.join(", ")} not found in Entra ID: they stay allowlisted where a table logs UPNs, but not in tables that log object ids (MicrosoftGraphActivityLogs) — add their object ids to allowlists.objectIds if they act in this tenant`, this);
        return [...new Set([...s.map((x) => x.objectId), ...u.objectIds])];
      });
    }
    return out;
  }
}
