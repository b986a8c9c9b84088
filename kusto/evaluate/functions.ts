// Built-in scalar functions. Each one follows the Kusto documentation page of the same name
// (learn.microsoft.com/kusto/query/<name>-function); deviations are noted where they are made.
import type { Ctx, Scalar } from "./context";
import { asBool, regex, equality } from "./scalar";
import { SNode, literalOf } from "./syntax";
import { Column, Dyn, KType, Timespan, Value, convert, compareValues, isBag, nullOf, parseDynamic, toKString } from "./values";

/** What a call site tells, read once when the query is compiled. */
export interface CallInfo {
  node: SNode;
  name: string;
  argNodes: SNode[];
  argTypes: KType[];
  resultType: KType;
  /** Columns of the row in scope, or null where none is. */
  columns: Column[] | null;
  /** Columns read from elsewhere than the row (ScalarScope.slots). */
  slots?: ReadonlyMap<string, Scalar>;
}
export interface FunctionImpl {
  /** Called with evaluated arguments (typeof(...) arguments arrive as null). */
  fn?: (v: Value[], c: CallInfo, ctx: Ctx) => Value;
  /** Compiles the call itself, for functions that must not evaluate all their arguments. */
  compile?: (c: CallInfo, arg: (n: SNode) => Scalar) => Scalar;
}

const EPOCH_TICKS = 621355968000000000n;   // 0001-01-01 to 1970-01-01, in 100 ns ticks

/** bin()/floor() of a datetime: Kusto bins on ticks since 0001-01-01, which matters for spans like 7d. */
function binDateTime(d: Date, span: Timespan): Date | null {
  const s = BigInt(Math.round(span.ms * 1e4));
  if (s <= 0n) return null;
  const ticks = BigInt(d.getTime()) * 10000n + EPOCH_TICKS;
  const binned = (ticks / s) * s;
  return new Date(Number((binned - EPOCH_TICKS) / 10000n));
}

function bin(v: Value[], c: CallInfo): Value {
  const [x, size] = v;
  if (x === null || size === null) return null;
  if (x instanceof Date) return size instanceof Timespan ? binDateTime(x, size) : null;
  if (x instanceof Timespan) {
    const s = size instanceof Timespan ? size.ms : null;
    return s ? new Timespan(Math.floor(x.ms / s) * s) : null;
  }
  const xn = typeof x === "number" ? x : (convert(x, "real") as number | null);
  const sn = typeof size === "number" ? size : null;
  if (xn === null || !sn) return null;
  const r = Math.floor(xn / sn) * sn;
  return c.resultType === "int" || c.resultType === "long" ? Math.trunc(r) : r;
}

function roundHalfAwayFromZero(x: number, digits: number): number {
  const sign = x < 0 ? -1 : 1;
  // Shift by decimal exponent rather than multiplying, so 2.15 rounds to 2.2 (docs example), not 2.1.
  const shifted = Math.round(Number(`${Math.abs(x)}e${digits}`));
  return sign * Number(`${shifted}e${-digits}`);
}

// IPv4 (kusto/query/ipv4-is-private-function.md, ipv4-is-in-range-function.md)
function parseIpv4(s: string): { addr: number; prefix: number } | null {
  const m = /^\s*(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?\s*$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return null;
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (prefix > 32) return null;
  return { addr: ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3], prefix };
}
const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
function inRange(ip: { addr: number; prefix: number }, range: { addr: number; prefix: number }): boolean {
  const p = Math.min(ip.prefix, range.prefix);
  // An address with a shorter prefix than the range covers more than the range: compare on the range's mask only
  // when the address is at least as specific.
  if (ip.prefix < range.prefix) return false;
  const m = maskOf(range.prefix);
  return ((ip.addr & m) >>> 0) === ((range.addr & m) >>> 0) && p >= 0;
}
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((r) => parseIpv4(r)!);

