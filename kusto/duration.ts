// The one ISO-8601 duration grammar of the project: schedules (detections/kql.ts) and the alert
// evaluator's windows (kusto/alert.ts) parse with it. No imports: the deployed program loads it
// without the Kusto parser.

/**
 * Milliseconds in an ISO-8601 duration of days and time parts (PT5M, PT1H, P1D, P2D, P1DT12H,
 * PT30S), or undefined for anything else. Years, months and weeks are not fixed lengths and
 * Azure's alert windows do not use them: refused.
 */
export function isoDurationMsOrUndefined(s: string): number | undefined {
  const m = typeof s === "string" ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s) : null;
  if (!m || s === "P" || s.endsWith("T") || m.slice(1).every((x) => x === undefined)) return undefined;
  const [d, h, min, sec] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  return ((d * 24 + h) * 60 + min) * 60000 + sec * 1000;
}
