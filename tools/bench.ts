// npm run bench [-- --runs N] [--quick] [--json <file>]
// Measures what every pull request and every deploy pays, and checks the budgets stated in the
// README. Each figure is the median of several fresh processes, with min-max spread.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildProblem } = require("../build-stamp") as { buildProblem: (root: string) => string | undefined };

const root = path.join(__dirname, "..");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 5;
const quick = args.includes("--quick");
const jsonOut = args.includes("--json") ? args[args.indexOf("--json") + 1] : path.join(root, "artifacts", "bench.json");

interface Stat { median: number; min: number; max: number; runs: number }
function stat(xs: number[]): Stat {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], runs: s.length };
}

/** Run a TypeScript child script and parse the JSON line it prints. */
function child(script: string, nodeArgs = ["-r", "ts-node/register/transpile-only"], env: Record<string, string> = {}): any {
  const r = spawnSync(process.execPath, [...nodeArgs, script], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${script} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/** Wall seconds and peak RSS (MB, largest process of the tree) of a command, via GNU time when present. */
function timed(cmd: string[]): { wallS: number; maxRssMB?: number; ok: boolean } {
  const gnuTime = fs.existsSync("/usr/bin/time");
  const argv = gnuTime ? ["/usr/bin/time", "-f", "__TIME__ %e %M", ...cmd] : cmd;
  const t0 = Date.now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: root, encoding: "utf8", maxBuffer: 256 << 20 });
  const wallS = (Date.now() - t0) / 1000;
  const m = /__TIME__ ([\d.]+) (\d+)/.exec(r.stderr ?? "");
  return { wallS: m ? Number(m[1]) : wallS, maxRssMB: m ? Number(m[2]) / 1024 : undefined, ok: r.status === 0 };
}

const BUDGETS = { programWallMs: 3000, programRssMB: 400, kqlWarmMs: 10, npmTestS: 60, chain: 4, estateWallMs: 5000, estateRssMB: 600 };
/** Estates measured (listed subscriptions); the budget applies to the largest. */
const ESTATES = [1, 20, 200];

