// Rows exported from a Log Analytics workspace, in the shapes Azure and its portal produce, turned
// into the rows the evaluator takes ({<Table>: [row]}, columns as in detections/schemas/). Shared by
// `npm run detect`, the replay of public recordings (planning/recordings.ts) and the backtest.
//
// Accepted files:
// - JSON: an array of rows (the portal's JSON export; each row's `Type` or the given table names
//   its table), an object {"<Table>": [rows]}, or a query API response
//   ({"tables": [{"columns": [{"name"}], "rows": [[...]]}]}).
// - CSV as the portal exports it: a header row; time columns named "<Column> [UTC]" holding the
//   portal's en-US local format ("4/28/2021, 2:32:14.029 PM", the [UTC] saying the value is UTC);
//   dynamic columns as JSON text; booleans TRUE/FALSE; a "$table" column when the query was a union;
//   "<Column>_dynamic"/"<Column>_string" when a union met the column with two types.
//
// Values are typed by the table's schema: datetime columns become ISO-8601 UTC strings, bool
// columns booleans, int/long/real numbers, dynamic columns parsed JSON; string columns stay as they
// are. Empty cells are left out (Log Analytics shows null and "" alike in exports). Columns the
// schema does not know are dropped, and reported when they hold a value.
//
// Events as Azure publishes them outside Log Analytics (documentation examples, attack-simulation
// write-ups) are converted by a stated mapping to the table's columns, then typed the same way:
// - Activity Log events (rowsFromActivityLogEvents): the REST/portal form (operationName.value,
//   status.value, ...) and the resource-log form a diagnostic setting streams to storage or Event
//   Hubs (operationName, resultType, identity.claims, ...), into AzureActivity.
// - Resource-log records of a service in Azure diagnostics mode (rowsFromResourceLogRecords), into
//   AzureDiagnostics: fixed fields to their columns, identity and properties flattened to
//   <path>_<type suffix> columns.
// Values are kept as the event writes them (no casing or spelling normalised), so a replay shows
// whether a detection also matches the form Microsoft documents.
//
// Ingestion time. Every log search detection here selects rows by arrival (ingestion_time(), the
// hidden `_TimeReceived` column), which no export carries. `withIngestionLag` sets `_TimeReceived`
// to TimeGenerated plus a stated lag on rows that have none; without it the evaluator takes a row
// as ingested at its TimeGenerated (zero lag). `ingestedBy` keeps what a run at a given instant
// can see: the rows ingested by then.
import { parse as parseCsv } from "csv-parse/sync";
import * as fs from "fs";
import type { SampleRow } from "../detections/model";
import { tableSchemas, type TableSchema } from "../kusto/language";

export interface RowsByTable {
  tables: Record<string, SampleRow[]>;
  /** `<Table>.<column>` of every column the schema does not know that held a value (dropped). */
  dropped: string[];
}

/** Group exported JSON rows by table, typed by the schema (see the file comment). */
export function rowsByTable(data: unknown, table?: string): RowsByTable {
  let rows: SampleRow[] = [];
  const tables: Record<string, SampleRow[]> = {};
  if (Array.isArray(data)) rows = data as SampleRow[];
  else if (data && typeof data === "object" && Array.isArray((data as { tables?: unknown }).tables)) {
    for (const t of (data as { tables: { columns: { name: string }[]; rows: unknown[][] }[] }).tables) {
      for (const r of t.rows) rows.push(Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]])));
    }
  } else if (data && typeof data === "object") {
    for (const [t, rs] of Object.entries(data as Record<string, SampleRow[]>)) tables[t] = [...(tables[t] ?? []), ...rs];
  } else throw new Error("rows file must hold a JSON array, an object of arrays per table, or a query API response");
  for (const r of rows) {
    const t = table ?? (typeof r.Type === "string" ? r.Type : undefined);
    if (!t) throw new Error("a row has no Type column: pass --table <name>");
    (tables[t] ??= []).push(r);
  }
  return typed(tables);
}

/**
 * Rows of a CSV export (see the file comment). `table` names the table when no `Type` or `$table`
 * column does; `timeColumn` names a datetime column to copy into TimeGenerated when the export has
 * none (SigninLogs exports often carry only CreatedDateTime).
 */
export function rowsFromCsv(text: string, options: { table?: string; timeColumn?: string } = {}): RowsByTable {
  const records = parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: false }) as Record<string, string>[];
  const tables: Record<string, SampleRow[]> = {};
  records.forEach((record, i) => {
    const row: SampleRow = {};
    for (const [header, value] of Object.entries(record)) {
      const name = header.replace(/ \[UTC\]$/, "");
      if (name === "$table") continue;
      row[name] = value;
    }
    const t = options.table ?? (record.Type || record.$table);
    if (!t) throw new Error(`CSV row ${i + 1} has no Type or $table column: pass --table <name>`);
    if (options.timeColumn && row.TimeGenerated === undefined) {
      if (!(options.timeColumn in row)) throw new Error(`CSV has no column ${options.timeColumn} to take TimeGenerated from`);
      row.TimeGenerated = row[options.timeColumn];
    }
    (tables[t] ??= []).push(row);
  });
  return typed(tables);
}

