// Tabular expressions and query operators, compiled once per query into functions over arrays of
// rows. Output schemas (column names, order, types) are taken from the analyser's ResultType of each
// operator: it already implements Kusto's naming rules (count_, sum_x, Column1, Key1 for join
// duplicates, arg_max expansion, union column merging), so the evaluator only computes values.
//
// Rows are plain objects keyed by column name. A row may lack a column of its schema (an input row
// keeps only the columns the queries read, kusto/tables.ts): a missing value reads as the type's
// null, and the final result is filled in (kusto/evaluate.ts). A row never holds a column its
// schema does not have.
import type { Ctx, R, Scalar, Tabular } from "./context";
import { compileScalar, asBool, ScalarScope } from "./scalar";
import { AGGREGATES, TUPLE_AGGREGATES, compileAggregator, Aggregator } from "./aggregates";
import {
  SNode, kindOf, listOf, namedParameters, schemaOf, symbolColumns, typeOfNode, unsupported, literalOf, KqlQueryError, textOf, isRowWise, columnsReadBy,
} from "./syntax";
import { Column, KType, Table, Value, convert, compareValues, keyOf, nullOf, toKString, isBag, Dyn, Timespan, rowTemplate } from "./values";
import { View, tableView, unionView, withStep, timeBound, runView } from "./prefix";
import { tableSchemas } from "../language";
import { toKType } from "./syntax";

/** A compiled tabular expression: its schema, how to run it, and its row-wise view when it has one. */
export interface Compiled {
  columns: Column[];
  run: Tabular;
  view?: View;
  /** An extend (or several in a row) over `base`, run per evaluation. */
  extended?: { base: Compiled; parts: ExtendPart[] };
}

/** The query being compiled: its let names, and what each tabular let compiled to (so far). */
export interface QueryScope {
  letNames: ReadonlySet<string>;
  lets: Map<string, Compiled>;
}

/** An operator over its input's rows. */
type Operator = (input: Table, ctx: Ctx) => Table;

/** Fit a computed value into a column of type t (strings are never null; numbers follow the column's type). */
export function fit(v: Value, t: KType): Value {
  if (v === null || v === undefined) return nullOf(t);
  switch (t) {
    case "string": return typeof v === "string" ? v : toKString(v);
    case "dynamic": return v;
    case "int": case "long": return typeof v === "number" ? (t === "int" ? v | 0 : Math.trunc(v)) : convert(v, t);
    case "real": case "decimal": return typeof v === "number" ? v : convert(v, t);
    case "datetime": return v instanceof Date ? v : convert(v, t);
    case "timespan": return v instanceof Timespan ? v : convert(v, t);
    case "bool": return typeof v === "boolean" ? v : convert(v, t);
    case "guid": return convert(v, t);
  }
}

export function scalarScope(columns: Column[] | null, q: QueryScope, aggregates = false): ScalarScope {
  return { columns, letNames: q.letNames, tabular: (n) => compileTabular(n, q).run, aggregates };
}

function expectSchema(op: SNode, cols: Column[], expected: number): void {
  if (cols.length !== expected) {
    throw new KqlQueryError(`internal: ${kindOf(op)} schema has ${cols.length} columns, evaluator expected ${expected}`);
  }
}

/** Named expression parts: `name = expr` or a bare expression. */
function named(e: SNode): { name: string | null; expr: SNode } {
  const k = kindOf(e);
  if (k === "SimpleNamedExpression") return { name: String(e.Name.SimpleName), expr: e.Expression };
  if (k === "CompoundNamedExpression") throw unsupported(e, "tuple assignment (a, b) = ...");
  return { name: null, expr: e };
}

/** The column name Kusto gives an unnamed expression (column references keep their name, a.b -> a_b, ...), or null. */
function resultName(e: SNode): string | null {
  const n = (Kusto.Language as any).KustoFacts.GetExpressionResultName(e, null, null);
  return n ? String(n) : null;
}

/** A row's value of a column, its type's null when the row lacks it. */
const valueOf = (r: R, name: string, t: KType): Value => { const v = r[name]; return v === undefined ? nullOf(t) : v; };

/** Makes rows with exactly the given columns from a row, missing ones filled with their type's null. */
function picker(cols: Column[]): (r: R) => R {
  const template = rowTemplate(cols);
  return (r) => {
    const o: R = { ...template };
    for (const c of cols) o[c.name] = valueOf(r, c.name, c.type);
    return o;
  };
}



// ---------------------------------------------------------------------------------------------

export function compileTabular(n: SNode, q: QueryScope): Compiled {
  switch (kindOf(n)) {
    case "ParenthesizedExpression": return compileTabular(n.Expression, q);
    case "MaterializeExpression": return compileTabular(n.Expression, q);
    case "NameReference": {
      const name = String(n.SimpleName);
      const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
      const SK = Kusto.Language.Symbols.SymbolKind;
      if (sym && sym.Kind === SK.Table) {
        const schema = tableSchemas().get(name);
        if (!schema) throw unsupported(n, `table '${name}' without a schema`);
        const view = tableView(name, schema.columns.map((c) => ({ name: c.name, type: toKType(c.type) })));
        return { columns: view.columns, run: (ctx) => runView(view, ctx), view };
      }
      if (sym && sym.Kind === SK.Variable) {
        const bound = q.lets.get(name);
        if (bound?.view) return bound;
        if (bound) {
          return {
            columns: bound.columns,
            run: (ctx) => {
              const b = ctx.vars.get(name);
              if (!b || b.kind !== "table") throw unsupported(n, `tabular reference '${name}'`);
              return b.table;
            },
          };
        }
      }
      throw unsupported(n, `tabular reference '${name}'`);
    }
    case "PipeExpression": {
      const input = compileTabular(n.Expression, q);
      const op = n.Operator as SNode;
      if (input.view) {
        const folded = fold(op, input.view, q);
        if (folded) return folded;
      }
      if (kindOf(op) === "ExtendOperator") return extendRows(input, extend(op, input.columns, q));
      if (kindOf(op) === "SummarizeOperator" && input.extended) {
        // The extends' columns computed row by row into the summarize, without copying the rows.
        const fused = summarize(op, input.columns, q, input.extended.parts);
        const baseRun = input.extended.base.run;
        if (fused) return { columns: schemaOf(op), run: (ctx) => fused(baseRun(ctx), ctx) };
      }
      const apply = compileOperator(op, input.columns, q);
      const inputRun = input.run;
      return { columns: schemaOf(op), run: (ctx) => apply(inputRun(ctx), ctx) };
    }
    case "DataTableExpression": return datatable(n, q);
    case "UnionOperator": return union(n, null, q);
    case "PrintOperator": return print(n, q);
    default: throw unsupported(n);
  }
}

