// Azure's naming rules for every kind of name this stack generates or takes from config, as data
// with their public source, and the two operations on them: the problems of a name (config
// rejects a name Azure would refuse, before anything is declared) and fitting a wanted name into
// the rule (generated names: characters the rule refuses become '-', and a name that had to change
// or be shortened ends in a hash of the wanted name, so two different wanted names never fit to
// the same Azure name).
//
// Sources (pinned; facts only):
// - NAMING: "Naming rules and restrictions for Azure resources", Microsoft Learn
//   (learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules), the version
//   of MicrosoftDocs/azure-docs articles/azure-resource-manager/management/resource-name-rules.md
//   dated ms.date 11/20/2023 (sections Microsoft.Authorization, Microsoft.Insights,
//   Microsoft.OperationalInsights, Microsoft.Resources), licence CC BY 4.0.
// - TAGS: "Use tags to organize your Azure resources", Microsoft Learn
//   (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations).
// - TERRAFORM: hashicorp/terraform-provider-azurerm (MPL-2.0), the name validators Microsoft's
//   naming page lacks: internal/services/monitor/validate/monitor_diagnostic_setting.go and
//   alert_processing_rule_name.go at 084c24059ee36b664a7105fe9dc242a91d8cf283,
//   data_collection_rule_association_name.go at 89320845faf242108a76e6e47f816021abacddda.
import { createHash } from "crypto";

export interface NameRule {
  /** The Azure resource type (or part of one) the name belongs to. */
  what: string;
  /** Where the name must be unique. */
  scope: "resource group" | "subscription" | "tenant" | "the resource it is attached to" | "scope of assignment" | "resource";
  min: number;
  max: number;
  /** Characters allowed, as the body of a regex character class (unicode-aware); absent = all but `forbidden`. */
  allowed?: string;
  /** Characters refused (control characters always are). */
  forbidden?: string;
  /** Allowed first / last characters, as character class bodies. */
  first?: string;
  last?: string;
  /** Characters a name may not end with. */
  notLast?: string;
  /** What the rule says, in words, for error messages. */
  says: string;
  source: string;
}

const NAMING = "Microsoft Learn, Naming rules and restrictions for Azure resources";
const ALNUM = "A-Za-z0-9";