// --------------------------------------------------------------------------------------------
// Events outside Log Analytics (see the file comment).

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);
/** The items of an events file: an array, a {records: [...]} or {value: [...]} envelope, or one event. */
function eventsIn(data: unknown, what: string): Json[] {
  const list = Array.isArray(data) ? data : isObject(data) && Array.isArray(data.records) ? data.records : isObject(data) && Array.isArray(data.value) ? data.value : [data];
  return list.map((e, i) => {
    if (!isObject(e)) throw new Error(`${what} ${i + 1} is not a JSON object`);
    return e;
  });
}
const valueOf = (v: unknown): unknown => (isObject(v) ? v.value : v);
const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v));

/** Subscription, resource group and provider read from a resource id (the resource-log form has no fields for them). */
function resourceIdParts(id: string | undefined): { SubscriptionId?: string; ResourceGroup?: string; ResourceProvider?: string; Resource?: string; ResourceType?: string } {
  if (!id) return {};
  const m = /\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?(?:\/providers\/([^/]+)\/(.+))?$/i.exec(id);
  const rest = m?.[4]?.split("/") ?? [];
  return {
    SubscriptionId: m?.[1],
    ResourceGroup: m?.[2] ?? /\/resourcegroups\/([^/]+)/i.exec(id)?.[1],
    ResourceProvider: m?.[3] ?? /\/providers\/([^/]+)\//i.exec(id)?.[1],
    ResourceType: rest.length >= 2 ? rest.filter((_, i) => i % 2 === 0).join("/") : undefined,
    Resource: rest.length >= 2 ? rest[rest.length - 1] : undefined,
  };
}

const UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

/**
 * Activity Log events to AzureActivity rows. Two forms (MicrosoftDocs azure-monitor-docs
 * activity-log-schema.md): the REST/portal form, and the resource-log form streamed by a diagnostic
 * setting, whose mapping that page tables (time = eventTimestamp, operationName = operationName.value,
 * resultType = status.value, resultSignature = subStatus.value, callerIpAddress =
 * httpRequest.clientIpAddress, identity = claims and authorization; category is
 * properties.eventCategory, Administrative when absent; subscription and resource group are read from
 * resourceId). An `evt` object (Datadog's log pipeline) carries the resource-log operationName,
 * resultType and category as evt.name, evt.outcome and evt.category. Column per field: the AzureActivity
 * table reference; _ResourceId lower-cased as Log Analytics writes it (recorded export azureActivity_adele.csv).
 */
