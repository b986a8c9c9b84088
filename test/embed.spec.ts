// azdetect as a library, tested the way a user gets it: `npm pack` of this repository, the tarball
// unpacked into a fresh project, the example program (examples/embed/) type-checked there with its
// own strict tsconfig and run under Pulumi's mocks in a separate Node process, and the offline tools
// (plan, matrix, cost, backtest, detect) called from a script there. A missing export, a missing
// .d.ts, a file left out of the package or a dependency missing from package.json fails it.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { build } from "../tools/build";
import { DETECTIONS } from "../detections";
import { isoDurationMs } from "../detections/kql";
import { TACTICS } from "../detections/model";
import { parseStackConfig } from "../config";
import { readStackFile } from "../config/stackFile";
import { resolveDetections } from "../planning/resolve";

const ROOT = path.join(__dirname, "..");
const EXAMPLE = path.join(ROOT, "examples", "embed");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildProblem, writeStamp } = require("../build-stamp") as { buildProblem: (root: string) => string | undefined; writeStamp: (root: string, files: string[]) => void };

/** The packed package installed in a fresh project: returns the project folder. */
function installPackedPackage(): string {
  if (buildProblem(ROOT) !== undefined) {
    const { errors, files } = build();
    if (errors) throw new Error(`npm run build failed:\n${errors}`);
    writeStamp(ROOT, files);
  }
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-embed-"));
  // --ignore-scripts: bin/ is current (checked above); prepare would rebuild it.
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: ROOT, encoding: "utf8" })) as { filename: string; files: { path: string }[] }[];
  const pkgDir = path.join(project, "node_modules", "azdetect");
  fs.mkdirSync(pkgDir, { recursive: true });
  execFileSync("tar", ["-xzf", path.join(project, packed.filename), "-C", pkgDir, "--strip-components=1"]);
  // The package's own dependencies, and the example's, as npm would install them (the same
  // versions: linked from this repository's node_modules, which the lockfile pinned).
  const own = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const example = JSON.parse(fs.readFileSync(path.join(EXAMPLE, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const dep of new Set([...Object.keys(own.dependencies), ...Object.keys(example.dependencies).filter((d) => d !== "azdetect")])) {
    const link = path.join(project, "node_modules", dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules", dep), link, "dir");
  }
  for (const f of ["index.ts", "tsconfig.json", "package.json"]) fs.copyFileSync(path.join(EXAMPLE, f), path.join(project, f));
  fs.writeFileSync(path.join(project, "tools.ts"), TOOLS_PROGRAM);
  return project;
}

/**
 * The offline tools called the way a script of the user's would, from the packed package: written
 * into the project beside the example, type-checked with it (strict) and run in its own Node
 * process (TOOLS_RUNNER), so a missing runtime package, data file or declaration fails the test.
 * `run` returns what each tool answered; the spec asserts on it.
 */
const TOOLS_PROGRAM = `
import {
  backtest, buildMatrix, buildPlan, detect, estimateCost, logSourcesRead, parseDetectionSelection, priceTable, readStackFile, renderMatrixHtml, renderPlan,
  rowsFromData, runDetection, selectDetections, type DetectResult,
} from "azdetect";

// A Run Command started by mallory (alerts) and one by the allowlisted pipeline (does not).
const runCommand = (at: string, caller: string) => ({
  TimeGenerated: at, CategoryValue: "Administrative", OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
  ActivityStatusValue: "Start", Caller: caller, CallerIpAddress: "203.0.113.45", SubscriptionId: "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11",
  _ResourceId: "/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/resourcegroups/rg-prod/providers/microsoft.compute/virtualmachines/vm-web-01",
});

export async function run(input: { rowsFile: string; stackFile: string }) {
  const rules = selectDetections({ tactics: ["Execution"], allowlists: { callers: ["deploy@contoso.com"] } });
  const rows = rowsFromData({ AzureActivity: [runCommand("2025-06-02T11:57:00Z", "mallory@contoso.onmicrosoft.com"), runCommand("2025-06-02T11:58:00Z", "deploy@contoso.com")] });
  const report = backtest(rules, rows.tables);
  const notes: string[] = [];
  const detected: DetectResult = detect(["--detection", "azt301-1-runcommand", "--rows", input.rowsFile, "--now", "2025-06-02T12:00:00Z"], (line) => notes.push(line));
  const typed = runDetection({
    detection: "azt301-1-runcommand", tables: rows.tables, now: "2025-06-02T12:00:00Z",
    config: parseDetectionSelection({ allowlists: { callers: ["deploy@contoso.com"] } }),
  });
  const matrix = buildMatrix(rules, ["Execution"]);
  const page = renderMatrixHtml({ stack: "embed", matrix, docsHref: "https://example.com/detections.md" });
  const cost = estimateCost(rules, priceTable(), logSourcesRead(rules));
  const plan = await buildPlan(readStackFile(input.stackFile), "dev");
  return {
    rules: rules.map((r) => ({ key: r.key, alertKind: r.alertKind, evaluationFrequency: r.evaluationFrequency })),
    backtest: { complete: report.complete, notEvaluated: report.notEvaluated, alerts: report.detections.filter((d) => d.alerts > 0).map((d) => ({ key: d.key, alerts: d.alertList })) },
    detect: { result: detected, notes },
    runDetection: typed,
    matrix,
    page,
    cost,
    plan: { rules: plan.tactics.flatMap((t) => t.rules.map((r) => r.key)), text: renderPlan(plan) },
  };
}
`;
const TOOLS_RUNNER = `
require("./bin/tools.js").run(JSON.parse(process.argv[2])).then(
  (r) => process.stdout.write(JSON.stringify(r)),
  (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

/** The example's program (and TOOLS_PROGRAM) as the example's tsconfig (strict) compiles it, emitted to bin/; memoised per project. */
const checked = new Map<string, { program: ts.Program; diagnostics: string[] }>();
function typeCheck(project: string): { program: ts.Program; diagnostics: string[] } {
  if (!checked.has(project)) {
    const configFile = ts.readConfigFile(path.join(project, "tsconfig.json"), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, project);
    if (parsed.options.strict !== true) throw new Error("examples/embed/tsconfig.json must be strict");
    const program = ts.createProgram({ rootNames: [...parsed.fileNames, path.join(project, "tools.ts")], options: parsed.options });
    const emitted = program.emit();
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    checked.set(project, { program, diagnostics });
  }
  return checked.get(project)!;
}

/** Runs the compiled example under Pulumi's mocks in its own Node process; returns what it declared. */
const MOCK_RUNNER = `
const pulumi = require("@pulumi/pulumi");
const declared = [];
pulumi.runtime.setMocks({
  newResource: (a) => {
    const id = a.custom === false ? undefined : "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/" + a.type + "/" + a.name;
    declared.push({ type: a.type, name: a.name, inputs: a.inputs, id });
    return { id, state: { ...a.inputs, name: a.name } };
  },
  call: (a) => a.token === "azure-native:authorization:getClientConfig"
    ? { subscriptionId: "00000000-1111-2222-3333-444444444444", tenantId: "t", clientId: "c", objectId: "o" } : {},
}, "azdetect-embed-example", "dev", false).then(() => {
  const program = require("./bin/index.js");
  pulumi.output(program.ruleIds).apply(() => setTimeout(() => process.stdout.write(JSON.stringify(declared)), 200));
});
`;

describe("azdetect as a library (packed package, examples/embed)", function () {
  this.timeout(240_000);
  let project: string;
  before(() => { project = installPackedPackage(); });
  after(() => fs.rmSync(project, { recursive: true, force: true }));

  it("ships the library entry with declarations, and not the tests or tools' sources", () => {
    const pkg = path.join(project, "node_modules", "azdetect");
    expect(fs.existsSync(path.join(pkg, "bin", "lib.js"))).to.equal(true);
    expect(fs.existsSync(path.join(pkg, "bin", "lib.d.ts"))).to.equal(true);
    expect(fs.existsSync(path.join(pkg, "test"))).to.equal(false);
    expect(fs.existsSync(path.join(pkg, "components", "DetectionSuite.ts"))).to.equal(false);
  });

  it("type-checks the example in strict mode against the package's declarations", () => {
    const { program, diagnostics } = typeCheck(project);
    expect(diagnostics).to.deep.equal([]);
    // The library's types, not `any`: the import resolved to bin/lib.d.ts.
    const resolved = program.getSourceFiles().map((f) => f.fileName).filter((f) => f.includes("node_modules/azdetect/"));
    expect(resolved.some((f) => f.endsWith("bin/lib.d.ts"))).to.equal(true);
  });

  it("keeps every public name of api-lock.json unless the major version changed, and lists every new one", () => {
    const { program } = typeCheck(project);
    const checker = program.getTypeChecker();
    const entry = program.getSourceFile(path.join(project, "node_modules", "azdetect", "bin", "lib.d.ts"))!;
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(entry)!).map((x) => x.name).sort();
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "api-lock.json"), "utf8")) as { version: string; exports: string[] };
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    const major = (v: string) => Number(v.split(".")[0]);
    const removed = lock.exports.filter((n) => !exported.includes(n));
    if (major(version) === major(lock.version)) expect(removed, `removing or renaming a public name needs a major version above ${lock.version} (package.json is ${version})`).to.deep.equal([]);
    expect(exported.filter((n) => !lock.exports.includes(n)), "new public names: add them to api-lock.json and CHANGELOG.md").to.deep.equal([]);
    expect(exported.length).to.be.greaterThan(50);
  });

  it("runs under mocks: the two tactics' rules on the program's workspace, alerting its action group", () => {
    typeCheck(project); // emits bin/index.js
    fs.writeFileSync(path.join(project, "run-mocked.js"), MOCK_RUNNER);
    const declared = JSON.parse(execFileSync(process.execPath, ["run-mocked.js"], { cwd: project, encoding: "utf8" })) as { type: string; name: string; inputs: any; id?: string }[];
    const workspace = declared.find((r) => r.type === "azure-native:operationalinsights:Workspace")!;
    const actionGroup = declared.find((r) => r.type === "azure-native:monitor:ActionGroup")!;
    const expected = DETECTIONS.filter((d) => (d.tactic === "Execution" || d.tactic === "Persistence") && !d.offByDefault).map((d) => d.key).sort();
    const rules = declared.filter((r) => r.type === "azure-native:monitor:ScheduledQueryRule" || r.type === "azure-native:monitor:ActivityLogAlert");
    expect(rules.map((r) => r.name.replace(/^security-/, "")).sort()).to.deep.equal(expected);
    for (const r of rules) {
      expect(r.name, "children are named after the component").to.match(/^security-/);
      if (r.type === "azure-native:monitor:ScheduledQueryRule") {
        expect(r.inputs.scopes).to.deep.equal([workspace.id]);
        expect(r.inputs.actions.actionGroups).to.deep.equal([actionGroup.id]);
        expect(r.inputs.ruleName).to.match(/^azdetect-dev-security-/);
      } else {
        expect(r.inputs.actions.actionGroups).to.deep.equal([{ actionGroupId: actionGroup.id }]);
      }
    }
    // The program's own workspace, group and action group are the only ones: the suite creates none.
    expect(declared.filter((r) => r.type === "azure-native:operationalinsights:Workspace")).to.have.length(1);
    expect(declared.filter((r) => r.type === "azure-native:resources:ResourceGroup")).to.have.length(1);
    expect(declared.filter((r) => r.type === "azure-native:monitor:ActionGroup")).to.have.length(1);
  });

  it("runs the offline tools from the package in a script: backtest, detect, runDetection, plan, matrix (and its page) and cost", () => {
    typeCheck(project); // emits bin/tools.js
    fs.writeFileSync(path.join(project, "run-tools.js"), TOOLS_RUNNER);
    const input = { rowsFile: path.join(ROOT, "test", "fixtures", "runcommand-export.json"), stackFile: path.join(ROOT, "Pulumi.dev.yaml") };
    const out = JSON.parse(execFileSync(process.execPath, ["run-tools.js", JSON.stringify(input)], { cwd: project, encoding: "utf8" }));
    const execution = DETECTIONS.filter((d) => d.tactic === "Execution" && !d.offByDefault).map((d) => d.key).sort();
    expect(out.rules.map((r: { key: string }) => r.key).sort()).to.deep.equal(execution);

    // backtest (the Kusto parser and the table schemas from the package): mallory's run alerts once,
    // on the first 5-minute run after it; the allowlisted caller's does not.
    expect(out.backtest.complete).to.equal(true);
    expect(out.backtest.alerts).to.have.length(1);
    expect(out.backtest.alerts[0].key).to.equal("azt301-1-runcommand");
    expect(out.backtest.alerts[0].alerts.map((a: { at: string; dimensions: { Caller: string } }) => [a.at, a.dimensions.Caller])).to.deep.equal([["2025-06-02T12:00:00.000Z", "mallory@contoso.onmicrosoft.com"]]);

    // detect over an export file, with the catalogue's defaults (no stack file in the package): both callers.
    expect(out.detect.result.fired).to.equal(true);
    expect(out.detect.result.alerts.map((a: { dimensions: { Caller: string } }) => a.dimensions.Caller).sort()).to.deep.equal(["deploy@contoso.com", "mallory@contoso.onmicrosoft.com"]);
    expect(out.detect.notes).to.deep.equal(["ignored columns the schema does not know: AzureActivity.SomeNewColumn"]);

    // runDetection: the same rule over the rows in memory, with a stack config's allowlist: mallory only.
    expect(out.runDetection.fired).to.equal(true);
    expect(out.runDetection.parameters.allowedCallers).to.deep.equal(["deploy@contoso.com"]);
    expect(out.runDetection.alerts.map((a: { dimensions: { Caller: string } }) => a.dimensions.Caller)).to.deep.equal(["mallory@contoso.onmicrosoft.com"]);

    // matrix: every ATRM tactic a column, only Execution selected, each of its detections in a cell.
    expect(out.matrix.columns.map((c: { tactic: string }) => c.tactic)).to.deep.equal([...TACTICS]);
    expect(out.matrix.columns.filter((c: { selected: boolean }) => c.selected).map((c: { tactic: string }) => c.tactic)).to.deep.equal(["Execution"]);
    const cells = out.matrix.columns.flatMap((c: { techniques: { cell?: { detections: { key: string; deployed: boolean }[] }; subTechniques: { detections: { key: string; deployed: boolean }[] }[] }[] }) =>
      c.techniques.flatMap((t) => [...(t.cell ? [t.cell] : []), ...t.subTechniques]));
    const deployed = cells.flatMap((c: { detections: { key: string; deployed: boolean }[] }) => c.detections.filter((d) => d.deployed).map((d) => d.key));
    expect([...new Set(deployed)].sort()).to.deep.equal(execution);
    expect(out.page).to.match(/^<!doctype html>/i).and.include("https://example.com/detections.md");
    for (const key of execution) expect(out.page).to.include(key);

    // cost (the price table shipped in the package): each log search rule at the list price of the
    // largest tier at most as frequent as it (Azure's price tiers: every 1, 5, 10 or 15 minutes).
    const prices = JSON.parse(fs.readFileSync(path.join(ROOT, "pricing", "azure-monitor.json"), "utf8")) as { currency: string; logSearchRulePerMonth: Record<string, number> };
    const listPrice = (frequency: string) => prices.logSearchRulePerMonth[Object.keys(prices.logSearchRulePerMonth).filter((t) => isoDurationMs(t) <= isoDurationMs(frequency)).pop()!];
    const logSearch = out.rules.filter((r: { alertKind: string }) => r.alertKind === "scheduledQuery");
    expect(out.cost.currency).to.equal(prices.currency);
    expect(out.cost.rules.logSearch).to.equal(logSearch.length);
    expect(out.cost.rules.activityLogFree).to.equal(out.rules.length - logSearch.length);
    expect(out.cost.rules.monthly).to.be.closeTo(logSearch.reduce((s: number, r: { evaluationFrequency: string }) => s + listPrice(r.evaluationFrequency), 0), 0.005);

    // plan of Pulumi.dev.yaml (the program under the package's own mocks): the rules its selection resolves to.
    const dev = resolveDetections(parseStackConfig(readStackFile(input.stackFile), "dev")).map((r) => r.key).sort();
    expect([...out.plan.rules].sort()).to.deep.equal(dev);
    expect(out.plan.text).to.match(/^azdetect plan for stack "dev" \(westeurope\) — offline, nothing is deployed\n/);
    for (const key of dev) expect(out.plan.text).to.include(` ${key} `);
  });
});
