// Pulumi's entry point (Pulumi.yaml `main`; run as JavaScript, typescript: false). package.json's
// `exports` is the library (lib.ts), not this program.
//
// `pulumi preview`/`up` run the program compiled by `npm run build` (bin/, built on `npm ci` too)
// when it is current: no TypeScript compiler is loaded, which halves every run (README,
// "Performance"). When a source changed since the build, the program runs from the TypeScript
// sources instead (ts-node, transpile-only: `npm run typecheck` checks types), with a warning, so a
// stale build never deploys yesterday's detections.
"use strict";
const path = require("path");
const { buildProblem } = require("./build-stamp");

// AZDETECT_FROM_SOURCES=1 runs the sources even when bin/ is current (debugging, benchmarks).
const problem = process.env.AZDETECT_FROM_SOURCES === "1" ? "AZDETECT_FROM_SOURCES=1" : buildProblem(__dirname);
if (problem === undefined) {
  module.exports = require("./bin/index.js");
} else {
  require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "tsconfig.json") });
  void require("@pulumi/pulumi").log.warn(`azdetect: running from the TypeScript sources (${problem}); \`npm run build\` makes preview and up faster`);
  module.exports = require("./index.ts");
}
