// Rows exported from a Log Analytics workspace, read into typed tables: the one place that knows the
// export formats. `npm run detect`, `npm run backtest` (files, and the rows the live mode pulls) and
// the replay of public recordings all read rows here. Files are streamed and each row is typed as it
// arrives, so an export larger than memory allows as text (a 2 GB file) is never held whole; only the
// columns the caller needs are kept.
//
// Formats:
//   - a JSON array of rows, as the portal exports them (each row's `Type` column, or `table`, names its table);
//   - a JSON object of row arrays per table: {"SigninLogs": [...], "AuditLogs": [...]};
//   - a Log Analytics query API response: {"tables": [{"columns": [{"name"}], "rows": [[...]]}]}
//     (one that carries an `error`, a partial result, is refused: its rows are incomplete);
//   - JSON Lines (.jsonl, .ndjson): one row object per line (the fastest to read for large exports);
//   - the portal's CSV export (.csv): a header row; time columns named "<Column> [UTC]" holding the
//     portal's en-US format ("4/28/2021, 2:32:14.029 PM", UTC as the header says); dynamic columns as
//     JSON text; booleans TRUE/FALSE; a "$table" column when the query was a union.
// A folder is read file by file (every export file inside, sorted by path).
//
// Values are typed by the table's schema (detections/schemas, kusto/tables.ts): a value that does
// not fit its column's type is an error naming the file, row and column. Empty cells are absent
// values (Log Analytics shows null and "" alike in exports). Columns the schema does not know are
// dropped and reported; "<Column>_<type>" (a union that met a column with two types) is read as
// <Column>. Every row needs a TimeGenerated (or a `timeColumn` to take it from).
//
// Ingestion time. Every log search detection here selects rows by arrival (ingestion_time(), the
// hidden `_TimeReceived` column), which no export carries: `ingestionLagMs` sets it to TimeGenerated
// plus a stated lag; without it a row counts as ingested at its TimeGenerated. The evaluator shows a
// run at `now` only the rows ingested by then.
import * as fs from "fs";
import * as path from "path";
import { StringDecoder } from "string_decoder";
import { JSONParser } from "@streamparser/json";
import { Parser as CsvParser } from "csv-parse";
import { tableSchemas } from "./language";
import { UNBOUNDED, WorkspaceTables, WorkspaceTablesBuilder, type WorkspaceTablesOptions } from "./tables";
import { SampleDataError } from "./evaluate/syntax";
import { Timespan } from "./evaluate/values";

/** A problem with the rows given: one line naming the file, the row and what is wrong. */
export class RowsError extends Error {
  constructor(message: string) { super(message); this.name = "RowsError"; }
}

export interface ReadOptions extends WorkspaceTablesOptions {
  /** The table of rows that carry no `Type` (or CSV `$table`) column. */
  table?: string;
  /** A datetime column to copy into a missing TimeGenerated (SigninLogs exports often carry only CreatedDateTime). */
  timeColumn?: string;
  /** The instant a row without any time is placed at (a recording whose source gives no time); otherwise such a row is an error. */
  undatedAt?: string;
  /** Called as bytes are read (for a progress bar). */
  onBytes?: (bytesRead: number, bytesTotal: number) => void;
}

export interface LoadedRows {
  tables: WorkspaceTables;
  /** Rows read per table. */
  counts: Record<string, number>;
  files: { file: string; rows: number; bytes: number }[];
  /** `<Table>.<column>` of exported columns the schema does not know that held a value (dropped). */
  dropped: string[];
}

export const EXPORT_EXTENSIONS = [".json", ".jsonl", ".ndjson", ".csv"];

/** Every export file a path names: the file itself, or the export files in a folder. */
export function exportFiles(p: string): string[] {
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { throw new RowsError(`${p}: no such file or folder`); }
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  for (const e of fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const f = path.join(p, e.name);
    if (e.isDirectory()) out.push(...exportFiles(f));
    else if (EXPORT_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) out.push(f);
  }
  if (out.length === 0) throw new RowsError(`${p}: no export files in this folder (${EXPORT_EXTENSIONS.join(", ")})`);
  return out;
}

const UNION_SUFFIX = /^(.+)_(dynamic|string|datetime|bool|int|long|real|guid|timespan)$/;

/**
 * Receives exported rows one at a time, in any of the formats above (or from the query API
 * directly), checks and types each, and builds the indexed tables at the end.
 */
export class RowCollector {
  private readonly builder: WorkspaceTablesBuilder;
  private readonly counts: Record<string, number> = {};
  private readonly dropped = new Set<string>();
  private readonly known = new Map<string, { columns: Set<string>; csvCells: { name: string; type: "bool" | "datetime" }[] }>();
  constructor(private readonly opts: ReadOptions = {}) { this.builder = new WorkspaceTablesBuilder(opts); }

