// Child process of `npm run bench` (plain JavaScript on purpose: nothing may register ts-node
// before Pulumi does). Runs the stack the way `pulumi preview` does — Pulumi's own language-host
// entry (@pulumi/pulumi/cmd/run) registers ts-node from Pulumi.yaml's `typescript: true`, the
// tsconfig and PULUMI_NODEJS_TRANSPILE_ONLY, then requires package.json's `main` (index.ts) — but
// against Pulumi's mocks instead of an engine. Prints wall time since process start to the stack
// outputs, peak RSS, resources registered and whether ts-node type-checked.
// PULUMI_NODEJS_TRANSPILE_ONLY=false makes it type-check, as a project without the tsconfig
// "ts-node" section would.
"use strict";
const path = require("path");
const fs = require("fs");
const { performance } = require("perf_hooks");

const root = path.join(__dirname, "..", "..");
process.chdir(root);
process.env.PULUMI_NODEJS_TYPESCRIPT = "true"; // what Pulumi.yaml `runtime.options.typescript: true` sets
// The language host starts: node @pulumi/pulumi/cmd/run --monitor=<addr> ... <program>.
process.argv = [process.argv[0], require.resolve("@pulumi/pulumi/cmd/run"), "--monitor=mock", "--project=azdetect", "--stack=bench", "."];

const pulumi = require("@pulumi/pulumi");
const { config } = JSON.parse(fs.readFileSync(path.join(__dirname, "full-stack.json"), "utf8"));
let resources = 0;
pulumi.runtime.setMocks({
  newResource: (a) => {
    resources++;
    return { id: a.custom === false ? undefined : `/subscriptions/0/resourceGroups/rg/providers/${a.type}/${a.name}`, state: { ...a.inputs, name: a.inputs.name ?? a.name } };
  },
  call: (a) => (a.token === "azure-native:authorization:getClientConfig" ? { subscriptionId: "00000000-1111-2222-3333-444444444444", tenantId: "t" } : {}),
}, "azdetect", "bench", false);
pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`azdetect:${k}`, typeof v === "string" ? v : JSON.stringify(v)])), []);

// Loading run.js loads cmd/run/index.js, whose main() parses the argv above and, one tick later,
// calls require("./run").run(...): wrap it to learn when the program's outputs are complete.
const runModule = require("@pulumi/pulumi/cmd/run/run");
const realRun = runModule.run;
runModule.run = (...args) => {
  const p = realRun(...args);
  p.then((outputs) => new Promise((r) => pulumi.output(outputs).apply(r))).then(() => {
    const wallMs = performance.now();
    const tsNode = process[Symbol.for("ts-node.register.instance")];
    process.stdout.write(JSON.stringify({
      wallMs,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      resources,
      typeChecked: tsNode ? !tsNode.options.transpileOnly : null,
    }) + "\n");
    process.exit(0);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
  return p;
};
