// Log search alert semantics (kusto/alert.ts): query time range, splitting by dimensions,
// aggregation and threshold comparison. The expected behaviour is the one the evaluator brief
// states for Azure scheduled query rules (window filter now - range < TimeGenerated <= now,
// Count of zero rows = 0); it was not re-checked against Azure Monitor's own pages here.
import { expect } from "chai";
import { evaluateAlert, parseIsoDuration, AlertDefinitionError, Trigger } from "../kusto/alert";
import { Row } from "../kusto/evaluate";

const NOW = "2024-05-01T12:00:00Z";
const act = (minutesAgo: number, over: Row = {}): Row => ({
  TimeGenerated: new Date(Date.parse(NOW) - minutesAgo * 60000).toISOString(),
  OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION", ActivityStatusValue: "Success", Caller: "alice", ...over,
});
const RUNCOMMAND = `AzureActivity | where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action"`;
const count = (operator: Trigger["operator"], threshold: number, dimensions?: string[]): Trigger => ({ operator, threshold, timeAggregation: "Count", dimensions });

describe("parseIsoDuration", () => {
  const ok: [string, number][] = [["PT5M", 300000], ["PT1H", 3600000], ["P1D", 86400000], ["P2D", 172800000], ["P1DT12H", 129600000], ["PT30S", 30000], ["PT1H30M", 5400000]];
  for (const [s, ms] of ok) it(`${s} = ${ms} ms`, () => expect(parseIsoDuration(s)).to.equal(ms));
  for (const bad of ["", "P", "PT", "5M", "PT5", "P1W", "P1M", "pt5m", "PT-5M", "P1DT"]) {
    it(`rejects '${bad}'`, () => expect(() => parseIsoDuration(bad)).to.throw(AlertDefinitionError));
  }
});

describe("evaluateAlert", () => {
  it("filters input rows to now - window < TimeGenerated <= now", () => {
    const base = { query: RUNCOMMAND, trigger: count("GreaterThan", 0), window: "PT5M", now: NOW };
    // exactly 5 minutes old: outside (the range is open at its start); 4 minutes: inside; 1 minute in the future: outside.
    expect(evaluateAlert({ ...base, tables: { AzureActivity: [act(5)] } }).fired).to.equal(false);
    expect(evaluateAlert({ ...base, tables: { AzureActivity: [act(5.01)] } }).fired).to.equal(false);
    expect(evaluateAlert({ ...base, tables: { AzureActivity: [act(4.99)] } }).fired).to.equal(true);
    expect(evaluateAlert({ ...base, tables: { AzureActivity: [act(0)] } }).fired).to.equal(true);
    expect(evaluateAlert({ ...base, tables: { AzureActivity: [act(-1)] } }).fired).to.equal(false);
  });

  it("overrideQueryTimeRange widens the range the query sees", () => {
    const q = `AzureActivity | summarize Recent = countif(TimeGenerated > ago(1d)), Previous = countif(TimeGenerated <= ago(1d)) | where Recent > 2 * Previous`;
    const tables = { AzureActivity: [act(60), act(120), act(180), act(60 * 30)] };
    const trigger = count("GreaterThan", 0);
    // With only the 1 h window the baseline row (30 h ago) is invisible: 1 recent vs 0 previous.
    const narrow = evaluateAlert({ query: q, trigger, window: "PT1H", now: NOW, tables });
    expect(narrow.rows).to.deep.equal([]);   // act(60) is exactly at the window edge: excluded; so 0 > 0 is false
    const wide = evaluateAlert({ query: q, trigger, window: "PT1H", overrideQueryTimeRange: "P2D", now: NOW, tables });
    expect(wide.rows).to.deep.equal([{ Recent: 3, Previous: 1 }]);
    expect(wide.fired).to.equal(true);
  });

  it("operators and thresholds on the row count", () => {
    const tables = { AzureActivity: [act(1), act(2), act(3)] };
    const fire = (op: Trigger["operator"], t: number) => evaluateAlert({ query: RUNCOMMAND, trigger: count(op, t), window: "PT5M", now: NOW, tables }).fired;
    expect(fire("GreaterThan", 2)).to.equal(true);
    expect(fire("GreaterThan", 3)).to.equal(false);
    expect(fire("GreaterThanOrEqual", 3)).to.equal(true);
    expect(fire("LessThan", 3)).to.equal(false);
    expect(fire("LessThanOrEqual", 3)).to.equal(true);
    expect(fire("Equal", 3)).to.equal(true);
    expect(fire("Equal", 2)).to.equal(false);
  });

  it("no result rows and no dimensions: one group with value 0 (LessThan 1 fires)", () => {
    const r = evaluateAlert({ query: RUNCOMMAND, trigger: count("LessThan", 1), window: "PT5M", now: NOW, tables: {} });
    expect(r.groups).to.deep.equal([{ dimensions: {}, value: 0, fired: true }]);
    expect(r.fired).to.equal(true);
  });

  it("dimensions split the rows; each split is compared on its own", () => {
    const tables = { AzureActivity: [act(1), act(2), act(3, { Caller: "bob" })] };
    const r = evaluateAlert({ query: RUNCOMMAND, trigger: count("GreaterThan", 1, ["Caller"]), window: "PT5M", now: NOW, tables });
    expect(r.groups).to.deep.equal([
      { dimensions: { Caller: "alice" }, value: 2, fired: true },
      { dimensions: { Caller: "bob" }, value: 1, fired: false },
    ]);
    expect(r.fired).to.equal(true);
  });

  it("a dimension missing from the result is an error naming it", () => {
    expect(() => evaluateAlert({ query: RUNCOMMAND + " | project Caller", trigger: count("GreaterThan", 0, ["ResourceGroup"]), window: "PT5M", now: NOW, tables: {} }))
      .to.throw(AlertDefinitionError, /ResourceGroup/);
  });

  it("Average / Minimum / Maximum / Total over metricMeasureColumn, per dimension", () => {
    const q = `AzureActivity | summarize n = count() by Caller, bin(TimeGenerated, 1m)`;
    const tables = { AzureActivity: [act(1), act(1), act(1), act(3), act(3, { Caller: "bob" })] };
    const measure = (timeAggregation: Trigger["timeAggregation"]) => evaluateAlert({
      query: q, window: "PT10M", now: NOW, tables,
      trigger: { operator: "GreaterThan", threshold: 1.5, timeAggregation, metricMeasureColumn: "n", dimensions: ["Caller"] },
    }).groups.map((g) => [g.dimensions.Caller, g.value, g.fired]);
    expect(measure("Average")).to.deep.equal([["alice", 2, true], ["bob", 1, false]]);
    expect(measure("Total")).to.deep.equal([["alice", 4, true], ["bob", 1, false]]);
    expect(measure("Minimum")).to.deep.equal([["alice", 1, false], ["bob", 1, false]]);
    expect(measure("Maximum")).to.deep.equal([["alice", 3, true], ["bob", 1, false]]);
  });

  it("measure aggregations need a numeric metricMeasureColumn", () => {
    const base = { query: RUNCOMMAND, window: "PT5M", now: NOW, tables: {} };
    expect(() => evaluateAlert({ ...base, trigger: { operator: "GreaterThan", threshold: 1, timeAggregation: "Average" } })).to.throw(AlertDefinitionError, /metricMeasureColumn/);
    expect(() => evaluateAlert({ ...base, trigger: { operator: "GreaterThan", threshold: 1, timeAggregation: "Total", metricMeasureColumn: "Caller" } })).to.throw(AlertDefinitionError, /Caller.*not numeric/);
    expect(() => evaluateAlert({ ...base, trigger: { operator: "GreaterThan", threshold: 1, timeAggregation: "Total", metricMeasureColumn: "Nope" } })).to.throw(AlertDefinitionError, /Nope/);
  });

  it("a malformed window is rejected", () => {
    expect(() => evaluateAlert({ query: RUNCOMMAND, trigger: count("GreaterThan", 0), window: "5 minutes", now: NOW, tables: {} })).to.throw(AlertDefinitionError);
  });
});

