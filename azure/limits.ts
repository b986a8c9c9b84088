// Azure Monitor limits that the ARM schemas do not carry, each with the public page it comes from.
// The catalogue checks, the stack config and `npm run check:azure` apply them; the sources are
// listed per rule in docs/azure-conformance.md (LIMIT_RULES below).
import { isoDurationMsOrUndefined } from "../kusto/duration";

/** Where a fact was read: a page, or a file of a public repository pinned by commit. */
export interface Source {
  title: string;
  url: string;
  /** owner/name, path and commit when the page is a file in a public repository. */
  repo?: string;
  path?: string;
  commit?: string;
}

/** A page of MicrosoftDocs/azure-monitor-docs (published under learn.microsoft.com/azure/azure-monitor/). */
const docs = (title: string, path: string, commit: string): Source => ({
  title,
  url: path.includes("/includes/")
    ? `https://github.com/MicrosoftDocs/azure-monitor-docs/blob/${commit}/${path}`
    : `https://learn.microsoft.com/azure/azure-monitor/${path.replace(/^articles\/azure-monitor\//, "").replace(/\.md$/, "")}`,
  repo: "MicrosoftDocs/azure-monitor-docs",
  path,
  commit,
});

/** The public pages and files the rules below come from. */
export const SOURCES = {
  logAlertRule: docs("Create or edit a log search alert rule", "articles/azure-monitor/alerts/alerts-create-log-alert-rule.md", "1293fdbc771e40e23ff068e4d75bd55a3a42671a"),
  alertLimits: docs("Azure Monitor service limits: alerts", "articles/azure-monitor/alerts/includes/azure-monitor-limits-alerts.md", "2ba4b27c5a8af1f3d91232abddc519202934de19"),
  actionGroupLimits: docs("Azure Monitor service limits: action groups", "articles/azure-monitor/alerts/includes/azure-monitor-limits-action-groups.md", "183f66c505fe9bda40f8b1dc44310c3a051e8913"),
  windowGranularities: {
    title: "Azure/azure-rest-api-specs issue 21258: the service answers a windowSize outside \"Supported granularities are: 5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880\"",
    url: "https://github.com/Azure/azure-rest-api-specs/issues/21258",
  },
  azurermScheduledQueryRule: {
    title: "hashicorp/terraform-provider-azurerm: the values azurerm_monitor_scheduled_query_rules_alert_v2 accepts for evaluation_frequency, window_duration, query_time_range_override and mute_actions_after_alert_duration (\"the service API has more strict limitation than just ISO 8601\", PR 18960)",
    url: "https://github.com/hashicorp/terraform-provider-azurerm/blob/0a296f60ee0be649a4f7688b6a5a8f76114a9a87/internal/services/monitor/monitor_scheduled_query_rules_alert_v2_resource.go",
    repo: "hashicorp/terraform-provider-azurerm",
    path: "internal/services/monitor/monitor_scheduled_query_rules_alert_v2_resource.go",
    commit: "0a296f60ee0be649a4f7688b6a5a8f76114a9a87",
  },
  actionGroups: docs("Action groups (SMS and voice countries/regions)", "articles/azure-monitor/alerts/action-groups.md", "0fbb3c9ea74ddab08806408ecebc570e9aae89f4"),
  alertProcessingRules: docs("Alert processing rules (Alert processing rule filters: \"Each filter can include up to five values\")", "articles/azure-monitor/alerts/alerts-processing-rules.md", "003b48bd76a89a833a643d12a13806ff7987fd53"),
  activityLogAlertRule: docs("Create or edit an activity log alert rule (Region)", "articles/azure-monitor/alerts/alerts-create-activity-log-alert-rule.md", "3682c786d63b638748b2a3fa67beaf371f0353fa"),
  activityLogAlertSchema: {
    title: "ARM schema Microsoft.Insights/activityLogAlerts 2020-10-01: location \"Global, West Europe and North Europe\", leaf fields and shapes (descriptions of the vendored schema)",
    url: "https://github.com/Azure/azure-resource-manager-schemas/blob/a1454431151fd3e9c1b254b1a11d00c2d8474611/schemas/2020-10-01/Microsoft.Insights.json",
    repo: "Azure/azure-resource-manager-schemas", path: "schemas/2020-10-01/Microsoft.Insights.json", commit: "a1454431151fd3e9c1b254b1a11d00c2d8474611",
  },
  administrativeNeedsMore: {
    title: "Azure/azure-cli#8732: a condition on category Administrative alone is refused (UnsupportedCondition: \"Specify additional conditions for this category: Administrative\")",
    url: "https://github.com/Azure/azure-cli/issues/8732",
  },
  muteNeedsNoAutoMitigate: {
    title: "Azure/azure-powershell#22583: \"Auto mitigation must be disabled when action suppression is set\" (azurerm refuses the same combination)",
    url: "https://github.com/Azure/azure-powershell/issues/22583",
  },
  equalNotEquals: {
    title: "Azure/azure-rest-api-specs#21794: the spec lists the operator Equals, the service accepts only Equal (azurerm validates \"Equal\" for the same reason)",
    url: "https://github.com/Azure/azure-rest-api-specs/issues/21794",
  },
  oneScope: {
    title: "MicrosoftDocs/azure-dev-docs#1131: \"Scopes list should contain exactly 1 resource Id\" for a workspace-scoped log search alert",
    url: "https://github.com/MicrosoftDocs/azure-dev-docs/issues/1131",
  },
  scheduledQueryRuleSchema: {
    title: "ARM schema Microsoft.Insights/scheduledQueryRules 2025-01-01-preview: severity \"an integer between [0-4]\" (description of the vendored schema)",
    url: "https://github.com/Azure/azure-resource-manager-schemas/blob/a1454431151fd3e9c1b254b1a11d00c2d8474611/schemas/2025-01-01-preview/Microsoft.Insights.json",
    repo: "Azure/azure-resource-manager-schemas", path: "schemas/2025-01-01-preview/Microsoft.Insights.json", commit: "a1454431151fd3e9c1b254b1a11d00c2d8474611",
  },
  fiveDiagnosticSettings: {
    title: "hashicorp/terraform-provider-azurerm#27801: the service answers \"The limit of 5 diagnostic settings was reached\" (also MicrosoftDocs/azure-docs#120930)",
    url: "https://github.com/hashicorp/terraform-provider-azurerm/issues/27801",
  },
  categoryOrGroup: {
    title: "Azure/azure-sdk-for-java#35427: one diagnostic setting cannot mix category and categoryGroup",
    url: "https://github.com/Azure/azure-sdk-for-java/issues/35427",
  },
  supportedLogs: {
    title: "Azure Monitor supported logs per resource type (categories and their tables; a resource-specific table = Dedicated accepted), MicrosoftDocs/azure-reference-other azure-monitor-ref/supported-logs/includes/",
    url: "https://github.com/MicrosoftDocs/azure-reference-other/tree/bd9f3feeeee7a528954e580c84c4b9a74058d736/azure-monitor-ref/supported-logs/includes",
    repo: "MicrosoftDocs/azure-reference-other", path: "azure-monitor-ref/supported-logs/includes/", commit: "bd9f3feeeee7a528954e580c84c4b9a74058d736",
  },
  windowsEvents: docs("Collect Windows events with Azure Monitor Agent (security events, XPath queries)", "articles/azure-monitor/agents/data-collection-windows-events.md", "0f835f4c7e883f94fe02c7827179f21c50854521"),
  agentSamples: docs("Resource Manager template samples for agents (Azure Monitor Agent extension)", "articles/azure-monitor/agents/resource-manager-agent.md", "30a5ec20eb63aced1c900ea06a83c3b273ca2049"),
  workspaceTiers: docs("Azure Monitor Logs cost calculations (legacy pricing tiers, commitment tiers)", "articles/azure-monitor/logs/cost-logs.md", "0488e07bf841a42b1ad21a31063e9f304f4b132d"),
  queryApiLimits: docs("Azure Monitor service limits: Log Analytics workspaces, Query API", "articles/azure-monitor/logs/includes/azure-monitor-limits-workspaces.md", "1566e016ac25e7b5ccf984640aa3ec267eda2d45"),
  queryThrottling: docs("Azure Monitor service limits: log queries, user query throttling", "articles/azure-monitor/logs/includes/azure-monitor-limits-log-queries.md", "005411c2ae0b1234548af8c9312231d443eee023"),
  queryTimeouts: docs("Log Analytics API: timeouts (Prefer: wait, 504 Gateway Timeout)", "articles/azure-monitor/logs/api/timeouts.md", "fd0af3bfd6cbc94a2a815bd55f498ff8f4d0a454"),
  queryResponseFormat: docs("Log Analytics API response format (tables, columns, rows; a partial error)", "articles/azure-monitor/logs/api/response-format.md", "498534b635514e0acea5b632541121ad5281f4da"),
  queryErrors: docs("Log Analytics API errors (403 InsufficientAccessError, 404 PathNotFoundError)", "articles/azure-monitor/logs/api/errors.md", "04f72d4a9174fd66a95e055400e9b8af4c39872c"),
  queryPermissions: docs("Permissions required to query (Microsoft.OperationalInsights/workspaces/query/*/read, Log Analytics Reader)", "articles/azure-monitor/logs/includes/log-analytics-query-permissions.md", "c34bb2246f2c0741d5b4d3182daf163c8b1967eb"),
  tablePlans: docs("Azure Monitor Logs overview: table plans (query price included for Analytics, not for Basic and Auxiliary)", "articles/azure-monitor/logs/data-platform-logs.md", "08c110a05b45ea5510ca37baf267337d21cc66f2"),
  basicLogsQuery: docs("Query data in a Basic and Auxiliary table: pricing model (charged per GB the query scans)", "articles/azure-monitor/logs/basic-logs-query.md", "128b0495c67ee6fc9b938c98363ecd2ffe73cd61"),
} satisfies Record<string, Source>;

