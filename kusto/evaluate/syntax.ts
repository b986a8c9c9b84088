/// <reference types="@kusto/language-service-next" />
// Thin helpers over Kusto.Language's syntax tree. The Bridge.NET typings model every node kind
// as its own class; the evaluator dispatches on the kind name and reads the named children
// (Left, Right, Expression, ...) that the tree exposes as plain properties, so nodes are typed
// loosely here, in one place.
import { syntaxKindName } from "../language";
import { Column, KType, KTYPES } from "./values";

/** A syntax node, with its named children reachable as properties. */
export type SNode = Kusto.Language.Syntax.SyntaxNode & { readonly [child: string]: any };

export class UnsupportedKqlError extends Error {
  constructor(message: string) { super(message); this.name = "UnsupportedKqlError"; }
}
export class SampleDataError extends Error {
  constructor(message: string) { super(message); this.name = "SampleDataError"; }
}
/** The query itself is wrong (the analyser reports errors, or a runtime rule such as "one result" is broken). */
export class KqlQueryError extends Error {
  constructor(message: string) { super(message); this.name = "KqlQueryError"; }
}

export const kindOf = (n: SNode): string => syntaxKindName(n.Kind);

/** Elements of a SyntaxList / SeparatedSyntaxList, separators dropped. */
export function listOf(list: SNode | null | undefined): SNode[] {
  const out: SNode[] = [];
  if (!list) return out;
  for (let i = 0; i < list.ChildCount; i++) {
    const c = list.GetChild(i) as SNode | null;
    if (!c || c.IsToken) continue;
    out.push(kindOf(c) === "SeparatedElement" ? (c.Element as SNode) : c);
  }
  return out;
}

/** Named parameters of an operator (`kind=inner`, `isfuzzy=true`, `withsource=X`), keyed lower-case. */
export function namedParameters(list: SNode | null | undefined): Map<string, SNode> {
  const m = new Map<string, SNode>();
  for (const p of listOf(list)) {
    if (kindOf(p) === "NamedParameter") m.set(String(p.Name.SimpleName).toLowerCase(), p.Expression as SNode);
  }
  return m;
}

// Compiling a query asks the same nodes for their text, type and literal value many times; in
// Kusto.Language's JavaScript build each answer is computed by Bridge.NET code. An analysed tree
// never changes, so each answer is kept per node.
const texts = new WeakMap<object, string>();
const types = new WeakMap<object, KType>();
const literals = new WeakMap<object, unknown>();

/** Source text of a node (trimmed of trivia). */
export function textOf(n: SNode): string {
  let t = texts.get(n);
  if (t === undefined) texts.set(n, (t = String(n.ToString(Kusto.Language.Syntax.IncludeTrivia.Minimal) ?? "").trim()));
  return t;
}

let currentQuery = "";
/** The query text positions are reported against (set by evaluate()). */
export function setPositionSource(q: string): void { currentQuery = q; }

export function positionOf(n: SNode): string {
  const pos = n.TextStart;
  const before = currentQuery.slice(0, pos);
  const line = before.split("\n").length;
  const col = pos - before.lastIndexOf("\n");
  return `line ${line}, column ${col}`;
}

export function unsupported(n: SNode, what?: string): UnsupportedKqlError {
  const snippet = textOf(n).replace(/\s+/g, " ").slice(0, 60);
  return new UnsupportedKqlError(`unsupported KQL: ${what ?? kindOf(n)} at ${positionOf(n)} ('${snippet}')`);
}

/** Scalar type name of an expression, from the semantic analysis. */
export function typeOfNode(n: SNode): KType {
  let t = types.get(n);
  if (t === undefined) {
    const rt = n.ResultType as Kusto.Language.Symbols.TypeSymbol | null;
    types.set(n, (t = toKType(rt ? String(rt.Name) : "")));
  }
  return t;
}

export function toKType(name: string): KType {
  if (name === "double") return "real";
  if (name === "date") return "datetime";
  if (name === "time") return "timespan";
  if ((KTYPES as readonly string[]).includes(name)) return name as KType;
  return "dynamic";   // bags/arrays (dynamic sub-types), unknown -> dynamic
}

/** True when the analyser typed the expression as tabular. */
export function isTabularNode(n: SNode): boolean {
  const rt = n.ResultType as Kusto.Language.Symbols.Symbol | null;
  return !!rt && rt.Kind === Kusto.Language.Symbols.SymbolKind.Table;
}

