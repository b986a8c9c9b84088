// The compiled program and its stamp (build-stamp.js, main.js, tools/build.ts): `pulumi up` runs
// bin/ only while it is the program in the sources, and the same stack either way.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CREDENTIAL_FIELDS } from "../config";
import { credentialsIn } from "../config/credentials";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildProblem, writeStamp, STAMP } = require("../build-stamp") as {
  buildProblem: (root: string) => string | undefined;
  writeStamp: (root: string, files: string[]) => void;
  STAMP: string;
};
const ROOT = path.join(__dirname, "..");

describe("build stamp (build-stamp.js)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-stamp-"));
    fs.mkdirSync(path.join(dir, "detections"));
    fs.writeFileSync(path.join(dir, "index.ts"), "export const a = 1;\n");
    fs.writeFileSync(path.join(dir, "detections", "data.json"), "{\"x\": 1}\n");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("no stamp: not built", () => {
    expect(buildProblem(dir)).to.equal("bin/ has not been built (no bin/build-stamp.json)");
  });
  it("a stamp of the current files: current", () => {
    writeStamp(dir, ["index.ts", "detections/data.json"]);
    expect(buildProblem(dir)).to.equal(undefined);
  });
  it("a changed data file makes the build stale, naming the file", () => {
    writeStamp(dir, ["index.ts", "detections/data.json"]);
    fs.writeFileSync(path.join(dir, "detections", "data.json"), "{\"x\": 2}\n");
    expect(buildProblem(dir)).to.equal("detections/data.json changed since the last build");
  });
  it("a changed source makes the build stale even when only its content changed", () => {
    writeStamp(dir, ["index.ts"]);
    fs.writeFileSync(path.join(dir, "index.ts"), "export const a = 2;\n");
    expect(buildProblem(dir)).to.match(/changed since the last build$/);
  });
  it("a removed source makes the build stale", () => {
    writeStamp(dir, ["index.ts", "detections/data.json"]);
    fs.rmSync(path.join(dir, "index.ts"));
    expect(buildProblem(dir)).to.equal("index.ts was removed since the last build");
  });
  it("a stamp that is not one", () => {
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, STAMP), "{\"files\": 3}");
    expect(buildProblem(dir)).to.equal("bin/build-stamp.json is not a stamp written by npm run build");
  });
});

describe("main.js under Pulumi's language host (Pulumi.yaml main and runtime options)", function () {
  this.timeout(120_000);

  function host(env: Record<string, string>) {
    const r = spawnSync(process.execPath, [path.join(ROOT, "tools", "bench", "pulumi-run.js")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).to.equal(0);
    return { ...JSON.parse(r.stdout.trim().split("\n").pop()!) as { resources: number; outputs: string[]; program: string }, printed: r.stdout + r.stderr };
  }

  it("Pulumi.yaml runs main.js as JavaScript (package.json's exports is the library, which Pulumi would otherwise run)", () => {
    const project = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    expect(project).to.match(/\nmain: main\.js\n/);
    expect(project).to.match(/\n {4}typescript: false\n/);
  });

  it("runs bin/ when it is current, else the sources, and both declare the same stack", () => {
    // In CI `npm ci` has just built bin/ (package.json "prepare"); in a working tree it may be stale.
    const current = buildProblem(ROOT) === undefined;
    const run = host({});
    expect(run.program).to.equal(current ? "bin (compiled)" : "sources, transpile-only");
    // index.ts's exports are the stack outputs; the full stack declares well over a hundred resources.
    expect(run.outputs).to.deep.equal(["actionGroups", "costEstimate", "coverage", "resourceGroupName", "rules", "telemetryBySubscription", "telemetryGaps", "workspaceId"]);
    expect(run.resources).to.be.greaterThan(100);
    const fromSources = host({ AZDETECT_FROM_SOURCES: "1" });
    expect(fromSources.program).to.equal("sources, transpile-only");
    expect(fromSources.resources).to.equal(run.resources);
    expect(fromSources.outputs).to.deep.equal(run.outputs);
    // The bench's stack carries a credential in every credential field, encrypted: none of them is
    // in what the program prints or in the line the bench's JSON is made of (the canary of
    // test/credentials.spec.ts, for the bench).
    const bench = JSON.parse(fs.readFileSync(path.join(ROOT, "tools", "bench", "full-stack.json"), "utf8"));
    const credentials = credentialsIn(bench.config, CREDENTIAL_FIELDS);
    expect(new Set(credentials.map((c) => c.what)).size).to.equal(CREDENTIAL_FIELDS.length);
    for (const c of credentials) for (const out of [run.printed, fromSources.printed]) expect(out).not.to.contain(String(c.value));
  });
});
