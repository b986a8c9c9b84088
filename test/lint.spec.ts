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

describe("query lints: union, sparse columns, arrival lineage", () => {
  const errors = (q: string) => lintQuery(q).findings.filter((f) => f.severity === "error").map((f) => f.code);
  const arrival = (q: string) => lintQuery(q).facts.arrivalColumns;

  it("UNION: a union of tables, a union after a pipe and `search` are errors", () => {
    expect(errors("union SigninLogs, AADNonInteractiveUserSignInLogs | project TimeGenerated, UserPrincipalName")).to.include("UNION");
    expect(errors("SigninLogs | union AADNonInteractiveUserSignInLogs | project TimeGenerated, UserPrincipalName")).to.include("UNION");
    expect(errors("let a = SigninLogs | union (AADNonInteractiveUserSignInLogs); a | project TimeGenerated")).to.include("UNION");
    expect(errors(`search "x" | project TimeGenerated`)).to.include("UNION");
    expect(errors("SigninLogs | project TimeGenerated, UserPrincipalName")).to.deep.equal([]);
  });

  it("SPARSE: a sparse AzureDiagnostics column read directly is an error naming column_ifexists; through column_ifexists it is not", () => {
    const direct = lintQuery("AzureDiagnostics | project TimeGenerated, Upn = identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s").findings;
    expect(direct.map((f) => f.code)).to.deep.equal(["SPARSE"]);
    expect(direct[0].message).to.include(`column_ifexists("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s", "")`);
    expect(errors(`AzureDiagnostics | where isnotempty(identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g) | project TimeGenerated`)).to.deep.equal(["SPARSE"]);
    expect(errors(`AzureDiagnostics | project TimeGenerated, Upn = column_ifexists("identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s", "")`)).to.deep.equal([]);
    // A column every workspace's table has (requestUri_s) and a derived column of the same name as a sparse one are fine.
    expect(errors(`AzureDiagnostics | extend log_s = column_ifexists("log_s", "") | project TimeGenerated, requestUri_s, log_s`)).to.deep.equal([]);
  });

  it("arrival lineage: columns that carry only ingestion_time() through extends, aggregates and joins", () => {
    expect(arrival("AzureActivity | extend EventTime = TimeGenerated, TimeGenerated = ingestion_time() | project TimeGenerated, EventTime, Caller")).to.deep.equal(["TimeGenerated"]);
    expect(arrival("AzureActivity | extend Ingested = ingestion_time() | summarize LastIngested = max(Ingested), Last = maxif(Ingested, Caller == 'x') by Caller | project TimeGenerated = LastIngested, Last, Caller")).to.deep.equal(["TimeGenerated", "Last"]);
    const pair = "let a = AzureActivity | summarize A = min(ingestion_time()) by Caller; let b = SigninLogs | summarize B = min(ingestion_time()), Caller = take_any(UserPrincipalName) by UserPrincipalName; a | join kind=inner b on Caller | project TimeGenerated = max_of(A, B), Caller";
    expect(arrival(pair)).to.deep.equal(["TimeGenerated"]);
  });

  it("arrival gates: where-comparisons of an arrival value with ago()", () => {
    const gates = (q: string) => lintQuery(q).facts.arrivalGates;
    expect(gates("SigninLogs | where ingestion_time() > ago(17m) | project TimeGenerated")).to.deep.equal(["ingestion_time() > ago(17m)"]);
    expect(gates("SigninLogs | extend I = ingestion_time() | summarize L = max(I) by UserId | where L > ago(62m) | project L")).to.deep.equal(["L > ago(62m)"]);
    expect(gates("SigninLogs | where TimeGenerated > ago(17m) | extend I = ingestion_time() | project I")).to.deep.equal([]);
  });

  it("arrival lineage: event time, a mix with event time, a clamp with ago() and a renamed join column are not arrival", () => {
    expect(arrival("AzureActivity | project TimeGenerated, Caller")).to.deep.equal([]);
    expect(arrival("AzureActivity | extend Ingested = ingestion_time() | summarize T = max(Ingested), E = min(TimeGenerated) by Caller | project TimeGenerated = max_of(T, E), Caller")).to.deep.equal([]);
    expect(arrival("AzureActivity | project TimeGenerated = max_of(ingestion_time(), ago(1h)), Caller")).to.deep.equal([]);
    expect(arrival("AzureActivity | project TimeGenerated = iff(Caller == 'x', ingestion_time(), TimeGenerated)")).to.deep.equal([]);
    // Same name, other symbol: the right side's TimeGenerated is event time and comes out renamed.
    const q = "AzureActivity | extend TimeGenerated = ingestion_time() | summarize TimeGenerated = max(TimeGenerated) by Caller | join kind=inner (SigninLogs | summarize TimeGenerated = max(TimeGenerated) by Caller = UserPrincipalName) on Caller | project TimeGenerated = TimeGenerated1, Caller";
    expect(arrival(q)).to.deep.equal([]);
  });
});

describe("query lints: ingestion_time() in the context of a table", () => {
  const errors = (q: string) => lintQuery(q).findings.filter((f) => f.severity === "error").map((f) => f.code);
  it("accepts it after the table, its filters and extends, through lets, and inside an aggregate of table rows", () => {
    expect(errors("SigninLogs | where ingestion_time() > ago(17m) | extend I = ingestion_time() | project TimeGenerated, I")).to.deep.equal([]);
    expect(errors("let rows = SigninLogs | where ResultType == '0'; rows | summarize L = max(ingestion_time()) by UserId | project L, UserId")).to.deep.equal([]);
  });
  it("reports INGESTION after a summarize, a join, an mv-expand or a project, also through a let", () => {
    expect(errors("SigninLogs | summarize T = min(TimeGenerated) by UserId | project T, I = ingestion_time()")).to.include("INGESTION");
    expect(errors("AuditLogs | mv-expand T = TargetResources | project TimeGenerated, I = ingestion_time()")).to.include("INGESTION");
    expect(errors("SigninLogs | project TimeGenerated, UserId | extend I = ingestion_time()")).to.include("INGESTION");
    expect(errors("let s = SigninLogs | summarize by UserId; s | extend I = ingestion_time()")).to.include("INGESTION");
  });
});