  private table(name: string, where: string) {
    let t = this.known.get(name);
    if (!t) {
      const schema = tableSchemas().get(name);
      if (!schema) throw new RowsError(`${where}: unknown table '${name}' — no schema for it in detections/schemas (${tableSchemas().size} tables known)`);
      const csvCells = schema.columns.filter((c) => c.type === "bool" || c.type === "datetime").map((c) => ({ name: c.name, type: c.type as "bool" | "datetime" }));
      this.known.set(name, (t = { columns: new Set(schema.columns.map((c) => c.name)), csvCells }));
    }
    return t;
  }

  /** A table that is present with no rows yet (an export of an empty table, a pull that found none). */
  declare(table: string, where = table): void {
    this.table(table, where);
    this.builder.declare(table);
    this.counts[table] ??= 0;
  }

  /**
   * One exported row. `where` names it in errors ("<file> row <n>"); `tableHint` is the table the
   * file's structure gives it (a tables object's key, a CSV `$table` cell, the table a pull asked);
   * `csv` says its cells are the portal's CSV text.
   */
  add(raw: unknown, where: string, tableHint?: string, csv = false): void {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new RowsError(`${where}: not a row object (got ${Array.isArray(raw) ? "an array" : typeof raw})`);
    let r = raw as Record<string, unknown>;
    const table = tableHint || this.opts.table || (typeof r.Type === "string" && r.Type ? r.Type : undefined);
    if (!table) throw new RowsError(`${where}: the row has no ${csv ? "Type or $table" : "Type"} column naming its table — pass --table <name>`);
    const t = this.table(table, where);
    const at = `${where} (${table})`;
    if (r.TimeGenerated === undefined || r.TimeGenerated === null || r.TimeGenerated === "") {
      const tc = this.opts.timeColumn;
      if (tc) {
        if (!(tc in r)) throw new RowsError(`${at}: no column ${tc} to take TimeGenerated from (--time-column)`);
        r = { ...r, TimeGenerated: r[tc] };
      } else if (this.opts.undatedAt) r = { ...r, TimeGenerated: this.opts.undatedAt };
      else throw new RowsError(`${at}: no TimeGenerated — every row needs its event time (a CSV export can name another time column with --time-column)`);
    }
    if (csv) {
      // The portal writes booleans as TRUE/FALSE and times in its en-US format: made JSON-like here.
      for (const c of t.csvCells) {
        const v = r[c.name];
        if (typeof v !== "string" || v === "") continue;
        if (c.type === "datetime") r[c.name] = exportTime(v, `${at}, column '${c.name}'`);
        else if (/^(true|false)$/i.test(v)) r[c.name] = v.toLowerCase() === "true";
      }
    }
    try {
      this.builder.add(table, r, at, {
        onUnknown: (column, value) => {
          const m = UNION_SUFFIX.exec(column);
          if (m && t.columns.has(m[1])) return m[1];
          if (column !== "Type" && value !== null && value !== undefined && value !== "") this.dropped.add(`${table}.${column}`);
          return undefined;
        },
      });
    } catch (e) {
      if (e instanceof SampleDataError) throw new RowsError(e.message);
      throw e;
    }
    this.counts[table] = (this.counts[table] ?? 0) + 1;
  }

  /** Rows read so far, over all tables. */
  get total(): number {
    let n = 0;
    for (const c of Object.values(this.counts)) n += c;
    return n;
  }

  result(files: LoadedRows["files"] = []): LoadedRows {
    // The table named for rows without one is present even when the export held none (exported empty).
    if (this.opts.table) this.declare(this.opts.table);
    return { tables: this.builder.build(), counts: { ...this.counts }, files, dropped: [...this.dropped].sort() };
  }
}

/** Rows already in memory, in any of the JSON shapes above. */
export function rowsFromData(data: unknown, opts: ReadOptions = {}, name = "rows"): LoadedRows {
  const sink = new RowCollector(opts);
  let n = 0;
  const each = (raw: unknown, hint?: string) => sink.add(raw, `${name} row ${++n}`, hint);
  if (Array.isArray(data)) data.forEach((r) => each(r));
  else if (isApiResponse(data)) {
    if (data.error) throw new RowsError(partialMessage(name, data.error));
    for (const t of data.tables) {
      const columns = t.columns.map((c) => c.name);
      for (const cells of t.rows) each(apiRow(columns, cells, `${name} row ${n + 1}`));
    }
  } else if (data && typeof data === "object") {
    for (const [t, rs] of Object.entries(data as Record<string, unknown>)) {
      if (!Array.isArray(rs)) throw new RowsError(`${name}: ${t} is not an array of rows`);
      sink.declare(t, name);
      rs.forEach((r) => each(r, t));
    }
  } else throw new RowsError(`${name}: expected a JSON array of rows, an object of row arrays per table, or a query API response`);
  return sink.result();
}

