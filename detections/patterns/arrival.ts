// When rows arrive, and how often a rule sees them: the ways a scheduled log search alert
// silently misbehaves.
//
// 1. Late rows. Every table reaches the workspace some minutes after the event (INGESTION_LAG). A
//    rule that keeps rows by TimeGenerated within its own window (windowSize = evaluationFrequency)
//    never sees a row that lands after the run covering its TimeGenerated: the event is lost.
//    Fix: keep the rows *ingested* since the previous run (`ingestedSinceLastRun`) and let the rule's
//    query time range reach the lag further back in TimeGenerated (`ingestionSchedule`). Each row is
//    then seen by one run (two at a slot boundary, see 4), however late it lands (up to the lag).
//
// 2. Repeated alerts. A threshold rule whose window is longer than its frequency (at least N
//    failures within two hours, run every 30 minutes) counts the same rows on several runs and
//    alerts on each: one spray becomes four alerts. Fix: keep the window for the count, but alert
//    only for groups with a row ingested since the previous run (`NEW_EVIDENCE`). The attack that
//    goes on alerts again (there is new evidence); the one already alerted on does not. Late rows
//    are covered too: a late row counts in the first run after it lands, and is new evidence there.
//
// 3. Result binning. The API calls windowSize the "bin size", apart from the query time range, and
//    does not say whether Azure counts result rows whose TimeGenerated is older than the evaluated
//    bin (kusto/alert.ts models both readings). A late row's event time usually is. So every rule
//    outputs TimeGenerated = the arrival time of the row that triggers it (the ingestion time its
//    arrival gate tests, ARRIVAL_PROJECTION for a single row) and keeps the event time as
//    EventTime; the gate keeps that arrival within the last frequency + overlap, and windowSize
//    (arrivalWindow) holds that span: every result row is in the evaluated bin, whichever reading
//    Azure follows (planning/checks.ts fails a rule whose TimeGenerated is not an arrival time).
//
// 4. Slot boundaries. ingestion_time() is approximate, a row becomes queryable a little after it
//    (Microsoft Sentinel runs its own ingestion-time rules two minutes behind for that reason:
//    azure-docs articles/sentinel/near-real-time-rules.md), and Azure may start a run late or retry
//    it. Back-to-back slots `ingestion_time() > ago(frequency)` can then leave a gap between two runs.
//    So each slot reaches ARRIVAL_OVERLAP further back than the previous run: a row landing within
//    the overlap before a run is seen by that run and the next — one duplicate alert — and a row is
//    never seen by a third run (the overlap is shorter than every frequency). A duplicate is cheaper
//    than a miss.
import * as kql from "../kql";
import { MAX_QUERY_TIME_RANGE_MS, roundUpQueryTimeRange } from "../../azure/limits";
import type { Detection, SampleCase, SampleRow } from "../model";

/**
 * How far after the event a row can land in the workspace, per log source, with margin. Only the
 * query time range depends on it (a longer lag costs a larger scan, never a duplicate alert).
 */
export const INGESTION_LAG = {
  /** Activity Log: usually 3-20 minutes after the event (log-values.md 1.4, Microsoft docs). */
  activityLog: "PT30M",
  /**
   * Entra ID sign-in and audit logs: 95% within 2 and 99% within 5 minutes to Entra's own store
   * (the retired "Microsoft Entra reporting latencies" page), then the diagnostic-settings export;
   * non-interactive sign-ins are reported to arrive 15-30 minutes late (unverified, third party).
   */
  entraId: "PT1H",
  /**
   * Microsoft Graph activity logs: usually within 30 minutes, at times up to 2 hours late
   * (log-values.md section 8) — longer than the other Entra ID logs.
   */
  graphActivity: "PT2H",
  /** Resource logs (AzureDiagnostics and resource-specific tables) and Azure Monitor Agent data (unverified). */
  resourceLogs: "PT30M",
} as const;
export type IngestionSource = keyof typeof INGESTION_LAG;

