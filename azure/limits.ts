// Azure Monitor limits the catalogue and the stack config are checked against.
import { isoDurationMsOrUndefined } from "../kusto/duration";

/** Milliseconds of an ISO-8601 duration; NaN (every range check fails) for anything else. */
const isoDurationMs = (s: string): number => isoDurationMsOrUndefined(s) ?? NaN;

const MIN = 60_000;
export const LIMITS = {
  /** Log search alert evaluation frequency: 1 minute to 1 day. */
  frequencyMs: { min: 1 * MIN, max: 24 * 60 * MIN },
  /** Query time range (window or overrideQueryTimeRange): at most 2 days. */
  windowMs: { min: 1 * MIN, max: 2 * 24 * 60 * MIN },
  /** Dimensions per log search alert rule. */
  maxDimensions: 6,
  /** Characters in a rule's query (a conservative bound; the service limit is larger). */
  maxQueryLength: 10_000,
};

/**
 * "The combined size of all data in the log alert rule properties can't exceed 64 KB": Azure
 * Monitor service limits, log alerts (MicrosoftDocs/azure-monitor-docs
 * articles/azure-monitor/alerts/includes/azure-monitor-limits-alerts.md at
 * 2ba4b27c5a8af1f3d91232abddc519202934de19). The query is most of it.
 */
export const LOG_ALERT_PROPERTIES_MAX_BYTES = 64 * 1024;

/** Problems with a frequency/window/override combination, as sentences ("" keys = none). */
export function scheduleProblems(s: { evaluationFrequency: string; windowSize: string; overrideQueryTimeRange?: string }): string[] {
  const out: string[] = [];
  const f = isoDurationMs(s.evaluationFrequency), w = isoDurationMs(s.windowSize);
  if (f < LIMITS.frequencyMs.min || f > LIMITS.frequencyMs.max) out.push(`evaluationFrequency ${s.evaluationFrequency} is outside Azure's range — expected PT1M to P1D`);
  if (f % MIN !== 0) out.push(`evaluationFrequency ${s.evaluationFrequency} must be a whole number of minutes`);
  if (w < LIMITS.windowMs.min || w > LIMITS.windowMs.max) out.push(`windowSize ${s.windowSize} is outside Azure's range — expected PT1M to P2D`);
  if (w % MIN !== 0) out.push(`windowSize ${s.windowSize} must be a whole number of minutes`);
  if (w < f) out.push(`windowSize ${s.windowSize} is shorter than evaluationFrequency ${s.evaluationFrequency}: events between two runs would never be seen`);
  if (s.overrideQueryTimeRange !== undefined) {
    const o = isoDurationMs(s.overrideQueryTimeRange);
    if (o > LIMITS.windowMs.max) out.push(`overrideQueryTimeRange ${s.overrideQueryTimeRange} exceeds Azure's maximum look-back of P2D`);
    if (o < w) out.push(`overrideQueryTimeRange ${s.overrideQueryTimeRange} is shorter than windowSize ${s.windowSize}`);
  }
  return out;
}
