// npm run detect -- --detection <key> --rows <file.json|file.csv> [--now <ISO time>] [--stack <name>]
//                   [--table <name>] [--time-column <column>] [--lag <ISO duration>]
// Runs one detection, with the stack's parameters and allowlists, over rows exported from your
// own workspace, and prints what would alert. Use it to tune an allowlist before deploying it.
//
// Rows file, read by kusto/rows.ts like `npm run backtest` reads it: a JSON array of rows (columns as
// keys, as Log Analytics exports them; each row's `Type` column or --table names the table), an
// object {"<Table>": [rows]}, a Log Analytics query API response ({"tables": [{"columns": [{"name"}],
// "rows": [[...]]}]}), JSON Lines, or the portal's CSV export ("TimeGenerated [UTC]" columns in its
// en-US format, dynamic columns as JSON). --time-column copies a time column into a missing
// TimeGenerated (e.g. CreatedDateTime).
// Exports carry no ingestion time: every rule selects rows by ingestion_time(), which is taken as
// TimeGenerated + --lag (default PT0M: ingested when generated), and a run at --now sees only the
// rows ingested by then; --now should be shortly after the rows you want judged.
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig, type StackConfig } from "../config";
import { detectionByKey, DETECTIONS } from "../detections";
import { isoDurationMs } from "../detections/kql";
import { resolveParameters } from "../planning/resolve";
import { runCase } from "../planning/samples";
import { readStackFile } from "../config/stackFile";
import { REPOSITORY, runTool } from "./cli";
import { loadRows, RowsError } from "../kusto/rows";
import type { WorkspaceTables } from "../kusto/tables";
import type { Detection, ParameterValues } from "../detections/model";


/** A usage or input error: the CLI prints it as one `detect:` line and exits 1 (tools/cli.ts). */
export class DetectError extends Error {}

function fail(message: string): never {
  throw new DetectError(message);
}

/** What a detection's run at `now` over your rows answers (`runDetection`; `npm run detect` prints it as JSON). */
export interface DetectResult {
  detection: string;
  /** The run's instant (ISO 8601). */
  now: string;
  /** The parameter values the query was rendered with (defaults, then the stack's allowlists and overrides). */
  parameters: ParameterValues;
  /** The log search alert fired (every result row counts). */
  fired: boolean;
  /** Whether it also fires if Azure counts only result rows in the evaluated bin (kusto/alert.ts). */
  firedIfOnlyTheEvaluatedBinCounts: boolean;
  /** Operation matches deployed as activity-log alerts (no active exclusions): whether that alert fires. */
  activityLogAlertFired?: boolean;
  /** The dimension combinations that fired, with their measured value. */
  alerts: { dimensions: Record<string, unknown>; value: number; fired: boolean }[];
  /** The result rows that counted. */
  rows: Record<string, unknown>[];
}

/** The parts of a stack config that set a detection's parameters. */
type DetectionSettings = Pick<StackConfig, "allowlists" | "overrides">;

export interface RunDetectionOptions {
  /** The detection's key (`DETECTIONS`, `npm run catalog`). */
  detection: string;
  /**
   * The rows: `loadRows([...]).tables` for exported files, `rowsFromData(...).tables` for rows in
   * memory. The run at `now` sees only the rows ingested by then (ReadOptions.ingestionLagMs: each
   * row taken as ingested that long after its TimeGenerated).
   */
  tables: WorkspaceTables;
  /** The run's instant (ISO 8601), shortly after the rows to be judged. */
  now: string;
  /**
   * The allowlists and parameter overrides that apply: `parseDetectionSelection({ allowlists, overrides })`
   * in the stack file's shape, or a whole stack's `parseStackConfig(readStackFile("Pulumi.prod.yaml"), "prod")`;
   * default: the detection's own defaults.
   */
  config?: DetectionSettings;
}

