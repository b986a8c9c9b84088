// No crash anywhere (issue 13 item 2): every error class ends in one line that names the config key
// (a config error: one line per problem), with no stack trace or rejection dump — through
// `npm run plan` and through the program as Pulumi's language host runs it, under mocks.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inspect } from "util";
import { ConfigError, DeployTimeError } from "../config/errors";
import { planCommand, planError } from "../tools/plan";
import { runStack, TEST_SUBSCRIPTION, type CallMocks } from "../tools/mockStack";

const ROOT = path.join(__dirname, "..");
const OTHER_SUB = "11111111-2222-3333-4444-555555555555";
const otherVm = `/subscriptions/${OTHER_SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`;

/** Each error class: a stack file, and what its one line names. */
const CLASSES: { what: string; yaml: string; says: RegExp }[] = [
  { what: "a YAML error (unclosed bracket)", yaml: "config:\n  azdetect:location: westeurope\n  azdetect:tactics: [Execution\n  azdetect:skipQueryValidation: true\n", says: /^plan: Pulumi\.\S+\.yaml line 3 \(in azdetect:tactics\): Flow sequence .* end with a \]$/m },
  { what: "an alias bomb", yaml: "config:\n  azdetect:location: westeurope\n  azdetect:tags:\n    a: &a [x,x,x,x,x,x,x,x,x,x]\n    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n", says: /^plan: Pulumi\.\S+\.yaml line \d+ \(in azdetect:tags\): Excessive alias count/ },
  { what: "a misspelt namespace", yaml: "config:\n  azdetect:location: westeurope\n  azdetct:tactics: [Execution]\n", says: /^ {2}- azdetct:tactics: unknown config namespace "azdetct" — did you mean azdetect:tactics\? /m },
  { what: "a bad value (config schema)", yaml: "config:\n  azdetect:location: westeurop\n", says: /^ {2}- azdetect:location: "westeurop" is not an Azure region/m },
  { what: "a bad override (catalogue)", yaml: "config:\n  azdetect:location: westeurope\n  azdetect:allowUnroutedAlerts: true\n  azdetect:overrides:\n    azt999-nope: { severity: 1 }\n", says: /^ {2}- azdetect:overrides\.azt999-nope: unknown detection key/m },
  { what: "an unrouted rule (routing)", yaml: "config:\n  azdetect:location: westeurope\n  azdetect:tactics: [Execution]\n", says: /^ {2}- azdetect:routes: \d+ deployed rules would notify nobody/m },
  { what: "a problem found at deploy time (VM in another subscription)", yaml: `config:\n  azdetect:location: westeurope\n  azdetect:tactics: [Execution]\n  azdetect:allowUnroutedAlerts: true\n  azdetect:telemetry:\n    agent:\n      vms: [{ id: "${otherVm}", os: windows }]\n`, says: /^plan: azdetect:telemetry\.agent\.vms: \S+ is in subscription 11111111-2222-3333-4444-555555555555, but the stack deploys to/ },
  { what: "an encrypted value that is not a credential", yaml: "config:\n  azdetect:location: westeurope\n  azdetect:resourceGroupName:\n    secure: AAABAxyz\n", says: /^ {2}- azdetect:resourceGroupName: encrypted, but it is not a credential/m },
];

function stackFile(yaml: string): { dir: string; stack: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-errors-"));
  fs.writeFileSync(path.join(dir, "Pulumi.t.yaml"), yaml);
  return { dir, stack: "t" };
}