export function rowsFromActivityLogEvents(data: unknown): RowsByTable {
  const rows = eventsIn(data, "Activity Log event").map((e): SampleRow => {
    const rest = isObject(e.operationName);
    const evt = isObject(e.evt) ? e.evt : {};
    const identity = isObject(e.identity) ? e.identity : {};
    const claims = (rest ? e.claims : identity.claims) as Json | undefined;
    const properties = isObject(e.properties) ? e.properties : undefined;
    const resourceId = typeof e.resourceId === "string" ? e.resourceId : undefined;
    const parts = resourceIdParts(resourceId);
    const http = isObject(e.httpRequest) ? e.httpRequest : undefined;
    const row: SampleRow = rest
      ? {
          TimeGenerated: e.eventTimestamp,
          OperationNameValue: valueOf(e.operationName),
          ActivityStatusValue: valueOf(e.status),
          ActivitySubstatusValue: valueOf(e.subStatus),
          CategoryValue: valueOf(e.category) ?? properties?.eventCategory,
          Caller: e.caller,
          CallerIpAddress: http?.clientIpAddress,
          HTTPRequest: text(http),
          ResourceGroup: e.resourceGroupName ?? parts.ResourceGroup,
          ResourceProviderValue: valueOf(e.resourceProviderName) ?? parts.ResourceProvider,
          SubscriptionId: e.subscriptionId ?? parts.SubscriptionId,
          TenantId: e.tenantId,
          EventDataId: e.eventDataId,
          OperationId: e.operationId,
          EventSubmissionTimestamp: e.submissionTimestamp,
          Authorization_d: e.authorization,
          Authorization: text(e.authorization),
        }
      : {
          TimeGenerated: e.time,
          OperationNameValue: e.operationName ?? evt.name,
          ActivityStatusValue: e.resultType ?? evt.outcome,
          ActivitySubstatusValue: e.resultSignature,
          CategoryValue: properties?.eventCategory ?? evt.category ?? "Administrative",
          Caller: isObject(claims) ? claims[UPN_CLAIM] : undefined,
          CallerIpAddress: e.callerIpAddress,
          ResourceGroup: parts.ResourceGroup,
          ResourceProviderValue: parts.ResourceProvider,
          SubscriptionId: parts.SubscriptionId,
          OperationId: properties?.operationId,
          Authorization_d: identity.authorization,
          Authorization: text(identity.authorization),
        };
    Object.assign(row, {
      Level: e.level,
      CorrelationId: e.correlationId,
      _ResourceId: resourceId?.toLowerCase(),
      Claims_d: claims,
      Claims: text(claims),
      Properties_d: properties,
      Properties: text(properties),
      Hierarchy: properties?.hierarchy,
    });
    return row;
  });
  return typed({ AzureActivity: rows });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An AzureDiagnostics column name: the path with every run of other characters made "_", and the type suffix. */
function diagnosticsColumn(path: string, v: unknown): string {
  const base = path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  const suffix = typeof v === "number" ? "d" : typeof v === "boolean" ? "b" : typeof v === "string" && GUID.test(v) ? "g" : "s";
  return `${base}_${suffix}`;
}
function flatten(prefix: string, v: unknown, into: SampleRow): void {
  if (isObject(v)) for (const [k, x] of Object.entries(v)) flatten(prefix ? `${prefix}_${k}` : k, x, into);
  else if (v !== null && v !== undefined) into[diagnosticsColumn(prefix, v)] = Array.isArray(v) ? JSON.stringify(v) : v;
}

/**
 * Resource-log records (the storage / Event Hubs form, MicrosoftDocs azure-monitor-docs
 * resource-logs-schema.md) of a service in Azure diagnostics mode, to AzureDiagnostics rows: the
 * top-level fields to their columns (time TimeGenerated, operationName OperationName, resultType
 * ResultType, callerIpAddress CallerIPAddress, ...; resource provider, type, group, name and
 * subscription read from the upper-case resourceId as AzureDiagnostics writes them), identity and
 * properties flattened into one column per leaf named by its path with a type suffix (_s string,
 * _d number, _b boolean, _g GUID), the names AzureDiagnostics carries (identity_claim_appid_g,
 * httpStatusCode_d, requestUri_s, isAccessPolicyMatch_b).
 */
export function rowsFromResourceLogRecords(data: unknown): RowsByTable {
  const rows = eventsIn(data, "resource-log record").map((e): SampleRow => {
    const resourceId = typeof e.resourceId === "string" ? e.resourceId : undefined;
    const parts = resourceIdParts(resourceId);
    const row: SampleRow = {
      TimeGenerated: e.time,
      ResourceId: resourceId,
      _ResourceId: resourceId?.toLowerCase(),
      SubscriptionId: parts.SubscriptionId,
      ResourceGroup: parts.ResourceGroup,
      ResourceProvider: parts.ResourceProvider,
      ResourceType: parts.ResourceType,
      Resource: parts.Resource,
      OperationName: e.operationName,
      OperationVersion: e.operationVersion,
      Category: e.category,
      ResultType: e.resultType,
      ResultSignature: e.resultSignature,
      ResultDescription: e.resultDescription,
      DurationMs: e.durationMs,
      CallerIPAddress: e.callerIpAddress,
      CorrelationId: e.correlationId,
      Level: e.level,
    };
    flatten("identity", e.identity, row);
    flatten("", e.properties, row);
    return row;
  });
  return typed({ AzureDiagnostics: rows });
}

/** Read a rows file: `.csv` as a CSV export, anything else as JSON. */
export function readRowsFile(file: string, options: { table?: string; timeColumn?: string } = {}): RowsByTable {
  const text = fs.readFileSync(file, "utf8");
  if (/\.csv$/i.test(file)) return rowsFromCsv(text, options);
  if (options.timeColumn) throw new Error("a time column can only be named for a CSV export");
  return rowsByTable(JSON.parse(text), options.table);
}

/**
 * Set `_TimeReceived` (what ingestion_time() returns) to TimeGenerated + `lagMs` on every row that
 * has none. Exports and public recordings carry no ingestion time; a stated lag makes a replay
 * deterministic and shows whether a rule still sees a row that lands that late.
 */
export function withIngestionLag(tables: Record<string, SampleRow[]>, lagMs: number): Record<string, SampleRow[]> {
  return Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.map((r) => {
    if (r._TimeReceived !== undefined || typeof r.TimeGenerated !== "string") return r;
    return { ...r, _TimeReceived: new Date(Date.parse(r.TimeGenerated) + lagMs).toISOString() };
  })]));
}