function compileOperator(op: SNode, inputColumns: Column[], q: QueryScope): Operator {
  const rowScope = scalarScope(inputColumns, q);
  switch (kindOf(op)) {
    case "FilterOperator": {
      if (listOf(op.Parameters).length) throw unsupported(op, "where with parameters");
      const f = compileScalar(op.Condition, rowScope);
      return (input, ctx) => ({ columns: input.columns, rows: input.rows.filter((r) => asBool(f(r, ctx)) === true) });
    }
    case "ProjectOperator": {
      const p = project(op, inputColumns, q);
      return (input, ctx) => ({ columns: p.columns, rows: input.rows.map((r) => p.row(r, ctx)) });
    }
    case "ProjectAwayOperator": case "ProjectKeepOperator": case "ProjectReorderOperator": {
      const cols = schemaOf(op);
      const pick = picker(cols);
      return (input) => ({ columns: cols, rows: input.rows.map(pick) });
    }
    case "ProjectRenameOperator": {
      const p = projectRename(op, inputColumns);
      return (input) => ({ columns: p.columns, rows: input.rows.map(p.row) });
    }
    case "SummarizeOperator": return summarize(op, inputColumns, q)!;
    case "JoinOperator": return join(op, inputColumns, q);
    case "LookupOperator": return lookup(op, inputColumns, q);
    case "UnionOperator": {
      const u = union(op, inputColumns, q);
      return (input, ctx) => u.runWith!(input, ctx);
    }
    case "DistinctOperator": return distinct(op);
    case "TopOperator": {
      const sort = sortRows([op.ByExpression], rowScope);
      const n = rowCount(op.Expression, q);
      return (input, ctx) => ({ columns: input.columns, rows: sort(input.rows, ctx).slice(0, n(ctx)) });
    }
    case "SortOperator": {
      const sort = sortRows(listOf(op.Expressions), rowScope);
      return (input, ctx) => ({ columns: input.columns, rows: sort(input.rows, ctx) });
    }
    case "TakeOperator": {
      const n = rowCount(op.Expression, q);
      return (input, ctx) => ({ columns: input.columns, rows: input.rows.slice(0, n(ctx)) });
    }
    case "CountOperator": {
      const cols = schemaOf(op);
      return (input) => ({ columns: cols, rows: [{ [cols[0].name]: input.rows.length }] });
    }
    case "MvExpandOperator": return mvExpand(op, inputColumns, q);
    default: throw unsupported(op);
  }
}

function rowCount(n: SNode, q: QueryScope): (ctx: Ctx) => number {
  const f = compileScalar(n, scalarScope(null, q));
  return (ctx) => {
    const v = f(null, ctx);
    if (typeof v !== "number") throw new KqlQueryError(`row count must be a number at ${textOf(n)}`);
    return Math.max(0, Math.trunc(v));
  };
}

// ---------------------------------------------------------------------------------------------
// Row-wise operators folded into a view (prefix.ts)

