// Live mode of `npm run backtest -- --workspace <id> --days N`: the rows each selected rule reads,
// pulled from the user's Log Analytics workspace with Microsoft's query client
// (@azure/monitor-query-logs LogsQueryClient, signed in by @azure/identity DefaultAzureCredential:
// az login, a managed identity, or AZURE_* environment variables), then read by kusto/rows.ts like
// any export and replayed the same way.
//
// Only what the rules read is asked for: per table, the columns the catalogue's queries use
// (planning/backtest.ts columnsRead), each through column_ifexists so a column the workspace has
// not created yet (AzureDiagnostics grows columns as records arrive) is an empty value, not a
// failed query; and `_TimeReceived = ingestion_time()`, the arrival time every rule selects on.
//
// Split by time so each request stays under the query API's limits (azure/limits.ts QUERY_API:
// 500,000 rows, ~100 MiB, 10 minutes; MicrosoftDocs azure-monitor-docs azure-monitor-limits-
// workspaces.md): one query per table first counts rows and their estimated size per hour, and
// the hours are grouped into slices under a budget well inside those limits; a slice that still
// comes back truncated (a partial result naming a limit) or times out (504) is halved and asked
// again, down to a minute. Throttling (429, or 503 with Retry-After) is retried by the SDK's own
// pipeline policy, which waits as long as Retry-After says.
//
// What it needs and costs: read access to the workspace's logs (Microsoft.OperationalInsights/
// workspaces/query/*/read, e.g. the Log Analytics Reader role). Queries of Analytics tables are
// included in the price of the data; a table on the Basic or Auxiliary plan is charged per GB the
// query scans (README, "Live mode").
import { DefaultAzureCredential, AuthenticationError, CredentialUnavailableError, type TokenCredential } from "@azure/identity";
import { LogsQueryClient, LogsQueryResultStatus, type LogsQueryResult, type LogsTable } from "@azure/monitor-query-logs";
import { isRestError, systemErrorRetryPolicy, throttlingRetryPolicy, type HttpClient } from "@azure/core-rest-pipeline";
import { QUERY_API } from "../../azure/limits";
import { identifier, str } from "../../detections/kql";
import { tableSchemas } from "../../kusto/language";
import { RowCollector, type LoadedRows } from "../../kusto/rows";

/** A pull that cannot go on: one line naming the flag and what to do. */
export class PullError extends Error {
  constructor(message: string) { super(message); this.name = "PullError"; }
}

export interface PullOptions {
  /** /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name> (checked by the command line). */
  workspaceResourceId: string;
  from: Date;
  to: Date;
  /** Per table, the columns to pull (TimeGenerated and _TimeReceived always come). */
  columns: Record<string, ReadonlySet<string>>;
  /** Default: DefaultAzureCredential. */
  credential?: TokenCredential;
  /** The client's HTTP client (tests answer with recorded responses). */
  httpClient?: HttpClient;
  /** Retries of a throttled request (429, 503 with Retry-After), each after the wait it names. Default 5. */
  maxRetries?: number;
  /** Per request: rows and estimated bytes a slice is planned to hold. Default: a tenth of the API's limits. */
  budget?: { rows: number; bytes: number };
  /** Server-side limit per query (Prefer: wait), seconds. Default: the API's maximum. */
  serverTimeoutSeconds?: number;
  /** Called after every request (done, total planned so far). */
  onProgress?: (done: number, total: number) => void;
}

const HOUR = 36e5;
const MIN_SLICE_MS = 60_000;
const DEFAULT_BUDGET = { rows: QUERY_API.maxRows / 10, bytes: QUERY_API.maxResponseBytes / 10 };

/** The slice of one table's rows one request asks for: TimeGenerated in [from, to). */
export interface Slice { table: string; from: number; to: number; rows: number; bytes: number }

