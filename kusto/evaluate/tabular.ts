// Tabular expressions and query operators.
// Output schemas (column names, order, types) are taken from the analyser's ResultType of each
// operator: it already implements Kusto's naming rules (count_, sum_x, Column1, Key1 for join
// duplicates, arg_max expansion, union column merging), so the evaluator only computes values.
import { Env, Scope } from "./context";
import { evalScalar, asBool } from "./scalar";
import { TUPLE_AGGREGATES } from "./aggregates";
import {
  SNode, kindOf, listOf, namedParameters, schemaOf, symbolColumns, typeOfNode, unsupported, literalOf, KqlQueryError, textOf,
} from "./syntax";
import { Column, KType, Table, Value, convert, compareValues, keyOf, nullOf, toKString, isBag, Dyn, Timespan } from "./values";

type R = Record<string, Value>;

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

const scopeOf = (env: Env, row: R | null): Scope => ({ env, row });
const constant = (n: SNode, env: Env): Value => evalScalar(n, scopeOf(env, null));

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

export function evalTabular(n: SNode, env: Env): Table {
  switch (kindOf(n)) {
    case "ParenthesizedExpression": return evalTabular(n.Expression, env);
    case "MaterializeExpression": return evalTabular(n.Expression, env);
    case "NameReference": {
      const name = String(n.SimpleName);
      const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
      const SK = Kusto.Language.Symbols.SymbolKind;
      if (sym && sym.Kind === SK.Table) return env.table(name, n);
      if (sym && sym.Kind === SK.Variable) {
        const b = env.vars.get(name);
        if (b && b.kind === "table") return b.table;
      }
      throw unsupported(n, `tabular reference '${name}'`);
    }
    case "PipeExpression": return env.pipeline?.(n) ?? applyOperator(n.Operator, evalTabular(n.Expression, env), env);
    case "DataTableExpression": return datatable(n, env);
    case "UnionOperator": return union(n, null, env);
    case "PrintOperator": return print(n, env);
    default: throw unsupported(n);
  }
}

function applyOperator(op: SNode, input: Table, env: Env): Table {
  switch (kindOf(op)) {
    case "FilterOperator": {
      if (listOf(op.Parameters).length) throw unsupported(op, "where with parameters");
      return { columns: input.columns, rows: input.rows.filter((r) => asBool(evalScalar(op.Condition, scopeOf(env, r))) === true) };
    }
    case "ExtendOperator": return extend(op, input, env);
    case "ProjectOperator": return project(op, input, env);
    case "ProjectAwayOperator": case "ProjectKeepOperator": case "ProjectReorderOperator": {
      const cols = schemaOf(op);
      return { columns: cols, rows: input.rows.map((r) => pick(r, cols)) };
    }
    case "ProjectRenameOperator": return projectRename(op, input);
    case "SummarizeOperator": return summarize(op, input, env);
    case "JoinOperator": return join(op, input, env);
    case "LookupOperator": return lookup(op, input, env);
    case "UnionOperator": return union(op, input, env);
    case "DistinctOperator": return distinct(op, input);
    case "TopOperator": {
      const sorted = sortRows(input.rows, [op.ByExpression], env);
      return { columns: input.columns, rows: sorted.slice(0, count(op.Expression, env)) };
    }
    case "SortOperator": return { columns: input.columns, rows: sortRows(input.rows, listOf(op.Expressions), env) };
    case "TakeOperator": return { columns: input.columns, rows: input.rows.slice(0, count(op.Expression, env)) };
    case "CountOperator": {
      const cols = schemaOf(op);
      return { columns: cols, rows: [{ [cols[0].name]: input.rows.length }] };
    }
    case "MvExpandOperator": return mvExpand(op, input, env);
    default: throw unsupported(op);
  }
}

function pick(r: R, cols: Column[]): R {
  const o: R = {};
  for (const c of cols) o[c.name] = r[c.name] === undefined ? nullOf(c.type) : r[c.name];
  return o;
}

function count(n: SNode, env: Env): number {
  const v = constant(n, env);
  if (typeof v !== "number") throw new KqlQueryError(`row count must be a number at ${textOf(n)}`);
  return Math.max(0, Math.trunc(v));
}

// ---------------------------------------------------------------------------------------------

