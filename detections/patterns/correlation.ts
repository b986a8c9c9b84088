// Pattern 2 of the source write-up: a correlation across tables. A control-plane action in
// AzureActivity (Run Command, a Custom Script / DSC extension write, a managed run command, a
// VMSS instance run command) joined to the PowerShell 4104 script-block events that the script
// itself produced inside the same machine, within a bounded delay after the action.
//
// Why it is built this way:
// - The join is on the machine, not on one timestamp: every action in the slot is matched to the
//   script blocks of its own machine, and each block must fall in [action, action + maxDelay].
//   (`toscalar` of the first action's time would silently drop every action but one.)
// - The machine key is the VM name. AzureActivity carries it only inside `_ResourceId`
//   (lower case: /subscriptions/…/providers/microsoft.compute/virtualmachines/<vm>[/extensions/…]).
//   The Event row carries `_ResourceId` too when the Azure Monitor Agent fills it, and always
//   `Computer` (host name, FQDN or upper case: VM-WEB-01.contoso.local). Both sides are lower-cased;
//   the Event side uses the VM name from its `_ResourceId` when present, else the host part of
//   `Computer` — a Windows host name is cut to 15 characters, so the resource id is the better key.
//   For scale sets the key is the scale set name on both sides (instance ids do not map to host
//   names), so a VMSS action correlates with script blocks on any instance of that scale set.
// - Both sides are summarised before the join: AzureActivity writes Start/Accept/Success rows per
//   operation (one row per CorrelationId after summarising), and long scripts are split over
//   several 4104 events (one row per ScriptBlockId after summarising).
// - Latency: AzureActivity rows arrive 3–20 minutes after the event (log-values.md 1.4), 4104
//   events often sooner, so the script block's row frequently lands before the action's. A rule
//   that looked only at its own window would miss pairs split across runs, and a long window
//   re-alerts the same pair on every run (autoMitigate is off). So the query selects by arrival
//   (PAIR_ARRIVAL below): an action is reported by the run that ingests the last row of its first
//   complete pair, whichever side that row is on, and by no other run. The schedule is locked
//   (the query uses ago()): the gate is written for a 15-minute frequency.
import * as kql from "../kql";
import type { Parameter, ParameterValues, Requirement, ScheduleField, Trigger } from "../model";
import { INGESTION_LAG, type IngestionSource, NEW_EVIDENCE, ingestionSchedule, previousRun } from "./arrival";

/** The largest maxDelay a correlation's query range (correlationSchedule) holds. */
export const MAX_DELAY_LIMIT_MINUTES = 60;

// ---------------------------------------------------------------------------------------------
// Pairs by arrival. Either side of a pair can land last: AzureActivity rows 3-20 minutes after the
// event, a 4104 event or a sign-in often sooner, so the later *event* is frequently the earlier
// *row*. A pair is therefore reported by the run that ingests its last row, whichever side that
// is: each side is summarised with the ingestion time of the row that made it count (its first
// row), a pair is complete when both have landed (max_of), and a result row (one per action) is
// reported when its first complete pair landed since the previous run. Both sides are looked up by
// TimeGenerated over the query range, which covers the frequency, the largest delay and the lag.

/** How often a correlation runs: a result row is reported by the run that completes its first pair. */
export const CORRELATION_FREQUENCY = "PT15M";

/**
 * Schedule of a correlation whose sides come from `sources`: every 15 minutes over 15 minutes +
 * the largest delay (MAX_DELAY_LIMIT_MINUTES) + the largest of their ingestion lags. A row that
 * completes a pair is at most frequency + lag old, the pair's other event at most the delay older.
 */
export function correlationSchedule(...sources: [IngestionSource, ...IngestionSource[]]) {
  const source = sources.reduce((a, b) => (kql.isoDurationMs(INGESTION_LAG[b]) > kql.isoDurationMs(INGESTION_LAG[a]) ? b : a));
  return {
    ...ingestionSchedule(CORRELATION_FREQUENCY, kql.isoDuration(kql.isoDurationMs(CORRELATION_FREQUENCY) + MAX_DELAY_LIMIT_MINUTES * 60000), source),
    scheduleLock: {
      fields: ["evaluationFrequency", "windowSize", "overrideQueryTimeRange"] as ScheduleField[],
      reason:
        "the query reports a pair in the run that ingests its last row, written for runs 15 minutes apart over a range holding " +
        `the largest delay (${MAX_DELAY_LIMIT_MINUTES} minutes) plus the ingestion lag: another schedule misses pairs or reports them twice`,
    },
  };
}