/**
 * How far each run's slot reaches back beyond the previous run (4 above): two minutes, the delay
 * Microsoft Sentinel gives its own ingestion-time rules. Rows landing in the last two minutes
 * before a run alert twice: about 2/frequency of alerts (13% at PT15M, 3% at PT1H).
 */
export const ARRIVAL_OVERLAP = "PT2M";

/** The KQL timespan a run looks back in ingestion time: the frequency plus ARRIVAL_OVERLAP (PT15M -> 17m). */
export function arrivalSlot(frequency: string): string {
  return kql.timespan(kql.isoDuration(kql.isoDurationMs(frequency) + kql.isoDurationMs(ARRIVAL_OVERLAP)));
}

/** `ago(<slot>)`: the instant before which a row counts as ingested by an earlier run. */
export function previousRun(frequency: string): string {
  return `ago(${arrivalSlot(frequency)})`;
}

/**
 * The windowSize of a rule run every `frequency` that selects by arrival: the smallest window Azure
 * accepts (azure/limits.ts) that holds a slot (frequency + overlap), so every result row's
 * TimeGenerated (its arrival, within the slot) lies in the evaluated bin: PT5M -> PT10M,
 * PT15M -> PT30M, PT1H -> PT2H, P1D -> P2D. Throws for a frequency whose slot exceeds P2D.
 */
export function arrivalWindow(frequency: string): string {
  return roundUpQueryTimeRange(kql.isoDurationMs(frequency) + kql.isoDurationMs(ARRIVAL_OVERLAP));
}

/**
 * Why a schedule's window cannot hold a run's slot, if it cannot: a result row whose TimeGenerated
 * (its arrival) is in the overlap would fall outside the evaluated bin under that reading.
 */
export function slotWindowProblem(s: { evaluationFrequency: string; windowSize: string }): string | undefined {
  const slot = kql.isoDurationMs(s.evaluationFrequency) + kql.isoDurationMs(ARRIVAL_OVERLAP);
  const window = kql.isoDurationMs(s.windowSize);
  if (!(window >= slot)) {
    return `windowSize ${s.windowSize} is shorter than evaluationFrequency ${s.evaluationFrequency} + the ${ARRIVAL_OVERLAP} arrival overlap: ` +
      `a row landing in the overlap would be outside the evaluated bin — use ${arrivalWindowOrNone(s.evaluationFrequency)}`;
  }
  return undefined;
}
const arrivalWindowOrNone = (frequency: string): string => {
  try { return `at least ${arrivalWindow(frequency)}`; } catch { return "a shorter frequency"; }
};

/**
 * The `| where` line that keeps the rows ingested since the previous run (the slot: `frequency` +
 * overlap ago). Put it right after the table name, before the other filters.
 */
export function ingestedSinceLastRun(frequency: string): string {
  return `| where ingestion_time() > ${previousRun(frequency)}`;
}

/**
 * The first columns of a rule's final `project`: TimeGenerated = `arrival` (the ingestion time its
 * arrival gate tests: the row that triggers the alert) and EventTime = `event`. EventTime comes
 * first, so it reads the event's TimeGenerated before the project replaces it.
 */
export function arrivalOutput(arrival: string, event: string): string {
  return `EventTime = ${event}, TimeGenerated = ${arrival}`;
}

/**
 * arrivalOutput for a rule whose result rows are single table rows (after ingestedSinceLastRun,
 * before any summarize or join, which drop the row's ingestion time).
 */
export const ARRIVAL_PROJECTION = arrivalOutput("ingestion_time()", "TimeGenerated");

/**
 * The schedule of a rule that selects rows with ingestedSinceLastRun: run every `frequency`, with
 * a window holding the slot (arrivalWindow), over a query range of `lookBack` (default: the
 * frequency) plus the overlap plus the source's ingestion lag, at least the window and at most
 * P2D, rounded up to a range Azure accepts (15 min + 2 min + 1 h lag = PT1H17M is refused; PT2H is
 * not). The longer range only scans more: rows are selected by arrival, so none is alerted again.
 */
