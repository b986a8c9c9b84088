// Stack config keys `subscriptions`, `managementGroup` and `activityLogAlertSubscriptionLimit`:
// which subscriptions the stack watches. Default: the subscription it deploys to. A list sends
// every listed subscription's telemetry to the one workspace (an explicit provider each); a
// management group does it by Azure Policy for every current and future subscription under it.
// The rules stay one per detection on the workspace either way (planning/estate.ts).
import { z } from "zod";
import { keyPath } from "./errors";
import { GUID_PATTERN, obj, parseResourceId } from "./schema";
import type { TelemetryConfig } from "./telemetry";

/** The subscriptions the stack watches. */
export type Estate =
  | { mode: "current" }
  | { mode: "subscriptions"; subscriptions: EstateSubscription[] }
  | { mode: "managementGroup"; managementGroupId: string };

export interface EstateSubscription {
  /** Lower-case subscription GUID. */
  id: string;
  /** Display name, when the stack file gives one (alerts carry it; Azure is not asked). */
  name?: string;
}

/**
 * Default of activityLogAlertSubscriptionLimit: up to this many listed subscriptions, a plain
 * Activity Log operation match is deployed as one free activity-log alert per subscription;
 * above it, once as a log search rule on the workspace. Ten keeps a list estate under ~300
 * activity-log alerts (about 30 detections qualify) and ten alert resource groups, a size every
 * preview still evaluates in seconds; past it, the rules' fixed price (docs/telemetry.md) buys a
 * graph that no longer grows with the estate.
 */
export const DEFAULT_ACTIVITY_LOG_ALERT_SUBSCRIPTION_LIMIT = 10;

const subscriptionId = z.string().refine((s) => GUID_PATTERN.test(s), {
  error: (iss) => `${JSON.stringify(iss.input)} is not a subscription id — expected a GUID such as 6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11`,
});

const subscriptionEntry = z.union([
  subscriptionId,
  obj({ id: subscriptionId, name: z.string().trim().min(1, "must not be empty").max(128, "at most 128 characters").optional() }),
], { error: (iss) => (iss.code === "invalid_union" ? `expected a subscription id (GUID) or {id, name}, got ${JSON.stringify(iss.input)}` : undefined) });

// Azure: a management group id is 1-90 letters, digits, '-', '_', '(', ')' or '.', not ending in '.'.
const MANAGEMENT_GROUP_ID = /^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$/;
const MANAGEMENT_GROUP_RESOURCE = /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)$/i;

export const estateShape = {
  /** Subscription ids (or {id, name}) whose telemetry goes to the workspace; default the deploying one. */
  subscriptions: z.array(subscriptionEntry).min(1, "list at least one subscription id, or remove the key to watch the subscription the stack deploys to").superRefine((xs, ctx) => {
    const seen = new Map<string, number>();
    xs.forEach((x, i) => {
      const id = (typeof x === "string" ? x : x.id).toLowerCase();
      if (seen.has(id)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate subscription id ${id} (also at index ${seen.get(id)})` });
      else seen.set(id, i);
    });
  }).optional(),
  /** A management group: every current and future subscription under it, by Azure Policy. */
  managementGroup: z.string().refine((s) => MANAGEMENT_GROUP_ID.test(s.replace(MANAGEMENT_GROUP_RESOURCE, "$1")), {
    error: (iss) => `${JSON.stringify(iss.input)} is not a management group id — expected its id (1-90 letters, digits, '-', '_', '(', ')' or '.', not ending in '.'), e.g. mg-landing-zones, or /providers/Microsoft.Management/managementGroups/<id>`,
  }).optional(),
  /** Up to this many listed subscriptions, activity-log alerts are deployed per subscription. */
  activityLogAlertSubscriptionLimit: z.number().int().min(0).max(100).optional(),
};

type RawEstate = { subscriptions?: (string | { id: string; name?: string })[]; managementGroup?: string; activityLogAlertSubscriptionLimit?: number };

/** The estate from validated keys; problems (both keys set) are pushed with their key path. */
export function estateConfig(c: RawEstate, problems: string[]): Estate {
  if (c.subscriptions && c.managementGroup !== undefined) {
    problems.push(`${keyPath(["managementGroup"])}: set either subscriptions or managementGroup, not both — a management group already covers every subscription under it`);
  }
  if (c.managementGroup !== undefined) return { mode: "managementGroup", managementGroupId: c.managementGroup.replace(MANAGEMENT_GROUP_RESOURCE, "$1") };
  if (c.subscriptions) {
    return {
      mode: "subscriptions",
      subscriptions: c.subscriptions.map((x) => (typeof x === "string" ? { id: x.toLowerCase() } : { id: x.id.toLowerCase(), ...(x.name ? { name: x.name.trim() } : {}) })),
    };
  }
  return { mode: "current" };
}

/** Listed subscription ids (empty unless the estate is a list). */
export function listedSubscriptions(e: Estate): string[] {
  return e.mode === "subscriptions" ? e.subscriptions.map((s) => s.id) : [];
}

/**
 * With a subscription list, every diagnostics target and agent VM must sit in a listed
 * subscription: that is where the stack has a provider and reports delivery.
 */
export function estateTargetProblems(e: Estate, t: TelemetryConfig): string[] {
  const listed = new Set(listedSubscriptions(e));
  if (e.mode === "managementGroup" && t.activityLog.categories) {
    return [`${keyPath(["telemetry", "activityLog", "categories"])}: cannot be chosen with azdetect:managementGroup — the built-in Activity Log policy sends all eight categories; remove the list`];
  }
  if (e.mode !== "subscriptions") return [];
  const problems: string[] = [];
  // The two scale paths: explicit targets in listed subscriptions, policy at a management group.
  if (t.policy.enabled) problems.push(`${keyPath(["telemetry", "policy", "enabled"])}: the policy initiatives are assigned at a management group (azdetect:managementGroup), not per listed subscription — list diagnostics targets and VMs here, or watch the management group instead`);
  const check = (id: string, path: (string | number)[]) => {
    const sub = parseResourceId(id)?.subscriptionId.toLowerCase();
    if (sub && !listed.has(sub)) problems.push(`${keyPath(path)}: ${id} is in subscription ${sub}, which is not in azdetect:subscriptions — add it there, or remove this entry`);
  };
  t.diagnostics.targets.forEach((x, i) => check(x.resourceId, ["telemetry", "diagnostics", "targets", i, "resourceId"]));
  t.agent.vms.forEach((v, i) => check(v.id, ["telemetry", "agent", "vms", i, "id"]));
  return problems;
}