function fold(op: SNode, v: View, q: QueryScope): Compiled | null {
  const k = kindOf(op);
  const done = (view: View): Compiled => ({ columns: view.columns, run: (ctx) => runView(view, ctx), view });
  const rowScope = scalarScope(v.columns, q);
  if (k === "FilterOperator") {
    if (listOf(op.Parameters).length) return null;
    let view = v;
    const rest: SNode[] = [];
    for (const c of conjunctsOf(op.Condition)) {
      const b = timeBound(c, view, scalarScope(null, q));
      if (b) view = { ...view, bounds: [...view.bounds, b] };
      else if (isRowWise(c)) view = withStep(view, { filter: compileScalar(c, rowScope), reads: columnsReadBy(c) }, `where ${textOf(c)}`, view);
      else rest.push(c);
    }
    if (view === v) return null;
    if (rest.length === 0) return done(view);
    // Conjuncts that read the clock or a let run per evaluation, over the view's rows (where filters commute).
    const fs = rest.map((c) => compileScalar(c, rowScope));
    const base = view;
    return {
      columns: base.columns,
      run: (ctx) => {
        const t = runView(base, ctx);
        return { columns: t.columns, rows: t.rows.filter((r) => fs.every((f) => asBool(f(r, ctx)) === true)) };
      },
    };
  }
  if (k === "ExtendOperator") {
    const exprs = listOf(op.Expressions);
    if (!exprs.every(isRowWise)) return null;
    const e = extend(op, v.columns, q);
    const tg = new Set(v.tg), ing = new Set(v.ing);
    let exact = v.ingestionExact;
    for (const { target, expr } of e.assignments) {
      const from = aliasOf(expr, { tg, ing, ingestionExact: exact });
      tg.delete(target); ing.delete(target);
      if (from === "tg") tg.add(target);
      if (from === "ing") ing.add(target);
      if (target === "TimeGenerated" || target === "_TimeReceived") exact = false;
    }
    return done(withStep(v, { map: e.row, assigns: new Set(e.assignments.map((a) => a.target)) }, textOf(op), { columns: e.columns, tg, ing, ingestionExact: exact }));
  }
  if (k === "ProjectOperator") {
    const exprs = listOf(op.Expressions);
    if (!exprs.every(isRowWise)) return null;
    const p = project(op, v.columns, q);
    const tg = new Set<string>(), ing = new Set<string>();
    p.assignments.forEach(({ target, expr }) => {
      const from = aliasOf(expr, v);
      if (from === "tg") tg.add(target);
      if (from === "ing") ing.add(target);
    });
    // ingestion_time() reads the row's _TimeReceived, else its TimeGenerated: both must still be the source's.
    const same = (name: string) => p.assignments.some((a) => a.target === name && kindOf(a.expr) === "NameReference" && String(a.expr.SimpleName) === name);
    const exact = v.ingestionExact && same("TimeGenerated") && same("_TimeReceived");
    return done(withStep(v, { map: p.row, assigns: "all" }, textOf(op), { columns: p.columns, tg, ing, ingestionExact: exact }));
  }
  if (k === "ProjectAwayOperator" || k === "ProjectKeepOperator" || k === "ProjectReorderOperator") {
    const cols = schemaOf(op);
    const kept = new Set(cols.map((c) => c.name));
    const exact = v.ingestionExact && kept.has("TimeGenerated") && kept.has("_TimeReceived");
    return done(withStep(v, { map: picker(cols), assigns: "all" }, textOf(op), {
      columns: cols, tg: new Set([...v.tg].filter((x) => kept.has(x))), ing: new Set([...v.ing].filter((x) => kept.has(x))), ingestionExact: exact,
    }));
  }
  if (k === "ProjectRenameOperator") {
    const p = projectRename(op, v.columns);
    const rename = (s: ReadonlySet<string>) => new Set([...s].map((x) => p.renames.get(x) ?? x));
    const touched = [...p.renames.keys(), ...p.renames.values()];
    const exact = v.ingestionExact && !touched.includes("TimeGenerated") && !touched.includes("_TimeReceived");
    return done(withStep(v, { map: p.row, assigns: "all" }, textOf(op), { columns: p.columns, tg: rename(v.tg), ing: rename(v.ing), ingestionExact: exact }));
  }
  if (k === "UnionOperator") {
    const u = union(op, v.columns, q, v);
    return u.view ? u : null;
  }
  return null;
}

/** Whether an expression is a copy of the source's event time ("tg") or arrival time ("ing"). */
function aliasOf(expr: SNode, v: Pick<View, "tg" | "ing" | "ingestionExact">): "tg" | "ing" | null {
  while (kindOf(expr) === "ParenthesizedExpression") expr = expr.Expression;
  const k = kindOf(expr);
  if (k === "NameReference") {
    const sym = expr.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    if (!sym || sym.Kind !== Kusto.Language.Symbols.SymbolKind.Column) return null;
    const name = String(expr.SimpleName);
    return v.tg.has(name) ? "tg" : v.ing.has(name) ? "ing" : null;
  }
  if (k === "FunctionCallExpression" && String(expr.Name.SimpleName) === "ingestion_time" && v.ingestionExact) return "ing";
  return null;
}

function conjunctsOf(c: SNode): SNode[] {
  const k = kindOf(c);
  if (k === "AndExpression") return [...conjunctsOf(c.Left), ...conjunctsOf(c.Right)];
  if (k === "ParenthesizedExpression") {
    const inner = conjunctsOf(c.Expression);
    return inner.length > 1 ? inner : [c];
  }
  return [c];
}

// ---------------------------------------------------------------------------------------------
// extend, project, project-rename

interface RowMap { columns: Column[]; row: (r: R, ctx: Ctx) => R; assignments: { target: string; expr: SNode }[] }
type ExtendPart = { target: string; type: KType; f: Scalar; expr: SNode; columns: Column[] };

/**
 * An extend run per evaluation. Consecutive extends make one copy of each row: each one's
 * expressions see the columns the earlier ones assigned, as they would in copies of their own.
 */
function extendRows(input: Compiled, e: RowMap & { parts: ExtendPart[] }): Compiled {
  const base = input.extended?.base ?? input;
  const parts = [...(input.extended?.parts ?? []), ...e.parts];
  const baseRun = base.run;
  return {
    columns: e.columns,
    run: (ctx) => {
      const t = baseRun(ctx);
      return {
        columns: e.columns,
        rows: t.rows.map((r) => {
          const o: R = { ...r };
          for (const p of parts) o[p.target] = fit(p.f(o, ctx), p.type);
          return o;
        }),
      };
    },
    extended: { base, parts },
  };
}

function extend(op: SNode, inputColumns: Column[], q: QueryScope): RowMap & { parts: ExtendPart[] } {
  const cols = schemaOf(op);
  const exprs = listOf(op.Expressions).map(named);
  const inputNames = new Set(inputColumns.map((c) => c.name));
  const explicit = new Set(exprs.map((e) => e.name ?? resultName(e.expr)).filter((x): x is string => !!x));
  // Unnamed, unnameable expressions get generated names (Column1, ...): the new schema columns nobody claimed.
  const generated = cols.map((c) => c.name).filter((c) => !inputNames.has(c) && !explicit.has(c));
  const targets = exprs.map((e) => e.name ?? resultName(e.expr) ?? generated.shift() ?? null);
  if (targets.some((t) => t === null)) throw new KqlQueryError("internal: could not name an extend column");
  const typeOf = new Map(cols.map((c) => [c.name, c.type]));
  // Later expressions of one extend see the columns defined by earlier ones: each is compiled
  // against the output schema (a column not yet assigned reads from the input row).
  const scope = scalarScope(cols, q);
  const parts: ExtendPart[] = exprs.map((e, i) => ({ target: targets[i]!, type: typeOf.get(targets[i]!) ?? typeOfNode(e.expr), f: compileScalar(e.expr, scope), expr: e.expr, columns: cols }));
  const row = (r: R, ctx: Ctx): R => {
    const o: R = { ...r };
    for (const p of parts) o[p.target] = fit(p.f(o, ctx), p.type);
    return o;
  };
  return { columns: cols, row, parts, assignments: parts.map((p, i) => ({ target: p.target, expr: exprs[i].expr })) };
}

