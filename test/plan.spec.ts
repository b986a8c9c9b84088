// `npm run plan` end to end, in a fresh process as a new user runs it: the example stack's JSON
// plan parses, and a bad stack file fails with exit code 1 and the program's own ConfigError.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../config";
import { ConfigError } from "../config/errors";
import { planCommand, planError } from "../tools/plan";

const root = path.join(__dirname, "..");

/** `npm run plan` (tools/launch.js: compiled when the build is current, else the sources with a one-line note, left out here). */
function plan(...args: string[]) {
  const r = spawnSync("npm", ["run", "--silent", "plan", "--", ...args], { cwd: root, encoding: "utf8" });
  return { ...r, stderr: r.stderr.split("\n").filter((l) => !l.startsWith("plan: running from the TypeScript sources")).join("\n") };
}

describe("npm run plan (fresh process)", () => {
  it("--format json prints one JSON object for the example stack, with cost, coverage, routing and telemetry", () => {
    const r = plan("--format", "json");
    expect(r.status, r.stderr).to.equal(0);
    const p = JSON.parse(r.stdout);
    expect(p.stack).to.equal("dev");
    expect(p.tactics.length).to.be.greaterThan(0);
    expect(p.cost.currency).to.equal("USD");
    expect(p.cost.total.monthly).to.equal(Math.round((p.cost.total.exact + p.cost.total.estimated) * 100) / 100);
    expect(p.cost.rules.logSearch + p.cost.rules.activityLogFree).to.equal(p.tactics.reduce((n: number, t: { rules: unknown[] }) => n + t.rules.length, 0));
    expect(p.outputs.costEstimate).to.deep.equal(p.cost);
    expect(p.coverage.leafTechniques).to.equal(77);
    expect(p.routing.actionGroups.map((g: { name: string }) => g.name)).to.include("soc");
    expect(p.telemetry.read.length).to.be.greaterThan(0);
    expect(p.telemetry).to.have.property("gaps");
    // The example stack creates its workspace: no log search rule asks Azure to validate its query (planning/validation.ts).
    const rules = p.tactics.flatMap((t: { rules: { alertKind: string; queryValidation?: { skip: boolean; reason: string } }[] }) => t.rules);
    for (const r of rules) expect(r.queryValidation, JSON.stringify(r)).to.deep.equal(r.alertKind === "scheduledQuery" ? { skip: true, reason: "the stack creates the workspace: no table exists before its first rows" } : undefined);
  });

  // The rest runs in-process through the same function the command calls (a fresh process per case costs ~10 s).
  it("prints the text plan with the cost section by default", async () => {
    const out = await planCommand([]);
    expect(out).to.match(/^azdetect plan for stack "dev"/);
    expect(out).to.match(/Estimated monthly cost \(USD; price table read \d{4}-\d\d-\d\d/);
    expect(out).to.match(/Total: \d+\.\d\d exact \+ \d+\.\d\d estimated = \d+\.\d\d USD\/month/);
    expect(out).to.match(/log search every PT\w+ over \w+, not validated at creation/);
    expect(out).to.match(/Query validation when Azure creates a log search rule \(skipQueryValidation\):\n  \d+ rules not validated: the stack creates the workspace/);
  });

  it("fails on a bad stack file with exit code 1 and exactly the program's ConfigError, naming the key", () => {
    const stack = "plan-bad-config-test";
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const config = { location: "westeurope", pricing: { currency: "euro" }, tactics: ["Exfiltration"] };
    fs.writeFileSync(file, `config:\n  azdetect:location: westeurope\n  azdetect:tactics: [Exfiltration]\n  azdetect:pricing:\n    currency: euro\n`);
    try {
      const r = plan("--stack", stack);
      let expected = "";
      try {
        parseStackConfig(config, stack);
      } catch (e) {
        expect(e).to.be.instanceOf(ConfigError);
        expected = (e as Error).message;
      }
      expect(r.status).to.equal(1);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.equal(expected + "\n");
      expect(r.stderr).to.include("azdetect:tactics[0]").and.include("azdetect:pricing.currency");
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it("names a missing stack file and an unknown format", async () => {
    const errorOf = (argv: string[]) => planCommand(argv).then(() => "", planError);
    expect(await errorOf(["--stack", "no-such-stack"])).to.match(/^plan: no stack file Pulumi\.no-such-stack\.yaml/);
    expect(await errorOf(["--format", "xml"])).to.match(/^plan: unknown --format "xml" — expected text or json/);
  });
});
