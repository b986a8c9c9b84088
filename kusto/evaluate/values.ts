// Runtime values of the evaluator and the conversions between them.
//
// Representation (this is also what evaluate() returns):
//   bool -> boolean; int, long, real, decimal -> number; string -> string (never null, "" instead);
//   guid -> lower-case string; datetime -> Date (millisecond precision); timespan -> Timespan;
//   dynamic -> plain JSON-like JS values (object, array, number, string, boolean, null), where
//   datetime/timespan values packed into a bag or array stay Date/Timespan.
// Every scalar type except string has a null value, represented as JS null.

/** A KQL timespan. `ms` may be fractional (1 tick = 0.0001 ms). `toString()` gives Kusto's `[-][d.]hh:mm:ss[.fffffff]`. */
export class Timespan {
  constructor(readonly ms: number) {}
  toString(): string {
    const neg = this.ms < 0;
    let ticks = Math.round(Math.abs(this.ms) * 10000);
    const days = Math.floor(ticks / 864e9); ticks -= days * 864e9;
    const h = Math.floor(ticks / 36e9); ticks -= h * 36e9;
    const m = Math.floor(ticks / 6e8); ticks -= m * 6e8;
    const s = Math.floor(ticks / 1e7); ticks -= s * 1e7;
    const p2 = (n: number) => String(n).padStart(2, "0");
    return `${neg ? "-" : ""}${days ? days + "." : ""}${p2(h)}:${p2(m)}:${p2(s)}${ticks ? "." + String(ticks).padStart(7, "0") : ""}`;
  }
  toJSON(): string { return this.toString(); }
}

export type Dyn = null | boolean | number | string | Date | Timespan | Dyn[] | { [k: string]: Dyn };
export type Value = Dyn;
export type Row = Record<string, unknown>;

/** Scalar type names as Kusto.Language reports them (`ResultType.Name`). */
export type KType = "bool" | "int" | "long" | "real" | "decimal" | "string" | "datetime" | "timespan" | "guid" | "dynamic";
export const KTYPES: readonly KType[] = ["bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid", "dynamic"];

export interface Column { name: string; type: KType }
/** A tabular value: columns in order, rows keyed by column name. */
export interface Table { columns: Column[]; rows: Record<string, Value>[] }

export const isNumericType = (t: string): boolean => t === "int" || t === "long" || t === "real" || t === "decimal";
export const isIntegerType = (t: string): boolean => t === "int" || t === "long";

export function isBag(v: unknown): v is { [k: string]: Dyn } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Timespan);
}

/** The null of a type: strings have none (Kusto uses ""). */
export function nullOf(t: KType): Value { return t === "string" ? "" : null; }

// ---------------------------------------------------------------------------------------------
// Parsing text into datetime / timespan (input rows, todatetime(), totimespan()).

/** ISO-8601-ish datetime text. Text without an offset is UTC, as Kusto assumes. Returns null when unparseable. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
export function parseDateTime(s: string): Date | null {
  // Fast path: the form Log Analytics exports (millisecond precision or less, UTC), read by Date itself.
  if (CANONICAL_UTC.test(s)) {
    const d = new Date(s);
    return isNaN(d.getTime()) ? null : d;
  }
  const t = s.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(t)) return null;
  let iso = t.replace(" ", "T");
  // JS Date keeps milliseconds only; cut longer fractions (Kusto has 100 ns ticks) before parsing.
  iso = iso.replace(/(\.\d{3})\d+/, "$1");
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) iso += iso.includes("T") ? "Z" : "T00:00:00Z";
  const d = new Date(iso);
  return isNaN(d.getTime()) ? null : d;
}

/** Kusto timespan text `[-][d.]hh:mm[:ss[.fffffff]]`, or a literal like `5m`, `1.5h`, `2d`. Null when unparseable. */
export function parseTimespan(s: string): Timespan | null {
  const t = s.trim();
  let m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(t);
  if (m) {
    const ticks = (Number(m[2] ?? 0) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5] ?? 0)) * 1e7
      + Number((m[6] ?? "").padEnd(7, "0") || 0);
    return new Timespan((m[1] ? -1 : 1) * ticks / 1e4);
  }
  m = /^(-)?(\d+(?:\.\d+)?)\s*(d|day|days|h|hr|hrs|hour|hours|m|min|minute|minutes|s|sec|second|seconds|ms|milli|millis|millisecond|milliseconds|microsecond|microseconds|tick|ticks)$/i.exec(t);
  if (!m) return null;
  const unitMs: Record<string, number> = { d: 864e5, h: 36e5, m: 6e4, s: 1e3, ms: 1, micro: 1e-3, tick: 1e-4 };
  const u = m[3].toLowerCase();
  const key = u === "ms" || u.startsWith("milli") ? "ms" : u.startsWith("micro") ? "micro" : u.startsWith("tick") ? "tick"
    : u.startsWith("d") ? "d" : u.startsWith("h") ? "h" : u.startsWith("mi") || u === "m" ? "m" : "s";
  return new Timespan((m[1] ? -1 : 1) * Number(m[2]) * unitMs[key]);
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---------------------------------------------------------------------------------------------
// Conversions