/** datetime_diff(): number of period boundaries crossed from b to a (weeks start on Sunday). */
function datetimeDiff(part: string, a: Date, b: Date): number | null {
  const y = (d: Date) => d.getUTCFullYear(), mo = (d: Date) => d.getUTCMonth();
  const fl = (d: Date, unit: number) => Math.floor(d.getTime() / unit);
  switch (part.toLowerCase()) {
    case "year": return y(a) - y(b);
    case "quarter": return (y(a) * 4 + Math.floor(mo(a) / 3)) - (y(b) * 4 + Math.floor(mo(b) / 3));
    case "month": return (y(a) * 12 + mo(a)) - (y(b) * 12 + mo(b));
    case "week": { const w = (d: Date) => Math.floor((fl(d, 864e5) + 4) / 7); return w(a) - w(b); }   // 1970-01-01 was a Thursday
    case "day": return fl(a, 864e5) - fl(b, 864e5);
    case "hour": return fl(a, 36e5) - fl(b, 36e5);
    case "minute": return fl(a, 6e4) - fl(b, 6e4);
    case "second": return fl(a, 1e3) - fl(b, 1e3);
    case "millisecond": return a.getTime() - b.getTime();
    case "microsecond": return (a.getTime() - b.getTime()) * 1e3;   // millisecond precision only
    case "nanosecond": return (a.getTime() - b.getTime()) * 1e6;
    default: return null;
  }
}

/** format_datetime() with the documented .NET-style tokens (yyyy, MM, dd, HH, hh, mm, ss, f..., tt). */
function formatDatetime(d: Date, fmt: string): string {
  const p = (n: number, w: number) => String(n).padStart(w, "0");
  const H = d.getUTCHours(), h12 = H % 12 === 0 ? 12 : H % 12;
  const frac = p(d.getUTCMilliseconds(), 3) + "0000";
  const tokens: [RegExp, (m: string) => string][] = [
    [/^yyyy/, () => p(d.getUTCFullYear(), 4)], [/^yy/, () => p(d.getUTCFullYear() % 100, 2)],
    [/^MM/, () => p(d.getUTCMonth() + 1, 2)], [/^M/, () => String(d.getUTCMonth() + 1)],
    [/^dd/, () => p(d.getUTCDate(), 2)], [/^d/, () => String(d.getUTCDate())],
    [/^HH/, () => p(H, 2)], [/^H/, () => String(H)], [/^hh/, () => p(h12, 2)], [/^h/, () => String(h12)],
    [/^mm/, () => p(d.getUTCMinutes(), 2)], [/^m/, () => String(d.getUTCMinutes())],
    [/^ss/, () => p(d.getUTCSeconds(), 2)], [/^s/, () => String(d.getUTCSeconds())],
    [/^f{1,7}/, (m) => frac.slice(0, m.length)], [/^F{1,7}/, (m) => frac.slice(0, m.length).replace(/0+$/, "")],
    [/^tt/, () => (H < 12 ? "AM" : "PM")],
  ];
  let out = "";
  for (let i = 0; i < fmt.length;) {
    const rest = fmt.slice(i);
    const t = tokens.find(([re]) => re.test(rest));
    if (t) { const m = t[0].exec(rest)![0]; out += t[1](m); i += m.length; } else { out += fmt[i]; i++; }
  }
  return out;
}

