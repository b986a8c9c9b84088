// Aggregation functions, evaluated over the rows of one summarize group.
// Null handling and empty-group defaults follow kusto/query/summarize-operator.md
// ("Default values of aggregations") and scalar-data-types/null-values.md.
// arg_max/arg_min/take_any(*) return several columns and are handled by summarize itself.
import { Scope } from "./context";
import { evalScalar, asBool } from "./scalar";
import { SNode, unsupported, typeOfNode, kindOf } from "./syntax";
import { Dyn, Value, keyOf, compareValues, convert, KType } from "./values";

export const AGGREGATES = new Set([
  "count", "countif", "dcount", "dcountif", "count_distinct", "make_set", "make_set_if", "make_list", "make_list_if",
  "min", "max", "minif", "maxif", "sum", "sumif", "avg", "avgif", "any", "take_any", "anyif", "take_anyif",
  "arg_max", "arg_min",
]);

/** Aggregates that produce several columns (a tuple); only valid as a top-level summarize aggregate. */
export const TUPLE_AGGREGATES = new Set(["arg_max", "arg_min"]);

function over(args: SNode[], i: number, scope: Scope): Value[] {
  return scope.group!.map((row) => evalScalar(args[i], { env: scope.env, row }));
}
function predicate(args: SNode[], i: number, scope: Scope): boolean[] {
  return over(args, i, scope).map((v) => asBool(v) === true);
}
function maxSize(args: SNode[], i: number, scope: Scope): number {
  if (args.length <= i) return 1048576;
  const v = evalScalar(args[i], { env: scope.env, row: null });
  return typeof v === "number" ? v : 1048576;
}
function typed(v: number, t: KType): number { return t === "int" || t === "long" ? Math.trunc(v) : v; }

export function aggregate(name: string, n: SNode, args: SNode[], scope: Scope): Value {
  const rows = scope.group!;
  const rt = typeOfNode(n);
  switch (name) {
    case "count": return rows.length;            // count(expr) counts nulls too (summarize docs)
    case "countif": return predicate(args, 0, scope).filter(Boolean).length;
    case "dcount": case "count_distinct": case "dcountif": {
      // Exact distinct count (dcount is an estimate in Kusto; exact is within its error bound). Nulls are ignored.
      const vals = over(args, 0, scope);
      const keep = name === "dcountif" ? predicate(args, 1, scope) : null;
      const s = new Set<string>();
      vals.forEach((v, i) => { if (v !== null && (!keep || keep[i])) s.add(keyOf(v)); });
      return s.size;
    }
    case "make_set": case "make_set_if": case "make_list": case "make_list_if": {
      const isIf = name.endsWith("_if");
      const vals = over(args, 0, scope);
      const keep = isIf ? predicate(args, 1, scope) : null;
      const limit = maxSize(args, isIf ? 2 : 1, scope);
      const set = name.startsWith("make_set");
      const out: Dyn[] = [];
      const seen = new Set<string>();
      const add = (v: Dyn) => {
        if (v === null || out.length >= limit) return;
        if (set) { const k = keyOf(v); if (seen.has(k)) return; seen.add(k); }
        out.push(v);
      };
      vals.forEach((v, i) => {
        if (keep && !keep[i]) return;
        // make_set of an array-typed expression collects the elements (make-set docs, "Set from array column").
        if (set && Array.isArray(v) && typeOfNode(args[0]) === "dynamic") v.forEach(add); else add(v);
      });
      return out;
    }
    case "min": case "max": case "minif": case "maxif": {
      const vals = over(args, 0, scope);
      const keep = name.endsWith("if") ? predicate(args, 1, scope) : null;
      const sign = name.startsWith("max") ? 1 : -1;
      let best: Value = null;
      vals.forEach((v, i) => { if (v !== null && (!keep || keep[i]) && (best === null || sign * compareValues(v, best) > 0)) best = v; });
      return best;
    }
    case "sum": case "sumif": {
      const vals = over(args, 0, scope);
      const keep = name === "sumif" ? predicate(args, 1, scope) : null;
      let total = 0;
      vals.forEach((v, i) => { if (v !== null && (!keep || keep[i])) total += typeof v === "number" ? v : ((convert(v, "real") as number | null) ?? 0); });
      return typed(total, rt);
    }
    case "avg": case "avgif": {
      const vals = over(args, 0, scope);
      const keep = name === "avgif" ? predicate(args, 1, scope) : null;
      let total = 0, count = 0;
      vals.forEach((v, i) => { if (v !== null && (!keep || keep[i])) { total += typeof v === "number" ? v : ((convert(v, "real") as number | null) ?? 0); count++; } });
      return total / count;                      // 0/0 = NaN for an empty group, as the summarize docs show
    }
    case "any": case "take_any": case "anyif": case "take_anyif": {
      // take_any(*) over a one-column input is typed as a scalar, not a tuple: the single column's value.
      if (kindOf(args[0]) === "StarExpression") { const r = rows[0]; return r ? Object.values(r)[0] ?? null : null; }
      const keep = name.endsWith("if") ? predicate(args, 1, scope) : null;
      // take_any picks an arbitrary row; we take the first, preferring a non-null value (documented for any()).
      const vals = over(args, 0, scope);
      const idx = vals.findIndex((v, i) => v !== null && (!keep || keep[i]));
      return idx >= 0 ? vals[idx] : null;
    }
    default:
      throw unsupported(n, `aggregate '${name}' inside an expression`);
  }
}