/** Pull the rows into typed tables. A table the workspace does not have is left out (its rules: "no rows for X"). */
export async function pullWorkspace(o: PullOptions): Promise<LoadedRows> {
  const client = queryClient(o);
  const sink = new RowCollector({ columns: o.columns });
  const tables = Object.keys(o.columns).sort();
  let done = 0, total = tables.length;
  const progress = () => o.onProgress?.(++done, total);
  const plans: Slice[][] = [];
  for (const table of tables) {
    const hours = await ask(client, o, table, countQuery(table, o.columns[table], o.from, o.to), o.from.getTime(), o.to.getTime());
    progress();
    if (hours === "no such table") continue;
    sink.declare(table, `--workspace table ${table}`);
    // A count that itself ran out of time plans an hour per request (and halves from there).
    const counted = hours === "too much" ? undefined : hours.rows.map((r) => ({ at: toMs(r[0]), rows: Number(r[1]), bytes: Number(r[2]) }));
    const slices = planSlices(table, counted, o.from.getTime(), o.to.getTime(), o.budget ?? DEFAULT_BUDGET);
    plans.push(slices);
    total += slices.length;
  }
  for (const slices of plans) {
    const queue = [...slices];
    while (queue.length) {
      const s = queue.shift()!;
      const got = await ask(client, o, s.table, rowsQuery(s.table, o.columns[s.table], s.from, s.to), s.from, s.to);
      if (got === "no such table") throw new PullError(`--workspace: table ${s.table} disappeared from the workspace during the pull`);
      if (got === "too much") {
        // Truncated or timed out: the same rows in two halves.
        if (s.to - s.from <= MIN_SLICE_MS) throw new PullError(`--workspace: ${s.table} rows from ${iso(s.from)} to ${iso(s.to)} exceed the query API's limits even a minute at a time — no report`);
        const mid = s.from + Math.floor((s.to - s.from) / 2 / 1000) * 1000;
        queue.unshift({ ...s, to: mid }, { ...s, from: mid });
        total += 1;
        continue;
      }
      const columns = got.columnDescriptors.map((c) => c.name ?? "");
      got.rows.forEach((cells, i) => {
        const row: Record<string, unknown> = {};
        for (let c = 0; c < columns.length; c++) row[columns[c]] = cells[c];
        sink.add(row, `--workspace table ${s.table}, ${iso(s.from)}..${iso(s.to)} row ${i + 1}`, s.table);
      });
      progress();
    }
  }
  return sink.result();
}

function queryClient(o: PullOptions): LogsQueryClient {
  const maxRetries = o.maxRetries ?? 5;
  const client = new LogsQueryClient(o.credential ?? new DefaultAzureCredential(), { httpClient: o.httpClient });
  // The default policy also retries a 504 (a query that ran out of time) several times over:
  // here a slow slice is split instead. Kept: waiting out throttling as Retry-After says, and
  // retrying a request the network dropped.
  client.pipeline.removePolicy({ name: "defaultRetryPolicy" });
  client.pipeline.addPolicy(throttlingRetryPolicy({ maxRetries }), { phase: "Retry" });
  client.pipeline.addPolicy(systemErrorRetryPolicy({ maxRetries }), { phase: "Retry" });
  return client;
}

const iso = (ms: number) => new Date(ms).toISOString();
const toMs = (v: unknown) => (v instanceof Date ? v.getTime() : Date.parse(String(v)));
const datetime = (ms: number) => `datetime(${iso(ms)})`;

/** The columns of a pull: the ones asked for that the schema knows, each tolerated when missing, and the arrival time. */
function projection(table: string, columns: ReadonlySet<string>): string {
  const schema = tableSchemas().get(table);
  if (!schema) throw new PullError(`--workspace: no schema for table ${table} in detections/schemas`);
  const out = [`TimeGenerated`, `_TimeReceived = ingestion_time()`];
  for (const c of schema.columns) {
    if (!columns.has(c.name) || c.name === "TimeGenerated" || c.name === "_TimeReceived") continue;
    const empty = c.type === "string" ? '""' : `${identifier(c.type)}(null)`;
    out.push(`${identifier(c.name)} = column_ifexists(${str(c.name)}, ${empty})`);
  }
  return out.join(", ");
}