function detectionOf(key: string): Detection {
  return detectionByKey(key) ?? fail(`unknown detection ${JSON.stringify(key)} — e.g. ${DETECTIONS.slice(0, 3).map((x) => x.key).join(", ")}`);
}

/** The detection's parameters under a stack: defaults, its allowlists, then overrides of the tactic's technique, the technique and the key. */
function parametersOf(d: Detection, config: DetectionSettings | undefined): ParameterValues {
  if (!config) return resolveParameters(d, {}, [], []);
  const problems: string[] = [];
  const given = [d.technique.split(".")[0], d.technique, d.key].filter((id, i, a) => a.indexOf(id) === i && config.overrides[id]?.parameters).map((id) => ({ id, values: config.overrides[id].parameters! }));
  const params = resolveParameters(d, config.allowlists, given, problems);
  if (problems.length) fail(problems.join("\n"));
  return params;
}

function evaluate(d: Detection, parameters: ParameterValues, tables: WorkspaceTables, now: string): DetectResult {
  // The evaluator shows the run at `now` only the rows ingested by then.
  const r = runCase(d, { rows: tables, now }, parameters);
  return {
    detection: d.key,
    now,
    parameters,
    fired: r.fired,
    firedIfOnlyTheEvaluatedBinCounts: r.readings.evaluatedBins.fired,
    ...(r.activityLogFired !== undefined ? { activityLogAlertFired: r.activityLogFired } : {}),
    alerts: r.evaluation.groups.filter((g) => g.fired),
    rows: r.evaluation.rows,
  };
}

/**
 * Runs one detection once, at `now`, over your rows, with a stack's parameters and allowlists:
 * whether it would alert, and for what. The typed form of `npm run detect` (`detect`). Throws
 * DetectError for an unknown key or a stack override the detection does not accept.
 */
export function runDetection(opts: RunDetectionOptions): DetectResult {
  const d = detectionOf(opts.detection);
  return evaluate(d, parametersOf(d, opts.config), opts.tables, opts.now);
}

/**
 * `npm run detect` as a function: its command-line arguments (--detection, --rows, --now, --stack,
 * --table, --time-column, --lag; see the file comment), the result it prints as JSON. Notes
 * (ignored columns, the stack used) go to `note`; `Pulumi.<stack>.yaml` is read from `root` (this
 * repository by default: pass your own folder). From your own code, `runDetection` takes the same
 * inputs typed.
 */
export function detect(argv: string[], note: (line: string) => void = () => {}, root = REPOSITORY): DetectResult {
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const key = opt("--detection") ?? fail("--detection <key> is required (npm run catalog lists the keys)");
  const rowsFile = opt("--rows") ?? fail("--rows <file.json|file.csv> is required");
  const d = detectionOf(key);
  const stack = opt("--stack") ?? "dev";
  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  let params = parametersOf(d, undefined);
  if (fs.existsSync(stackFile)) {
    params = parametersOf(d, parseStackConfig(readStackFile(stackFile), stack));
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
    loaded = loadRows([rowsFile], { table: opt("--table"), timeColumn: opt("--time-column"), ingestionLagMs: lagMs });
  } catch (e) {
    if (e instanceof RowsError) fail(e.message);
    throw e;
  }
  if (loaded.dropped.length) note(`ignored columns the schema does not know: ${loaded.dropped.join(", ")}`);
  return evaluate(d, params, loaded.tables, opt("--now") ?? new Date().toISOString());
}

/** The command line (tools/launch.js runs it compiled when the build is current): JSON on stdout, or one `detect:` line and exit 1. */
export function main(argv: string[]): void {
  runTool("detect", () => {
    const result = detect(argv, (line) => process.stderr.write(line + "\n"));
    return JSON.stringify(result, (_, v) => (v && typeof v === "object" && "ms" in v && typeof v.toString === "function" && !Array.isArray(v) ? v.toString() : v), 2) + "\n";
  });
}

if (require.main === module) main(process.argv.slice(2));
