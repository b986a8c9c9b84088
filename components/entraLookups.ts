// Entra ID (azuread) lookups made at deploy time: email recipients from a group or from UPNs,
// and app ids of allowlisted service principals. Under test they reach the mocks' `call`.
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { DeployTimeError } from "../config/errors";

/** A person who can receive mail; `mail` is empty for users without a mailbox. */
export interface EntraRecipient { objectId: string; userPrincipalName: string; mail: string }

function recipients(users: azuread.types.output.GetUsersUser[] | undefined): EntraRecipient[] {
  return (users ?? []).map((u) => ({ objectId: u.objectId, userPrincipalName: u.userPrincipalName, mail: u.mail ?? "" }));
}

/**
 * Users of an Entra group (nested groups too when transitive). Members that are not users
 * (groups, service principals, devices) are skipped: getUsers ignores ids it cannot find as users.
 */
export function groupRecipients(
  group: { displayName?: string; objectId?: string; transitive: boolean },
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<EntraRecipient[]> {
  const g = azuread.getGroupOutput({
    ...(group.objectId ? { objectId: group.objectId } : { displayName: group.displayName }),
    includeTransitiveMembers: group.transitive,
  }, opts);
  return g.members.apply((members) =>
    members && members.length
      ? azuread.getUsersOutput({ objectIds: members, ignoreMissing: true }, opts).users.apply(recipients)
      : pulumi.output([] as EntraRecipient[]));
}

/** Users by UPN; a UPN that does not exist fails the deployment (a typo must not silently drop a recipient). */
export function userRecipients(upns: string[], opts: pulumi.InvokeOutputOptions): pulumi.Output<EntraRecipient[]> {
  if (upns.length === 0) return pulumi.output([]);
  return azuread.getUsersOutput({ userPrincipalNames: upns, ignoreMissing: false }, opts).users.apply(recipients);
}

/**
 * App (client) ids and object ids of service principals by display name. azuread fails the lookup
 * when a name matches no service principal or several, which is what an allowlist needs.
 */
export function servicePrincipalIds(displayNames: string[], opts: pulumi.InvokeOutputOptions): pulumi.Output<{ appId: string; objectId: string }[]> {
  return pulumi.all(displayNames.map((displayName) => {
    const sp = azuread.getServicePrincipalOutput({ displayName }, opts);
    return pulumi.all([sp.clientId, sp.objectId]);
  })).apply((found) =>
    found.map(([appId, objectId], i) => {
      if (!appId || !objectId) throw new DeployTimeError(`azdetect:allowlists.servicePrincipalNames[${i}]: Entra ID returned no app id or object id for service principal ${JSON.stringify(displayNames[i])}`);
      return { appId, objectId };
    }));
}

/**
 * Object ids of users by UPN, and the UPNs Entra ID does not know. Not knowing one is not an error:
 * allowlisted callers can be guests of other tenants or partners acting through Lighthouse, whose
 * UPNs appear in the Activity Log but not in this directory.
 */
export function userObjectIds(upns: string[], opts: pulumi.InvokeOutputOptions): pulumi.Output<{ objectIds: string[]; unknown: string[] }> {
  return azuread.getUsersOutput({ userPrincipalNames: upns, ignoreMissing: true }, opts).users.apply((users) => {
    const found = new Set((users ?? []).map((u) => u.userPrincipalName.toLowerCase()));
    return { objectIds: (users ?? []).map((u) => u.objectId), unknown: upns.filter((u) => !found.has(u.toLowerCase())) };
  });
}
