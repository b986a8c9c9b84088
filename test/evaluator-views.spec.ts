// The evaluator computes the row-wise start of a pipeline once per table set and cuts it per
// evaluation by time bounds (kusto/evaluate/prefix.ts); it computes values that read no row once
// per evaluation. Each case here is run both ways over the same rows at many instants: as
// written, and with `| take` right after each table (a take is not row-wise, so every operator
// after it runs per evaluation, row by row: the plain reading the conformance suite pins). Both
// must give the same rows, in the same order, whether the rows are indexed once for all instants
// (a backtest) or given afresh (a single evaluation).
import { expect } from "chai";
import { evaluateTable, WorkspaceTables, type Row } from "../kusto/evaluate";

const T0 = Date.parse("2024-05-01T00:00:00Z");
const at = (minute: number) => new Date(T0 + minute * 60000).toISOString();

/** Sign-ins over 6 hours: some land late, some state no arrival, one has no times at all. */
function signins(table: string, seed: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 60; i++) {
    const minute = (i * 37 + seed * 11) % 360;
    const late = i % 7 === 0 ? 95 : i % 3;
    const r: Row = {
      TimeGenerated: at(minute),
      UserPrincipalName: `user${i % 5}@contoso.com`,
      IPAddress: `203.0.113.${i % 4}`,
      ResultType: i % 6 === 0 ? "50126" : "0",
      AppDisplayName: i % 2 ? "Azure Portal" : "Microsoft Azure PowerShell",
    };
    if (i % 5 !== 0) r._TimeReceived = at(minute + late);
    rows.push(r);
  }
  rows.push({ UserPrincipalName: "untimed@contoso.com", IPAddress: "198.51.100.1", ResultType: "0" });
  return rows;
}
const ROWS = { SigninLogs: signins("SigninLogs", 1), AADNonInteractiveUserSignInLogs: signins("AADNonInteractiveUserSignInLogs", 2) };

/** The same query with `| take` after every table name: nothing after it is row-wise. */
function perRow(query: string): string {
  return query.replace(/\b(SigninLogs|AADNonInteractiveUserSignInLogs)\b/g, "($1 | take 1000000)");
}

const CASES: Record<string, string> = {
  "an arrival bound through an extended column": `SigninLogs | extend Ingested = ingestion_time() | where Ingested > ago(1h) | project UserPrincipalName, Ingested`,
  "arrival and event bounds with filters between them": `SigninLogs | where ResultType == "0" | where TimeGenerated >= ago(3h) and ingestion_time() <= ago(10m) | extend U = tolower(UserPrincipalName) | where U has "user1" or IPAddress endswith ".2"`,
  "mirrored bounds and a bound that reads a let": `let since = ago(2h); SigninLogs | where ago(30m) >= TimeGenerated and TimeGenerated > since`,
  "a union of extended legs cut by arrival": `union (SigninLogs | project TimeGenerated, UserPrincipalName, IPAddress, ResultType, AppDisplayName, Ingested = ingestion_time()),
    (AADNonInteractiveUserSignInLogs | project TimeGenerated, UserPrincipalName, IPAddress, ResultType, AppDisplayName, Ingested = ingestion_time())
| where ResultType == "0"
| extend Ip = tostring(split(IPAddress, ".")[3])
| where Ingested <= ago(1h)
| summarize Count = count(), First = min(TimeGenerated), Apps = make_set(AppDisplayName) by UserPrincipalName, Ip`,
  "a union withsource, cut by event time": `union withsource=Source (SigninLogs | project TimeGenerated, _TimeReceived, UserPrincipalName), (AADNonInteractiveUserSignInLogs | project TimeGenerated, _TimeReceived, UserPrincipalName)
| where TimeGenerated > ago(2h) and ingestion_time() < ago(5m) | project Source, UserPrincipalName, TimeGenerated`,
  "a let view read twice with different bounds": `let rows = SigninLogs | extend Ingested = ingestion_time() | where isnotempty(IPAddress);
let known = rows | where Ingested <= ago(1h) | distinct UserPrincipalName, IPAddress;
rows | where Ingested > ago(1h) | join kind=leftanti known on UserPrincipalName, IPAddress | project UserPrincipalName, IPAddress, Ingested`,
  "TimeGenerated reassigned: a later comparison is not on the event time": `SigninLogs | extend TimeGenerated = TimeGenerated + 2h | where TimeGenerated > ago(1h) | project UserPrincipalName, TimeGenerated`,
  "_TimeReceived dropped: ingestion_time() falls back to TimeGenerated": `SigninLogs | project-away _TimeReceived | where ingestion_time() > ago(1h) | project UserPrincipalName, TimeGenerated`,
  "renamed and projected event times": `SigninLogs | project-rename Seen = TimeGenerated | project Seen, UserPrincipalName, At = Seen | where At >= ago(90m)`,
  "a conjunct that reads the clock beside row-wise ones": `SigninLogs | where ResultType == "0" and TimeGenerated + 1h > now() and UserPrincipalName !in~ ("user2@contoso.com")`,
  "a subquery list and per-evaluation values": `let recent = SigninLogs | where TimeGenerated > ago(1h) | distinct UserPrincipalName;
SigninLogs | where UserPrincipalName in (recent) | extend Recent = TimeGenerated >= ago(2h) | summarize Hits = countif(Recent), Last = max(TimeGenerated), Share = round(100.0 * countif(Recent) / count(), 1) by UserPrincipalName`,
};