/** Every kind of name the stack generates or takes from config. */
export const NAME_RULES = {
  resourceGroup: {
    what: "Microsoft.Resources/resourceGroups", scope: "subscription", min: 1, max: 90,
    allowed: "\\p{Lu}\\p{Ll}\\p{Lt}\\p{Lm}\\p{Lo}\\p{Nd}_\\-.()", notLast: ".",
    says: "1-90 letters, digits, '_', '-', '.', '(' or ')', not ending with '.'",
    source: `${NAMING} (Microsoft.Resources, resourcegroups)`,
  },
  workspace: {
    what: "Microsoft.OperationalInsights/workspaces", scope: "resource group", min: 4, max: 63,
    allowed: `${ALNUM}-`, first: ALNUM, last: ALNUM,
    says: "4-63 letters, digits or hyphens, starting and ending with a letter or digit",
    source: `${NAMING} (Microsoft.OperationalInsights, workspaces)`,
  },
  scheduledQueryRule: {
    what: "Microsoft.Insights/scheduledQueryRules", scope: "resource group", min: 1, max: 260,
    forbidden: "*<>%{}&:\\?/#", notLast: ". ",
    says: "1-260 characters without * < > % { } & : \\ ? / # or control characters, not ending with a space or '.'",
    source: `${NAMING} (Microsoft.Insights, scheduledQueryRules)`,
  },
  activityLogAlert: {
    what: "Microsoft.Insights/activityLogAlerts", scope: "resource group", min: 1, max: 260,
    forbidden: "<>*%{}&:\\?+/#", notLast: ". ",
    says: "1-260 characters without < > * % { } & : \\ ? + / # or control characters, not ending with a space or '.'",
    source: `${NAMING} (Microsoft.Insights, activityLogAlerts)`,
  },
  actionGroup: {
    what: "Microsoft.Insights/actionGroups", scope: "resource group", min: 1, max: 260,
    forbidden: ":<>+/&%\\?", notLast: ". ",
    says: "1-260 characters without : < > + / & % \\ ? or control characters, not ending with a space or '.'",
    source: `${NAMING} (Microsoft.Insights, actionGroups)`,
  },
  alertProcessingRule: {
    // Microsoft's naming page has no row for it; Terraform's validator is the public rule. Its
    // length is not stated there: 260 is the limit of the other Microsoft.Insights alert names.
    what: "Microsoft.AlertsManagement/actionRules", scope: "resource group", min: 1, max: 260,
    allowed: `${ALNUM}_-`, first: ALNUM,
    says: "letters, digits, '_' or '-', starting with a letter or digit (at most 260)",
    source: "TERRAFORM internal/services/monitor/validate/alert_processing_rule_name.go; length as the other alert rules",
  },
  diagnosticSetting: {
    what: "Microsoft.Insights/diagnosticSettings (resource, subscription and Entra ID)", scope: "the resource it is attached to", min: 1, max: 260,
    forbidden: "<>*%&:\\?+/",
    says: "1-260 characters without < > * % & : \\ ? + / or control characters",
    source: "TERRAFORM internal/services/monitor/validate/monitor_diagnostic_setting.go",
  },
  dataCollectionRule: {
    // No public rule found (the REST specification only says the name is case-insensitive): the
    // association's characters are assumed, and generated DCR names stay far inside them.
    what: "Microsoft.Insights/dataCollectionRules", scope: "resource group", min: 1, max: 260,
    forbidden: "<>%&:\\?/",
    says: "1-260 characters without < > % & : \\ ? / or control characters (assumed: no published rule)",
    source: "none published; the data collection rule association's rule assumed",
  },
  dataCollectionRuleAssociation: {
    what: "Microsoft.Insights/dataCollectionRuleAssociations", scope: "the resource it is attached to", min: 1, max: 260,
    forbidden: "<>%&:\\?/",
    says: "1-260 characters without < > % & : \\ ? / or control characters",
    source: "TERRAFORM internal/services/monitor/validate/data_collection_rule_association_name.go; length as the other Microsoft.Insights names",
  },
  vmExtension: {
    // Microsoft's naming page has no row for virtualMachines/extensions (its Microsoft.Compute
    // section, versions of 2020 and of ms.date 03/14/2025, lists availabilitySets to
    // virtualMachineScaleSets only), nor has the compute REST spec or the ARM schema a pattern:
    // held to the rule the page gives the other Compute child and sibling names (availabilitySets,
    // images, snapshots). The stack's own extension names are the agent types (azure/telemetry-sources.ts).
    what: "Microsoft.Compute/virtualMachines/extensions", scope: "the resource it is attached to", min: 1, max: 80,
    allowed: `${ALNUM}_.-`, first: ALNUM, last: `${ALNUM}_`,
    says: "1-80 letters, digits, '_', '.' or '-', starting with a letter or digit and ending with a letter, digit or '_' (assumed: no published rule)",
    source: `no published rule for extensions; ${NAMING} (Microsoft.Compute, availabilitySets / images / snapshots) assumed`,
  },
  policyAssignment: {
    what: "Microsoft.Authorization/policyAssignments (name at subscription scope)", scope: "scope of assignment", min: 1, max: 64,
    forbidden: "<>*%&:\\?.+/", notLast: ". ",
    says: "1-64 characters without < > * % & : \\ ? . + / or control characters, not ending with a space or '.'",
    source: `${NAMING} (Microsoft.Authorization, policyAssignments)`,
  },
  policyAssignmentAtManagementGroup: {
    what: "Microsoft.Authorization/policyAssignments (name at management group scope)", scope: "scope of assignment", min: 1, max: 24,
    forbidden: "<>*%&:\\?.+/", notLast: ". ",
    says: "1-24 characters without < > * % & : \\ ? . + / or control characters, not ending with a space or '.'",
    source: `${NAMING} (Microsoft.Authorization, policyAssignments: 24 at management group scope); Azure/azure-cli#10176 (InvalidPolicyAssignmentName: "must not exceed '24' characters")`,
  },
  remediation: {
    what: "Microsoft.PolicyInsights/remediations", scope: "scope of assignment", min: 1, max: 64,
    allowed: `${ALNUM}-`, first: ALNUM, last: ALNUM,
    says: "1-64 letters, digits or hyphens, starting and ending with a letter or digit",
    source: "no documented rule found (Microsoft Learn naming rules, the PolicyInsights REST spec): held to the characters and length of the other policy names",
  },
  policyAssignmentDisplayName: {
    what: "Microsoft.Authorization/policyAssignments (display name)", scope: "scope of assignment", min: 1, max: 128,
    says: "1-128 characters of any kind",
    source: `${NAMING} (Microsoft.Authorization, policyAssignments)`,
  },
  tagName: {
    what: "tag name", scope: "resource", min: 1, max: 512,
    forbidden: "<>%&\\?/",
    says: "1-512 characters without < > % & \\ ? / or control characters",
    source: `${NAMING} (Microsoft.Resources, tagNames); TAGS`,
  },
  tagValue: {
    what: "tag value", scope: "resource", min: 0, max: 256,
    says: "at most 256 characters",
    source: `${NAMING} (Microsoft.Resources, tagNames / tagValues); TAGS`,
  },
} as const satisfies Record<string, NameRule>;

