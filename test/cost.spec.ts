// The cost estimate: arithmetic checked against hand-computed figures, the price table's coverage
// of the catalogue, and the `pricing` config key's validation.
import { expect } from "chai";
import { ConfigError, parseStackConfig } from "../config";
import { DETECTIONS } from "../detections";
import { ATRM_LEAVES } from "../detections/atrm";
import { coverageSummary, leafCoverage } from "../planning/coverage";
import { DAYS_PER_MONTH, estimateCost, logSourcesRead, priceTable, priceTier, sourceIds, type LogSourceUse } from "../planning/cost";
import type { Requirement } from "../detections/model";
import type { ResolvedDetection } from "../planning/resolve";
import table from "../pricing/azure-monitor.json";

/** Just what the estimate reads from a resolved detection. */
function rule(key: string, alertKind: "scheduledQuery" | "activityLog", evaluationFrequency: string, dimensions: string[] = [], requires: Requirement[] = []): ResolvedDetection {
  return {
    key, alertKind, evaluationFrequency,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions },
    detection: { key, requires },
  } as unknown as ResolvedDetection;
}

// Round numbers so the expectations below can be worked out by hand.
const prices = priceTable({
  logSearchRulePerMonth: { PT1M: 3, PT5M: 1.5, PT10M: 1, PT15M: 0.5 },
  timeSeriesPerMonth: { PT1M: 0.3, PT5M: 0.15, PT10M: 0.1, PT15M: 0.05 },
  ingestionPerGb: 2,
  timeSeriesPerSplitRule: 4,
  gbPerDay: { "entraId:SignInLogs": 0.5, activityLog: 1, "diagnostics:Microsoft.KeyVault/vaults": 0.1 },
});

