// The row-wise start of a pipeline — `T | where ... | extend ...`, a union of such legs, or a let
// name bound to one — computed once per table instead of once per evaluation. A scheduled rule
// runs the same query thousands of times over a week of rows; what these operators compute for a
// row never changes between runs, unless they read the clock. So:
//   - a `where` conjunct, `extend`, `project`, `project-away/keep/rename/reorder` that reads neither
//     the clock, a let name nor a subquery is applied once to every row of the table, and the rows
//     it keeps are indexed by their source row's event and arrival times (the view's "core");
//   - a conjunct that compares a column holding the source row's arrival or event time with an
//     expression free of row references (`ingestion_time() > ago(5m)`, `Ingested <= ago(1h)` after
//     `extend Ingested = ingestion_time()`, `TimeGenerated >= ago(1d)`) becomes a bound on that
//     index, applied per evaluation by binary search (where filters commute, and these columns hold
//     the source row's own times);
//   - the first operator that is neither ends the view; it and everything above it run per
//     evaluation.
// The result is the same rows, in the same order, as applying the operators to the rows the
// evaluation sees.
import type { Ctx, R, Scalar } from "./context";
import { compileScalar, asBool, ScalarScope } from "./scalar";
import { SNode, kindOf, typeOfNode, isRowFree } from "./syntax";
import type { Column, Table } from "./values";
import { RowSet, TimeBounds, TimeIndex } from "../tables";

/**
 * A row-wise step: a filter (keeps the rows it is true for; `reads` the columns it reads) or a
 * map (the row it makes of each row; `assigns` the columns an extend sets, or "all" for a
 * project, project-away or rename, which remake the row).
 */
export type Step =
  | { filter: Scalar; reads: ReadonlySet<string> }
  | { map: (row: R, ctx: Ctx) => R; assigns: ReadonlySet<string> | "all" };

/**
 * What a view computes once per table set: its source's rows, then one step per core down a chain.
 * `key` says what the core computes (the source and the text of each step), so queries that share a
 * start share its rows: the variants of a rule that the backtest re-runs with an allowlist entry,
 * and rules that filter a table the same way.
 */
export interface ViewCore {
  key: string;
  parent: ViewCore | null;
  /** The source (a chain's first core): a table, or a union of views. */
  source?: { table: string } | { union: View[]; sourceColumn: string | null; legNames: string[] };
  step?: Step;
  /** The step's source text. */
  text?: string;
}

export interface TimeBound { on: "tg" | "ing"; op: ">" | ">=" | "<" | "<="; bound: Scalar }

export interface View {
  core: ViewCore;
  /** Time comparisons applied per evaluation, on the source rows' times. */
  bounds: TimeBound[];
  columns: Column[];
  /** Columns holding the source row's TimeGenerated (event time), and its ingestion time. */
  tg: ReadonlySet<string>;
  ing: ReadonlySet<string>;
  /** ingestion_time() on the current row gives the source row's ingestion time. */
  ingestionExact: boolean;
}

/** The view of a table, unfiltered. */
export function tableView(table: string, columns: Column[]): View {
  const has = (name: string) => columns.some((c) => c.name === name && c.type === "datetime");
  return {
    core: { key: table, parent: null, source: { table } },
    bounds: [],
    columns,
    tg: new Set(has("TimeGenerated") ? ["TimeGenerated"] : []),
    ing: new Set(),
    ingestionExact: has("TimeGenerated") && has("_TimeReceived"),
  };
}

/** The view of a union of views without time bounds of their own: their rows one after the other. */
export function unionView(legs: View[], legNames: string[], sourceColumn: string | null, columns: Column[]): View {
  const names = new Set(columns.map((c) => c.name));
  const inAll = (pick: (v: View) => ReadonlySet<string>) => new Set([...pick(legs[0])].filter((x) => names.has(x) && x !== sourceColumn && legs.every((v) => pick(v).has(x))));
  const key = `union withsource=${sourceColumn ?? ""} (${legs.map((l, i) => `${legNames[i]}: ${l.core.key}`).join(") (")})`;
  return {
    core: { key, parent: null, source: { union: legs, sourceColumn, legNames } },
    bounds: [],
    columns,
    tg: inAll((v) => v.tg),
    ing: inAll((v) => v.ing),
    ingestionExact: legs.every((v) => v.ingestionExact) && sourceColumn !== "TimeGenerated" && sourceColumn !== "_TimeReceived",
  };
}

