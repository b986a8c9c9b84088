// Every declared resource against Azure's own definitions: the request body the provider sends
// (azure/arm-resources.ts) against the ARM schema of its API version (azure/arm-schema.ts), and
// against the service limits the schemas do not carry (azure/limits.ts). `npm run check:azure`
// and test/azure-conformance.spec.ts run it on the resources a stack declares under mocks.
import { schemaFileOf, toArmRequest, type ArmRequest } from "./arm-resources";
import { schemaViolations } from "./arm-schema";
import { nameProblem, NAME_KIND_OF_TOKEN, ROLE_ASSIGNMENT_NAME } from "./names";
import {
  ACTION_GROUP_RECEIVERS, ACTION_GROUPS_PER_RULE, ALERT_PROCESSING_FILTER_VALUES, ACTIVITY_LOG_ALERT_FIELDS, ACTIVITY_LOG_ALERT_LOCATIONS, ACTIVITY_LOG_ALERTS_PER_SUBSCRIPTION,
  DIAGNOSTIC_SETTINGS_PER_RESOURCE, EMAIL_ADDRESS_MAX, GROUP_SHORT_NAME_MAX, LIMITS, MUTE_MINUTES, SMS_COUNTRY_CODES, SYSLOG_STREAM,
  VOICE_COUNTRY_CODES, WINDOWS_EVENT_STREAMS, scheduleProblems, spell, versionAtLeast, xPathProblems,
} from "./limits";
import { isoDurationMsOrUndefined } from "../kusto/duration";
import { ACTIVITY_LOG_CATEGORIES, AGENT_EXTENSION, DIAGNOSTIC_TYPES, ENTRA_CATEGORY_TABLES, diagnosticTypeKey } from "./telemetry-sources";

/** A resource as declared: Pulumi type token, logical name, SDK inputs (secrets unwrapped). */
export interface DeclaredResource { type: string; name: string; inputs: Record<string, unknown> }

export interface Violation {
  /** The declared resource (Pulumi logical name) and its ARM type. */
  resource: string;
  armType: string;
  /** Where in the request body, e.g. properties.windowSize. */
  property: string;
  message: string;
  /** "schema" or the id of a rule in LIMIT_RULES. */
  rule: string;
}