/** What `npm run plan` prints on stderr (planCommand is what the command runs; planError what it prints). */
async function planStderr(yaml: string): Promise<string> {
  const { dir, stack } = stackFile(yaml);
  try {
    await planCommand(["--stack", stack], dir);
    return "";
  } catch (e) {
    return planError(e);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectOneLineEach(stderr: string, says: RegExp): void {
  expect(stderr, stderr).to.match(says);
  expect(stderr).not.to.match(/^\s+at /m);
  expect(stderr).not.to.match(/Promise \{|\[Circular|unhandled|error serializing property/i);
  // One line, or a ConfigError: a header and one line per problem, each naming its key.
  const lines = stderr.trimEnd().split("\n");
  if (lines.length > 1) {
    expect(lines[0]).to.match(/^invalid stack configuration \(\d+ problems?\):$/);
    for (const l of lines.slice(1)) expect(l).to.match(/^ {2}- [A-Za-z-]+:\S*: /);
  }
}

describe("every error ends in one line naming the key", () => {
  describe("through npm run plan", () => {
    for (const c of CLASSES) it(c.what, async () => expectOneLineEach(await planStderr(c.yaml), c.says));

    it("a plan of a stack with servicePrincipalNames and an Entra-group action group succeeds offline and names the placeholders in one line", async () => {
      const { dir, stack } = stackFile([
        "config:", "  azdetect:location: westeurope",
        "  azdetect:allowlists:", "    servicePrincipalNames: [ci-deployer]", "    callers: [alice@contoso.com]",
        "  azdetect:actionGroups:", "    soc: { shortName: SOC, entraGroup: { displayName: SOC Analysts }, entraUsers: [bob@contoso.com] }",
        "  azdetect:routes:", "    - { severities: [0, 1, 2, 3, 4], actionGroups: [soc] }", "",
      ].join("\n"));
      try {
        const out = await planCommand(["--stack", stack], dir);
        const lines = out.split("\n").filter((l) => /placeholder/.test(l));
        expect(lines).to.deep.equal(['Entra ID lookups happen at deploy time; offline placeholders stand in for: service principal "ci-deployer", group "SOC Analysts", 2 users by UPN']);
        const json = JSON.parse(await planCommand(["--stack", stack, "--format", "json"], dir));
        expect(json.entraLookups).to.have.length(3);
        expect(json.destroy.violations).to.deep.equal([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("through the program under mocks", () => {
    it("a deploy-time error is thrown once, as the one-line DeployTimeError (not a rejection dump, not prefixed per resource)", async () => {
      const nobody: CallMocks = {
        "azuread:index/getGroup:getGroup": () => ({ objectId: "g", members: [] }),
        "azuread:index/getServicePrincipal:getServicePrincipal": () => ({}),
      };
      for (const config of [
        { location: "westeurope", actionGroups: { soc: { shortName: "SOC", entraGroup: { displayName: "Empty" } } }, routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["soc"] }] },
        { location: "westeurope", allowUnroutedAlerts: true, allowlists: { servicePrincipalNames: ["missing-sp"] } },
      ]) {
        const error = await runStack(config, { calls: nobody }).then(() => undefined, (e) => e);
        expect(error?.name).to.equal("DeployTimeError");
        expect(error.message).to.match(/^azdetect:(actionGroups\.soc: resolved to no receivers|allowlists\.servicePrincipalNames: Entra ID returned no app id or object id for service principal "missing-sp")/);
        expect(error.message).not.to.match(/error serializing property|\n/);
        // What depended on the failed input stays pending; it is not left for Pulumi's exit-time
        // leak report ("N promises were still active"), which Pulumi skips for a failed program.
        expect((require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<unknown> } }).getStore().leakCandidates.size).to.equal(0);
      }
      expect(TEST_SUBSCRIPTION).not.to.equal(OTHER_SUB);
    });

    describe("an Entra ID lookup the provider refuses ends in one line naming the key, the value and the provider's reason", () => {
      /**
       * What a failed invoke hands the program: the engine wraps the provider's error ("invocation of
       * <token> returned an error: ...", pulumi/pulumi pkg/resource/deploy/source_eval.go) and the gRPC
       * error's `details` becomes the Error's message (@pulumi/pulumi runtime/invoke.js). The reasons are
       * the azuread provider's own (terraform-provider-azuread f0169e0e, internal/services/{users,groups,
       * serviceprincipals}/*_data_source.go); the multi-line "1 error occurred" list is how a diagnostic
       * reaches the engine.
       */
      const refused = (token: string, reason: string) => () => {
        throw Object.assign(new Error("mock"), { details: `invocation of ${token} returned an error: invoking ${token}: 1 error occurred:\n\t* ${reason}\n\n` });
      };
      const routed = { location: "westeurope", routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["soc"] }] };
      const CASES: { what: string; config: Record<string, unknown>; calls: CallMocks; says: RegExp }[] = [
        {
          what: "a user in entraUsers that does not exist",
          config: { ...routed, actionGroups: { soc: { shortName: "SOC", entraUsers: ["alice@contoso.com", "nobody@contoso.com"] } } },
          calls: { "azuread:index/getUsers:getUsers": refused("azuread:index/getUsers:getUsers", 'User with UPN "nobody@contoso.com" was not found') },
          says: /^azdetect:actionGroups\.soc\.entraUsers: "nobody@contoso\.com" could not be found — Entra ID: User with UPN "nobody@contoso\.com" was not found$/,
        },
        {
          what: "an entraGroup display name that matches no group",
          config: { ...routed, actionGroups: { soc: { shortName: "SOC", entraGroup: { displayName: "SOC Analysts" } } } },
          calls: { "azuread:index/getGroup:getGroup": refused("azuread:index/getGroup:getGroup", "No group found matching specified filter (displayName eq 'SOC Analysts')") },
          says: /^azdetect:actionGroups\.soc\.entraGroup\.displayName: group "SOC Analysts" could not be read — Entra ID: No group found matching specified filter \(displayName eq 'SOC Analysts'\)$/,
        },
        {
          what: "a service principal name that matches none",
          config: { location: "westeurope", allowUnroutedAlerts: true, allowlists: { servicePrincipalNames: ["ci-deployer"] } },
          calls: { "azuread:index/getServicePrincipal:getServicePrincipal": refused("azuread:index/getServicePrincipal:getServicePrincipal", "Service principal not found: no service principals found matching filter: \"displayName eq 'ci-deployer'\"") },
          says: /^azdetect:allowlists\.servicePrincipalNames: service principal "ci-deployer" must match exactly one service principal — Entra ID: Service principal not found: no service principals found matching filter: "displayName eq 'ci-deployer'"$/,
        },
        {
          what: "a service principal name that matches two",
          config: { location: "westeurope", allowUnroutedAlerts: true, allowlists: { servicePrincipalNames: ["ci-deployer"] } },
          calls: { "azuread:index/getServicePrincipal:getServicePrincipal": refused("azuread:index/getServicePrincipal:getServicePrincipal", "Multiple service principals found: found multiple service principals matching filter: \"displayName eq 'ci-deployer'\"") },
          says: /^azdetect:allowlists\.servicePrincipalNames: service principal "ci-deployer" must match exactly one service principal — Entra ID: Multiple service principals found: found multiple/,
        },
      ];
      for (const c of CASES) {
        it(c.what, async () => {
          const error = await runStack(c.config, { calls: c.calls }).then(() => undefined, (e) => e);
          expect(error?.name, String(error?.stack ?? error)).to.equal("DeployTimeError");
          expect(error.message, error.message).to.match(c.says);
          expect(error.message).not.to.match(/\n|error serializing property|invocation of|\bat /);
          // No stack dump: Pulumi's language host prints a RunError's message alone.
          expect(error.__pulumiRunError).to.equal(true);
        });
      }
    });
  });

  describe("through Pulumi's language host (main.js, as pulumi up runs it)", function () {
    this.timeout(300_000);
    /** Runs the program under Pulumi's own entry point with mocks; config as `pulumi config` would hand it over. */
    function host(config: Record<string, unknown>): { status: number | null; stderr: string; maxRssMB?: number } {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-host-")), "config.json");
      fs.writeFileSync(file, JSON.stringify({ config }));
      const r = spawnSync(process.execPath, [path.join(ROOT, "tools", "bench", "pulumi-run.js")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, BENCH_STACK: file }, maxBuffer: 64 << 20 });
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      const last = r.stdout.trim().split("\n").pop();
      return { status: r.status, stderr: r.stderr.split("\n").filter((l) => !/^warning: /.test(l)).join("\n"), maxRssMB: last ? (JSON.parse(last) as { maxRssMB: number }).maxRssMB : undefined };
    }

    it("a config error: Pulumi prints the problems only, and the run fails", () => {
      const r = host({ location: "westeurop", tactics: ["Execution"] });
      expect(r.status).not.to.equal(0);
      expect(r.stderr).to.match(/^error: \[runtime\] invalid stack configuration \(1 problem\):\n {2}- azdetect:location: "westeurop" is not an Azure region/);
      expect(r.stderr).not.to.match(/^\s+at |unhandled exception/m);
    });

    it("a deploy-time error: one line naming the key, and the run fails", () => {
      const r = host({ location: "westeurope", tactics: ["Execution"], allowUnroutedAlerts: true, telemetry: { agent: { vms: [{ id: otherVm, os: "windows" }] } } });
      expect(r.status).not.to.equal(0);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(/^error: \[runtime\] azdetect:telemetry\.agent\.vms: \S+ is in subscription 11111111-2222-3333-4444-555555555555/);
      // Pulumi inspects the error in colour for its trace; Node 20 looped on the error's source-mapped
      // @pulumi frames until the string was too long (3.5 GB peak). The program itself needs ~0.2 GB.
      expect(r.maxRssMB, "peak RSS of the failed run (MB)").to.be.below(1024);
    });

    it("a user's error carries no stack frames for Pulumi to inspect (AZDETECT_FULL_STACKS=1 keeps them)", () => {
      const before = process.env.AZDETECT_FULL_STACKS;
      try {
        delete process.env.AZDETECT_FULL_STACKS;
        for (const e of [new DeployTimeError("azdetect:x: bad"), new ConfigError(["azdetect:y: bad"])]) {
          expect(e.stack).to.equal(`${e.name}: ${e.message}`);
          expect(inspect(e, { colors: true })).to.include(e.message.split("\n")[0]);
        }
        process.env.AZDETECT_FULL_STACKS = "1";
        expect(new DeployTimeError("azdetect:x: bad").stack).to.match(/\n\s+at /);
      } finally {
        if (before === undefined) delete process.env.AZDETECT_FULL_STACKS; else process.env.AZDETECT_FULL_STACKS = before;
      }
    });
  });
});
