// npm run --silent catalog -- [--format json|markdown]
// Prints the detection catalogue: JSON ({detections, uncovered}) for tooling, or the Markdown
// table committed as docs/detections.md.
import { catalogueJson, catalogueMarkdown } from "../detections/export";

function main(argv: string[]): void {
  const i = argv.indexOf("--format");
  const format = i >= 0 ? argv[i + 1] : "json";
  if (format === "json") process.stdout.write(JSON.stringify(catalogueJson(), null, 2) + "\n");
  else if (format === "markdown") process.stdout.write(catalogueMarkdown());
  else {
    process.stderr.write(`catalog: unknown --format ${JSON.stringify(format)} — expected json or markdown\n`);
    process.exit(2);
  }
}

main(process.argv.slice(2));
