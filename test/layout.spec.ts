// The layout is one folder per part, and imports run one way: a part may import only the parts
// below it. A newcomer can then read the catalogue without config or Pulumi, and the planning
// without Azure resources. This test reads every import of every source file (TypeScript's own
// pre-processor, so comments and strings are not mistaken for imports).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");

/** Each part and the parts (besides itself) it may import. Data-only folders are leaves. */
const MAY_IMPORT: Record<string, string[]> = {
  kusto: [],                     // the Kusto engine: parser, evaluator, alert emulator
  azure: ["kusto"],              // Azure's own facts: limits, diagnostic categories, built-in policies
  pricing: [],                   // the price table (data)
  detections: ["kusto", "azure"],                              // the catalogue: data + builders
  config: ["detections", "azure", "kusto", "pricing"],         // the stack config: parse + validate
  planning: ["config", "detections", "azure", "kusto", "pricing"], // a stack's choices applied to the catalogue
  components: ["planning", "config", "detections", "azure", "kusto"], // Pulumi components: Azure wiring
  program: ["components", "planning", "config", "detections", "azure", "kusto", "pricing"],
  tools: ["program", "components", "planning", "config", "detections", "azure", "kusto", "pricing"],
  lib: ["tools", "program", "components", "planning", "config", "detections", "azure", "kusto", "pricing"], // the library entry (lib.ts)
};
/** Top-level files and their part: the stack program (main.js runs bin/ or the sources; build-stamp.js tells which), the library entry. */
const ROOT_FILES: Record<string, string> = { "index.ts": "program", "program.ts": "program", "main.js": "program", "build-stamp.js": "program", "lib.ts": "lib" };

function partOf(file: string): string | undefined {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === "bin") return "program"; // main.js runs the compiled program
  if (rel.length === 1) return [rel[0], `${rel[0]}.ts`, `${rel[0]}.js`].map((f) => ROOT_FILES[f]).find(Boolean);
  return rel[0] in MAY_IMPORT ? rel[0] : undefined;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

describe("layout: one part per folder, imports run one way", () => {
  const files = [...Object.keys(MAY_IMPORT).filter((p) => fs.existsSync(path.join(ROOT, p))).flatMap((p) => sourceFiles(path.join(ROOT, p))), ...Object.keys(ROOT_FILES).map((f) => path.join(ROOT, f))];

  it("finds the parts' source files", () => {
    for (const part of ["kusto", "azure", "detections", "config", "planning", "components", "tools"]) {
      expect(files.some((f) => partOf(f) === part), part).to.equal(true);
    }
  });

  it("no file imports a part above its own", () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = partOf(file)!;
      const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith(".")) continue; // packages
        const to = partOf(path.resolve(path.dirname(file), fileName)) ?? path.relative(ROOT, path.resolve(path.dirname(file), fileName));
        if (to !== from && !MAY_IMPORT[from].includes(to)) upward.push(`${path.relative(ROOT, file)} imports ${fileName} (${from} -> ${to})`);
      }
    }
    expect(upward).to.deep.equal([]);
  });

  it("the catalogue and the planning never load Pulumi", () => {
    const pulumi: string[] = [];
    for (const file of files.filter((f) => ["kusto", "azure", "detections", "config", "planning"].includes(partOf(f)!))) {
      const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
      for (const { fileName } of importedFiles) if (fileName.startsWith("@pulumi/")) pulumi.push(`${path.relative(ROOT, file)} imports ${fileName}`);
    }
    expect(pulumi).to.deep.equal([]);
  });
});
