// npm run --silent catalog -- [--format json|markdown|lint] [--release]
// Prints the detection catalogue: JSON ({detections, uncovered}) for tooling, or the Markdown
// table committed as docs/detections.md. --release adds new detection keys to
// detections/released-keys.json (a key, once released, is never renamed, removed or reused).
import * as fs from "fs";
import * as path from "path";
import { DETECTIONS } from "../detections";
import { catalogueJson, catalogueMarkdown } from "../planning/export";
import { bestPracticeFindings } from "../planning/checks";

function release(): void {
  const file = path.join(__dirname, "..", "detections", "released-keys.json");
  const lock = JSON.parse(fs.readFileSync(file, "utf8")) as { note: string; released: string[]; retired: string[] };
  const added = DETECTIONS.map((d) => d.key).filter((k) => !lock.released.includes(k));
  lock.released = [...lock.released, ...added].sort();
  fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
  process.stderr.write(`released ${added.length} new key(s)${added.length ? ": " + added.join(", ") : ""}\n`);
}

/** Runs the command; returns the exit code. */
export function catalogCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  if (argv.includes("--release")) return release(), 0;
  const i = argv.indexOf("--format");
  const format = i >= 0 ? argv[i + 1] : "json";
  if (format === "json") out(JSON.stringify(catalogueJson(), null, 2) + "\n");
  else if (format === "markdown") out(catalogueMarkdown());
  else if (format === "lint") {
    // The analyser's best-practice findings, for review (justifications: detections/best-practices.json).
    // One line per finding: key, code, position, the expression, and its status.
    let unjustified = 0;
    for (const d of DETECTIONS) {
      for (const f of bestPracticeFindings(d)) {
        if (!f.justification) unjustified++;
        const status = !f.justification ? "UNJUSTIFIED" : f.justification.ownerReview ? "justified, owner to review" : "justified";
        out(`${d.key}\t${f.code}\t${f.line}:${f.column}\t${f.snippet}\t${status}\n`);
      }
    }
    if (unjustified) err(`catalog: ${unjustified} best-practice finding(s) neither fixed nor justified in detections/best-practices.json\n`);
  }
  else {
    err(`catalog: unknown --format ${JSON.stringify(format)} — expected json, markdown or lint\n`);
    return 2;
  }
  return 0;
}

if (require.main === module) {
  process.exitCode = catalogCommand(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}
