// The row-wise start of a pipeline over a table — `T | where ... | extend ...` — evaluated once per
// table instead of once per evaluation. A scheduled rule runs the same query thousands of times
// over a week of rows; what these operators compute for a row never changes between runs, unless
// they read the clock. So:
//   - a `where` conjunct that reads neither the clock nor a let name is evaluated once per row and
//     cached (with the `extend`s between them, in query order);
//   - a conjunct that compares the row's arrival or event time with the clock
//     (`ingestion_time() > ago(5m)`, `TimeGenerated >= ago(1d)`) becomes a bound on the time index,
//     applied per evaluation by binary search (where filters commute, and these read the source
//     row's own times, which the prefix never changes);
//   - the first operator that is neither ends the prefix; it and everything above it run per
//     evaluation, as before.
// The result is the same rows the plain evaluation produces, in the same order.
import type { Env } from "./context";
import { evalScalar, asBool } from "./scalar";
import { SNode, kindOf, listOf, schemaOf, typeOfNode } from "./syntax";
import { extend } from "./tabular";
import type { Table } from "./values";
import { TimeBounds, TimeIndex, WorkspaceTables, IndexedRow } from "../tables";

type Step = { kind: "where"; conjuncts: SNode[] } | { kind: "extend"; pipe: SNode };
interface TimeBound { on: "tg" | "ing"; op: ">" | ">=" | "<" | "<="; bound: SNode }
interface Plan { table: string; tableNode: SNode; steps: Step[]; bounds: TimeBound[]; top: SNode }

const CLOCK_FUNCTIONS = new Set(["now", "ago"]);
const plans = new WeakMap<object, Plan | null>();

/** The plan for a pipeline whose every operator down to its table is row-wise, else null. */
function planOf(n: SNode): Plan | null {
  if (plans.has(n)) return plans.get(n)!;
  const plan = buildPlan(n);
  plans.set(n, plan);
  return plan;
}

