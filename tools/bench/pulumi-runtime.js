// node tools/bench/pulumi-runtime.js noCheck|typecheck  (run from the repo root; see README "Performance")
// Registers ts-node the way @pulumi/pulumi/cmd/run/run.js does (transpileOnly from tsconfig noCheck,
// or forced by the first argument), then evaluates the program under mocks.
const t0 = Date.now();
const mode = process.argv[2];
const tsutils = require("@pulumi/pulumi/tsutils");
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
const transpileOnly = mode === "typecheck" ? false : compilerOptions.noCheck;
require("ts-node").register({ transpileOnly, project: "tsconfig.json", compilerOptions: {} });
require("../../test/harness").runStack({ location: "westeurope" }).then((r) => {
  console.log(mode, "transpileOnly=" + transpileOnly, Date.now() - t0, "ms,", r.resources.length, "resources, rss", Math.round(process.resourceUsage().maxRSS / 1024), "MB");
  process.exit(0);
});
