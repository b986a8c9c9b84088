// Every detection is proven to fire on its attack rows and to stay quiet on its near misses,
// offline, with Azure's alert semantics (window, trigger, dimensions) — in both deployable forms
// for Activity Log operation matches.
import { expect } from "chai";
import { DETECTIONS } from "../detections";
import { runCase } from "../planning/samples";

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
          expect(r.fired, `log search alert did not fire; query rows: ${JSON.stringify(r.evaluation.rows).slice(0, 500)}`).to.equal(true);
          if (r.activityLogFired !== undefined) expect(r.activityLogFired, "activity-log alert form did not fire").to.equal(true);
        });
      }
      for (const c of d.samples.quiet) {
        it(`quiet: ${c.name}`, () => {
          const r = runCase(d, c);
          expect(r.fired, `log search alert fired on ${JSON.stringify(r.evaluation.groups).slice(0, 500)}`).to.equal(false);
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
