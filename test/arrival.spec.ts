// detections/patterns/arrival.ts under Azure's alert semantics (kusto/alert.ts): a late row is seen
// by exactly one run, and a threshold rule with an overlapping window alerts once per new evidence.
import { expect } from "chai";
import { evaluateAlert, type Trigger } from "../kusto/alert";
import type { Row } from "../kusto/evaluate";
import { ARRIVAL_OVERLAP, ARRIVAL_PROJECTION, INGESTION_LAG, arrivalWindow, ingestedSinceLastRun, ingestionSchedule, NEW_EVIDENCE } from "../detections/patterns/arrival";
import { isoDurationMs } from "../detections/kql";
import { roundUpQueryTimeRange } from "../azure/limits";

const T0 = Date.parse("2024-05-01T12:00:00Z");
const at = (minute: number) => new Date(T0 + minute * 60000).toISOString();
const ANY: Trigger = { operator: "GreaterThan", threshold: 0, timeAggregation: "Count" };

/**
 * The runs of a rule every `frequency` minutes from minute 0 to `until`: which of them fire. A row
 * becomes queryable `visibleAfter` minutes after its ingestion time (ingestion_time() is approximate).
 */
function runs(query: string, schedule: { windowSize: string; overrideQueryTimeRange?: string }, frequency: number, until: number, rows: Row[], visibleAfter = 0) {
  const fired: number[] = [];
  for (let m = 0; m <= until; m += frequency) {
    // A run at minute m sees only the rows that have landed (and become queryable) by then.
    const landed = rows.filter((r) => Date.parse(String(r._TimeReceived ?? r.TimeGenerated)) + visibleAfter * 60000 <= T0 + m * 60000);
    const e = evaluateAlert({ query, trigger: ANY, window: schedule.windowSize, overrideQueryTimeRange: schedule.overrideQueryTimeRange, now: at(m), tables: { SigninLogs: landed } });
    if (e.fired) fired.push(m);
  }
  return fired;
}
const signin = (minute: number, landedMinute: number, over: Row = {}): Row => ({ TimeGenerated: at(minute), _TimeReceived: at(landedMinute), ResultType: "50126", UserPrincipalName: "a@contoso.com", IPAddress: "203.0.113.7", ...over });

describe("arrival: late rows and repeated alerts", () => {
  it("a row landing 25 minutes late is missed by a TimeGenerated window and seen exactly once by ingestedSinceLastRun", () => {
    const rows = [signin(10, 35)];
    const plain = "SigninLogs | where ResultType == \"50126\" | project TimeGenerated, UserPrincipalName";
    expect(runs(plain, { windowSize: "PT15M" }, 15, 120, rows), "TimeGenerated window").to.deep.equal([]);
    const byArrival = `SigninLogs\n${ingestedSinceLastRun("PT15M")}\n| where ResultType == "50126" | project TimeGenerated, UserPrincipalName`;
    expect(runs(byArrival, ingestionSchedule("PT15M", "PT15M", "entraId"), 15, 120, rows)).to.deep.equal([45]);
  });

  it("ingestionSchedule reaches the overlap and the source's lag further back than the look-back, with a window holding the slot", () => {
    const s = ingestionSchedule("PT15M", "PT1H", "entraId");
    expect(s.evaluationFrequency).to.equal("PT15M");
    expect(s.windowSize).to.equal("PT30M");
    // 1 h + 2 min + 1 h lag, rounded up to a range Azure accepts.
    expect(s.overrideQueryTimeRange).to.equal(roundUpQueryTimeRange(isoDurationMs("PT1H") + isoDurationMs(ARRIVAL_OVERLAP) + isoDurationMs(INGESTION_LAG.entraId)));
    expect(s.overrideQueryTimeRange).to.equal("PT3H");
    // Never beyond Azure's two-day look-back.
    expect(ingestionSchedule("PT1H", "P1DT23H", "entraId").overrideQueryTimeRange).to.equal("P2D");
  });

  it("arrivalWindow: the smallest window Azure accepts that holds frequency + overlap", () => {
    expect(["PT5M", "PT15M", "PT30M", "PT1H", "P1D"].map(arrivalWindow)).to.deep.equal(["PT10M", "PT30M", "PT45M", "PT2H", "P2D"]);
  });

  // Slot boundaries: every run reaches the overlap behind the previous one.
  const byArrival = `SigninLogs\n${ingestedSinceLastRun("PT15M")}\n| where ResultType == "50126" | project ${ARRIVAL_PROJECTION}, UserPrincipalName`;
  const schedule = ingestionSchedule("PT15M", "PT15M", "entraId");

  it("a row landing within the overlap before a run alerts in that run and the next (the one duplicate), never a third", () => {
    expect(runs(byArrival, schedule, 15, 120, [signin(40, 44)])).to.deep.equal([45, 60]);
  });

  it("a row landing mid-slot alerts once", () => {
    expect(runs(byArrival, schedule, 15, 120, [signin(30, 38)])).to.deep.equal([45]);
  });

  it("a row stamped just before a run but queryable only after it is caught by the next run's overlap (back-to-back slots miss it)", () => {
    const row = [signin(44, 44.5)];
    expect(runs(byArrival, schedule, 15, 120, row, 1)).to.deep.equal([60]);
    const backToBack = byArrival.replace(ingestedSinceLastRun("PT15M"), "| where ingestion_time() > ago(15m)");
    expect(runs(backToBack, schedule, 15, 120, row, 1)).to.deep.equal([]);
  });

  const threshold = (gate: boolean) => [
    "SigninLogs",
    "| where ResultType == \"50126\"",
    ...(gate ? [NEW_EVIDENCE.extend] : []),
    `| summarize Failures = count(), FirstSeen = min(TimeGenerated)${gate ? `, ${NEW_EVIDENCE.aggregate}` : ""} by UserPrincipalName`,
    "| where Failures >= 3",
    ...(gate ? [NEW_EVIDENCE.since("PT30M")] : []),
  ].join("\n");
  const burst = [1, 2, 3].map((m) => signin(m, m + 1));

  it("without NEW_EVIDENCE a burst in a 2-hour window run every 30 minutes alerts on four runs", () => {
    expect(runs(threshold(false), { windowSize: "PT2H" }, 30, 180, burst)).to.deep.equal([30, 60, 90, 120]);
  });

  it("with NEW_EVIDENCE the same burst alerts once, and again only when the attack goes on", () => {
    expect(runs(threshold(true), { windowSize: "PT2H" }, 30, 180, burst)).to.deep.equal([30]);
    expect(runs(threshold(true), { windowSize: "PT2H" }, 30, 180, [...burst, signin(70, 71)])).to.deep.equal([30, 90]);
  });

  it("with NEW_EVIDENCE a late row still completes the count and alerts in the run after it lands", () => {
    expect(runs(threshold(true), { windowSize: "PT2H" }, 30, 180, [signin(1, 2), signin(2, 3), signin(3, 50)])).to.deep.equal([60]);
  });
});