const MIN = 60_000;

/**
 * Query time ranges (windowSize and overrideQueryTimeRange) the service accepts, in minutes: the
 * granularities it lists when it refuses another (azure-rest-api-specs#21258). azurerm accepts the
 * same for the override plus PT20M, which the service's own list lacks: refused here too.
 */
export const QUERY_RANGE_MINUTES = [5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880] as const;
/** evaluationFrequency values azurerm accepts (PT1M to P1D); PT1M is refused for this stack's queries (FREQUENCY_ONE_MINUTE). */
export const FREQUENCY_MINUTES = [1, 5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440] as const;
/**
 * A one-minute frequency makes the service rewrite the query, which fails for queries that use
 * ingestion_time() (logAlertRule, "one minute"): every query of this stack selects rows by arrival.
 */
export const FREQUENCY_ONE_MINUTE = 1;
/** muteActionsDuration values azurerm accepts. */
export const MUTE_MINUTES = [5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880] as const;

/** "The alert time range is limited to a maximum of two days" (logAlertRule, Override query time range). */
export const MAX_QUERY_TIME_RANGE_MS = 2880 * MIN;

/**
 * The Log Analytics query API (what `npm run backtest -- --workspace` pulls rows with). A response
 * over a limit comes back as a partial result, not as an error status (queryResponseFormat).
 */
