// The only way a value from configuration enters a KQL query. Every builder returns a literal
// (or a clause built from literals) whose meaning cannot be changed by the value: strings are
// emitted as double-quoted literals with every character outside printable ASCII escaped, lists
// as dynamic([...]) of such literals, numbers only when finite.
import { isoDurationMsOrUndefined } from "../kusto/duration";

export class KqlValueError extends Error {}

/** A KQL string literal that evaluates to exactly `value`. */
export function str(value: string): string {
  if (typeof value !== "string") throw new KqlValueError(`expected a string, got ${typeof value}`);
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xffff) out += "\\u" + code.toString(16).padStart(4, "0");
    else {
      // Astral characters as a UTF-16 surrogate pair, each escaped.
      const hi = Math.floor((code - 0x10000) / 0x400) + 0xd800;
      const lo = ((code - 0x10000) % 0x400) + 0xdc00;
      out += "\\u" + hi.toString(16) + "\\u" + lo.toString(16);
    }
  }
  return out + '"';
}

/** A parenthesised list of string literals for `in`, `in~`, `has_any`: ("a", "b"). */
export function strList(values: readonly string[]): string {
  if (values.length === 0) throw new KqlValueError("an empty list cannot be used in a KQL `in` clause");
  return "(" + values.map(str).join(", ") + ")";
}

/** dynamic([...]) of string literals; an empty list gives dynamic([]). */
export function dynamicList(values: readonly string[]): string {
  return "dynamic([" + values.map(str).join(", ") + "])";
}

/** A finite number literal. */
export function num(value: number): string {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new KqlValueError(`expected a finite number, got ${String(value)}`);
  // Past 2^53 the digits are not the number written, and a long literal past 2^63 is not read as
  // one: Kusto would compare against something else.
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new KqlValueError(`${String(value)} is outside the safe integer range (±${Number.MAX_SAFE_INTEGER})`);
  // Exponent notation is valid KQL for reals, but keep integers plain and reals in decimal form.
  return Number.isInteger(value) ? String(value) : value.toString().includes("e") ? value.toFixed(12) : String(value);
}

/**
 * Milliseconds in an ISO-8601 duration (days, hours, minutes, seconds; no months or years), parsed
 * by the same function as the alert evaluator's windows (kusto/alert.ts), so a schedule means the
 * same thing everywhere.
 */
export function isoDurationMs(iso: string): number {
  const ms = isoDurationMsOrUndefined(iso);
  if (ms === undefined) throw new KqlValueError(`"${iso}" is not an ISO-8601 duration such as PT5M, PT1H or P1D`);
  return ms;
}

/** The ISO-8601 duration of a whole number of minutes: 35 min -> PT35M, 1470 min -> P1DT30M. */
export function isoDuration(ms: number): string {
  const totalMin = Math.round(ms / 60_000);
  const d = Math.floor(totalMin / 1440), h = Math.floor((totalMin % 1440) / 60), m = totalMin % 60;
  const time = (h ? `${h}H` : "") + (m ? `${m}M` : "");
  return `P${d ? `${d}D` : ""}${time ? `T${time}` : d ? "" : "T0M"}`;
}

/** A KQL timespan literal for an ISO-8601 duration: PT5M -> 5m, P1DT12H -> 36h. */
export function timespan(iso: string): string {
  const ms = isoDurationMs(iso);
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

/**
 * `| where <column> !in~ (...)` for an allowlist, or nothing when the list is empty. The column
 * name is code, not config, so it is checked to be a plain identifier.
 */
export function excludeIn(column: string, values: readonly string[]): string {
  identifier(column);
  return values.length === 0 ? "" : `\n| where ${column} !in~ ${strList(values)}`;
}

/** Throws unless `name` is a plain KQL identifier (catalogue code only, never config). */
export function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new KqlValueError(`"${name}" is not a plain KQL column name`);
  return name;
}