function project(op: SNode, inputColumns: Column[], q: QueryScope): RowMap {
  const cols = schemaOf(op);
  const exprs = listOf(op.Expressions).map(named);
  for (const e of exprs) if (kindOf(e.expr) === "NameReference" && kindOf(e.expr.Name) === "WildcardedName") throw unsupported(e.expr, "wildcard in project");
  expectSchema(op, cols, exprs.length);
  const scope = scalarScope(inputColumns, q);
  const parts = exprs.map((e, i) => ({ name: cols[i].name, type: cols[i].type, f: compileScalar(e.expr, scope) }));
  const template = rowTemplate(cols);
  const row = (r: R, ctx: Ctx): R => {
    const o: R = { ...template };
    for (const p of parts) o[p.name] = fit(p.f(r, ctx), p.type);
    return o;
  };
  return { columns: cols, row, assignments: parts.map((p, i) => ({ target: p.name, expr: exprs[i].expr })) };
}

function projectRename(op: SNode, inputColumns: Column[]): { columns: Column[]; row: (r: R) => R; renames: Map<string, string> } {
  const cols = schemaOf(op);
  const renames = new Map<string, string>();   // old -> new
  for (const e of listOf(op.Expressions)) {
    if (kindOf(e) !== "SimpleNamedExpression" || kindOf(e.Expression) !== "NameReference") throw unsupported(e, "project-rename form");
    renames.set(String(e.Expression.SimpleName), String(e.Name.SimpleName));
  }
  const outTypes = new Map(cols.map((c) => [c.name, c.type]));
  const moves = inputColumns.map((c) => ({ from: c.name, to: renames.get(c.name) ?? c.name })).filter((m) => outTypes.has(m.to)).map((m) => ({ ...m, type: outTypes.get(m.to)! }));
  const template = rowTemplate(cols);
  const row = (r: R): R => {
    const o: R = { ...template };
    for (const m of moves) o[m.to] = valueOf(r, m.from, m.type);
    return o;
  };
  return { columns: cols, row, renames };
}

// ---------------------------------------------------------------------------------------------
// summarize (kusto/query/summarize-operator.md)

/**
 * summarize over `inputColumns`. With `fused`, the extends that made the input: the summarize reads
 * their rows' input instead, computing the extended columns of each row into slots (no row copy).
 * Only for a summarize that keeps no row (every aggregate an aggregate call of its own, no *), and
 * extends that leave TimeGenerated and _TimeReceived (read by ingestion_time()) alone; else null.
 */
