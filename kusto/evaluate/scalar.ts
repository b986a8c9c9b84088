// Scalar expressions: literals, column and let references, operators, function calls.
// Types come from the analyser (node.ResultType), so e.g. long / long is integer division
// without the evaluator re-deriving KQL's typing rules.
import { Scope } from "./context";
import { AGGREGATES, aggregate } from "./aggregates";
import { FUNCTIONS } from "./functions";
import { KType, Timespan, Value, Dyn, convert, isBag, isNumericType, isIntegerType, keyOf, nullOf, toKString, compareValues, valuesEqual } from "./values";
import { SNode, kindOf, listOf, literalOf, typeOfNode, unsupported, isTabularNode, textOf, KqlQueryError, memo } from "./syntax";

export function evalScalar(n: SNode, scope: Scope): Value {
  const k = kindOf(n);
  switch (k) {
    case "ParenthesizedExpression": return evalScalar(n.Expression, scope);
    case "BooleanLiteralExpression": case "RealLiteralExpression": case "DecimalLiteralExpression":
    case "IntLiteralExpression": case "LongLiteralExpression": case "StringLiteralExpression":
    case "CompoundStringLiteralExpression": case "DateTimeLiteralExpression": case "TimespanLiteralExpression":
    case "GuidLiteralExpression": case "NullLiteralExpression":
      return literal(n, k);
    case "DynamicExpression": return jsonValue(n.Expression, scope);
    case "NameReference": return nameValue(n, scope);
    case "PathExpression": return member(evalScalar(n.Expression, scope), String(n.Selector.SimpleName ?? textOf(n.Selector)));
    case "ElementExpression": {
      const base = evalScalar(n.Expression, scope);
      const sel = n.Selector;
      if (kindOf(sel) !== "BracketedExpression") throw unsupported(sel);
      const idx = evalScalar(sel.Expression, scope);
      return element(base, idx);
    }
    case "UnaryMinusExpression": {
      const v = evalScalar(n.Expression, scope);
      if (v === null) return null;
      if (v instanceof Timespan) return new Timespan(-v.ms);
      const num = typeof v === "number" ? v : convert(v, "real");
      return num === null ? null : -(num as number);
    }
    case "UnaryPlusExpression": return evalScalar(n.Expression, scope);
    case "AddExpression": case "SubtractExpression": case "MultiplyExpression": case "DivideExpression": case "ModuloExpression":
      return arithmetic(k, n, scope);
    case "LessThanExpression": case "LessThanOrEqualExpression": case "GreaterThanExpression": case "GreaterThanOrEqualExpression": {
      const [a, b] = comparable(n, scope);
      if (a === null || b === null) return null;
      const c = compareValues(a, b);
      if (Number.isNaN(c)) return null;
      return k === "LessThanExpression" ? c < 0 : k === "LessThanOrEqualExpression" ? c <= 0 : k === "GreaterThanExpression" ? c > 0 : c >= 0;
    }
    case "EqualExpression": case "NotEqualExpression": {
      const [a, b] = comparable(n, scope);
      const eq = equality(a, b);
      if (eq === null) return null;
      return k === "EqualExpression" ? eq : !eq;
    }
    case "EqualTildeExpression": case "BangTildeExpression": {
      const a = toKString(evalScalar(n.Left, scope)).toLowerCase(), b = toKString(evalScalar(n.Right, scope)).toLowerCase();
      return k === "EqualTildeExpression" ? a === b : a !== b;
    }
    case "AndExpression": {
      const a = asBool(evalScalar(n.Left, scope));
      if (a === false) return false;
      const b = asBool(evalScalar(n.Right, scope));
      if (b === false) return false;
      return a === null || b === null ? null : true;
    }
    case "OrExpression": {
      const a = asBool(evalScalar(n.Left, scope));
      if (a === true) return true;
      const b = asBool(evalScalar(n.Right, scope));
      if (b === true) return true;
      return a === null || b === null ? null : false;
    }
    case "InExpression": case "InCsExpression": case "NotInExpression": case "NotInCsExpression":
      return inList(n, scope);
    case "BetweenExpression": case "NotBetweenExpression": {
      const v = evalScalar(n.Left, scope);
      const lt = typeOfNode(n.Left);
      const lo = coerceTo(evalScalar(n.Right.First, scope), typeOfNode(n.Right.First), lt);
      let hi = coerceTo(evalScalar(n.Right.Second, scope), typeOfNode(n.Right.Second), lt);
      // `datetime between (start .. 3d)`: a timespan upper bound is relative to the lower one (between-operator.md).
      if (lo instanceof Date && hi instanceof Timespan) hi = new Date(lo.getTime() + hi.ms);
      if (v === null || lo === null || hi === null) return null;
      const inside = compareValues(lo, v) <= 0 && compareValues(v, hi) <= 0;
      return k === "BetweenExpression" ? inside : !inside;
    }
    case "HasAnyExpression": case "HasAllExpression": {
      const hay = toKString(evalScalar(n.Left, scope));
      const needles = listValues(n.Right, scope).map(toKString);
      return k === "HasAnyExpression" ? needles.some((x) => hasTerm(hay, x, false)) : needles.every((x) => hasTerm(hay, x, false));
    }
    case "MatchesRegexExpression": {
      const s = toKString(evalScalar(n.Left, scope));
      return regex(toKString(evalScalar(n.Right, scope)), n.Right).test(s);
    }
    case "FunctionCallExpression": return call(n, scope);
    case "ToScalarExpression": {
      const t = scope.env.evalTabular(n.Expression, scope.env);
      if (t.rows.length === 0 || t.columns.length === 0) return t.columns.length ? nullOf(t.columns[0].type) : null;
      return t.rows[0][t.columns[0].name] ?? null;
    }
    default: {
      const op = STRING_OPS[k];
      if (op) {
        const a = toKString(evalScalar(n.Left, scope)), b = toKString(evalScalar(n.Right, scope));
        return op(a, b);
      }
      throw unsupported(n);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Literals and names

function literal(n: SNode, k: string): Value {
  const v = literalOf(n);
  if (v === null || v === undefined) return nullOf(typeOfNode(n));
  switch (k) {
    case "DateTimeLiteralExpression": return new Date((v as Date).getTime());
    case "TimespanLiteralExpression": {
      // The parser reports 0 ticks for the d.hh:mm:ss literal form (timespan(1.02:03:04)); refuse rather than guess.
      const ticks = (v as { ticks: { toNumber(): number } }).ticks.toNumber();
      if (ticks === 0 && /[:.]/.test(textOf(n)) && /[1-9]/.test(textOf(n))) throw unsupported(n, "timespan literal in [d.]hh:mm:ss form");
      return new Timespan(ticks / 1e4);
    }
    case "LongLiteralExpression": case "IntLiteralExpression": {
      // Hex literals come back as 0 from the parser; JS Number() reads the token text correctly.
      const text = textOf(n);
      if (/^0x/i.test(text)) return Number(text);
      return typeof v === "number" ? v : (v as { toNumber(): number }).toNumber();
    }
    case "GuidLiteralExpression": return String(v).toLowerCase();
    case "NullLiteralExpression": return null;
    default: return v as Value;
  }
}

/** dynamic(...) literal bodies: evaluated from the tree (the parser's LiteralValue text is not JSON when it holds datetime(...)). */
function jsonValue(n: SNode, scope: Scope): Dyn {
  switch (kindOf(n)) {
    case "JsonObjectExpression": {
      const o: { [k: string]: Dyn } = {};
      for (const p of listOf(n.Pairs)) o[String((Kusto.Language as any).KustoFacts.GetStringLiteralValue(p.Name.Text))] = jsonValue(p.Value, scope);
      return o;
    }
    case "JsonArrayExpression": return listOf(n.Values).map((x) => jsonValue(x, scope));
    case "NullLiteralExpression": return null;
    case "UnaryMinusExpression": { const v = jsonValue(n.Expression, scope); return typeof v === "number" ? -v : null; }
    default: return evalScalar(n, scope);
  }
}

function nameValue(n: SNode, scope: Scope): Value {
  const { name, sym } = memo(n, "name", () => ({ name: String(n.SimpleName), sym: n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null }));
  const SK = Kusto.Language.Symbols.SymbolKind;
  if (sym && sym.Kind === SK.Variable) {
    const b = scope.env.vars.get(name);
    if (!b) throw new KqlQueryError(`'${name}' is not bound`);
    if (b.kind !== "scalar") throw unsupported(n, `tabular let '${name}' used as a scalar`);
    return b.value;
  }
  if (sym && sym.Kind === SK.Column) {
    if (!scope.row) throw unsupported(n, `column '${name}' outside a row context`);
    const v = scope.row[name];
    return v === undefined ? nullOf(typeOfNode(n)) : v;
  }
  throw unsupported(n, `name '${name}' (${sym ? Kusto.Language.Symbols.SymbolKind[sym.Kind] ?? sym.Kind : "unresolved"})`);
}

export function member(base: Value, key: string): Value {
  if (isBag(base)) return Object.prototype.hasOwnProperty.call(base, key) ? base[key] : null;
  return null;
}

export function element(base: Value, idx: Value): Value {
  if (idx === null) return null;
  if (Array.isArray(base)) {
    if (typeof idx !== "number") return null;
    const i = idx < 0 ? base.length + idx : idx;
    return i >= 0 && i < base.length ? base[Math.trunc(i)] : null;
  }
  return member(base, toKString(idx));
}

// ---------------------------------------------------------------------------------------------
// Operators

export function asBool(v: Value): boolean | null {
  if (v === null) return null;
  if (typeof v === "boolean") return v;
  const b = convert(v, "bool");
  return typeof b === "boolean" ? b : null;
}

/** Bring a dynamic operand to the other operand's type; Kusto compares dynamic to scalars by value. */
function coerceTo(v: Value, from: KType, to: KType): Value {
  if (v === null || from === to) return v;
  if (from === "dynamic" && to !== "dynamic") return convert(v, isNumericType(to) ? "real" : to);
  if (to === "dynamic" && from !== "dynamic") return v;
  return v;
}

function comparable(n: SNode, scope: Scope): [Value, Value] {
  const lt = typeOfNode(n.Left), rt = typeOfNode(n.Right);
  let a = evalScalar(n.Left, scope), b = evalScalar(n.Right, scope);
  if (lt === "dynamic" && rt !== "dynamic") a = coerceTo(a, lt, rt);
  else if (rt === "dynamic" && lt !== "dynamic") b = coerceTo(b, rt, lt);
  return [a, b];
}

/** `==` with Kusto's null rules: null == null -> null, null == x -> false. */
export function equality(a: Value, b: Value): boolean | null {
  if (a === null && b === null) return null;
  if (a === null || b === null) return false;
  if (typeof a === "number" && typeof b === "number") return a === b;
  return valuesEqual(a, b);
}

function arithmetic(k: string, n: SNode, scope: Scope): Value {
  let a = evalScalar(n.Left, scope), b = evalScalar(n.Right, scope);
  if (a === null || b === null) return null;
  const rtype = typeOfNode(n);
  if (!(a instanceof Date || a instanceof Timespan) && typeof a !== "number") a = convert(a, "real");
  if (!(b instanceof Date || b instanceof Timespan) && typeof b !== "number") b = convert(b, "real");
  if (a === null || b === null) return null;
  if (a instanceof Date) {
    if (b instanceof Date && k === "SubtractExpression") return new Timespan(a.getTime() - b.getTime());
    if (b instanceof Timespan && (k === "AddExpression" || k === "SubtractExpression"))
      return new Date(a.getTime() + (k === "AddExpression" ? b.ms : -b.ms));
    throw unsupported(n, `${k} on datetime`);
  }
  if (a instanceof Timespan) {
    if (b instanceof Date && k === "AddExpression") return new Date(b.getTime() + a.ms);
    if (b instanceof Timespan) {
      if (k === "AddExpression") return new Timespan(a.ms + b.ms);
      if (k === "SubtractExpression") return new Timespan(a.ms - b.ms);
      if (k === "DivideExpression") return a.ms / b.ms;
      if (k === "ModuloExpression") return new Timespan(a.ms % b.ms);
    }
    if (typeof b === "number") {
      if (k === "MultiplyExpression") return new Timespan(a.ms * b);
      if (k === "DivideExpression") return new Timespan(a.ms / b);
    }
    throw unsupported(n, `${k} on timespan`);
  }
  if (b instanceof Timespan && typeof a === "number" && k === "MultiplyExpression") return new Timespan(a * b.ms);
  if (typeof a !== "number" || typeof b !== "number") throw unsupported(n, `${k} on ${typeof a}/${typeof b}`);
  const integer = isIntegerType(rtype);
  switch (k) {
    case "AddExpression": return fix(a + b, rtype);
    case "SubtractExpression": return fix(a - b, rtype);
    case "MultiplyExpression": return fix(a * b, rtype);
    case "DivideExpression":
      // Integer division truncates toward zero; integer division by zero gives null here (real: IEEE inf/NaN).
      if (integer) return b === 0 ? null : fix(Math.trunc(a / b), rtype);
      return a / b;
    case "ModuloExpression":
      if (integer) return b === 0 ? null : fix(a % b, rtype);
      return a % b;
  }
  throw unsupported(n);
}

function fix(v: number, t: KType): number {
  if (t === "int") return v | 0;
  if (t === "long") return Math.trunc(v);
  return v;
}

/** Values of an `in`/has_any list: scalars, dynamic arrays (flattened) and tabular subqueries (first column). */
function listValues(list: SNode, scope: Scope): Value[] {
  const exprs = kindOf(list) === "ExpressionList" ? listOf(list.Expressions) : [list];
  const out: Value[] = [];
  for (const e of exprs) {
    if (isTabularNode(e)) {
      const t = scope.env.evalTabular(e, scope.env);
      const c = t.columns[0];
      if (c) for (const r of t.rows) out.push(r[c.name] ?? null);
      continue;
    }
    const v = evalScalar(e, scope);
    if (Array.isArray(v) && typeOfNode(e) === "dynamic") out.push(...v);
    else out.push(v);
  }
  return out;
}

function inList(n: SNode, scope: Scope): Value {
  const op = String(n.Operator.Text);          // in, in~, !in, !in~ (the kind names do not say which is which)
  const ci = op.endsWith("~");
  const negate = op.startsWith("!");
  const lt = typeOfNode(n.Left);
  const left = evalScalar(n.Left, scope);
  const values = listValues(n.Right, scope);
  let found = false;
  if (ci) {
    const l = toKString(left).toLowerCase();
    found = values.some((v) => toKString(v).toLowerCase() === l);
  } else if (left !== null) {
    const lk = keyOf(left);
    found = values.some((v) => {
      const c = lt === "dynamic" ? v : typeof v === typeof left && !(v instanceof Date) ? v : convert(v, isNumericType(lt) ? "real" : lt);
      return c !== null && (keyOf(c) === lk || (typeof c === "number" && typeof left === "number" && c === left));
    });
  }
  return negate ? !found : found;
}

// ---------------------------------------------------------------------------------------------
// String operators (see kusto/query/datatypes-string-operators.md)

const isAlnum = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);

/**
 * `has` semantics: the needle must match whole terms (maximal runs of alphanumerics). A needle with
 * several terms (e.g. "bar.com") matches a run of terms; its ends only need a term boundary where the
 * needle itself starts/ends with an alphanumeric. `prefix`/`suffix` relax the end/start boundary.
 */
export function hasTerm(hay: string, needle: string, cs: boolean, mode: "term" | "prefix" | "suffix" = "term"): boolean {
  if (needle === "") return true;
  const h = cs ? hay : hay.toLowerCase(), x = cs ? needle : needle.toLowerCase();
  for (let i = h.indexOf(x); i >= 0; i = h.indexOf(x, i + 1)) {
    const startOk = mode === "suffix" || !isAlnum(x[0]) || !isAlnum(h[i - 1]);
    const endOk = mode === "prefix" || !isAlnum(x[x.length - 1]) || !isAlnum(h[i + x.length]);
    if (startOk && endOk) return true;
  }
  return false;
}

const lc = (s: string) => s.toLowerCase();
const STRING_OPS: Record<string, (a: string, b: string) => boolean> = {
  HasExpression: (a, b) => hasTerm(a, b, false),
  NotHasExpression: (a, b) => !hasTerm(a, b, false),
  HasCsExpression: (a, b) => hasTerm(a, b, true),
  NotHasCsExpression: (a, b) => !hasTerm(a, b, true),
  HasPrefixExpression: (a, b) => hasTerm(a, b, false, "prefix"),
  NotHasPrefixExpression: (a, b) => !hasTerm(a, b, false, "prefix"),
  HasPrefixCsExpression: (a, b) => hasTerm(a, b, true, "prefix"),
  NotHasPrefixCsExpression: (a, b) => !hasTerm(a, b, true, "prefix"),
  HasSuffixExpression: (a, b) => hasTerm(a, b, false, "suffix"),
  NotHasSuffixExpression: (a, b) => !hasTerm(a, b, false, "suffix"),
  HasSuffixCsExpression: (a, b) => hasTerm(a, b, true, "suffix"),
  NotHasSuffixCsExpression: (a, b) => !hasTerm(a, b, true, "suffix"),
  ContainsExpression: (a, b) => lc(a).includes(lc(b)),
  NotContainsExpression: (a, b) => !lc(a).includes(lc(b)),
  ContainsCsExpression: (a, b) => a.includes(b),
  NotContainsCsExpression: (a, b) => !a.includes(b),
  StartsWithExpression: (a, b) => lc(a).startsWith(lc(b)),
  NotStartsWithExpression: (a, b) => !lc(a).startsWith(lc(b)),
  StartsWithCsExpression: (a, b) => a.startsWith(b),
  NotStartsWithCsExpression: (a, b) => !a.startsWith(b),
  EndsWithExpression: (a, b) => lc(a).endsWith(lc(b)),
  NotEndsWithExpression: (a, b) => !lc(a).endsWith(lc(b)),
  EndsWithCsExpression: (a, b) => a.endsWith(b),
  NotEndsWithCsExpression: (a, b) => !a.endsWith(b),
};

const regexCache = new Map<string, RegExp>();
/** Kusto uses RE2; JS RegExp agrees on the common subset. A leading (?i) becomes the i flag. */
export function regex(pattern: string, at: SNode, global = false): RegExp {
  const key = (global ? "g:" : "") + pattern;
  let re = regexCache.get(key);
  if (!re) {
    let p = pattern, flags = global ? "g" : "";
    const m = /^\(\?([ims]+)\)/.exec(p);
    if (m) { p = p.slice(m[0].length); flags += m[1]; }
    try { re = new RegExp(p, flags + "u"); } catch {
      try { re = new RegExp(p, flags); } catch { throw unsupported(at, `regular expression ${JSON.stringify(pattern)}`); }
    }
    regexCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

// ---------------------------------------------------------------------------------------------
// Function calls

function call(n: SNode, scope: Scope): Value {
  const { name, args, userDefined, argTypes } = memo(n, "call", () => {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    const a = listOf(n.ArgumentList.Expressions);
    return { name: String(n.Name.SimpleName), args: a, argTypes: a.map(typeOfNode), userDefined: !!sym && sym.Kind !== Kusto.Language.Symbols.SymbolKind.Function };
  });
  if (scope.env.vars.has(name) || userDefined) throw unsupported(n, `call of user-defined function '${name}'`);
  if (AGGREGATES.has(name)) {
    if (!scope.group) throw unsupported(n, `aggregate function '${name}' outside summarize`);
    return aggregate(name, n, args, scope);
  }
  const f = FUNCTIONS.get(name);
  if (!f) throw unsupported(n, `function '${name}'`);
  if (f.raw) return f.raw(args, n, scope);
  const values = args.map((a) => (kindOf(a) === "TypeOfLiteralExpression" ? null : evalScalar(a, scope)));
  return f.fn!(values, { node: n, args, argTypes, resultType: typeOfNode(n), scope });
}