const where = (table: string, from: number, to: number) => `${identifier(table)}\n| where TimeGenerated >= ${datetime(from)} and TimeGenerated < ${datetime(to)}`;

/** Rows and their estimated size (estimate_data_size of the pulled columns) per hour: the plan's input. */
export function countQuery(table: string, columns: ReadonlySet<string>, from: Date, to: Date): string {
  return `${where(table, from.getTime(), to.getTime())}\n| project ${projection(table, columns)}\n| summarize Rows = count(), Bytes = sum(estimate_data_size(*)) by Hour = bin(TimeGenerated, 1h)\n| order by Hour asc`;
}

export function rowsQuery(table: string, columns: ReadonlySet<string>, from: number, to: number): string {
  return `${where(table, from, to)}\n| project ${projection(table, columns)}`;
}

/**
 * Hours grouped into slices of at most the budget; an hour over it alone is cut into equal parts.
 * Empty stretches are covered too (rows can arrive there between the count and the pull). Without
 * counts (`hours` undefined), one slice per hour.
 */
export function planSlices(table: string, hours: { at: number; rows: number; bytes: number }[] | undefined, from: number, to: number, budget: { rows: number; bytes: number }): Slice[] {
  if (!hours) {
    const out: Slice[] = [];
    for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) out.push({ table, from: Math.max(h, from), to: Math.min(h + HOUR, to), rows: NaN, bytes: NaN });
    return out;
  }
  const byHour = new Map(hours.map((h) => [Math.floor(h.at / HOUR) * HOUR, h]));
  const out: Slice[] = [];
  let cur: Slice | undefined;
  for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) {
    const a = Math.max(h, from), b = Math.min(h + HOUR, to);
    const x = byHour.get(h) ?? { rows: 0, bytes: 0 };
    const parts = Math.max(1, Math.ceil(Math.max(x.rows / budget.rows, x.bytes / budget.bytes)));
    if (parts > 1) {
      if (cur) { out.push(cur); cur = undefined; }
      const step = Math.ceil((b - a) / parts / 1000) * 1000;
      for (let t = a; t < b; t += step) out.push({ table, from: t, to: Math.min(t + step, b), rows: x.rows / parts, bytes: x.bytes / parts });
      continue;
    }
    if (cur && (cur.rows + x.rows > budget.rows || cur.bytes + x.bytes > budget.bytes)) { out.push(cur); cur = undefined; }
    if (!cur) cur = { table, from: a, to: b, rows: 0, bytes: 0 };
    cur.to = b;
    cur.rows += x.rows;
    cur.bytes += x.bytes;
  }
  if (cur) out.push(cur);
  return out;
}

/** A limit the API reports as a partial error: the result was cut, or the query ran out of time. */
const LIMIT_HIT = /E_QUERY_RESULT_SET_TOO_LARGE|result set has exceeded|exceeded the (allowed|internal)|too large|timeout|timed out/i;

/** Every message in an API error object (its code, message, details and inner errors), for matching and for one line. */
function messages(e: unknown, out: string[] = []): string[] {
  if (!e || typeof e !== "object") return out;
  const x = e as { code?: unknown; message?: unknown; details?: unknown; innererror?: unknown };
  if (typeof x.message === "string") out.push(x.message);
  if (Array.isArray(x.details)) for (const d of x.details) messages(d, out);
  messages(x.innererror, out);
  return out;
}

/** The most specific message of an API error: the innermost one. */
function lastMessage(e: unknown, fallback: string): string {
  const all = messages(e);
  return (all[all.length - 1] ?? fallback).split("\n")[0];
}

