// Scalar expressions, compiled once per query into closures over a row: literals, column and let
// references, operators, function calls. Everything a node can tell (its kind, type, literal value,
// name, operator text) is read here, at compile time; the closures only compute values.
// Types come from the analyser (node.ResultType), so e.g. long / long is integer division
// without the evaluator re-deriving KQL's typing rules.
import { Ctx, R, Scalar, Tabular } from "./context";
import { AGGREGATES, compileAggregate } from "./aggregates";
import { FUNCTIONS, CallInfo } from "./functions";
import {
  Column, KType, Timespan, Value, Dyn, convert, isBag, isNumericType, isIntegerType, keyOf, nullOf, toKString, compareValues, valuesEqual,
} from "./values";
import { SNode, kindOf, listOf, literalOf, typeOfNode, unsupported, isTabularNode, textOf, KqlQueryError, isRowFree } from "./syntax";

/** What a scalar expression is compiled against. */
export interface ScalarScope {
  /** Columns of the row in scope (the operator's input), or null where no row is in scope. */
  columns: Column[] | null;
  /** Names bound by let statements of the query (a call of one is a user-defined function). */
  letNames: ReadonlySet<string>;
  /** Compiles a tabular subexpression (toscalar, `in (T | ...)`); given by tabular.ts (no import cycle). */
  tabular(n: SNode): Tabular;
  /** Aggregate functions may be called: the expression is a summarize aggregate. */
  aggregates?: boolean;
  /**
   * Columns not read from the row but from elsewhere (an extend fused into the summarize that
   * reads it, tabular.ts): by name, the function that reads one.
   */
  slots?: ReadonlyMap<string, Scalar>;
}

export function compileScalar(n: SNode, s: ScalarScope): Scalar {
  const f = compileNode(n, s);
  // An expression that reads no row (ago(1d), now() - 5m, a let value) is the same for every row
  // of an evaluation: computed at its first row. Not inside an aggregate expression (count() reads the group).
  const k = kindOf(n);
  if (!s.aggregates && !k.endsWith("LiteralExpression") && k !== "NameReference" && k !== "ParenthesizedExpression" && k !== "DynamicExpression" && isRowFree(n)) {
    let at = -1;
    let value: Value = null;
    return (r, c) => {
      if (c.id !== at) { value = f(r, c); at = c.id; }
      return value;
    };
  }
  return f;
}

