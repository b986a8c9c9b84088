// Credentials in config (config/credentials.ts, docs/routing.md "Secrets"): the config fields that
// carry one, the refusal of a plain-text value by the program (as `pulumi up` runs it) and by the
// offline tools, the offline tools' placeholder for an encrypted one, a canary stack run through every
// tool and output, and rotation in place.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify as toYaml } from "yaml";
import { CREDENTIAL_FIELDS, ConfigError, stackConfigSchema } from "../config";
import { credentialsIn, ENCRYPTED_PLACEHOLDER, plaintextCredentialProblem, pulumiPath, schemaFields, type CredentialField } from "../config/credentials";
import { keyPath } from "../config/errors";
import { detectionByKey } from "../detections";
import { buildMatrix } from "../planning/matrix";
import { checkResources } from "../azure/conformance";
import { backtestCommand } from "../tools/backtest";
import { catalogCommand } from "../tools/catalog";
import { renderReports } from "../tools/check-azure";
import { detect } from "../tools/detect";
import { writeMatrix } from "../tools/matrix";
import { renderMatrixHtml } from "../tools/matrix/render";
import { runStack, TEST_TENANT, type CallMocks, type StackRun } from "../tools/mockStack";
import { planCommand, planError } from "../tools/plan";
import { buildPlan, readStackFile, renderPlan, runOffline, summarise } from "../tools/planning";

const ROOT = path.join(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures");
const SUB = "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11";
const AUTOMATION = `/subscriptions/${SUB}/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-soc`;
const LOGIC_APP = `/subscriptions/${SUB}/resourceGroups/rg-ops/providers/Microsoft.Logic/workflows/la-ticket`;
const AG = "azure-native:monitor:ActionGroup";

/** A receiver holding a credential, per credential field: every field must have one (the canary uses them all). */
const RECEIVERS: Record<string, (url: string) => Record<string, unknown[]>> = {
  "actionGroups.*.webhooks.*.serviceUri": (url) => ({ webhooks: [{ name: "pager", serviceUri: url }] }),
  "actionGroups.*.runbooks.*.serviceUri": (url) => ({ runbooks: [{ automationAccountId: AUTOMATION, runbookName: "Isolate-VM", webhookResourceId: `${AUTOMATION}/webhooks/isolate`, isGlobalRunbook: false, serviceUri: url }] }),
  "actionGroups.*.logicApps.*.callbackUrl": (url) => ({ logicApps: [{ resourceId: LOGIC_APP, callbackUrl: url }] }),
};
const patternOf = (f: CredentialField) => f.path.join(".");
const ONE_RULE = [detectionByKey("azt301-1-runcommand")!];
const ROUTE_ALL = [{ severities: [0, 1, 2, 3, 4], actionGroups: ["soc"] }];

/** A minimal stack whose group soc holds one credential of this field. */
function stackWith(f: CredentialField, url: string): Record<string, unknown> {
  return { location: "westeurope", actionGroups: { soc: { shortName: "SOC", ...RECEIVERS[patternOf(f)](url) } }, routes: ROUTE_ALL };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-credentials-"));
}
/** A Pulumi.<stack>.yaml with these azdetect values. */
function writeStackFile(dir: string, stack: string, values: Record<string, unknown>, extra = ""): string {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, extra + toYaml({ config: Object.fromEntries(Object.entries(values).map(([k, v]) => [`azdetect:${k}`, v])) }));
  return file;
}
/** The same values with every credential replaced by `{secure: <ciphertext>}`, as `pulumi config set --secret --path` writes them. */
function encrypted(values: Record<string, unknown>, ciphertext: (i: number) => string): Record<string, unknown> {
  const copy = structuredClone(values);
  credentialsIn(copy, CREDENTIAL_FIELDS).forEach((c, i) => {
    let at: any = copy;
    for (const s of c.path.slice(0, -1)) at = at[s];
    at[c.path[c.path.length - 1]] = { secure: ciphertext(i) };
  });
  return copy;
}
async function failure(p: Promise<unknown>): Promise<any> {
  return p.then(() => expect.fail("expected an error"), (e) => e);
}