describe("cost estimate", () => {
  it("prices each rule at the tier of its evaluation frequency (the largest tier not more frequent than the rule)", () => {
    const tiers = ["PT1M", "PT4M", "PT5M", "PT9M", "PT10M", "PT14M", "PT15M", "PT30M", "PT1H", "P1D"].map(priceTier);
    expect(tiers).to.deep.equal(["PT1M", "PT1M", "PT5M", "PT5M", "PT10M", "PT10M", "PT15M", "PT15M", "PT15M", "PT15M"]);
  });

  describe("a small stack, worked by hand", () => {
    const detections = [
      rule("a-5m", "scheduledQuery", "PT5M"),
      rule("b-1h-split", "scheduledQuery", "PT1H", ["Caller"]),
      rule("c-15m-split", "scheduledQuery", "PT15M", ["Caller", "IP"]),
      rule("d-activity", "activityLog", "PT5M"),
      rule("e-activity", "activityLog", "PT5M"),
    ];
    const sources: LogSourceUse[] = [
      { source: "activityLog", instances: 1, instancesAssumed: true, detections: ["d-activity", "e-activity"] },
      { source: "entraId:SignInLogs", instances: 1, instancesAssumed: true, detections: ["a-5m"] },
      { source: "diagnostics:Microsoft.KeyVault/vaults", instances: 3, instancesAssumed: false, detections: ["b-1h-split"] },
    ];
    const cost = estimateCost(detections, prices, sources);

    it("rules: 1 x 1.50 (PT5M) + 2 x 0.50 (PT15M, the hourly rule included) = 2.50; activity-log alerts free", () => {
      expect(cost.rules).to.deep.equal({
        monthly: 2.5,
        logSearch: 3,
        activityLogFree: 2,
        activityLogAlerts: 2,
        tiers: [
          { tier: "PT5M", rules: 1, pricePerRule: 1.5, monthly: 1.5 },
          { tier: "PT15M", rules: 2, pricePerRule: 0.5, monthly: 1 },
        ],
      });
    });

    it("time series: 2 split rules x 3 series beyond the first x 0.05 = 0.30", () => {
      expect(cost.timeSeries).to.deep.equal({
        monthly: 0.3,
        splitRules: 2,
        timeSeriesPerRule: 4,
        tiers: [{ tier: "PT15M", splitRules: 2, extraSeries: 6, pricePerSeries: 0.05, monthly: 0.3 }],
      });
    });

    it("ingestion: 0.5 GB/day x 30.4167 days = 15.208 GB -> 30.42; 3 vaults x 0.1 GB/day = 9.125 GB -> 18.25; Activity Log free", () => {
      expect(DAYS_PER_MONTH).to.be.closeTo(30.4167, 1e-4);
      expect(cost.ingestion.sources).to.deep.equal([
        { source: "activityLog", gbPerDayEach: 1, instances: 1, instancesAssumed: true, gbPerMonth: 30.417, free: true, monthly: 0, detections: 2 },
        { source: "entraId:SignInLogs", gbPerDayEach: 0.5, instances: 1, instancesAssumed: true, gbPerMonth: 15.208, free: false, monthly: 30.42, detections: 1 },
        { source: "diagnostics:Microsoft.KeyVault/vaults", gbPerDayEach: 0.1, instances: 3, instancesAssumed: false, gbPerMonth: 9.125, free: false, monthly: 18.25, detections: 1 },
      ]);
      expect(cost.ingestion.monthly).to.equal(48.67);
      expect(cost.ingestion.gbPerMonth).to.equal(24.333);
    });

    it("total: 2.50 exact + 48.97 estimated = 51.47", () => {
      expect(cost.total).to.deep.equal({ exact: 2.5, estimated: 48.97, monthly: 51.47 });
      expect(cost.currency).to.equal("USD");
    });
  });

  it("one time series per split rule (the default assumption) adds nothing beyond the rule price", () => {
    const cost = estimateCost([rule("x", "scheduledQuery", "PT5M", ["Caller"])], priceTable({ timeSeriesPerSplitRule: 1 }), []);
    expect(cost.timeSeries.monthly).to.equal(0);
    expect(cost.timeSeries.tiers).to.deep.equal([{ tier: "PT5M", splitRules: 1, extraSeries: 0, pricePerSeries: table.timeSeriesPerMonth.PT5M, monthly: 0 }]);
  });

  it("a stack with only activity-log alerts and the Activity Log costs nothing", () => {
    const d = [rule("x", "activityLog", "PT5M", [], [{ source: "activityLog", categories: ["Administrative"] }])];
    expect(estimateCost(d, priceTable(), logSourcesRead(d)).total).to.deep.equal({ exact: 0, estimated: 0, monthly: 0 });
  });

  it("groups the sources the deployed detections read, one instance assumed", () => {
    const d = [
      rule("x", "scheduledQuery", "PT5M", [], [{ source: "activityLog", categories: ["Administrative"] }, { source: "entraId", categories: ["AuditLogs", "SignInLogs"] }]),
      rule("y", "scheduledQuery", "PT5M", [], [{ source: "entraId", categories: ["AuditLogs"] }]),
    ];
    expect(logSourcesRead(d)).to.deep.equal([
      { source: "activityLog", instances: 1, instancesAssumed: true, detections: ["x"] },
      { source: "entraId:AuditLogs", instances: 1, instancesAssumed: true, detections: ["x", "y"] },
      { source: "entraId:SignInLogs", instances: 1, instancesAssumed: true, detections: ["x"] },
    ]);
  });

  it("has a GB/day assumption for every log source the catalogue reads", () => {
    const read = new Set(DETECTIONS.flatMap((d) => d.requires.flatMap(sourceIds)));
    expect([...read].filter((s) => !(s in table.gbPerDay))).to.deep.equal([]);
  });

  it("keeps the table's provenance: sources, date read, and which prices are unverified or overridden", () => {
    expect(priceTable().provenance).to.deep.include({ read: table.read, unverified: table.unverified, overridden: [] });
    expect(priceTable().provenance.sources[0]).to.equal("https://azure.microsoft.com/pricing/details/monitor/");
    const p = priceTable({ ingestionPerGb: 2.5, logSearchRulePerMonth: { PT5M: 1 } });
    expect(p.provenance.overridden).to.deep.equal(["logSearchRulePerMonth.PT5M", "ingestionPerGb"]);
    expect(p.provenance.unverified).to.deep.equal(["logSearchRulePerMonth", "timeSeriesPerMonth"]);
    expect(p.logSearchRulePerMonth).to.deep.equal({ ...table.logSearchRulePerMonth, PT5M: 1 });
  });
});

