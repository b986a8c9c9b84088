// Offline evaluator for the subset of KQL the detection catalogue uses: proves that a detection's
// query returns rows for its `fires` samples and none for its `quiet` ones.
//
// It walks the syntax tree of Microsoft's own parser (kusto/language.ts), after semantic analysis
// against the workspace schemas, so names, types and output schemas are Kusto's. Anything outside
// the supported subset (SUPPORTED below) throws UnsupportedKqlError naming the construct and its
// position; it never silently passes or returns nothing.
//
// Values: see kusto/evaluate/values.ts. In short, output rows hold boolean, number (int, long, real),
// string, Date (datetime, millisecond precision), Timespan (timespan: `.ms`, `toString()` gives
// `[d.]hh:mm:ss[.fffffff]`), plain JSON values (dynamic) and null.
//
// Known deviations from the service (the tests pin the documented behaviour; these are not documented):
// - datetimes have millisecond precision (Kusto: 100 ns ticks); microsecond/nanosecond datetime_diff follow.
// - dcount/count_distinct are exact (Kusto estimates); "" counts as a distinct value, null does not.
// - join/lookup keys that are null match nothing; integer division or modulo by zero gives null.
// - `has` with a multi-term needle ("contoso.com") matches a term-aligned substring; the docs only
//   define single terms. Terms are maximal runs of Unicode letters/digits.
// - innerunique keeps the first left row per key (the docs allow any); take_any/any take the first row.
// - union withsource names a leg after its table or let name, else union_arg<i>.
// - regexes use JavaScript RegExp (Kusto: RE2); the common syntax agrees.
import { analyze } from "./language";
import { Ctx, Binding, Tabular } from "./evaluate/context";
import { compileScalar } from "./evaluate/scalar";
import { compileTabular, scalarScope, QueryScope } from "./evaluate/tabular";
import { FUNCTIONS } from "./evaluate/functions";
import { AGGREGATES } from "./evaluate/aggregates";
import { checkSupported } from "./evaluate/support";
import {
  SNode, SampleDataError, KqlQueryError, kindOf, listOf, setPositionSource, unsupported, isTabularNode, positionOf,
} from "./evaluate/syntax";
import { Row, Table, Column, nullOf, parseDateTime, rowTemplate } from "./evaluate/values";
import { WorkspaceTables, TimeBounds, UNBOUNDED } from "./tables";

export type { Row } from "./evaluate/values";
export { Timespan } from "./evaluate/values";
export { WorkspaceTables } from "./tables";
export { UnsupportedKqlError, SampleDataError, KqlQueryError } from "./evaluate/syntax";

export interface EvaluateOptions {
  /** The fixed "now" that now() and ago() use. */
  now: Date | string;
  /**
   * Input rows per table, JSON-like as in a Log Analytics export, or the same typed and indexed
   * once (WorkspaceTables: many evaluations over the same rows). Tables not given are empty.
   */
  tables: Record<string, Row[]> | WorkspaceTables;
  /**
   * What a log alert's run at `to` sees (kusto/alert.ts): only input rows with
   * from < TimeGenerated <= to (the query time range) that had arrived by `to` (ingestion_time(),
   * the row's `_TimeReceived`, <= to: a row that lands later is not in the workspace yet).
   */
  timeRange?: { from: Date; to: Date };
}

/** What the evaluator implements; the conformance suite asserts that each name has a test case. */
export const SUPPORTED = {
  statements: ["let", "toscalar", "materialize", "expression statement"],
  tabularOperators: [
    "where", "extend", "project", "project-away", "project-keep", "project-rename", "project-reorder", "summarize", "join",
    "lookup", "union", "distinct", "top", "order by", "sort by", "take", "limit", "mv-expand", "count", "datatable", "print",
  ],
  joinKinds: ["inner", "innerunique", "leftouter", "rightouter", "fullouter", "leftanti", "leftsemi", "rightanti", "rightsemi"],
  scalarOperators: [
    "+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "=~", "!~", "and", "or", "in", "!in", "in~", "!in~",
    "has", "!has", "has_cs", "!has_cs", "hasprefix", "!hasprefix", "hasprefix_cs", "!hasprefix_cs", "hassuffix", "!hassuffix",
    "hassuffix_cs", "!hassuffix_cs", "has_any", "has_all", "contains", "!contains", "contains_cs", "!contains_cs",
    "startswith", "!startswith", "startswith_cs", "!startswith_cs", "endswith", "!endswith", "endswith_cs", "!endswith_cs",
    "matches regex", "between", "!between",
  ],
  functions: [...FUNCTIONS.keys()].sort(),
  aggregates: [...AGGREGATES].sort(),
} as const;

// ---------------------------------------------------------------------------------------------

/** A query compiled to closures: the let statements, then the one result. */
interface CompiledQuery {
  statements: ((ctx: Ctx) => void)[];
  result: Tabular;
  columns: Column[];
}