export const QUERY_API = {
  /** "Maximum records returned in a single query: 500,000" (queryApiLimits). */
  maxRows: 500_000,
  /** "~104 MB (~100 MiB) ... The API returns up to 64 MB of compressed data, which translates to up to 100 MB of raw data" (queryApiLimits). */
  maxResponseBytes: 100 * 2 ** 20,
  /** "Maximum query running time: 10 minutes" (queryApiLimits); "The default timeout is 3 minutes. The maximum timeout is 10 minutes", set with `Prefer: wait=<seconds>`, a query over it fails with 504 (queryTimeouts). */
  maxServerTimeoutSeconds: 600,
  /** "200 requests per 30 seconds per Microsoft Entra user or client IP address" (queryApiLimits); beyond it, and beyond 5 concurrent queries queued for 3 minutes, HTTP 429 (queryThrottling). */
  maxRequestsPer30s: 200,
  maxConcurrentQueries: 5,
};

export const LIMITS = {
  /** "You can apply up to six dimensions per alert rule" (logAlertRule). */
  maxDimensions: 6,
  /** "The combined size of all data in the properties of the log search alert rules can't exceed 64 KB" (logAlertRule, alertLimits). */
  maxRulePropertiesBytes: 64 * 1024,
  /** Characters in a rule's query: our own bound, well inside the 64 KB of all rule properties, so a query that grows by accident is noticed. */
  maxQueryLength: 10_000,
  /** Log search alert description: 4,096 characters; every other alert rule and processing rule: 2,048 (alertLimits). */
  maxDescription: { logSearch: 4096, other: 2048 },
  /** Severity 0 (Critical) to 4 (Verbose). */
  severities: [0, 1, 2, 3, 4],
};