type Json = any;
const CONDITION_OPERATORS = ["Equal", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"];
type Found = Omit<Violation, "resource" | "armType">;
const at = (rule: string, property: string, message: string): Found => ({ rule, property, message });

/** The resource type of a resource id: Microsoft.KeyVault/vaults, Microsoft.Storage/storageAccounts/blobServices. */
function typeOfResourceId(id: string): string | undefined {
  const parts = id.split("/");
  const p = parts.findIndex((x) => x.toLowerCase() === "providers");
  if (p < 0 || parts.length < p + 4) return undefined;
  const types = [`${parts[p + 1]}/${parts[p + 2]}`];
  for (let i = p + 4; i < parts.length; i += 2) types.push(parts[i]);
  return types.join("/");
}

function scheduledQueryRule(p: Json): Found[] {
  const out: Found[] = [];
  for (const problem of scheduleProblems({ evaluationFrequency: p.evaluationFrequency, windowSize: p.windowSize, overrideQueryTimeRange: p.overrideQueryTimeRange })) {
    const field = problem.split(" ")[0];
    out.push(at(field === "evaluationFrequency" ? "sqr-frequency" : field === "windowSize" ? "sqr-window" : "sqr-query-time-range", `properties.${field}`, problem));
  }
  if (!(Number.isInteger(p.severity) && p.severity >= 0 && p.severity <= 4)) out.push(at("sqr-severity", "properties.severity", `${JSON.stringify(p.severity)} is not a severity — expected an integer 0-4`));
  (p.criteria?.allOf ?? []).forEach((c: Json, i: number) => {
    if (!CONDITION_OPERATORS.includes(c.operator)) out.push(at("sqr-operator", `properties.criteria.allOf[${i}].operator`, `${JSON.stringify(c.operator)} is not an operator the service accepts — expected one of: ${CONDITION_OPERATORS.join(", ")}`));
    if ((c.dimensions ?? []).length > LIMITS.maxDimensions) out.push(at("sqr-dimensions", `properties.criteria.allOf[${i}].dimensions`, `${c.dimensions.length} dimensions — Azure takes at most ${LIMITS.maxDimensions}`));
  });
  const size = Buffer.byteLength(JSON.stringify(p), "utf8");
  if (size > LIMITS.maxRulePropertiesBytes) out.push(at("sqr-size", "properties", `${size} bytes — the properties of a log search alert rule take at most 64 KB`));
  if (typeof p.description === "string" && p.description.length > LIMITS.maxDescription.logSearch) out.push(at("sqr-size", "properties.description", `${p.description.length} characters — at most ${LIMITS.maxDescription.logSearch}`));
  if (p.muteActionsDuration !== undefined) {
    const mute = (isoDurationMsOrUndefined(p.muteActionsDuration) ?? NaN) / 60000;
    if (p.autoMitigate !== false) out.push(at("sqr-mute", "properties.muteActionsDuration", "is set while autoMitigate is not false — Azure refuses action suppression with auto mitigation"));
    if (!(MUTE_MINUTES as readonly number[]).includes(mute)) out.push(at("sqr-mute", "properties.muteActionsDuration", `${p.muteActionsDuration} is not a mute duration Azure accepts — expected one of: ${spell(MUTE_MINUTES)}`));
    if (mute * 60000 < (isoDurationMsOrUndefined(p.evaluationFrequency) ?? 0)) out.push(at("sqr-mute", "properties.muteActionsDuration", `${p.muteActionsDuration} is shorter than evaluationFrequency ${p.evaluationFrequency}`));
  }
  if ((p.scopes ?? []).length !== 1) out.push(at("sqr-scope", "properties.scopes", `${(p.scopes ?? []).length} scopes — a log search alert rule takes exactly one (the workspace)`));
  if ((p.actions?.actionGroups ?? []).length > ACTION_GROUPS_PER_RULE) out.push(at("sqr-action-groups", "properties.actions.actionGroups", `${p.actions.actionGroups.length} action groups — at most ${ACTION_GROUPS_PER_RULE}`));
  return out;
}

function activityLogAlert(p: Json, body: Json): Found[] {
  const out: Found[] = [];
  if (!ACTIVITY_LOG_ALERT_LOCATIONS.some((l) => l.toLowerCase() === String(body.location ?? "").toLowerCase())) {
    out.push(at("ala-location", "location", `${JSON.stringify(body.location)} is not a region activity log alert rules run in — expected Global, West Europe or North Europe`));
  }
  const all: Json[] = p.condition?.allOf ?? [];
  const leafProblems = (leaf: Json, where: string) => {
    const field = String(leaf.field ?? "");
    if (!ACTIVITY_LOG_ALERT_FIELDS.some((f) => f.toLowerCase() === field.toLowerCase()) && !/^properties\./i.test(field)) {
      out.push(at("ala-condition", `${where}.field`, `${JSON.stringify(leaf.field)} is not a field activity log alerts test — expected one of: ${ACTIVITY_LOG_ALERT_FIELDS.join(", ")} or properties.<name>`));
    }
    if ((leaf.equals === undefined) === (leaf.containsAny === undefined)) out.push(at("ala-condition", where, "a leaf condition has exactly one of equals and containsAny"));
  };
  all.forEach((c, i) => {
    const where = `properties.condition.allOf[${i}]`;
    if (c.anyOf !== undefined) {
      if (c.field !== undefined || c.equals !== undefined || c.containsAny !== undefined) out.push(at("ala-condition", where, "an anyOf condition holds only anyOf"));
      (c.anyOf as Json[]).forEach((leaf, j) => leafProblems(leaf, `${where}.anyOf[${j}]`));
    } else leafProblems(c, where);
  });
  const category = all.find((c) => String(c.field ?? "").toLowerCase() === "category");
  if (!category) out.push(at("ala-condition", "properties.condition.allOf", "has no condition on category — every activity log alert rule needs one"));
  else {
    const values: string[] = category.equals !== undefined ? [category.equals] : category.containsAny ?? [];
    const bad = values.filter((v) => !ACTIVITY_LOG_CATEGORIES.some((c) => c.toLowerCase() === String(v).toLowerCase()));
    if (bad.length) out.push(at("ala-condition", "properties.condition.allOf", `category ${bad.map((b) => JSON.stringify(b)).join(", ")} is not an Activity Log category — expected one of: ${ACTIVITY_LOG_CATEGORIES.join(", ")}`));
    if (values.some((v) => String(v).toLowerCase() === "administrative") && all.length < 2) out.push(at("ala-condition", "properties.condition.allOf", "category Administrative alone is refused (UnsupportedCondition) — add a condition such as operationName"));
  }
  if ((p.actions?.actionGroups ?? []).length > ACTION_GROUPS_PER_RULE) out.push(at("ala-limits", "properties.actions.actionGroups", `${p.actions.actionGroups.length} action groups — at most ${ACTION_GROUPS_PER_RULE}`));
  if (typeof p.description === "string" && p.description.length > LIMITS.maxDescription.other) out.push(at("ala-limits", "properties.description", `${p.description.length} characters — at most ${LIMITS.maxDescription.other}`));
  return out;
}

function actionGroup(p: Json): Found[] {
  const out: Found[] = [];
  for (const [kind, max] of Object.entries(ACTION_GROUP_RECEIVERS)) {
    const n = (p[kind] ?? []).length;
    if (n > max) out.push(at("ag-receivers", `properties.${kind}`, `${n} receivers — an action group takes at most ${max}`));
  }
  if (typeof p.groupShortName === "string" && p.groupShortName.length > GROUP_SHORT_NAME_MAX) out.push(at("ag-receivers", "properties.groupShortName", `${JSON.stringify(p.groupShortName)} is ${p.groupShortName.length} characters — at most ${GROUP_SHORT_NAME_MAX}`));
  (p.emailReceivers ?? []).forEach((e: Json, i: number) => {
    if (String(e.emailAddress ?? "").length > EMAIL_ADDRESS_MAX) out.push(at("ag-receivers", `properties.emailReceivers[${i}].emailAddress`, `is ${String(e.emailAddress).length} characters — at most ${EMAIL_ADDRESS_MAX}`));
  });
  const country = (kind: string, codes: readonly string[], what: string) => (p[kind] ?? []).forEach((r: Json, i: number) => {
    if (!codes.includes(String(r.countryCode))) out.push(at("ag-countries", `properties.${kind}[${i}].countryCode`, `${JSON.stringify(r.countryCode)} is not a country Azure sends ${what} to — expected one of: ${codes.join(", ")}`));
  });
  country("smsReceivers", SMS_COUNTRY_CODES, "SMS");
  country("voiceReceivers", VOICE_COUNTRY_CODES, "voice calls");
  return out;
}

/** The filters (conditions) of an alert processing rule: at most five values each. */
function alertProcessingRule(p: Json): Found[] {
  return (p.conditions ?? []).flatMap((c: Json, i: number) => {
    const n = (c.values ?? []).length;
    return n > ALERT_PROCESSING_FILTER_VALUES ? [at("apr-filter-values", `properties.conditions[${i}].values`, `${n} values in one ${c.field ?? ""} filter — an alert processing rule filter takes at most ${ALERT_PROCESSING_FILTER_VALUES}; split the values over several rules`)] : [];
  });
}

/** Categories and destination of one resource's diagnostic setting. */
function diagnosticSetting(p: Json, resourceUri: string): Found[] {
  const out: Found[] = [];
  const type = typeOfResourceId(resourceUri) ?? "";
  const key = diagnosticTypeKey(type);
  const logs: Json[] = p.logs ?? [];
  if (logs.some((l) => l.category !== undefined) && logs.some((l) => l.categoryGroup !== undefined)) out.push(at("ds-categories", "properties.logs", "mixes category and categoryGroup — one setting takes one or the other"));
  if (!key) {
    out.push(at("ds-categories", "resourceUri", `${type || resourceUri} is not a resource type whose log categories are known here (azure/telemetry-sources.ts)`));
    return out;
  }
  const known = DIAGNOSTIC_TYPES[key];
  logs.forEach((l, i) => {
    if (l.category !== undefined && !known.categories.includes(l.category)) out.push(at("ds-categories", `properties.logs[${i}].category`, `${JSON.stringify(l.category)} is not a log category of ${key} — expected one of: ${known.categories.join(", ")}`));
  });
  if (p.logAnalyticsDestinationType === "Dedicated" && !known.tables.resourceSpecific) out.push(at("ds-categories", "properties.logAnalyticsDestinationType", `Dedicated: ${key} has no resource-specific tables — leave it unset (AzureDiagnostics)`));
  if (p.logAnalyticsDestinationType !== undefined && p.logAnalyticsDestinationType !== "Dedicated" && p.logAnalyticsDestinationType !== "AzureDiagnostics") {
    out.push(at("ds-categories", "properties.logAnalyticsDestinationType", `${JSON.stringify(p.logAnalyticsDestinationType)} — expected Dedicated or unset`));
  }
  return out;
}

function entraSetting(p: Json): Found[] {
  return (p.logs ?? []).flatMap((l: Json, i: number) => (l.category in ENTRA_CATEGORY_TABLES ? [] : [at("ds-categories", `properties.logs[${i}].category`, `${JSON.stringify(l.category)} is not an Entra ID log category — expected one of: ${Object.keys(ENTRA_CATEGORY_TABLES).join(", ")}`)]));
}

function activityLogSetting(p: Json): Found[] {
  return (p.logs ?? []).flatMap((l: Json, i: number) => ((ACTIVITY_LOG_CATEGORIES as readonly string[]).includes(l.category) ? [] : [at("ds-categories", `properties.logs[${i}].category`, `${JSON.stringify(l.category)} is not an Activity Log category — expected one of: ${ACTIVITY_LOG_CATEGORIES.join(", ")}`)]));
}

function dataCollectionRule(p: Json): Found[] {
  const out: Found[] = [];
  const produced = new Set<string>();
  (p.dataSources?.windowsEventLogs ?? []).forEach((src: Json, i: number) => {
    (src.streams ?? []).forEach((s: string, j: number) => {
      produced.add(s);
      if (!(s in WINDOWS_EVENT_STREAMS)) out.push(at("dcr-streams", `properties.dataSources.windowsEventLogs[${i}].streams[${j}]`, `${JSON.stringify(s)} is not a Windows event stream — expected one of: ${Object.keys(WINDOWS_EVENT_STREAMS).join(", ")}`));
    });
    (src.xPathQueries ?? []).forEach((q: string, j: number) => {
      for (const problem of xPathProblems(q)) out.push(at("dcr-xpath", `properties.dataSources.windowsEventLogs[${i}].xPathQueries[${j}]`, problem));
    });
  });
  (p.dataSources?.syslog ?? []).forEach((src: Json, i: number) => {
    (src.streams ?? []).forEach((s: string, j: number) => {
      produced.add(s);
      if (s !== SYSLOG_STREAM) out.push(at("dcr-streams", `properties.dataSources.syslog[${i}].streams[${j}]`, `${JSON.stringify(s)} is not the syslog stream — expected ${SYSLOG_STREAM}`));
    });
  });
  const destinations = new Set(Object.values(p.destinations ?? {}).flatMap((list) => (Array.isArray(list) ? list.map((d: Json) => d.name) : [])));
  (p.dataFlows ?? []).forEach((f: Json, i: number) => {
    (f.streams ?? []).forEach((s: string, j: number) => {
      if (!produced.has(s)) out.push(at("dcr-streams", `properties.dataFlows[${i}].streams[${j}]`, `${JSON.stringify(s)} comes from no data source of this rule`));
    });
    (f.destinations ?? []).forEach((d: string, j: number) => {
      if (!destinations.has(d)) out.push(at("dcr-streams", `properties.dataFlows[${i}].destinations[${j}]`, `${JSON.stringify(d)} is not a destination of this rule — expected one of: ${[...destinations].join(", ")}`));
    });
  });
  return out;
}

function vmExtension(p: Json): Found[] {
  const os = p.type === AGENT_EXTENSION.windows.type ? "windows" : p.type === AGENT_EXTENSION.linux.type ? "linux" : undefined;
  if (p.publisher !== AGENT_EXTENSION.publisher || !os) {
    return [at("ama-extension", "properties.type", `${JSON.stringify(p.publisher)}/${JSON.stringify(p.type)} is not the Azure Monitor Agent — expected ${AGENT_EXTENSION.publisher} ${AGENT_EXTENSION.windows.type} or ${AGENT_EXTENSION.linux.type}`)];
  }
  const min = AGENT_EXTENSION[os].typeHandlerVersion;
  return versionAtLeast(String(p.typeHandlerVersion), min) ? [] : [at("ama-extension", "properties.typeHandlerVersion", `${JSON.stringify(p.typeHandlerVersion)} — expected a major.minor version of at least ${min} (Microsoft's own ${os === "windows" ? "Windows" : "Linux"} sample)`)];
}

function workspace(p: Json): Found[] {
  return p.sku?.name === "PerGB2018" ? [] : [at("workspace-sku", "properties.sku.name", `${JSON.stringify(p.sku?.name)} — a new workspace takes PerGB2018`)];
}

/** Limit violations of one request (the resource's own rules). */
export function limitViolations(r: ArmRequest, inputs: Record<string, unknown>): Found[] {
  const body = r.body as Json;
  const p = (body.properties ?? {}) as Json;
  switch (r.type.token) {
    case "azure-native:monitor:ScheduledQueryRule": return scheduledQueryRule(p);
    case "azure-native:monitor:ActivityLogAlert": return activityLogAlert(p, body);
    case "azure-native:monitor:ActionGroup": return actionGroup(p);
    case "azure-native:alertsmanagement:AlertProcessingRuleByName": return alertProcessingRule(p);
    case "azure-native:monitor:DiagnosticSetting": return diagnosticSetting(p, String(inputs.resourceUri ?? ""));
    case "azure-native:aadiam:DiagnosticSetting": return entraSetting(p);
    case "azure-native:monitor:SubscriptionDiagnosticSetting": return activityLogSetting(p);
    case "azure-native:monitor:DataCollectionRule": return dataCollectionRule(p);
    case "azure-native:compute:VirtualMachineExtension": return vmExtension(p);
    case "azure-native:operationalinsights:Workspace": return workspace(p);
    default: return [];
  }
}

/** A policy assignment at a management group has a shorter name rule than one at a subscription. */
const atManagementGroup = (scope: unknown): boolean => /^\/providers\/Microsoft\.Management\/managementGroups\//i.test(String(scope ?? ""));

/** The resource's Azure name (and a policy assignment's display name) against Azure's naming rules (azure/names.ts). */
function nameViolations(r: ArmRequest, inputs: Record<string, unknown>): Found[] {
  const out: Found[] = [];
  const policyAtGroup = r.type.token === "azure-native:authorization:PolicyAssignment" && atManagementGroup(inputs.scope);
  const kind = policyAtGroup ? "policyAssignmentAtManagementGroup" : NAME_KIND_OF_TOKEN[r.type.token];
  const nameParam = r.type.pathParams[r.type.pathParams.length - 1];
  if (r.type.token === "azure-native:authorization:RoleAssignment") {
    if (!ROLE_ASSIGNMENT_NAME.test(r.name)) out.push(at("names", nameParam, `${JSON.stringify(r.name)} — a role assignment name is a GUID`));
  } else if (kind) {
    const problem = nameProblem(kind, r.name);
    if (problem) out.push(at("names", nameParam, problem));
  }
  if (r.type.token === "azure-native:authorization:PolicyAssignment" && typeof inputs.displayName === "string") {
    const problem = nameProblem("policyAssignmentDisplayName", inputs.displayName);
    if (problem) out.push(at("names", "properties.displayName", problem));
  }
  return out;
}

/** Rules over all declared resources together: settings per resource, activity log alerts per subscription. */
function stackViolations(requests: { resource: DeclaredResource; request: ArmRequest }[]): Violation[] {
  const out: Violation[] = [];
  const perResource = new Map<string, { names: string[]; first: DeclaredResource }>();
  for (const { resource } of requests.filter((x) => x.resource.type === "azure-native:monitor:DiagnosticSetting")) {
    const uri = String(resource.inputs.resourceUri).toLowerCase();
    const e = perResource.get(uri) ?? { names: [], first: resource };
    e.names.push(String(resource.inputs.name));
    perResource.set(uri, e);
  }
  for (const [uri, e] of perResource) {
    if (e.names.length > DIAGNOSTIC_SETTINGS_PER_RESOURCE) out.push({ resource: e.first.name, armType: "Microsoft.Insights/diagnosticSettings", rule: "ds-per-resource", property: "resourceUri", message: `${uri} gets ${e.names.length} diagnostic settings — a resource takes at most ${DIAGNOSTIC_SETTINGS_PER_RESOURCE}` });
  }
  // Counted per subscription: an alert lives in the subscription it watches (its scope).
  const alertsBySubscription = new Map<string, typeof requests>();
  for (const x of requests.filter((r) => r.resource.type === "azure-native:monitor:ActivityLogAlert")) {
    const scope = String((x.resource.inputs.scopes as unknown[] | undefined)?.[0] ?? "");
    const sub = scope.split("/")[2]?.toLowerCase() ?? "";
    alertsBySubscription.set(sub, [...(alertsBySubscription.get(sub) ?? []), x]);
  }
  for (const [sub, alerts] of alertsBySubscription) {
    if (alerts.length > ACTIVITY_LOG_ALERTS_PER_SUBSCRIPTION) out.push({ resource: alerts[ACTIVITY_LOG_ALERTS_PER_SUBSCRIPTION].resource.name, armType: "Microsoft.Insights/activityLogAlerts", rule: "ala-limits", property: "(count)", message: `${alerts.length} activity log alert rules${sub ? ` in subscription ${sub}` : ""} — a subscription takes at most ${ACTIVITY_LOG_ALERTS_PER_SUBSCRIPTION}` });
  }
  return out;
}

export interface ConformanceReport {
  /** Per ARM type (with API version): how many resources were checked and their violations. */
  byType: { armType: string; apiVersion: string; token: string; resources: number; violations: Violation[] }[];
  resources: number;
  schemas: number;
  violations: Violation[];
}

/** Checks every declared custom resource (components are skipped). */
export function checkResources(declared: readonly DeclaredResource[]): ConformanceReport {
  const requests = declared.map((resource) => ({ resource, request: toArmRequest(resource.type, resource.inputs) }));
  const violations: Violation[] = [];
  for (const { resource, request } of requests) {
    const base = { resource: resource.name, armType: request.type.armType };
    for (const v of schemaViolations(request)) violations.push({ ...base, ...v, rule: "schema" });
    for (const v of limitViolations(request, resource.inputs)) violations.push({ ...base, ...v });
    for (const v of nameViolations(request, resource.inputs)) violations.push({ ...base, ...v });
  }
  violations.push(...stackViolations(requests));
  const byToken = new Map<string, ConformanceReport["byType"][number]>();
  const tokenOf = new Map(requests.map((x) => [x.resource.name, x.request.type.token]));
  for (const { request } of requests) {
    const e = byToken.get(request.type.token) ?? { armType: request.type.armType, apiVersion: request.type.apiVersion, token: request.type.token, resources: 0, violations: [] };
    e.resources++;
    byToken.set(request.type.token, e);
  }
  for (const v of violations) byToken.get(tokenOf.get(v.resource)!)?.violations.push(v);
  const byType = [...byToken.values()].sort((a, b) => a.armType.localeCompare(b.armType) || a.token.localeCompare(b.token));
  return { byType, resources: requests.length, schemas: new Set(requests.map((x) => schemaFileOf(x.request.type))).size, violations };
}
