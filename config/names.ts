// The Azure name of everything the stack creates, in one place. Every name is fitted to Azure's
// rule for its kind (azure/names.ts): a stack name with characters a kind refuses, or too long for
// it, still gives a valid name, and a distinct one (fitting appends a hash of the wanted name).
//
// Names carry the stack's identity: `azdetect-<stack>-<token>`, where the token is a hash of the
// Pulumi organization, project and stack. Two stacks never share a name, even with equal stack
// names in different projects or backends, or when one stack's name starts with another's
// ("dev", "dev-eu"), so a maintenance window can select exactly this stack's rules by the token.
// The tenant-wide Entra ID setting and the role assignments also include the subscription.
import { createHash } from "crypto";
import { fitName, shortHash, type NameKind } from "../azure/names";

export interface StackIdentity {
  /** Pulumi organization ("organization" on self-managed backends). */
  organization: string;
  project: string;
  stack: string;
}

/** The identity of a stack named `stack` in this project when nothing else is known (tests, tools). */
export function defaultIdentity(stack: string): StackIdentity {
  return { organization: "organization", project: "azdetect", stack };
}

/** 8 hex characters identifying the stack: in every name, and what maintenance windows match. */
export function stackToken(id: StackIdentity): string {
  return shortHash("azdetect-stack", id.organization, id.project, id.stack);
}

export type Os = "windows" | "linux";

/** The Azure names of one stack's resources. */
export class StackNames {
  readonly token: string;
  /** `azdetect-<stack>-<token>`: the start of every name the stack generates. */
  readonly prefix: string;

  constructor(readonly identity: StackIdentity) {
    this.token = stackToken(identity);
    this.prefix = `azdetect-${identity.stack}-${this.token}`;
  }

  private fit(kind: NameKind, suffix: string): string {
    return fitName(kind, `${this.prefix}-${suffix}`);
  }

  /** Default resource group (subscription-wide, so it carries the token). */
  defaultResourceGroup(): string {
    return fitName("resourceGroup", this.prefix);
  }

  /** Default workspace name; unique within the stack's resource group. */
  defaultWorkspace(): string {
    return fitName("workspace", `azdetect-${this.identity.stack}`);
  }

  /**
   * A detection's rule: stable per key and stack; changing it replaces the deployed rule. It is
   * never fitted (Pulumi stack names use only characters rule names allow, and are short enough):
   * maintenance windows find the rules by `-<token>-<key prefix>` in it, which fitting would break.
   */
  rule(key: string, kind: "scheduledQuery" | "activityLog"): string {
    const wanted = `${this.prefix}-${key}`;
    const fitted = fitName(kind === "activityLog" ? "activityLogAlert" : "scheduledQueryRule", wanted);
    if (fitted !== wanted) throw new Error(`rule name ${JSON.stringify(wanted)} is not one Azure accepts (stack name ${JSON.stringify(this.identity.stack)})`);
    return wanted;
  }

  /**
   * What the alert rule id of every rule of this stack contains, and no other rule's: maintenance
   * windows match it (AlertRuleId Contains). Lower case hex between hyphens, so it matches however
   * Azure cases the id.
   */
  ruleIdMarker(keyPrefix = ""): string {
    return `-${this.token}-${keyPrefix}`;
  }

  actionGroup(name: string): string {
    return this.fit("actionGroup", name);
  }

  maintenanceWindow(name: string): string {
    return this.fit("alertProcessingRule", `maintenance-${name}`);
  }

  /** The Activity Log export: one per subscription. */
  subscriptionDiagnosticSetting(): string {
    return fitName("diagnosticSetting", this.prefix);
  }

  /**
   * A diagnostic setting on a target resource, one per destination type. The resource may be in
   * any subscription, so the name also carries the stack's: the same stack deployed to two
   * subscriptions does not claim one name twice.
   */
  resourceDiagnosticSetting(subscriptionId: string, dedicated: boolean): string {
    return this.fit("diagnosticSetting", `${this.subscriptionPart(subscriptionId)}${dedicated ? "-dedicated" : ""}`);
  }

  /** The Entra ID diagnostic setting is tenant-wide: its name also carries the subscription. */
  entraDiagnosticSetting(subscriptionId: string): string {
    return this.fit("diagnosticSetting", this.subscriptionPart(subscriptionId));
  }

  private subscriptionPart(subscriptionId: string): string {
    return `sub-${shortHash("subscription", subscriptionId.toLowerCase())}`;
  }

  dataCollectionRule(os: Os): string {
    return this.fit("dataCollectionRule", os);
  }

  /** On a VM, which may be in another subscription (association only): carries the stack's subscription too. */
  dataCollectionRuleAssociation(subscriptionId: string, os: Os): string {
    return this.fit("dataCollectionRuleAssociation", `${this.subscriptionPart(subscriptionId)}-${os}`);
  }

  policyAssignment(what: string): string {
    return this.fit("policyAssignment", what);
  }

  /** `[azdetect <stack>] <initiative>`, within 128 characters: the stack part is shortened first. */
  policyAssignmentDisplayName(initiative: string): string {
    const max = 128;
    const room = max - "[azdetect ] ".length - initiative.length;
    const stack = this.identity.stack.length <= room ? this.identity.stack : this.identity.stack.slice(0, Math.max(room - 1, 0)) + "…";
    return `[azdetect ${stack}] ${initiative}`.slice(0, max);
  }

  /** Role assignment names are tenant-wide GUIDs: stack, subscription, purpose and role. */
  roleAssignment(subscriptionId: string, what: string, roleId: string): string {
    return stableGuid("azdetect", this.token, subscriptionId.toLowerCase(), what, roleId);
  }
}

/**
 * Ends every rule description: maintenance windows select severities by it (Description
 * Contains), because Azure reports every activity-log alert as Sev4 whatever the detection's
 * severity. No spaces: the alert processing rule docs warn they affect matching.
 */
export function severityMarker(severity: number): string {
  return `azdetect-severity-${severity}`;
}

/** A stable GUID (version-4 layout) from its parts: role assignment names must be GUIDs. */
export function stableGuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("|")).digest("hex");
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
