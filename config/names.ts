// The Azure name of everything the stack creates, in one place. Every name is fitted to Azure's
// rule for its kind (azure/names.ts): an identity with characters a kind refuses, or too long for
// it, still gives a valid name, and a distinct one (fitting appends a hash of the wanted name).
//
// Names scoped to the stack's resource group (rules, action groups, DCRs, maintenance windows)
// are `azdetect-<identity>-...` as since 0.1.0, so deployed stacks keep them (a new name would
// replace the resource). Names whose scope reaches beyond that group also carry a hash of the
// Pulumi organization, project, identity and subscription: the subscription's Activity Log
// setting, settings and associations on resources anywhere, policy assignments, role assignments
// and the tenant-wide Entra ID setting. Two stacks, or one stack deployed twice, never claim one of
// those twice. Rules carry the stack's token (organization, project, identity) in their
// description, which is what maintenance windows match.
import { createHash } from "crypto";
import { fitName, shortHash, type NameKind } from "../azure/names";

export interface StackIdentity {
  /** Pulumi organization ("organization" on self-managed backends). */
  organization: string;
  project: string;
  /** The identity in the names: the stack's name in the stack program, `<stack>-<component>` in a library user's. */
  stack: string;
}

/** The identity of a stack named `stack` in this project when nothing else is known (tests, tools). */
export function defaultIdentity(stack: string): StackIdentity {
  return { organization: "organization", project: "azdetect", stack };
}

/** Default resource group: `azdetect-<stack>`, fitted (unchanged for every name Azure accepts). */
export function defaultResourceGroupName(stack: string): string {
  return fitName("resourceGroup", `azdetect-${stack}`);
}

/** Default workspace: `azdetect-<stack>`, fitted (a stack name with '_' or '.' gives a valid one). */
export function defaultWorkspaceName(stack: string): string {
  return fitName("workspace", `azdetect-${stack}`);
}

export type Os = "windows" | "linux";

/** The Azure names of one stack's resources. */
export class StackNames {
  /** 8 hex characters of the organization, project and identity: in every rule's description. */
  readonly token: string;
  /** `azdetect-<identity>`: the start of every name. */
  readonly prefix: string;

  constructor(readonly identity: StackIdentity) {
    this.token = shortHash("azdetect-stack", identity.organization, identity.project, identity.stack);
    this.prefix = `azdetect-${identity.stack}`;
  }

  private fit(kind: NameKind, suffix: string): string {
    return fitName(kind, `${this.prefix}-${suffix}`);
  }

  /** `<prefix>-<hash of token and subscription>`: names whose scope is wider than the resource group. */
  private deployed(subscriptionId: string): string {
    return `${this.prefix}-${shortHash(this.token, subscriptionId.toLowerCase())}`;
  }

  /** A detection's rule: stable per key and identity; changing it replaces the deployed rule. */
  rule(key: string, kind: "scheduledQuery" | "activityLog"): string {
    return this.fit(kind === "activityLog" ? "activityLogAlert" : "scheduledQueryRule", key);
  }

  /**
   * The markers that end a rule's description: this stack's token with the rule's configured
   * severity and key prefix (each ATRM tactic has its hundred: azt3xx is Execution), in both orders,
   * so a maintenance window selects by severity, by tactic or both with `Description Contains`.
   * No spaces inside a marker: the alert processing rule docs warn they affect matching.
   */
  ruleMarkers(severity: number, key: string): string {
    const s = `s${severity}`, t = keyPrefix(key);
    return `${this.marker(s, t)} ${this.marker(t, s)}`;
  }

  /** `azdetect-<token>-<parts>`: one marker, or with fewer parts the start every matching marker shares. */
  marker(...parts: string[]): string {
    return [`azdetect-${this.token}`, ...parts].join("-");
  }

  actionGroup(name: string): string {
    return this.fit("actionGroup", name);
  }

  maintenanceWindow(name: string): string {
    return this.fit("alertProcessingRule", `maintenance-${name}`);
  }

  dataCollectionRule(os: Os): string {
    return this.fit("dataCollectionRule", os);
  }

  /** The Activity Log export: one per subscription. */
  subscriptionDiagnosticSetting(subscriptionId: string): string {
    return fitName("diagnosticSetting", this.deployed(subscriptionId));
  }

  /** A diagnostic setting on a target resource (in any subscription), one per destination type. */
  resourceDiagnosticSetting(subscriptionId: string, dedicated: boolean): string {
    return fitName("diagnosticSetting", `${this.deployed(subscriptionId)}${dedicated ? "-dedicated" : ""}`);
  }

  /** The Entra ID diagnostic setting: tenant-wide. */
  entraDiagnosticSetting(subscriptionId: string): string {
    return fitName("diagnosticSetting", this.deployed(subscriptionId));
  }

  /** On a VM, which may be in another subscription (association only). */
  dataCollectionRuleAssociation(subscriptionId: string, os: Os): string {
    return fitName("dataCollectionRuleAssociation", `${this.deployed(subscriptionId)}-${os}`);
  }

  /** At subscription scope: 64 characters at most, so long identities are fitted with their hash. */
  policyAssignment(subscriptionId: string, what: string): string {
    return fitName("policyAssignment", `${this.deployed(subscriptionId)}-${what}`);
  }

  /**
   * At a management group: at most 24 characters (azure/names.ts), so `azd-<what>-<hash of the
   * token, group and policy>`, with `what` abbreviated (al Activity Log, rl resource logs, aw / ax
   * the Windows / Linux agent).
   */
  managementGroupPolicyAssignment(managementGroupId: string, what: string): string {
    const abbreviation = ({ "activity-log": "al", "resource-logs": "rl", "agent-windows": "aw", "agent-linux": "ax" } as Record<string, string>)[what] ?? what.slice(0, 2);
    return fitName("policyAssignmentAtManagementGroup", `azd-${abbreviation}-${shortHash(this.token, managementGroupId.toLowerCase(), what)}`);
  }

  /** A remediation task of a management-group assignment: one per member and round. */
  remediation(managementGroupId: string, what: string, member: string, round: number): string {
    return fitName("remediation", `${this.prefix}-${shortHash(this.token, managementGroupId.toLowerCase())}-${what}${member ? `-${member}` : ""}-r${round}`);
  }

  /** `[azdetect <identity>] <initiative>`, within 128 characters: the identity is shortened first. */
  policyAssignmentDisplayName(initiative: string): string {
    const max = 128;
    const room = max - "[azdetect ] ".length - initiative.length;
    const id = this.identity.stack.length <= room ? this.identity.stack : this.identity.stack.slice(0, Math.max(room - 1, 0)) + "…";
    return `[azdetect ${id}] ${initiative}`.slice(0, max);
  }

  /** Role assignment names are tenant-wide GUIDs: stack, subscription, purpose and role. */
  roleAssignment(subscriptionId: string, what: string, roleId: string): string {
    return stableGuid("azdetect", this.token, subscriptionId.toLowerCase(), what, roleId);
  }
}

/** The first four characters of a detection key: `azt3` for every Execution detection. */
export function keyPrefix(key: string): string {
  return key.slice(0, 4);
}

/** A stable GUID (version-4 layout) from its parts: role assignment names must be GUIDs. */
export function stableGuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("|")).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
