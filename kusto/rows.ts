// Rows exported from a Log Analytics workspace, read into typed tables: the one place that knows
// the export formats (`npm run detect`, `npm run backtest`, the recordings). Files are streamed and
// each row is typed as it arrives, so an export larger than memory allows as text (a 2 GB file)
// is never held whole; only the columns the caller needs are kept.
//
// Formats:
//   - a JSON array of rows, as the portal exports them (each row's `Type` column, or `table`, names its table);
//   - a JSON object of row arrays per table: {"SigninLogs": [...], "AuditLogs": [...]};
//   - a Log Analytics query API response: {"tables": [{"columns": [{"name"}], "rows": [[...]]}]};
//   - JSON Lines (.jsonl, .ndjson): one row object per line (the fastest to read for large exports).
// A folder is read file by file (every .json, .jsonl and .ndjson inside, sorted by path).
import * as fs from "fs";
import * as path from "path";
import { JSONParser } from "@streamparser/json";
import { tableSchemas } from "./language";
import { WorkspaceTables, WorkspaceTablesBuilder, WorkspaceTablesOptions } from "./tables";
import { SampleDataError } from "./evaluate/syntax";

/** A problem with the rows given: one line naming the file, the row and what is wrong. */
export class RowsError extends Error {
  constructor(message: string) { super(message); this.name = "RowsError"; }
}

export interface LoadOptions extends WorkspaceTablesOptions {
  /** The table of rows that carry no `Type` column. */
  table?: string;
  /** Called as bytes are read (for a progress bar). */
  onBytes?: (bytesRead: number, bytesTotal: number) => void;
}

export interface LoadedRows {
  tables: WorkspaceTables;
  /** Rows read per table. */
  counts: Record<string, number>;
  files: { file: string; rows: number; bytes: number }[];
  /** `<Table>.<column>` of exported columns the schema does not know (dropped). */
  dropped: string[];
}

const EXTENSIONS = [".json", ".jsonl", ".ndjson"];

/** Every export file a path names: the file itself, or the export files in a folder. */
export function exportFiles(p: string): string[] {
  let st: fs.Stats;
  try { st = fs.statSync(p); } catch { throw new RowsError(`${p}: no such file or folder`); }
  if (!st.isDirectory()) return [p];
  const out: string[] = [];
  for (const e of fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const f = path.join(p, e.name);
    if (e.isDirectory()) out.push(...exportFiles(f));
    else if (EXTENSIONS.includes(path.extname(e.name).toLowerCase())) out.push(f);
  }
  if (out.length === 0) throw new RowsError(`${p}: no export files in this folder (${EXTENSIONS.join(", ")})`);
  return out;
}

/** Receives raw rows in order, checks and types them. */
class RowSink {
  readonly builder: WorkspaceTablesBuilder;
  readonly counts: Record<string, number> = {};
  readonly dropped = new Set<string>();
  private readonly known = new Set<string>();
  constructor(private readonly opts: LoadOptions) { this.builder = new WorkspaceTablesBuilder(opts); }

  /** `where` names the row in errors: "<file> row <n>". */
  row(raw: unknown, where: string, tableHint?: string): void {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new RowsError(`${where}: not a row object (got ${Array.isArray(raw) ? "an array" : typeof raw})`);
    const r = raw as Record<string, unknown>;
    const table = tableHint ?? this.opts.table ?? (typeof r.Type === "string" && r.Type ? r.Type : undefined);
    if (!table) throw new RowsError(`${where}: the row has no Type column naming its table — pass --table <name>`);
    if (!this.known.has(table)) {
      if (!tableSchemas().get(table)) throw new RowsError(`${where}: unknown table '${table}' — no schema for it in detections/schemas (${[...tableSchemas().keys()].length} tables known)`);
      this.known.add(table);
    }
    const tg = r.TimeGenerated;
    if (tg === undefined || tg === null || tg === "") throw new RowsError(`${where} (${table}): no TimeGenerated — every row needs its event time`);
    try {
      // Empty cells are absent values (the export writes "" for a null); unknown columns are dropped and reported.
      this.builder.add(table, r, `${where} (${table})`, { onUnknown: (column) => this.dropped.add(`${table}.${column}`) });
    } catch (e) {
      if (e instanceof SampleDataError) throw new RowsError(e.message);
      throw e;
    }
    this.counts[table] = (this.counts[table] ?? 0) + 1;
  }
}