/**
 * The view extended with one more row-wise step, `text` saying what it computes (the operator's or
 * conjunct's source text). Its time bounds carry over: they test the source rows' times, which no
 * step changes. A filter goes before the extends just above it that set no column it reads (they
 * commute; an extend computed on fewer rows costs less, and makes fewer rows to keep).
 */
export function withStep(v: View, step: Step, text: string, next: Pick<View, "columns" | "tg" | "ing" | "ingestionExact">): View {
  let core: ViewCore;
  if ("filter" in step) {
    const passed: ViewCore[] = [];
    let at = v.core;
    while (at.step && "map" in at.step && at.step.assigns !== "all" && ![...step.reads].some((c) => (at.step as { assigns: ReadonlySet<string> }).assigns.has(c))) {
      passed.unshift(at);
      at = at.parent!;
    }
    core = chain(at, step, text);
    for (const m of passed) core = chain(core, m.step!, m.text!);
  } else {
    core = chain(v.core, step, text);
  }
  return { core, bounds: v.bounds, columns: next.columns, tg: next.tg, ing: next.ing, ingestionExact: next.ingestionExact };
}

function chain(parent: ViewCore, step: Step, text: string): ViewCore {
  return { key: `${parent.key}\n| ${text}`, parent, step, text };
}

const FLIP = { ">": "<", ">=": "<=", "<": ">", "<=": ">=" } as const;
const COMPARISONS: Record<string, TimeBound["op"]> = {
  GreaterThanExpression: ">", GreaterThanOrEqualExpression: ">=", LessThanExpression: "<", LessThanOrEqualExpression: "<=",
};

/**
 * `ingestion_time() > ago(5m)`, `TimeGenerated >= ago(1d)`, `Ingested <= ago(1h)` and mirrored
 * forms: a column (or ingestion_time()) holding a source time against a datetime free of row references.
 */