function compileNode(n: SNode, s: ScalarScope): Scalar {
  const k = kindOf(n);
  switch (k) {
    case "ParenthesizedExpression": return compileScalar(n.Expression, s);
    case "BooleanLiteralExpression": case "RealLiteralExpression": case "DecimalLiteralExpression":
    case "IntLiteralExpression": case "LongLiteralExpression": case "StringLiteralExpression":
    case "CompoundStringLiteralExpression": case "DateTimeLiteralExpression": case "TimespanLiteralExpression":
    case "GuidLiteralExpression": case "NullLiteralExpression": {
      const v = literal(n, k);
      // A Date is mutable: each use gets its own.
      if (v instanceof Date) { const ms = v.getTime(); return () => new Date(ms); }
      return () => v;
    }
    case "DynamicExpression": return compileJson(n.Expression, s);
    case "NameReference": return compileName(n, s);
    case "PathExpression": {
      const base = compileScalar(n.Expression, s);
      const key = String(n.Selector.SimpleName ?? textOf(n.Selector));
      return (r, c) => member(base(r, c), key);
    }
    case "ElementExpression": {
      const base = compileScalar(n.Expression, s);
      const sel = n.Selector;
      if (kindOf(sel) !== "BracketedExpression") throw unsupported(sel);
      const idx = compileScalar(sel.Expression, s);
      return (r, c) => { const b = base(r, c); return element(b, idx(r, c)); };
    }
    case "UnaryMinusExpression": {
      const x = compileScalar(n.Expression, s);
      return (r, c) => {
        const v = x(r, c);
        if (v === null) return null;
        if (v instanceof Timespan) return new Timespan(-v.ms);
        const num = typeof v === "number" ? v : convert(v, "real");
        return num === null ? null : -(num as number);
      };
    }
    case "UnaryPlusExpression": return compileScalar(n.Expression, s);
    case "AddExpression": case "SubtractExpression": case "MultiplyExpression": case "DivideExpression": case "ModuloExpression":
      return compileArithmetic(k, n, s);
    case "LessThanExpression": case "LessThanOrEqualExpression": case "GreaterThanExpression": case "GreaterThanOrEqualExpression": {
      const [a, b] = comparable(n, s);
      const test: (c: number) => boolean = k === "LessThanExpression" ? (c) => c < 0 : k === "LessThanOrEqualExpression" ? (c) => c <= 0
        : k === "GreaterThanExpression" ? (c) => c > 0 : (c) => c >= 0;
      return (r, c) => {
        const x = a(r, c), y = b(r, c);
        if (x === null || y === null) return null;
        const cmp = compareValues(x, y);
        return Number.isNaN(cmp) ? null : test(cmp);
      };
    }
    case "EqualExpression": case "NotEqualExpression": {
      const [a, b] = comparable(n, s);
      const negate = k === "NotEqualExpression";
      return (r, c) => {
        const eq = equality(a(r, c), b(r, c));
        return eq === null ? null : negate ? !eq : eq;
      };
    }
    case "EqualTildeExpression": case "BangTildeExpression": {
      const a = compileScalar(n.Left, s);
      const negate = k === "BangTildeExpression";
      const bConst = constantString(n.Right);
      if (bConst !== undefined) {
        const lower = bConst.toLowerCase();
        return (r, c) => (toKString(a(r, c)).toLowerCase() === lower) !== negate;
      }
      const b = compileScalar(n.Right, s);
      return (r, c) => (toKString(a(r, c)).toLowerCase() === toKString(b(r, c)).toLowerCase()) !== negate;
    }
    case "AndExpression": {
      const a = compileScalar(n.Left, s), b = compileScalar(n.Right, s);
      return (r, c) => {
        const x = asBool(a(r, c));
        if (x === false) return false;
        const y = asBool(b(r, c));
        if (y === false) return false;
        return x === null || y === null ? null : true;
      };
    }
    case "OrExpression": {
      const a = compileScalar(n.Left, s), b = compileScalar(n.Right, s);
      return (r, c) => {
        const x = asBool(a(r, c));
        if (x === true) return true;
        const y = asBool(b(r, c));
        if (y === true) return true;
        return x === null || y === null ? null : false;
      };
    }
    case "InExpression": case "InCsExpression": case "NotInExpression": case "NotInCsExpression":
      return compileIn(n, s);
    case "BetweenExpression": case "NotBetweenExpression": {
      const v = compileScalar(n.Left, s);
      const lt = typeOfNode(n.Left);
      const loT = typeOfNode(n.Right.First), hiT = typeOfNode(n.Right.Second);
      const loF = compileScalar(n.Right.First, s), hiF = compileScalar(n.Right.Second, s);
      const negate = k === "NotBetweenExpression";
      return (r, c) => {
        const x = v(r, c);
        const lo = coerceTo(loF(r, c), loT, lt);
        let hi = coerceTo(hiF(r, c), hiT, lt);
        // `datetime between (start .. 3d)`: a timespan upper bound is relative to the lower one (between-operator.md).
        if (lo instanceof Date && hi instanceof Timespan) hi = new Date(lo.getTime() + hi.ms);
        if (x === null || lo === null || hi === null) return null;
        const inside = compareValues(lo, x) <= 0 && compareValues(x, hi) <= 0;
        return inside !== negate;
      };
    }
    case "HasAnyExpression": case "HasAllExpression": {
      const hay = compileScalar(n.Left, s);
      const list = compileList(n.Right, s);
      const any = k === "HasAnyExpression";
      const lowered = list.constant ? list.constant.map((x) => toKString(x).toLowerCase()) : null;
      return (r, c) => {
        const h = toKString(hay(r, c)).toLowerCase();
        const needles = lowered ?? list.values(r, c).map((x) => toKString(x).toLowerCase());
        return any ? needles.some((x) => hasLowerTerm(h, x, "term")) : needles.every((x) => hasLowerTerm(h, x, "term"));
      };
    }
    case "MatchesRegexExpression": {
      const a = compileScalar(n.Left, s);
      const pattern = constantString(n.Right);
      if (pattern !== undefined) {
        const re = regex(pattern, n.Right);
        return (r, c) => { re.lastIndex = 0; return re.test(toKString(a(r, c))); };
      }
      const b = compileScalar(n.Right, s);
      return (r, c) => { const str = toKString(a(r, c)); return regex(toKString(b(r, c)), n.Right).test(str); };
    }
    case "FunctionCallExpression": return compileCall(n, s);
    case "ToScalarExpression": {
      const t = s.tabular(n.Expression);
      const key = {};
      return (_r, c) => once(c, key, () => {
        const table = t(c);
        if (table.rows.length === 0 || table.columns.length === 0) return table.columns.length ? nullOf(table.columns[0].type) : null;
        return table.rows[0][table.columns[0].name] ?? null;
      });
    }
    default: {
      const op = STRING_OPS[k];
      if (op) {
        const a = compileScalar(n.Left, s);
        const bConst = constantString(n.Right);
        if (bConst !== undefined) {
          const f = op(bConst);
          return (r, c) => f(toKString(a(r, c)));
        }
        const b = compileScalar(n.Right, s);
        return (r, c) => { const x = toKString(a(r, c)); return op(toKString(b(r, c)))(x); };
      }
      throw unsupported(n);
    }
  }
}

