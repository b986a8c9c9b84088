// A stack's estate (the subscriptions it watches) applied to its detections and telemetry plan:
// where activity-log alerts can go, and, per watched subscription (or for the management group),
// which log sources are delivered, pending or missing, what the detections miss there, and what
// the ingestion there costs. Pure: the program, `npm run plan` and the tests call it.
import type { Estate } from "../config/estate";
import { parseResourceId } from "../config/schema";
import type { TelemetryConfig } from "../config/telemetry";
import { diagnosticTypeKey } from "../azure/telemetry-sources";
import { RESOURCE_LOGS_INITIATIVE_TYPES } from "../azure/telemetry-policies";
import type { Detection, Requirement } from "../detections/model";
import { tenantLevel } from "../detections/patterns/subscription";
import { sourceIds, type PriceTable } from "./cost";
import type { TelemetryPlan } from "./telemetry";

/** Whether plain Activity Log operation matches can deploy as activity-log alerts, and why not. */
export interface ActivityLogAlertPlacement {
  allowed: boolean;
  /** Subscriptions each such detection gets an alert in (unknown for a management group). */
  subscriptions: number | "unknown";
  /** Why they deploy as log search rules instead (allowed false). */
  reason?: string;
}

/**
 * An activity-log alert watches one subscription and must be created in it (MicrosoftDocs
 * azure-docs, articles/monitoring-and-diagnostics/alert-activity-log.md at 5caf576: "Subscription
 * in the scope is not different from the subscription where the alert is created"); a management
 * group cannot be its scope (MicrosoftDocs/azure-docs#33530). So a list deploys one per subscription
 * up to the limit, and a management group, or a longer list, one log search rule on the workspace.
 */
export function activityLogAlertPlacement(estate: Estate, limit: number): ActivityLogAlertPlacement {
  if (estate.mode === "current") return { allowed: true, subscriptions: 1 };
  if (estate.mode === "managementGroup") {
    return { allowed: false, subscriptions: "unknown", reason: `azdetect:managementGroup is set: an activity-log alert watches one subscription, never a management group, so it deploys once as a log search rule on the workspace` };
  }
  const n = estate.subscriptions.length;
  if (n <= limit) return { allowed: true, subscriptions: n };
  return { allowed: false, subscriptions: n, reason: `${n} subscriptions is over azdetect:activityLogAlertSubscriptionLimit (${limit}): one log search rule on the workspace instead of ${n} activity-log alerts` };
}

export type Delivery = "delivered" | "pending" | "missing" | "provided";

export interface SourceDelivery {
  /** activityLog, diagnostics:<type>, agent:<os>. */
  source: string;
  status: Delivery;
  /** How (or why not): "stack setting", "2 targets", "policy at ...", "no target in this subscription". */
  how: string;
  /** Resources or VMs the stack sends it from here (diagnostics, agent). */
  instances?: number;
}

