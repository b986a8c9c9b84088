// npm run matrix [-- --stack <name>] [--out coverage.html] [--subscription <id> | managementGroup]
// Writes the ATRM coverage matrix of a stack as one self-contained HTML page, computed offline
// from the same program run as `npm run plan`; with --subscription, the coverage in one watched
// subscription (its sources delivered, pending or missing there).
import * as fs from "fs";
import * as path from "path";
import { REPOSITORY, runTool } from "./cli";
import type { TelemetryGaps } from "../planning/coverage";
import { buildMatrix } from "../planning/matrix";
import { placeholderKeys, placeholderNote, readStackFile, runOffline } from "./planning";
import { renderMatrixHtml } from "./matrix/render";

const root = REPOSITORY;

/** Generate the page for a stack file; returns the path written. */
export async function writeMatrix(stackFile: string, stack: string, out: string, subscription?: string): Promise<string> {
  const run = await runOffline(readStackFile(stackFile), stack);
  let gaps = run.outputs.telemetryGaps as TelemetryGaps | undefined;
  let title = stack;
  if (subscription !== undefined) {
    const scopes = run.program.estate;
    const scope = scopes.find((s) => s.id === subscription.toLowerCase() || (subscription === "managementGroup" && s.kind === "managementGroup"));
    if (!scope) throw new Error(`--subscription ${subscription}: not watched by stack ${stack} — expected one of: ${scopes.map((s) => (s.kind === "managementGroup" ? "managementGroup" : s.id || "(the deploying subscription: omit --subscription)")).join(", ")}`);
    gaps = scope.gaps;
    title = `${stack}, ${scope.kind === "managementGroup" ? `management group ${scope.id}` : `subscription ${scope.id}${scope.name ? ` (${scope.name})` : ""}`}`;
  }
  const matrix = buildMatrix(run.program.detections, run.program.config.tactics, gaps);
  const c = run.program.cost;
  const docsHref = path.relative(path.dirname(path.resolve(out)), path.join(root, "docs", "detections.md")).split(path.sep).join("/");
  const costLine = `${c.total.monthly.toFixed(2)} ${c.currency}/month (${c.total.exact.toFixed(2)} alert rules, exact; ${c.total.estimated.toFixed(2)} estimated ingestion and time series)`;
  fs.writeFileSync(out, renderMatrixHtml({ stack: title, matrix, docsHref, costLine }));
  return path.resolve(out);
}

async function matrixCommand(argv: string[]): Promise<string> {
  const opt = (name: string, dflt: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
  const stack = opt("--stack", "dev");
  const out = opt("--out", path.join(root, "coverage.html"));
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.basename(file)} — create it (see Pulumi.dev.yaml) or pass --stack <name>`);
  const note = placeholderNote(placeholderKeys(readStackFile(file)));
  return `${note ? note + "\n" : ""}wrote ${await writeMatrix(file, stack, out, argv.includes("--subscription") ? opt("--subscription", "") : undefined)}\n`;
}

/** The command as `npm run matrix` runs it (tools/launch.js). */
export function main(argv: string[]): void {
  runTool("matrix", () => matrixCommand(argv));
}

if (require.main === module) main(process.argv.slice(2));