function rowsOf(query: string, now: string, tables: WorkspaceTables | Record<string, Row[]>, ranged: boolean): Row[] {
  const range = ranged ? { from: new Date(Date.parse(now) - 4 * 36e5), to: new Date(now) } : undefined;
  return evaluateTable(query, { now, tables, timeRange: range }).rows;
}

describe("evaluator views: the same rows as evaluating every operator per row", () => {
  const indexed = new WorkspaceTables(ROWS);
  for (const [name, query] of Object.entries(CASES)) {
    const reference = perRow(query);
    it(name, () => {
      for (let m = 0; m <= 480; m += 20) {
        for (const ranged of [true, false]) {
          const expected = rowsOf(reference, at(m), ROWS, ranged);
          expect(rowsOf(query, at(m), indexed, ranged), `at minute ${m}, ${ranged ? "with" : "without"} a time range (indexed once)`).to.deep.equal(expected);
          expect(rowsOf(query, at(m), ROWS, ranged), `at minute ${m}, ${ranged ? "with" : "without"} a time range (fresh rows)`).to.deep.equal(expected);
        }
      }
    });
  }

  it("extends fused into the summarize that reads them give the rows of the extended copies", () => {
    const summarize = `| summarize Recent = countif(IsRecent), Older = countif(Older), Ips = make_set(IPAddress), Last = max(Ip), Seen = dcount(Lower) by UserPrincipalName, IsRecent`;
    const extends_ = `SigninLogs | extend IsRecent = TimeGenerated >= ago(2h) | extend Older = not(IsRecent), Ip = IPAddress, IPAddress = strcat(IPAddress, "/", iff(IsRecent, "r", "o")) | extend Lower = tolower(column_ifexists("Ip", ""))`;
    for (let m = 0; m <= 480; m += 40) {
      expect(rowsOf(`${extends_} ${summarize}`, at(m), indexed, true)).to.deep.equal(rowsOf(`${extends_} | take 1000000 ${summarize}`, at(m), ROWS, true));
    }
  });

  it("the cases take the view path (its rows are kept between evaluations)", () => {
    const tables = new WorkspaceTables(ROWS);
    expect(tables.viewCache.size).to.equal(0);
    rowsOf(CASES["a union of extended legs cut by arrival"], at(300), tables, true);
    expect(tables.viewCache.size).to.be.greaterThan(0);
  });

  it("the views one evaluation uses stay together, however small the cache's room; the next query's views replace them", () => {
    const query = CASES["a union of extended legs cut by arrival"];
    const roomy = new WorkspaceTables(ROWS);
    rowsOf(query, at(300), roomy, true);
    const used = roomy.viewCache.size;
    expect(used).to.be.greaterThan(1);
    // One byte of room: every view is over it, yet an evaluation keeps all it uses (they would evict
    // each other at every evaluation of the rule otherwise), and the next evaluation reuses them.
    const tight = new WorkspaceTables(ROWS, { viewCacheBytes: 1 });
    rowsOf(query, at(300), tight, true);
    expect(tight.viewCache.size).to.equal(used);
    rowsOf(query, at(340), tight, true);
    expect(tight.viewCache.size).to.equal(used);
    // Another query: its views are this evaluation's, the union's are over the room and dropped.
    const other = "SigninLogs | where ResultType == '0' | extend U = tolower(UserPrincipalName) | summarize count() by U";
    const alone = new WorkspaceTables(ROWS, { viewCacheBytes: 1 });
    rowsOf(other, at(300), alone, true);
    rowsOf(other, at(300), tight, true);
    expect(tight.viewCache.size).to.equal(alone.viewCache.size);
  });

  it("a reassigned TimeGenerated is compared as reassigned", () => {
    // Rows at 10:30 and 11:30 move to 12:30 and 13:30: both after ago(1h) at 12:00, only the second at 13:45.
    const query = CASES["TimeGenerated reassigned: a later comparison is not on the event time"];
    const rows = [{ TimeGenerated: "2024-05-01T10:30:00Z", UserPrincipalName: "a" }, { TimeGenerated: "2024-05-01T11:30:00Z", UserPrincipalName: "b" }];
    const out = evaluateTable(query, { now: "2024-05-01T12:00:00Z", tables: new WorkspaceTables({ SigninLogs: rows }) }).rows;
    expect(out.map((r) => r.UserPrincipalName)).to.deep.equal(["a", "b"]);
    const late = evaluateTable(query, { now: "2024-05-01T13:45:00Z", tables: new WorkspaceTables({ SigninLogs: rows }) }).rows;
    expect(late.map((r) => r.UserPrincipalName)).to.deep.equal(["b"]);
  });
});

