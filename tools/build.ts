// npm run build: compile the stack program (index.ts), the library entry (lib.ts) and the commands
// tools/launch.js runs compiled (backtest, plan, matrix; detect comes with the library), with
// everything they import, into bin/ (JavaScript + declarations), type-checked, and stamp the build
// with the sources it came from (build-stamp.js). main.js runs bin/ only while that stamp matches
// the sources. Runs on `npm ci` too (package.json "prepare") and before `npm pack`.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeStamp } = require("../build-stamp") as { writeStamp: (root: string, files: string[]) => void };

const root = path.join(__dirname, "..");
/** Folders of JSON read at run time by path (kusto/language.ts reads every table schema). */
const RUNTIME_DATA = ["detections/schemas"];

/** Build into root/bin; returns the diagnostics text (empty on success) and the source files used. */
export function build(): { errors: string; files: string[] } {
  const configPath = path.join(root, "tsconfig.build.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, { noCheck: false, noEmit: false }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); },
  });
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences });
  // A fresh bin/: a file moved or deleted in the sources must not linger in the package.
  fs.rmSync(path.join(root, "bin"), { recursive: true, force: true });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
  const files = program.getSourceFiles()
    .map((f) => path.relative(root, f.fileName).split(path.sep).join("/"))
    .filter((f) => !f.startsWith("..") && !f.startsWith("node_modules/") && !f.endsWith(".d.ts"));
  // Data the compiled code reads from disk rather than imports: copied beside it, and stamped.
  for (const dir of RUNTIME_DATA) {
    for (const name of fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith(".json")).sort()) {
      const rel = `${dir}/${name}`;
      fs.mkdirSync(path.join(root, "bin", dir), { recursive: true });
      fs.copyFileSync(path.join(root, rel), path.join(root, "bin", rel));
      files.push(rel);
    }
  }
  return { errors: diagnostics.length ? ts.formatDiagnosticsWithColorAndContext(diagnostics, host) : "", files };
}

if (require.main === module) {
  const { errors, files } = build();
  if (errors) {
    process.stderr.write(errors + "\nbuild: type errors; bin/ is not stamped, so main.js keeps running from the sources\n");
    process.exit(1);
  }
  writeStamp(root, files);
  process.stdout.write(`build: bin/ from ${files.length} source files (stamp: bin/build-stamp.json)\n`);
}