const iso = (minutes: number): string => {
  const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
  const time = (h ? `${h}H` : "") + (m ? `${m}M` : "");
  return `P${d ? `${d}D` : ""}${time ? `T${time}` : ""}`;
};
/** The ISO-8601 spelling of each accepted value (PT45M, PT1H, P2D), for messages and docs. */
export const spell = (minutes: readonly number[]): string => minutes.map(iso).join(", ");

const minutesOf = (s: string): number => (isoDurationMsOrUndefined(s) ?? NaN) / MIN;

/**
 * The smallest query time range Azure accepts that holds `ms`: a rule that needs 1h15m of rows is
 * given PT2H. A longer range never alerts twice on the same rows here, because every query selects
 * rows by arrival (detections/patterns/arrival.ts); it only scans more. Throws beyond P2D.
 */
export function roundUpQueryTimeRange(ms: number): string {
  const minutes = QUERY_RANGE_MINUTES.find((m) => m * MIN >= ms);
  if (minutes === undefined) throw new Error(`a query time range of ${ms / MIN} minutes exceeds Azure's maximum of P2D`);
  return iso(minutes);
}

/** Problems with a frequency/window/override combination, as sentences (none = valid). */
export function scheduleProblems(s: { evaluationFrequency: string; windowSize: string; overrideQueryTimeRange?: string }): string[] {
  const out: string[] = [];
  const f = minutesOf(s.evaluationFrequency), w = minutesOf(s.windowSize);
  if (f === FREQUENCY_ONE_MINUTE) {
    out.push(`evaluationFrequency ${s.evaluationFrequency} is refused: a one-minute frequency fails for queries that use ingestion_time(), as every query here does — expected one of: ${spell(FREQUENCY_MINUTES.filter((m) => m !== FREQUENCY_ONE_MINUTE))}`);
  } else if (!(FREQUENCY_MINUTES as readonly number[]).includes(f)) {
    out.push(`evaluationFrequency ${s.evaluationFrequency} is not a frequency Azure accepts — expected one of: ${spell(FREQUENCY_MINUTES.filter((m) => m !== FREQUENCY_ONE_MINUTE))}`);
  }
  if (!(QUERY_RANGE_MINUTES as readonly number[]).includes(w)) out.push(`windowSize ${s.windowSize} is not a window Azure accepts — expected one of: ${spell(QUERY_RANGE_MINUTES)}`);
  if (w < f) out.push(`windowSize ${s.windowSize} is shorter than evaluationFrequency ${s.evaluationFrequency}: events between two runs would never be seen`);
  if (s.overrideQueryTimeRange !== undefined) {
    const o = minutesOf(s.overrideQueryTimeRange);
    if (!(QUERY_RANGE_MINUTES as readonly number[]).includes(o)) out.push(`overrideQueryTimeRange ${s.overrideQueryTimeRange} is not a query time range Azure accepts — expected one of: ${spell(QUERY_RANGE_MINUTES)}`);
    if (o < w) out.push(`overrideQueryTimeRange ${s.overrideQueryTimeRange} is shorter than windowSize ${s.windowSize}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rules on declared resources (applied by azure/conformance.ts to every request body, and by the
// stack config to what the user writes). Each has an id, the resource type it applies to, what it
// says and where it comes from; docs/azure-conformance.md lists them.

export interface LimitRule {
  id: string;
  /** ARM resource type the rule applies to. */
  armType: string;
  rule: string;
  sources: Source[];
}

/** Receivers of one kind an action group takes (actionGroupLimits). */
export const ACTION_GROUP_RECEIVERS = {
  emailReceivers: 1000, smsReceivers: 10, voiceReceivers: 10, webhookReceivers: 10, logicAppReceivers: 10, automationRunbookReceivers: 10,
  azureAppPushReceivers: 10, armRoleReceivers: 10, eventHubReceivers: 10, itsmReceivers: 10,
} as const;
/** "The character limit in an e-mail address is 64" (actionGroupLimits). */
export const EMAIL_ADDRESS_MAX = 64;
/** At most 12 characters, shown as the SMS sender (schema maxLength; action-groups.md templates). */
export const GROUP_SHORT_NAME_MAX = 12;
/** Action groups one alert rule can notify. */
export const ACTION_GROUPS_PER_RULE = 5;

/** Country calling codes Azure sends SMS to (actionGroups, "Countries/Regions with SMS notification support"). */
export const SMS_COUNTRY_CODES = ["1", "7", "27", "31", "32", "33", "34", "39", "40", "41", "43", "44", "45", "47", "49", "52", "55", "56", "60", "61", "64", "65", "81", "82", "86", "91", "351", "352", "353", "358", "372", "420", "852", "886", "971", "972"] as const;
/** Country calling codes Azure places voice calls to (actionGroups, "Countries/Regions with Voice notification support"). */
export const VOICE_COUNTRY_CODES = ["1", "7", "27", "31", "32", "33", "34", "39", "40", "41", "43", "44", "45", "46", "47", "49", "52", "55", "56", "60", "61", "64", "65", "81", "82", "86", "91", "351", "352", "353", "358", "372", "420", "852", "886", "971", "972"] as const;

/** Regions an activity log alert rule may live in (activityLogAlertRule, activityLogAlertSchema); compared case-insensitively. */
export const ACTIVITY_LOG_ALERT_LOCATIONS = ["Global", "West Europe", "North Europe", "westeurope", "northeurope"] as const;
/** Fields an activity log alert leaf condition may test, besides any field starting with "properties." (activityLogAlertSchema). */
export const ACTIVITY_LOG_ALERT_FIELDS = ["resourceId", "category", "caller", "level", "operationName", "resourceGroup", "resourceProvider", "status", "subStatus", "resourceType"] as const;
/** Activity log alert rules per subscription, not increasable (alertLimits). */
export const ACTIVITY_LOG_ALERTS_PER_SUBSCRIPTION = 100;

/** Values one alert processing rule filter (condition) takes: "Each filter can include up to five values" (alertProcessingRules). */
export const ALERT_PROCESSING_FILTER_VALUES = 5;

/** Diagnostic settings one resource takes (fiveDiagnosticSettings). */
export const DIAGNOSTIC_SETTINGS_PER_RESOURCE = 5;

/** Streams a Windows event data source feeds, and the table each fills (windowsEvents; Microsoft-SecurityEvent with Sentinel). */
export const WINDOWS_EVENT_STREAMS = { "Microsoft-Event": "Event", "Microsoft-WindowsEvent": "WindowsEvent", "Microsoft-SecurityEvent": "SecurityEvent" } as const;
export const SYSLOG_STREAM = "Microsoft-Syslog";
/** "Azure Monitor data collection rules support up to 20" expressions in one XPath query (windowsEvents). */
export const XPATH_MAX_EXPRESSIONS = 20;
/** XPath functions Windows event log queries do not support (windowsEvents: "starts-with" and "contains" are not supported). */
const XPATH_UNSUPPORTED_FUNCTIONS = ["starts-with", "contains", "substring", "string-length", "normalize-space", "translate", "concat"];

/** Problems with one DCR XPath query `<channel>!<XPath>`, as sentences (none = accepted). */
export function xPathProblems(q: string): string[] {
  const out: string[] = [];
  const bang = q.indexOf("!");
  if (bang <= 0) return [`${JSON.stringify(q)} is not <channel>!<XPath query> — e.g. Security!*[System[(EventID=4624)]]`];
  const path = q.slice(bang + 1);
  if (!path.trim()) out.push(`${JSON.stringify(q)} has no XPath after the channel — e.g. ${q.slice(0, bang)}!*[System[(EventID=4624)]]`);
  let depth = 0, paren = 0, quote: string | undefined;
  for (const c of path) {
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "(") paren++;
    else if (c === ")") paren--;
    if (depth < 0 || paren < 0) break;
  }
  if (quote || depth !== 0 || paren !== 0) out.push(`${JSON.stringify(q)} has unbalanced ${quote ? "quotes" : depth !== 0 ? "brackets" : "parentheses"}`);
  for (const f of XPATH_UNSUPPORTED_FUNCTIONS) if (new RegExp(`\\b${f}\\s*\\(`).test(path)) out.push(`${JSON.stringify(q)} uses ${f}(), which Windows event log XPath does not support`);
  const expressions = (path.match(/!=|<=|>=|=|<|>/g) ?? []).length;
  if (expressions > XPATH_MAX_EXPRESSIONS) out.push(`${JSON.stringify(q)} has ${expressions} expressions — a data collection rule takes at most ${XPATH_MAX_EXPRESSIONS} per query; split it into several queries`);
  return out;
}

/** The major.minor of an extension typeHandlerVersion ("1.21" -> [1, 21]), or undefined. */
const majorMinor = (v: string): [number, number] | undefined => {
  const m = /^(\d+)\.(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};
/** Whether `v` is at least `min` (both major.minor). */
export function versionAtLeast(v: string, min: string): boolean {
  const a = majorMinor(v), b = majorMinor(min);
  return !!a && !!b && (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]));
}

const S = SOURCES;
export const LIMIT_RULES: readonly LimitRule[] = [
  { id: "sqr-frequency", armType: "Microsoft.Insights/scheduledQueryRules", rule: `evaluationFrequency is one of ${spell(FREQUENCY_MINUTES.filter((m) => m !== FREQUENCY_ONE_MINUTE))}; PT1M fails for queries using ingestion_time()`, sources: [S.azurermScheduledQueryRule, S.logAlertRule] },
  { id: "sqr-window", armType: "Microsoft.Insights/scheduledQueryRules", rule: `windowSize is one of ${spell(QUERY_RANGE_MINUTES)}`, sources: [S.windowGranularities, S.azurermScheduledQueryRule] },
  { id: "sqr-query-time-range", armType: "Microsoft.Insights/scheduledQueryRules", rule: `overrideQueryTimeRange is one of ${spell(QUERY_RANGE_MINUTES)} (at most two days), and not shorter than windowSize`, sources: [S.windowGranularities, S.azurermScheduledQueryRule, S.logAlertRule] },
  { id: "sqr-operator", armType: "Microsoft.Insights/scheduledQueryRules", rule: "a condition's operator is Equal, GreaterThan, GreaterThanOrEqual, LessThan or LessThanOrEqual (the schema's Equals is refused)", sources: [S.equalNotEquals, S.azurermScheduledQueryRule] },
  { id: "sqr-severity", armType: "Microsoft.Insights/scheduledQueryRules", rule: "severity is an integer 0-4", sources: [S.scheduledQueryRuleSchema] },
  { id: "sqr-dimensions", armType: "Microsoft.Insights/scheduledQueryRules", rule: `at most ${LIMITS.maxDimensions} dimensions per condition`, sources: [S.logAlertRule] },
  { id: "sqr-size", armType: "Microsoft.Insights/scheduledQueryRules", rule: `the properties together (query included) at most 64 KB; the description at most ${LIMITS.maxDescription.logSearch} characters`, sources: [S.logAlertRule, S.alertLimits] },
  { id: "sqr-mute", armType: "Microsoft.Insights/scheduledQueryRules", rule: `muteActionsDuration only with autoMitigate false, one of ${spell(MUTE_MINUTES)}, not shorter than evaluationFrequency`, sources: [S.muteNeedsNoAutoMitigate, S.azurermScheduledQueryRule] },
  { id: "sqr-scope", armType: "Microsoft.Insights/scheduledQueryRules", rule: "exactly one scope (the workspace)", sources: [S.oneScope] },
  { id: "sqr-action-groups", armType: "Microsoft.Insights/scheduledQueryRules", rule: `at most ${ACTION_GROUPS_PER_RULE} action groups`, sources: [S.actionGroups] },
  { id: "ala-location", armType: "Microsoft.Insights/activityLogAlerts", rule: `location is Global, West Europe or North Europe`, sources: [S.activityLogAlertSchema, S.activityLogAlertRule] },
  { id: "ala-condition", armType: "Microsoft.Insights/activityLogAlerts", rule: `allOf has a leaf on category; with category Administrative at least one more condition; each leaf names a field (${ACTIVITY_LOG_ALERT_FIELDS.join(", ")} or properties.*) with exactly one of equals/containsAny; an anyOf holds only leaves`, sources: [S.activityLogAlertSchema, S.administrativeNeedsMore] },
  { id: "ala-limits", armType: "Microsoft.Insights/activityLogAlerts", rule: `at most ${ACTIVITY_LOG_ALERTS_PER_SUBSCRIPTION} activity log alert rules per subscription (this stack's count them all), ${ACTION_GROUPS_PER_RULE} action groups per rule, a description of at most ${LIMITS.maxDescription.other} characters`, sources: [S.alertLimits, S.actionGroups] },
  { id: "ag-receivers", armType: "Microsoft.Insights/actionGroups", rule: `receivers per kind at most ${Object.entries(ACTION_GROUP_RECEIVERS).map(([k, n]) => `${n} ${k.replace(/Receivers$/, "")}`).join(", ")}; email addresses at most ${EMAIL_ADDRESS_MAX} characters; groupShortName at most ${GROUP_SHORT_NAME_MAX}`, sources: [S.actionGroupLimits] },
  { id: "ag-countries", armType: "Microsoft.Insights/actionGroups", rule: `SMS only to country codes ${SMS_COUNTRY_CODES.join(", ")}; voice calls only to ${VOICE_COUNTRY_CODES.join(", ")}`, sources: [S.actionGroups] },
  { id: "apr-filter-values", armType: "Microsoft.AlertsManagement/actionRules", rule: `at most ${ALERT_PROCESSING_FILTER_VALUES} values in one filter (condition); the values are ORed, so a longer list becomes several rules`, sources: [S.alertProcessingRules] },
  { id: "ds-per-resource", armType: "Microsoft.Insights/diagnosticSettings", rule: `at most ${DIAGNOSTIC_SETTINGS_PER_RESOURCE} diagnostic settings per resource (the stack's own count against the user's)`, sources: [S.fiveDiagnosticSettings] },
  { id: "ds-categories", armType: "Microsoft.Insights/diagnosticSettings", rule: "every log category is one the target's resource type has; Dedicated only for types with resource-specific tables; category and categoryGroup not mixed", sources: [S.supportedLogs, S.categoryOrGroup] },
  { id: "dcr-streams", armType: "Microsoft.Insights/dataCollectionRules", rule: `Windows event streams are ${Object.keys(WINDOWS_EVENT_STREAMS).join(", ")} (Microsoft-SecurityEvent needs Microsoft Sentinel), syslog streams ${SYSLOG_STREAM}; every data flow stream comes from a data source of the rule and every flow destination is declared`, sources: [S.windowsEvents] },
  { id: "dcr-xpath", armType: "Microsoft.Insights/dataCollectionRules", rule: `every XPath query is <channel>!<XPath>, balanced, at most ${XPATH_MAX_EXPRESSIONS} expressions, without starts-with()/contains()`, sources: [S.windowsEvents] },
  { id: "ama-extension", armType: "Microsoft.Compute/virtualMachines/extensions", rule: "publisher Microsoft.Azure.Monitor, type AzureMonitorWindowsAgent or AzureMonitorLinuxAgent, typeHandlerVersion major.minor at least what Microsoft's samples install (Windows 1.0, Linux 1.21)", sources: [S.agentSamples] },
  { id: "workspace-sku", armType: "Microsoft.OperationalInsights/workspaces", rule: "a new workspace takes PerGB2018 (legacy tiers are closed, a commitment tier needs its level)", sources: [S.workspaceTiers] },
];
