// Regenerates the "what telemetry each tactic needs" table in docs/telemetry.md from the catalogue.
// Usage: npm run telemetry-table            (rewrite the table in place)
//        npm run telemetry-table -- --check (exit 1 if the committed table is stale)
import { readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { extractTelemetryTable, telemetryTableMarkdown } from "../planning/telemetry";

const file = join(__dirname, "..", "docs", "telemetry.md");
const doc = readFileSync(file, "utf8");
const current = extractTelemetryTable(doc);
if (current === undefined) {
  console.error(`${file}: table markers not found`);
  process.exit(1);
}
const table = telemetryTableMarkdown();
if (current === table) {
  console.log("docs/telemetry.md: telemetry table is up to date");
} else if (process.argv.includes("--check")) {
  console.error("docs/telemetry.md: telemetry table is stale — run `npm run telemetry-table`");
  process.exit(1);
} else {
  writeFileSync(file, doc.replace(current, table));
  console.log("docs/telemetry.md: telemetry table regenerated");
}