// The two readings of windowSize as "bin size" (kusto/alert.ts): every result row, or only rows
// whose TimeGenerated falls in the evaluated bin (now - windowSize, now].
describe("evaluateAlert binning readings", () => {
  // A result row whose TimeGenerated is the event time (40 min ago) though the row was ingested 2 min ago.
  const late = { AzureActivity: [act(40, { _TimeReceived: new Date(Date.parse(NOW) - 2 * 60000).toISOString() })] };
  const byArrival = `AzureActivity | where ingestion_time() > ago(5m)`;
  const base = { trigger: count("GreaterThan", 0), window: "PT10M", overrideQueryTimeRange: "PT1H", now: NOW, tables: late };

  it("allRows counts a result row whatever its TimeGenerated (the default)", () => {
    const r = evaluateAlert({ ...base, query: `${byArrival} | project TimeGenerated, Caller` });
    expect(r.fired).to.equal(true);
    expect(evaluateAlert({ ...base, query: `${byArrival} | project TimeGenerated, Caller`, binning: "allRows" }).fired).to.equal(true);
  });

  it("evaluatedBins drops a result row whose TimeGenerated is older than the bin, and keeps it in resultRows", () => {
    const r = evaluateAlert({ ...base, query: `${byArrival} | project TimeGenerated, Caller`, binning: "evaluatedBins" });
    expect(r.fired).to.equal(false);
    expect(r.rows).to.deep.equal([]);
    expect(r.resultRows.length).to.equal(1);
  });

  it("evaluatedBins counts the same row once its TimeGenerated is its arrival time", () => {
    const q = `${byArrival} | project EventTime = TimeGenerated, TimeGenerated = ingestion_time(), Caller`;
    expect(evaluateAlert({ ...base, query: q, binning: "evaluatedBins" }).fired).to.equal(true);
  });

  it("evaluatedBins bounds the bin by windowSize, open at its start", () => {
    const q = `AzureActivity | project TimeGenerated, Caller`;
    const at = (m: number) => evaluateAlert({ ...base, window: "PT10M", query: q, binning: "evaluatedBins", tables: { AzureActivity: [act(m)] } }).fired;
    expect(at(9.99)).to.equal(true);
    expect(at(10)).to.equal(false);
    expect(at(0)).to.equal(true);
  });

  it("evaluatedBins needs a datetime TimeGenerated in the result; an unknown binning is an error", () => {
    expect(() => evaluateAlert({ ...base, query: `${byArrival} | project Caller`, binning: "evaluatedBins" })).to.throw(AlertDefinitionError, /TimeGenerated/);
    expect(() => evaluateAlert({ ...base, query: byArrival, binning: "newest" as never })).to.throw(AlertDefinitionError, /allRows, evaluatedBins/);
  });
});
