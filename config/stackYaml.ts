// Parsing Pulumi.<stack>.yaml for the offline tools: YAML errors in one line that names the line
// where the mistake is (an unclosed bracket or quote is reported by the parser on a later line) and
// the config key around it; an alias bomb named by the key that holds it.
import * as fs from "fs";
import * as path from "path";
import { LineCounter, parseDocument, Parser, isMap, isPair, isScalar, type YAMLError } from "yaml";

/** A stack file that cannot be read: one line, naming the file, the line and the key. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** Aliases expanded per key before the file is treated as an attack (the yaml library's default). */
const MAX_ALIASES = 100;

/** The stack file's YAML as plain data. Throws StackFileError. */
export function parseStackYaml(file: string): { config?: Record<string, unknown> } {
  const src = fs.readFileSync(file, "utf8");
  const name = path.basename(file);
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const line = openedAt(src, error, lines) ?? lines.linePos(error.pos[0]).line;
    const key = keyAround(src, line);
    throw new StackFileError(`${name} line ${line}${key ? ` (in ${key})` : ""}: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
  }
  const config = doc.get("config", true);
  if (isMap(config)) {
    // Expand key by key, so an alias bomb is reported under the key that holds it.
    for (const pair of config.items) {
      if (!isPair(pair) || !pair.value) continue;
      try {
        (pair.value as { toJS: (d: unknown, o: unknown) => unknown }).toJS(doc, { maxAliasCount: MAX_ALIASES });
      } catch (e) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "config";
        const range = (pair.value as { range?: [number, number, number] }).range;
        const line = range ? lines.linePos(range[0]).line : undefined;
        throw new StackFileError(`${name}${line ? ` line ${line}` : ""} (in ${key}): ${(e as Error).message} — YAML aliases expand to more than ${MAX_ALIASES} copies; write the values out`);
      }
    }
  }
  return (doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {}) as { config?: Record<string, unknown> };
}

/**
 * Where the construct the parser gave up on was opened: a flow collection ([ or {) without its
 * closing bracket, or a quoted scalar without its closing quote, that starts before the error.
 */
function openedAt(src: string, error: YAMLError, lines: LineCounter): number | undefined {
  if (!/must be sufficiently indented and end with|Missing closing|end with a [\]}]/.test(error.message)) return undefined;
  let best: number | undefined;
  const visit = (token: unknown): void => {
    if (!token || typeof token !== "object") return;
    const t = token as { type?: string; offset?: number; source?: string; end?: { source: string }[] };
    const unclosed =
      (t.type === "flow-collection" && !(t.end ?? []).some((e) => e.source === "]" || e.source === "}")) ||
      ((t.type === "double-quoted-scalar" || t.type === "single-quoted-scalar") && (t.source ?? "").length > 0 && !closedQuote(t.source!));
    if (unclosed && t.offset !== undefined && t.offset <= error.pos[0] && (best === undefined || t.offset > best)) best = t.offset;
    for (const v of Object.values(token)) {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === "object") visit(v);
    }
  };
  for (const token of new Parser().parse(src)) visit(token);
  return best === undefined ? undefined : lines.linePos(best).line;
}

function closedQuote(source: string): boolean {
  const q = source[0];
  if (source.length < 2 || source[source.length - 1] !== q) return false;
  // "\"" ends in an escaped quote, not a closing one.
  return q !== '"' || !/(^|[^\\])(\\\\)*\\"$/.test(source);
}

/** The top-level config key (`azdetect:tags`) whose block contains a line, if any. */
function keyAround(src: string, line: number): string | undefined {
  const all = src.split(/\r?\n/).slice(0, line);
  for (let i = all.length - 1; i >= 0; i--) {
    const m = /^ {1,4}([^\s#][^:\s]*:[^:\s]+)\s*:/.exec(all[i]);
    if (m) return m[1];
    if (/^\S/.test(all[i])) return undefined;
  }
  return undefined;
}