export type NameKind = keyof typeof NAME_RULES;

/** The rule of the name each azure-native resource type the stack declares is created with. */
export const NAME_KIND_OF_TOKEN: Readonly<Record<string, NameKind>> = {
  "azure-native:resources:ResourceGroup": "resourceGroup",
  "azure-native:operationalinsights:Workspace": "workspace",
  "azure-native:monitor:ScheduledQueryRule": "scheduledQueryRule",
  "azure-native:monitor:ActivityLogAlert": "activityLogAlert",
  "azure-native:monitor:ActionGroup": "actionGroup",
  "azure-native:alertsmanagement:AlertProcessingRuleByName": "alertProcessingRule",
  "azure-native:monitor:DiagnosticSetting": "diagnosticSetting",
  "azure-native:monitor:SubscriptionDiagnosticSetting": "diagnosticSetting",
  "azure-native:aadiam:DiagnosticSetting": "diagnosticSetting",
  "azure-native:monitor:DataCollectionRule": "dataCollectionRule",
  "azure-native:monitor:DataCollectionRuleAssociation": "dataCollectionRuleAssociation",
  "azure-native:authorization:PolicyAssignment": "policyAssignment",
  "azure-native:compute:VirtualMachineExtension": "vmExtension",
  "azure-native:policyinsights:RemediationAtManagementGroup": "remediation",
};

/** "Each resource, resource group, and subscription can have a maximum of 50 tag name/value pairs" (TAGS). */
export const MAX_TAGS_PER_RESOURCE = 50;

/**
 * Role assignment names are GUIDs, unique in the tenant (NAMING: Microsoft.Authorization,
 * roleAssignments: scope tenant, length 36).
 */
export const ROLE_ASSIGNMENT_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const classOf = (body: string) => new RegExp(`^[${body}]$`, "u");

function charProblem(rule: NameRule, ch: string): boolean {
  if (CONTROL.test(ch)) return true;
  if (rule.allowed !== undefined && !classOf(rule.allowed).test(ch)) return true;
  return rule.forbidden !== undefined && rule.forbidden.includes(ch);
}

/** What is wrong with a name under a rule: sentences, empty when Azure accepts it. */
export function nameProblems(kind: NameKind, name: string): string[] {
  const rule: NameRule = NAME_RULES[kind];
  const chars = [...name];
  const out: string[] = [];
  if (chars.length < rule.min || chars.length > rule.max) out.push(`is ${chars.length} characters`);
  const bad = [...new Set(chars.filter((c) => charProblem(rule, c)))];
  if (bad.length) out.push(`contains ${bad.map((c) => JSON.stringify(c)).join(", ")}`);
  if (chars.length && rule.first && !classOf(rule.first).test(chars[0])) out.push(`starts with ${JSON.stringify(chars[0])}`);
  const last = chars[chars.length - 1];
  if (last !== undefined && ((rule.last && !classOf(rule.last).test(last)) || (rule.notLast ?? "").includes(last))) out.push(`ends with ${JSON.stringify(last)}`);
  return out;
}

/** One line for config errors: `"x y" contains " " — a Log Analytics workspace name is 4-63 ...`. */
export function nameProblem(kind: NameKind, name: string): string | undefined {
  const p = nameProblems(kind, name);
  if (!p.length) return undefined;
  const rule: NameRule = NAME_RULES[kind];
  return `${JSON.stringify(name)} ${p.join(" and ")} — Azure accepts ${rule.what} names of ${rule.says}`;
}

/** 8 hex characters of SHA-256: the suffix that keeps fitted names distinct. */
export function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 8);
}

/**
 * A name the rule accepts, as close to `wanted` as possible: refused characters become '-', and
 * when anything had to change (characters, length, first or last character) the name ends in
 * `-<hash of wanted>`, so distinct wanted names stay distinct after fitting.
 */
export function fitName(kind: NameKind, wanted: string): string {
  if (nameProblems(kind, wanted).length === 0) return wanted;
  const rule: NameRule = NAME_RULES[kind];
  const suffix = "-" + shortHash(kind, wanted);
  let body = [...wanted].map((c) => (charProblem(rule, c) ? "-" : c)).join("").replace(/-{2,}/g, "-");
  const room = rule.max - suffix.length;
  body = [...body].slice(0, Math.max(room, 0)).join("");
  // The body must start as the rule says; it ends before the suffix, which ends in a hex digit.
  while (body && rule.first && !classOf(rule.first).test(body[0])) body = body.slice(1);
  body = body.replace(/[-_. ]+$/, "");
  const fitted = (body || "n") + suffix;
  const problems = nameProblems(kind, fitted);
  if (problems.length) throw new Error(`fitName(${kind}) produced ${JSON.stringify(fitted)}, which ${problems.join(" and ")}`);
  return fitted;
}