function summarize(op: SNode, inputColumns: Column[], q: QueryScope, fused?: ExtendPart[]): Operator | null {
  if (listOf(op.Parameters).length) throw unsupported(op, "summarize parameters");
  const cols = schemaOf(op);
  const bys = op.ByClause ? listOf(op.ByClause.Expressions).map(named) : [];
  const aggs = listOf(op.Aggregates).map(named);
  const isTuple = (e: SNode) => kindOf(e) === "FunctionCallExpression" && e.ResultType?.Kind === Kusto.Language.Symbols.SymbolKind.Tuple;
  const standalone = (e: SNode) => kindOf(e) === "FunctionCallExpression" && !isTuple(e) && AGGREGATES.has(String(e.Name.SimpleName))
    && !listOf(e.ArgumentList.Expressions).some((a) => kindOf(a) === "StarExpression");
  if (fused && (!aggs.every((a) => standalone(a.expr)) || fused.some((p) => p.target === "TimeGenerated" || p.target === "_TimeReceived"))) return null;

  // Output columns: one per by-expression, then per aggregate one column, or one per tuple element.
  const aggWidths = aggs.map((a) => (isTuple(a.expr) ? symbolColumns(a.expr.ResultType).length : 1));
  expectSchema(op, cols, bys.length + aggWidths.reduce((x, y) => x + y, 0));

  // Fused extends: each part reads the slots of the parts before it, as an extend's expressions
  // see the columns assigned before them.
  const slots = new Map<string, Scalar>();
  const values: Value[] = [];
  const partFns = (fused ?? []).map((p, j) => {
    const f = compileScalar(p.expr, { ...scalarScope(p.columns, q), slots: new Map(slots) });
    slots.set(p.target, () => values[j]);
    return { f, type: p.type };
  });
  const rowScope: ScalarScope = { ...scalarScope(inputColumns, q), slots };
  const groupScope: ScalarScope = { ...scalarScope(inputColumns, q, true), slots };
  const byFns = bys.map((b) => compileScalar(b.expr, rowScope));
  const byTypes = bys.map((_b, i) => cols[i].type);
  const byNames = bys.map((_b, i) => cols[i].name);
  // Group keys: the values themselves where equal values are equal keys (a Map compares numbers,
  // strings and booleans by value; NaN with NaN, -0 with 0), else keyOf().
  const rawKey = byTypes.map((t): ((v: Value) => unknown) =>
    t === "dynamic" ? keyOf : t === "datetime" ? (v) => (v === null ? null : (v as Date).getTime()) : t === "timespan" ? (v) => (v === null ? null : (v as Timespan).ms) : (v) => v);

  // Each aggregate fills its output columns of a group's row: fed row by row (its state kept in
  // the group), or (an expression over aggregates) computed from the group's rows at the end.
  type Agg = { agg: Aggregator; fill: (state: unknown, o: R, ctx: Ctx) => void } | { fromRows: (rows: R[], o: R, ctx: Ctx) => void };
  let c = bys.length;
  const aggFns = aggs.map((a, j): Agg => {
    const slice = cols.slice(c, c + aggWidths[j]);
    c += aggWidths[j];
    if (isTuple(a.expr)) return tupleAggregate(a.expr, slice, rowScope);
    const { name, type } = slice[0];
    if (kindOf(a.expr) === "FunctionCallExpression") {
      const fname = String(a.expr.Name.SimpleName);
      const agg = AGGREGATES.has(fname) ? compileAggregator(fname, a.expr, listOf(a.expr.ArgumentList.Expressions), groupScope) : null;
      if (agg) return { agg, fill: (state, o) => { o[name] = fit(agg.result(state), type); } };
    }
    const f = compileScalar(a.expr, groupScope);
    return {
      fromRows: (rows, o, ctx) => {
        const saved = ctx.group;
        ctx.group = rows;
        try { o[name] = fit(f(rows[0] ?? null, ctx), type); } finally { ctx.group = saved; }
      },
    };
  });
  const streamed = aggFns.map((a) => ("agg" in a ? a.agg : null));
  const keepRows = aggFns.some((a) => "fromRows" in a);
  const template = rowTemplate(cols);

  interface Group { keys: Value[]; states: unknown[]; rows: R[] }
  return (input, ctx) => {
    const groups: Group[] = [];
    const index = new Map<unknown, unknown>();
    const newGroup = (keys: Value[]): Group => {
      const g: Group = { keys, states: streamed.map((a) => a?.init), rows: [] };
      groups.push(g);
      return g;
    };
    const nk = byFns.length;
    const keys = new Array<Value>(nk);
    for (const r of input.rows) {
      for (let j = 0; j < partFns.length; j++) values[j] = fit(partFns[j].f(r, ctx), partFns[j].type);
      let level = index;
      let g: Group | undefined = nk === 0 ? groups[0] ?? newGroup([]) : undefined;
      for (let i = 0; i < nk; i++) {
        const v = fit(byFns[i](r, ctx), byTypes[i]);
        keys[i] = v;
        const k = rawKey[i](v);
        if (i === nk - 1) {
          g = level.get(k) as Group | undefined;
          if (!g) { g = newGroup(keys.slice()); level.set(k, g); }
        } else {
          let next = level.get(k) as Map<unknown, unknown> | undefined;
          if (!next) level.set(k, (next = new Map()));
          level = next;
        }
      }
      const states = g!.states;
      for (let j = 0; j < streamed.length; j++) { const a = streamed[j]; if (a) states[j] = a.add(states[j], r, ctx); }
      if (keepRows) g!.rows.push(r);
    }
    // No by-clause: exactly one output row, even for empty input (aggregates then take their defaults).
    if (nk === 0 && groups.length === 0) newGroup([]);
    const rows: R[] = [];
    for (const g of groups) {
      const o: R = { ...template };
      for (let i = 0; i < nk; i++) o[byNames[i]] = g.keys[i];
      aggFns.forEach((a, j) => { if ("fromRows" in a) a.fromRows(g.rows, o, ctx); else a.fill(g.states[j], o, ctx); });
      rows.push(o);
    }
    return { columns: cols, rows };
  };
}

