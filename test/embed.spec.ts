// azdetect as a library, tested the way a user gets it: `npm pack` of this repository, the tarball
// unpacked into a fresh project, the example program (examples/embed/) type-checked there with its
// own strict tsconfig and run under Pulumi's mocks in a separate Node process. A missing export, a
// missing .d.ts, a file left out of the package or a dependency missing from package.json fails it.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { build } from "../tools/build";
import { DETECTIONS } from "../detections";

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
  return project;
}

/** The example's program as its own tsconfig (strict) compiles it, emitted to bin/; memoised per project. */
const checked = new Map<string, { program: ts.Program; diagnostics: string[] }>();
function typeCheck(project: string): { program: ts.Program; diagnostics: string[] } {
  if (!checked.has(project)) {
    const configFile = ts.readConfigFile(path.join(project, "tsconfig.json"), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, project);
    if (parsed.options.strict !== true) throw new Error("examples/embed/tsconfig.json must be strict");
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
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
});
