// npm run backtest -- --rows <file|folder>... [--stack <name>] [--from <ISO>] [--to <ISO>]
//                     [--format text|json|html] [--out <file>] [--table <name>] [--quiet]
// npm run backtest -- --workspace <workspace resource id> --days <N> [--to <ISO>] [--stack, --format, --out, --quiet]
// How many alerts each rule the stack selects would have raised over your own rows, and who caused
// them: every rule's schedule replayed over the rows (planning/backtest.ts). Rows come from exported
// files (kusto/rows.ts: every format `npm run detect` reads) or, with --workspace, straight from a
// Log Analytics workspace (tools/backtest/pull.ts: the last N days up to --to, default now). A thin
// command line over backtest().
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import type { TokenCredential } from "@azure/identity";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { ConfigError, parseStackConfig } from "../config";
import { parseResourceId } from "../config/schema";
import { readStackFile } from "../config/stackFile";
import { StackFileError } from "../config/stackYaml";
import { resolveDetections } from "../planning/resolve";
import { backtest, columnsRead, type BacktestReport } from "../planning/backtest";
import { loadRows, RowsError } from "../kusto/rows";
import { renderText, renderHtml } from "./backtest/report";
import { progressBar } from "./backtest/progress";
import { REPOSITORY } from "./cli";


/** A bad command line or input: printed as one line, exit code 1. */
export class UsageError extends Error {}

interface Args {
  rows: string[];
  stack: string;
  from?: Date;
  to?: Date;
  format: "text" | "json" | "html";
  out?: string;
  table?: string;
  quiet: boolean;
  workspace?: string;
  days?: number;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = { rows: [], stack: "dev", format: "text", quiet: false };
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const date = (v: string, flag: string) => {
    const d = new Date(v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v) || isNaN(d.getTime())) throw new UsageError(`${flag} ${JSON.stringify(v)} is not an ISO date/time (e.g. 2025-06-01T00:00:00Z)`);
    return d;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    switch (f) {
      case "--rows":
        a.rows.push(value(i, f));
        i++;
        while (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) a.rows.push(argv[++i]);
        break;
      case "--stack": a.stack = value(i, f); i++; break;
      case "--from": a.from = date(value(i, f), f); i++; break;
      case "--to": a.to = date(value(i, f), f); i++; break;
      case "--format": {
        const v = value(i, f); i++;
        if (v !== "text" && v !== "json" && v !== "html") throw new UsageError(`--format ${JSON.stringify(v)} is not allowed — expected text, json or html`);
        a.format = v;
        break;
      }
      case "--out": a.out = value(i, f); i++; break;
      case "--table": a.table = value(i, f); i++; break;
      case "--quiet": a.quiet = true; break;
      case "--workspace": a.workspace = value(i, f); i++; break;
      case "--days": {
        const v = value(i, f); i++;
        const n = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0) || n > 2 * 365) throw new UsageError(`--days ${JSON.stringify(v)} is not allowed — expected a number of days above 0 (at most 730)`);
        a.days = n;
        break;
      }
      default: throw new UsageError(`unknown option ${JSON.stringify(f)} — see the first lines of tools/backtest.ts or the README`);
    }
  }
  if (a.from && a.to && a.from >= a.to) throw new UsageError(`--from ${a.from.toISOString()} is not before --to ${a.to.toISOString()}`);
  if (a.workspace && a.rows.length) throw new UsageError("give either --rows or --workspace, not both");
  if (!a.workspace && a.rows.length === 0) throw new UsageError("--rows <file|folder>... or --workspace <workspace resource id> --days <N> is required");
  if (a.workspace && a.days === undefined) throw new UsageError("--workspace needs --days <N> (how many days back to pull)");
  if (!a.workspace && a.days !== undefined) throw new UsageError("--days goes with --workspace (for exported rows use --from/--to)");
  if (a.workspace) {
    const expected = "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>";
    const id = parseResourceId(a.workspace);
    if (!id) throw new UsageError(`--workspace ${JSON.stringify(a.workspace)} is not an Azure resource id — expected a Log Analytics workspace: ${expected}`);
    if (id.type.toLowerCase() !== "microsoft.operationalinsights/workspaces") throw new UsageError(`--workspace ${JSON.stringify(a.workspace)} is a ${id.type} resource id — expected a Log Analytics workspace: ${expected}`);
    if (a.from) throw new UsageError("--from goes with --rows (with --workspace, --days counts back from --to, default now)");
  }
  return a;
}

/** Where the command writes progress, and (tests) how the live mode reaches Azure: a credential and the query client's HTTP client. */
export interface CommandIO {
  stderr: NodeJS.WriteStream | { write(s: string): boolean; isTTY?: boolean };
  azure?: { credential?: TokenCredential; httpClient?: HttpClient };
  /** Node's heap limit the rows are measured against (default: this process's, v8 heap_size_limit). */
  heapLimitBytes?: number;
}