function parseUrl(s: string): Dyn {
  let u: URL;
  try { u = new URL(s); } catch { return {}; }
  const q: { [k: string]: Dyn } = {};
  u.searchParams.forEach((v, k) => { q[k] = v; });
  return {
    Scheme: u.protocol.replace(/:$/, ""), Host: u.hostname, Port: u.port, Path: u.pathname,
    Username: decodeURIComponent(u.username), Password: decodeURIComponent(u.password), "Query Parameters": q, Fragment: u.hash.replace(/^#/, ""),
  };
}

function trimRegex(re: string, s: string, at: SNode, start: boolean, end: boolean): string {
  let out = s;
  if (start) out = out.replace(regex(`^(?:${re})+`, at), "");
  if (end) out = out.replace(regex(`(?:${re})+$`, at), "");
  return out;
}

const str = (v: Value) => toKString(v);
const num = (v: Value): number | null => (typeof v === "number" ? v : (convert(v, "real") as number | null));
const arr = (v: Value): Dyn[] | null => {
  const d = typeof v === "string" ? parseDynamic(v) : v;
  return Array.isArray(d) ? d : null;
};
const dt = (v: Value): Date | null => (v instanceof Date ? v : (convert(v, "datetime") as Date | null));
const conv = (t: KType): FunctionImpl => ({ fn: ([x]) => convert(x, t) });

const F = new Map<string, FunctionImpl>();
const def = (names: string[], impl: FunctionImpl) => names.forEach((n) => F.set(n, impl));

// time
def(["now"], { fn: ([off], _c, ctx) => new Date(ctx.now.getTime() + (off instanceof Timespan ? off.ms : 0)) });
// ingestion-time-function.md: when the row was ingested. Sample rows state it in the standard
// `_TimeReceived` column when it matters (late data); otherwise a row is taken as ingested at its
// TimeGenerated. Only meaningful on table rows, as in Kusto.
def(["ingestion_time"], { compile: () => (r) => (r?._TimeReceived as Value | undefined) ?? (r?.TimeGenerated as Value | undefined) ?? null });
def(["ago"], { fn: ([span], _c, ctx) => (span instanceof Timespan ? new Date(ctx.now.getTime() - span.ms) : null) });
def(["bin", "floor"], { fn: bin });
def(["startofday"], { fn: ([d, off]) => { const x = dt(d); if (!x) return null; const r = new Date(Date.UTC(x.getUTCFullYear(), x.getUTCMonth(), x.getUTCDate())); if (typeof off === "number") r.setUTCDate(r.getUTCDate() + off); return r; } });
def(["startofmonth"], { fn: ([d, off]) => { const x = dt(d); if (!x) return null; return new Date(Date.UTC(x.getUTCFullYear(), x.getUTCMonth() + (typeof off === "number" ? off : 0), 1)); } });
def(["startofweek"], { fn: ([d, off]) => { const x = dt(d); if (!x) return null; const r = new Date(Date.UTC(x.getUTCFullYear(), x.getUTCMonth(), x.getUTCDate() - x.getUTCDay())); if (typeof off === "number") r.setUTCDate(r.getUTCDate() + 7 * off); return r; } });
def(["datetime_diff"], { fn: ([part, a, b]) => { const x = dt(a), y = dt(b); return x && y ? datetimeDiff(str(part), x, y) : null; } });
def(["format_datetime"], { fn: ([d, f]) => { const x = dt(d); return x ? formatDatetime(x, str(f)) : ""; } });
def(["dayofweek"], { fn: ([d]) => { const x = dt(d); return x ? new Timespan(x.getUTCDay() * 864e5) : null; } });
def(["unixtime_seconds_todatetime"], { fn: ([s]) => { const n = num(s); return n === null ? null : new Date(n * 1000); } });

// conversions
def(["tostring"], { fn: ([x]) => toKString(x) });
def(["toint"], conv("int"));
def(["tolong"], conv("long"));
def(["todouble", "toreal"], conv("real"));
def(["todecimal"], conv("decimal"));
def(["todatetime"], conv("datetime"));
def(["totimespan", "totime"], conv("timespan"));
def(["tobool", "toboolean"], conv("bool"));
def(["toguid"], conv("guid"));
def(["parse_json", "todynamic", "toobject"], { fn: ([x]) => (typeof x === "string" ? parseDynamic(x) : x) });

// strings
def(["tolower"], { fn: ([s]) => str(s).toLowerCase() });
def(["toupper"], { fn: ([s]) => str(s).toUpperCase() });
def(["trim"], { fn: ([re, s], c) => trimRegex(str(re), str(s), c.node, true, true) });
def(["trim_start"], { fn: ([re, s], c) => trimRegex(str(re), str(s), c.node, true, false) });
def(["trim_end"], { fn: ([re, s], c) => trimRegex(str(re), str(s), c.node, false, true) });
def(["strlen"], { fn: ([s]) => [...str(s)].length });
def(["substring"], { fn: ([s, start, len]) => {
  const chars = [...str(s)];
  const b = Math.max(0, num(start) ?? 0);
  const l = len === null || len === undefined ? chars.length : Math.max(0, num(len) ?? 0);
  return chars.slice(b, b + l).join("");
} });
def(["strcat"], { fn: (v) => v.map(str).join("") });
def(["strcat_delim"], { fn: ([d, ...v]) => v.map(str).join(str(d)) });
def(["strcat_array"], { fn: ([a, d]) => { const x = arr(a); return x ? x.map((e) => toKString(e)).join(str(d)) : ""; } });
def(["split"], { fn: ([s, d, i]) => {
  const parts = str(s).split(str(d));
  if (i === null || i === undefined) return parts;
  const k = num(i);
  return k !== null && k >= 0 && k < parts.length ? [parts[k]] : [];
} });
def(["indexof"], { fn: ([s, x, start]) => str(s).indexOf(str(x), num(start) ?? 0) });
def(["replace_string"], { fn: ([s, lookup, rewrite]) => { const l = str(lookup); return l === "" ? str(s) : str(s).split(l).join(str(rewrite)); } });
def(["replace_regex", "replace"], { fn: (v, c) => {
  // replace_regex(source, regex, rewrite); the deprecated replace(regex, rewrite, source) has another order.
  const [s, re, rw] = c.name === "replace" ? [v[2], v[0], v[1]] : v;
  const rewrite = str(rw).replace(/\$/g, "$$$$").replace(/\\(\d)/g, "$$$1");
  return str(s).replace(regex(str(re), c.node, true), rewrite);
} });
def(["extract"], { fn: ([re, group, s], c) => {
  const m = regex(str(re), c.node).exec(str(s));
  const g = num(group) ?? 0;
  const hit = m && m[g] !== undefined ? m[g] : null;
  return hit === null ? nullOf(c.resultType) : convert(hit, c.resultType);
} });
def(["extract_all"], { fn: (v, c) => {
  const [re, groupsArg, s] = v.length === 2 ? [v[0], null, v[1]] : v;
  const r = regex(str(re), c.node, true);
  const groups = arr(groupsArg);
  const out: Dyn[] = [];
  for (const m of str(s).matchAll(r)) {
    const picked = groups ? groups.map((g) => m[Number(g)] ?? "") : m.length <= 1 ? [m[0]] : m.slice(1).map((x) => x ?? "");
    out.push(picked.length === 1 ? picked[0] : picked);
  }
  return out.length ? out : null;
} });
def(["parse_url"], { fn: ([s]) => parseUrl(str(s)) });

// predicates, conditionals
def(["isempty"], { fn: ([x]) => x === null || x === "" });
def(["isnotempty"], { fn: ([x]) => !(x === null || x === "") });
def(["isnull"], { fn: ([x]) => x === null });
def(["isnotnull"], { fn: ([x]) => x !== null });
def(["not"], { fn: ([x]) => { const b = asBool(x); return b === null ? null : !b; } });
def(["iff", "iif"], { compile: (c, arg) => {
  const [p, a, b] = c.argNodes.map(arg);
  const t = c.resultType;
  return (r, ctx) => coerceResult(asBool(p(r, ctx)) === true ? a(r, ctx) : b(r, ctx), t);
} });
def(["case"], { compile: (c, arg) => {
  const args = c.argNodes.map(arg);
  const t = c.resultType;
  return (r, ctx) => {
    for (let i = 0; i + 1 < args.length; i += 2) if (asBool(args[i](r, ctx)) === true) return coerceResult(args[i + 1](r, ctx), t);
    return coerceResult(args[args.length - 1](r, ctx), t);
  };
} });
def(["coalesce"], { fn: (v, c) => v.find((x) => x !== null && !(c.resultType === "string" && x === "")) ?? nullOf(c.resultType) });
// The column exists when the input's schema (the analyser's) has it.
def(["column_ifexists"], { compile: (c, arg) => {
  const col = String(literalOf(c.argNodes[0]) ?? "");
  const dflt = arg(c.argNodes[1]);
  const t = c.resultType;
  const fallback: Scalar = (r, ctx) => coerceResult(dflt(r, ctx), t);
  const column = c.columns?.find((x) => x.name === col);
  if (!column) return fallback;
  const slot = c.slots?.get(col);
  if (slot) return (r, ctx) => (r ? slot(r, ctx) : fallback(r, ctx));
  const none = nullOf(column.type);
  return (r, ctx) => {
    if (!r) return fallback(r, ctx);
    const v = r[col];
    return v === undefined ? none : v;
  };
} });

// numbers
def(["round"], { fn: ([x, p]) => { const n = num(x); return n === null ? null : roundHalfAwayFromZero(n, num(p) ?? 0); } });
def(["abs"], { fn: ([x]) => (x instanceof Timespan ? new Timespan(Math.abs(x.ms)) : x === null ? null : Math.abs(num(x) ?? NaN)) });
def(["max_of", "min_of"], { fn: (v, c) => {
  const sign = c.name === "max_of" ? 1 : -1;
  let best: Value = null;
  for (const x of v) if (x !== null && (best === null || sign * compareValues(x, best) > 0)) best = x;
  return best;
} });
def(["sqrt"], { fn: ([x]) => { const n = num(x); return n === null ? null : Math.sqrt(n); } });
def(["pow"], { fn: ([x, y]) => { const a = num(x), b = num(y); return a === null || b === null ? null : Math.pow(a, b); } });
def(["log10"], { fn: ([x]) => { const n = num(x); return n === null ? null : Math.log10(n); } });
def(["log"], { fn: ([x]) => { const n = num(x); return n === null ? null : Math.log(n); } });
def(["exp"], { fn: ([x]) => { const n = num(x); return n === null ? null : Math.exp(n); } });

// dynamic
def(["array_length"], { fn: ([a]) => { const x = arr(a); return x ? x.length : null; } });
def(["bag_keys"], { fn: ([b]) => (isBag(b) ? Object.keys(b) : null) });
def(["bag_has_key"], { fn: ([b, k]) => (isBag(b) ? Object.prototype.hasOwnProperty.call(b, str(k)) : null) });
def(["set_has_element"], { fn: ([a, v]) => { const x = arr(a); return x ? x.some((e) => equality(e, v) === true) : null; } });
def(["array_index_of"], { fn: ([a, v, start, length, occurrence]) => {
  // array-index-of-function.md: optional start (negative counts from the end), length (-1 = to the end), occurrence (1-based).
  const x = arr(a);
  if (!x) return null;
  let from = num(start) ?? 0;
  if (from < 0) from = Math.max(0, x.length + from);
  const len = num(length) ?? -1;
  const to = len < 0 ? x.length : Math.min(x.length, from + len);
  let nth = num(occurrence) ?? 1;
  for (let i = from; i < to; i++) if (equality(x[i], v) === true && --nth === 0) return i;
  return -1;
} });
def(["pack_array"], { fn: (v) => v });
// array-concat-function.md: all arrays concatenated; a non-array argument makes the result null.
def(["array_concat"], { fn: (v) => { const xs = v.map(arr); return xs.every((x) => x) ? xs.flatMap((x) => x!) : null; } });
// set-union/-intersect/-difference-function.md: distinct values, in first-seen order.
function distinctValues(xs: Dyn[]): Dyn[] { const out: Dyn[] = []; for (const x of xs) if (!out.some((o) => equality(o, x) === true)) out.push(x); return out; }
def(["set_union"], { fn: (v) => { const xs = v.map(arr); return xs.every((x) => x) ? distinctValues(xs.flatMap((x) => x!)) : null; } });
def(["set_intersect"], { fn: (v) => { const xs = v.map(arr); return xs.every((x) => x) ? distinctValues(xs[0]!).filter((e) => xs.slice(1).every((x) => x!.some((o) => equality(o, e) === true))) : null; } });
def(["set_difference"], { fn: (v) => { const xs = v.map(arr); return xs.every((x) => x) ? distinctValues(xs[0]!).filter((e) => !xs.slice(1).some((x) => x!.some((o) => equality(o, e) === true))) : null; } });
def(["bag_pack", "pack"], { fn: (v) => { const o: { [k: string]: Dyn } = {}; for (let i = 0; i + 1 < v.length; i += 2) o[str(v[i])] = v[i + 1]; return o; } });

// IPv4
def(["ipv4_is_private"], { fn: ([ip]) => { const a = parseIpv4(str(ip)); return a ? PRIVATE_RANGES.some((r) => inRange(a, r)) : null; } });
def(["ipv4_is_in_range"], { fn: ([ip, range]) => { const a = parseIpv4(str(ip)), r = parseIpv4(str(range)); return a && r ? inRange(a, r) : null; } });

/** iff/case/coalesce branches may be typed differently (e.g. long literal in a real iff); convert to the call's type. */
function coerceResult(v: Value, t: KType): Value {
  if (v === null) return nullOf(t);
  if (t === "dynamic" || t === "string") return t === "string" ? toKString(v) : v;
  return convert(v, t);
}

export const FUNCTIONS: ReadonlyMap<string, FunctionImpl> = F;
