// Every detection is proven to fire on its attack rows and to stay quiet on its near misses,
// offline, with Azure's alert semantics (window, trigger, dimensions) — in both deployable forms
// for Activity Log operation matches, and under both readings of how Azure bins result rows
// (kusto/alert.ts: every result row counts, or only those whose TimeGenerated is in the evaluated
// bin). A rule that holds under both holds in Azure whichever reading is true.
import { expect } from "chai";
import { BINNINGS } from "../kusto/alert";
import { DETECTIONS } from "../detections";
import { runCase } from "../planning/samples";
import { ARRIVAL_OVERLAP } from "../detections/patterns/arrival";
import { isoDurationMs } from "../detections/kql";

describe("detection samples", () => {
  for (const d of DETECTIONS) {
    describe(d.key, () => {
      it("has fires and quiet cases", () => {
        expect(d.samples.fires.length, "fires").to.be.greaterThan(0);
        expect(d.samples.quiet.length, "quiet").to.be.greaterThan(0);
      });
      for (const c of d.samples.fires) {
        it(`fires: ${c.name}`, () => {
          const r = runCase(d, c);
          for (const b of BINNINGS) {
            const e = r.readings[b];
            expect(e.fired, `${b}: log search alert did not fire; result rows: ${JSON.stringify(e.resultRows).slice(0, 500)}`).to.equal(true);
            // Robust, not lucky: every result row counts under either reading (its TimeGenerated is an arrival in the bin).
            expect(e.rows.length, `${b}: result rows outside the evaluated bin: ${JSON.stringify(e.resultRows).slice(0, 500)}`).to.equal(e.resultRows.length);
          }
          if (r.activityLogFired !== undefined) expect(r.activityLogFired, "activity-log alert form did not fire").to.equal(true);
        });
      }
      // Slot boundaries (detections/patterns/arrival.ts, 4): each run reaches ARRIVAL_OVERLAP behind
      // the previous one. The first fires case, replayed later: a result row is still reported by a
      // run just inside frequency + overlap after its TimeGenerated (the arrival its gate tests) — at
      // a boundary, the one duplicate of the run before — and nothing is reported once every row of
      // the case has landed longer ago than that. The overlap is shorter than the frequency, so a
      // result is reported by one or two runs, never none and never three.
      it("a result alerts in every run within frequency + overlap after its arrival, and nothing alerts later", () => {
        const c = d.samples.fires[0];
        const frequency = isoDurationMs(d.evaluationFrequency), slot = frequency + isoDurationMs(ARRIVAL_OVERLAP);
        expect(slot, "the overlap must be shorter than the frequency").to.be.lessThan(2 * frequency);
        const arrived = Math.max(...runCase(d, c).readings.allRows.resultRows.map((r) => (r.TimeGenerated as Date).getTime()));
        const landed = Math.max(...Object.values(c.rows).flat().map((r) => Date.parse(String(r._TimeReceived ?? r.TimeGenerated))));
        const at = (ms: number) => runCase(d, { ...c, now: new Date(ms).toISOString() });
        const lastRun = at(arrived + slot - 1000), laterRun = at(landed + slot + 1000);
        for (const b of BINNINGS) {
          expect(lastRun.readings[b].fired, `${b}: a run ${(slot - 1000) / 60000} min after the result's arrival`).to.equal(true);
          expect(laterRun.readings[b].fired, `${b}: a run ${(slot + 1000) / 60000} min after the case's last row landed`).to.equal(false);
        }
      });
      for (const c of d.samples.quiet) {
        it(`quiet: ${c.name}`, () => {
          const r = runCase(d, c);
          for (const b of BINNINGS) expect(r.readings[b].fired, `${b}: log search alert fired on ${JSON.stringify(r.readings[b].groups).slice(0, 500)}`).to.equal(false);
          if (r.activityLogFired !== undefined) {
            // The activity-log form cannot express everything the query does (e.g. request-body checks); where the
            // case has no parameters it must agree with the query form.
            expect(r.activityLogFired, "activity-log alert form fired").to.equal(false);
          }
        });
      }
    });
  }
});

describe("sample harness can fail", () => {
  const runCommand = DETECTIONS.find((d) => d.key === "azt301-1-runcommand")!;

  it("a rule that outputs the event time as TimeGenerated misses a late row if Azure counts only the evaluated bin", () => {
    const eventTime = {
      ...runCommand,
      overrideQueryTimeRange: "PT1H",
      signal: {
        kind: "query" as const,
        query: () => `AzureActivity | where ingestion_time() > ago(7m) | where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action" | project TimeGenerated, Caller`,
        trigger: { operator: "GreaterThan" as const, threshold: 0, timeAggregation: "Count" as const },
      },
    };
    const late = runCommand.samples.fires.find((c) => c.rows.AzureActivity?.some((r) => r._TimeReceived))!;
    const r = runCase(eventTime, late);
    expect(r.readings.allRows.fired).to.equal(true);
    expect(r.readings.evaluatedBins.fired).to.equal(false);
  });

  it("a filter on the REST status word `Succeeded` misses the `Success` rows diagnostic settings write", () => {
    const stale = {
      ...runCommand,
      signal: {
        kind: "query" as const,
        query: () => `AzureActivity | where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action" and ActivityStatusValue == "Succeeded" | project TimeGenerated, Caller`,
        trigger: { operator: "GreaterThan" as const, threshold: 0, timeAggregation: "Count" as const },
      },
    };
    expect(runCase(stale, runCommand.samples.fires[0]).fired).to.equal(false);
  });

  it("a case-sensitive `==` on the operation misses upper-case OperationNameValue", () => {
    const stale = {
      ...runCommand,
      signal: {
        kind: "query" as const,
        query: () => `AzureActivity | where OperationNameValue == "Microsoft.Compute/virtualMachines/runCommand/action" | project TimeGenerated, Caller`,
        trigger: { operator: "GreaterThan" as const, threshold: 0, timeAggregation: "Count" as const },
      },
    };
    expect(runCase(stale, runCommand.samples.fires[0]).fired).to.equal(false);
  });
});