/**
 * The arrival gate of a two-sided correlation, in five pieces: `side(name)` is the aggregate of
 * each side's summarize (after NEW_EVIDENCE.extend; `minif` variants for sides that count only from
 * a given row on), `pair(a, b)` the extend after the join and its time condition, `aggregate` the
 * aggregate of the final summarize, `since` the line after it, `output(eventTime)` the first columns
 * of the final project (TimeGenerated = when the first complete pair landed, EventTime = `eventTime`).
 */
export const PAIR_ARRIVAL = {
  side: (name: string, condition?: string) => (condition ? `${name} = minif(Ingested, ${condition})` : `${name} = min(Ingested)`),
  pair: (a: string, b: string) => `| extend PairIngested = max_of(${a}, ${b})`,
  /** When the row that completed the result's first pair landed. */
  aggregate: "LastIngested = min(PairIngested)",
  since: `| where LastIngested > ${previousRun(CORRELATION_FREQUENCY)}`,
  output: NEW_EVIDENCE.output,
} as const;

/** PowerShell script-block logging collected by the Azure Monitor Agent into the Event table. */
export const SCRIPT_BLOCK_AGENT: Requirement = {
  source: "agent",
  os: "windows",
  xPathQueries: ["Microsoft-Windows-PowerShell/Operational!*[System[(EventID=4104)]]"],
  stream: "Microsoft-Event",
  osPrerequisite: "PowerShell script block logging enabled (GPO: Turn on PowerShell Script Block Logging)",
};

export const SCRIPT_BLOCK_REQUIREMENTS: Requirement[] = [
  { source: "activityLog", categories: ["Administrative"] },
  SCRIPT_BLOCK_AGENT,
];

/** One alert per operation and machine, naming who ran it, from where, and where it ran. */
export const CORRELATION_TRIGGER: Trigger = {
  operator: "GreaterThan",
  threshold: 0,
  timeAggregation: "Count",
  dimensions: ["Caller", "CallerIpAddress", "Computer", "_ResourceId"],
};

/** Columns every correlation result carries. */
export const CORRELATION_COLUMNS = [
  "ActionTime", "Caller", "CallerIpAddress", "OperationNameValue", "Statuses", "_ResourceId", "SubscriptionId",
  "Computer", "FirstScriptBlock", "ScriptBlocks", "ScriptPaths", "ScriptExcerpt", "CorrelationId",
];

/** Parameters every correlation detection declares (names used by the builder below). */
export function correlationParameters(defaultMaxDelayMinutes = 30): Record<string, Parameter> {
  return {
    maxDelayMinutes: {
      type: "number",
      description:
        "Longest time in minutes between the first event of a pair and the second (the control-plane action and a script block it caused, " +
        `a runbook change and the job or sign-in it caused). The query range holds at most ${MAX_DELAY_LIMIT_MINUTES}.`,
      default: defaultMaxDelayMinutes,
      min: 1,
      max: MAX_DELAY_LIMIT_MINUTES,
      integer: true,
    },
    allowedCallers: {
      type: "stringList",
      description: "Callers (UPN or service principal object id, as in AzureActivity.Caller) whose actions are not correlated.",
      default: [],
      allowlist: "callers",
    },
  };
}

export interface ScriptBlockCorrelation {
  /** ARM operations in their documented mixed case (matched case-insensitively). */
  operations: string[];
  /**
   * Substrings of the folder the VM agent runs the script from, e.g.
   * `\Packages\Plugins\Microsoft.CPlat.Core.RunCommandWindows`. A 4104 event matches when its
   * EventData or RenderedDescription contains one of them (case-insensitive); the path shows up
   * in the `Path` field of a script file's block and often in the script text.
   */
  scriptPathMarkers: string[];
  /** Number parameter holding the maximum delay in minutes (default: maxDelayMinutes). */
  maxDelayParameter?: string;
  /** String-list parameter of excluded callers (default: allowedCallers; absent = none). */
  allowedCallersParameter?: string;
}

/**
 * Lower-case VM (or scale set, or Arc machine) name inside a lower-cased resource id, e.g.
 * /subscriptions/…/providers/microsoft.compute/virtualmachines/vm-web-01/extensions/x -> vm-web-01.
 */
const MACHINE_FROM_ID = String.raw`@"/providers/microsoft\.(?:compute|hybridcompute)/(?:virtualmachines|virtualmachinescalesets|machines)/([^/]+)"`;

/**
 * KQL for "control-plane action, then PowerShell script blocks from the action's script folder on
 * the same machine within maxDelay". Result: one row per action (CorrelationId) and machine,
 * columns CORRELATION_COLUMNS. Values from configuration enter only through kql.ts.
 */
