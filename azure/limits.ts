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