describe("credentials in config", () => {
  describe("the fields that carry one", () => {
    it("are the schema's credentialUrl fields: webhook and secure-webhook, runbook and Logic App URLs", () => {
      expect(CREDENTIAL_FIELDS.map(patternOf)).to.have.members(Object.keys(RECEIVERS));
    });

    it("include every field whose name says URL, URI, token, secret, key, password or signature, unless listed here as public", () => {
      const PUBLIC: Record<string, string> = {
        "actionGroups.*.webhooks.*.identifierUri": "the Entra application ID URI a secure webhook's token is issued for (api://...): an identifier, not a credential",
      };
      const named = schemaFields(stackConfigSchema).filter((f) => !f.what && /ur[il]|token|secret|key|passw|sig|sas/i.test(f.path[f.path.length - 1])).map((f) => f.path.join("."));
      expect(named).to.have.members(Object.keys(PUBLIC));
    });
  });

  describe("messages", () => {
    it("name the key as `pulumi config set --path` takes it, quoting names it would split", () => {
      expect(pulumiPath(["actionGroups", "oncall", "webhooks", 0, "serviceUri"])).to.equal("actionGroups.oncall.webhooks[0].serviceUri");
      expect(pulumiPath(["actionGroups", "soc.eu", "webhooks", 1, "serviceUri"])).to.equal('actionGroups["soc.eu"].webhooks[1].serviceUri');
      expect(plaintextCredentialProblem({ path: ["actionGroups", "it's", "webhooks", 0, "serviceUri"], what: "x" })).to.contain(`pulumi config set --secret --path 'actionGroups["it'\\''s"].webhooks[0].serviceUri' (it prompts`);
    });

    it("docs/routing.md shows the error exactly as the program gives it", () => {
      const doc = fs.readFileSync(path.join(ROOT, "docs", "routing.md"), "utf8");
      const webhook = CREDENTIAL_FIELDS.find((f) => f.path[2] === "webhooks")!;
      expect(doc).to.contain(plaintextCredentialProblem({ path: ["actionGroups", "oncall", "webhooks", 0, "serviceUri"], what: webhook.what }));
    });

    it("README and docs never pass a credential on the command line: `pulumi config set --secret --path '<credential key>'` takes no value (it prompts)", () => {
      const files = [path.join(ROOT, "README.md"), ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join(ROOT, "docs", f))];
      const credentialKey = new RegExp(`^(${CREDENTIAL_FIELDS.map((f) => f.path.map((p) => (p === "*" ? "[^.]+" : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("\\.")).join("|")})$`);
      let seen = 0;
      for (const file of files) {
        for (const [line, n] of fs.readFileSync(file, "utf8").split("\n").map((l, i) => [l, i + 1] as const)) {
          for (const m of line.matchAll(/pulumi config set --secret --path '([^']+)'([^`#\n]*)/g)) {
            const key = m[1].replace(/\[(\d+)\]/g, ".$1");
            if (!credentialKey.test(key)) continue;
            seen++;
            // What follows the key is nothing, a comment, or prose in parentheses (the error message quoted in docs/routing.md).
            const value = m[2].trim().startsWith("(") ? "" : m[2].trim();
            expect(value, `${path.basename(file)}:${n}: a value on the command line lands in shell history`).to.equal("");
          }
        }
      }
      expect(seen, "README and docs show how to set a credential").to.be.greaterThan(2);
    });
  });

  describe("the program, as `pulumi up` and `preview` run it", () => {
    it("@pulumi/pulumi answers runtime.isConfigSecret (exported, though not in its typings)", () => {
      expect((pulumi.runtime as unknown as { isConfigSecret?: unknown }).isConfigSecret).to.be.a("function");
    });

    for (const f of CREDENTIAL_FIELDS) {
      it(`refuses ${patternOf(f)} in plain text, naming the key and the fix, never the value, before any resource`, async () => {
        const secret = `https://hooks.example.net/plain-${f.path[2]}-token-3f9a`;
        const config = stackWith(f, secret);
        const at = credentialsIn(config, [f])[0].path;
        const err = await failure(runStack(config, { catalogue: ONE_RULE }));
        expect(err).to.be.instanceOf(ConfigError);
        expect(err.problems).to.have.length(1);
        expect(err.problems[0]).to.contain(`${keyPath(at)}: a credential (${f.what}) stored in plain text`);
        expect(err.problems[0]).to.contain(`encrypt it: pulumi config set --secret --path '${pulumiPath(at)}' (it prompts for the URL)`);
        expect(err.message).not.to.contain("3f9a");
        expect(err.declared).to.deep.equal([]);
        // The same value set with --secret deploys.
        const run = await runStack(config, { catalogue: ONE_RULE, secretKeys: ["actionGroups"] });
        expect(run.ofType(AG)).to.have.length(1);
      });
    }

    it("refuses a plain-text credential in Pulumi.<stack>.yaml although another, encrypted value made its key secret", async () => {
      const dir = tempDir();
      const hooks = [{ name: "pager", serviceUri: "https://hooks.example.net/encrypted-one" }, { name: "chat", serviceUri: "https://hooks.example.net/plain-two-7c1d" }];
      const config = { location: "westeurope", actionGroups: { soc: { shortName: "SOC", webhooks: hooks } }, routes: ROUTE_ALL };
      writeStackFile(dir, "mixed", { ...config, actionGroups: { soc: { shortName: "SOC", webhooks: [{ ...hooks[0], serviceUri: { secure: "v1:AAAA:BBBB" } }, hooks[1]] } } });
      // Pulumi reports azdetect:actionGroups as secret: it holds one secure value.
      const err = await failure(runStack(config, { stack: "mixed", catalogue: ONE_RULE, secretKeys: ["actionGroups"], projectDir: dir }));
      expect(err.problems).to.have.length(1);
      expect(err.problems[0]).to.match(/^azdetect:actionGroups\.soc\.webhooks\[1\]\.serviceUri: a credential .* plain text/);
      expect(err.message).not.to.contain("7c1d");
      // Pulumi.yaml's stackConfigDir moves stack files: the check follows.
      fs.mkdirSync(path.join(dir, "stacks"));
      fs.renameSync(path.join(dir, "Pulumi.mixed.yaml"), path.join(dir, "stacks", "Pulumi.mixed.yaml"));
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: azdetect\nruntime: nodejs\nstackConfigDir: stacks\n");
      const moved = await failure(runStack(config, { stack: "mixed", catalogue: ONE_RULE, secretKeys: ["actionGroups"], projectDir: dir }));
      expect(moved.problems).to.deep.equal(err.problems);
      // Both encrypted: deploys.
      writeStackFile(path.join(dir, "stacks"), "mixed", encrypted(config, () => "v1:AAAA:BBBB"));
      const run = await runStack(config, { stack: "mixed", catalogue: ONE_RULE, secretKeys: ["actionGroups"], projectDir: dir });
      expect(run.ofType(AG)).to.have.length(1);
    });

    it("lists plain-text credentials with the other config problems, all at once", async () => {
      const config = { ...stackWith(CREDENTIAL_FIELDS[0], "https://hooks.example.net/x-51e0"), tactics: ["Exfiltration"] };
      const err = await failure(runStack(config, { catalogue: ONE_RULE }));
      expect(err.problems.map((p: string) => p.split(":")[1])).to.have.members([`actionGroups.soc.${CREDENTIAL_FIELDS[0].path.slice(2).join(".").replace(".*", "[0]")}`, "tactics[0]"]);
      expect(err.message).not.to.contain("51e0");
    });
  });

  describe("the offline tools", () => {
    it("plan a stack file whose credentials are encrypted as it is, with a placeholder for each, and say so in one line", async () => {
      const json = JSON.parse(await planCommand(["--stack", "encrypted", "--format", "json"], FIXTURES));
      const text = renderPlan(json); // what the text format prints
      const keys = ["azdetect:actionGroups.oncall.webhooks[0].serviceUri", "azdetect:actionGroups.oncall.webhooks[1].serviceUri", "azdetect:actionGroups.oncall.runbooks[0].serviceUri", "azdetect:actionGroups.soc.logicApps[0].callbackUrl"];
      const notes = text.split("\n").filter((l) => l.includes(ENCRYPTED_PLACEHOLDER));
      expect(notes).to.have.length(1);
      expect(notes[0]).to.match(/^4 encrypted credentials \(.*\) planned with the placeholder https:\/\/encrypted-in-stack-file\.invalid\/offline-placeholder: the offline tools cannot decrypt/);
      for (const k of keys) expect(notes[0]).to.contain(k);
      expect(text).to.contain("action group oncall (SOC-ONCALL): 1 sms, 1 runbooks, 2 webhooks");
      expect(json.placeholders).to.have.members(keys);
      for (const out of [text, JSON.stringify(json)]) expect(out).not.to.match(/v1:[A-Za-z0-9+/=]+:/);
    });

    it("hand the program the placeholder as a secret input, as `pulumi up` hands it the decrypted value", async () => {
      const run = await runOffline(readStackFile(path.join(FIXTURES, "Pulumi.encrypted.yaml")), "encrypted");
      const oncall = run.byName("action-group-oncall");
      expect(oncall.inputs.webhookReceivers.map((w: { serviceUri: string }) => w.serviceUri)).to.deep.equal([ENCRYPTED_PLACEHOLDER, ENCRYPTED_PLACEHOLDER]);
      expect(oncall.inputs.webhookReceivers[1]).to.include({ useAadAuth: true, objectId: "6a0f7c1e-3b2d-4e5f-8a9b-0c1d2e3f4a5b" });
      expect(run.secretPaths["action-group-oncall"]).to.include.members(["webhookReceivers", "automationRunbookReceivers"]);
      expect(run.secretPaths["action-group-soc"]).to.include.members(["logicAppReceivers"]);
    });

    for (const f of CREDENTIAL_FIELDS) {
      it(`refuse ${patternOf(f)} in plain text in the stack file (npm run plan, matrix, detect), naming the key and the fix, never the value`, async () => {
        const dir = tempDir();
        const config = stackWith(f, "https://hooks.example.net/plain-in-file-0b7e");
        writeStackFile(dir, "plain", config);
        const at = credentialsIn(config, [f])[0].path;
        const plan = await planCommand(["--stack", "plain"], dir).then(() => "", planError);
        expect(plan).to.match(new RegExp(`^invalid stack configuration \\(1 problem\\):\\n  - ${keyPath(at).replace(/[.[\]]/g, "\\$&")}: a credential \\(`));
        expect(plan).to.contain(`encrypt it: pulumi config set --secret --path '${pulumiPath(at)}' (it prompts for the URL)`);
        expect(plan).not.to.contain("0b7e");
        const matrix = await failure(writeMatrix(path.join(dir, "Pulumi.plain.yaml"), "plain", path.join(dir, "m.html")));
        expect(matrix.message).to.equal(plan.trimEnd());
        expect(() => detect(["--detection", "azt301-1-runcommand", "--rows", path.join(FIXTURES, "runcommand-export.json"), "--stack", "plain"], () => {}, dir)).to.throw(ConfigError, plan.trimEnd());
      });
    }

    it("refuse an encrypted value that is not a credential, and a key encrypted as a whole, saying what to do", async () => {
      const dir = tempDir();
      writeStackFile(dir, "other", { location: { secure: "v1:AAAA:BBBB" }, actionGroups: { secure: "v1:CCCC:DDDD" } });
      const err = await planCommand(["--stack", "other"], dir).then(() => "", planError);
      expect(err).to.contain("azdetect:location: encrypted, but it is not a credential — the offline tools cannot decrypt it");
      expect(err).to.contain("azdetect:actionGroups: encrypted as a whole — the offline tools cannot look inside it. Keep it in plain text and encrypt only the credentials in it (actionGroups.*.runbooks.*.serviceUri, ");
      expect(err).not.to.contain("v1:");
    });
  });

  describe("a canary: one stack with a distinctive secret in every credential, through every tool and output", function () {
    this.timeout(180_000);
    const CANARY = "cAnArY7f3e";
    const url = (kind: string) => `https://hooks.example.net/${kind}/${CANARY}-${kind}?token=${CANARY}-${kind}`;
    const receivers = Object.fromEntries(CREDENTIAL_FIELDS.map((f) => [patternOf(f), RECEIVERS[patternOf(f)]]));
    const canary = {
      location: "westeurope",
      actionGroups: {
        soc: {
          shortName: "SOC",
          emails: ["soc@example.com"],
          entraUsers: ["nomail@contoso.com"],
          webhooks: [
            { name: "pager", serviceUri: url("webhook") },
            { name: "soc-api", serviceUri: url("secure-webhook"), useAadAuth: true, objectId: "6a0f7c1e-3b2d-4e5f-8a9b-0c1d2e3f4a5b", tenantId: TEST_TENANT, identifierUri: "api://soc-alerts" },
          ],
          ...receivers["actionGroups.*.logicApps.*.callbackUrl"](url("logicapp")),
        },
        oncall: { shortName: "SOC-ONCALL", sms: [{ countryCode: "1", phoneNumber: "2025550147" }], ...receivers["actionGroups.*.runbooks.*.serviceUri"](url("runbook")) },
      },
      routes: [{ severities: [0, 1], actionGroups: ["oncall", "soc"] }, { severities: [2, 3, 4], actionGroups: ["soc"] }],
      allowlists: { callers: ["deploy@contoso.com", "guest@fabrikam.com"], servicePrincipalNames: ["ci-deployer"] },
    };
    // Entra ID: a user without a mailbox, an allowlisted UPN it does not know, a service principal.
    const calls: CallMocks = {
      "azuread:index/getUsers:getUsers": (inputs) => ({
        users: (inputs.userPrincipalNames ?? []).filter((u: string) => u !== "guest@fabrikam.com").map((u: string, i: number) => ({ objectId: `00000000-0000-0000-0000-00000000000${i}`, userPrincipalName: u, mail: u === "nomail@contoso.com" ? "" : u })),
      }),
      "azuread:index/getServicePrincipal:getServicePrincipal": () => ({ clientId: "0f4f5b8e-1111-4a4a-9b9b-2c2c2c2c2c2c", objectId: "5e5e5e5e-2222-4b4b-8c8c-3d3d3d3d3d3d" }),
    };
    const secrets = credentialsIn(canary, CREDENTIAL_FIELDS);
    // Outside the mocks' Entra ID answers (offline tools, the language-host harness), a service
    // principal lookup finds nothing and fails the run (issue 13 gives the offline tools placeholders
    // for it): those runs leave it out.
    const { servicePrincipalNames: _, ...offlineAllowlists } = canary.allowlists;
    const offlineCanary = { ...canary, allowlists: offlineAllowlists };
    let run: StackRun;
    let printed = "";

    before(async () => {
      // Whatever reaches the console while the program runs is part of the output too.
      const write = { out: process.stdout.write, err: process.stderr.write };
      const capture = (chunk: unknown) => ((printed += String(chunk)), true);
      process.stdout.write = capture as typeof process.stdout.write;
      process.stderr.write = capture as typeof process.stderr.write;
      try {
        run = await runStack(canary, { stack: "canary", calls, secretKeys: ["actionGroups"], strictRouting: true });
      } finally {
        process.stdout.write = write.out;
        process.stderr.write = write.err;
      }
    });

    it("has a canary in every credential field, the secure webhook's too", () => {
      for (const f of CREDENTIAL_FIELDS) expect(secrets.some((s) => s.what === f.what), patternOf(f)).to.equal(true);
      expect(secrets).to.have.length(4);
      for (const s of secrets) expect(s.value).to.contain(CANARY);
    });

    it("reaches Azure only inside the secret inputs of the action groups that need it", () => {
      const bySecretPath = (r: StackRun["resources"][number]) => run.secretPaths[r.name] ?? [];
      for (const r of run.resources) {
        const visible = JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !bySecretPath(r).includes(k))));
        expect(visible, `${r.type} ${r.name}: inputs outside its secrets`).not.to.contain(CANARY);
        expect(r.name).not.to.contain(CANARY);
      }
      for (const u of run.urns) expect(u).not.to.contain(CANARY);
      const secretInputs = (name: string) => JSON.stringify(bySecretPath(run.byName(name)).map((k) => run.byName(name).inputs[k]));
      expect(run.secretPaths["action-group-soc"]).to.have.members(["webhookReceivers", "logicAppReceivers"]);
      expect(run.secretPaths["action-group-oncall"]).to.have.members(["automationRunbookReceivers"]);
      for (const kind of ["webhook", "secure-webhook", "logicapp"]) expect(secretInputs("action-group-soc")).to.contain(url(kind));
      expect(secretInputs("action-group-oncall")).to.contain(url("runbook"));
    });

    it("is in no stack output, no log message of the program, nothing printed", () => {
      expect(JSON.stringify(run.outputs)).not.to.contain(CANARY);
      const program = run.logs.filter((l) => l.level !== "debug");
      expect(program.length).to.be.greaterThan(0);
      for (const l of program) expect(l.message).not.to.contain(CANARY);
      expect(printed).not.to.contain(CANARY);
    });

    it("is in Pulumi's own debug messages only as the exact encrypted config values, which the engine censors", () => {
      // The SDK logs every RegisterResource response at debug level, secret outputs included. The
      // engine replaces each decrypted secure config value (and its JSON-escaped form) with [secret]
      // in every program diagnostic (pulumi/pulumi pkg/engine/events.go makeEventEmitter, diagEvent;
      // sdk/go/common/util/logging CreateFilter). A plain-text config value is not censored: one more
      // reason the program refuses it. Anything left after censoring would reach `pulumi up --debug`.
      const censor = (m: string) => secrets.reduce((out, s) => out.split(String(s.value)).join("[secret]").split(JSON.stringify(s.value).slice(1, -1)).join("[secret]"), m);
      const debug = run.logs.filter((l) => l.level === "debug");
      expect(debug.some((l) => l.message.includes(CANARY)), "the SDK logs the secret response (so this test can fail)").to.equal(true);
      for (const l of debug) expect(censor(l.message)).not.to.contain(CANARY);
    });

    it("Entra lookups' warnings name the key and the (non-credential) value they are about", () => {
      const messages = run.logs.map((l) => l.message);
      expect(messages.some((m) => m.startsWith("azdetect:actionGroups.soc: no mail address for nomail@contoso.com"))).to.equal(true);
      expect(messages.some((m) => m.startsWith("azdetect:allowlists (callers, userPrincipalNames): guest@fabrikam.com not found in Entra ID"))).to.equal(true);
    });

    it("is in no plan (text and JSON), coverage matrix, catalogue or Azure conformance report", () => {
      const plan = summarise(run, "canary");
      const text = renderPlan(plan);
      expect(text).to.contain("action group soc (SOC): 1 emails, 2 webhooks, 1 logicApps, 1 entraUsers");
      const html = renderMatrixHtml({ stack: "canary", matrix: buildMatrix(run.program.detections, run.program.config.tactics, run.outputs.telemetryGaps), docsHref: "docs/detections.md", costLine: "-" });
      let catalogue = "";
      expect(catalogCommand(["--format", "json"], (s) => (catalogue += s), (s) => (catalogue += s))).to.equal(0);
      // npm run check:azure's report, over the resources with their decrypted inputs (and one violation, so it has something to say).
      const resources = run.resources.filter((r) => r.custom).map((r) => (r.type === AG && r.name === "action-group-soc" ? { ...r, inputs: { ...r.inputs, groupShortName: "SOC-TOO-LONG-NAME" } } : r));
      const conformance = renderReports([{ file: "canary", report: checkResources(resources) }]).text;
      expect(conformance).to.match(/[1-9]\d* violations?/);
      for (const out of [text, JSON.stringify(plan), html, catalogue, conformance]) expect(out).not.to.contain(CANARY);
    });

    it("is not repeated by the error for a neighbouring bad key, nor for a malformed credential", async () => {
      const bad = structuredClone(canary) as any;
      bad.actionGroups.soc.shortName = "SOC-TOO-LONG-NAME";
      bad.actionGroups.soc.webhooks[0].name = "pager!";
      bad.actionGroups.soc.webhooks[1].tenantId = "not-a-guid";
      bad.actionGroups.soc.logicApps[0].resourceId = "nope";
      bad.actionGroups.oncall.runbooks[0].serviceUri = bad.actionGroups.oncall.runbooks[0].serviceUri.replace("https:", "http:");
      bad.actionGroups.oncall.runbooks[0].isGlobalRunbook = "no";
      const err = await failure(runStack(bad, { stack: "canary", calls, secretKeys: ["actionGroups"] }));
      expect(err).to.be.instanceOf(ConfigError);
      for (const k of ["soc.shortName", "soc.webhooks[0].name", "soc.webhooks[1].tenantId", "soc.logicApps[0].resourceId", "oncall.runbooks[0].serviceUri: uses http", "oncall.runbooks[0].isGlobalRunbook"]) expect(err.message).to.contain(`azdetect:actionGroups.${k}`);
      expect(err.message).not.to.contain(CANARY);
      for (const l of err.logs) expect(l.message).not.to.contain(CANARY);
      // The same canary in plain text: refused, each key named, no value shown.
      const plain = await failure(runStack(canary, { stack: "canary", calls }));
      expect(plain.problems).to.have.length(secrets.length);
      expect(plain.message).not.to.contain(CANARY);
    });

    it("is in nothing the offline tools print for its stack file, where it is encrypted (plan, matrix, detect, backtest)", async () => {
      const dir = tempDir();
      const cipher = (i: number) => `v1:${CANARY}nonce${i}:${CANARY}ciphertext${i}`;
      writeStackFile(dir, "canary", encrypted(offlineCanary, cipher), "encryptionsalt: v1:AAAAAAAAAAA=:v1:AAAA:BBBB\n");
      const plan = await buildPlan(readStackFile(path.join(dir, "Pulumi.canary.yaml")), "canary");
      const outputs: string[] = [
        renderPlan(plan),
        JSON.stringify(plan, null, 2),
        fs.readFileSync(await writeMatrix(path.join(dir, "Pulumi.canary.yaml"), "canary", path.join(dir, "coverage.html")), "utf8"),
        (() => {
          const notes: string[] = [];
          return JSON.stringify(detect(["--detection", "azt301-1-runcommand", "--rows", path.join(FIXTURES, "runcommand-export.json"), "--stack", "canary"], (l) => notes.push(l), dir)) + notes.join("\n");
        })(),
      ];
      let stderr = "";
      const reports = [];
      for (const format of ["text", "json", "html"]) {
        reports.push((await backtestCommand(["--rows", path.join(FIXTURES, "runcommand-export.json"), "--stack", "canary", "--format", format, "--quiet"], { stderr: { write: (x: string) => ((stderr += x), true) } }, dir)).output);
      }
      expect(JSON.parse(reports[1]).detections.length).to.be.greaterThan(0);
      outputs.push(...reports, stderr);
      expect(outputs[0]).to.contain("4 encrypted credentials (");
      for (const out of outputs) expect(out).not.to.contain(CANARY);
      // A bad neighbouring key: the error repeats no ciphertext either.
      const bad = encrypted({ ...offlineCanary, actionGroups: { ...canary.actionGroups, soc: { ...canary.actionGroups.soc, shortName: "SOC-TOO-LONG-NAME" } } }, cipher);
      writeStackFile(dir, "canary", bad);
      const err = await planCommand(["--stack", "canary"], dir).then(() => "", planError);
      expect(err).to.contain("azdetect:actionGroups.soc.shortName");
      expect(err).not.to.contain(CANARY);
    });

    it("plain, is refused under Pulumi's language host too (config in PULUMI_CONFIG, no PULUMI_CONFIG_SECRET_KEYS), and not printed", () => {
      // The bench's stack (tools/bench/full-stack.json) runs there encrypted, and test/build.spec.ts
      // checks that none of its credentials is in what it prints or in the bench's JSON.
      const file = path.join(tempDir(), "stack.json");
      fs.writeFileSync(file, JSON.stringify({ config: offlineCanary, secretKeys: [] }));
      const plain = spawnSync(process.execPath, [path.join(ROOT, "tools", "bench", "pulumi-run.js")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, BENCH_STACK: file }, maxBuffer: 64 << 20 });
      expect(plain.status).not.to.equal(0);
      for (const c of secrets) expect(plain.stderr).to.contain(`${keyPath(c.path)}: a credential (`);
      expect(plain.stdout + plain.stderr).not.to.contain(CANARY);
    });
  });

  describe("rotation", () => {
    it("`pulumi config set --secret` + `up` updates the action group in place: same URN and Azure name, only the secret inputs change, no replace option", async () => {
      // What azure-native replaces on: the resource's path parameters and properties Azure cannot
      // update (location: x-ms-mutability create/read). provider/pkg/provider/diff.go
      // calculateDetailedDiff; Microsoft.Insights actionGroups_API.json 2023-01-01. Pulumi replaces
      // too on a URN change or a replace option (replaceOnChanges, deleteBeforeReplace, replaceWith,
      // replacementTrigger): both are checked here, as the mock engine receives the registration.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: Record<string, any> } };
      const registerResource = MockMonitor.prototype.registerResource;
      const options: Record<string, unknown>[] = [];
      MockMonitor.prototype.registerResource = function (this: any, req: any, cb: unknown) {
        if (req.getType() === AG) {
          options.push({ name: req.getName(), urn: this.newUrn(req.getParent(), req.getType(), req.getName()), replaceOnChanges: req.getReplaceonchangesList(), deleteBeforeReplace: req.getDeletebeforereplace(), replaceWith: req.getReplaceWithList(), replacementTrigger: req.getReplacementTrigger()?.toJavaScript?.() ?? null });
        }
        return registerResource.call(this, req, cb);
      };
      const stack = (n: number) => ({
        location: "westeurope",
        actionGroups: {
          soc: {
            shortName: "SOC",
            webhooks: [{ serviceUri: `https://hooks.example.net/token-${n}` }],
            ...RECEIVERS["actionGroups.*.logicApps.*.callbackUrl"](`https://prod-00.westeurope.logic.azure.com/invoke?sig=sig-${n}`),
            ...RECEIVERS["actionGroups.*.runbooks.*.serviceUri"](`https://x.webhook.we.azure-automation.net/webhooks?token=rb-${n}`),
          },
        },
        routes: ROUTE_ALL,
      });
      let before: StackRun, after: StackRun;
      try {
        before = await runStack(stack(1), { stack: "rotate", catalogue: ONE_RULE, secretKeys: ["actionGroups"] });
        after = await runStack(stack(2), { stack: "rotate", catalogue: ONE_RULE, secretKeys: ["actionGroups"] });
      } finally {
        MockMonitor.prototype.registerResource = registerResource;
      }
      const [a, b] = [before.byName("action-group-soc"), after.byName("action-group-soc")];
      expect(options).to.have.length(2);
      expect(options[1].urn).to.equal(options[0].urn);
      for (const o of options) expect(o).to.deep.include({ replaceOnChanges: [], deleteBeforeReplace: false, replaceWith: [], replacementTrigger: null });
      for (const k of ["resourceGroupName", "actionGroupName", "location"]) expect(b.inputs[k], k).to.equal(a.inputs[k]);
      const changed = Object.keys({ ...a.inputs, ...b.inputs }).filter((k) => JSON.stringify(a.inputs[k]) !== JSON.stringify(b.inputs[k]));
      expect(changed).to.have.members(["webhookReceivers", "logicAppReceivers", "automationRunbookReceivers"]);
      expect(changed.every((k) => after.secretPaths["action-group-soc"].includes(k))).to.equal(true);
      expect(b.inputs.webhookReceivers[0].serviceUri).to.equal("https://hooks.example.net/token-2");
      // Nothing else in the stack changes.
      const others = (r: StackRun) => r.resources.filter((x) => x.type !== AG).map((x) => JSON.stringify([x.type, x.name, x.inputs]));
      expect(others(after)).to.deep.equal(others(before));
    });
  });
});