function buildPlan(top: SNode): Plan | null {
  const pipes: SNode[] = [];
  let cur = top;
  while (kindOf(cur) === "PipeExpression") { pipes.unshift(cur); cur = cur.Expression; }
  if (kindOf(cur) !== "NameReference") return null;
  const sym = cur.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
  if (!sym || sym.Kind !== Kusto.Language.Symbols.SymbolKind.Table) return null;
  const steps: Step[] = [];
  const bounds: TimeBound[] = [];
  for (const pipe of pipes) {
    const op = pipe.Operator as SNode;
    const k = kindOf(op);
    if (k === "FilterOperator" && listOf(op.Parameters).length === 0) {
      const conjuncts: SNode[] = [];
      for (const c of conjunctsOf(op.Condition)) {
        const b = timeBound(c);
        if (b) bounds.push(b);
        else if (isRowWise(c)) conjuncts.push(c);
        else return null;
      }
      if (conjuncts.length) steps.push({ kind: "where", conjuncts });
    } else if (k === "ExtendOperator") {
      for (const e of listOf(op.Expressions)) {
        if (kindOf(e) === "SimpleNamedExpression" && ["TimeGenerated", "_TimeReceived"].includes(String(e.Name.SimpleName))) return null;
        if (!isRowWise(e)) return null;
      }
      steps.push({ kind: "extend", pipe });
    } else return null;
  }
  return { table: String(cur.SimpleName), tableNode: cur, steps, bounds, top };
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

/** True when the expression depends only on the row: no clock, no let name, no subquery. */
function isRowWise(n: SNode): boolean {
  if (!n || n.IsToken) return true;
  const k = kindOf(n);
  if (k === "ToScalarExpression" || k === "MaterializeExpression") return false;
  if (k === "FunctionCallExpression" && CLOCK_FUNCTIONS.has(String(n.Name.SimpleName))) return false;
  if (k === "NameReference") {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    const SK = Kusto.Language.Symbols.SymbolKind;
    if (!sym || sym.Kind !== SK.Column) return false;
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

/** An expression without row references (evaluated once per evaluation, e.g. ago(1h)). */
function isRowFree(n: SNode): boolean {
  if (!n || n.IsToken) return true;
  const k = kindOf(n);
  if (k === "ToScalarExpression" || k === "MaterializeExpression") return false;
  if (k === "FunctionCallExpression" && String(n.Name.SimpleName) === "ingestion_time") return false;
  if (k === "NameReference") {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    if (!sym || sym.Kind !== Kusto.Language.Symbols.SymbolKind.Function) return false;
  }
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

/** `ingestion_time() > ago(5m)`, `TimeGenerated >= ago(1d)` and mirrored forms, with a datetime bound free of row references. */
function timeBound(c: SNode): TimeBound | null {
  const op = COMPARISONS[kindOf(c)];
  if (!op) return null;
  const side = (x: SNode): "tg" | "ing" | null => {
    const k = kindOf(x);
    if (k === "FunctionCallExpression" && String(x.Name.SimpleName) === "ingestion_time") return "ing";
    if (k === "NameReference" && String(x.SimpleName) === "TimeGenerated") {
      const sym = x.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
      return sym && sym.Kind === Kusto.Language.Symbols.SymbolKind.Column ? "tg" : null;
    }
    return null;
  };
  const dated = (x: SNode) => typeOfNode(x) === "datetime" && isRowFree(x);
  const l = side(c.Left), r = side(c.Right);
  if (l && dated(c.Right)) return { on: l, op, bound: c.Right };
  if (r && dated(c.Left)) return { on: r, op: FLIP[op], bound: c.Left };
  return null;
}

/**
 * The rows of `n` when it is a row-wise pipeline over a table of `tables`, else undefined (the
 * caller evaluates it operator by operator). `range` is the evaluation's own visibility.
 */
export function evalPrefix(n: SNode, env: Env, tables: WorkspaceTables, visible: TimeBounds): Table | undefined {
  const plan = planOf(n);
  if (!plan) return undefined;
  const source = tables.index(plan.table);
  const columns = schemaOf(plan.top);
  if (!source) return { columns, rows: [] };
  let cached = tables.prefixCache.get(plan.top);
  if (!cached) {
    cached = plan.steps.length ? new TimeIndex(runSteps(plan.steps, source, env)) : source;
    tables.prefixCache.set(plan.top, cached);
  }
  const b = { ...visible };
  for (const tb of plan.bounds) {
    const v = evalScalar(tb.bound, { env, row: null });
    if (!(v instanceof Date)) return { columns, rows: [] };   // a null bound: the comparison is null for every row
    const t = v.getTime();
    const lo = tb.op === ">" ? t + 1 : tb.op === ">=" ? t : -Infinity;
    const hi = tb.op === "<" ? t - 1 : tb.op === "<=" ? t : Infinity;
    if (tb.on === "tg") { b.tgLo = Math.max(b.tgLo, lo); b.tgHi = Math.min(b.tgHi, hi); }
    else { b.ingLo = Math.max(b.ingLo, lo); b.ingHi = Math.min(b.ingHi, hi); }
  }
  // A time comparison is null (so false) on a row without that time: keep such rows out.
  if (plan.bounds.some((x) => x.on === "tg") && b.tgLo === -Infinity) b.tgLo = -Number.MAX_VALUE;
  return { columns, rows: cached.select(b) };
}

/** The cached steps over every row of the table, keeping each row's times. */
function runSteps(steps: Step[], source: TimeIndex, env: Env): IndexedRow[] {
  let rows: IndexedRow[] = [...source.byTg, ...source.untimed];
  for (const s of steps) {
    if (s.kind === "where") {
      rows = rows.filter((ir) => s.conjuncts.every((c) => asBool(evalScalar(c, { env, row: ir.row })) === true));
    } else {
      const table = extend(s.pipe.Operator, { columns: schemaOf(s.pipe.Expression), rows: rows.map((ir) => ir.row) }, env);
      rows = rows.map((ir, i) => ({ ...ir, row: table.rows[i] }));
    }
  }
  return rows;
}