/**
 * The rows must leave the replay room: over the 1,000,000-row bench week the typed rows took about
 * 0.4 GB of heap and the replay's peak about 0.94 GB. Reading stops with one line once the heap holds
 * more than this share of Node's limit, instead of V8 aborting with an out-of-memory dump mid-replay.
 */
const HEAP_SHARE_FOR_ROWS = 0.5;

/** A check to run as rows arrive: throws a UsageError naming `source` when they fill the heap's share. */
function heapGuard(source: string, limitBytes = v8.getHeapStatistics().heap_size_limit): () => void {
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GB`;
  return () => {
    const used = v8.getHeapStatistics().used_heap_size;
    if (used <= HEAP_SHARE_FOR_ROWS * limitBytes) return;
    throw new UsageError(
      `${source}: the rows read so far fill ${gb(used)} of Node's ${gb(limitBytes)} heap, more than half, and the replay needs the rest — ` +
      "give Node more (NODE_OPTIONS=--max-old-space-size=<MB> npm run backtest ...) or backtest a shorter span",
    );
  };
}

/** Run the command; returns the text to print (or writes --out) and whether the report is complete. Stack files are read from stackDir. */
export async function backtestCommand(argv: string[], io: CommandIO = { stderr: process.stderr }, stackDir = REPOSITORY): Promise<{ output: string; complete: boolean }> {
  const args = parseArgs(argv);
  const stackFile = path.join(stackDir, `Pulumi.${args.stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new UsageError(`--stack ${args.stack}: no stack file ${path.basename(stackFile)} — create it (see Pulumi.dev.yaml)`);
  const rules = resolveDetections(parseStackConfig(readStackFile(stackFile), args.stack));
  const columns = columnsRead(rules);
  const bar = progressBar({ quiet: args.quiet, stream: io.stderr });
  let loaded;
  if (args.workspace) {
    const { pullWorkspace } = await import("./backtest/pull");
    const to = args.to ?? new Date();
    const from = new Date(to.getTime() - args.days! * 864e5);
    const guard = heapGuard(`--workspace ${args.workspace}`, io.heapLimitBytes);
    loaded = await pullWorkspace({ workspaceResourceId: args.workspace, from, to, columns, ...io.azure, onProgress: (d, t) => { guard(); bar.update("pulling rows", d, t); } });
  } else {
    const guard = heapGuard(`--rows ${args.rows.join(" ")}`, io.heapLimitBytes);
    loaded = await loadRows(args.rows, { table: args.table, columns, onBytes: (d, t) => { guard(); bar.update("reading rows", d, t); } });
  }
  if (loaded.dropped.length && !args.quiet) io.stderr.write(`ignored columns the schemas do not know: ${loaded.dropped.slice(0, 10).join(", ")}${loaded.dropped.length > 10 ? ` and ${loaded.dropped.length - 10} more` : ""}\n`);
  const report: BacktestReport = backtest(rules, loaded.tables, {
    from: args.from ?? (args.workspace ? new Date((args.to ?? new Date()).getTime() - args.days! * 864e5) : undefined),
    to: args.to,
    onProgress: (d, t, key) => bar.update(`replaying ${key}`, d, t),
  });
  bar.stop();
  const output = args.format === "json" ? JSON.stringify(report, null, 2) + "\n" : args.format === "html" ? renderHtml(report, args.stack) : renderText(report, args.stack);
  if (args.out) {
    fs.writeFileSync(args.out, output);
    return { output: `wrote ${path.resolve(args.out)}\n`, complete: report.complete };
  }
  return { output, complete: report.complete };
}

/** One line for any error a user can cause; a stack trace only for a bug. */
export function errorLine(e: unknown): string | undefined {
  if (e instanceof UsageError || e instanceof RowsError || e instanceof StackFileError) return `backtest: ${e.message}`;
  if (e instanceof ConfigError) return e.message.split("\n").map((l) => `backtest: ${l}`).join("\n");
  if (e instanceof Error && e.name === "PullError") return `backtest: ${e.message}`;
  return undefined;
}

/** The command as `npm run backtest` runs it (tools/launch.js): prints the report, exit code 1 on an error or an incomplete report. */
export function main(argv: string[]): void {
  backtestCommand(argv).then(
    ({ output, complete }) => {
      process.stdout.write(output);
      if (!complete) {
        process.stderr.write("backtest: incomplete — some rules could not be evaluated (see notEvaluated)\n");
        process.exitCode = 1;
      }
    },
    (e) => {
      const line = errorLine(e);
      process.stderr.write(`\n${line ?? `backtest: internal error: ${(e as Error).stack}`}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