describe("stack config: pricing", () => {
  const problems = (pricing: unknown): string[] => {
    try {
      parseStackConfig({ location: "westeurope", pricing }, "dev");
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it("is optional and defaults to no overrides", () => {
    expect(parseStackConfig({ location: "westeurope" }, "dev").pricing).to.deep.equal({});
  });

  it("accepts negotiated prices in the table's currency, and a full table in another currency", () => {
    expect(problems({ ingestionPerGb: 1.9, logSearchRulePerMonth: { PT15M: 0.4 }, gbPerDay: { "entraId:SignInLogs": 2 } })).to.deep.equal([]);
    const all = { PT1M: 3, PT5M: 1.4, PT10M: 0.9, PT15M: 0.45 };
    expect(problems({ currency: "EUR", logSearchRulePerMonth: all, timeSeriesPerMonth: all, ingestionPerGb: 2.2 })).to.deep.equal([]);
  });

  it("names the key of every bad value", () => {
    expect(problems({ currency: "euro" })[0]).to.match(/^azdetect:pricing\.currency: .*ISO 4217/);
    expect(problems({ ingestionPerGb: -1 })[0]).to.match(/^azdetect:pricing\.ingestionPerGb: -1 is too small — at least 0/);
    expect(problems({ logSearchRulePerMonth: { PT2M: 1 } })).to.deep.equal(["azdetect:pricing.logSearchRulePerMonth.PT2M: unknown key — expected one of: PT1M, PT5M, PT10M, PT15M"]);
    expect(problems({ gbPerDay: { "entraId:Nope": 1 } })[0]).to.match(/^azdetect:pricing\.gbPerDay\.entraId:Nope: unknown log source — expected one of: activityLog, entraId:AuditLogs, /);
  });

  it("refuses another currency with prices left in the table's", () => {
    expect(problems({ currency: "EUR", ingestionPerGb: 2.2 })).to.deep.equal([
      "azdetect:pricing.currency: EUR differs from the price table's USD — give every price in EUR (missing: logSearchRulePerMonth.PT1M, logSearchRulePerMonth.PT5M, logSearchRulePerMonth.PT10M, logSearchRulePerMonth.PT15M, timeSeriesPerMonth.PT1M, timeSeriesPerMonth.PT5M, timeSeriesPerMonth.PT10M, timeSeriesPerMonth.PT15M)",
    ]);
  });
});

describe("coverage states", () => {
  it("counts each leaf once, and a leaf whose only deployed detection misses telemetry as telemetry-missing", () => {
    const d = DETECTIONS.find((x) => DETECTIONS.filter((y) => y.technique === x.technique).length === 1)!;
    const resolved = [{ key: d.key, detection: d, alertKind: "scheduledQuery" } as unknown as ResolvedDetection];
    const without = coverageSummary(resolved);
    const withGap = coverageSummary(resolved, { [d.key]: ["entraId:SignInLogs (test)"] });
    expect(without.states.deployed).to.equal(1);
    expect(withGap.states).to.include({ deployed: 0, "deployed-telemetry-missing": 1 });
    expect(withGap.deployed).to.equal(1);
    for (const s of [without, withGap]) expect(Object.values(s.states).reduce((a, b) => a + b, 0)).to.equal(ATRM_LEAVES.length);
    expect(leafCoverage(resolved).find((l) => l.leaf.id === d.technique)!.state).to.equal("deployed");
  });
});