/**
 * The rows a rule run at `now` can see: those ingested by then (`_TimeReceived`, else TimeGenerated).
 * The evaluator itself does not hide rows that land after `now`; a replay must.
 */
export function ingestedBy(tables: Record<string, SampleRow[]>, now: string): Record<string, SampleRow[]> {
  const at = Date.parse(now);
  return Object.fromEntries(Object.entries(tables).map(([t, rows]) => [t, rows.filter((r) => Date.parse(String(r._TimeReceived ?? r.TimeGenerated)) <= at)]));
}

// --------------------------------------------------------------------------------------------
// Typing by schema.

function typed(tables: Record<string, SampleRow[]>): RowsByTable {
  const schemas = tableSchemas();
  const dropped = new Set<string>();
  const out: Record<string, SampleRow[]> = {};
  for (const [t, rows] of Object.entries(tables)) {
    const schema = schemas.get(t);
    if (!schema) throw new Error(`unknown table ${t} — expected one of: ${[...schemas.keys()].join(", ")}`);
    out[t] = rows.map((r, i) => typedRow(schema, r, `${t} row ${i + 1}`, dropped));
  }
  return { tables: out, dropped: [...dropped].sort() };
}

const UNION_SUFFIX = /^(.+)_(dynamic|string|datetime|bool|int|long|real|guid|timespan)$/;

function typedRow(schema: TableSchema, raw: SampleRow, where: string, dropped: Set<string>): SampleRow {
  const types = new Map(schema.columns.map((c) => [c.name, c.type]));
  const row: SampleRow = {};
  for (const [key, value] of Object.entries(raw)) {
    let name = key;
    if (!types.has(name)) {
      // A union of two exports with different types for one column names it Column_<type>.
      const m = UNION_SUFFIX.exec(key);
      if (m && types.has(m[1])) name = m[1];
      else {
        if (value !== null && value !== undefined && value !== "") dropped.add(`${schema.name}.${key}`);
        continue;
      }
    }
    if (value === null || value === undefined || value === "") continue;
    if (name in row) throw new Error(`${where}: column ${name} given twice (${key})`);
    row[name] = typedValue(value, types.get(name)!, `${where}, column ${key}`);
  }
  return row;
}

function typedValue(v: unknown, type: string, where: string): unknown {
  if (typeof v !== "string") return v;   // JSON exports already carry numbers, booleans and objects
  switch (type) {
    case "datetime":
      return exportTime(v, where);
    case "bool":
      if (/^true$/i.test(v)) return true;
      if (/^false$/i.test(v)) return false;
      throw new Error(`${where}: ${JSON.stringify(v)} is not a bool (expected TRUE or FALSE)`);
    case "int":
    case "long":
    case "real": {
      const n = Number(v);
      if (v.trim() === "" || Number.isNaN(n)) throw new Error(`${where}: ${JSON.stringify(v)} is not a number`);
      return n;
    }
    case "dynamic":
      try {
        return JSON.parse(v);
      } catch {
        return v;   // a dynamic value can hold a plain string (Kusto keeps it as a string)
      }
    default:
      return v;
  }
}

const PORTAL_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))? (AM|PM)$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A time cell as an ISO-8601 UTC string: ISO as it is (UTC when no zone), or the portal's en-US
 * export format "M/D/YYYY, h:mm:ss.fff AM|PM" (UTC: the column header says [UTC]).
 */
export function exportTime(v: string, where = "time"): string {
  const s = v.trim();
  const m = PORTAL_TIME.exec(s);
  if (m) {
    const [, mo, d, y, h, mi, sec, frac, ampm] = m;
    const hour = (Number(h) % 12) + (ampm.toUpperCase() === "PM" ? 12 : 0);
    if (Number(h) < 1 || Number(h) > 12 || Number(mo) < 1 || Number(mo) > 12) throw new Error(`${where}: ${JSON.stringify(v)} is not a valid time`);
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), hour, Number(mi), Number(sec), Number((frac ?? "").padEnd(3, "0").slice(0, 3)));
    const date = new Date(ms);
    if (date.getUTCDate() !== Number(d)) throw new Error(`${where}: ${JSON.stringify(v)} is not a valid date`);
    return date.toISOString();
  }
  if (ISO_TIME.test(s)) {
    const iso = s.replace(" ", "T").replace(/(\.\d{3})\d+/, "$1");
    const date = new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : iso + "Z");
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new Error(`${where}: ${JSON.stringify(v)} is not a time in ISO-8601 or the portal's export format (M/D/YYYY, h:mm:ss.fff AM|PM)`);
}