export function extend(op: SNode, input: Table, env: Env): Table {
  const cols = schemaOf(op);
  const exprs = listOf(op.Expressions).map(named);
  const inputNames = new Set(input.columns.map((c) => c.name));
  const explicit = new Set(exprs.map((e) => e.name ?? resultName(e.expr)).filter((x): x is string => !!x));
  // Unnamed, unnameable expressions get generated names (Column1, ...): the new schema columns nobody claimed.
  const generated = cols.map((c) => c.name).filter((c) => !inputNames.has(c) && !explicit.has(c));
  const targets = exprs.map((e) => e.name ?? resultName(e.expr) ?? generated.shift() ?? null);
  if (targets.some((t) => t === null)) throw new KqlQueryError("internal: could not name an extend column");
  const typeOf = new Map(cols.map((c) => [c.name, c.type]));
  const targetTypes = exprs.map((e, i) => typeOf.get(targets[i]!) ?? typeOfNode(e.expr));
  const rows = input.rows.map((r) => {
    // One copy per row, in the output's column order; later expressions of one extend see the
    // columns defined by earlier ones.
    const o: R = {};
    for (const c of cols) { const v = r[c.name]; o[c.name] = v === undefined ? nullOf(c.type) : v; }
    const scope = scopeOf(env, o);
    for (let i = 0; i < exprs.length; i++) o[targets[i]!] = fit(evalScalar(exprs[i].expr, scope), targetTypes[i]);
    return o;
  });
  return { columns: cols, rows };
}

function project(op: SNode, input: Table, env: Env): Table {
  const cols = schemaOf(op);
  const exprs = listOf(op.Expressions).map(named);
  for (const e of exprs) if (kindOf(e.expr) === "NameReference" && kindOf(e.expr.Name) === "WildcardedName") throw unsupported(e.expr, "wildcard in project");
  expectSchema(op, cols, exprs.length);
  return {
    columns: cols,
    rows: input.rows.map((r) => {
      const o: R = {};
      exprs.forEach((e, i) => { o[cols[i].name] = fit(evalScalar(e.expr, scopeOf(env, r)), cols[i].type); });
      return o;
    }),
  };
}

function projectRename(op: SNode, input: Table): Table {
  const cols = schemaOf(op);
  const renames = new Map<string, string>();   // old -> new
  for (const e of listOf(op.Expressions)) {
    if (kindOf(e) !== "SimpleNamedExpression" || kindOf(e.Expression) !== "NameReference") throw unsupported(e, "project-rename form");
    renames.set(String(e.Expression.SimpleName), String(e.Name.SimpleName));
  }
  const rows = input.rows.map((r) => {
    const o: R = {};
    for (const c of input.columns) o[renames.get(c.name) ?? c.name] = r[c.name];
    return pick(o, cols);
  });
  return { columns: cols, rows };
}

// ---------------------------------------------------------------------------------------------
// summarize (kusto/query/summarize-operator.md)

function summarize(op: SNode, input: Table, env: Env): Table {
  if (listOf(op.Parameters).length) throw unsupported(op, "summarize parameters");
  const cols = schemaOf(op);
  const bys = op.ByClause ? listOf(op.ByClause.Expressions).map(named) : [];
  const aggs = listOf(op.Aggregates).map(named);

  // Output columns: one per by-expression, then per aggregate one column, or one per tuple element.
  const aggWidths = aggs.map((a) => {
    const k = kindOf(a.expr);
    if (k === "FunctionCallExpression" && a.expr.ResultType?.Kind === Kusto.Language.Symbols.SymbolKind.Tuple) {
      return symbolColumns(a.expr.ResultType).length;
    }
    return 1;
  });
  expectSchema(op, cols, bys.length + aggWidths.reduce((x, y) => x + y, 0));

  const groups = new Map<string, { keys: Value[]; rows: R[] }>();
  for (const r of input.rows) {
    const keys = bys.map((b, i) => fit(evalScalar(b.expr, scopeOf(env, r)), cols[i].type));
    const k = keys.map(keyOf).join("\u0001");
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { keys, rows: [] }));
    g.rows.push(r);
  }
  // No by-clause: exactly one output row, even for empty input (aggregates then take their defaults).
  if (bys.length === 0 && groups.size === 0) groups.set("", { keys: [], rows: [] });

  const rows: R[] = [];
  for (const g of groups.values()) {
    const o: R = {};
    g.keys.forEach((v, i) => { o[cols[i].name] = v; });
    let c = bys.length;
    aggs.forEach((a, j) => {
      const width = aggWidths[j];
      const slice = cols.slice(c, c + width);
      c += width;
      if (kindOf(a.expr) === "FunctionCallExpression" && a.expr.ResultType?.Kind === Kusto.Language.Symbols.SymbolKind.Tuple) {
        tupleAggregate(a.expr, g.rows, slice, o, env);
      } else {
        const v = evalScalar(a.expr, { env, row: g.rows[0] ?? null, group: g.rows });
        o[slice[0].name] = fit(v, slice[0].type);
      }
    });
    rows.push(o);
  }
  return { columns: cols, rows };
}

