// npm run detect -- --detection <key> --rows <file.json|file.csv> [--now <ISO time>] [--stack <name>]
//                   [--table <name>] [--time-column <column>] [--lag <ISO duration>]
// Runs one detection, with the stack's parameters and allowlists, over rows exported from your
// own workspace, and prints what would alert. Use it to tune an allowlist before deploying it.
//
// Rows file (planning/rows.ts): a JSON array of rows (columns as keys, as Log Analytics exports them;
// each row's `Type` column or --table names the table), an object {"<Table>": [rows]}, a Log
// Analytics query API response ({"tables": [{"columns": [{"name"}], "rows": [[...]]}]}), or the
// portal's CSV export ("TimeGenerated [UTC]" columns in its en-US format, dynamic columns as JSON).
// --time-column copies a CSV time column into a missing TimeGenerated (e.g. CreatedDateTime).
// Exports carry no ingestion time: every rule selects rows by ingestion_time(), which is taken as
// TimeGenerated + --lag (default PT0M: ingested when generated), and a run at --now sees only the
// rows ingested by then; --now should be shortly after the rows you want judged.
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../config";
import { detectionByKey, DETECTIONS } from "../detections";
import { isoDurationMs } from "../detections/kql";
import { resolveParameters } from "../planning/resolve";
import { runCase } from "../planning/samples";
import { readStackFile } from "../config/stackFile";
import { runTool } from "./cli";
import { ingestedBy, readRowsFile, withIngestionLag } from "../planning/rows";

/** A usage or input error: the CLI prints it as one `detect:` line and exits 1 (tools/cli.ts). */
export class DetectError extends Error {}

function fail(message: string): never {
  throw new DetectError(message);
}

/** What `npm run detect` prints, for the given arguments; notes (ignored columns, stack) go to `note`. Stack files are read from root. */
export function detect(argv: string[], note: (line: string) => void = () => {}, root = path.join(__dirname, "..")): Record<string, unknown> {
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const key = opt("--detection") ?? fail("--detection <key> is required (npm run catalog lists the keys)");
  const rowsFile = opt("--rows") ?? fail("--rows <file.json|file.csv> is required");
  const d = detectionByKey(key) ?? fail(`unknown detection ${JSON.stringify(key)} — e.g. ${DETECTIONS.slice(0, 3).map((x) => x.key).join(", ")}`);
  const stack = opt("--stack") ?? "dev";
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  let params = resolveParameters(d, {}, [], []);
  if (fs.existsSync(stackFile)) {
    const cfg = parseStackConfig(readStackFile(stackFile), stack);
    const problems: string[] = [];
    const given = [d.technique.split(".")[0], d.technique, d.key].filter((id, i, a) => a.indexOf(id) === i && cfg.overrides[id]?.parameters).map((id) => ({ id, values: cfg.overrides[id].parameters! }));
    params = resolveParameters(d, cfg.allowlists, given, problems);
    if (problems.length) fail(problems.join("\n"));
    note(`parameters from Pulumi.${stack}.yaml`);
  } else if (opt("--stack")) fail(`no stack file Pulumi.${stack}.yaml`);
  const lag = opt("--lag") ?? "PT0M";
  let lagMs: number;
  try {
    lagMs = isoDurationMs(lag);
  } catch {
    fail(`--lag ${JSON.stringify(lag)} is not an ISO-8601 duration such as PT5M`);
  }
  let loaded;
  try {
    loaded = readRowsFile(rowsFile, { table: opt("--table"), timeColumn: opt("--time-column") });
  } catch (e) {
    fail(`${rowsFile}: ${(e as Error).message}`);
  }
  if (loaded.dropped.length) note(`ignored columns the schema does not know: ${loaded.dropped.join(", ")}`);
  const tables = withIngestionLag(loaded.tables, lagMs);
  const now = opt("--now") ?? new Date().toISOString();
  const r = runCase(d, { rows: ingestedBy(tables, now), now }, params);
  return {
    detection: d.key,
    now,
    parameters: params,
    fired: r.fired,
    // Whether it also fires if Azure counts only result rows in the evaluated bin (kusto/alert.ts).
    firedIfOnlyTheEvaluatedBinCounts: r.readings.evaluatedBins.fired,
    ...(r.activityLogFired !== undefined ? { activityLogAlertFired: r.activityLogFired } : {}),
    alerts: r.evaluation.groups.filter((g) => g.fired),
    rows: r.evaluation.rows,
  };
}

if (require.main === module) {
  runTool("detect", () => {
    const result = detect(process.argv.slice(2), (line) => process.stderr.write(line + "\n"));
    return JSON.stringify(result, (_, v) => (v && typeof v === "object" && "ms" in v && typeof v.toString === "function" && !Array.isArray(v) ? v.toString() : v), 2) + "\n";
  });
}
