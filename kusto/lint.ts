/// <reference types="@kusto/language-service-next" />
// Static checks of a detection query: Microsoft's analyser (every Error diagnostic), plus the
// lints it lacks — comparisons of mismatched types (it accepts `ResultType == 0` on a string
// column), exactly one tabular result, ago() look-backs beyond the rule's query time range, and
// the query size, and joins whose inputs are not reduced (a summarize, distinct, top... on each
// side: no join of raw rows with raw rows), `union` and `search` (log search alert rules refuse
// them), sparse columns read directly (they exist only in workspaces that received them), and
// ingestion_time() where the rows are no longer table records (it is null there).
// Also extracts facts from the syntax tree: tables read, result columns (and which of them carry
// the rows' arrival time), string literals.
import { analyze, sparseColumnSymbols, syntaxKindName, workspaceGlobals } from "./language";

export type FindingSeverity = "error" | "warning";
export interface Finding {
  /** KSnnn for analyser diagnostics; TYPEMIX, RESULTCOUNT, LOOKBACK, QUERYSIZE, JOIN, UNION, SPARSE, INGESTION for ours. */
  code: string;
  severity: FindingSeverity;
  message: string;
  line: number;
  column: number;
  /** Best-practice findings: the expression or operator the diagnostic is about, whitespace collapsed. */
  snippet?: string;
}

export interface QueryFacts {
  /** Workspace tables the query reads. */
  tables: string[];
  /** Output columns (name and Kusto type) of the final result. */
  resultColumns: { name: string; type: string }[];
  /** Every string literal, for review of the values compared against. */
  stringLiterals: string[];
  /** Longest static ago() span in milliseconds (0 when the query has none). */
  maxAgoMs: number;
  /**
   * Result columns whose every value is an arrival time: it flows from ingestion_time() alone,
   * through columns, max/min/take_any(if), max_of/min_of, coalesce, iff/case branches and
   * todatetime() (arrivalLineage).
   */
  arrivalColumns: string[];
  /**
   * Arrival gates: `where` comparisons of an arrival value with ago(...) (ingestion_time() >
   * ago(17m), LastIngested > ago(62m)), the ways a query selects rows or groups by arrival.
   */
  arrivalGates: string[];
}

export interface LintOptions {
  /** The rule's query time range: overrideQueryTimeRange, else windowSize (ms). */
  queryTimeRangeMs?: number;
  /** Maximum query length in characters. */
  maxLength?: number;
  /** Also report the analyser's best-practice diagnostics (KS5xx) as warnings. */
  bestPractices?: boolean;
}

const NUMERIC = new Set(["int", "long", "real", "decimal"]);
function typeClass(name: string | undefined): string | undefined {
  if (!name) return undefined;
  if (NUMERIC.has(name)) return "number";
  return name;
}

const COMPARISONS = new Set([
  "EqualExpression", "NotEqualExpression",
  "InExpression", "NotInExpression", "InCsExpression", "NotInCsExpression",
  "LessThanExpression", "LessThanOrEqualExpression", "GreaterThanExpression", "GreaterThanOrEqualExpression",
]);
const TICKS_PER_MS = 10_000;
/** Operators after which a tabular expression has at most one row per group (or a fixed count). */
const REDUCING = new Set(["SummarizeOperator", "DistinctOperator", "TakeOperator", "TopOperator", "TopNestedOperator", "CountOperator", "MakeSeriesOperator"]);

/**
 * Whether a tabular expression is reduced before it reaches a join: it, or a `let` it references
 * (followed through other lets), contains a reducing operator.
 */
function reducedBy(lets: Map<string, any>) {
  const reduced = (expr: any, seen: Set<string> = new Set()): boolean => {
    let found = false;
    const visit = (n: any) => {
      if (found || !n || n.IsToken) return;
      const kind = syntaxKindName(n.Kind);
      if (REDUCING.has(kind)) found = true;
      else if (kind === "NameReference" && lets.has(n.SimpleName) && !seen.has(n.SimpleName)) {
        seen.add(n.SimpleName);
        found = reduced(lets.get(n.SimpleName), seen);
      }
    };
    visit(expr);
    expr?.WalkElements((n: any) => visit(n));
    return found;
  };
  return reduced;
}

/** Aggregates and scalar functions whose value is one of their (value) arguments. */
const VALUE_OF_ALL_ARGS = new Set(["max", "min", "take_any", "any", "max_of", "min_of", "coalesce", "todatetime"]);
const VALUE_OF_FIRST_ARG = new Set(["maxif", "minif", "take_anyif", "anyif"]);

