// Live mode of `npm run backtest` (tools/backtest/pull.ts), offline: Microsoft's own LogsQueryClient
// runs through its own HTTP pipeline (bearer token, retry policies, deserialisation), and only the
// last step, the HTTP client (the SDK's `httpClient` option), answers with recorded responses. The
// token comes from a TokenCredential that hands out a fixed token (or fails the way
// @azure/identity's credentials fail).
//
// Recorded responses follow the documented shapes (MicrosoftDocs/azure-monitor-docs):
// - a result: {"tables": [{"name": "PrimaryResult", "columns": [{"name", "type"}], "rows": [[...]]}]},
//   and a non-fatal error as 200 with the tables and an `error` object of code PartialError
//   (articles/azure-monitor/logs/api/response-format.md at 498534b6);
// - errors as OneAPI error objects; the 403 body is the documented "Insufficient permissions" one
//   (articles/azure-monitor/logs/api/errors.md at 04f72d4a);
// - a query over its time limit fails with 504 Gateway Timeout (articles/azure-monitor/logs/api/timeouts.md
//   at fd0af3bf; the page gives the status, not the body: the body here is a OneAPI error object
//   whose code and message are ours);
// - a partial error's inner message for a cut result is the Kusto engine's
//   "Query result set has exceeded the internal record count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE ...)"
//   (result truncation, Kusto query limits: learn.microsoft.com/kusto/concepts/query-limits); the SDK
//   drops that inner error, so the pull judges a partial result by how many rows came back;
// - querying a workspace by its resource id: the URL form and the 403 of a resource query
//   (articles/azure-monitor/logs/api/azure-resource-queries.md at 0049add3);
// - throttling as 429 with Retry-After (articles/azure-monitor/logs/includes/azure-monitor-limits-log-queries.md
//   at 005411c2: "terminated with an HTTP error response with code 429").
import { expect } from "chai";
import { AuthenticationError, CredentialUnavailableError, type AccessToken, type TokenCredential } from "@azure/identity";
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { analyze } from "../kusto/language";
import { countQuery, planSlices, pullWorkspace, rowsQuery, PullError, type PullOptions } from "../tools/backtest/pull";
import { plainRows } from "../kusto/rows";
import { backtestCommand, errorLine } from "../tools/backtest";
import { columnsRead } from "../planning/backtest";
import { resolveDetections } from "../planning/resolve";
import { parseStackConfig } from "../config";
import { readStackFile } from "../config/stackFile";
import * as path from "path";

const WORKSPACE = "/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-sec";
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fixed-test-token";
const quiet = { write: () => true, isTTY: false };

/** A real TokenCredential: a fixed token, valid for an hour. */
class FixedToken implements TokenCredential {
  scopes: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(...[scopes].flat());
    return { token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 };
  }
}
/** A credential that fails as @azure/identity's do: nothing to sign in with, or a sign-in Entra ID refuses. */
class FailingCredential implements TokenCredential {
  constructor(private readonly error: Error) {}
  async getToken(): Promise<AccessToken> { throw this.error; }
}

interface Recorded { status: number; headers?: Record<string, string>; body?: unknown }
interface Seen { at: number; url: string; method: string; headers: Record<string, string>; query: string; timespan: string }

/** The HTTP client the SDK's pipeline ends in: answers each request from `answer`, and keeps what it was asked. */
class RecordedHttpClient implements HttpClient {
  readonly seen: Seen[] = [];
  constructor(private readonly answer: (req: Seen, n: number) => Recorded) {}
  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const body = JSON.parse(String(request.body ?? "{}")) as { query: string; timespan: string };
    const req: Seen = { at: Date.now(), url: request.url, method: request.method, headers: request.headers.toJSON(), query: body.query, timespan: body.timespan };
    this.seen.push(req);
    const r = this.answer(req, this.seen.length);
    return {
      request,
      status: r.status,
      headers: createHttpHeaders({ "content-type": "application/json; charset=utf-8", ...r.headers }),
      bodyAsText: r.body === undefined ? "" : JSON.stringify(r.body),
    };
  }
}