const compiledCache = new Map<string, CompiledQuery>();
/** Compiled queries kept, least recently used dropped (each holds on to its syntax tree). */
const COMPILED_CACHE_MAX = 64;
/**
 * Parse + analyse (≈5 ms), check the whole tree against the supported subset (a construct the
 * evaluator lacks must fail even when no sample row reaches it), then compile: once per query text.
 */
function compiled(query: string): CompiledQuery {
  let c = compiledCache.get(query);
  if (c) {
    compiledCache.delete(query);
    compiledCache.set(query, c);
  } else {
    const code = analyze(query, { keep: false });
    checkDiagnostics(code, query);
    const root = code.Syntax as SNode;
    const letNames = new Set(listOf(root.Statements).filter((s) => kindOf(s) === "LetStatement").map((s) => String(s.Name.SimpleName)));
    checkSupported(root, letNames);
    c = compileQuery(root, letNames);
    if (compiledCache.size >= COMPILED_CACHE_MAX) compiledCache.delete(compiledCache.keys().next().value!);
    compiledCache.set(query, c);
  }
  return c;
}

function compileQuery(root: SNode, letNames: Set<string>): CompiledQuery {
  if (listOf(root.Directives).length) throw unsupported(root.Directives, "query directives");
  const q: QueryScope = { letNames, lets: new Map() };
  const statements: CompiledQuery["statements"] = [];
  const results: { run: Tabular; columns: Column[] }[] = [];
  for (const st of listOf(root.Statements)) {
    const k = kindOf(st);
    if (k === "LetStatement") {
      const name = String(st.Name.SimpleName);
      const e = st.Expression as SNode;
      if (kindOf(e) === "FunctionDeclaration") throw unsupported(e, `user-defined function '${name}'`);
      if (isTabularNode(e)) {
        const t = compileTabular(e, q);
        q.lets.set(name, t);
        // A row-wise view is read where it is used (prefix.ts); anything else is computed here, once per evaluation.
        if (!t.view) statements.push((ctx) => { ctx.vars.set(name, { kind: "table", table: t.run(ctx) }); });
      } else {
        q.lets.delete(name);
        const f = compileScalar(e, scalarScope(null, q));
        statements.push((ctx) => { ctx.vars.set(name, { kind: "scalar", value: f(null, ctx) }); });
      }
    } else if (k === "ExpressionStatement") {
      const e = st.Expression as SNode;
      if (!isTabularNode(e)) throw new KqlQueryError(`the result at ${positionOf(e)} is not tabular`);
      results.push(compileTabular(e, q));
    } else {
      throw unsupported(st);
    }
  }
  if (results.length !== 1) throw new KqlQueryError(`a query must produce exactly one result; this one produces ${results.length}`);
  return { statements, result: results[0].run, columns: results[0].columns };
}

function checkDiagnostics(code: Kusto.Language.KustoCode, query: string): void {
  const list = code.GetDiagnostics()!;
  const errors: string[] = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i)!;
    if (d.Severity !== "Error") continue;
    const before = query.slice(0, d.Start);
    errors.push(`${d.Code} at line ${before.split("\n").length}, column ${d.Start - before.lastIndexOf("\n")}: ${d.Message}`);
  }
  if (errors.length) throw new KqlQueryError(`query does not analyse cleanly:\n  ${errors.join("\n  ")}`);
}

let evaluations = 0;

/** Evaluate a query against sample rows; returns the single result table's rows. */
export function evaluate(query: string, opts: EvaluateOptions): Row[] {
  return evaluateTable(query, opts).rows;
}

/**
 * Like evaluate(), with the result's column schema (names and KQL types). Every row holds every
 * column of the result, in order (a value the rows lack is its type's null).
 */
export function evaluateTable(query: string, opts: EvaluateOptions): Table {
  setPositionSource(query);
  const c = compiled(query);
  const now = typeof opts.now === "string" ? parseDateTime(opts.now) : opts.now;
  if (!now || isNaN(now.getTime())) throw new SampleDataError(`now is not a datetime: ${String(opts.now)}`);
  const tables = opts.tables instanceof WorkspaceTables ? opts.tables : new WorkspaceTables(opts.tables);
  tables.viewCache.nextEvaluation();
  const visible: TimeBounds = opts.timeRange
    ? { tgLo: opts.timeRange.from.getTime() + 1, tgHi: opts.timeRange.to.getTime(), ingLo: -Infinity, ingHi: opts.timeRange.to.getTime() }
    : UNBOUNDED;
  const ctx: Ctx = { id: ++evaluations, now, vars: new Map<string, Binding>(), tables, visible, group: null, once: new Map() };
  for (const st of c.statements) st(ctx);
  const t = c.result(ctx);
  const columns = t.columns;
  const template = rowTemplate(columns);
  return {
    columns,
    rows: t.rows.map((r) => {
      const o: Row = { ...template };
      for (const col of columns) { const v = r[col.name]; o[col.name] = v === undefined ? nullOf(col.type) : v; }
      return o;
    }) as Table["rows"],
  };
}
