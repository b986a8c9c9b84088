// Aggregation functions, evaluated over the rows of one summarize group (ctx.group).
// Null handling and empty-group defaults follow kusto/query/summarize-operator.md
// ("Default values of aggregations") and scalar-data-types/null-values.md.
// arg_max/arg_min/take_any(*) return several columns and are handled by summarize itself.
import type { Ctx, R, Scalar } from "./context";
import { compileScalar, asBool, ScalarScope } from "./scalar";
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

/** An aggregate call inside a summarize aggregate expression: a closure over the current group. */
export function compileAggregate(name: string, n: SNode, argNodes: SNode[], s: ScalarScope): Scalar {
  const rt = typeOfNode(n);
  // Arguments are evaluated per row of the group; they cannot hold aggregates themselves.
  const rowScope: ScalarScope = { ...s, aggregates: false };
  const arg = (i: number): Scalar => compileScalar(argNodes[i], rowScope);
  const group = (c: Ctx): R[] => c.group!;
  const over = (f: Scalar) => (c: Ctx): Value[] => group(c).map((row) => f(row, c));
  const predicate = (f: Scalar) => (c: Ctx): boolean[] => group(c).map((row) => asBool(f(row, c)) === true);
  /** The size limit argument: evaluated without a row (a constant). */
  const maxSize = (i: number) => {
    if (argNodes.length <= i) return () => 1048576;
    const f = compileScalar(argNodes[i], rowScope);
    return (c: Ctx) => { const v = f(null, c); return typeof v === "number" ? v : 1048576; };
  };
  switch (name) {
    case "count": return (_r, c) => group(c).length;            // count(expr) counts nulls too (summarize docs)
    case "countif": {
      const p = arg(0);
      return (_r, c) => { let k = 0; for (const row of group(c)) if (asBool(p(row, c)) === true) k++; return k; };
    }
    case "dcount": case "count_distinct": case "dcountif": {
      // Exact distinct count (dcount is an estimate in Kusto; exact is within its error bound). Nulls are ignored.
      const vals = over(arg(0));
      const keep = name === "dcountif" ? predicate(arg(1)) : null;
      return (_r, c) => {
        const vs = vals(c), ks = keep ? keep(c) : null;
        const set = new Set<string>();
        vs.forEach((v, i) => { if (v !== null && (!ks || ks[i])) set.add(keyOf(v)); });
        return set.size;
      };
    }
    case "make_set": case "make_set_if": case "make_list": case "make_list_if": {
      const isIf = name.endsWith("_if");
      const vals = over(arg(0));
      const keep = isIf ? predicate(arg(1)) : null;
      const limitOf = maxSize(isIf ? 2 : 1);
      const isSet = name.startsWith("make_set");
      // make_set of an array-typed expression collects the elements (make-set docs, "Set from array column").
      const spread = isSet && typeOfNode(argNodes[0]) === "dynamic";
      return (_r, c) => {
        const vs = vals(c), ks = keep ? keep(c) : null;
        const limit = limitOf(c);
        const out: Dyn[] = [];
        const seen = new Set<string>();
        const add = (v: Dyn) => {
          if (v === null || out.length >= limit) return;
          if (isSet) { const k = keyOf(v); if (seen.has(k)) return; seen.add(k); }
          out.push(v);
        };
        vs.forEach((v, i) => {
          if (ks && !ks[i]) return;
          if (spread && Array.isArray(v)) v.forEach(add); else add(v);
        });
        return out;
      };
    }
    case "min": case "max": case "minif": case "maxif": {
      const f = arg(0);
      const p = name.endsWith("if") ? arg(1) : null;
      const sign = name.startsWith("max") ? 1 : -1;
      return (_r, c) => {
        let best: Value = null;
        for (const row of group(c)) {
          const v = f(row, c);
          if (p && asBool(p(row, c)) !== true) continue;
          if (v !== null && (best === null || sign * compareValues(v, best) > 0)) best = v;
        }
        return best;
      };
    }
    case "sum": case "sumif": case "avg": case "avgif": {
      const f = arg(0);
      const p = name.endsWith("if") ? arg(1) : null;
      const average = name.startsWith("avg");
      return (_r, c) => {
        let total = 0, count = 0;
        for (const row of group(c)) {
          const v = f(row, c);
          if (p && asBool(p(row, c)) !== true) continue;
          if (v !== null) { total += typeof v === "number" ? v : ((convert(v, "real") as number | null) ?? 0); count++; }
        }
        return average ? total / count : typed(total, rt);   // avg of an empty group: 0/0 = NaN, as the summarize docs show
      };
    }
    case "any": case "take_any": case "anyif": case "take_anyif": {
      // take_any(*) over a one-column input is typed as a scalar, not a tuple: the single column's value.
      if (kindOf(argNodes[0]) === "StarExpression") {
        const first = s.columns?.[0]?.name;
        return (_r, c) => { const r = group(c)[0]; return r && first !== undefined ? r[first] ?? null : null; };
      }
      const vals = over(arg(0));
      const keep = name.endsWith("if") ? predicate(arg(1)) : null;
      // take_any picks an arbitrary row; we take the first, preferring a non-null value (documented for any()).
      return (_r, c) => {
        const vs = vals(c), ks = keep ? keep(c) : null;
        const idx = vs.findIndex((v, i) => v !== null && (!ks || ks[i]));
        return idx >= 0 ? vs[idx] : null;
      };
    }
    default:
      throw unsupported(n, `aggregate '${name}' inside an expression`);
  }
}