function main(): void {
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, memGB: Math.round(os.totalmem() / 2 ** 30) };
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");
  const loadBefore = load();
  console.log(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.memGB} GB; ${runs} runs each; load average ${loadBefore}\n`);

  // 1. The program as `pulumi preview`/`up` run it: Pulumi's language host with Pulumi.yaml's
  // runtime options, Pulumi.yaml main (main.js) and the compiled bin/ — built first if stale.
  const stale = buildProblem(root);
  if (stale) {
    console.log(`bin/ is stale (${stale}): npm run build\n`);
    if (spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" }).status !== 0) throw new Error("npm run build failed");
  }
  const host = (env: Record<string, string> = {}) => child("tools/bench/pulumi-run.js", [], env);
  const compiled = Array.from({ length: runs }, () => host());
  if (compiled[0].program !== "bin (compiled)") throw new Error(`expected the compiled program to run, got ${compiled[0].program}`);
  // The same after an edit without a build (main.js falls back to the sources, transpile-only), and
  // what a default Pulumi TypeScript project pays (Pulumi's ts-node, type-checking).
  const fromSources = Array.from({ length: quick ? 1 : runs }, () => host({ AZDETECT_FROM_SOURCES: "1" }));
  const typeChecking = quick ? [] : [host({ BENCH_PULUMI_TYPESCRIPT: "1", PULUMI_NODEJS_TRANSPILE_ONLY: "false" })];
  // The same program watching a list of 1, 20 and 200 subscriptions (compiled, as `pulumi up` runs it).
  const estates = ESTATES.map((n) => ({ subscriptions: n, runs: Array.from({ length: runs }, () => host({ BENCH_SUBSCRIPTIONS: String(n) })) }));
  // The deploy shape, from the offline harness's run of the same stack (tools/mockStack.ts).
  const program = child("tools/bench/program.ts");
  const kql = Array.from({ length: runs }, () => child("tools/bench/kql.ts"));
  const samplesScript = path.join(root, "tools/bench/samples.ts");
  const samples = fs.existsSync(samplesScript) ? Array.from({ length: runs }, () => child("tools/bench/samples.ts")) : [];
  const heavyRuns = quick ? 1 : Math.min(runs, 3);
  const npmTest = quick ? [] : Array.from({ length: heavyRuns }, () => timed(["npm", "test", "--silent"]));
  const tsc = quick ? [] : Array.from({ length: heavyRuns }, () => timed(["npx", "tsc", "-p", "tsconfig.json", "--noEmit"]));

  const shape = program.shape;
  type HostStat = { wallMs: Stat; maxRssMB: Stat; program: string } | string;
  const hostStat = (xs: { wallMs: number; maxRssMB: number; program: string }[]): HostStat =>
    xs.length ? { wallMs: stat(xs.map((p) => p.wallMs)), maxRssMB: stat(xs.map((p) => p.maxRssMB)), program: xs[0].program } : "skipped (--quick)";
  const result = {
    machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: load() },
    programEvaluation: {
      resources: compiled[0].resources,
      rules: program.rules,
      compiled: hostStat(compiled) as { wallMs: Stat; maxRssMB: Stat; program: string },
      fromSources: hostStat(fromSources),
      typeChecking: hostStat(typeChecking),
    },
    estate: estates.map((e) => ({
      subscriptions: e.subscriptions,
      resources: e.runs[0].resources,
      providers: e.runs[0].providers,
      rules: e.runs[0].rules,
      logSearchRules: e.runs[0].logSearchRules,
      activityLogAlerts: e.runs[0].activityLogAlerts,
      wallMs: stat(e.runs.map((r: { wallMs: number }) => r.wallMs)),
      maxRssMB: stat(e.runs.map((r: { maxRssMB: number }) => r.maxRssMB)),
    })),
    kqlAnalysis: {
      queries: kql[0].queries,
      coldMs: stat(kql.map((k) => k.coldMs)),
      warmPerQueryMs: stat(kql.map((k) => k.warmMedianMs)),
      warmMaxMs: stat(kql.map((k) => k.warmMaxMs)),
      totalWarmMs: stat(kql.map((k) => k.totalWarmMs)),
    },
    samples: samples.length ? { cases: samples[0].cases, totalMs: stat(samples.map((s) => s.totalMs)), parserLoadMs: stat(samples.map((s) => s.loadMs)) } : "not measured (no evaluator)",
    npmTest: npmTest.length ? { wallS: stat(npmTest.map((t) => t.wallS)), maxRssMB: npmTest[0].maxRssMB !== undefined ? stat(npmTest.map((t) => t.maxRssMB!)) : "n/a (no /usr/bin/time)", allPassed: npmTest.every((t) => t.ok) } : "skipped (--quick)",
    typecheck: tsc.length ? { wallS: stat(tsc.map((t) => t.wallS)), maxRssMB: tsc[0].maxRssMB !== undefined ? stat(tsc.map((t) => t.maxRssMB!)) : "n/a (no /usr/bin/time)", ok: tsc.every((t) => t.ok) } : "skipped (--quick)",
    deployShape: {
      ...shape,
      predecessor: {
        description: "AzDetectSuite: one ARM deployment per template, run one after another by its importer script",
        longestChain: program.rules,
      },
    },
  };

  const f = (s: Stat, unit: string, digits = 0) => `${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)}, n=${s.runs})`;
  const budget = (ok: boolean) => (ok ? "within budget" : "OVER BUDGET");
  const pe = result.programEvaluation, ka = result.kqlAnalysis;
  const hostRow = (h: HostStat) => (typeof h === "string" ? h : `${f(h.wallMs, "ms")} / ${f(h.maxRssMB, "MB")}`);
  const rows: [string, string, string][] = [
    [`1. program evaluation, ${pe.resources} resources (wall, process start to all resources)`, f(pe.compiled.wallMs, "ms"), `< ${BUDGETS.programWallMs} ms: ${budget(pe.compiled.wallMs.median < BUDGETS.programWallMs)}`],
    ["   peak RSS", f(pe.compiled.maxRssMB, "MB"), `< ${BUDGETS.programRssMB} MB: ${budget(pe.compiled.maxRssMB.median < BUDGETS.programRssMB)}`],
    ["   after an edit, before npm run build (sources, transpile-only)", hostRow(pe.fromSources), ""],
    ["   a default Pulumi TypeScript project (type-checking)", hostRow(pe.typeChecking), ""],
    ...result.estate.flatMap((e): [string, string, string][] => {
      const largest = e.subscriptions === ESTATES[ESTATES.length - 1];
      return [
        [`   estate of ${e.subscriptions} listed subscription${e.subscriptions === 1 ? "" : "s"}: ${e.resources} resources, ${e.providers} providers, ${e.rules} alert rules (${e.logSearchRules} log search, ${e.activityLogAlerts} activity-log alerts)`, `${f(e.wallMs, "ms")} / ${f(e.maxRssMB, "MB")}`,
          largest ? `< ${BUDGETS.estateWallMs} ms: ${budget(e.wallMs.median < BUDGETS.estateWallMs)}, < ${BUDGETS.estateRssMB} MB: ${budget(e.maxRssMB.median < BUDGETS.estateRssMB)}` : ""],
      ];
    }),
    [`   log search rules for 1 and for ${ESTATES[ESTATES.length - 1]} subscriptions`, `${result.estate[0].rules} and ${result.estate[result.estate.length - 1].rules} alert rules; one per detection`, result.estate[0].rules === result.estate[result.estate.length - 1].rules ? "same" : "NOT THE SAME"],
    [`2. KQL analysis, ${ka.queries} queries: cold first query`, f(ka.coldMs, "ms"), ""],
    ["   warm, per query (median)", f(ka.warmPerQueryMs, "ms", 2), `< ${BUDGETS.kqlWarmMs} ms: ${budget(ka.warmPerQueryMs.median < BUDGETS.kqlWarmMs)}`],
    ["   warm, whole catalogue", f(ka.totalWarmMs, "ms"), ""],
    ["3. evaluator, every sample case", typeof result.samples === "string" ? result.samples : f(result.samples.totalMs, "ms") + ` for ${result.samples.cases} cases (+ parser load ${f(result.samples.parserLoadMs, "ms")})`, ""],
    ["4. npm test (wall)", typeof result.npmTest === "string" ? result.npmTest : f(result.npmTest.wallS, "s", 1), typeof result.npmTest === "string" ? "" : `< ${BUDGETS.npmTestS} s: ${budget(result.npmTest.wallS.median < BUDGETS.npmTestS)}`],
    ["   npm test peak RSS", typeof result.npmTest === "string" || typeof result.npmTest.maxRssMB === "string" ? "n/a" : f(result.npmTest.maxRssMB, "MB"), ""],
    ["   tsc --noEmit (wall / peak RSS)", typeof result.typecheck === "string" ? result.typecheck : `${f(result.typecheck.wallS, "s", 1)} / ${typeof result.typecheck.maxRssMB === "string" ? "n/a" : f(result.typecheck.maxRssMB, "MB")}`, ""],
    ["5. deploy shape: resources (Azure resources)", `${shape.resources} (${shape.azureResources})`, ""],
    ["   longest dependency chain", `${shape.longestChain}: ${shape.chain.join(" -> ")}`, `<= ${BUDGETS.chain}: ${budget(shape.longestChain <= BUDGETS.chain)}`],
    ["   predecessor (AzDetectSuite importer)", `${program.rules} sequential deployments for the same ${program.rules} rules`, ""],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b}${c ? `   [${c}]` : ""}`);
  fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
  fs.writeFileSync(jsonOut, JSON.stringify(result, null, 2) + "\n");
  console.log(`\nload average (1, 5, 15 min) before ${result.machine.loadAverageBefore}, after ${result.machine.loadAverageAfter}`);
  console.log(`JSON: ${path.relative(root, jsonOut)}`);
}

main();