/** A CSV export held in memory (see the file comment); `name` names it in errors. */
export function rowsFromCsv(text: string, opts: ReadOptions = {}, name = "CSV"): LoadedRows {
  const sink = new RowCollector(opts);
  const csv = csvReader(name, sink);
  csv.write(Buffer.from(text, "utf8"));
  csv.end();
  return sink.result();
}

/** Read export files and folders into typed, indexed tables (streamed: see the file comment). */
export function loadRows(paths: string[], opts: ReadOptions = {}): LoadedRows {
  const files = paths.flatMap(exportFiles);
  const sizes = files.map((f) => fs.statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const sink = new RowCollector(opts);
  const out: LoadedRows["files"] = [];
  let done = 0;
  files.forEach((file, i) => {
    const before = sink.total;
    const ext = path.extname(file).toLowerCase();
    const reader = ext === ".csv" ? csvReader(file, sink) : ext === ".jsonl" || ext === ".ndjson" ? linesReader(file, sink) : jsonReader(file, sink);
    readChunks(file, (chunk, bytes) => {
      reader.write(chunk);
      opts.onBytes?.(done + bytes, total);
    });
    reader.end();
    done += sizes[i];
    out.push({ file, rows: sink.total - before, bytes: sizes[i] });
  });
  return sink.result(out);
}

/**
 * The rows of typed tables as plain objects (times as ISO-8601 strings, timespans as Kusto text),
 * in their original order, empty values left out: what a test or a recording's replay edits and
 * hands back to the evaluator.
 */
export function plainRows(tables: WorkspaceTables): Record<string, Record<string, unknown>[]> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const name of tables.names()) {
    out[name] = tables.index(name)!.select(UNBOUNDED).map((row) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) {
        if (v === null || v === undefined || v === "") continue;
        o[k] = v instanceof Date ? v.toISOString() : v instanceof Timespan ? v.toString() : v;
      }
      return o;
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Readers: each takes a file's bytes in chunks, synchronously (a sync read loop keeps one chunk in
// memory at a time and lets detect, the recordings and the backtest share one code path).

interface ChunkReader { write(chunk: Buffer): void; end(): void }

const CHUNK = 1 << 20;

function readChunks(file: string, each: (chunk: Buffer, bytesSoFar: number) => void): void {
  const fd = fs.openSync(file, "r");
  try {
    let bytes = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return;
      bytes += n;
      each(n === CHUNK ? buf : buf.subarray(0, n), bytes);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function linesReader(file: string, sink: RowCollector): ChunkReader {
  const decoder = new StringDecoder("utf8");
  let line = 0, rest = "";
  const take = (text: string) => {
    line++;
    if (line === 1) text = text.replace(/^\uFEFF/, "");
    if (!text.trim()) return;
    let v: unknown;
    try { v = JSON.parse(text); } catch (e) { throw new RowsError(`${file} line ${line}: not a JSON row (${(e as Error).message})`); }
    sink.add(v, `${file} line ${line}`);
  };
  return {
    write(chunk) {
      const parts = (rest + decoder.write(chunk)).split("\n");
      rest = parts.pop()!;
      for (const p of parts) take(p);
    },
    end() {
      rest += decoder.end();
      if (rest.trim()) take(rest);
    },
  };
}

function csvReader(file: string, sink: RowCollector): ChunkReader {
  let n = 0;
  let failure: Error | undefined;
  const parser = new CsvParser({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    // The portal names time columns "<Column> [UTC]".
    columns: (header: string[]) => header.map((h) => h.replace(/ \[UTC\]$/, "")),
    on_record: (cells) => {
      if (failure) return null;
      const record = cells as unknown as Record<string, string>;   // with `columns`, a record is an object
      n++;
      try {
        const { $table, ...row } = record;
        sink.add(row, `${file} row ${n}`, $table || undefined, true);
      } catch (e) {
        failure = e as Error;
      }
      return null;   // nothing is kept by the parser
    },
  });
  parser.on("error", () => { /* read synchronously from parser.errored below */ });
  const check = () => {
    if (failure) throw failure;
    const err = parser.errored;
    if (err) throw new RowsError(`${file}: malformed CSV after row ${n} (${err.message.split("\n")[0]})`);
  };
  return {
    write(chunk) { parser.write(chunk); check(); },
    end() {
      parser.end();
      check();
    },
  };
}

interface ApiResponse { tables: { columns: { name: string }[]; rows: unknown[][] }[]; error?: unknown }
function isApiResponse(d: unknown): d is ApiResponse {
  return !!d && typeof d === "object" && Array.isArray((d as { tables?: unknown }).tables);
}

function apiRow(columns: string[], cells: unknown, where: string): Record<string, unknown> {
  if (!Array.isArray(cells) || cells.length !== columns.length) throw new RowsError(`${where}: expected ${columns.length} values (one per column), got ${JSON.stringify(cells).slice(0, 80)}`);
  const o: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) o[columns[i]] = cells[i];
  return o;
}

function partialMessage(name: string, error: unknown): string {
  const e = (error ?? {}) as { code?: string; message?: string; details?: { message?: string; innererror?: { message?: string } }[] };
  const detail = e.details?.[0]?.innererror?.message ?? e.details?.[0]?.message;
  return `${name}: the query API response carries an error (${e.code ?? "error"}: ${detail ?? e.message ?? "no message"}): its rows are a partial result — export again with a smaller time range`;
}

/** Which JSON shape a file holds, from its first bytes. */
function jsonShape(file: string, head: string): "array" | "api" | "tables" {
  const h = head.replace(/^\uFEFF/, "").trimStart();
  if (h.startsWith("[")) return "array";
  if (/^\{\s*"tables"\s*:\s*\[/.test(h)) return "api";
  if (h.startsWith("{")) return "tables";
  throw new RowsError(`${file}: not a JSON export (expected an array or object, starts with ${JSON.stringify(h.slice(0, 20))})`);
}

function jsonReader(file: string, sink: RowCollector): ChunkReader {
  let parser: JSONParser | undefined;
  let shape: "array" | "api" | "tables" | undefined;
  let head = Buffer.alloc(0);
  let n = 0;
  let bytes = 0;
  let columns: string[] | undefined;
  let failure: Error | undefined;
  const start = (first: Buffer) => {
    shape = jsonShape(file, first.subarray(0, 4096).toString("utf8"));
    const paths = shape === "array" ? ["$.*"] : shape === "api" ? ["$.tables.*.columns", "$.tables.*.rows.*", "$.error"] : ["$.*.*"];
    parser = new JSONParser({ paths, keepStack: false });
    parser.onValue = ({ value, key, stack }) => {
      if (failure) return;
      try {
        if (shape === "api") {
          if (key === "error") throw new RowsError(partialMessage(file, value));
          if (key === "columns") { columns = (value as { name: string }[]).map((c) => c.name); return; }
          if (!columns) throw new RowsError(`${file}: a query API response must list "columns" before "rows"`);
          n++;
          sink.add(apiRow(columns, value, `${file} row ${n}`), `${file} row ${n}`);
        } else if (shape === "tables") {
          n++;
          sink.add(value, `${file} row ${n}`, String(stack[1]?.key));
        } else {
          n++;
          sink.add(value, `${file} row ${n}`);
        }
      } catch (e) {
        failure = e as Error;
      }
    };
  };
  const feed = (chunk: Buffer) => {
    if (!parser) {
      // Enough bytes to tell the shape (a BOM is dropped).
      head = Buffer.concat([head, chunk]);
      if (head.length < 16 && chunk.length > 0) return;
      chunk = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
      start(chunk);
    }
    try {
      if (parser!.isEnded) throw new RowsError(`${file}: text after the end of the JSON document (at byte ${bytes})`);
      parser!.write(chunk);
    } catch (e) {
      if (e instanceof RowsError) throw e;
      throw new RowsError(`${file}: malformed JSON after row ${n} (${(e as Error).message.split("\n")[0]})`);
    }
    if (failure) throw failure;
    bytes += chunk.length;
  };
  return {
    write: feed,
    end() {
      if (!parser) {
        if (head.length === 0) throw new RowsError(`${file}: empty file (an export holds at least [] or {})`);
        feed(Buffer.alloc(0));
      }
      if (failure) throw failure;
      if (!parser!.isEnded) {
        try { parser!.end(); } catch (e) {
          throw new RowsError(`${file}: truncated or malformed JSON after row ${n} (${(e as Error).message.split("\n")[0]})`);
        }
      }
      if (failure) throw failure;
    },
  };
}

// ---------------------------------------------------------------------------------------------

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
    if (Number(h) < 1 || Number(h) > 12 || Number(mo) < 1 || Number(mo) > 12) throw new RowsError(`${where}: ${JSON.stringify(v)} is not a valid time`);
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), hour, Number(mi), Number(sec), Number((frac ?? "").padEnd(3, "0").slice(0, 3)));
    const date = new Date(ms);
    if (date.getUTCDate() !== Number(d)) throw new RowsError(`${where}: ${JSON.stringify(v)} is not a valid date`);
    return date.toISOString();
  }
  if (ISO_TIME.test(s)) {
    const iso = s.replace(" ", "T").replace(/(\.\d{3})\d+/, "$1");
    const date = new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : iso + "Z");
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new RowsError(`${where}: ${JSON.stringify(v)} is not a time in ISO-8601 or the portal's export format (M/D/YYYY, h:mm:ss.fff AM|PM)`);
}