/** Rows already in memory, in any of the JSON shapes above. */
export function rowsFromData(data: unknown, opts: LoadOptions = {}, name = "rows"): LoadedRows {
  const sink = new RowSink(opts);
  let n = 0;
  const each = (raw: unknown, hint?: string) => sink.row(raw, `${name} row ${++n}`, hint);
  if (Array.isArray(data)) data.forEach((r) => each(r));
  else if (data && typeof data === "object" && Array.isArray((data as { tables?: unknown }).tables)) {
    for (const t of (data as { tables: { columns: { name: string }[]; rows: unknown[][] }[] }).tables) {
      for (const r of t.rows) each(Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]])));
    }
  } else if (data && typeof data === "object") {
    for (const [t, rs] of Object.entries(data as Record<string, unknown>)) {
      if (!Array.isArray(rs)) throw new RowsError(`${name}: ${t} is not an array of rows`);
      rs.forEach((r) => each(r, t));
    }
  } else throw new RowsError(`${name}: expected a JSON array of rows, an object of row arrays per table, or a query API response`);
  return { tables: sink.builder.build(), counts: sink.counts, files: [], dropped: [...sink.dropped].sort() };
}

/** Read export files and folders into typed, indexed tables. */
export async function loadRows(paths: string[], opts: LoadOptions = {}): Promise<LoadedRows> {
  const files = paths.flatMap(exportFiles);
  const total = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  const sink = new RowSink(opts);
  const out: LoadedRows["files"] = [];
  let done = 0;
  for (const file of files) {
    const before = Object.values(sink.counts).reduce((a, b) => a + b, 0);
    const size = fs.statSync(file).size;
    const ext = path.extname(file).toLowerCase();
    if (ext === ".jsonl" || ext === ".ndjson") await readLines(file, sink, (b) => opts.onBytes?.(done + b, total));
    else await readJson(file, sink, (b) => opts.onBytes?.(done + b, total));
    done += size;
    out.push({ file, rows: Object.values(sink.counts).reduce((a, b) => a + b, 0) - before, bytes: size });
  }
  return { tables: sink.builder.build(), counts: sink.counts, files: out, dropped: [...sink.dropped].sort() };
}

async function readLines(file: string, sink: RowSink, onBytes: (b: number) => void): Promise<void> {
  let line = 0, bytes = 0, rest = "";
  const take = (text: string) => {
    line++;
    if (!text.trim()) return;
    let v: unknown;
    try { v = JSON.parse(text); } catch (e) { throw new RowsError(`${file} line ${line}: not a JSON row (${(e as Error).message})`); }
    sink.row(v, `${file} line ${line}`);
  };
  for await (const chunk of fs.createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    bytes += Buffer.byteLength(chunk as string);
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    for (const p of parts) take(p);
    onBytes(bytes);
  }
  if (rest.trim()) take(rest);
}

/** Which JSON shape a file holds, from its first bytes. */
function jsonShape(file: string): "array" | "api" | "tables" {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(4096);
    const head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString("utf8").replace(/^\uFEFF/, "").trimStart();
    if (head.startsWith("[")) return "array";
    if (/^\{\s*"tables"\s*:\s*\[/.test(head)) return "api";
    if (head.startsWith("{")) return "tables";
    throw new RowsError(`${file}: not a JSON export (expected an array or object, starts with ${JSON.stringify(head.slice(0, 20))})`);
  } finally {
    fs.closeSync(fd);
  }
}

async function readJson(file: string, sink: RowSink, onBytes: (b: number) => void): Promise<void> {
  const shape = jsonShape(file);
  const paths = shape === "array" ? ["$.*"] : shape === "api" ? ["$.tables.*.columns", "$.tables.*.rows.*"] : ["$.*.*"];
  const parser = new JSONParser({ paths, keepStack: false });
  let n = 0;
  let columns: string[] | undefined;
  let failure: Error | undefined;
  parser.onValue = ({ value, key, stack }) => {
    if (failure) return;
    try {
      if (shape === "api") {
        if (key === "columns") { columns = (value as { name: string }[]).map((c) => c.name); return; }
        if (!columns) throw new RowsError(`${file}: a query API response must list "columns" before "rows"`);
        const cells = value as unknown[];
        if (!Array.isArray(cells) || cells.length !== columns.length) throw new RowsError(`${file} row ${n + 1}: expected ${columns.length} values (one per column), got ${JSON.stringify(cells).slice(0, 80)}`);
        n++;
        sink.row(Object.fromEntries(columns.map((c, i) => [c, cells[i]])), `${file} row ${n}`);
      } else if (shape === "tables") {
        n++;
        sink.row(value, `${file} row ${n}`, String(stack[1]?.key));
      } else {
        n++;
        sink.row(value, `${file} row ${n}`);
      }
    } catch (e) {
      failure = e as Error;
    }
  };
  let bytes = 0;
  try {
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
      if (parser.isEnded) throw new RowsError(`${file}: text after the end of the JSON document (at byte ${bytes})`);
      parser.write(chunk as Buffer);
      if (failure) throw failure;
      bytes += (chunk as Buffer).length;
      onBytes(bytes);
    }
    if (failure) throw failure;
    if (!parser.isEnded) parser.end();
  } catch (e) {
    if (e instanceof RowsError) throw e;
    const truncated = /end|ENDED/.test((e as Error).message);
    throw new RowsError(`${file}: ${truncated ? "truncated or malformed JSON" : "malformed JSON"} after row ${n} (${(e as Error).message.split("\n")[0]})`);
  }
}
