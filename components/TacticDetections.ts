// One ATRM tactic's alert rules: a log search alert (ScheduledQueryRule) or an activity-log
// alert per selected detection. Azure wiring only: queries and conditions come resolved from
// the catalogue.
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import type { Tactic } from "../detections/model";
import { tacticSlug } from "../detections/model";
import { ruleText, type ResolvedDetection } from "../planning/resolve";
import { childNamer, detectionTags, stackNames, type ComponentNaming } from "./names";
import { subscriptionColumnOf } from "../detections/patterns/subscription";

export interface TacticDetectionsArgs extends ComponentNaming {
  tactic: Tactic;
  detections: ResolvedDetection[];
  location: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  /** Every log search alert is scoped to this workspace (exactly one scope). */
  workspaceId: pulumi.Input<string>;
  /** Activity-log alerts watch this subscription: /subscriptions/<id> (unless activityLogSubscriptions is given). */
  subscriptionScope: pulumi.Input<string>;
  /**
   * Watched subscriptions (stack config `subscriptions`): each activity-log detection gets one alert
   * in each, in the stack's group there, through the subscription's provider (an activity-log alert
   * must live in the subscription it watches). Default: one alert on subscriptionScope.
   */
  activityLogSubscriptions?: readonly ActivityLogSubscription[];
  /** Action group ids for a detection (its severity route). */
  actionGroupIds: (d: ResolvedDetection) => pulumi.Input<string>[];
  /** The deployed query, when it needs deploy-time values (default: d.query). */
  queryFor?: (d: ResolvedDetection) => pulumi.Input<string>;
  /**
   * Ask Azure not to validate a rule's query at creation: for every rule, or per rule (the suite
   * decides per rule with planning/validation.ts: skipped where the table may not exist yet).
   */
  skipQueryValidation: boolean | ((d: ResolvedDetection) => boolean);
  tags: Record<string, string>;
}

export interface ActivityLogSubscription {
  id: string;
  name?: string;
  provider: pulumi.ProviderResource;
  resourceGroupName: pulumi.Input<string>;
}

/** What an alert's notification says about the detection, beside its own fields. */
function detectionProperties(d: ResolvedDetection): Record<string, string> {
  return {
    "azdetect-detection": d.key,
    "azdetect-technique": d.detection.technique,
    "azdetect-tactic": d.detection.tactic,
    "azdetect-reference": d.detection.references[0] ?? "",
  };
}

export class TacticDetections extends pulumi.ComponentResource {
  /** Rule resource id per detection key (`<key>@<subscription id>` for per-subscription activity-log alerts). */
  public readonly ruleIds: pulumi.Output<Record<string, string>>;
  /** The rule resources, by detection key. */
  public readonly rules: Record<string, monitor.ActivityLogAlert | monitor.ScheduledQueryRule> = {};

  constructor(name: string, args: TacticDetectionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("azdetect:index:TacticDetections", name, {}, opts);
    const names = stackNames(args.stack);
    const child = childNamer(args.childNamePrefix ?? `${name}-`);
    const ids: Record<string, pulumi.Output<string>> = {};
    for (const d of args.detections) {
      const text = ruleText(d);
      const common = {
        resourceGroupName: args.resourceGroupName,
        // Ends in the markers maintenance windows match (this stack, severity, tactic).
        description: `${text.description}\n\n${names.ruleMarkers(d.severity, d.key)}`,
        enabled: true,
        tags: detectionTags(d, args.stack, args.tags),
      };
      if (d.alertKind === "activityLog") {
        // The notification carries the watched subscription (webhook properties: Azure's custom
        // properties of an activity-log alert), so a responder knows where without a query.
        const alert = (logicalName: string, scope: pulumi.Input<string>, subscription: { id: pulumi.Input<string>; name?: string }, rg: pulumi.Input<string>, provider?: pulumi.ProviderResource) =>
          new monitor.ActivityLogAlert(logicalName, {
            ...common,
            resourceGroupName: rg,
            activityLogAlertName: names.rule(d.key, "activityLog"),
            location: "Global",
            scopes: [scope],
            condition: d.activityLogCondition!,
            actions: {
              actionGroups: args.actionGroupIds(d).map((id) => ({
                actionGroupId: id,
                webhookProperties: {
                  ...detectionProperties(d),
                  "azdetect-subscription-id": subscription.id,
                  ...(subscription.name ? { "azdetect-subscription-name": subscription.name } : {}),
                },
              })),
            },
          }, { parent: this, ...(provider ? { provider } : {}) });
        if (args.activityLogSubscriptions) {
          for (const s of args.activityLogSubscriptions) {
            const a = alert(child(`${d.key}-${s.id}`), `/subscriptions/${s.id}`, s, s.resourceGroupName, s.provider);
            this.rules[`${d.key}@${s.id}`] = a;
            ids[`${d.key}@${s.id}`] = a.id;
          }
          continue;
        }
        this.rules[d.key] = alert(child(d.key), args.subscriptionScope, { id: pulumi.output(args.subscriptionScope).apply((x) => x.split("/")[2] ?? "") }, args.resourceGroupName);
      } else {
        this.rules[d.key] = new monitor.ScheduledQueryRule(child(d.key), {
          ...common,
          ruleName: names.rule(d.key, "scheduledQuery"),
          displayName: text.displayName,
          location: args.location,
          kind: "LogAlert",
          severity: d.severity,
          scopes: [args.workspaceId],
          evaluationFrequency: d.evaluationFrequency,
          windowSize: d.windowSize,
          overrideQueryTimeRange: d.overrideQueryTimeRange,
          criteria: {
            allOf: [{
              query: args.queryFor ? args.queryFor(d) : d.query,
              timeAggregation: d.trigger.timeAggregation,
              metricMeasureColumn: d.trigger.metricMeasureColumn,
              operator: d.trigger.operator,
              threshold: d.trigger.threshold,
              dimensions: (d.trigger.dimensions ?? []).map((n) => ({ name: n, operator: "Include", values: ["*"] })),
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            }],
          },
          // Security alerts are events, not states: never auto-resolve, so every firing notifies.
          autoMitigate: false,
          skipQueryValidation: typeof args.skipQueryValidation === "function" ? args.skipQueryValidation(d) : args.skipQueryValidation,
          actions: {
            actionGroups: args.actionGroupIds(d),
            customProperties: {
              ...detectionProperties(d),
              // The rule watches every subscription's rows in the workspace: each alert's
              // SubscriptionId dimension says which (tenant-level sources have none).
              "azdetect-subscription": subscriptionColumnOf(d.detection) ? "the alert's SubscriptionId dimension" : "none: tenant-level source (Entra ID, Intune)",
            },
          },
        }, { parent: this, replaceOnChanges: ["scopes"] });
      }
      ids[d.key] = this.rules[d.key].id;
    }
    this.ruleIds = pulumi.output(ids) as pulumi.Output<Record<string, string>>;
    this.registerOutputs({ ruleIds: this.ruleIds });
  }
}

/** Logical name of a tactic's component. */
export function tacticComponentName(t: Tactic): string {
  return tacticSlug(t);
}