export function timeBound(c: SNode, v: View, s: ScalarScope): TimeBound | null {
  const op = COMPARISONS[kindOf(c)];
  if (!op) return null;
  const side = (x: SNode): "tg" | "ing" | null => {
    while (kindOf(x) === "ParenthesizedExpression") x = x.Expression;
    const k = kindOf(x);
    if (k === "FunctionCallExpression" && String(x.Name.SimpleName) === "ingestion_time") return v.ingestionExact ? "ing" : null;
    if (k === "NameReference") {
      const sym = x.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
      if (!sym || sym.Kind !== Kusto.Language.Symbols.SymbolKind.Column) return null;
      const name = String(x.SimpleName);
      return v.tg.has(name) ? "tg" : v.ing.has(name) ? "ing" : null;
    }
    return null;
  };
  const dated = (x: SNode) => typeOfNode(x) === "datetime" && isRowFree(x);
  const l = side(c.Left), r = side(c.Right);
  if (l && dated(c.Right)) return { on: l, op, bound: compileScalar(c.Right, { ...s, columns: null }) };
  if (r && dated(c.Left)) return { on: r, op: FLIP[op], bound: compileScalar(c.Left, { ...s, columns: null }) };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Running a view

/**
 * The rows of the view this evaluation sees: its core's rows (computed once per table set and
 * kept while they are used), cut by the evaluation's visibility and the view's time bounds.
 */
export function runView(v: View, ctx: Ctx): Table {
  const b: TimeBounds = { ...ctx.visible };
  for (const tb of v.bounds) {
    const x = tb.bound(null, ctx);
    if (!(x instanceof Date)) return { columns: v.columns, rows: [] };   // a null bound: the comparison is null for every row
    const t = x.getTime();
    const lo = tb.op === ">" ? t + 1 : tb.op === ">=" ? t : -Infinity;
    const hi = tb.op === "<" ? t - 1 : tb.op === "<=" ? t : Infinity;
    if (tb.on === "tg") { b.tgLo = Math.max(b.tgLo, lo); b.tgHi = Math.min(b.tgHi, hi); }
    else { b.ingLo = Math.max(b.ingLo, lo); b.ingHi = Math.min(b.ingHi, hi); }
  }
  // A time comparison is null (so false) on a row without that time: keep such rows out.
  const needsTg = v.bounds.some((x) => x.on === "tg"), needsIng = v.bounds.some((x) => x.on === "ing");
  const index = coreIndex(v.core, ctx);
  if (!index) return { columns: v.columns, rows: [] };
  return { columns: v.columns, rows: index.select(b, needsTg, needsIng) };
}

/** The core's rows, indexed; undefined when its table is not among the given ones. */
function coreIndex(core: ViewCore, ctx: Ctx): TimeIndex | undefined {
  const tables = ctx.tables;
  if (core.source && "table" in core.source) return tables.index(core.source.table);
  const cached = tables.viewCache.index(core.key);
  if (cached) return cached;
  const set = coreRows(core, ctx);
  if (!set) return undefined;
  const index = new TimeIndex(set);
  tables.viewCache.setIndex(core.key, index, madeRows(core));
  return index;
}

/** Whether the core's rows were made by a step of its chain (an extend or project), not the source's own. */
function madeRows(core: ViewCore): boolean {
  for (let c: ViewCore | null = core; c; c = c.parent) {
    if (c.step && "map" in c.step) return true;
    if (c.source && "union" in c.source) return !!c.source.sourceColumn;
  }
  return false;
}

/**
 * Every row of the core, in order, with its source row's times: each row taken from the nearest
 * core up the chain whose rows are kept, through the steps below it one row at a time. The rows
 * each filter keeps are kept too (a reference per row: the next query may branch off there, as the
 * backtest's allowlist variants do); the rows a map makes are kept only in the core asked for
 * (a row a later filter drops is not kept at all).
 */
function coreRows(core: ViewCore, ctx: Ctx): RowSet | undefined {
  const cache = ctx.tables.viewCache;
  const steps: ViewCore[] = [];
  let base: RowSet | undefined;
  for (let c: ViewCore = core; ; c = c.parent!) {
    const kept = c === core ? cache.index(c.key)?.set : cache.rows(c.key);
    if (kept) { base = kept; break; }
    if (c.source) { base = sourceRows(c, ctx); break; }
    steps.unshift(c);
  }
  if (!base || steps.length === 0) return base;
  const keeps = steps.map((c) => c === core || "filter" in c.step!);
  const outs = steps.map((_c, k) => (keeps[k] ? { rows: [] as R[], at: [] as number[] } : null));
  for (let i = 0; i < base.rows.length; i++) {
    let row: R = base.rows[i];
    let k = 0;
    for (; k < steps.length; k++) {
      const step = steps[k].step!;
      if ("filter" in step) { if (asBool(step.filter(row, ctx)) !== true) break; }
      else row = step.map(row, ctx);
      const out = outs[k];
      if (out) { out.rows.push(row); out.at.push(i); }
    }
  }
  let result: RowSet | undefined;
  steps.forEach((c, k) => {
    const out = outs[k];
    if (!out) return;
    const set: RowSet = { rows: out.rows, tg: Float64Array.from(out.at, (i) => base!.tg[i]), ing: Float64Array.from(out.at, (i) => base!.ing[i]) };
    if (c === core) result = set;
    else cache.setRows(c.key, set, madeRows(c));
  });
  return result;
}

/** The rows of a chain's first core: its table's, or its union legs' one after the other (kept). */
function sourceRows(core: ViewCore, ctx: Ctx): RowSet | undefined {
  const src = core.source!;
  if ("table" in src) return ctx.tables.index(src.table)?.set;
  const cache = ctx.tables.viewCache;
  const kept = cache.rows(core.key);
  if (kept) return kept;
  const legs = src.union.map((leg) => (leg.core.source ? sourceRows(leg.core, ctx) : coreRows(leg.core, ctx)));
  const n = legs.reduce((k, l) => k + (l?.rows.length ?? 0), 0);
  const out: RowSet = { rows: new Array(n), tg: new Float64Array(n), ing: new Float64Array(n) };
  let k = 0;
  legs.forEach((leg, j) => {
    if (!leg) return;
    const name = src.legNames[j];
    out.tg.set(leg.tg, k);
    out.ing.set(leg.ing, k);
    for (const r of leg.rows) out.rows[k++] = src.sourceColumn ? { ...r, [src.sourceColumn]: name } : r;
  });
  cache.setRows(core.key, out, madeRows(core) || src.union.some((l) => madeRows(l.core)));
  return out;
}