/** arg_max / arg_min / take_any with several outputs: pick one row, then read the requested columns from it. */
function tupleAggregate(call: SNode, out: Column[], rowScope: ScalarScope): { agg: Aggregator; fill: (state: unknown, o: R, ctx: Ctx) => void } {
  const name = String(call.Name.SimpleName);
  const argNodes = listOf(call.ArgumentList.Expressions);
  const elems = symbolColumns(call.ResultType);
  const star = argNodes.some((a) => kindOf(a) === "StarExpression");
  if (!TUPLE_AGGREGATES.has(name) && name !== "take_any" && name !== "any") throw unsupported(call, `aggregate '${name}' returning several columns`);
  if (star && !(argNodes.length === 2 && kindOf(argNodes[1]) === "StarExpression") && !(argNodes.length === 1 && kindOf(argNodes[0]) === "StarExpression")) {
    throw unsupported(call, `${name} mixing * with other columns`);
  }
  const args = argNodes.map((a) => (kindOf(a) === "StarExpression" ? null : compileScalar(a, rowScope)));
  const maximize = TUPLE_AGGREGATES.has(name);
  const sign = name === "arg_max" ? 1 : -1;
  const by = args[0];
  // Per output column: how to read it from the chosen row.
  const readers = out.map((_col, i): ((r: R, ctx: Ctx) => Value) => {
    if (!star) return (r, ctx) => args[i]!(r, ctx);
    if (maximize && i === 0) return (r, ctx) => by!(r, ctx);
    const elem = elems[i].name;
    return (r) => r[elem] ?? null;
  });
  type State = { chosen: R; best: Value };
  const agg: Aggregator = {
    init: null,
    add: (state, r, ctx) => {
      if (!maximize) return state ?? { chosen: r, best: null };
      // arg-max-aggregation-function.md: nulls in the maximized expression are skipped; if all are null, a row is still returned.
      const v = by!(r, ctx);
      const st = (state as State | null) ?? { chosen: r, best: null };
      if (v !== null && (st.best === null || sign * compareValues(v, st.best) > 0)) { st.best = v; st.chosen = r; }
      return st;
    },
    result: () => null,
  };
  return {
    agg,
    fill: (state, o, ctx) => {
      const chosen = (state as State | null)?.chosen ?? null;
      out.forEach((col, i) => { o[col.name] = fit(chosen ? readers[i](chosen, ctx) : null, col.type); });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// join / lookup (kusto/query/join-operator.md and join-<kind>.md, lookup-operator.md)

interface JoinKey { left: string; right: string }

function joinKeys(clause: SNode): JoinKey[] {
  if (kindOf(clause) !== "JoinOnClause") throw unsupported(clause, kindOf(clause) === "JoinWhereClause" ? "join ... where" : undefined);
  const keys: JoinKey[] = [];
  const side = (p: SNode): { side: string; col: string } | null => {
    if (kindOf(p) !== "PathExpression") return null;
    const s = textOf(p.Expression);
    return s === "$left" || s === "$right" ? { side: s, col: String(p.Selector.SimpleName) } : null;
  };
  const visit = (e: SNode): void => {
    const k = kindOf(e);
    if (k === "NameReference") { keys.push({ left: String(e.SimpleName), right: String(e.SimpleName) }); return; }
    if (k === "AndExpression") { visit(e.Left); visit(e.Right); return; }
    if (k === "ParenthesizedExpression") { visit(e.Expression); return; }
    if (k === "EqualExpression") {
      const a = side(e.Left), b = side(e.Right);
      if (a && b && a.side !== b.side) {
        keys.push(a.side === "$left" ? { left: a.col, right: b.col } : { left: b.col, right: a.col });
        return;
      }
    }
    throw unsupported(e, "join condition (only Col and $left.A == $right.B are supported)");
  };
  for (const e of listOf(clause.Expressions)) visit(e);
  return keys;
}

/** Join key of a row over key columns (name and type); null when a key value is null (null keys match nothing here). */
function keyer(cols: Column[]): (r: R) => string | null {
  return (r) => {
    let key = "";
    for (let i = 0; i < cols.length; i++) {
      const v = valueOf(r, cols[i].name, cols[i].type);
      if (v === null) return null;
      // int/long/real keys compare by value; tag numbers the same way whatever their column type.
      key = i === 0 ? keyOf(v) : key + "\u0001" + keyOf(v);
    }
    return key;
  };
}

function index(rows: R[], key: (r: R) => string | null): Map<string, R[]> {
  const m = new Map<string, R[]>();
  for (const r of rows) {
    const k = key(r);
    if (k === null) continue;
    const list = m.get(k);
    if (list) list.push(r); else m.set(k, [r]);
  }
  return m;
}

function joinKind(op: SNode, dflt: string): string {
  const p = namedParameters(op.Parameters);
  for (const key of p.keys()) if (key !== "kind" && !key.startsWith("hint.")) throw unsupported(op, `${kindOf(op)} parameter '${key}'`);
  const k = p.get("kind");
  return k ? String(literalOf(k) ?? textOf(k)).toLowerCase() : dflt;
}

const columnsNamed = (cols: Column[], names: string[], op: SNode): Column[] => names.map((n) => {
  const c = cols.find((x) => x.name === n);
  if (!c) throw new KqlQueryError(`internal: join key '${n}' not in the ${kindOf(op)} input at ${textOf(op).slice(0, 40)}`);
  return c;
});

function join(op: SNode, leftColumns: Column[], q: QueryScope): Operator {
  const kind = joinKind(op, "innerunique");
  const rightC = compileTabular(op.Expression, q);
  const keys = joinKeys(op.ConditionClause);
  const leftKey = keyer(columnsNamed(leftColumns, keys.map((k) => k.left), op));
  const rightKey = keyer(columnsNamed(rightC.columns, keys.map((k) => k.right), op));
  const cols = schemaOf(op);
  const rightColumns = rightC.columns;

  if (kind === "leftsemi" || kind === "leftanti" || kind === "anti" || kind === "leftantisemi") {
    const semi = kind === "leftsemi";
    expectSchema(op, cols, leftColumns.length);
    const renamed = renamer(leftColumns, cols);
    return (left, ctx) => {
      const byRight = index(rightC.run(ctx).rows, rightKey);
      const rows = left.rows.filter((r) => { const k = leftKey(r); return (k !== null && byRight.has(k)) === semi; });
      return { columns: cols, rows: rows.map(renamed) };
    };
  }
  if (kind === "rightsemi" || kind === "rightanti" || kind === "rightantisemi") {
    const semi = kind === "rightsemi";
    expectSchema(op, cols, rightColumns.length);
    const renamed = renamer(rightColumns, cols);
    return (left, ctx) => {
      const right = rightC.run(ctx);
      const byLeft = index(left.rows, leftKey);
      const rows = right.rows.filter((r) => { const k = rightKey(r); return (k !== null && byLeft.has(k)) === semi; });
      return { columns: cols, rows: rows.map(renamed) };
    };
  }
  if (!["inner", "innerunique", "leftouter", "rightouter", "fullouter"].includes(kind)) throw unsupported(op, `join kind=${kind}`);
  expectSchema(op, cols, leftColumns.length + rightColumns.length);
  const leftMoves = leftColumns.map((c, i) => ({ from: c.name, to: cols[i].name, type: cols[i].type }));
  const rightMoves = rightColumns.map((c, j) => ({ from: c.name, to: cols[leftColumns.length + j].name, type: cols[leftColumns.length + j].type }));
  const template = rowTemplate(cols);
  const combine = (l: R | null, r: R | null): R => {
    const o: R = { ...template };
    for (const m of leftMoves) o[m.to] = l ? valueOf(l, m.from, m.type) : nullOf(m.type);
    for (const m of rightMoves) o[m.to] = r ? valueOf(r, m.from, m.type) : nullOf(m.type);
    return o;
  };
  return (left, ctx) => {
    const right = rightC.run(ctx);
    const byRight = index(right.rows, rightKey);
    let leftRows = left.rows;
    if (kind === "innerunique") {
      // innerunique dedupes the left side on the join key, keeping the first row (join-innerunique.md).
      const seen = new Set<string>();
      leftRows = leftRows.filter((r) => { const k = leftKey(r); if (k === null) return true; if (seen.has(k)) return false; seen.add(k); return true; });
    }
    const rows: R[] = [];
    const matchedRight = new Set<R>();
    for (const l of leftRows) {
      const k = leftKey(l);
      const matches = k === null ? undefined : byRight.get(k);
      if (matches) for (const r of matches) { rows.push(combine(l, r)); matchedRight.add(r); }
      else if (kind === "leftouter" || kind === "fullouter") rows.push(combine(l, null));
    }
    if (kind === "rightouter" || kind === "fullouter") {
      for (const r of right.rows) if (!matchedRight.has(r)) rows.push(combine(null, r));
    }
    return { columns: cols, rows };
  };
}

function renamer(from: Column[], to: Column[]): (r: R) => R {
  const moves = from.map((c, i) => ({ from: c.name, to: to[i].name, type: to[i].type }));
  if (moves.every((m) => m.from === m.to)) return (r) => r;
  const template = rowTemplate(to);
  return (r) => {
    const o: R = { ...template };
    for (const m of moves) o[m.to] = valueOf(r, m.from, m.type);
    return o;
  };
}

function lookup(op: SNode, leftColumns: Column[], q: QueryScope): Operator {
  const kind = joinKind(op, "leftouter");
  if (kind !== "leftouter" && kind !== "inner") throw unsupported(op, `lookup kind=${kind}`);
  const rightC = compileTabular(op.Expression, q);
  const keys = joinKeys(op.LookupClause);
  const rk = keys.map((k) => k.right);
  const leftKey = keyer(columnsNamed(leftColumns, keys.map((k) => k.left), op));
  const rightKey = keyer(columnsNamed(rightC.columns, rk, op));
  // The lookup keys appear once: the right side's key columns are not repeated.
  const rightKept = rightC.columns.filter((c) => !rk.includes(c.name));
  const cols = schemaOf(op);
  expectSchema(op, cols, leftColumns.length + rightKept.length);
  const leftMoves = leftColumns.map((c, i) => ({ from: c.name, to: cols[i].name, type: cols[i].type }));
  const rightMoves = rightKept.map((c, j) => ({ from: c.name, to: cols[leftColumns.length + j].name, type: cols[leftColumns.length + j].type }));
  const template = rowTemplate(cols);
  return (left, ctx) => {
    const byRight = index(rightC.run(ctx).rows, rightKey);
    const rows: R[] = [];
    for (const l of left.rows) {
      const k = leftKey(l);
      const matches = k === null ? undefined : byRight.get(k);
      const emit = (r: R | null) => {
        const o: R = { ...template };
        for (const m of leftMoves) o[m.to] = valueOf(l, m.from, m.type);
        for (const m of rightMoves) o[m.to] = r ? valueOf(r, m.from, m.type) : nullOf(m.type);
        rows.push(o);
      };
      if (matches) matches.forEach(emit);
      else if (kind === "leftouter") emit(null);
    }
    return { columns: cols, rows };
  };
}

// ---------------------------------------------------------------------------------------------
// union, distinct, sort, mv-expand, datatable, print

/**
 * `union A, B` (input null) or `T | union A, B` (input: T's columns, and its view when it has one).
 * A union of views without time bounds of their own is a view (its legs' rows, one after the other).
 */
function union(op: SNode, inputColumns: Column[] | null, q: QueryScope, inputView?: View): Compiled & { runWith?: Operator } {
  const params = namedParameters(op.Parameters);
  for (const key of params.keys()) if (key !== "isfuzzy" && key !== "withsource" && !key.startsWith("hint.")) throw unsupported(op, `union parameter '${key}'`);
  if (params.get("kind")) throw unsupported(op, "union kind=");
  const withsource = params.get("withsource");
  const sourceCol = withsource ? String(withsource.SimpleName ?? textOf(withsource)) : null;
  const legs: { name: string; compiled: Compiled | null }[] = [];
  if (inputColumns) legs.push({ name: "union_arg0", compiled: inputView ? { columns: inputView.columns, run: (ctx) => runView(inputView, ctx), view: inputView } : null });
  for (const e of listOf(op.Expressions)) {
    const name = kindOf(e) === "NameReference" ? String(e.SimpleName) : `union_arg${legs.length}`;
    legs.push({ name, compiled: compileTabular(e, q) });
  }
  const cols = schemaOf(op);
  const types = new Map(cols.map((c) => [c.name, c.type]));
  const legColumns = (i: number) => legs[i].compiled?.columns ?? inputColumns!;
  legs.forEach((_l, i) => {
    for (const c of legColumns(i)) if (types.get(c.name) !== c.type) throw unsupported(op, `union of column '${c.name}' with differing types`);
  });

  const views = legs.map((l) => l.compiled?.view);
  if (views.every((v): v is View => !!v && v.bounds.length === 0)) {
    const view = unionView(views, legs.map((l) => l.name), sourceCol, cols);
    return { columns: cols, run: (ctx) => runView(view, ctx), view };
  }

  const merge = (tables: { name: string; table: Table }[]): Table => {
    const rows: R[] = [];
    for (const leg of tables) for (const r of leg.table.rows) rows.push(sourceCol ? { ...r, [sourceCol]: leg.name } : r);
    return { columns: cols, rows };
  };
  const runLegs = (ctx: Ctx, input: Table | null) => legs.map((l, i) => ({ name: l.name, table: i === 0 && inputColumns ? input! : l.compiled!.run(ctx) }));
  return {
    columns: cols,
    run: (ctx) => merge(runLegs(ctx, null)),
    runWith: (input, ctx) => merge(runLegs(ctx, input)),
  };
}

function distinct(op: SNode): Operator {
  if (listOf(op.Parameters).length) throw unsupported(op, "distinct parameters");
  const cols = schemaOf(op);
  for (const e of listOf(op.Expressions)) {
    if (kindOf(e) !== "NameReference" && kindOf(e) !== "StarExpression") throw unsupported(e, "distinct over an expression");
  }
  const pick = picker(cols);
  return (input) => {
    const seen = new Set<string>();
    const rows: R[] = [];
    for (const r of input.rows) {
      const o = pick(r);
      let k = "";
      for (const c of cols) k += keyOf(o[c.name]) + "\u0001";
      if (!seen.has(k)) { seen.add(k); rows.push(o); }
    }
    return { columns: cols, rows };
  };
}

/** sort/order/top: default descending; nulls (and NaN) first for asc, last for desc (sort-operator.md). */
function sortRows(exprs: SNode[], scope: ScalarScope): (rows: R[], ctx: Ctx) => R[] {
  const specs = exprs.map((e) => {
    let expr = e, desc = true, nullsFirst: boolean | null = null;
    if (kindOf(e) === "OrderedExpression") {
      expr = e.Expression;
      const ord = e.Ordering;
      if (ord) {
        if (ord.AscOrDescKeyword) desc = String(ord.AscOrDescKeyword.Text).toLowerCase() === "desc";
        if (ord.NullsClause) nullsFirst = String(ord.NullsClause.FirstOrLastKeyword.Text).toLowerCase() === "first";
      }
    }
    return { f: compileScalar(expr, scope), desc, nullsFirst: nullsFirst ?? !desc };
  });
  const isNullish = (v: Value) => v === null || (typeof v === "number" && Number.isNaN(v));
  return (rows, ctx) => {
    const keyed = rows.map((r, i) => ({ r, i, keys: specs.map((s) => s.f(r, ctx)) }));
    keyed.sort((a, b) => {
      for (let j = 0; j < specs.length; j++) {
        const x = a.keys[j], y = b.keys[j], s = specs[j];
        const xn = isNullish(x), yn = isNullish(y);
        if (xn || yn) {
          if (xn && yn) continue;
          return (xn ? -1 : 1) * (s.nullsFirst ? 1 : -1);
        }
        const c = compareValues(x, y);
        if (c !== 0) return s.desc ? -c : c;
      }
      return a.i - b.i;
    });
    return keyed.map((k) => k.r);
  };
}

function mvExpand(op: SNode, inputColumns: Column[], q: QueryScope): Operator {
  const params = namedParameters(op.Parameters);
  let bagAsArray = false;
  let indexCol: string | null = null;
  for (const [key, v] of params) {
    if (key === "kind" || key === "bagexpansion") bagAsArray = String(literalOf(v) ?? textOf(v)).toLowerCase() === "array";
    else if (key === "with_itemindex") indexCol = String(v.SimpleName ?? textOf(v));
    else throw unsupported(op, `mv-expand parameter '${key}'`);
  }
  const limitOf = op.RowLimitClause ? rowCount(op.RowLimitClause.RowLimit, q) : () => Infinity;
  const cols = schemaOf(op);
  const types = new Map(cols.map((c) => [c.name, c.type]));
  const scope = scalarScope(inputColumns, q);
  const exprs = listOf(op.Expressions).map((e) => {
    if (kindOf(e) !== "MvExpandExpression") throw unsupported(e);
    const { name, expr } = named(e.Expression);
    const target = name ?? resultName(expr);
    if (!target) throw unsupported(e, "mv-expand of an unnamed expression");
    return { target, f: compileScalar(expr, scope), type: types.get(target) ?? "dynamic" };
  });
  const pick = picker(cols);
  return (input, ctx) => {
    const limit = limitOf(ctx);
    const rows: R[] = [];
    for (const r of input.rows) {
      const lists = exprs.map((x) => {
        const v = x.f(r, ctx);
        if (v === null) return [null];                         // null expands to one null row
        if (Array.isArray(v)) return v;
        if (isBag(v)) return Object.entries(v).map(([k, val]): Dyn => (bagAsArray ? [k, val] : { [k]: val }));
        return [v];
      });
      const n = Math.min(limit, Math.max(...lists.map((l) => l.length)));
      for (let i = 0; i < n; i++) {
        const o: R = { ...r };
        exprs.forEach((x, j) => {
          const item = i < lists[j].length ? lists[j][i] : null;
          // `to typeof(T)` is cast-only: elements of another type become null (mv-expand-operator.md).
          o[x.target] = x.type === "dynamic" ? item : castOnly(item, x.type);
        });
        if (indexCol) o[indexCol] = i;
        rows.push(pick(o));
      }
    }
    return { columns: cols, rows };
  };
}

function castOnly(v: Value, t: KType): Value {
  if (v === null) return nullOf(t);
  switch (t) {
    case "string": return typeof v === "string" ? v : "";
    case "int": case "long": return typeof v === "number" && Number.isInteger(v) ? v : null;
    case "real": case "decimal": return typeof v === "number" ? v : null;
    case "bool": return typeof v === "boolean" ? v : null;
    default: return fit(v, t);
  }
}

function datatable(n: SNode, q: QueryScope): Compiled {
  const cols = schemaOf(n);
  const scope = scalarScope(null, q);
  const values = listOf(n.Values).map((v) => compileScalar(v, scope));
  if (cols.length === 0 || values.length % cols.length !== 0) throw new KqlQueryError(`datatable has ${values.length} values for ${cols.length} columns`);
  return {
    columns: cols,
    run: (ctx) => {
      const rows: R[] = [];
      for (let i = 0; i < values.length; i += cols.length) {
        const o: R = {};
        cols.forEach((c, j) => { o[c.name] = fit(values[i + j](null, ctx), c.type); });
        rows.push(o);
      }
      return { columns: cols, rows };
    },
  };
}

function print(n: SNode, q: QueryScope): Compiled {
  const cols = schemaOf(n);
  const exprs = listOf(n.Expressions).map(named);
  expectSchema(n, cols, exprs.length);
  const scope = scalarScope(null, q);
  const fs: Scalar[] = exprs.map((e) => compileScalar(e.expr, scope));
  return {
    columns: cols,
    run: (ctx) => {
      const o: R = {};
      fs.forEach((f, i) => { o[cols[i].name] = fit(f(null, ctx), cols[i].type); });
      return { columns: cols, rows: [o] };
    },
  };
}