async function ask(client: LogsQueryClient, o: PullOptions, table: string, query: string, from: number, to: number): Promise<LogsTable | "no such table" | "too much"> {
  const span = `${table} rows from ${iso(from)} to ${iso(to)}`;
  let result: LogsQueryResult;
  try {
    // The SDK puts the id after its endpoint's "/v1/": without the leading slash the URL is the
    // documented one (https://api.loganalytics.azure.com/v1/subscriptions/.../query, azure-resource-queries.md).
    result = await client.queryResource(o.workspaceResourceId.replace(/^\/+/, ""), query, { startTime: new Date(from), endTime: new Date(to) }, { serverTimeoutInSeconds: o.serverTimeoutSeconds ?? QUERY_API.maxServerTimeoutSeconds });
  } catch (e) {
    return failed(e, o, table, span);
  }
  if (result.status === LogsQueryResultStatus.PartialFailure) {
    // A partial result is never taken for the whole. Cut at a limit (the rows came to more than the
    // slice was planned for: they arrived after the count), the slice is asked again in halves. The
    // SDK keeps the error's code and messages but drops the inner errors where the engine names the
    // limit (E_QUERY_RESULT_SET_TOO_LARGE), so the size of what came back decides.
    const cut = (result.partialTables[0]?.rows.length ?? 0) >= (o.budget ?? DEFAULT_BUDGET).rows;
    if (cut || messages(result.partialError).some((m) => LIMIT_HIT.test(m))) return "too much";
    throw new PullError(`--workspace: the query of ${span} returned a partial result (${result.partialError.code}: ${lastMessage(result.partialError, "no message")}) — no report`);
  }
  const t = result.tables[0];
  if (!t) throw new PullError(`--workspace: the query of ${span} returned no table`);
  if (t.rows.length >= QUERY_API.maxRows) return "too much";
  return t;
}

function failed(e: unknown, o: PullOptions, table: string, span: string): "no such table" | "too much" {
  const ws = `--workspace ${o.workspaceResourceId}`;
  if (e instanceof CredentialUnavailableError) throw new PullError(`--workspace: no Azure credential is available (${firstLine(e.message)}) — sign in with az login, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or run where a managed identity is assigned`);
  if (e instanceof AuthenticationError) throw new PullError(`--workspace: Azure sign-in failed (${firstLine(e.errorResponse?.errorDescription || e.message)}) — the credential may have expired: sign in again with az login`);
  if (!isRestError(e)) throw new PullError(`--workspace: the Log Analytics query API could not be read (${firstLine((e as Error).message)})`);
  const body = e.details ?? {};
  const code = (body as { error?: { code?: string } }).error?.code ?? e.code ?? "";
  const text = lastMessage((body as { error?: unknown }).error, e.message);
  switch (e.statusCode) {
    case 400:
      // The workspace has no such table (no data source ever wrote to it): its rules are not evaluated.
      if (messages((body as { error?: unknown }).error).some((m) => m.includes(`Failed to resolve table or column expression named '${table}'`))) return "no such table";
      throw new PullError(`--workspace: the query of ${span} was refused (400 ${code}: ${text})`);
    case 401:
      throw new PullError(`--workspace: the query API did not accept the sign-in (401 ${code}: ${text}) — sign in again with az login`);
    case 403:
      throw new PullError(`${ws}: access denied (403 ${code}: ${text}) — the signed-in identity needs to read the workspace's logs, e.g. the Log Analytics Reader role on the workspace`);
    case 404:
      throw new PullError(`${ws}: not found (404 ${code}: ${text}) — check the subscription, resource group and workspace name`);
    case 429:
      throw new PullError(`--workspace: still throttled by the query API after ${o.maxRetries ?? 5} retries (429 ${code}: ${text}) — try again later`);
    case 504:
      return "too much";
    default:
      throw new PullError(`--workspace: the query of ${span} failed (${e.statusCode ?? "no status"} ${code}: ${text})`);
  }
}

const firstLine = (s: string) => s.split("\n").map((l) => l.trim()).find(Boolean) ?? s;