/** Columns of a table/tuple symbol, as the analyser computed them (names, order, types). */
export function symbolColumns(sym: any): Column[] {
  const out: Column[] = [];
  const cols = sym?.Columns;
  if (!cols) return out;
  for (let i = 0; i < cols.Count; i++) {
    const c = cols.getItem(i);
    out.push({ name: String(c.Name), type: toKType(String(c.Type?.Name ?? "")) });
  }
  return out;
}

/** Output schema the analyser computed for a tabular node. */
export function schemaOf(n: SNode): Column[] { return symbolColumns(n.ResultType); }

/** Unbox a literal value from the Bridge runtime. */
export function literalOf(n: SNode): unknown {
  if (literals.has(n)) return literals.get(n);
  const v = n.LiteralValue;
  const out = v === null || v === undefined ? null : (globalThis as any).Bridge.unbox(v, true);
  literals.set(n, out);
  return out;
}

// What an expression reads, for evaluating it less often than once per row (prefix.ts, scalar.ts).

const CLOCK_FUNCTIONS = new Set(["now", "ago"]);
const ROW_FUNCTIONS = new Set(["ingestion_time", "column_ifexists"]);

/** True when the expression depends only on the row: no clock, no let name, no subquery. */
export function isRowWise(n: SNode): boolean {
  if (!n || n.IsToken) return true;
  const k = kindOf(n);
  if (k === "ToScalarExpression" || k === "MaterializeExpression") return false;
  if (k === "FunctionCallExpression") {
    // The function's name is a reference to a function symbol: only its arguments matter.
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    if (!sym || sym.Kind !== Kusto.Language.Symbols.SymbolKind.Function || CLOCK_FUNCTIONS.has(String(n.Name.SimpleName))) return false;
    return isRowWise(n.ArgumentList);
  }
  if (k === "NameReference") {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    if (!sym || sym.Kind !== Kusto.Language.Symbols.SymbolKind.Column) return false;
  }
  if (k !== "NameReference" && isTabularNode(n)) return false;
  for (let i = 0; i < n.ChildCount; i++) {
    const c = n.GetChild(i) as SNode | null;
    if (c && !c.IsToken && !isRowWise(c)) return false;
  }
  return true;
}

/** An expression without row references (evaluated once per evaluation, e.g. ago(1h), a let scalar). */
export function isRowFree(n: SNode): boolean {
  if (!n || n.IsToken) return true;
  const k = kindOf(n);
  if (k === "ToScalarExpression" || k === "MaterializeExpression") return false;
  // Functions that read the row without naming a column.
  if (k === "FunctionCallExpression" && ROW_FUNCTIONS.has(String(n.Name.SimpleName))) return false;
  if (k === "NameReference") {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    const SK = Kusto.Language.Symbols.SymbolKind;
    if (!sym || (sym.Kind !== SK.Function && sym.Kind !== SK.Variable)) return false;
  }
  if (k !== "NameReference" && k !== "FunctionCallExpression" && isTabularNode(n)) return false;
  for (let i = 0; i < n.ChildCount; i++) {
    const c = n.GetChild(i) as SNode | null;
    if (c && !c.IsToken && !isRowFree(c)) return false;
  }
  return true;
}

/**
 * The columns an expression reads: the ones it names, those of column_ifexists("name"), and
 * TimeGenerated and _TimeReceived for ingestion_time().
 */
export function columnsReadBy(n: SNode, into = new Set<string>()): Set<string> {
  if (!n || n.IsToken) return into;
  const k = kindOf(n);
  if (k === "NameReference") {
    const sym = n.ReferencedSymbol as Kusto.Language.Symbols.Symbol | null;
    if (sym && sym.Kind === Kusto.Language.Symbols.SymbolKind.Column) into.add(String(n.SimpleName));
  }
  if (k === "FunctionCallExpression") {
    const name = String(n.Name.SimpleName);
    if (name === "ingestion_time") { into.add("TimeGenerated"); into.add("_TimeReceived"); }
    if (name === "column_ifexists") { const first = listOf(n.ArgumentList.Expressions)[0]; if (first) into.add(String(literalOf(first) ?? "")); }
  }
  for (let i = 0; i < n.ChildCount; i++) {
    const c = n.GetChild(i) as SNode | null;
    if (c && !c.IsToken) columnsReadBy(c, into);
  }
  return into;
}
