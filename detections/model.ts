// The detection model: typed data, reviewed like code. Nothing here imports Pulumi.
//
// A detection is one alert rule for one ATRM technique. Its signal is either a KQL query
// (deployed as a log search alert) or a plain Activity Log operation match, which can be
// deployed as a free activity-log alert and is also rendered as the equivalent KQL so the
// same samples and the same analyser check both forms.

export const TACTICS = [
  "Reconnaissance",
  "Initial Access",
  "Execution",
  "Privilege Escalation",
  "Persistence",
  "Credential Access",
  "Impact",
] as const;
export type Tactic = (typeof TACTICS)[number];

/** Folder name of a tactic under detections/ (e.g. "Privilege Escalation" -> "privilege-escalation"). */
export function tacticSlug(t: Tactic): string {
  return t.toLowerCase().replace(/ /g, "-");
}

/** Azure Monitor severity: 0 Critical, 1 Error, 2 Warning, 3 Informational, 4 Verbose. */
export type Severity = 0 | 1 | 2 | 3 | 4;
export const SEVERITIES: readonly Severity[] = [0, 1, 2, 3, 4];

// The alert trigger (operator, threshold, aggregation, dimensions) is the shape the alert emulator
// evaluates: one type for the catalogue and kusto/alert.ts.
export { OPERATORS, TIME_AGGREGATIONS } from "../kusto/trigger";
export type { Operator, TimeAggregation, Trigger } from "../kusto/trigger";
import type { Trigger } from "../kusto/trigger";

// ---------------------------------------------------------------------------------------------
// Telemetry requirements: what a detection reads, so the suite can deploy it or report the gap.

// The categories are Azure facts, listed with their sources in azure/telemetry-sources.ts.
import { ACTIVITY_LOG_CATEGORIES, ENTRA_CATEGORY_TABLES } from "../azure/telemetry-sources";
export { ACTIVITY_LOG_CATEGORIES, ENTRA_CATEGORY_TABLES };
export type ActivityLogCategory = (typeof ACTIVITY_LOG_CATEGORIES)[number];
export type EntraCategory = keyof typeof ENTRA_CATEGORY_TABLES;
export const ENTRA_CATEGORIES = Object.keys(ENTRA_CATEGORY_TABLES) as EntraCategory[];

// Where resource logs land (AzureDiagnostics or resource-specific tables): an Azure fact, defined
// with the diagnostic categories in azure/telemetry-sources.ts.
import type { DiagnosticsDestination } from "../azure/telemetry-sources";
export type { DiagnosticsDestination };

export type Requirement =
  | { source: "activityLog"; categories: ActivityLogCategory[] }
  | { source: "entraId"; categories: EntraCategory[] }
  | {
      source: "diagnostics";
      /** ARM resource type whose diagnostic setting emits the logs, e.g. Microsoft.KeyVault/vaults. */
      resourceType: string;
      categories: string[];
      destination: DiagnosticsDestination;
      /** Tables filled, e.g. ["AzureDiagnostics"] or ["StorageBlobLogs"]. */
      tables: string[];
    }
  | {
      source: "agent";
      os: "windows";
      /** Windows event log XPath for the data collection rule. */
      xPathQueries: string[];
      /** Microsoft-Event lands in Event, Microsoft-SecurityEvent in SecurityEvent. */
      stream: "Microsoft-Event" | "Microsoft-SecurityEvent";
      /** What must be configured inside the OS for the events to exist at all. */
      osPrerequisite?: string;
    }
  | { source: "agent"; os: "linux"; facilities: string[]; minimumLevel: SyslogLevel; osPrerequisite?: string };

export const SYSLOG_LEVELS = ["Debug", "Info", "Notice", "Warning", "Error", "Critical", "Alert", "Emergency"] as const;
export type SyslogLevel = (typeof SYSLOG_LEVELS)[number];

/** The Log Analytics tables a requirement fills. */
export function tablesOf(r: Requirement): string[] {
  switch (r.source) {
    case "activityLog":
      return ["AzureActivity"];
    case "entraId":
      return r.categories.map((c) => ENTRA_CATEGORY_TABLES[c]);
    case "diagnostics":
      return r.tables;
    case "agent":
      if (r.os === "linux") return ["Syslog"];
      return [r.stream === "Microsoft-Event" ? "Event" : "SecurityEvent"];
  }
}

// ---------------------------------------------------------------------------------------------
// Parameters: tunables with defaults that stack config can override per environment.

/**
 * Org-wide allowlists in stack config that a list parameter can draw from. `objectIds` serves tables
 * that log Entra object ids instead of names (MicrosoftGraphActivityLogs): at deploy time it also
 * receives the object ids of the UPNs in `callers` and `userPrincipalNames` and of the service
 * principals in `servicePrincipalNames`, so one entry allowlists an identity in every table.
 */
export const GLOBAL_ALLOWLISTS = ["callers", "appIds", "ipAddresses", "userPrincipalNames", "objectIds"] as const;
export type GlobalAllowlist = (typeof GLOBAL_ALLOWLISTS)[number];

export type Parameter =
  | {
      type: "stringList";
      description: string;
      default: string[];
      /** Values of this global allowlist (config `allowlists.<name>`) are added to the list. */
      allowlist?: GlobalAllowlist;
    }
  | { type: "number"; description: string; default: number; min?: number; max?: number; integer?: boolean }
  | { type: "string"; description: string; default: string; pattern?: RegExp };

export type ParameterValue = string[] | number | string;
export type ParameterValues = Record<string, ParameterValue>;

// ---------------------------------------------------------------------------------------------
// Signals.