/** Kusto's tostring(): "" for null; ISO text for datetimes; JSON for bags and arrays. */
export function toKString(v: Value): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return formatReal(v);
  if (v instanceof Date) return formatDateTime(v);
  if (v instanceof Timespan) return v.toString();
  return JSON.stringify(v, (_k, x) => (x instanceof Timespan ? x.toString() : x));
}

function formatReal(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  return String(n);
}

/** `2024-01-01T00:00:00Z`, with 7 fractional digits only when there is a fraction. */
export function formatDateTime(d: Date): string {
  const iso = d.toISOString();
  const ms = d.getUTCMilliseconds();
  return ms ? iso.replace(/\.(\d{3})Z$/, ".$10000Z") : iso.replace(/\.\d{3}Z$/, "Z");
}

/** Parse JSON text into a dynamic value; text that is not JSON stays a dynamic string (as parse_json does). */
export function parseDynamic(s: string): Dyn {
  try { return JSON.parse(s) as Dyn; } catch { return s; }
}

/** Convert a value to scalar type `t` the way Kusto's to*() functions do: unconvertible -> null. */
export function convert(v: Value, t: KType): Value {
  if (v === null || v === undefined) return nullOf(t);
  switch (t) {
    case "string": return toKString(v);
    case "dynamic": return v;
    case "bool":
      if (typeof v === "boolean") return v;
      if (typeof v === "number") return v !== 0;
      if (typeof v === "string") { const l = v.trim().toLowerCase(); return l === "true" ? true : l === "false" ? false : l === "1" ? true : l === "0" ? false : null; }
      return null;
    case "int": case "long": {
      let n: number | null = null;
      if (typeof v === "number") n = v;
      else if (typeof v === "boolean") n = v ? 1 : 0;
      else if (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))) n = Number(v);
      else if (v instanceof Date) n = v.getTime() * 1e4 + 621355968e9;      // ticks, as tolong(datetime) gives
      else if (v instanceof Timespan) n = v.ms * 1e4;
      if (n === null || !isFinite(n)) return null;
      n = Math.trunc(n);
      if (t === "int") n = n | 0;
      return n;
    }
    case "real": case "decimal":
      if (typeof v === "number") return v;
      if (typeof v === "boolean") return v ? 1 : 0;
      if (typeof v === "string") { const s = v.trim(); if (s === "") return null; const n = Number(s); return isNaN(n) && !/^nan$/i.test(s) ? null : n; }
      if (v instanceof Timespan) return v.ms * 1e4;
      return null;
    case "datetime":
      if (v instanceof Date) return v;
      if (typeof v === "string") return parseDateTime(v);
      return null;
    case "timespan":
      if (v instanceof Timespan) return v;
      if (typeof v === "string") return parseTimespan(v);
      if (typeof v === "number") return new Timespan(v / 1e4);            // totimespan(long) takes ticks
      return null;
    case "guid":
      if (typeof v === "string" && GUID_RE.test(v.trim())) return v.trim().toLowerCase();
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Equality, ordering and grouping keys

/** Primitive form used to compare/hash: numbers for numbers/datetimes/timespans, strings otherwise. */
function prim(v: Value): unknown {
  if (v instanceof Date) return v.getTime();
  if (v instanceof Timespan) return v.ms;
  return v;
}

/** Deep equality of two non-null values of compatible type (dynamic compares structurally). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  const pa = prim(a), pb = prim(b);
  if (typeof pa !== "object" || typeof pb !== "object") return pa === pb;
  return keyOf(a) === keyOf(b);
}

/** A string key identifying a value for grouping, distinct, joins and sets. Type-tagged so 1 != "1". */
export function keyOf(v: Value): string {
  if (v === null || v === undefined) return "n";
  if (typeof v === "string") return "s" + v;
  if (typeof v === "number") return "d" + (Object.is(v, -0) ? 0 : v);
  if (typeof v === "boolean") return v ? "bt" : "bf";
  if (v instanceof Date) return "t" + v.getTime();
  if (v instanceof Timespan) return "p" + v.ms;
  return "j" + JSON.stringify(v, (_k, x) => (x instanceof Timespan ? { $ts: x.ms } : x));
}

/** Total order for sorting non-null values of one column; strings compare ordinally (Kusto's default). */
export function compareValues(a: Value, b: Value): number {
  const pa = prim(a), pb = prim(b);
  if (typeof pa === "number" && typeof pb === "number") {
    if (Number.isNaN(pa) || Number.isNaN(pb)) return Number.isNaN(pa) ? (Number.isNaN(pb) ? 0 : -1) : 1;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  }
  if (typeof pa === "string" && typeof pb === "string") return pa < pb ? -1 : pa > pb ? 1 : 0;
  if (typeof pa === "boolean" && typeof pb === "boolean") return Number(pa) - Number(pb);
  const ka = keyOf(a), kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * A row holding each column's null, in order, to copy rows from (`{ ...template }`): built by
 * adding one column at a time, a row of more than about 16 columns falls into V8's slow
 * dictionary mode (1.2 kB each, a hash lookup per read); JSON.parse lays the columns out in place.
 */
export function rowTemplate(columns: readonly Column[]): Record<string, Value> {
  return JSON.parse(JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, nullOf(c.type)])))) as Record<string, Value>;
}

/** Kusto renders output values; we hand them out as-is, but never undefined. */
export function outValue(v: Value | undefined): Value { return v === undefined ? null : v; }

export { GUID_RE };
