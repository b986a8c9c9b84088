// A workspace's tables as the evaluator reads them: every row typed once against its table's
// schema, and indexed by event time (TimeGenerated) and arrival time (ingestion_time(): the row's
// `_TimeReceived`, else its TimeGenerated). One evaluation of a query at one instant (`npm run
// detect`, the samples) and thousands of them over a week of rows (`npm run backtest`) read the
// same object; each evaluation takes only the rows it can see with a binary search instead of
// typing and filtering every row again.
import { tableSchemas } from "./language";
import { SampleDataError, toKType } from "./evaluate/syntax";
import { Column, KType, Row, Timespan, Value, convert, parseDateTime, parseDynamic, GUID_RE, formatDateTime, rowTemplate } from "./evaluate/values";

/**
 * Typed rows in order with the times an index orders them by: the event time (TimeGenerated) and
 * the arrival time (`_TimeReceived`, else TimeGenerated) of each row's source row, epoch
 * milliseconds, NaN when the row has none. Times are kept apart from the rows, in typed arrays:
 * a week of rows is millions of them.
 */
export interface RowSet { rows: Record<string, Value>[]; tg: Float64Array; ing: Float64Array }

/** Inclusive bounds in epoch milliseconds; ±Infinity when open. */
export interface TimeBounds { tgLo: number; tgHi: number; ingLo: number; ingHi: number }
export const UNBOUNDED: TimeBounds = { tgLo: -Infinity, tgHi: Infinity, ingLo: -Infinity, ingHi: Infinity };

/** Rows of one table (or of a row-wise view over it, kusto/evaluate/prefix.ts) ordered by event and by arrival time. */
export class TimeIndex {
  /** Positions of the rows with an event time, by event time (then position). */
  private readonly byTg: Int32Array;
  private byIngCache?: Int32Array;
  constructor(readonly set: RowSet) {
    this.byTg = sortedPositions(set.tg);
  }
  /** Positions of the rows with an arrival time, by arrival time (then position). */
  private get byIng(): Int32Array { return (this.byIngCache ??= sortedPositions(this.set.ing)); }
  get size(): number { return this.set.rows.length; }

  /**
   * The rows within the bounds, in their original order. A row without an event (arrival) time is
   * outside any finite bound on it, and outside `needsTg` (`needsIng`): a comparison with a missing
   * time is null, which a where drops.
   */
  select(b: TimeBounds, needsTg = false, needsIng = false): Record<string, Value>[] {
    const { rows, tg, ing } = this.set;
    const tgOpen = b.tgLo === -Infinity && b.tgHi === Infinity && !needsTg;
    const ingOk = (i: number) => { const x = ing[i]; return x !== x ? !needsIng && b.ingLo === -Infinity : x >= b.ingLo && x <= b.ingHi; };
    if (tgOpen && b.ingLo === -Infinity) {
      const out: Record<string, Value>[] = [];
      for (let i = 0; i < rows.length; i++) if (ingOk(i)) out.push(rows[i]);
      return out;
    }
    let picked: Int32Array;
    let n = 0;
    if (b.ingLo > -Infinity) {
      // A lower bound on arrival (ingestion_time() > ago(...)) is the narrowest cut: use the arrival order.
      const xs = this.byIng;
      const from = lowerBound(xs, ing, b.ingLo);
      picked = new Int32Array(upperBound(xs, ing, b.ingHi) - from);
      for (let k = from; k < from + picked.length; k++) {
        const i = xs[k], t = tg[i];
        if (t !== t ? tgOpen : t >= b.tgLo && t <= b.tgHi) picked[n++] = i;
      }
    } else {
      const xs = this.byTg;
      const from = lowerBound(xs, tg, b.tgLo);
      picked = new Int32Array(upperBound(xs, tg, b.tgHi) - from);
      for (let k = from; k < from + picked.length; k++) if (ingOk(xs[k])) picked[n++] = xs[k];
    }
    const order = picked.subarray(0, n).sort();
    const out = new Array<Record<string, Value>>(n);
    for (let k = 0; k < n; k++) out[k] = rows[order[k]];
    return out;
  }

  /** Earliest and latest arrival of the rows with an event time, or undefined without any. */
  arrivalSpan(): { first: number; last: number } | undefined {
    let first = Infinity, last = -Infinity;
    const { tg, ing } = this.set;
    for (let i = 0; i < tg.length; i++) {
      if (tg[i] !== tg[i]) continue;
      if (ing[i] < first) first = ing[i];
      if (ing[i] > last) last = ing[i];
    }
    return first <= last ? { first, last } : undefined;
  }

