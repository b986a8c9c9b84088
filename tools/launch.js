// `npm run detect` (node tools/launch.js detect ...): runs a tool compiled by `npm run build` (bin/)
// when that build is current, so no TypeScript compiler is loaded and the tool starts in about half
// the time; when a source changed since the build, from the TypeScript sources instead (ts-node,
// transpile-only), with a note. Like main.js for the stack program. The tool exports main(argv).
"use strict";
const fs = require("fs");
const path = require("path");
const { buildProblem } = require("../build-stamp");

const root = path.join(__dirname, "..");
const [tool, ...args] = process.argv.slice(2);
if (!tool || !/^[a-z-]+$/.test(tool) || !fs.existsSync(path.join(__dirname, `${tool}.ts`))) {
  process.stderr.write(`launch: no tool ${JSON.stringify(tool ?? "")} in tools/\n`);
  process.exit(1);
}
const compiled = path.join(root, "bin", "tools", `${tool}.js`);
// AZDETECT_FROM_SOURCES=1 runs the sources even when bin/ is current (debugging, benchmarks).
const problem = process.env.AZDETECT_FROM_SOURCES === "1" ? "AZDETECT_FROM_SOURCES=1" : buildProblem(root) ?? (fs.existsSync(compiled) ? undefined : `bin/tools/${tool}.js is not built`);
let mod;
if (problem === undefined) {
  mod = require(compiled);
} else {
  if (process.env.AZDETECT_FROM_SOURCES !== "1") process.stderr.write(`${tool}: running from the TypeScript sources (${problem}); \`npm run build\` makes it start faster\n`);
  require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
  mod = require(path.join(__dirname, `${tool}.ts`));
}
mod.main(args);