export function ingestionSchedule(frequency: string, lookBack: string = frequency, source: IngestionSource = "activityLog") {
  const windowSize = arrivalWindow(frequency);
  const range = kql.isoDurationMs(lookBack) + kql.isoDurationMs(ARRIVAL_OVERLAP) + kql.isoDurationMs(INGESTION_LAG[source]);
  return {
    evaluationFrequency: frequency,
    windowSize,
    // At most Azure's two-day look-back: a history of P2D minus the lag loses the overlap's two minutes.
    overrideQueryTimeRange: roundUpQueryTimeRange(Math.min(Math.max(range, kql.isoDurationMs(windowSize)), MAX_QUERY_TIME_RANGE_MS)),
  };
}

/**
 * Alert only on groups with new evidence, for rules whose window is longer than their frequency:
 *
 *     Table
 *     | where ...
 *     ${NEW_EVIDENCE.extend}
 *     | summarize ..., FirstSeen = min(TimeGenerated), ${NEW_EVIDENCE.aggregate} by Who
 *     | where <threshold>
 *     ${NEW_EVIDENCE.since(frequency)}
 *     | project ${NEW_EVIDENCE.output("FirstSeen")}, Who, ...
 *
 * ingestion_time() is not available after a summarize, hence the extend before it. The output's
 * TimeGenerated is LastIngested, the arrival of the group's newest row: the one that made it alert.
 */
export const NEW_EVIDENCE = {
  extend: "| extend Ingested = ingestion_time()",
  aggregate: "LastIngested = max(Ingested)",
  since: (frequency: string) => `| where LastIngested > ${previousRun(frequency)}`,
  /** The first columns of the final project: TimeGenerated = the newest row's arrival, EventTime = `eventTime`. */
  output: (eventTime: string) => arrivalOutput("LastIngested", eventTime),
} as const;

/**
 * For a summary of rows that were each selected by arrival (ingestedSinceLastRun, or arrivalSplit's
 * `recent`) whose result needs all of them — a new value judged against the history, a count over
 * one run's slot: the result stands from the run that ingests its first row until that row leaves
 * the slot (it becomes history), so its TimeGenerated is that first row's arrival. (A result that
 * any one newly ingested row makes, NEW_EVIDENCE, takes the newest instead.)
 */
export const FIRST_ARRIVAL = {
  extend: NEW_EVIDENCE.extend,
  aggregate: "FirstIngested = min(Ingested)",
  /** The first columns of the final project: TimeGenerated = the first counted row's arrival, EventTime = `eventTime`. */
  output: (eventTime: string) => arrivalOutput("FirstIngested", eventTime),
} as const;

/**
 * Baselines ("an address this identity never used before"), by arrival:
 * The three lines of a baseline rule run every `frequency`: `mark` right after the table name
 * (an Ingested column), then `recent` keeps the rows ingested since the previous run (the ones
 * judged, however late they landed) and `history` every other row of the query range (by
 * TimeGenerated). A row is judged by one run (two when it lands within the overlap before a run),
 * and a value alerted on is history for every later run. The query range must cover the history
 * plus the ingestion lag: ingestionSchedule(frequency, history, source). Summarise the recent rows
 * with FIRST_ARRIVAL.aggregate and project FIRST_ARRIVAL.output(...).
 */
export function arrivalSplit(frequency: string) {
  const before = previousRun(frequency);
  return { mark: NEW_EVIDENCE.extend, recent: `| where Ingested > ${before}`, history: `| where Ingested <= ${before}` };
}

