// Benchmark child (npm run bench): the backtest of the whole catalogue over a generated week of a
// tenant (tools/bench/tenant.ts), run as a user runs it — `npm run backtest` in a fresh process
// over the exported files — timed with its peak RSS; then the check that every injected attack was
// found at the evaluation Azure would fire at. And `npm run detect` of one detection over a small
// file. Prints one JSON line.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../../config";
import { readStackFile } from "../../config/stackFile";
import { resolveDetections } from "../../planning/resolve";
import { runCase } from "../../planning/samples";
import type { BacktestReport } from "../../planning/backtest";
import { writeTenant, type Injection } from "./tenant";

const root = path.join(__dirname, "..", "..");
const args = process.argv.slice(2);
const ROWS = Number(args[args.indexOf("--rows") + 1]) || 1_000_000;
const DAYS = 7;

/** Wall and CPU seconds (user + system: what the run cost, however busy the machine) and peak RSS, via GNU time when present. */
function timed(cmd: string[]): { wallS: number; cpuS?: number; maxRssMB?: number; status: number | null; stdout: string; stderr: string } {
  const gnuTime = fs.existsSync("/usr/bin/time");
  const argv = gnuTime ? ["/usr/bin/time", "-f", "__TIME__ %e %U %S %M", ...cmd] : cmd;
  const t0 = Date.now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: root, encoding: "utf8", maxBuffer: 1 << 30 });
  const m = /__TIME__ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? "");
  return { wallS: m ? Number(m[1]) : (Date.now() - t0) / 1000, cpuS: m ? Number(m[2]) + Number(m[3]) : undefined, maxRssMB: m ? Number(m[4]) / 1024 : undefined, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function main(): void {
  const stack = "dev";
  const rules = resolveDetections(parseStackConfig(readStackFile(path.join(root, `Pulumi.${stack}.yaml`)), stack));
  const byKey = new Map(rules.map((r) => [r.key, r]));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-tenant-"));
  try {
    const genStart = Date.now();
    const keepIds = new Set([...rules.map((r) => r.query).join("\n").matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi)].map((m) => m[0].toLowerCase()));
    const tenant = writeTenant({ rows: ROWS, days: DAYS, start: new Date("2025-06-01T00:00:00Z"), dir, keepIds }, (d, rows, now) => {
      const r = byKey.get(d.key);
      if (!r) return [];
      return runCase(d, { rows, now }, r.parameters).evaluation.groups.filter((g) => g.fired).map((g) => g.dimensions);
    });
    const generateS = (Date.now() - genStart) / 1000;
    const out = path.join(dir, "report.json");
    // As a user runs it: npm run backtest (compiled when the build is current: bench.ts builds first).
    const run = timed(["npm", "run", "--silent", "backtest", "--", "--rows", dir, "--stack", stack, "--format", "json", "--quiet", "--out", out]);
    if (run.status !== 0 && !fs.existsSync(out)) throw new Error(`backtest failed:\n${run.stderr}`);
    const report = JSON.parse(fs.readFileSync(out, "utf8")) as BacktestReport;
    // A sample that needs parameters the stack does not set (a list of privileged groups, say) is
    // quiet under the stack's own parameters: nothing is expected of it, and it is counted apart.
    const injected = tenant.injected.filter((i) => byKey.has(i.key) && i.dimensions.length > 0);
    const quietUnderStack = tenant.injected.filter((i) => byKey.has(i.key) && i.dimensions.length === 0).map((i) => i.key);
    const missed = injected.filter((i) => !found(report, i, byKey.get(i.key)!.alertKind)).map((i) => `${i.key} at ${i.at}`);
    const slowest = [...report.detections].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5).map((d) => ({ key: d.key, ms: d.durationMs, evaluations: d.evaluations }));
    const evaluations = report.detections.reduce((s, d) => s + d.evaluations, 0);

    const small = path.join(root, "test", "fixtures", "runcommand-export.json");
    // As a user runs it: npm run detect (compiled when the build is current: bench.ts builds first).
    const detect = [0, 1, 2].map(() => timed(["npm", "run", "--silent", "detect", "--", "--detection", "azt301-1-runcommand", "--rows", small, "--now", "2025-06-02T12:00:00Z"]));
    process.stdout.write(JSON.stringify({
      rows: tenant.rows,
      days: DAYS,
      tables: Object.keys(report.rows).length,
      generateS,
      wallS: run.wallS,
      cpuS: run.cpuS,
      maxRssMB: run.maxRssMB,
      rowsPerS: Math.round(tenant.rows / run.wallS),
      rules: report.detections.length,
      notEvaluated: report.notEvaluated,
      evaluations,
      alerts: report.detections.reduce((s, d) => s + d.alerts, 0),
      injected: injected.length,
      missed,
      quietUnderStack,
      slowest,
      complete: report.complete,
      detectWallS: detect.map((d) => d.wallS),
      detectCpuS: detect.map((d) => d.cpuS),
      detectCompiled: !detect.some((d) => d.stderr.includes("running from the TypeScript sources")),
      detectOk: detect.every((d) => d.status === 0),
    }) + "\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The injected attack raised its alerts (each predicted dimension combination) at the expected evaluation. */
function found(report: BacktestReport, i: Injection, kind: string): boolean {
  const d = report.detections.find((x) => x.key === i.key);
  if (!d) return false;
  const at = Date.parse(i.at);
  // An activity-log alert fires when its event arrives: within the hour before the slot.
  const alertsAt = d.alertList.filter((a) => (kind === "activityLog" ? Date.parse(a.at) <= at && Date.parse(a.at) > at - 36e5 : a.at === i.at));
  // The sample's evaluation runs the catalogue's query; the deployed rule adds the estate's
  // SubscriptionId dimension (planning/resolve.ts), so an alert carries the predicted values and more.
  return i.dimensions.every((dims) => alertsAt.some((a) => Object.entries(dims).every(([k, v]) => JSON.stringify(a.dimensions[k]) === JSON.stringify(v))));
}

main();
