// Child process of `npm run bench` (plain JavaScript on purpose: nothing may register TypeScript
// before Pulumi does). Runs the stack the way `pulumi preview` does — Pulumi's own language-host
// entry (@pulumi/pulumi/cmd/run) with Pulumi.yaml's runtime options, requiring Pulumi.yaml's
// `main` (main.js: bin/ when current, else the sources) — but against Pulumi's mocks instead of an
// engine. Prints wall time since process start to the stack outputs, peak RSS, resources
// registered, and which program ran.
//   AZDETECT_FROM_SOURCES=1            main.js runs the TypeScript sources (as after an edit without a build)
//   BENCH_PULUMI_TYPESCRIPT=1          Pulumi itself runs index.ts through ts-node (`typescript: true`),
//   PULUMI_NODEJS_TRANSPILE_ONLY=false   ... type-checking (what a default Pulumi TypeScript project does)
//   BENCH_STACK=<file.json>            the stack {config, secretKeys} (default full-stack.json; tests run others)
//   BENCH_SUBSCRIPTIONS=N              that stack watching N listed subscriptions (estateConfig below)
"use strict";
const path = require("path");
const fs = require("fs");
const { performance } = require("perf_hooks");

const root = path.join(__dirname, "..", "..");
process.chdir(root);
const viaTs = process.env.BENCH_PULUMI_TYPESCRIPT === "1";
const project = require("yaml").parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
const runtimeOptions = project.runtime.options ?? {};
// What Pulumi's language host sets from Pulumi.yaml `runtime.options.typescript`.
process.env.PULUMI_NODEJS_TYPESCRIPT = String(viaTs || runtimeOptions.typescript !== false);
// The language host starts: node @pulumi/pulumi/cmd/run --monitor=<addr> ... <program>, where
// <program> is Pulumi.yaml's `main` (else "."; then Pulumi takes package.json's exports or main).
process.argv = [process.argv[0], require.resolve("@pulumi/pulumi/cmd/run"), "--monitor=mock", "--project=azdetect", "--stack=bench", viaTs ? "index.ts" : project.main ?? "."];

// Config reaches the program as Pulumi's Node.js language host passes it: PULUMI_CONFIG (decrypted
// values) and PULUMI_CONFIG_SECRET_KEYS (the keys that were encrypted), read when @pulumi/pulumi loads.
const { config: stackConfig, secretKeys = [] } = JSON.parse(fs.readFileSync(process.env.BENCH_STACK || path.join(__dirname, "full-stack.json"), "utf8"));
const config = process.env.BENCH_SUBSCRIPTIONS ? estateConfig(stackConfig, Number(process.env.BENCH_SUBSCRIPTIONS)) : stackConfig;
process.env.PULUMI_CONFIG = JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [`azdetect:${k}`, typeof v === "string" ? v : JSON.stringify(v)])));
process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys.map((k) => `azdetect:${k}`));

const pulumi = require("@pulumi/pulumi");
let resources = 0;
const counts = {};
pulumi.runtime.setMocks({
  newResource: (a) => {
    resources++;
    counts[a.type] = (counts[a.type] || 0) + 1;
    return { id: a.custom === false ? undefined : `/subscriptions/0/resourceGroups/rg/providers/${a.type}/${a.name}`, state: { ...a.inputs, name: a.inputs.name ?? a.name } };
  },
  call: (a) => (a.token === "azure-native:authorization:getClientConfig" ? { subscriptionId: "00000000-1111-2222-3333-444444444444", tenantId: "t" } : {}),
}, "azdetect", "bench", false);

/**
 * The full stack watching `n` listed subscriptions, the first holding its diagnostics targets and
 * VMs. Without the callers allowlist, so the plain operation matches stay activity-log alerts while
 * the estate is within activityLogAlertSubscriptionLimit: the rule count of 1 and of 200
 * subscriptions is then comparable. The policy initiatives are off (they belong to a management group).
 */
function estateConfig(full, n) {
  const first = "00000000-1111-2222-3333-444444444444";
  const ids = Array.from({ length: n }, (_, i) => (i === 0 ? first : `${(i + 1).toString(16).padStart(8, "0")}-aaaa-4bbb-8ccc-${(i + 1).toString(16).padStart(12, "0")}`));
  const { callers, ...allowlists } = full.allowlists ?? {};
  // A list uses explicit targets; the policy initiatives belong to a management group.
  const telemetry = { ...full.telemetry, policy: { enabled: false } };
  return { ...full, allowlists, telemetry, subscriptions: ids };
}

// Loading run.js loads cmd/run/index.js, whose main() parses the argv above and, one tick later,
// calls require("./run").run(...): wrap it to learn when the program's outputs are complete.
const runModule = require("@pulumi/pulumi/cmd/run/run");
const realRun = runModule.run;
runModule.run = (...args) => {
  const p = realRun(...args);
  p.then((outputs) => new Promise((r) => pulumi.output(outputs).apply(r))).then((resolved) => {
    const wallMs = performance.now();
    const tsNode = process[Symbol.for("ts-node.register.instance")];
    process.stdout.write(JSON.stringify({
      wallMs,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      resources,
      rules: (counts["azure-native:monitor:ScheduledQueryRule"] || 0) + (counts["azure-native:monitor:ActivityLogAlert"] || 0),
      logSearchRules: counts["azure-native:monitor:ScheduledQueryRule"] || 0,
      activityLogAlerts: counts["azure-native:monitor:ActivityLogAlert"] || 0,
      providers: counts["pulumi:providers:azure-native"] || 0,
      outputs: Object.keys(resolved ?? {}).sort(),
      program: require.cache[path.join(root, "bin", "index.js")] ? "bin (compiled)" : tsNode ? (tsNode.options.transpileOnly ? "sources, transpile-only" : "sources, type-checked") : "unknown",
    }) + "\n");
    // Let the runtime settle and exit by itself (exiting here would leave its last promises pending).
    process.exitCode = 0;
  });
  // A failed program is left to Pulumi's own handlers (the chained promise rejects unhandled), so
  // it ends as `pulumi up` ends it: the error tests read that.
  return p;
};