/**
 * A copy of a sample case whose rows landed `minutes` after their events: each row's TimeGenerated
 * moves `minutes` earlier and its _TimeReceived (ingestion_time()) stays where the event was. A rule
 * that selects by arrival must fire on it exactly as on the original; one that keeps rows by
 * TimeGenerated within its own window misses it.
 */
export function arrivedLate(c: SampleCase, minutes = 30): SampleCase {
  const shift = (r: SampleRow): SampleRow => {
    const at = Date.parse(String(r.TimeGenerated));
    return { ...r, TimeGenerated: new Date(at - minutes * 60_000).toISOString(), _TimeReceived: r._TimeReceived ?? new Date(at).toISOString() };
  };
  return { ...c, name: `${c.name} (rows landing ${minutes} min after the event)`, rows: Object.fromEntries(Object.entries(c.rows).map(([t, rows]) => [t, rows.map(shift)])) };
}

/** The detection with a copy of its first fires case, transformed, added to its fires cases. */
function withDerivedFiresCase(d: Detection, derive: (c: SampleCase) => SampleCase): Detection {
  return { ...d, samples: { ...d.samples, fires: [...d.samples.fires, derive(d.samples.fires[0])] } };
}

/** The detection with a late-arriving copy of its first fires case added (arrivedLate). */
export function withLateArrival(d: Detection, minutes = 30): Detection {
  return withDerivedFiresCase(d, (c) => arrivedLate(c, minutes));
}

/**
 * For correlations: a copy of a two-event case in which the earlier event's row lands last, after
 * the previous run had already ingested the later event. Every row moves `minutes` earlier; the
 * earliest row lands where it was, the others on time. A rule that only takes the later event from
 * the newest rows misses it; one that reports a pair when its last row lands (PAIR_ARRIVAL) fires.
 */
export function earlierEventLandsLast(c: SampleCase, minutes = 60): SampleCase {
  const all = Object.values(c.rows).flat();
  const earliest = Math.min(...all.map((r) => Date.parse(String(r.TimeGenerated))));
  const shift = (r: SampleRow): SampleRow => {
    const at = Date.parse(String(r.TimeGenerated));
    const moved = new Date(at - minutes * 60_000).toISOString();
    return { ...r, TimeGenerated: moved, _TimeReceived: at === earliest ? new Date(at).toISOString() : moved };
  };
  return { ...c, name: `${c.name} (the earlier event's row landing last, ${minutes} min late)`, rows: Object.fromEntries(Object.entries(c.rows).map(([t, rows]) => [t, rows.map(shift)])) };
}

/** The correlation with a copy of its first fires case whose earlier event lands last added (earlierEventLandsLast). */
export function withEarlierEventLandingLast(d: Detection, minutes = 60): Detection {
  return withDerivedFiresCase(d, (c) => earlierEventLandsLast(c, minutes));
}

/**
 * One alert per entity per UTC day, by arrival: a rule counts each entity's rows ingested since the
 * start of the day (`mark` after the table name, then `today`) and alerts in the run whose rows make
 * the day's count reach its threshold: the count of all of today's rows reaches it, the count of the
 * rows the previous runs saw (`seen`, ingested before this run's slot, as the condition of a
 * countif/dcountif) does not. The entity stays quiet for the rest of the day however much more it
 * does (the alert points at the day; the triage lists the rest); a crossing row landing within the
 * overlap before a run alerts in that run and the next (4 above). Summarise with
 * NEW_EVIDENCE.aggregate too and follow the threshold with NEW_EVIDENCE.since(frequency): the
 * threshold implies it (a row this run counts as new arrived in its slot), and it is the arrival
 * gate planning/checks.ts looks for; project NEW_EVIDENCE.output(...). The query range must reach
 * back a day plus the lag: ingestionSchedule(frequency, "P1D", source).
 */
export function dailyThreshold(frequency: string) {
  return { mark: NEW_EVIDENCE.extend, today: "| where Ingested >= startofday(now())", seen: `Ingested <= ${previousRun(frequency)}` };
}
