// Aggregation functions, evaluated over the rows of one summarize group.
// Null handling and empty-group defaults follow kusto/query/summarize-operator.md
// ("Default values of aggregations") and scalar-data-types/null-values.md.
// arg_max/arg_min/take_any(*) return several columns and are handled by summarize itself.
import type { Ctx, R, Scalar } from "./context";
import { compileScalar, asBool, ScalarScope, once } from "./scalar";
import { SNode, unsupported, typeOfNode, kindOf } from "./syntax";
import { Dyn, Value, keyOf, compareValues, convert, KType } from "./values";

export const AGGREGATES = new Set([
  "count", "countif", "dcount", "dcountif", "count_distinct", "make_set", "make_set_if", "make_list", "make_list_if",
  "min", "max", "minif", "maxif", "sum", "sumif", "avg", "avgif", "any", "take_any", "anyif", "take_anyif",
  "arg_max", "arg_min",
]);

/** Aggregates that produce several columns (a tuple); only valid as a top-level summarize aggregate. */
export const TUPLE_AGGREGATES = new Set(["arg_max", "arg_min"]);

function typed(v: number, t: KType): number { return t === "int" || t === "long" ? Math.trunc(v) : v; }

/**
 * An aggregate call inside a summarize aggregate expression (`round(100.0 * countif(x) / count(), 1)`):
 * a closure over the current group's rows (ctx.group).
 */
export function compileAggregate(name: string, n: SNode, argNodes: SNode[], s: ScalarScope): Scalar {
  const agg = compileAggregator(name, n, argNodes, s);
  if (!agg) throw unsupported(n, `aggregate '${name}' inside an expression`);
  return (_r, c) => {
    let state = agg.init;
    for (const row of c.group!) state = agg.add(state, row, c);
    return agg.result(state);
  };
}

// ---------------------------------------------------------------------------------------------
// An aggregate folds each row of a group into a small state, in the rows' order. A summarize
// aggregate that is an aggregate call by itself (`X = countif(...)`) is fed as the rows are
// grouped, without keeping each group's rows. A group's state starts as `init` and is replaced by
// what add() returns (a number for counts, the best value for min/max; an object made at the first
// row that needs one).

export interface Aggregator {
  init: unknown;
  add(state: unknown, row: R, ctx: Ctx): unknown;
  result(state: unknown): Value;
}

/** The aggregator of an aggregate call, or null for one that is not computed row by row here. */
export function compileAggregator(name: string, n: SNode, argNodes: SNode[], s: ScalarScope): Aggregator | null {
  const rt = typeOfNode(n);
  const rowScope: ScalarScope = { ...s, aggregates: false };
  const arg = (i: number): Scalar => compileScalar(argNodes[i], rowScope);
  const test = (i: number) => { const f = arg(i); return (row: R, c: Ctx) => asBool(f(row, c)) === true; };
  switch (name) {
    case "count": return { init: 0, add: (k) => (k as number) + 1, result: (k) => k as number };
    case "countif": {
      const p = test(0);
      return { init: 0, add: (k, row, c) => (p(row, c) ? (k as number) + 1 : k), result: (k) => k as number };
    }
    case "dcount": case "count_distinct": case "dcountif": {
      const f = arg(0);
      const p = name === "dcountif" ? test(1) : null;
      return {
        init: null,
        add: (set, row, c) => {
          const v = f(row, c);
          if (v === null || (p && !p(row, c))) return set;
          const s2 = (set as Set<string> | null) ?? new Set<string>();
          s2.add(keyOf(v));
          return s2;
        },
        result: (set) => (set as Set<string> | null)?.size ?? 0,
      };
    }
    case "make_set": case "make_set_if": case "make_list": case "make_list_if": {
      const isIf = name.endsWith("_if");
      const f = arg(0);
      const p = isIf ? test(1) : null;
      const limitAt = isIf ? 2 : 1;
      const limitF = argNodes.length > limitAt ? compileScalar(argNodes[limitAt], rowScope) : null;
      const limitKey = {};
      const limitOf = (c: Ctx) => once(c, limitKey, () => { const v = limitF ? limitF(null, c) : null; return typeof v === "number" ? v : 1048576; });
      const isSet = name.startsWith("make_set");
      const spread = isSet && typeOfNode(argNodes[0]) === "dynamic";
      type State = { out: Dyn[]; seen: Set<string> | null; limit: number };
      const put = (st: State, v: Dyn) => {
        if (v === null || st.out.length >= st.limit) return;
        if (st.seen) { const k = keyOf(v); if (st.seen.has(k)) return; st.seen.add(k); }
        st.out.push(v);
      };
      return {
        init: null,
        add: (state, row, c) => {
          const v = f(row, c);
          if (p && !p(row, c)) return state;
          const st = (state as State | null) ?? { out: [], seen: isSet ? new Set<string>() : null, limit: limitOf(c) };
          if (spread && Array.isArray(v)) v.forEach((x) => put(st, x)); else put(st, v);
          return st;
        },
        result: (state) => (state as State | null)?.out ?? [],
      };
    }
    case "min": case "max": case "minif": case "maxif": {
      const f = arg(0);
      const p = name.endsWith("if") ? test(1) : null;
      const sign = name.startsWith("max") ? 1 : -1;
      return {
        init: null,
        add: (best, row, c) => {
          const v = f(row, c);
          if (p && !p(row, c)) return best;
          return v !== null && (best === null || sign * compareValues(v, best as Value) > 0) ? v : best;
        },
        result: (best) => best as Value,
      };
    }
    case "sum": case "sumif": case "avg": case "avgif": {
      const f = arg(0);
      const p = name.endsWith("if") ? test(1) : null;
      const average = name.startsWith("avg");
      type State = { total: number; count: number };
      return {
        init: null,
        add: (state, row, c) => {
          const v = f(row, c);
          if ((p && !p(row, c)) || v === null) return state;
          const st = (state as State | null) ?? { total: 0, count: 0 };
          st.total += typeof v === "number" ? v : ((convert(v, "real") as number | null) ?? 0);
          st.count++;
          return st;
        },
        // avg of an empty group: 0/0 = NaN, as the summarize docs show.
        result: (state) => { const st = (state as State | null) ?? { total: 0, count: 0 }; return average ? st.total / st.count : typed(st.total, rt); },
      };
    }
    case "any": case "take_any": case "anyif": case "take_anyif": {
      // take_any picks an arbitrary row; we take the first, preferring a non-null value (documented for any()).
      const NONE = NOTHING;
      if (kindOf(argNodes[0]) === "StarExpression") {
        // take_any(*) over a one-column input is typed as a scalar, not a tuple: the single column's value.
        const first = s.columns?.[0]?.name;
        return { init: NONE, add: (v, row) => (v !== NONE ? v : first !== undefined ? row[first] ?? null : null), result: (v) => (v === NONE ? null : v as Value) };
      }
      const f = arg(0);
      const p = name.endsWith("if") ? test(1) : null;
      return {
        init: NONE,
        add: (found, row, c) => {
          if (found !== NONE) return found;
          const v = f(row, c);
          return v !== null && (!p || p(row, c)) ? v : NONE;
        },
        result: (v) => (v === NONE ? null : v as Value),
      };
    }
    default:
      return null;
  }
}

/** The state of an aggregate that has not taken a value yet. */
const NOTHING = Symbol("nothing");
