// Entra ID (azuread) lookups made at deploy time: email recipients from a group or from UPNs,
// and app ids of allowlisted service principals. Under test they reach the mocks' `call`.
// A lookup that fails (a user, group or service principal Entra ID does not know, a name that
// matches several) ends the deployment with one line naming the config key, the value looked up
// (names and UPNs, never a credential) and the reason the provider gave.
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { DeployTimeError, keyPath } from "../config/errors";

/** A person who can receive mail; `mail` is empty for users without a mailbox. */
export interface EntraRecipient { objectId: string; userPrincipalName: string; mail: string }

function recipients(users: azuread.types.output.GetUsersUser[] | undefined): EntraRecipient[] {
  return (users ?? []).map((u) => ({ objectId: u.objectId, userPrincipalName: u.userPrincipalName, mail: u.mail ?? "" }));
}

/**
 * The provider's reason on one line. A failed invoke reaches the program as the engine's message,
 * "invocation of <token> returned an error: invoking <token>: 1 error occurred:\n\t* <summary>: <detail>",
 * or, for an input the provider refused, "Invoke of '<token>' failed: <reason> (<property>)".
 */
export function lookupReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .replace(/invocation of \S+ returned an error:\s*/g, "")
    .replace(/invoking \S+:\s*/g, "")
    .replace(/Invoke of '\S+' failed:\s*/g, "")
    .replace(/\d+ errors? occurred:/g, "")
    .split("\n")
    .map((l) => l.trim().replace(/^\*\s*/, ""))
    .filter((l) => l)
    .join("; ") || "no reason given";
}

/** Runs an invoke; its failure becomes one line: `<key>: <what> — Entra ID: <reason>`. */
function lookup<T>(key: string, what: string, invoke: () => Promise<T>): pulumi.Output<pulumi.Unwrap<T>> {
  return pulumi.output(invoke().catch((e: unknown) => {
    throw new DeployTimeError(`${key}: ${what} — Entra ID: ${lookupReason(e)}`);
  }));
}

/** The values among `values` that a provider's message names (quoted, as it quotes them; case-insensitive), else all of them. */
function named(values: readonly string[], e: unknown): string[] {
  const text = (e instanceof Error ? e.message : String(e)).toLowerCase();
  const hit = values.filter((v) => text.includes(JSON.stringify(v.toLowerCase())));
  return hit.length ? hit : [...values];
}

/**
 * Users of an Entra group (nested groups too when transitive). Members that are not users
 * (groups, service principals, devices) are skipped: getUsers ignores ids it cannot find as users.
 * `at` is the config path of the action group (["actionGroups", "soc"]).
 */
export function groupRecipients(
  group: { displayName?: string; objectId?: string; transitive: boolean },
  at: readonly PropertyKey[],
  opts: pulumi.InvokeOptions,
): pulumi.Output<EntraRecipient[]> {
  const byId = Boolean(group.objectId);
  const key = keyPath([...at, "entraGroup", byId ? "objectId" : "displayName"]);
  const value = JSON.stringify(byId ? group.objectId : group.displayName);
  const g = lookup(key, `group ${value} could not be read`, () => azuread.getGroup({
    ...(byId ? { objectId: group.objectId } : { displayName: group.displayName }),
    includeTransitiveMembers: group.transitive,
  }, opts));
  return g.apply((found) =>
    found.members && found.members.length
      ? lookup(key, `the members of group ${value} could not be read`, () => azuread.getUsers({ objectIds: found.members, ignoreMissing: true }, opts)).apply((r) => recipients(r.users))
      : pulumi.output([] as EntraRecipient[]));
}

/**
 * Users by UPN; a UPN that does not exist fails the deployment (a typo must not silently drop a
 * recipient). `at` is the config path of the list (["actionGroups", "soc", "entraUsers"]).
 */
export function userRecipients(upns: string[], at: readonly PropertyKey[], opts: pulumi.InvokeOptions): pulumi.Output<EntraRecipient[]> {
  if (upns.length === 0) return pulumi.output([]);
  return pulumi.output(azuread.getUsers({ userPrincipalNames: upns, ignoreMissing: false }, opts).then(
    (r) => recipients(r.users),
    (e: unknown) => {
      const which = named(upns, e).map((u) => JSON.stringify(u)).join(", ");
      throw new DeployTimeError(`${keyPath(at)}: ${which} could not be found — Entra ID: ${lookupReason(e)}`);
    },
  ));
}

/**
 * App (client) ids and object ids of service principals by display name. azuread fails the lookup
 * when a name matches no service principal or several, which is what an allowlist needs.
 */
export function servicePrincipalIds(displayNames: string[], opts: pulumi.InvokeOptions): pulumi.Output<{ appId: string; objectId: string }[]> {
  const key = keyPath(["allowlists", "servicePrincipalNames"]);
  return pulumi.all(displayNames.map((displayName) =>
    lookup(key, `service principal ${JSON.stringify(displayName)} must match exactly one service principal`, () => azuread.getServicePrincipal({ displayName }, opts))
      .apply((sp) => {
        if (!sp.clientId || !sp.objectId) throw new DeployTimeError(`${key}: Entra ID returned no app id or object id for service principal ${JSON.stringify(displayName)}`);
        return { appId: sp.clientId, objectId: sp.objectId };
      })));
}

/**
 * Object ids of users by UPN, and the UPNs Entra ID does not know. Not knowing one is not an error:
 * allowlisted callers can be guests of other tenants or partners acting through Lighthouse, whose
 * UPNs appear in the Activity Log but not in this directory. The lookup itself failing (no
 * permission to read users) is.
 */
export function userObjectIds(upns: string[], opts: pulumi.InvokeOptions): pulumi.Output<{ objectIds: string[]; unknown: string[] }> {
  const values = upns.map((u) => JSON.stringify(u)).join(", ");
  return lookup(`${keyPath(["allowlists"])} (callers, userPrincipalNames)`, `looking up ${values} failed`, () => azuread.getUsers({ userPrincipalNames: upns, ignoreMissing: true }, opts))
    .apply((r) => {
      const users = r.users ?? [];
      const found = new Set(users.map((u) => u.userPrincipalName.toLowerCase()));
      return { objectIds: users.map((u) => u.objectId), unknown: upns.filter((u) => !found.has(u.toLowerCase())) };
    });
}