describe("evaluator: values that read no row are computed once per evaluation", () => {
  it("an aggregate inside an expression is still computed per group", () => {
    const rows = evaluateTable(`datatable(k:string, v:long)['a', 1, 'a', 2, 'b', 5] | summarize n = count() * 10, s = sum(v) + 0, m = max(v) - min(v) by k`, { now: at(0), tables: {} }).rows;
    expect(rows).to.deep.equal([{ k: "a", n: 20, s: 3, m: 1 }, { k: "b", n: 10, s: 5, m: 0 }]);
  });
  it("a clock value is computed again at each evaluation of the same query", () => {
    const q = `print t = now() - 1h, a = ago(30m)`;
    const first = evaluateTable(q, { now: at(60), tables: {} }).rows[0];
    const second = evaluateTable(q, { now: at(120), tables: {} }).rows[0];
    expect(first).to.deep.equal({ t: new Date(at(0)), a: new Date(at(30)) });
    expect(second).to.deep.equal({ t: new Date(at(60)), a: new Date(at(90)) });
  });
  it("a let value is read at each evaluation", () => {
    const q = `let cut = ago(1h); datatable(t:datetime)[datetime(2024-05-01T00:10:00Z), datetime(2024-05-01T01:10:00Z)] | where t > cut`;
    expect(evaluateTable(q, { now: at(60), tables: {} }).rows).to.have.length(2);
    expect(evaluateTable(q, { now: at(100), tables: {} }).rows).to.deep.equal([{ t: new Date(at(70)) }]);
  });
});