/** A value computed once per evaluation (the same for every row), keyed by its use in the query. */
export function once<T>(c: Ctx, key: object, compute: () => T): T {
  if (c.once.has(key)) return c.once.get(key) as T;
  const v = compute();
  c.once.set(key, v);
  return v;
}

/** The text of a plain string literal operand (compile-time constant), else undefined. */
function constantString(n: SNode): string | undefined {
  let x = n;
  while (kindOf(x) === "ParenthesizedExpression") x = x.Expression;
  const k = kindOf(x);
  if (k !== "StringLiteralExpression" && k !== "CompoundStringLiteralExpression") return undefined;
  const v = literalOf(x);
  return typeof v === "string" ? v : undefined;
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

/** dynamic(...) literal bodies: compiled from the tree (the parser's LiteralValue text is not JSON when it holds datetime(...)). */
function compileJson(n: SNode, s: ScalarScope): Scalar {
  const f = jsonParts(n, s);
  if (f.constant !== undefined) {
    const v = f.constant;
    return () => v;
  }
  return f.fn;
}

type JsonPart = { constant: Dyn; fn: Scalar } | { constant: undefined; fn: Scalar };
function jsonParts(n: SNode, s: ScalarScope): JsonPart {
  const dynamicPart = (fn: Scalar): JsonPart => ({ constant: undefined, fn });
  switch (kindOf(n)) {
    case "JsonObjectExpression": {
      const pairs = listOf(n.Pairs).map((p) => ({ key: String((Kusto.Language as any).KustoFacts.GetStringLiteralValue(p.Name.Text)), part: jsonParts(p.Value, s) }));
      const build = (r: R | null, c: Ctx) => {
        const o: { [k: string]: Dyn } = {};
        for (const p of pairs) o[p.key] = p.part.fn(r, c);
        return o;
      };
      // Literal bodies hold no Date (datetime() inside dynamic is a Date): the same object serves every row.
      if (pairs.every((p) => p.part.constant !== undefined && !hasDate(p.part.constant))) {
        const v = build(null, null as unknown as Ctx);
        return { constant: v, fn: () => v };
      }
      return dynamicPart(build);
    }
    case "JsonArrayExpression": {
      const parts = listOf(n.Values).map((x) => jsonParts(x, s));
      const build = (r: R | null, c: Ctx) => parts.map((p) => p.fn(r, c));
      if (parts.every((p) => p.constant !== undefined && !hasDate(p.constant))) {
        const v = build(null, null as unknown as Ctx);
        return { constant: v, fn: () => v };
      }
      return dynamicPart(build);
    }
    case "NullLiteralExpression": return { constant: null, fn: () => null };
    case "UnaryMinusExpression": {
      const inner = jsonParts(n.Expression, s);
      const fn: Scalar = (r, c) => { const v = inner.fn(r, c); return typeof v === "number" ? -v : null; };
      if (inner.constant !== undefined) { const v = typeof inner.constant === "number" ? -inner.constant : null; return { constant: v, fn: () => v }; }
      return dynamicPart(fn);
    }
    default: {
      const k = kindOf(n);
      const fn = compileScalar(n, s);
      if (k.endsWith("LiteralExpression") && k !== "DateTimeLiteralExpression") { const v = fn(null, null as unknown as Ctx); return { constant: v, fn: () => v }; }
      return dynamicPart(fn);
    }
  }
}

function hasDate(v: Dyn): boolean {
  if (v instanceof Date) return true;
  if (Array.isArray(v)) return v.some(hasDate);
  if (isBag(v)) return Object.values(v).some(hasDate);
  return false;
}

function compileName(n: SNode, s: ScalarScope): Scalar {
  const name = String(n.SimpleName);
  const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
  const SK = Kusto.Language.Symbols.SymbolKind;
  if (sym && sym.Kind === SK.Variable) {
    return (_r, c) => {
      const b = c.vars.get(name);
      if (!b) throw new KqlQueryError(`'${name}' is not bound`);
      if (b.kind !== "scalar") throw unsupported(n, `tabular let '${name}' used as a scalar`);
      return b.value;
    };
  }
  if (sym && sym.Kind === SK.Column) {
    const slot = s.slots?.get(name);
    if (slot) return slot;
    const dflt = nullOf(typeOfNode(n));
    return (r) => {
      if (!r) throw unsupported(n, `column '${name}' outside a row context`);
      const v = r[name];
      return v === undefined ? dflt : v;
    };
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
  return v;
}

/** Both operands of a comparison, a dynamic one brought to the other's type. */
function comparable(n: SNode, s: ScalarScope): [Scalar, Scalar] {
  const lt = typeOfNode(n.Left), rt = typeOfNode(n.Right);
  const a = compileScalar(n.Left, s), b = compileScalar(n.Right, s);
  if (lt === "dynamic" && rt !== "dynamic") return [(r, c) => coerceTo(a(r, c), lt, rt), b];
  if (rt === "dynamic" && lt !== "dynamic") return [a, (r, c) => coerceTo(b(r, c), rt, lt)];
  return [a, b];
}

/** `==` with Kusto's null rules: null == null -> null, null == x -> false. */
export function equality(a: Value, b: Value): boolean | null {
  if (a === null && b === null) return null;
  if (a === null || b === null) return false;
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (typeof a === "string" && typeof b === "string") return a === b;
  return valuesEqual(a, b);
}

function compileArithmetic(k: string, n: SNode, s: ScalarScope): Scalar {
  const left = compileScalar(n.Left, s), right = compileScalar(n.Right, s);
  const rtype = typeOfNode(n);
  const integer = isIntegerType(rtype);
  return (r, c) => {
    let a = left(r, c), b = right(r, c);
    if (a === null || b === null) return null;
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
  };
}

function fix(v: number, t: KType): number {
  if (t === "int") return v | 0;
  if (t === "long") return Math.trunc(v);
  return v;
}

/**
 * Values of an `in`/has_any list: scalars, dynamic arrays (flattened) and tabular subqueries (first
 * column). `constant` when every element is a literal; `perEvaluation` when no element reads the
 * row (the values are then the same for every row of an evaluation).
 */
function compileList(list: SNode, s: ScalarScope): { values: (r: R | null, c: Ctx) => Value[]; constant: Value[] | null; perEvaluation: boolean } {
  const exprs = kindOf(list) === "ExpressionList" ? listOf(list.Expressions) : [list];
  const parts = exprs.map((e): ((r: R | null, c: Ctx, out: Value[]) => void) => {
    if (isTabularNode(e)) {
      const t = s.tabular(e);
      const key = {};
      return (_r, c, out) => {
        const col = once(c, key, () => {
          const table = t(c);
          const first = table.columns[0];
          return first ? table.rows.map((row) => row[first.name] ?? null) : [];
        });
        for (const v of col) out.push(v);
      };
    }
    const f = compileScalar(e, s);
    const spread = typeOfNode(e) === "dynamic";
    return (r, c, out) => {
      const v = f(r, c);
      if (Array.isArray(v) && spread) out.push(...v);
      else out.push(v);
    };
  });
  const values = (r: R | null, c: Ctx) => { const out: Value[] = []; for (const p of parts) p(r, c, out); return out; };
  const literalOnly = exprs.every((e) => isLiteralTree(e));
  const perEvaluation = exprs.every((e) => isTabularNode(e) || isRowFree(e));
  return { values, constant: literalOnly ? values(null, null as unknown as Ctx) : null, perEvaluation };
}

/** A literal, or a dynamic literal without datetimes (safe to evaluate once, at compile time). */
function isLiteralTree(e: SNode): boolean {
  const k = kindOf(e);
  if (k === "DateTimeLiteralExpression") return false;
  if (k.endsWith("LiteralExpression")) return true;
  if (k === "DynamicExpression") return !/datetime|now|ago/i.test(textOf(e));
  if (k === "ParenthesizedExpression") return isLiteralTree(e.Expression);
  return false;
}

function compileIn(n: SNode, s: ScalarScope): Scalar {
  const op = String(n.Operator.Text);          // in, in~, !in, !in~ (the kind names do not say which is which)
  const ci = op.endsWith("~");
  const negate = op.startsWith("!");
  const lt = typeOfNode(n.Left);
  const left = compileScalar(n.Left, s);
  const list = compileList(n.Right, s);
  // The list as a set of keys: computed once (constant), once per evaluation, or per row.
  const lookup = <T>(build: (values: Value[]) => T): ((r: R | null, c: Ctx) => T) => {
    if (list.constant) { const v = build(list.constant); return () => v; }
    if (list.perEvaluation) { const key = {}; return (r, c) => once(c, key, () => build(list.values(r, c))); }
    return (r, c) => build(list.values(r, c));
  };
  if (ci) {
    const lowered = lookup((values) => new Set(values.map((v) => toKString(v).toLowerCase())));
    return (r, c) => lowered(r, c).has(toKString(left(r, c)).toLowerCase()) !== negate;
  }
  // A list value matches when, brought to the left operand's type, it has the left value's key.
  // The conversion depends on the left value's JS type, which its column type fixes in practice:
  // one key set per JS type met.
  const keysFor = (values: Value[], jsType: string): Set<string> => {
    const set = new Set<string>();
    for (const v of values) {
      const cv = lt === "dynamic" ? v : typeof v === jsType && !(v instanceof Date) ? v : convert(v, isNumericType(lt) ? "real" : lt);
      if (cv !== null) set.add(keyOf(cv));
    }
    return set;
  };
  const sets = lookup((values) => ({ values, byType: new Map<string, Set<string>>() }));
  return (r, c) => {
    const x = left(r, c);
    if (x === null) return negate;
    const l = sets(r, c);
    const t = typeof x;
    let set = l.byType.get(t);
    if (!set) l.byType.set(t, (set = keysFor(l.values, t)));
    return set.has(keyOf(x)) !== negate;
  };
}

// ---------------------------------------------------------------------------------------------
// String operators (see kusto/query/datatypes-string-operators.md)

const ALNUM = /[\p{L}\p{N}]/u;
const isAlnum = (ch: string | undefined): boolean => {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return ALNUM.test(ch);
};

/**
 * `has` semantics: the needle must match whole terms (maximal runs of alphanumerics). A needle with
 * several terms (e.g. "bar.com") matches a run of terms; its ends only need a term boundary where the
 * needle itself starts/ends with an alphanumeric. `prefix`/`suffix` relax the end/start boundary.
 */
export function hasTerm(hay: string, needle: string, cs: boolean, mode: "term" | "prefix" | "suffix" = "term"): boolean {
  return cs ? hasLowerTerm(hay, needle, mode) : hasLowerTerm(hay.toLowerCase(), needle.toLowerCase(), mode);
}

/** hasTerm over text already in the case it is compared in. */
function hasLowerTerm(h: string, x: string, mode: "term" | "prefix" | "suffix"): boolean {
  if (x === "") return true;
  const startCheck = mode !== "suffix" && isAlnum(x[0]);
  const endCheck = mode !== "prefix" && isAlnum(x[x.length - 1]);
  for (let i = h.indexOf(x); i >= 0; i = h.indexOf(x, i + 1)) {
    if ((!startCheck || !isAlnum(h[i - 1])) && (!endCheck || !isAlnum(h[i + x.length]))) return true;
  }
  return false;
}

/** Per operator, given the right operand: the test of the left one. */
const STRING_OPS: Record<string, (b: string) => (a: string) => boolean> = {
  HasExpression: (b) => { const x = b.toLowerCase(); return (a) => hasLowerTerm(a.toLowerCase(), x, "term"); },
  NotHasExpression: (b) => { const x = b.toLowerCase(); return (a) => !hasLowerTerm(a.toLowerCase(), x, "term"); },
  HasCsExpression: (b) => (a) => hasLowerTerm(a, b, "term"),
  NotHasCsExpression: (b) => (a) => !hasLowerTerm(a, b, "term"),
  HasPrefixExpression: (b) => { const x = b.toLowerCase(); return (a) => hasLowerTerm(a.toLowerCase(), x, "prefix"); },
  NotHasPrefixExpression: (b) => { const x = b.toLowerCase(); return (a) => !hasLowerTerm(a.toLowerCase(), x, "prefix"); },
  HasPrefixCsExpression: (b) => (a) => hasLowerTerm(a, b, "prefix"),
  NotHasPrefixCsExpression: (b) => (a) => !hasLowerTerm(a, b, "prefix"),
  HasSuffixExpression: (b) => { const x = b.toLowerCase(); return (a) => hasLowerTerm(a.toLowerCase(), x, "suffix"); },
  NotHasSuffixExpression: (b) => { const x = b.toLowerCase(); return (a) => !hasLowerTerm(a.toLowerCase(), x, "suffix"); },
  HasSuffixCsExpression: (b) => (a) => hasLowerTerm(a, b, "suffix"),
  NotHasSuffixCsExpression: (b) => (a) => !hasLowerTerm(a, b, "suffix"),
  ContainsExpression: (b) => { const x = b.toLowerCase(); return (a) => a.toLowerCase().includes(x); },
  NotContainsExpression: (b) => { const x = b.toLowerCase(); return (a) => !a.toLowerCase().includes(x); },
  ContainsCsExpression: (b) => (a) => a.includes(b),
  NotContainsCsExpression: (b) => (a) => !a.includes(b),
  StartsWithExpression: (b) => { const x = b.toLowerCase(); return (a) => a.toLowerCase().startsWith(x); },
  NotStartsWithExpression: (b) => { const x = b.toLowerCase(); return (a) => !a.toLowerCase().startsWith(x); },
  StartsWithCsExpression: (b) => (a) => a.startsWith(b),
  NotStartsWithCsExpression: (b) => (a) => !a.startsWith(b),
  EndsWithExpression: (b) => { const x = b.toLowerCase(); return (a) => a.toLowerCase().endsWith(x); },
  NotEndsWithExpression: (b) => { const x = b.toLowerCase(); return (a) => !a.toLowerCase().endsWith(x); },
  EndsWithCsExpression: (b) => (a) => a.endsWith(b),
  NotEndsWithCsExpression: (b) => (a) => !a.endsWith(b),
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
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

// ---------------------------------------------------------------------------------------------
// Function calls

function compileCall(n: SNode, s: ScalarScope): Scalar {
  const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
  const argNodes = listOf(n.ArgumentList.Expressions);
  const name = String(n.Name.SimpleName);
  const userDefined = !!sym && sym.Kind !== Kusto.Language.Symbols.SymbolKind.Function;
  if (s.letNames.has(name) || userDefined) throw unsupported(n, `call of user-defined function '${name}'`);
  if (AGGREGATES.has(name)) {
    if (!s.aggregates) throw unsupported(n, `aggregate function '${name}' outside summarize`);
    return compileAggregate(name, n, argNodes, s);
  }
  const f = FUNCTIONS.get(name);
  if (!f) throw unsupported(n, `function '${name}'`);
  const info: CallInfo = { node: n, name, argNodes, argTypes: argNodes.map(typeOfNode), resultType: typeOfNode(n), columns: s.columns, slots: s.slots };
  if (f.compile) return f.compile(info, (a) => compileScalar(a, s));
  const args = argNodes.map((a): Scalar => (kindOf(a) === "TypeOfLiteralExpression" ? () => null : compileScalar(a, s)));
  const fn = f.fn!;
  switch (args.length) {
    case 0: return (_r, c) => fn([], info, c);
    case 1: { const [a] = args; return (r, c) => fn([a(r, c)], info, c); }
    case 2: { const [a, b] = args; return (r, c) => fn([a(r, c), b(r, c)], info, c); }
    case 3: { const [a, b, d] = args; return (r, c) => fn([a(r, c), b(r, c), d(r, c)], info, c); }
    default: return (r, c) => fn(args.map((a) => a(r, c)), info, c);
  }
}
