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
import { SNode, kindOf, typeOfNode } from "./syntax";
import type { Column, Table } from "./values";
import { IndexedRow, TimeBounds, TimeIndex, WorkspaceTables } from "../tables";

/** A row-wise step: the row it makes of an input row, or null when it drops it. */
export type Step = (row: R, ctx: Ctx) => R | null;

/** What a view computes once per table set: the source rows, transformed row by row. */
export interface ViewCore {
  source: { table: string } | { union: View[]; sourceColumn: string | null; legNames: string[] };
  steps: Step[];
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
    core: { source: { table }, steps: [] },
    bounds: [],
    columns,
    tg: new Set(has("TimeGenerated") ? ["TimeGenerated"] : []),
    ing: new Set(),
    ingestionExact: has("TimeGenerated") && has("_TimeReceived"),
  };
}

/**
 * The view extended with one more row-wise step (a new core: its rows are computed apart). Its time
 * bounds carry over: they test the source rows' times, which no step changes.
 */
export function withStep(v: View, step: Step, next: Pick<View, "columns" | "tg" | "ing" | "ingestionExact">): View {
  return {
    core: { source: v.core.source, steps: [...v.core.steps, step] },
    bounds: v.bounds,
    columns: next.columns,
    tg: next.tg,
    ing: next.ing,
    ingestionExact: next.ingestionExact,
  };
}

const CLOCK_FUNCTIONS = new Set(["now", "ago"]);

/** True when the expression depends only on the row: no clock, no let name, no subquery. */
export function isRowWise(n: SNode): boolean {
  if (!n || n.IsToken) return true;
  const k = kindOf(n);
  if (k === "ToScalarExpression" || k === "MaterializeExpression") return false;
  if (k === "FunctionCallExpression" && CLOCK_FUNCTIONS.has(String(n.Name.SimpleName))) return false;
  if (k === "NameReference") {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    if (!sym || sym.Kind !== Kusto.Language.Symbols.SymbolKind.Column) return false;
  }
  if (k !== "NameReference" && k !== "FunctionCallExpression" && isTabularResult(n)) return false;
  for (let i = 0; i < n.ChildCount; i++) {
    const c = n.GetChild(i) as SNode | null;
    if (c && !c.IsToken && !isRowWise(c)) return false;
  }
  return true;
}

function isTabularResult(n: SNode): boolean {
  const rt = n.ResultType as Kusto.Language.Symbols.Symbol | null;
  return !!rt && rt.Kind === Kusto.Language.Symbols.SymbolKind.Table;
}

/** An expression without row references (evaluated once per evaluation, e.g. ago(1h), a let scalar). */
function isRowFree(n: SNode): boolean {
  if (!n || n.IsToken) return true;
  const k = kindOf(n);
  if (k === "ToScalarExpression" || k === "MaterializeExpression") return false;
  if (k === "FunctionCallExpression" && String(n.Name.SimpleName) === "ingestion_time") return false;
  if (k === "NameReference") {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    const SK = Kusto.Language.Symbols.SymbolKind;
    if (!sym || (sym.Kind !== SK.Function && sym.Kind !== SK.Variable)) return false;
  }
  if (k !== "NameReference" && k !== "FunctionCallExpression" && isTabularResult(n)) return false;
  for (let i = 0; i < n.ChildCount; i++) {
    const c = n.GetChild(i) as SNode | null;
    if (c && !c.IsToken && !isRowFree(c)) return false;
  }
  return true;
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

/** A where conjunct as a row-wise step. */
export function filterStep(f: Scalar): Step {
  return (row, ctx) => (asBool(f(row, ctx)) === true ? row : null);
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
  if ("table" in core.source && core.steps.length === 0) return tables.index(core.source.table);
  const cached = tables.viewCache.get(core);
  if (cached) return cached;
  const rows = coreRows(core, ctx);
  if (!rows) return undefined;
  const index = new TimeIndex(rows);
  tables.viewCache.set(core, index);
  return index;
}

/** Every row of the core, in order (seq renumbered), with its source row's times. */
function coreRows(core: ViewCore, ctx: Ctx): IndexedRow[] | undefined {
  const src = core.source;
  let input: IndexedRow[];
  if ("table" in src) {
    const ix = ctx.tables.index(src.table);
    if (!ix) return undefined;
    input = ix.inOrder();
  } else {
    // Legs are not kept apart: only the union's rows are.
    input = [];
    src.union.forEach((leg, i) => {
      const legRows = coreRows(leg.core, ctx);
      if (!legRows) return;
      const name = src.legNames[i];
      for (const ir of legRows) input.push(src.sourceColumn ? { ...ir, row: { ...ir.row, [src.sourceColumn]: name } } : ir);
    });
  }
  const steps = core.steps;
  if (steps.length === 0) return "table" in src ? input : input.map((ir, seq) => ({ ...ir, seq }));
  const out: IndexedRow[] = [];
  for (const ir of input) {
    let row: R | null = ir.row;
    for (let i = 0; i < steps.length && row; i++) row = steps[i](row, ctx);
    if (row) out.push({ row, seq: out.length, tg: ir.tg, ing: ir.ing });
  }
  return out;
}

/** True when every table the view reads is present (a missing table reads as empty). */
export function viewTables(v: View): string[] {
  const src = v.core.source;
  return "table" in src ? [src.table] : src.union.flatMap(viewTables);
}

export type { WorkspaceTables };