/** arg_max / arg_min / take_any with several outputs: pick one row, then read the requested columns from it. */
function tupleAggregate(call: SNode, rows: R[], out: Column[], o: R, env: Env): void {
  const name = String(call.Name.SimpleName);
  const args = listOf(call.ArgumentList.Expressions);
  const elems = symbolColumns(call.ResultType);
  let chosen: R | null = null;
  if (TUPLE_AGGREGATES.has(name)) {
    // arg-max-aggregation-function.md: nulls in the maximized expression are skipped; if all are null, a row is still returned.
    const sign = name === "arg_max" ? 1 : -1;
    let best: Value = null;
    for (const r of rows) {
      const v = evalScalar(args[0], scopeOf(env, r));
      if (chosen === null) chosen = r;
      if (v !== null && (best === null || sign * compareValues(v, best) > 0)) { best = v; chosen = r; }
    }
  } else if (name === "take_any" || name === "any") {
    chosen = rows[0] ?? null;
  } else {
    throw unsupported(call, `aggregate '${name}' returning several columns`);
  }
  const star = args.some((a) => kindOf(a) === "StarExpression");
  if (star && !(args.length === 2 && kindOf(args[1]) === "StarExpression") && !(args.length === 1 && kindOf(args[0]) === "StarExpression")) {
    throw unsupported(call, `${name} mixing * with other columns`);
  }
  out.forEach((col, i) => {
    let v: Value = null;
    if (chosen) {
      if (!star) v = evalScalar(args[i], scopeOf(env, chosen));
      else if (TUPLE_AGGREGATES.has(name) && i === 0) v = evalScalar(args[0], scopeOf(env, chosen));
      else v = chosen[elems[i].name] ?? null;
    }
    o[col.name] = fit(v, col.type);
  });
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

/** Join key of a row; null when a key value is null (null keys match nothing here). */
function rowKey(r: R, cols: string[]): string | null {
  const parts: string[] = [];
  for (const c of cols) {
    const v = r[c] ?? null;
    if (v === null) return null;
    // int/long/real keys compare by value; tag numbers the same way whatever their column type.
    parts.push(keyOf(v));
  }
  return parts.join("\u0001");
}

function index(rows: R[], cols: string[]): Map<string, R[]> {
  const m = new Map<string, R[]>();
  for (const r of rows) {
    const k = rowKey(r, cols);
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

function join(op: SNode, left: Table, env: Env): Table {
  const kind = joinKind(op, "innerunique");
  const right = evalTabular(op.Expression, env);
  const keys = joinKeys(op.ConditionClause);
  const lk = keys.map((k) => k.left), rk = keys.map((k) => k.right);
  const cols = schemaOf(op);
  const byRight = index(right.rows, rk);

  if (kind === "leftsemi" || kind === "leftanti" || kind === "anti" || kind === "leftantisemi") {
    const semi = kind === "leftsemi";
    const rows = left.rows.filter((r) => { const k = rowKey(r, lk); return (k !== null && byRight.has(k)) === semi; });
    expectSchema(op, cols, left.columns.length);
    return { columns: cols, rows: rows.map((r) => rename(r, left.columns, cols)) };
  }
  if (kind === "rightsemi" || kind === "rightanti" || kind === "rightantisemi") {
    const byLeft = index(left.rows, lk);
    const semi = kind === "rightsemi";
    const rows = right.rows.filter((r) => { const k = rowKey(r, rk); return (k !== null && byLeft.has(k)) === semi; });
    expectSchema(op, cols, right.columns.length);
    return { columns: cols, rows: rows.map((r) => rename(r, right.columns, cols)) };
  }
  if (!["inner", "innerunique", "leftouter", "rightouter", "fullouter"].includes(kind)) throw unsupported(op, `join kind=${kind}`);

  let leftRows = left.rows;
  if (kind === "innerunique") {
    // innerunique dedupes the left side on the join key, keeping the first row (join-innerunique.md).
    const seen = new Set<string>();
    leftRows = leftRows.filter((r) => { const k = rowKey(r, lk); if (k === null) return true; if (seen.has(k)) return false; seen.add(k); return true; });
  }
  expectSchema(op, cols, left.columns.length + right.columns.length);
  const combine = (l: R | null, r: R | null): R => {
    const o: R = {};
    left.columns.forEach((c, i) => { o[cols[i].name] = l ? l[c.name] : nullOf(cols[i].type); });
    right.columns.forEach((c, j) => { const oc = cols[left.columns.length + j]; o[oc.name] = r ? r[c.name] : nullOf(oc.type); });
    return o;
  };
  const rows: R[] = [];
  const matchedRight = new Set<R>();
  for (const l of leftRows) {
    const k = rowKey(l, lk);
    const matches = k === null ? undefined : byRight.get(k);
    if (matches) for (const r of matches) { rows.push(combine(l, r)); matchedRight.add(r); }
    else if (kind === "leftouter" || kind === "fullouter") rows.push(combine(l, null));
  }
  if (kind === "rightouter" || kind === "fullouter") {
    for (const r of right.rows) if (!matchedRight.has(r)) rows.push(combine(null, r));
  }
  return { columns: cols, rows };
}

function rename(r: R, from: Column[], to: Column[]): R {
  const o: R = {};
  from.forEach((c, i) => { o[to[i].name] = r[c.name]; });
  return o;
}

function lookup(op: SNode, left: Table, env: Env): Table {
  const kind = joinKind(op, "leftouter");
  if (kind !== "leftouter" && kind !== "inner") throw unsupported(op, `lookup kind=${kind}`);
  const right = evalTabular(op.Expression, env);
  const keys = joinKeys(op.LookupClause);
  const lk = keys.map((k) => k.left), rk = keys.map((k) => k.right);
  // The lookup keys appear once: the right side's key columns are not repeated.
  const rightKept = right.columns.filter((c) => !rk.includes(c.name));
  const cols = schemaOf(op);
  expectSchema(op, cols, left.columns.length + rightKept.length);
  const byRight = index(right.rows, rk);
  const rows: R[] = [];
  for (const l of left.rows) {
    const k = rowKey(l, lk);
    const matches = k === null ? undefined : byRight.get(k);
    const emit = (r: R | null) => {
      const o: R = {};
      left.columns.forEach((c, i) => { o[cols[i].name] = l[c.name]; });
      rightKept.forEach((c, j) => { const oc = cols[left.columns.length + j]; o[oc.name] = r ? r[c.name] : nullOf(oc.type); });
      rows.push(o);
    };
    if (matches) matches.forEach(emit);
    else if (kind === "leftouter") emit(null);
  }
  return { columns: cols, rows };
}

// ---------------------------------------------------------------------------------------------
// union, distinct, sort, mv-expand, datatable, print

function union(op: SNode, input: Table | null, env: Env): Table {
  const params = namedParameters(op.Parameters);
  for (const key of params.keys()) if (key !== "isfuzzy" && key !== "withsource" && !key.startsWith("hint.")) throw unsupported(op, `union parameter '${key}'`);
  const kindParam = params.get("kind");
  if (kindParam) throw unsupported(op, "union kind=");
  const withsource = params.get("withsource");
  const sourceCol = withsource ? String(withsource.SimpleName ?? textOf(withsource)) : null;
  const legs: { name: string; table: Table }[] = [];
  if (input) legs.push({ name: "union_arg0", table: input });
  listOf(op.Expressions).forEach((e) => {
    const name = kindOf(e) === "NameReference" ? String(e.SimpleName) : `union_arg${legs.length}`;
    legs.push({ name, table: evalTabular(e, env) });
  });
  const cols = schemaOf(op);
  const types = new Map(cols.map((c) => [c.name, c.type]));
  for (const leg of legs) for (const c of leg.table.columns) {
    if (types.get(c.name) !== c.type) throw unsupported(op, `union of column '${c.name}' with differing types`);
  }
  const rows: R[] = [];
  for (const leg of legs) for (const r of leg.table.rows) {
    const o = pick(r, cols);
    if (sourceCol) o[sourceCol] = leg.name;
    rows.push(o);
  }
  return { columns: cols, rows };
}

function distinct(op: SNode, input: Table): Table {
  if (listOf(op.Parameters).length) throw unsupported(op, "distinct parameters");
  const cols = schemaOf(op);
  for (const e of listOf(op.Expressions)) {
    if (kindOf(e) !== "NameReference" && kindOf(e) !== "StarExpression") throw unsupported(e, "distinct over an expression");
  }
  const seen = new Set<string>();
  const rows: R[] = [];
  for (const r of input.rows) {
    const o = pick(r, cols);
    const k = cols.map((c) => keyOf(o[c.name])).join("\u0001");
    if (!seen.has(k)) { seen.add(k); rows.push(o); }
  }
  return { columns: cols, rows };
}

/** sort/order/top: default descending; nulls (and NaN) first for asc, last for desc (sort-operator.md). */
function sortRows(rows: R[], exprs: SNode[], env: Env): R[] {
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
    return { expr, desc, nullsFirst: nullsFirst ?? !desc };
  });
  const keyed = rows.map((r, i) => ({ r, i, keys: specs.map((s) => evalScalar(s.expr, scopeOf(env, r))) }));
  const isNullish = (v: Value) => v === null || (typeof v === "number" && Number.isNaN(v));
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
}

function mvExpand(op: SNode, input: Table, env: Env): Table {
  const params = namedParameters(op.Parameters);
  let bagAsArray = false;
  let indexCol: string | null = null;
  for (const [key, v] of params) {
    if (key === "kind" || key === "bagexpansion") bagAsArray = String(literalOf(v) ?? textOf(v)).toLowerCase() === "array";
    else if (key === "with_itemindex") indexCol = String(v.SimpleName ?? textOf(v));
    else throw unsupported(op, `mv-expand parameter '${key}'`);
  }
  const limit = op.RowLimitClause ? count(op.RowLimitClause.RowLimit, env) : Infinity;
  const cols = schemaOf(op);
  const types = new Map(cols.map((c) => [c.name, c.type]));
  const exprs = listOf(op.Expressions).map((e) => {
    if (kindOf(e) !== "MvExpandExpression") throw unsupported(e);
    const { name, expr } = named(e.Expression);
    const target = name ?? resultName(expr);
    if (!target) throw unsupported(e, "mv-expand of an unnamed expression");
    return { target, expr };
  });
  const rows: R[] = [];
  for (const r of input.rows) {
    const lists = exprs.map((x) => {
      const v = evalScalar(x.expr, scopeOf(env, r));
      if (v === null) return [null];                         // null expands to one null row
      if (Array.isArray(v)) return v;
      if (isBag(v)) return Object.entries(v).map(([k, val]): Dyn => (bagAsArray ? [k, val] : { [k]: val }));
      return [v];
    });
    const n = Math.min(limit, Math.max(...lists.map((l) => l.length)));
    for (let i = 0; i < n; i++) {
      const o: R = { ...r };
      exprs.forEach((x, j) => {
        const t = types.get(x.target) ?? "dynamic";
        const item = i < lists[j].length ? lists[j][i] : null;
        // `to typeof(T)` is cast-only: elements of another type become null (mv-expand-operator.md).
        o[x.target] = t === "dynamic" ? item : castOnly(item, t);
      });
      if (indexCol) o[indexCol] = i;
      rows.push(pick(o, cols));
    }
  }
  return { columns: cols, rows };
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

function datatable(n: SNode, env: Env): Table {
  const cols = schemaOf(n);
  const values = listOf(n.Values).map((v) => constant(v, env));
  if (cols.length === 0 || values.length % cols.length !== 0) throw new KqlQueryError(`datatable has ${values.length} values for ${cols.length} columns`);
  const rows: R[] = [];
  for (let i = 0; i < values.length; i += cols.length) {
    const o: R = {};
    cols.forEach((c, j) => { o[c.name] = fit(values[i + j], c.type); });
    rows.push(o);
  }
  return { columns: cols, rows };
}

function print(n: SNode, env: Env): Table {
  const cols = schemaOf(n);
  const exprs = listOf(n.Expressions).map(named);
  expectSchema(n, cols, exprs.length);
  const o: R = {};
  exprs.forEach((e, i) => { o[cols[i].name] = fit(constant(e.expr, env), cols[i].type); });
  return { columns: cols, rows: [o] };
}

