// npm run docs [-- --check]
// Regenerates every generated document from its single source: docs/detections.md (the
// catalogue), the telemetry table in docs/telemetry.md and README.md (the catalogue's requires), and
// the config reference in README.md (Pulumi.yaml). --check exits 1 if any committed copy is stale.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { catalogueMarkdown } from "../detections/export";
import { extractTelemetryTable, telemetryTableMarkdown } from "../detections/telemetry";

const root = path.join(__dirname, "..");
const START = "<!-- config-reference:start (generated from Pulumi.yaml by `npm run docs`) -->";
const END = "<!-- config-reference:end -->";

/** The README's config reference table, from the declarations in Pulumi.yaml. */
export function configReference(): string {
  const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, { type?: string; default?: unknown; description: string }> };
  const rows = Object.entries(project.config).map(([k, v]) =>
    `| \`${k.replace(/^azdetect:/, "")}\` | ${v.type ?? "object"} | ${v.default === undefined ? "" : `\`${JSON.stringify(v.default)}\``} | ${v.description.replace(/\|/g, "\\|")} |`);
  return [START, "", "| Key (`azdetect:`) | Type | Default | Description |", "|---|---|---|---|", ...rows, "", END].join("\n");
}

export function readmeWithReference(readme: string): string {
  const a = readme.indexOf(START), b = readme.indexOf(END);
  if (a < 0 || b < 0) throw new Error("README.md: config reference markers not found");
  return readme.slice(0, a) + configReference() + readme.slice(b + END.length);
}

/** [file, current content, generated content] for every generated document. */
export function generatedDocs(): [string, string, string][] {
  const detections = path.join(root, "docs", "detections.md");
  const telemetry = path.join(root, "docs", "telemetry.md");
  const readme = path.join(root, "README.md");
  const telemetryDoc = fs.readFileSync(telemetry, "utf8");
  const table = extractTelemetryTable(telemetryDoc);
  if (table === undefined) throw new Error("docs/telemetry.md: telemetry table markers not found");
  const readmeDoc = fs.readFileSync(readme, "utf8");
  const readmeTable = extractTelemetryTable(readmeDoc);
  if (readmeTable === undefined) throw new Error("README.md: telemetry table markers not found");
  return [
    [detections, fs.readFileSync(detections, "utf8"), catalogueMarkdown()],
    [telemetry, telemetryDoc, telemetryDoc.replace(table, telemetryTableMarkdown())],
    [readme, readmeDoc, readmeWithReference(readmeDoc).replace(readmeTable, telemetryTableMarkdown())],
  ];
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [file, current, generated] of generatedDocs()) {
    const name = path.relative(root, file);
    if (current === generated) console.log(`${name}: up to date`);
    else if (check) (stale++, console.error(`${name}: stale — run \`npm run docs\``));
    else (fs.writeFileSync(file, generated), console.log(`${name}: regenerated`));
  }
  process.exit(stale ? 1 : 0);
}
