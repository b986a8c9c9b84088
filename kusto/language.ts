/// <reference types="@kusto/language-service-next" />
// Loads Microsoft's Kusto parser (Kusto.Language cross-compiled to JS) once per process and
// builds one GlobalState holding the Log Analytics tables in detections/schemas/.
// The bridge runtime must be required before the language bundle: it installs the globals.
import * as fs from "fs";
import * as path from "path";

export interface ColumnSchema {
  name: string;
  type: string;
  /** Not in every workspace's copy of the table: present only once a resource sent it (AzureDiagnostics). */
  sparse?: boolean;
}
export interface TableSchema { name: string; source: string; asOf: string; note?: string; columns: ColumnSchema[] }

export const SCHEMA_DIR = path.join(__dirname, "..", "detections", "schemas");

let loaded = false;
function load(): void {
  if (loaded) return;
  require("@kusto/language-service-next/bridge.min.js");
  require("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
  loaded = true;
}

let schemaCache: Map<string, TableSchema> | undefined;
/** Every table schema kept in the repository, by table name. */
export function tableSchemas(): Map<string, TableSchema> {
  if (!schemaCache) {
    schemaCache = new Map();
    for (const file of fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".json")).sort()) {
      const t = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8")) as TableSchema;
      schemaCache.set(t.name, t);
    }
  }
  return schemaCache;
}

let globalsCache: Kusto.Language.GlobalState | undefined;
const sparseSymbols = new Map<unknown, { table: string; column: string; type: string }>();
/** A GlobalState whose default database is the workspace: every schema table in scope unqualified. */
export function workspaceGlobals(): Kusto.Language.GlobalState {
  if (globalsCache) return globalsCache;
  load();
  const S = Kusto.Language.Symbols;
  const tables = [...tableSchemas().values()].map((t) =>
    new S.TableSymbol.$ctor4(t.name, t.columns.map((c) => {
      const symbol = new S.ColumnSymbol(c.name, S.ScalarTypes.GetSymbol(c.type), null, null, null, null);
      if (c.sparse) sparseSymbols.set(symbol, { table: t.name, column: c.name, type: c.type });
      return symbol;
    })));
  const db = new S.DatabaseSymbol.ctor("workspace", tables as any);
  globalsCache = Kusto.Language.GlobalState.Default!.WithDatabase(db)!.WithCache()!;
  return globalsCache;
}

/**
 * The column symbols of sparse schema columns, with their table, name and type: a reference that
 * resolves to one reads the column directly (the analyser keeps a table's symbols through the
 * operators that pass a column on).
 */
export function sparseColumnSymbols(): ReadonlyMap<unknown, { table: string; column: string; type: string }> {
  workspaceGlobals();
  return sparseSymbols;
}

const analysisCache = new Map<string, Kusto.Language.KustoCode>();
const ANALYSIS_CACHE_MAX = 2000;
/**
 * Parse and semantically analyse a query against the workspace schemas. Memoised by query text:
 * the lints, the catalogue export and the sample evaluator all analyse the same catalogue queries
 * (≈5 ms each warm), and a KustoCode is never modified by its readers.
 */
export function analyze(query: string, opts: { keep?: boolean } = {}): Kusto.Language.KustoCode {
  let code = analysisCache.get(query);
  if (!code) {
    const globals = workspaceGlobals(); // loads the parser: before the first Kusto.* access
    code = Kusto.Language.KustoCode.ParseAndAnalyze(query, globals)!;
    // An analysis holds the whole syntax tree (≈250 kB): a caller that keeps what it needs from it
    // (the evaluator compiles it) does not keep it here.
    if (opts.keep === false) return code;
    if (analysisCache.size >= ANALYSIS_CACHE_MAX) analysisCache.clear();
    analysisCache.set(query, code);
  }
  return code;
}

/** Forget every memoised analysis (the benchmark times real analyses with it). */
export function clearAnalysisCache(): void {
  analysisCache.clear();
}

/** The name of a syntax kind number (Kusto.Language.Syntax.SyntaxKind is a numeric enum). */
let kindNames: Map<number, string> | undefined;
export function syntaxKindName(kind: number): string {
  if (!kindNames) {
    load();
    kindNames = new Map();
    const e = Kusto.Language.Syntax.SyntaxKind as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(e)) if (typeof v === "number") kindNames.set(v, k);
  }
  return kindNames.get(kind) ?? `SyntaxKind#${kind}`;
}
