// When rows arrive, and how often a rule sees them: the two ways a scheduled log search alert
// silently misbehaves.
//
// 1. Late rows. Every table reaches the workspace some minutes after the event (INGESTION_LAG). A
//    rule that keeps rows by TimeGenerated within its own window (windowSize = evaluationFrequency)
//    never sees a row that lands after the run covering its TimeGenerated: the event is lost.
//    Fix: keep the rows *ingested* since the previous run (`ingestedSinceLastRun`) and let the rule's
//    query time range reach the lag further back in TimeGenerated (`ingestionSchedule`). Each row is
//    then seen by exactly one run, however late it lands (up to the lag).
//
// 2. Repeated alerts. A threshold rule whose window is longer than its frequency (at least N
//    failures within two hours, run every 30 minutes) counts the same rows on several runs and
//    alerts on each: one spray becomes four alerts. Fix: keep the window for the count, but alert
//    only for groups with a row ingested since the previous run (`NEW_EVIDENCE`). The attack that
//    goes on alerts again (there is new evidence); the one already alerted on does not. Late rows
//    are covered too: a late row counts in the first run after it lands, and is new evidence there.
import * as kql from "../kql";
import { roundUpQueryTimeRange } from "../../azure/limits";
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
 * The `| where` line that keeps the rows ingested since the previous run (`frequency` ago). Put it
 * right after the table name, before the other filters.
 */
export function ingestedSinceLastRun(frequency: string): string {
  return `| where ingestion_time() > ago(${kql.timespan(frequency)})`;
}

/**
 * The schedule of a rule that selects rows with ingestedSinceLastRun: run every `frequency` over a
 * query range of `lookBack` (default: the frequency) plus the source's ingestion lag, rounded up
 * to a range Azure accepts (15 min + 1 h lag = PT1H15M is refused; PT2H is not). The longer range
 * only scans more: rows are selected by arrival, so none is alerted twice.
 */
export function ingestionSchedule(frequency: string, lookBack: string = frequency, source: IngestionSource = "activityLog") {
  return {
    evaluationFrequency: frequency,
    windowSize: frequency,
    overrideQueryTimeRange: roundUpQueryTimeRange(kql.isoDurationMs(lookBack) + kql.isoDurationMs(INGESTION_LAG[source])),
  };
}

/**
 * Alert only on groups with new evidence, for rules whose window is longer than their frequency:
 *
 *     Table
 *     | where ...
 *     ${NEW_EVIDENCE.extend}
 *     | summarize ..., ${NEW_EVIDENCE.aggregate} by Who
 *     | where <threshold>
 *     ${NEW_EVIDENCE.since(frequency)}
 *
 * ingestion_time() is not available after a summarize, hence the extend before it. Project the
 * LastIngested column or not, as you like (it tells the responder when the newest row landed).
 */
export const NEW_EVIDENCE = {
  extend: "| extend Ingested = ingestion_time()",
  aggregate: "LastIngested = max(Ingested)",
  since: (frequency: string) => `| where LastIngested > ago(${kql.timespan(frequency)})`,
} as const;

/**
 * Baselines ("an address this identity never used before"), by arrival:
 * The three lines of a baseline rule run every `frequency`: `mark` right after the table name
 * (an Ingested column), then `recent` keeps the rows ingested since the previous run (the ones
 * judged, however late they landed) and `history` every other row of the query range (by
 * TimeGenerated). A row is judged by exactly one run, and a value alerted on is history for the
 * next run, so it never alerts twice. The query range must cover the history plus the ingestion
 * lag: ingestionSchedule(frequency, history, source).
 */
export function arrivalSplit(frequency: string) {
  const previousRun = `ago(${kql.timespan(frequency)})`;
  return { mark: NEW_EVIDENCE.extend, recent: `| where Ingested > ${previousRun}`, history: `| where Ingested <= ${previousRun}` };
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