/**
 * Which column symbols hold an arrival time: declared (`Name = expr` in extend, project,
 * summarize...) from ingestion_time() alone. Follows symbols, not names, so a column of the same
 * name from another table or branch never passes for an arrival column.
 */
function arrivalLineage(root: any): { column: (symbol: any) => boolean; value: (expr: any) => boolean } {
  const declared = new Map<any, any>();
  root.WalkElements((n: any) => {
    if (!n.IsToken && syntaxKindName(n.Kind) === "SimpleNamedExpression" && n.Name?.ReferencedSymbol) declared.set(n.Name.ReferencedSymbol, n.Expression);
  });
  const memo = new Map<any, boolean>();
  const column = (symbol: any): boolean => {
    if (memo.has(symbol)) return memo.get(symbol)!;
    memo.set(symbol, false); // a cycle (never in valid KQL) is not an arrival
    const expr = declared.get(symbol);
    // A column a join renamed (L -> L1) is not declared: it carries its original column(s).
    const originals = listItems(symbol.OriginalColumns);
    const result = expr !== undefined ? value(expr) : originals.length > 0 && originals.every(column);
    memo.set(symbol, result);
    return result;
  };
  const value = (e: any): boolean => {
    switch (syntaxKindName(e.Kind)) {
      case "ParenthesizedExpression": return value(e.Expression);
      case "NameReference": return e.ReferencedSymbol?.Kind === Kusto.Language.Symbols.SymbolKind.Column && column(e.ReferencedSymbol);
      case "FunctionCallExpression": {
        const name = String(e.Name?.SimpleName ?? "");
        const args = listElements(e.ArgumentList.Expressions);
        if (name === "ingestion_time") return args.length === 0;
        if (VALUE_OF_ALL_ARGS.has(name)) return args.length > 0 && args.every(value);
        if (VALUE_OF_FIRST_ARG.has(name)) return args.length > 0 && value(args[0]);
        if (name === "iff" || name === "iif") return args.length === 3 && value(args[1]) && value(args[2]);
        if (name === "case") return args.length >= 3 && args.every((a, i) => (i % 2 === 1 || i === args.length - 1 ? value(a) : true));
        return false;
      }
      default: return false;
    }
  };
  return { column, value };
}

/**
 * Operators after which a row is still the table's record. ingestion_time() "must be used in the
 * context of a table ... Otherwise, this function produces null values" (dataexplorer-docs
 * kusto/query/ingestion-time-function.md@15cb146a): after summarize, join, mv-expand, union... the
 * rows are new, and even `project` is not relied on here (it may drop the hidden ingestion time).
 */
const KEEPS_RECORD = new Set(["FilterOperator", "ExtendOperator", "ParseOperator", "ParseWhereOperator"]);

/** Whether the rows of a tabular expression are still table records (a table, then only KEEPS_RECORD operators; lets followed). */
function tableRecords(lets: Map<string, any>, globals: any) {
  const records = (e: any, seen: Set<string> = new Set()): boolean => {
    if (!e) return false;
    switch (syntaxKindName(e.Kind)) {
      case "PipeExpression": return KEEPS_RECORD.has(syntaxKindName(e.Operator.Kind)) && records(e.Expression, seen);
      case "ParenthesizedExpression": return records(e.Expression, seen);
      case "NameReference": {
        if (e.ReferencedSymbol && globals.IsDatabaseTable(e.ReferencedSymbol)) return true;
        const name = e.SimpleName;
        if (!lets.has(name) || seen.has(name)) return false;
        return records(lets.get(name), new Set([...seen, name]));
      }
      default: return false;
    }
  };
  return records;
}

/** Whether an ingestion_time() call sees table records: the pipeline left of its operator keeps them. */
function ingestionTimeInContext(call: any, records: (e: any) => boolean): boolean {
  for (let n = call; n?.Parent; n = n.Parent) {
    const parent = n.Parent;
    if (syntaxKindName(parent.Kind) === "PipeExpression" && parent.Operator === n) return records(parent.Expression);
  }
  return false;
}