export function scriptBlockCorrelationQuery(spec: ScriptBlockCorrelation, p: ParameterValues): string {
  if (spec.operations.length === 0) throw new Error("a script-block correlation needs at least one operation");
  if (spec.scriptPathMarkers.length === 0) throw new Error("a script-block correlation needs at least one script path marker");
  const delayName = spec.maxDelayParameter ?? "maxDelayMinutes";
  const maxDelay = p[delayName];
  if (typeof maxDelay !== "number" || !Number.isInteger(maxDelay) || maxDelay < 1 || maxDelay > MAX_DELAY_LIMIT_MINUTES) {
    throw new Error(`parameter "${delayName}" must be an integer from 1 to ${MAX_DELAY_LIMIT_MINUTES} (minutes), got ${JSON.stringify(maxDelay)}`);
  }
  const callersName = spec.allowedCallersParameter ?? "allowedCallers";
  const allowed = p[callersName] ?? [];
  if (!Array.isArray(allowed)) throw new Error(`parameter "${callersName}" must be a string list`);
  const markerMatch = spec.scriptPathMarkers
    .flatMap((m) => [`EventData contains ${kql.str(m)}`, `RenderedDescription contains ${kql.str(m)}`])
    .join(" or ");

  return [
    `let maxDelay = ${kql.num(maxDelay)}m;`,
    "// One row per control-plane operation (Start/Accept/Success share a CorrelationId); it counts from its first row.",
    "let actions = AzureActivity",
    `| where CategoryValue =~ "Administrative"`,
    `| where OperationNameValue in~ ${kql.strList(spec.operations)}` + kql.excludeIn("Caller", allowed as string[]),
    `| extend Machine = extract(${MACHINE_FROM_ID}, 1, tolower(_ResourceId))`,
    "| where isnotempty(Machine)",
    NEW_EVIDENCE.extend,
    // max() picks the address from the rows that have one: some completion rows carry none.
    `| summarize ActionTime = min(TimeGenerated), Statuses = make_set(ActivityStatusValue), CallerIpAddress = max(CallerIpAddress), ${PAIR_ARRIVAL.side("ActionIngested")}`,
    "    by CorrelationId, Caller, OperationNameValue = toupper(OperationNameValue), _ResourceId, SubscriptionId, Machine;",
    "// One row per script block (long scripts are split over several 4104 events); it counts from its first event.",
    "let scriptBlocks = Event",
    "| where EventID == 4104",
    `| where Source =~ "Microsoft-Windows-PowerShell"`,
    `| where ${markerMatch}`,
    `| extend MachineFromId = extract(${MACHINE_FROM_ID}, 1, tolower(_ResourceId)), HostName = tolower(tostring(split(Computer, ".")[0]))`,
    "| extend Machine = iff(isnotempty(MachineFromId), MachineFromId, HostName)",
    `| extend BlockIdXml = extract('<Data Name="ScriptBlockId">([^<]+)<', 1, EventData), BlockIdText = extract(@"ScriptBlock ID: ([0-9a-fA-F-]+)", 1, RenderedDescription)`,
    "| extend ScriptBlockId = iff(isnotempty(BlockIdXml), BlockIdXml, BlockIdText)",
    `| extend ScriptPath = extract('<Data Name="Path">([^<]+)<', 1, EventData)`,
    NEW_EVIDENCE.extend,
    "| summarize BlockTime = min(TimeGenerated), Computer = take_any(Computer), ScriptPath = max(ScriptPath), Excerpt = take_any(substring(RenderedDescription, 0, 400)),",
    `    ${PAIR_ARRIVAL.side("BlockIngested")} by Machine, ScriptBlockId;`,
    "actions",
    "| join kind=inner scriptBlocks on Machine",
    "| where BlockTime between (ActionTime .. (ActionTime + maxDelay))",
    PAIR_ARRIVAL.pair("ActionIngested", "BlockIngested"),
    "| summarize FirstScriptBlock = min(BlockTime), ScriptBlocks = dcount(ScriptBlockId), ScriptPaths = make_set(ScriptPath, 10), ScriptExcerpt = take_any(Excerpt), Computer = take_any(Computer),",
    `    ${PAIR_ARRIVAL.aggregate} by ActionTime, CorrelationId, Caller, CallerIpAddress, OperationNameValue, Statuses = tostring(Statuses), _ResourceId, SubscriptionId`,
    PAIR_ARRIVAL.since,
    `| project ${PAIR_ARRIVAL.output("ActionTime")}, ${CORRELATION_COLUMNS.join(", ")}`,
  ].join("\n");
}
