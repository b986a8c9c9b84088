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