/**
 * A plain Activity Log operation match: the cheapest and fastest detection. `operations` are ARM
 * operation names in their documented mixed case; comparisons are case-insensitive in both forms.
 */
export interface ActivityOperationMatch {
  operations: string[];
  /**
   * Which outcome to alert on. `succeeded` matches ActivityStatusValue Success/Succeeded;
   * `attempted` alerts on the operation whatever its outcome, once: the activity-log alert on its
   * Start event, the log search form in the run that ingests the operation's first row (the Start
   * row, or a completion row when no earlier row of the operation is in the query range).
   */
  outcome: "succeeded" | "attempted" | "failed";
  category?: ActivityLogCategory;
}

export interface QuerySignal {
  kind: "query";
  /** Builds the KQL from resolved parameters; config values must enter only through kql.ts. */
  query: (p: ParameterValues) => string;
  trigger: Trigger;
}

/**
 * What an operation match can exclude on: the caller, its address, or CallerAppId, the application
 * (client) id of the caller's token (AzureActivity Claims_d.appid, log-values.md 1.4), which names a
 * Microsoft service acting as itself where Caller holds only its tenant-specific object id.
 */
export type ExclusionColumn = "Caller" | "CallerIpAddress" | "CallerAppId";

export interface ActivityLogSignal {
  kind: "activityLog";
  match: ActivityOperationMatch;
  /**
   * Allowlists only the log-search form can apply: rows whose `column` is in the string-list
   * parameter are dropped. When any of them is non-empty after config is applied, the detection
   * is deployed as a log search alert, because activity-log alerts have no "not equal" condition.
   */
  exclusions?: { column: ExclusionColumn; parameter: string }[];
}

export type Signal = QuerySignal | ActivityLogSignal;

// ---------------------------------------------------------------------------------------------
// Samples: rows that must make the detection fire and rows that must not.

export type SampleRow = Record<string, unknown>;
export interface SampleCase {
  /** What the case shows, e.g. "run command succeeded" or "same operation failed". */
  name: string;
  /** Rows per Log Analytics table. */
  rows: Record<string, SampleRow[]>;
  /** Evaluation time; defaults to SAMPLE_NOW. */
  now?: string;
  /** Parameter overrides for this case (e.g. to show an allowlist silences it). */
  parameters?: ParameterValues;
}
export interface Samples {
  /** Where the values' form comes from (log-values.md sections, Azure docs, ATRM pages). */
  source: string;
  fires: SampleCase[];
  quiet: SampleCase[];
}

/** Default evaluation time of every sample case. */
export const SAMPLE_NOW = "2025-06-02T12:00:00Z";
/** An ISO timestamp `minutes` before SAMPLE_NOW (or before `now`). */
export function minutesAgo(minutes: number, now: string = SAMPLE_NOW): string {
  return new Date(Date.parse(now) - minutes * 60_000).toISOString();
}

// ---------------------------------------------------------------------------------------------

/** Result columns that tell a responder who did what, from where, to what. */
export interface Entities {
  /** Caller / UPN / app id column. */
  account?: string;
  /** Source IP column. */
  ip?: string;
  /** Target resource id or name column. */
  resource?: string;
  /** Machine name column. */
  host?: string;
  /**
   * Column holding the subscription the rows belong to: a subscription id, a resource id, or a
   * list of resource ids (patterns/subscription.ts derives the SubscriptionId alert dimension from
   * it). Default: `resource` when that is _ResourceId or SubscriptionId. Tenant-level detections
   * (Entra ID, Intune) have none.
   */
  subscription?: string;
}

export interface Detection {
  /** Stable, unique, never reused: names the Azure rule. Pattern: azt<id>-<slug>. */
  key: string;
  /** ATRM id, e.g. AZT301.1. */
  technique: string;
  tactic: Tactic;
  name: string;
  description: string;
  falsePositives: string[];
  /** What a responder does when it fires. */
  triage: string[];
  references: string[];
  severity: Severity;
  /** ISO-8601 durations, e.g. PT5M. */
  evaluationFrequency: string;
  windowSize: string;
  /** Required whenever the query looks back further than windowSize (max P2D). */
  overrideQueryTimeRange?: string;
  /**
   * Schedule fields the query's own time logic depends on (e.g. a lagged slot that must equal the
   * evaluation frequency): stack config may not override them.
   */
  scheduleLock?: { fields: ScheduleField[]; reason: string };
  parameters?: Record<string, Parameter>;
  signal: Signal;
  requires: Requirement[];
  entities: Entities;
  samples: Samples;
  /** Set when the detection is deployed only if stack config enables it. */
  offByDefault?: OffByDefault;
  /** Documented changes of behaviour (docs/detections.md lists them). */
  revisions?: Revision[];
}

export type ScheduleField = "evaluationFrequency" | "windowSize" | "overrideQueryTimeRange";

/**
 * A detection a real tenant cannot keep on as shipped: its noise is inherent (it alerts on routine
 * activity) or it needs a list only the tenant knows. It is deployed only when stack config enables
 * it (`overrides.<key or technique>.enabled: true`).
 */
export interface OffByDefault {
  /** Why it ships off. */
  reason: string;
  /** The alert volume to expect once it is enabled, for a SOC to plan with. */
  expectedVolume: string;
  /** List parameters that must be non-empty when it is enabled (checked as a config error). */
  requiredParameters?: string[];
}

/** A change of a detection's behaviour: what changed, why, and the outside source that showed it. */
export interface Revision {
  change: string;
  why: string;
  source: string;
}

/** A technique Azure telemetry cannot see, with the honest reason. */
export interface Uncovered {
  technique: string;
  reason: string;
}

/** What each technique file exports. */
export interface TechniqueModule {
  detections: Detection[];
  uncovered?: Uncovered[];
}
