// Every alert says which subscription it is about: one log search rule watches the workspace for
// the whole estate, so its rows carry their subscription into an alert dimension. A detection
// names the result column that holds the subscription (a subscription id, a resource id, or a
// list of resource ids); the deployed query derives `SubscriptionId` from it (several ids of one
// group joined with ", "), and, when the stack file names its subscriptions, `SubscriptionName`.
// Tenant-level detections (Entra ID, Intune) have no subscription.
import * as kql from "../kql";
import type { Detection, Requirement } from "../model";

export const SUBSCRIPTION_ID = "SubscriptionId";
export const SUBSCRIPTION_NAME = "SubscriptionName";

/** Tenant-level sources: their rows belong to no subscription. */
export function tenantLevel(r: Requirement): boolean {
  return r.source === "entraId" || (r.source === "diagnostics" && r.resourceType.toLowerCase() === "microsoft.intune");
}

/** Whether the detection reads rows of some subscription (Activity Log, resource logs, agent). */
export function readsSubscriptionData(d: Detection): boolean {
  return d.requires.some((r) => !tenantLevel(r));
}

/**
 * The result column holding the subscription: the declared one, else `resource` when it is
 * _ResourceId or SubscriptionId; undefined for tenant-level detections.
 */
export function subscriptionColumnOf(d: Detection): string | undefined {
  if (!readsSubscriptionData(d)) return undefined;
  if (d.entities.subscription) return d.entities.subscription;
  const r = d.entities.resource;
  return r === "_ResourceId" || r === SUBSCRIPTION_ID ? r : undefined;
}

/** The longest names expression added to a query; beyond it alerts carry the id only (queries stay far below Azure's size limit). */
export const SUBSCRIPTION_NAMES_MAX_CHARS = 2_000;

/**
 * The `SubscriptionName` expression over `SubscriptionId` (a case() of the named subscriptions;
 * a group spanning several subscriptions gets none), or "" when there are no names or it would be
 * too long. Names come from the stack file and enter KQL only as literals (kql.str).
 */
export function subscriptionNamesExpression(names: readonly { id: string; name: string }[]): string {
  if (names.length === 0) return "";
  const branches = names.map((n) => `${SUBSCRIPTION_ID} == ${kql.str(n.id.toLowerCase())}, ${kql.str(n.name)}`).join(", ");
  const text = `case(${branches}, "")`;
  return text.length > SUBSCRIPTION_NAMES_MAX_CHARS ? "" : text;
}

/**
 * The query with `SubscriptionId` (and `SubscriptionName` when a names expression is given) added
 * to its result, derived from `column`: the column itself when it holds a subscription id, else the
 * ids found in it as /subscriptions/<id> (a resource id, a list of them), one group's joined by ", ".
 */
export function withSubscriptionColumns(query: string, column: string, namesExpression = ""): string {
  kql.identifier(column);
  const source = `tolower(tostring(${column}))`;
  const ids = `set_union(extract_all(@"/subscriptions/([0-9a-f-]{36})", ${source}), dynamic([]))`;
  const derive = `| extend ${SUBSCRIPTION_ID} = iff(${source} matches regex @"^[0-9a-f-]{36}$", ${source}, strcat_array(${ids}, ", "))`;
  return `${query}\n${derive}${namesExpression ? `\n| extend ${SUBSCRIPTION_NAME} = ${namesExpression}` : ""}`;
}