export interface ScopeTelemetry {
  /** A watched subscription, the one the stack deploys to (id known at deploy time), or the management group. */
  kind: "subscription" | "deploying-subscription" | "managementGroup";
  /** Subscription or management group id; empty for the deploying subscription. */
  id: string;
  name?: string;
  sources: SourceDelivery[];
  /**
   * Detection key -> what it misses here: the stack-wide gaps (Entra ID, disabled sources,
   * pending policies) plus the sources not delivered in this subscription.
   */
  gaps: Record<string, string[]>;
  /** Monthly ingestion estimate of what this scope sends (free sources excluded). */
  ingestionMonthly?: number;
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

/** Source ids of a requirement, with diagnostics types in their canonical spelling. */
const sourceIdsOf = (r: Requirement): string[] => (r.source === "diagnostics" ? [`diagnostics:${diagnosticTypeKey(r.resourceType) ?? r.resourceType}`] : sourceIds(r));

/** The subscription of a resource id, lower-cased. */
function subscriptionOf(resourceId: string): string | undefined {
  return parseResourceId(resourceId.replace(/\/(blob|file|queue|table)Services\/default$/i, ""))?.subscriptionId.toLowerCase();
}

/** The per-subscription view of a telemetry plan. One entry per watched subscription, or one for the management group. */
export function estateTelemetry(
  detections: readonly { key: string; detection: Detection }[],
  t: TelemetryConfig,
  estate: Estate,
  plan: TelemetryPlan,
): ScopeTelemetry[] {
  const provided = t.provided.map((p) => p.toLowerCase());
  const isProvided = (source: string) => provided.some((p) => source.toLowerCase() === p || source.toLowerCase().startsWith(p + ":"));
  const pendingAbout = (source: string) => Object.values(plan.pending).some((ps) => ps.some((p) => p.startsWith(source + " (") || p.startsWith(source + ":")));
  // Sources the deployed detections read, except tenant-level ones (Entra ID is one per tenant).
  const needed = uniq(detections.flatMap((d) => d.detection.requires.filter((r) => !tenantLevel(r)).flatMap(sourceIdsOf))).sort();

  const scopes: { kind: ScopeTelemetry["kind"]; id: string; name?: string; inScope: (resourceId: string) => boolean }[] =
    estate.mode === "subscriptions"
      ? estate.subscriptions.map((s) => ({ kind: "subscription" as const, id: s.id, name: s.name, inScope: (r: string) => subscriptionOf(r) === s.id }))
      : estate.mode === "managementGroup"
        ? [{ kind: "managementGroup" as const, id: estate.managementGroupId, inScope: () => true }]
        : [{ kind: "deploying-subscription" as const, id: "", inScope: () => true }];
  const remediated = (what: "activityLog" | "resourceLogs" | "agent") => t.policy.remediated.includes(what);
  const where = estate.mode === "managementGroup" ? `management group ${estate.managementGroupId}` : estate.mode === "subscriptions" ? "this subscription" : "the subscription";

  return scopes.map((scope) => {
    const sources: SourceDelivery[] = needed.map((source) => {
      if (isProvided(source)) return { source, status: "provided", how: "telemetry.provided: delivered outside the stack" };
      const [kind, rest] = [source.split(":")[0], source.slice(source.indexOf(":") + 1)];
      if (kind === "activityLog") {
        if (!plan.activityLog) return { source, status: "missing", how: "telemetry.activityLog.enabled is false" };
        if (plan.activityLog.via === "policy") {
          return remediated("activityLog")
            ? { source, status: "delivered", how: `Activity Log policy at ${where} (remediation recorded in telemetry.policy.remediated)` }
            : { source, status: "pending", how: `Activity Log policy at ${where}: delivered once Azure has evaluated it and its remediation task has run` };
        }
        return { source, status: "delivered", how: "the stack's subscription diagnostic setting" };
      }
      if (kind === "diagnostics") {
        const n = uniq(plan.diagnostics.filter((d) => d.resourceType.toLowerCase() === rest.toLowerCase() && scope.inScope(d.resourceUri)).map((d) => d.resourceUri.toLowerCase())).length;
        if (n > 0) return { source, status: "delivered", how: `${n} target${n === 1 ? "" : "s"} in telemetry.diagnostics.targets`, instances: n };
        if (pendingAbout(source)) return { source, status: "pending", how: `resource-logs initiative at ${where}, until its remediation task has run` };
        if (plan.policy.resourceLogs && remediated("resourceLogs") && (RESOURCE_LOGS_INITIATIVE_TYPES as readonly string[]).includes(rest)) return { source, status: "delivered", how: `resource-logs initiative at ${where} (remediation recorded in telemetry.policy.remediated; AzureDiagnostics tables only)` };
        return { source, status: "missing", how: `no target of this type in ${where}` };
      }
      // agent:<os>
      const n = plan.agent.vms.filter((v) => v.os === rest && scope.inScope(v.id)).length;
      if (n > 0) return { source, status: "delivered", how: `${n} VM${n === 1 ? "" : "s"} in telemetry.agent.vms`, instances: n };
      if (plan.policy.agent.includes(rest as "windows" | "linux")) {
        return remediated("agent")
          ? { source, status: "delivered", how: "agent initiative (remediation recorded)" }
          : { source, status: "pending", how: `agent initiative at ${where}, until its remediation task has run` };
      }
      return { source, status: "missing", how: `no ${rest === "windows" ? "Windows" : "Linux"} VM of telemetry.agent.vms in ${where}` };
    });

    const notHere = new Map(sources.filter((s) => s.status === "missing" || s.status === "pending").map((s) => [s.source, s]));
    const gaps: Record<string, string[]> = {};
    for (const d of detections) {
      const own = [...(plan.gaps[d.key] ?? [])];
      for (const r of d.detection.requires) {
        for (const id of sourceIdsOf(r)) {
          const s = notHere.get(id);
          if (s && !own.some((g) => g.startsWith(id + " (") || g.startsWith(id + ":"))) own.push(`${id} (${s.status === "pending" ? "pending: " : ""}${s.how})`);
        }
      }
      if (own.length) gaps[d.key] = uniq(own);
    }
    return { kind: scope.kind, id: scope.id, ...(scope.name ? { name: scope.name } : {}), sources, gaps };
  });
}

/** What each scope's ingestion costs a month (the diagnostics and agent it sends; the Activity Log is free). */
export function withIngestionCost(scopes: ScopeTelemetry[], prices: PriceTable, daysPerMonth: number): ScopeTelemetry[] {
  return scopes.map((s) => ({
    ...s,
    ingestionMonthly: Math.round(s.sources.reduce((sum, src) => {
      if (src.status !== "delivered" || !src.instances || prices.freeSources.includes(src.source)) return sum;
      return sum + (prices.gbPerDay[src.source] ?? 0) * src.instances * daysPerMonth * prices.ingestionPerGb;
    }, 0) * 100) / 100,
  }));
}

/** The stack output telemetryBySubscription: per scope, each source's status and how. */
export function telemetryBySubscriptionOutput(scopes: ScopeTelemetry[]): Record<string, { name?: string; kind: ScopeTelemetry["kind"]; sources: Record<string, string> }> {
  return Object.fromEntries(scopes.map((s) => [
    s.kind === "deploying-subscription" ? "deploying-subscription" : s.kind === "managementGroup" ? `managementGroup:${s.id}` : s.id,
    { kind: s.kind, ...(s.name ? { name: s.name } : {}), sources: Object.fromEntries(s.sources.map((x) => [x.source, `${x.status} (${x.how})`])) },
  ]));
}