type Column = { name: string; type: string };
const result = (columns: Column[], rows: unknown[][], error?: unknown) => ({ status: 200, body: { tables: [{ name: "PrimaryResult", columns, rows }], ...(error ? { error } : {}) } });
const COUNT_COLUMNS = [{ name: "Hour", type: "datetime" }, { name: "Rows", type: "long" }, { name: "Bytes", type: "long" }];
const ROW_COLUMNS = [
  { name: "TimeGenerated", type: "datetime" }, { name: "_TimeReceived", type: "datetime" }, { name: "Caller", type: "string" },
  { name: "OperationNameValue", type: "string" }, { name: "Properties_d", type: "dynamic" },
];
/** n AzureActivity rows between from and to, as the API writes them (dynamic as JSON text). */
function activityRows(from: string, to: string, n: number, caller = "alice@contoso.com"): unknown[][] {
  const a = Date.parse(from), b = Date.parse(to);
  return Array.from({ length: n }, (_, i) => {
    const t = a + Math.floor(((b - a) * i) / n);
    return [new Date(t).toISOString(), new Date(t + 120_000).toISOString(), caller, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", JSON.stringify({ n: i })];
  });
}
const isCount = (q: string) => q.includes("summarize Rows = count()");
const span = (timespan: string) => timespan.split("/").map((t) => new Date(t).toISOString());

const COLUMNS = { AzureActivity: new Set(["TimeGenerated", "_TimeReceived", "Caller", "OperationNameValue", "Properties_d"]) };
const pull = (answer: (req: Seen, n: number) => Recorded, more: Partial<PullOptions> = {}) => {
  const http = new RecordedHttpClient(answer);
  const credential = new FixedToken();
  const run = pullWorkspace({ workspaceResourceId: WORKSPACE, from: new Date("2025-06-01T00:00:00Z"), to: new Date("2025-06-01T03:00:00Z"), columns: COLUMNS, credential, httpClient: http, ...more });
  return { http, credential, run };
};
async function failure(p: Promise<unknown>): Promise<Error> {
  try { await p; } catch (e) { return e as Error; }
  throw new Error("expected the pull to fail");
}

describe("backtest live mode: the query client, offline (tools/backtest/pull.ts)", () => {
  it("asks for the columns the rules read, hour by hour under the budget, and an hour over it in parts", async () => {
    const { http, credential, run } = pull((req) => {
      if (isCount(req.query)) return result(COUNT_COLUMNS, [["2025-06-01T00:00:00Z", 3, 300], ["2025-06-01T01:00:00Z", 4, 400], ["2025-06-01T02:00:00Z", 12, 1200]]);
      const [from, to] = span(req.timespan);
      return result(ROW_COLUMNS, activityRows(from, to, Date.parse(to) - Date.parse(from) === 36e5 ? 4 : 1));
    }, { budget: { rows: 5, bytes: 1e9 } });
    const loaded = await run;
    // One count, then 00-01 (3 rows) and 01-02 (4: together over 5), then 02-03 (12 rows) in three parts.
    expect(http.seen.map((s) => (isCount(s.query) ? "count" : span(s.timespan).map((t) => t.slice(11, 16)).join("-")))).to.deep.equal(["count", "00:00-01:00", "01:00-02:00", "02:00-02:20", "02:20-02:40", "02:40-03:00"]);
    for (const s of http.seen) {
      expect(s.method).to.equal("POST");
      expect(s.url).to.equal(`https://api.loganalytics.io/v1${WORKSPACE}/query`);
      expect(s.headers.authorization).to.equal(`Bearer ${TOKEN}`);
      expect(s.headers.prefer).to.equal("wait=600");
    }
    expect(credential.scopes).to.include("https://api.loganalytics.io/.default");
    const rowsQ = http.seen[1].query;
    expect(rowsQ).to.include("| where TimeGenerated >= datetime(2025-06-01T00:00:00.000Z) and TimeGenerated < datetime(2025-06-01T01:00:00.000Z)");
    expect(rowsQ).to.include("_TimeReceived = ingestion_time()").and.include(`Caller = column_ifexists("Caller", "")`).and.include(`Properties_d = column_ifexists("Properties_d", dynamic(null))`);
    expect(rowsQ).to.not.include("ActivityStatusValue");   // a column no rule reads is not pulled
    expect(loaded.counts).to.deep.equal({ AzureActivity: 4 + 4 + 1 + 1 + 1 });
    const [first] = plainRows(loaded.tables).AzureActivity;
    expect(first).to.deep.equal({ TimeGenerated: "2025-06-01T00:00:00.000Z", _TimeReceived: "2025-06-01T00:02:00.000Z", Caller: "alice@contoso.com", OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", Properties_d: { n: 0 } });
  });

  it("every query it sends is valid KQL against the table's schema (Microsoft's parser)", () => {
    const cols = new Set(["Caller", "Properties_d", "Authorization_d", "CallerIpAddress", "HTTPRequest"]);
    for (const q of [countQuery("AzureActivity", cols, new Date("2025-06-01T00:00:00Z"), new Date("2025-06-08T00:00:00Z")), rowsQuery("AzureActivity", cols, Date.parse("2025-06-01T00:00:00Z"), Date.parse("2025-06-01T01:00:00Z")), rowsQuery("AzureDiagnostics", new Set(["identity_claim_appid_g", "httpStatusCode_d", "isAccessPolicyMatch_b"]), 0, 36e5)]) {
      const diags = analyze(q).GetDiagnostics()!;
      const errors: string[] = [];
      for (let i = 0; i < diags.Count; i++) if (diags.getItem(i)!.Severity === "Error") errors.push(diags.getItem(i)!.Message!);
      expect(errors, q).to.deep.equal([]);
    }
  });

  it("plans without counts an hour per request, and covers hours no row was counted in", () => {
    expect(planSlices("T", undefined, 0, 3 * 36e5, { rows: 10, bytes: 10 }).map((s) => [s.from, s.to])).to.deep.equal([[0, 36e5], [36e5, 72e5], [72e5, 108e5]]);
    expect(planSlices("T", [{ at: 36e5, rows: 2, bytes: 2 }], 0, 3 * 36e5, { rows: 10, bytes: 10 }).map((s) => [s.from, s.to, s.rows])).to.deep.equal([[0, 108e5, 2]]);
    // Bytes count as much as rows.
    expect(planSlices("T", [{ at: 0, rows: 1, bytes: 25 }], 0, 36e5, { rows: 10, bytes: 10 })).to.have.length(3);
  });

  it("a table the workspace does not have is left out: its rules are 'not evaluated (no rows for X)'", async () => {
    const missing = { status: 400, body: { error: { message: "The request had some invalid properties", code: "BadArgumentError", innererror: { code: "SemanticError", message: "A semantic error occurred.", innererror: { code: "SEM0100", message: "'where' operator: Failed to resolve table or column expression named 'AzureActivity'" } } } } };
    const { http, run } = pull(() => missing);
    const loaded = await run;
    expect(loaded.tables.has("AzureActivity")).to.equal(false);
    expect(http.seen).to.have.length(1);
    // Any other refusal stops the pull.
    const syntax = { status: 400, body: { error: { message: "The request had some invalid properties", code: "BadArgumentError", innererror: { code: "SyntaxError", message: "Syntax Error" } } } };
    expect((await failure(pull(() => syntax).run)).message).to.match(/^--workspace: the query of AzureActivity rows from .* was refused \(400 BadArgumentError: Syntax Error\)$/);
  });

  it("throttled (429 with Retry-After): waits as long as the response says, then goes on", async () => {
    const { http, run } = pull((req, n) => {
      if (n === 1) return { status: 429, headers: { "retry-after": "1" }, body: { error: { code: "ThrottledError", message: "Too many requests." } } };
      return isCount(req.query) ? result(COUNT_COLUMNS, [["2025-06-01T00:00:00Z", 1, 100]]) : result(ROW_COLUMNS, activityRows("2025-06-01T00:00:00Z", "2025-06-01T00:01:00Z", 1));
    });
    const loaded = await run;
    expect(http.seen[1].query).to.equal(http.seen[0].query);
    expect(http.seen[1].at - http.seen[0].at, "waited for Retry-After: 1 (second)").to.be.at.least(990);
    expect(loaded.counts.AzureActivity).to.equal(1);
    // Still throttled after the retries: one line, no rows.
    const always = pull(() => ({ status: 429, headers: { "retry-after": "0" }, body: { error: { code: "ThrottledError", message: "Too many requests." } } }), { maxRetries: 2 });
    const e = await failure(always.run);
    expect(e).to.be.instanceOf(PullError);
    expect(e.message).to.equal("--workspace: still throttled by the query API after 2 retries (429 ThrottledError: Too many requests.) — try again later");
    expect(always.http.seen).to.have.length(3);
  });

  it("a partial result cut at a limit is asked again in halves; any other partial result stops the pull", async () => {
    const cut = { code: "PartialError", message: "There were some errors when processing your query.", details: [{ code: "EngineError", message: "Something went wrong processing your query on the server.", innererror: { code: "-2133196797", message: "Query result set has exceeded the internal record count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)", severity: 2, severityName: "Error" } }] };
    // Counted at 2 rows; by the pull 6 had arrived, and the answer was cut at 3 (the budget here).
    const { http, run } = pull((req) => {
      if (isCount(req.query)) return result(COUNT_COLUMNS, [["2025-06-01T00:00:00Z", 2, 100]]);
      const [from, to] = span(req.timespan);
      const rows = activityRows(from, to, 3);
      return to === "2025-06-01T03:00:00.000Z" && from === "2025-06-01T00:00:00.000Z" ? result(ROW_COLUMNS, rows, cut) : result(ROW_COLUMNS, rows);
    }, { budget: { rows: 3, bytes: 1e9 } });
    const loaded = await run;
    expect(http.seen.slice(1).map((s) => span(s.timespan).map((t) => t.slice(11, 16)).join("-"))).to.deep.equal(["00:00-03:00", "00:00-01:30", "01:30-03:00"]);
    expect(loaded.counts.AzureActivity, "the cut rows are not kept").to.equal(6);
    const other = { code: "PartialError", message: "There were some errors when processing your query.", details: [{ code: "EngineError", message: "Something went wrong processing your query on the server.", innererror: { code: "-2147467259", message: "Partial query failure: Unspecified error (message: 'shard unavailable')" } }] };
    const e = await failure(pull((req) => (isCount(req.query) ? result(COUNT_COLUMNS, []) : result(ROW_COLUMNS, [], other))).run);
    expect(e.message).to.match(/^--workspace: the query of AzureActivity rows from 2025-06-01T00:00:00\.000Z to 2025-06-01T03:00:00\.000Z returned a partial result \(PartialError: Something went wrong processing your query on the server\.\) — no report$/);
  });

  it("403: one line naming --workspace and the role it needs", async () => {
    const denied = { status: 403, body: { error: { message: "The provided credentials have insufficient access to  perform the requested operation", code: "InsufficientAccessError", innererror: { code: "AuthorizationFailedError", message: "User '92eba38a-70da-42b0-ab83-ffe82cce658f' does not have access to read logs for this resource" } } } };
    const e = await failure(pull(() => denied).run);
    expect(e.message).to.equal(`--workspace ${WORKSPACE}: access denied (403 InsufficientAccessError: User '92eba38a-70da-42b0-ab83-ffe82cce658f' does not have access to read logs for this resource) — the signed-in identity needs to read the workspace's logs, e.g. the Log Analytics Reader role on the workspace`);
    expect(e.message.split("\n")).to.have.length(1);
  });

  it("a query timeout (504) halves the slice; a minute that still times out stops the pull", async () => {
    const timeout = { status: 504, body: { error: { code: "GatewayTimeout", message: "The query exceeded the server timeout." } } };
    const { http, run } = pull((req) => {
      if (isCount(req.query)) return result(COUNT_COLUMNS, [["2025-06-01T00:00:00Z", 2, 100]]);
      const [from, to] = span(req.timespan);
      return Date.parse(to) - Date.parse(from) > 2 * 36e5 ? timeout : result(ROW_COLUMNS, activityRows(from, to, 1));
    });
    const loaded = await run;
    expect(http.seen.slice(1).map((s) => span(s.timespan).map((t) => t.slice(11, 16)).join("-"))).to.deep.equal(["00:00-03:00", "00:00-01:30", "01:30-03:00"]);
    expect(loaded.counts.AzureActivity).to.equal(2);
    const e = await failure(pull((req) => (isCount(req.query) ? result(COUNT_COLUMNS, []) : timeout), { to: new Date("2025-06-01T00:02:00Z") }).run);
    expect(e.message).to.equal("--workspace: AzureActivity rows from 2025-06-01T00:00:00.000Z to 2025-06-01T00:01:00.000Z exceed the query API's limits even a minute at a time — no report");
  });

  it("no credential, or an expired one: one line saying how to sign in, before any query", async () => {
    const unavailable = new CredentialUnavailableError("DefaultAzureCredential failed to retrieve a token from the included credentials.\nEnvironmentCredential is unavailable.");
    const expired = new AuthenticationError(400, { error: "invalid_grant", error_description: "AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: 0000" });
    for (const [error, message] of [
      [unavailable, /^--workspace: no Azure credential is available \(DefaultAzureCredential failed to retrieve a token from the included credentials\.\) — sign in with az login/],
      [expired, /^--workspace: Azure sign-in failed \(AADSTS700082: The refresh token has expired due to inactivity\.\) — the credential may have expired: sign in again with az login$/],
    ] as const) {
      const http = new RecordedHttpClient(() => { throw new Error("no request may be sent without a token"); });
      const e = await failure(pullWorkspace({ workspaceResourceId: WORKSPACE, from: new Date("2025-06-01T00:00:00Z"), to: new Date("2025-06-01T01:00:00Z"), columns: COLUMNS, credential: new FailingCredential(error), httpClient: http }));
      expect(e).to.be.instanceOf(PullError);
      expect(e.message).to.match(message);
      expect(http.seen).to.have.length(0);
    }
  });
});

describe("backtest live mode: the command", () => {
  const root = path.join(__dirname, "..");
  const argv = (...more: string[]) => ["--workspace", WORKSPACE, "--days", "1", "--to", "2025-06-02T12:00:00Z", "--format", "json", "--quiet", ...more];

  it("pulls what the stack's rules read and replays it: the same report as the exported rows", async () => {
    const rules = resolveDetections(parseStackConfig(readStackFile(path.join(root, "Pulumi.dev.yaml")), "dev"));
    const wanted = columnsRead(rules).AzureActivity;
    const exported = (await import("../test/fixtures/runcommand-export.json")).default as Record<string, unknown>[];
    const missing = (table: string) => ({ status: 400, body: { error: { message: "The request had some invalid properties", code: "BadArgumentError", innererror: { code: "SemanticError", message: "A semantic error occurred.", innererror: { code: "SEM0100", message: `'where' operator: Failed to resolve table or column expression named '${table}'` } } } } });
    const http = new RecordedHttpClient((req) => {
      const table = /^(\w+)/.exec(req.query)![1];
      if (table !== "AzureActivity") return missing(table);
      if (isCount(req.query)) return result(COUNT_COLUMNS, [["2025-06-02T11:00:00Z", exported.length, 2000]]);
      // The columns the query projects, in its order, from the exported rows (ingested two minutes after).
      const names = ["TimeGenerated", "_TimeReceived", ...[...req.query.matchAll(/(\w+) = column_ifexists/g)].map((m) => m[1])];
      const rows = exported.filter((r) => { const t = Date.parse(String(r.TimeGenerated)); const [a, b] = span(req.timespan).map(Date.parse); return t >= a && t < b; })
        .map((r) => names.map((c) => (c === "_TimeReceived" ? new Date(Date.parse(String(r.TimeGenerated)) + 120_000).toISOString() : r[c] ?? null)));
      return result(names.map((name) => ({ name, type: ["TimeGenerated", "_TimeReceived"].includes(name) ? "datetime" : "string" })), rows);
    });
    const { output, complete } = await backtestCommand(argv(), { stderr: quiet, azure: { credential: new FixedToken(), httpClient: http } });
    expect(complete).to.equal(true);
    const r = JSON.parse(output);
    expect(r.rows).to.deep.equal({ AzureActivity: exported.length });
    const rc = r.detections.find((x: { key: string }) => x.key === "azt301-1-runcommand");
    expect(rc).to.include({ alerts: 2 });
    expect(rc.topEntities.map((e: { value: string }) => e.value)).to.include("mallory@contoso.onmicrosoft.com");
    expect(r.notEvaluated).to.deep.include({ key: "azt103-ssh-probed-from-internet", reason: "no rows for Syslog" });
    // Only the columns the rules read were asked for.
    const asked = new Set([...http.seen.filter((s) => s.query.startsWith("AzureActivity")).flatMap((s) => [...s.query.matchAll(/(\w+) = column_ifexists/g)].map((m) => m[1]))]);
    expect([...asked].sort()).to.deep.equal([...wanted].filter((c) => c !== "TimeGenerated" && c !== "_TimeReceived").sort());
  });

  const bad: [string, string[], RegExp][] = [
    ["a workspace id of another resource type", ["--workspace", "/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/resourceGroups/rg-sec/providers/Microsoft.Storage/storageAccounts/stsec", "--days", "7"], /^backtest: --workspace ".*stsec" is a Microsoft\.Storage\/storageAccounts resource id — expected a Log Analytics workspace: \/subscriptions\/<subscription id>\/resourceGroups\/<group>\/providers\/Microsoft\.OperationalInsights\/workspaces\/<name>$/],
    ["something that is no resource id", ["--workspace", "law-sec", "--days", "7"], /^backtest: --workspace "law-sec" is not an Azure resource id/],
    ["--days 0", ["--workspace", WORKSPACE, "--days", "0"], /^backtest: --days "0" is not allowed — expected a number of days above 0/],
    ["--workspace without --days", ["--workspace", WORKSPACE], /^backtest: --workspace needs --days <N>/],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: one line naming the flag, before anything is asked`, async () => {
      const http = new RecordedHttpClient(() => { throw new Error("nothing may be asked"); });
      let err: unknown;
      try { await backtestCommand(args, { stderr: quiet, azure: { credential: new FixedToken(), httpClient: http } }); } catch (e) { err = e; }
      expect(errorLine(err)).to.match(message);
      expect(http.seen).to.have.length(0);
    });
  }

  it("rows that fill more than half of Node's heap: one line naming the workspace, and no report", async () => {
    // Every table missing: the guard runs as each table's count comes back.
    const http = new RecordedHttpClient((req) => ({ status: 400, body: { error: { message: "The request had some invalid properties", code: "BadArgumentError", innererror: { code: "SemanticError", message: "A semantic error occurred.", innererror: { code: "SEM0100", message: `'where' operator: Failed to resolve table or column expression named '${/^(\w+)/.exec(req.query)![1]}'` } } } } }));
    let out: unknown, err: unknown;
    try { out = await backtestCommand(argv(), { stderr: quiet, azure: { credential: new FixedToken(), httpClient: http }, heapLimitBytes: 64 * 2 ** 20 }); } catch (e) { err = e; }
    expect(out).to.equal(undefined);
    const line = errorLine(err)!;
    expect(line, String(err)).to.match(/^backtest: --workspace \/subscriptions\/.*: the rows read so far fill [\d.]+ GB of Node's 0\.1 GB heap, more than half/);
    expect(line.split("\n")).to.have.length(1);
  });

  it("a 403 or an expired credential: one line, and no report", async () => {
    const denied = new RecordedHttpClient(() => ({ status: 403, body: { error: { message: "The provided credentials have insufficient access to perform the requested operation", code: "InsufficientAccessError" } } }));
    const expired = new FailingCredential(new AuthenticationError(400, { error: "invalid_grant", error_description: "AADSTS700082: The refresh token has expired due to inactivity." }));
    for (const azure of [{ credential: new FixedToken(), httpClient: denied }, { credential: expired, httpClient: denied }]) {
      let out: unknown, err: unknown;
      try { out = await backtestCommand(argv(), { stderr: quiet, azure }); } catch (e) { err = e; }
      expect(out).to.equal(undefined);
      const line = errorLine(err)!;
      expect(line).to.match(/^backtest: --workspace/);
      expect(line.split("\n")).to.have.length(1);
    }
  });
});
