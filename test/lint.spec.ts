// Known-bad queries: each check of the catalogue harness must be able to fail.
import { expect } from "chai";
import { lintQuery } from "../kusto/lint";

const codes = (q: string, range?: number) => lintQuery(q, { queryTimeRangeMs: range, maxLength: 200 }).findings.filter((f) => f.severity === "error").map((f) => f.code);

describe("query lints", () => {
  const cases: [string, string, string][] = [
    ["unknown table", "SigninLog | project UserPrincipalName", "KS204"],
    ["unknown column", "SigninLogs | project UserPrincipleName", "KS142"],
    ["datetime compared with a string", `SigninLogs | where TimeGenerated > "2024-01-01" | project UserPrincipalName`, "KS106"],
    ["string column compared with an int (analyser accepts it)", "SigninLogs | where ResultType == 0 | project TimeGenerated", "TYPEMIX"],
    ["mixed list in `in`", `SigninLogs | where ResultType in ("0", 50126) | project TimeGenerated`, "TYPEMIX"],
    ["int column compared with a string", `Event | where EventID == "4104" | project TimeGenerated`, "TYPEMIX"],
    ["case-insensitive `in~` with an int", `AzureActivity | where ActivityStatusValue in~ ("Success", 1) | project TimeGenerated`, "TYPEMIX"],
    ["two results", "AzureActivity | project Caller; SigninLogs | project UserPrincipalName", "RESULTCOUNT"],
    ["no result", "let x = 1;", "RESULTCOUNT"],
    ["look-back beyond the query time range", "AzureActivity | where TimeGenerated > ago(2d) | project Caller", "LOOKBACK"],
    ["look-back through a let constant", "let lookback = 3h; AzureActivity | where TimeGenerated > ago(lookback) | project Caller", "LOOKBACK"],
    ["a join of raw rows (right side)", "SigninLogs | summarize n = count() by CorrelationId | join kind=inner (AuditLogs | project CorrelationId) on CorrelationId", "JOIN"],
    ["a join of raw rows (left side)", "SigninLogs | project CorrelationId | join kind=inner (AuditLogs | distinct CorrelationId) on CorrelationId", "JOIN"],
    ["a join of a let that is not reduced", "let audits = AuditLogs | project CorrelationId; SigninLogs | summarize n = count() by CorrelationId | join kind=inner audits on CorrelationId", "JOIN"],
    ["query too long", "AzureActivity | where Caller !in~ (" + Array.from({ length: 30 }, (_, i) => `"user${i}@contoso.com"`).join(", ") + ") | project Caller", "QUERYSIZE"],
  ];
  for (const [what, q, code] of cases) {
    it(`reports ${code}: ${what}`, () => expect(codes(q, 60 * 60_000)).to.include(code));
  }

  it("reports the analyser's best-practice findings as warnings when asked (KS500: contains)", () => {
    const q = `AzureActivity | where Caller contains "admin" | project TimeGenerated, Caller`;
    expect(lintQuery(q, { bestPractices: true }).findings.filter((f) => f.severity === "warning").map((f) => f.code)).to.include("KS500");
    expect(lintQuery(q).findings).to.deep.equal([]);
  });

  it("accepts a well-formed query", () => {
    expect(codes(`AzureActivity | where OperationNameValue =~ "x" | where TimeGenerated > ago(30m) | project TimeGenerated, Caller`, 60 * 60_000)).to.deep.equal([]);
  });

  it("accepts a join whose sides are reduced, directly or through lets", () => {
    const q = "let audits = AuditLogs | summarize by CorrelationId; let a2 = audits; SigninLogs | summarize n = count() by CorrelationId | join kind=inner a2 on CorrelationId | project CorrelationId, n";
    expect(codes(q)).to.deep.equal([]);
  });

  it("extracts tables, result columns and look-back", () => {
    const r = lintQuery("let n = 2; SigninLogs | where TimeGenerated > ago(1h) | join kind=inner (AuditLogs | project CorrelationId, OperationName) on CorrelationId | summarize c = count() by UserPrincipalName");
    expect(r.facts.tables).to.deep.equal(["AuditLogs", "SigninLogs"]);
    expect(r.facts.resultColumns).to.deep.equal([{ name: "UserPrincipalName", type: "string" }, { name: "c", type: "long" }]);
    expect(r.facts.maxAgoMs).to.equal(3_600_000);
  });
});