export function lintQuery(query: string, opts: LintOptions = {}): { findings: Finding[]; facts: QueryFacts } {
  const code = analyze(query);
  const findings: Finding[] = [];
  const at = (pos: number) => {
    const line = { v: 0 }, col = { v: 0 };
    code.TryGetLineAndOffset(pos, line, col);
    return { line: line.v, column: col.v };
  };

  const diags = code.GetDiagnostics()!;
  for (let i = 0; i < diags.Count; i++) {
    const d = diags.getItem(i)!;
    if (d.Severity === "Error") findings.push({ code: d.Code!, severity: "error", message: d.Message!, ...at(d.Start) });
  }
  if (opts.bestPractices) {
    // The code service over the already-analysed code: no second parse.
    const svc = new Kusto.Language.Editor.KustoCodeService.ctor(code);
    const extra = svc.GetAnalyzerDiagnostics(true)!;
    for (let i = 0; i < extra.Count; i++) {
      const d = extra.getItem(i)!;
      // The diagnostic spans a token (e.g. `contains`); its parent is the expression or operator to review.
      const node = code.Syntax!.GetTokenAt(d.Start)?.Parent as { TextStart: number; End: number } | null | undefined;
      const snippet = (node ? query.slice(node.TextStart, node.End) : query.substr(d.Start, d.Length)).replace(/\s+/g, " ").trim();
      findings.push({ code: d.Code!, severity: "warning", message: d.Message!, snippet, ...at(d.Start) });
    }
  }

  const tables = new Set<string>();
  const stringLiterals: string[] = [];
  let maxAgoMs = 0;
  const globals = workspaceGlobals();
  const lets = new Map<string, any>();
  code.Syntax!.WalkElements((n) => {
    const el = n as any;
    if (!el.IsToken && syntaxKindName(el.Kind) === "LetStatement") lets.set(el.Name?.SimpleName, el.Expression);
  });
  const reduced = reducedBy(lets);
  const records = tableRecords(lets, globals);
  const lineage = arrivalLineage(code.Syntax);
  const arrivalGates: string[] = [];
  const isAgo = (e: any) => e && syntaxKindName(e.Kind) === "FunctionCallExpression" && e.ReferencedSymbol?.Name === "ago";
  const inFilter = (n: any) => { for (let p = n.Parent; p; p = p.Parent) if (syntaxKindName(p.Kind) === "FilterOperator") return true; return false; };
  const sparse = sparseColumnSymbols();
  code.Syntax!.WalkElements((node) => {
    const el = node as any;
    if (el.IsToken) return;
    const kind = syntaxKindName(el.Kind);
    if (kind === "NameReference" && el.ReferencedSymbol && globals.IsDatabaseTable(el.ReferencedSymbol)) tables.add(el.ReferencedSymbol.Name);
    if (kind === "NameReference" && sparse.has(el.ReferencedSymbol)) {
      const { table, column, type } = sparse.get(el.ReferencedSymbol)!;
      findings.push({
        code: "SPARSE",
        severity: "error",
        message: `${table}.${column} exists only in workspaces that already received it (a sparse column): read it as column_ifexists("${column}", ${typedNull(type)}), or the rule fails to create ("Failed to resolve scalar expression") where it never arrived`,
        ...at(el.TextStart),
      });
    }
    if (COMPARISONS.has(kind) && !kind.includes("In") && inFilter(el) && ((lineage.value(el.Left) && isAgo(el.Right)) || (lineage.value(el.Right) && isAgo(el.Left)))) {
      arrivalGates.push(query.slice(el.TextStart, el.End).replace(/\s+/g, " ").trim());
    }
    if (kind === "FunctionCallExpression" && el.ReferencedSymbol?.Name === "ingestion_time" && !ingestionTimeInContext(el, records)) {
      findings.push({
        code: "INGESTION",
        severity: "error",
        message: "ingestion_time() where the rows are no longer table records (after a summarize, join, mv-expand, project...): it is null there — take it into a column (| extend Ingested = ingestion_time()) right after the table and its filters, and carry that column",
        ...at(el.TextStart),
      });
    }
    if (kind === "UnionOperator" || kind === "SearchOperator") {
      const op = kind === "UnionOperator" ? "union" : "search";
      findings.push({
        code: "UNION",
        severity: "error",
        message: `\`${op}\`: log search alert rules that use search or union cannot be created or modified, except for cross-resource queries (azure-monitor-docs alerts-log-query.md) — one rule per table, or a join of reduced sides`,
        ...at(el.TextStart),
      });
    }
    if (kind === "StringLiteralExpression" && typeof el.LiteralValue === "string") stringLiterals.push(el.LiteralValue);
    if (kind === "JoinOperator" || kind === "LookupOperator") {
      const sides = [["left", el.Parent?.Expression], ["right", el.Expression]] as const;
      for (const [side, expr] of sides) {
        if (expr && !reduced(expr)) {
          findings.push({
            code: "JOIN",
            severity: "error",
            message: `the ${side} side of \`${query.slice(el.TextStart, el.End).replace(/\s+/g, " ").slice(0, 80)}\` is not reduced: summarize (or distinct, top, take) it before the join, so the join never pairs raw rows with raw rows`,
            ...at(side === "left" ? el.TextStart : expr.TextStart),
          });
        }
      }
    }
    if (COMPARISONS.has(kind)) {
      const left = typeClass(el.Left?.ResultType?.Name);
      const rights: any[] = el.Right?.Expressions ? listElements(el.Right.Expressions) : [el.Right];
      for (const r of rights) {
        const right = typeClass(r?.ResultType?.Name);
        // Tabular `in (subquery)` yields a table type; dynamic compares with anything.
        if (!left || !right || left === "error" || right === "error" || left === "dynamic" || right === "dynamic" || right === "table" || r?.ResultType?.Kind === Kusto.Language.Symbols.SymbolKind.Table) continue;
        if (left !== right) {
          findings.push({
            code: "TYPEMIX",
            severity: "error",
            message: `comparison of ${el.Left.ResultType.Name} with ${r.ResultType.Name} in \`${query.slice(el.TextStart, el.End).trim()}\`: Kusto's analyser accepts it but it is a type error or a silent never-match`,
            ...at(el.TextStart),
          });
        }
      }
    }
    if (kind === "FunctionCallExpression" && el.ReferencedSymbol?.Name === "ago") {
      const arg = el.ArgumentList?.Expressions?.Count ? el.ArgumentList.Expressions.getItem(0).Element : undefined;
      const ticks = toNumber(arg?.ConstantValue?.ticks ?? arg?.LiteralValue?.ticks);
      if (ticks === undefined) {
        findings.push({ code: "LOOKBACK", severity: "error", message: `ago(${arg ? query.slice(arg.TextStart, arg.End).trim() : ""}) has no constant span: its look-back cannot be checked against the rule's time range — use a literal or a let constant`, ...at(el.TextStart) });
      } else {
        const ms = ticks / TICKS_PER_MS;
        maxAgoMs = Math.max(maxAgoMs, ms);
        if (opts.queryTimeRangeMs !== undefined && ms > opts.queryTimeRangeMs) {
          findings.push({
            code: "LOOKBACK",
            severity: "error",
            message: `ago(${query.slice(arg.TextStart, arg.End).trim()}) looks back ${ms / 60000} min but the rule only queries ${opts.queryTimeRangeMs / 60000} min of data: set overrideQueryTimeRange (at most P2D) or shorten the look-back`,
            ...at(el.TextStart),
          });
        }
      }
    }
  });

  const statements = code.Syntax!.GetDescendants(Kusto.Language.Syntax.ExpressionStatement)!;
  let tabular = 0;
  for (let i = 0; i < statements.Count; i++) {
    const s = statements.getItem(i) as any;
    if (s.Expression?.ResultType?.Kind === Kusto.Language.Symbols.SymbolKind.Table) tabular++;
  }
  if (tabular !== 1) findings.push({ code: "RESULTCOUNT", severity: "error", message: `the query has ${tabular} tabular results; an alert query must have exactly one`, line: 1, column: 1 });

  const maxLength = opts.maxLength;
  if (maxLength !== undefined && query.length > maxLength) findings.push({ code: "QUERYSIZE", severity: "error", message: `the query is ${query.length} characters; the limit is ${maxLength}`, line: 1, column: 1 });

  const rt = code.ResultType as any;
  const resultColumns: { name: string; type: string }[] = [];
  const arrivalColumns: string[] = [];
  if (rt?.Kind === Kusto.Language.Symbols.SymbolKind.Table) {
    for (let i = 0; i < rt.Columns.Count; i++) {
      const c = rt.Columns.getItem(i);
      resultColumns.push({ name: c.Name, type: c.Type.Name });
      if (lineage.column(c)) arrivalColumns.push(c.Name);
    }
  }
  return { findings, facts: { tables: [...tables].sort(), resultColumns, stringLiterals, maxAgoMs, arrivalColumns, arrivalGates } };
}

/** A null of a Kusto scalar type, as column_ifexists' default (its type is the column's when absent). */
function typedNull(type: string): string {
  return type === "string" ? `""` : `${type}(null)`;
}

/** Timespan ticks arrive as numbers or as the bridge's System.Int64 objects. */
function toNumber(x: unknown): number | undefined {
  if (typeof x === "number") return x;
  if (x && typeof (x as { toNumber?: unknown }).toNumber === "function") return (x as { toNumber(): number }).toNumber();
  return undefined;
}

function listItems(list: any): any[] {
  const out: any[] = [];
  for (let i = 0; i < (list?.Count ?? 0); i++) out.push(list.getItem(i));
  return out;
}

function listElements(list: any): any[] {
  const out: any[] = [];
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i).Element);
  return out;
}
