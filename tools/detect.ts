// npm run detect -- --detection <key> --rows <file.json> [--now <ISO time>] [--stack <name>] [--table <name>]
// Runs one detection, with the stack's parameters and allowlists, over rows exported from your
// own workspace, and prints what would alert. Use it to tune an allowlist before deploying it.
//
// Rows file: a JSON array of rows (columns as keys, as Log Analytics exports them; each row's
// `Type` column or --table names the table), an object {"<Table>": [rows]}, or a Log Analytics
// query API response ({"tables": [{"columns": [{"name"}], "rows": [[...]]}]}).
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../config";
import { detectionByKey, DETECTIONS } from "../detections";
import { resolveParameters } from "../planning/resolve";
import { runCase } from "../planning/samples";
import { tableSchemas } from "../kusto/language";
import type { SampleRow } from "../detections/model";
import { readStackFile } from "./planning";

function fail(message: string): never {
  process.stderr.write(`detect: ${message}\n`);
  process.exit(2);
}

/** Group exported rows by table, keeping only the columns the schema knows (the rest are reported). */
export function rowsByTable(data: unknown, table?: string): { tables: Record<string, SampleRow[]>; dropped: string[] } {
  let rows: SampleRow[] = [];
  const tables: Record<string, SampleRow[]> = {};
  if (Array.isArray(data)) rows = data as SampleRow[];
  else if (data && typeof data === "object" && Array.isArray((data as { tables?: unknown }).tables)) {
    for (const t of (data as { tables: { columns: { name: string }[]; rows: unknown[][] }[] }).tables) {
      for (const r of t.rows) rows.push(Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]])));
    }
  } else if (data && typeof data === "object") {
    for (const [t, rs] of Object.entries(data as Record<string, SampleRow[]>)) tables[t] = [...(tables[t] ?? []), ...rs];
  } else throw new Error("rows file must hold a JSON array, an object of arrays per table, or a query API response");
  for (const r of rows) {
    const t = table ?? (typeof r.Type === "string" ? r.Type : undefined);
    if (!t) throw new Error("a row has no Type column: pass --table <name>");
    (tables[t] ??= []).push(r);
  }
  const schemas = tableSchemas();
  const dropped = new Set<string>();
  for (const [t, rs] of Object.entries(tables)) {
    const schema = schemas.get(t);
    if (!schema) throw new Error(`unknown table ${t} — expected one of: ${[...schemas.keys()].join(", ")}`);
    const known = new Set(schema.columns.map((c) => c.name));
    tables[t] = rs.map((r) => Object.fromEntries(Object.entries(r).filter(([k, v]) => {
      if (known.has(k)) return v !== null && v !== "";
      dropped.add(`${t}.${k}`);
      return false;
    })));
  }
  return { tables, dropped: [...dropped].sort() };
}

function main(argv: string[]): void {
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const key = opt("--detection") ?? fail("--detection <key> is required (npm run catalog lists the keys)");
  const rowsFile = opt("--rows") ?? fail("--rows <file.json> is required");
  const d = detectionByKey(key) ?? fail(`unknown detection ${JSON.stringify(key)} — e.g. ${DETECTIONS.slice(0, 3).map((x) => x.key).join(", ")}`);
  const stack = opt("--stack") ?? "dev";
  const stackFile = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
  let params = resolveParameters(d, {}, [], []);
  if (fs.existsSync(stackFile)) {
    const cfg = parseStackConfig(readStackFile(stackFile), stack);
    const problems: string[] = [];
    const given = [d.technique.split(".")[0], d.technique, d.key].filter((id, i, a) => a.indexOf(id) === i && cfg.overrides[id]?.parameters).map((id) => ({ id, values: cfg.overrides[id].parameters! }));
    params = resolveParameters(d, cfg.allowlists, given, problems);
    if (problems.length) fail(problems.join("\n"));
    process.stderr.write(`parameters from Pulumi.${stack}.yaml\n`);
  } else if (opt("--stack")) fail(`no stack file Pulumi.${stack}.yaml`);
  const { tables, dropped } = rowsByTable(JSON.parse(fs.readFileSync(rowsFile, "utf8")), opt("--table"));
  if (dropped.length) process.stderr.write(`ignored columns the schema does not know: ${dropped.join(", ")}\n`);
  const now = opt("--now") ?? new Date().toISOString();
  const r = runCase(d, { rows: tables, now }, params);
  const firing = r.evaluation.groups.filter((g) => g.fired);
  process.stdout.write(JSON.stringify({
    detection: d.key,
    now,
    parameters: params,
    fired: r.fired,
    // Whether it also fires if Azure counts only result rows in the evaluated bin (kusto/alert.ts).
    firedIfOnlyTheEvaluatedBinCounts: r.readings.evaluatedBins.fired,
    ...(r.activityLogFired !== undefined ? { activityLogAlertFired: r.activityLogFired } : {}),
    alerts: firing,
    rows: r.evaluation.rows,
  }, (_, v) => (v && typeof v === "object" && "ms" in v && typeof v.toString === "function" && !Array.isArray(v) ? v.toString() : v), 2) + "\n");
}

if (require.main === module) main(process.argv.slice(2));