  /** The rows with an event time that arrived within [from, to], in arrival order (then original order). */
  arrivals(from: number, to: number): { row: Record<string, Value>; ing: number }[] {
    const { rows, tg, ing } = this.set;
    const xs = this.byIng;
    const out: { row: Record<string, Value>; ing: number }[] = [];
    for (let k = lowerBound(xs, ing, from); k < xs.length && ing[xs[k]] <= to; k++) {
      const i = xs[k];
      if (tg[i] === tg[i]) out.push({ row: rows[i], ing: ing[i] });
    }
    return out;
  }
}

/** Positions of the non-NaN times, ordered by time then position. */
function sortedPositions(times: Float64Array): Int32Array {
  let n = 0;
  for (let i = 0; i < times.length; i++) if (times[i] === times[i]) n++;
  const out = new Int32Array(n);
  let k = 0, sorted = true;
  for (let i = 0; i < times.length; i++) {
    if (times[i] !== times[i]) continue;
    if (k > 0 && times[i] < times[out[k - 1]]) sorted = false;
    out[k++] = i;
  }
  // Rows usually come in time order: then positions are already sorted.
  if (!sorted) out.sort((a, b) => times[a] - times[b] || a - b);
  return out;
}

/** First k with times[xs[k]] >= v. */
function lowerBound(xs: Int32Array, times: Float64Array, v: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[xs[mid]] < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** First k with times[xs[k]] > v. */
function upperBound(xs: Int32Array, times: Float64Array, v: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[xs[mid]] <= v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export interface WorkspaceTablesOptions {
  /**
   * Keep only these columns per table (the ones the queries read). The other columns of a row are
   * dropped when it is typed: a week of rows then fits in memory. Default: every schema column.
   */
  columns?: Record<string, ReadonlySet<string>>;
  /**
   * A row without `_TimeReceived` is taken as ingested this long after its TimeGenerated, and its
   * `_TimeReceived` set so (exports carry no ingestion time). Default: at its TimeGenerated.
   */
  ingestionLagMs?: number;
  /** Room of the view cache (kusto/evaluate/prefix.ts views), in estimated bytes. Default 160 MB. */
  viewCacheBytes?: number;
}

/**
 * Collects rows one at a time (typing each as it comes, so a streamed export is never held raw)
 * and builds the indexes once at the end.
 */
export class WorkspaceTablesBuilder {
  private readonly pending = new Map<string, {
    kept: Column[]; known: Set<string>; rows: Record<string, Value>[]; tg: number[]; ing: number[]; pools: (Map<string, string> | null)[]; template: Record<string, Value>;
  }>();
  constructor(private readonly opts: WorkspaceTablesOptions = {}) {}

  /**
   * Type one row of `table`; `where` names it in errors (default: "<table> row <i>"). A column the
   * schema does not know is an error, unless `exported.onUnknown` takes it: it returns the schema
   * column the name spells (an export's alias), or nothing to drop it. An exported row's empty
   * cells ("") are absent values, as exports write a null.
   */
  add(table: string, raw: Row, where?: string, exported?: { onUnknown: (column: string, value: unknown) => string | undefined }): void {
    const onUnknown = exported?.onUnknown;
    const t = this.declare(table);
    const i = t.rows.length;
    const at = where ?? `${table} row ${i}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new SampleDataError(`${at}: not an object`);
    let src = raw;
    for (const key in raw) {
      if (t.known.has(key)) continue;
      if (!onUnknown) throw new SampleDataError(`${at}: unknown column '${key}' (not in the ${table} schema)`);
      const v = raw[key];
      const alias = onUnknown(key, v);
      if (alias === undefined || !t.known.has(alias) || v === null || v === undefined || v === "") continue;
      const given = src[alias];
      if (given !== null && given !== undefined && given !== "") throw new SampleDataError(`${at}: column '${alias}' given twice ('${alias}' and '${key}')`);
      if (src === raw) src = { ...raw };
      src[alias] = v;
    }
    const r: Record<string, Value> = { ...t.template };
    for (let j = 0; j < t.kept.length; j++) {
      const c = t.kept[j];
      const v = src[c.name];
      const typed = typeInput(exported && v === "" ? null : v, c.type, () => `${at}, column '${c.name}' (${c.type})`);
      const pool = t.pools[j];
      r[c.name] = pool && typeof typed === "string" ? intern(t.pools, j, typed) : typed;
    }
    const tg = r.TimeGenerated instanceof Date ? r.TimeGenerated.getTime() : NaN;
    let received = r._TimeReceived instanceof Date ? r._TimeReceived.getTime() : NaN;
    const lag = this.opts.ingestionLagMs;
    if (Number.isNaN(received) && lag !== undefined && !Number.isNaN(tg)) {
      received = tg + lag;
      if ("_TimeReceived" in r) r._TimeReceived = new Date(received);
    }
    t.rows.push(r);
    t.tg.push(tg);
    t.ing.push(Number.isNaN(received) ? tg : received);
  }

  /** A table that is present with no rows (an export of an empty table). */
  declare(table: string) {
    let t = this.pending.get(table);
    if (!t) {
      const schema = tableSchemas().get(table);
      if (!schema) throw new SampleDataError(`unknown table '${table}' in sample rows (no schema in detections/schemas)`);
      const columns = schema.columns.map((c) => ({ name: c.name, type: toKType(c.type) }));
      const keep = this.opts.columns?.[table];
      const kept = keep ? columns.filter((c) => keep.has(c.name) || c.name === "TimeGenerated" || c.name === "_TimeReceived") : columns;
      const pools = kept.map((c) => (c.type === "string" || c.type === "guid" ? new Map<string, string>() : null));
      const template = rowTemplate(kept);
      this.pending.set(table, (t = { kept, known: new Set(columns.map((c) => c.name)), rows: [], tg: [], ing: [], pools, template }));
    }
    return t;
  }

  build(): WorkspaceTables {
    const out = new WorkspaceTables({}, { viewCacheBytes: this.opts.viewCacheBytes });
    for (const [name, t] of this.pending) out.setIndex(name, new TimeIndex({ rows: t.rows, tg: Float64Array.from(t.tg), ing: Float64Array.from(t.ing) }));
    this.pending.clear();
    return out;
  }
}

/** Typed, time-indexed rows per table. Build once; evaluate as often as needed. */
export class WorkspaceTables {
  private readonly indexes = new Map<string, TimeIndex>();
  /** The rows of row-wise views over these tables (kusto/evaluate/prefix.ts), kept while they are used. */
  readonly viewCache: ViewCache;

  constructor(tables: Record<string, readonly Row[]>, opts: WorkspaceTablesOptions = {}) {
    this.viewCache = new ViewCache(opts.viewCacheBytes);
    const names = Object.keys(tables);
    if (names.length === 0) return;
    const b = new WorkspaceTablesBuilder(opts);
    for (const name of names) for (const r of tables[name]) b.add(name, r);
    for (const name of names) if (tables[name].length === 0) b.declare(name);
    for (const [name, ix] of b.build().indexes) this.indexes.set(name, ix);
  }

  /** @internal for the builder */
  setIndex(name: string, ix: TimeIndex): void { this.indexes.set(name, ix); }

  has(name: string): boolean { return this.indexes.has(name); }
  names(): string[] { return [...this.indexes.keys()]; }
  index(name: string): TimeIndex | undefined { return this.indexes.get(name); }
  rowCount(name?: string): number {
    if (name) return this.indexes.get(name)?.size ?? 0;
    let n = 0;
    for (const ix of this.indexes.values()) n += ix.size;
    return n;
  }
  /** Earliest and latest arrival (ingestion) time over the rows of these tables (all by default) that have an event time. */
  arrivalSpan(names: string[] = this.names()): { first: number; last: number } | undefined {
    let first = Infinity, last = -Infinity;
    for (const n of names) {
      const span = this.indexes.get(n)?.arrivalSpan();
      if (!span) continue;
      first = Math.min(first, span.first);
      last = Math.max(last, span.last);
    }
    return first <= last ? { first, last } : undefined;
  }
}

/**
 * Rows of row-wise views (kusto/evaluate/prefix.ts) by what they compute, least recently used
 * first. A backtest runs each rule's evaluations one after the other, so a view's rows are reused
 * while its rule runs (and by the rules that start the same way) and dropped when newer ones fill
 * the room. The room is counted in estimated bytes: a reference and two times per row, a row of its
 * own where an extend or project made them (several views may keep the same such row: counted in
 * each), and two positions per row for an index. The views one evaluation uses are never dropped
 * for each other: the room may overflow by what one evaluation needs, else two views larger than
 * half the room would evict each other at every evaluation of their rule (a 1-million-row week
 * replayed in 170 s instead of 50 s with 96 MB of room).
 */
export class ViewCache {
  private readonly entries = new Map<string, { set: RowSet; index?: TimeIndex; bytes: number; evaluation: number }>();
  private bytes = 0;
  private evaluation = 0;
  constructor(private readonly maxBytes = 160 * 2 ** 20) {}

  /** A new evaluation starts: the views the previous one used may be dropped again. */
  nextEvaluation(): void { this.evaluation++; }

  /** Views kept. */
  get size(): number { return this.entries.size; }
  rows(key: string): RowSet | undefined { return this.touch(key)?.set; }
  index(key: string): TimeIndex | undefined { return this.touch(key)?.index; }

  /** Keep a view's rows; `made` when they are rows a step made (an extend or project), not the table's. */
  setRows(key: string, set: RowSet, made: boolean): void {
    this.add(key, { set, bytes: set.rows.length * (made ? 24 + 400 : 24), evaluation: this.evaluation });
  }
  setIndex(key: string, index: TimeIndex, made: boolean): void {
    const e = this.entries.get(key);
    if (e) { this.entries.delete(key); this.bytes -= e.bytes; }
    this.add(key, { set: index.set, index, bytes: index.size * ((made ? 24 + 400 : 24) + 8), evaluation: this.evaluation });
  }

  private touch(key: string) {
    const e = this.entries.get(key);
    if (e) { this.entries.delete(key); e.evaluation = this.evaluation; this.entries.set(key, e); }
    return e;
  }
  private add(key: string, e: { set: RowSet; index?: TimeIndex; bytes: number; evaluation: number }): void {
    this.entries.set(key, e);
    this.bytes += e.bytes;
    // Least recently used first; from the first view of this evaluation on, every one is of it.
    for (const [k, old] of this.entries) {
      if (this.bytes <= this.maxBytes || old.evaluation === this.evaluation) break;
      this.entries.delete(k);
      this.bytes -= old.bytes;
    }
  }
}

/**
 * One copy of each repeated text value of a column: a week of rows repeats the same user names,
 * app ids, IPs and operation names millions of times, each parsed into its own string. A column
 * whose values keep being new (ids, correlation ids) stops being pooled.
 */
const POOL_LIMIT = 100_000;
function intern(pools: (Map<string, string> | null)[], j: number, s: string): string {
  const pool = pools[j]!;
  const known = pool.get(s);
  if (known !== undefined) return known;
  if (pool.size >= POOL_LIMIT) { pools[j] = null; return s; }
  pool.set(s, s);
  return s;
}

/** An exported value as the column's type; anything not clearly convertible is a SampleDataError. */
export function typeInput(v: unknown, t: KType, where: string | (() => string)): Value {
  if (v === null || v === undefined) return t === "string" ? "" : null;
  const bad = () => new SampleDataError(`${typeof where === "string" ? where : where()}: cannot use ${JSON.stringify(v)} (${Array.isArray(v) ? "array" : typeof v})`);
  switch (t) {
    case "string":
      // Strictly strings: a number in a string column is usually the type trap the sample should reveal (ResultType "0" vs 0).
      if (typeof v !== "string") throw bad();
      return v;
    case "dynamic":
      if (typeof v === "string") return parseDynamic(v);
      if (v instanceof Date) return formatDateTime(v);
      return v as Value;
    case "datetime": {
      const d = v instanceof Date ? v : typeof v === "string" ? parseDateTime(v) : null;
      if (!d) throw bad();
      return d;
    }
    case "timespan": {
      if (v instanceof Timespan) return v;
      const s = typeof v === "string" ? convert(v, "timespan") : null;
      if (!s) throw bad();
      return s;
    }
    case "bool":
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "True") return true;
      if (v === "false" || v === "False") return false;
      throw bad();
    case "int": case "long": {
      const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
      if (!Number.isInteger(n)) throw bad();
      if (t === "int" && (n > 2147483647 || n < -2147483648)) throw bad();
      return n;
    }
    case "real": case "decimal": {
      const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
      if (Number.isNaN(n)) throw bad();
      return n;
    }
    case "guid":
      if (typeof v !== "string" || !GUID_RE.test(v.trim())) throw bad();
      return v.trim().toLowerCase();
  }
}
