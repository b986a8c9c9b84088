// The one estate-wide log search rule of a detection says, in every alert, which subscription its
// rows come from: the deployed query (catalogue query + the SubscriptionId, and SubscriptionName,
// columns of patterns/subscription.ts) passes Microsoft's analyser, keeps its samples' verdicts,
// and puts the rows' subscription in the alert's dimensions.
import { expect } from "chai";
import { DETECTIONS } from "../detections";
import { parseStackConfig } from "../config";
import { resolveDetections, deployedForm, renderQuery } from "../planning/resolve";
import { caseParameters } from "../planning/samples";
import { evaluateAlert } from "../kusto/alert";
import { lintQuery } from "../kusto/lint";
import { LIMITS } from "../azure/limits";
import { SAMPLE_NOW } from "../detections/model";
import { readsSubscriptionData, subscriptionColumnOf, subscriptionNamesExpression, withSubscriptionColumns } from "../detections/patterns/subscription";
import { queryTimeRange } from "../planning/resolve";

const NAMED = { mode: "subscriptions" as const, subscriptions: [{ id: "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11", name: "prod" }, { id: "7f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d12", name: "dev" }] };
const IDS = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(, [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})*$/;

describe("subscription in every alert: deployed queries", function () {
  this.timeout(120_000);
  const resolved = resolveDetections(parseStackConfig({ location: "westeurope", subscriptions: NAMED.subscriptions }, "dev"));

  it("every subscription-data detection names a result column holding the subscription; tenant-level ones none", () => {
    for (const d of DETECTIONS) expect(!!subscriptionColumnOf(d), d.key).to.equal(readsSubscriptionData(d));
    expect(DETECTIONS.filter((d) => !readsSubscriptionData(d)).length).to.be.greaterThan(20);
  });

  // Every catalogue query is analysed as deployed, with SubscriptionId, by the catalogue test
  // (planning/checks.ts queryCheck). Here: the names variant, once per kind of subscription column.
  it("analyse cleanly with SubscriptionName, stay within Azure's dimension and size limits, and return both columns", () => {
    const kinds = new Map<string, (typeof resolved)[number]>();
    for (const r of resolved) {
      const column = subscriptionColumnOf(r.detection);
      if (column && !kinds.has(column)) kinds.set(column, r);
    }
    expect([...kinds.keys()]).to.include.members(["_ResourceId", "SubscriptionId", "VaultIds", "Targets", "Container"]);
    for (const r of kinds.values()) {
      const { findings, facts } = lintQuery(r.query, { maxLength: LIMITS.maxQueryLength });
      expect(findings.filter((f) => f.severity === "error").map((f) => `${f.code} ${f.message}`), r.key).to.deep.equal([]);
      const cols = facts.resultColumns.map((c) => c.name);
      for (const dim of r.trigger.dimensions ?? []) expect(cols, `${r.key} dimension ${dim}`).to.include(dim);
      expect(r.trigger.dimensions, r.key).to.include.members(["SubscriptionId", "SubscriptionName"]);
    }
    for (const r of resolved) {
      expect((r.trigger.dimensions ?? []).length, r.key).to.be.at.most(LIMITS.maxDimensions);
      if (!readsSubscriptionData(r.detection)) expect(r.trigger.dimensions ?? [], r.key).to.not.include("SubscriptionId");
    }
  });

  // Adding a column never adds or removes a row, and the new dimension is a function of columns
  // the rows already have: the quiet cases cannot change. The firing ones must name the subscription.
  it("keep firing on their samples, and every alert names the subscription of its rows", () => {
    for (const d of DETECTIONS.filter(readsSubscriptionData)) {
      const c = d.samples.fires[0];
      const p = caseParameters(d, c.parameters);
      const base = { query: renderQuery(d, p), trigger: d.signal.kind === "query" ? d.signal.trigger : resolved.find((r) => r.key === d.key)!.trigger };
      const deployed = deployedForm(d, renderQuery(d, p), { ...base.trigger, dimensions: (base.trigger.dimensions ?? []).filter((x) => !x.startsWith("Subscription")) }, NAMED);
      const e = evaluateAlert({ ...deployed, window: d.windowSize, overrideQueryTimeRange: queryTimeRange(d), now: c.now ?? SAMPLE_NOW, tables: c.rows });
      expect(e.fired, `${d.key}: ${c.name}`).to.equal(true);
      for (const g of e.groups.filter((x) => x.fired)) {
        expect(String(g.dimensions.SubscriptionId), `${d.key}: ${JSON.stringify(g.dimensions)}`).to.match(IDS);
        expect(g.dimensions).to.have.property("SubscriptionName");
      }
    }
  });

  it("derives the id from a subscription id, a resource id or a list of them, and the name only by exact id", () => {
    const names = subscriptionNamesExpression([{ id: NAMED.subscriptions[0].id, name: 'a "quoted"\nname' }]);
    const table = [
      'datetime(2025-06-02T11:59:00Z), dynamic("6F1A3C2E-0D4B-4C3F-9A53-2B1E6F0C9D11")',
      'datetime(2025-06-02T11:59:00Z), dynamic("/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")',
      'datetime(2025-06-02T11:59:00Z), dynamic(["/SUBSCRIPTIONS/7F1A3C2E-0D4B-4C3F-9A53-2B1E6F0C9D12/x", "/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/y", "/subscriptions/7f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d12/z"])',
      'datetime(2025-06-02T11:59:00Z), dynamic("kv-prod")',
    ];
    const q = withSubscriptionColumns(`datatable(TimeGenerated: datetime, X: dynamic) [\n${table.join(",\n")}\n]\n| project TimeGenerated, X`, "X", names);
    expect(lintQuery(q).findings.filter((f) => f.severity === "error")).to.deep.equal([]);
    const e = evaluateAlert({ query: q, trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["SubscriptionId", "SubscriptionName"] }, window: "PT5M", now: SAMPLE_NOW, tables: {} });
    expect(e.rows.map((r) => [r.SubscriptionId, r.SubscriptionName])).to.deep.equal([
      ["6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11", 'a "quoted"\nname'],
      ["6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11", 'a "quoted"\nname'],
      ["7f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d12, 6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11", ""],
      ["", ""],
    ]);
  });

  it("leaves the names out past the size limit, the ids stay", () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ id: `${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`, name: `subscription ${i}` }));
    expect(subscriptionNamesExpression(many)).to.equal("");
    const big = resolveDetections(parseStackConfig({ location: "westeurope", tactics: ["Impact"], subscriptions: many }, "dev"));
    for (const r of big) if (readsSubscriptionData(r.detection)) expect(r.trigger.dimensions, r.key).to.include("SubscriptionId").and.not.include("SubscriptionName");
  });
});
