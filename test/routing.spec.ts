// Alert routing under Pulumi mocks: action groups and receivers, per-rule routes for both rule
// kinds, Entra ID lookups, maintenance windows, secrets, and every invalid input.
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { runStack as runMockStack, TEST_SUBSCRIPTION, type CallMocks, type StackRun } from "../tools/mockStack";
import { defaultIdentity, StackNames } from "../config/names";
import { ConfigError, parseStackConfig } from "../config";
import { emailReceivers, entraReceiverName } from "../components/AlertRouting";
import { detectionByKey } from "../detections";
import { excludeIn } from "../detections/kql";
import { allowlistParameters } from "../planning/resolve";
import type { Detection, Severity, Tactic } from "../detections/model";

const AG = "azure-native:monitor:ActionGroup";
const SQR = "azure-native:monitor:ScheduledQueryRule";
const ALA = "azure-native:monitor:ActivityLogAlert";
const APR = "azure-native:alertsmanagement:AlertProcessingRuleByName";

const WEBHOOK_URI = "https://hooks.example.net/services/T000/B000/fake-webhook-token-1234";
const RUNBOOK_URI = "https://00000000-0000-0000-0000-000000000000.webhook.we.azure-automation.net/webhooks?token=fake-runbook-token-5678";
const LOGIC_URI = "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=fake-logic-sig-9012";
const SUB = "11111111-2222-3333-4444-555555555555";
const AUTOMATION = `/subscriptions/${SUB}/resourceGroups/rg-ops/providers/Microsoft.Automation/automationAccounts/aa-soc`;
const EXISTING_AG = `/subscriptions/${SUB}/resourceGroups/rg-shared/providers/Microsoft.Insights/actionGroups/ag-noc`;

const base = { location: "westeurope" };
const NAMES = new StackNames(defaultIdentity("test"));
/** The program as `pulumi up` runs it once the receivers' URLs are set with `pulumi config set --secret --path` (test/credentials.spec.ts: otherwise). */
const runStack: typeof runMockStack = (config, opts = {}) => runMockStack(config, { secretKeys: ["actionGroups"], ...opts });
const runCommand = detectionByKey("azt301-1-runcommand")!;

/** A small catalogue with several severities, tactics and both rule kinds. */
function fixture(key: string, tactic: Tactic, severity: Severity, kind: "activityLog" | "query", extra: Partial<Detection> = {}): Detection {
  const signal: Detection["signal"] = kind === "activityLog"
    ? runCommand.signal
    : {
        kind: "query",
        query: (p) => `AADServicePrincipalSignInLogs\n| where ResultType == "0"${excludeIn("AppId", (p.allowedAppIds as string[] | undefined) ?? [])}\n| project TimeGenerated, AppId`,
        trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count" },
      };
  return { ...runCommand, key, tactic, severity, signal, ...extra };
}
const FIXTURES: Detection[] = [
  fixture("fx-exec-crit", "Execution", 0, "activityLog"),
  fixture("fx-exec-warn", "Execution", 2, "query"),
  fixture("fx-persist-err", "Persistence", 1, "query"),
  fixture("fx-impact-info", "Impact", 3, "activityLog"),
];

const groups = {
  soc: {
    shortName: "SOC",
    emails: ["soc@example.com", { address: "lead@example.com", name: "SOC lead" }],
    logicApps: [{ resourceId: `/subscriptions/${SUB}/resourceGroups/rg-ops/providers/Microsoft.Logic/workflows/la-ticket`, callbackUrl: LOGIC_URI }],
  },
  oncall: {
    shortName: "SOC-ONCALL",
    sms: [{ countryCode: "44", phoneNumber: "7700900123" }, { countryCode: 1, phoneNumber: 2025550147 }],
    runbooks: [{ automationAccountId: AUTOMATION, runbookName: "Isolate-VM", webhookResourceId: `${AUTOMATION}/webhooks/isolate`, serviceUri: RUNBOOK_URI, isGlobalRunbook: false }],
    webhooks: [{ serviceUri: WEBHOOK_URI }],
  },
  identity: { shortName: "IDENTITY", emails: ["iam@example.com"] },
  noc: { existingId: EXISTING_AG },
};
const routes = [
  { severities: [0, 1], actionGroups: ["oncall", "soc"] },
  { severities: [2, 3, 4], actionGroups: ["soc"] },
  { severities: [0, 1, 2, 3, 4], tactics: ["Persistence"], actionGroups: ["identity", "noc"] },
];

function idsOf(run: StackRun): Record<string, string> {
  return run.outputs.actionGroups as Record<string, string>;
}
/** Action group ids a rule was declared with, for either rule kind. */
function ruleActionGroups(run: StackRun, key: string): string[] {
  const r = run.byName(key);
  if (r.type === ALA) return (r.inputs.actions.actionGroups as { actionGroupId: string }[]).map((a) => a.actionGroupId);
  expect(r.type).to.equal(SQR);
  return r.inputs.actions.actionGroups as string[];
}
function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig({ ...base, ...raw }, "test");
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}
function expectProblem(raw: Record<string, unknown>, ...patterns: RegExp[]) {
  const problems = problemsOf(raw);
  for (const p of patterns) expect(problems.some((x) => p.test(x)), `expected a problem matching ${p}, got:\n${problems.join("\n")}`).to.equal(true);
}

describe("alert routing", () => {
  describe("action groups", () => {
    let run: StackRun;
    before(async () => {
      run = await runStack({ ...base, actionGroups: groups, routes }, { catalogue: FIXTURES });
    });

    it("declares one Global, enabled action group per managed group and none for existingId", () => {
      const ags = run.ofType(AG);
      expect(ags.map((a) => a.name).sort()).to.deep.equal(["action-group-identity", "action-group-oncall", "action-group-soc"]);
      for (const a of ags) {
        expect(a.inputs.location).to.equal("Global");
        expect(a.inputs.enabled).to.equal(true);
        expect(a.inputs.actionGroupName).to.match(/^azdetect-test-(identity|oncall|soc)$/);
        expect(a.inputs.resourceGroupName).to.equal("azdetect-test");
      }
      expect(run.byName("action-group-oncall").inputs.groupShortName).to.equal("SOC-ONCALL");
      expect(idsOf(run).noc).to.equal(EXISTING_AG);
    });

    it("declares receivers with deterministic names and the common alert schema", () => {
      const soc = run.byName("action-group-soc").inputs;
      expect(soc.emailReceivers).to.deep.equal([
        { name: "email-1", emailAddress: "soc@example.com", useCommonAlertSchema: true },
        { name: "SOC lead", emailAddress: "lead@example.com", useCommonAlertSchema: true },
      ]);
      expect(soc.logicAppReceivers).to.deep.equal([{ name: "logicapp-1", resourceId: groups.soc.logicApps[0].resourceId, callbackUrl: LOGIC_URI, useCommonAlertSchema: true }]);
      const oncall = run.byName("action-group-oncall").inputs;
      expect(oncall.smsReceivers).to.deep.equal([
        { name: "sms-1", countryCode: "44", phoneNumber: "7700900123" },
        { name: "sms-2", countryCode: "1", phoneNumber: "2025550147" },
      ]);
      expect(oncall.automationRunbookReceivers).to.deep.equal([{
        name: "runbook-1", automationAccountId: AUTOMATION, runbookName: "Isolate-VM", webhookResourceId: `${AUTOMATION}/webhooks/isolate`,
        isGlobalRunbook: false, serviceUri: RUNBOOK_URI, useCommonAlertSchema: true,
      }]);
      expect(oncall.webhookReceivers).to.deep.equal([{ name: "webhook-1", serviceUri: WEBHOOK_URI, useCommonAlertSchema: true, useAadAuth: false }]);
    });

    it("gives every rule the union of its matching routes, for both rule kinds", () => {
      const id = idsOf(run);
      expect(run.byName("fx-exec-crit").type).to.equal(ALA);
      expect(run.byName("fx-exec-warn").type).to.equal(SQR);
      expect(ruleActionGroups(run, "fx-exec-crit")).to.deep.equal([id.oncall, id.soc]);
      expect(ruleActionGroups(run, "fx-exec-warn")).to.deep.equal([id.soc]);
      expect(ruleActionGroups(run, "fx-persist-err")).to.deep.equal([id.oncall, id.soc, id.identity, id.noc]);
      expect(ruleActionGroups(run, "fx-impact-info")).to.deep.equal([id.soc]);
    });

    it("declares no maintenance window by default", () => {
      expect(run.ofType(APR)).to.have.length(0);
    });
  });

  describe("the shipped catalogue", () => {
    const cfg = { ...base, actionGroups: { soc: groups.soc, oncall: groups.oncall }, routes: routes.slice(0, 2) };

    it("routes azt301-1-runcommand (severity 1) as an activity-log alert", async () => {
      const run = await runStack(cfg);
      expect(run.byName("azt301-1-runcommand").type).to.equal(ALA);
      expect(ruleActionGroups(run, "azt301-1-runcommand")).to.deep.equal([idsOf(run).oncall, idsOf(run).soc]);
    });

    it("routes it as a log search alert too (allowlist set), by its overridden severity", async () => {
      const run = await runStack({ ...cfg, allowlists: { callers: ["ci@example.com"] }, overrides: { "azt301-1-runcommand": { severity: 3 } } });
      expect(run.byName("azt301-1-runcommand").type).to.equal(SQR);
      expect(run.byName("azt301-1-runcommand").inputs.severity).to.equal(3);
      expect(ruleActionGroups(run, "azt301-1-runcommand")).to.deep.equal([idsOf(run).soc]);
    });
  });

  describe("unrouted rules", () => {
    it("are a config error by default, naming each rule and severity, before any resource", async () => {
      const err = await runStack({ ...base, actionGroups: groups, routes: [{ severities: [2, 3, 4], actionGroups: ["soc"] }] }, { catalogue: FIXTURES }).then(
        () => expect.fail("expected a ConfigError"),
        (e) => e,
      );
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.contain("azdetect:routes");
      expect(err.message).to.contain("fx-exec-crit (severity 0, Execution)");
      expect(err.message).to.contain("fx-persist-err (severity 1, Persistence)");
      expect(err.message).not.to.contain("fx-exec-warn");
      expect(err.message).to.contain("allowUnroutedAlerts");
      expect(err.declared).to.deep.equal([]);
    });

    it("are an error when no routes are configured at all", async () => {
      const err = await runStack({ ...base, actionGroups: groups }).then(() => expect.fail("expected a ConfigError"), (e) => e);
      expect(err.message).to.match(/azdetect:routes: \d+ deployed rules? would notify nobody — no route matches .*azt301-1-runcommand \(severity 1, Execution\)/);
    });

    it("count a tactic-limited route as not matching other tactics", async () => {
      const err = await runStack({ ...base, actionGroups: groups, routes: [{ severities: [1], tactics: ["Persistence"], actionGroups: ["soc"] }] }).then(
        () => expect.fail("expected a ConfigError"), (e) => e);
      expect(err.message).to.contain("azt301-1-runcommand (severity 1, Execution)");
    });

    it("include rules routed only to disabled action groups", async () => {
      const err = await runStack({ ...base, actionGroups: { soc: { ...groups.soc, enabled: false } }, routes: [{ severities: [1], actionGroups: ["soc"] }] }).then(
        () => expect.fail("expected a ConfigError"), (e) => e);
      expect(err.message).to.contain("azt301-1-runcommand (severity 1, Execution) (its action groups soc are disabled)");
    });

    it("deploy with no action group when allowUnroutedAlerts is true", async () => {
      const run = await runStack({ ...base, allowUnroutedAlerts: true, routes: [] });
      expect(run.ofType(AG)).to.have.length(0);
      expect(ruleActionGroups(run, "azt301-1-runcommand")).to.deep.equal([]);
    });

    it("reject a rule matching more than 5 action groups", async () => {
      const many = Object.fromEntries(["a", "b", "c", "d", "e", "f"].map((n) => [n, { shortName: n, emails: [`${n}@example.com`] }]));
      const err = await runStack({ ...base, actionGroups: many, routes: [{ severities: [1], actionGroups: Object.keys(many) }] }).then(
        () => expect.fail("expected a ConfigError"), (e) => e);
      expect(err.message).to.match(/azt301-1-runcommand \(severity 1, Execution\) matches 6 action groups .* at most 5/);
    });
  });

  describe("Entra ID lookups", () => {
    const seen: { token: string; inputs: any }[] = [];
    const calls: CallMocks = {
      "azuread:index/getGroup:getGroup": (inputs) => {
        seen.push({ token: "getGroup", inputs });
        return { objectId: "g-soc", members: ["u-1", "u-2", "u-3", "g-nested"] };
      },
      "azuread:index/getUsers:getUsers": (inputs) => {
        seen.push({ token: "getUsers", inputs });
        const all = [
          { objectId: "u-1", userPrincipalName: "alice@contoso.onmicrosoft.com", mail: "Alice@Example.com" },
          { objectId: "u-2", userPrincipalName: "bob@contoso.onmicrosoft.com", mail: "bob@example.com" },
          { objectId: "u-3", userPrincipalName: "svc-noreply@contoso.onmicrosoft.com", mail: "" },
          { objectId: "u-4", userPrincipalName: "carol@contoso.onmicrosoft.com", mail: "carol@example.com" },
        ];
        const users = inputs.objectIds
          ? all.filter((u) => inputs.objectIds.includes(u.objectId))
          : all.filter((u) => inputs.userPrincipalNames.includes(u.userPrincipalName));
        return { users };
      },
    };
    let run: StackRun;
    before(async () => {
      run = await runStack({
        ...base,
        actionGroups: {
          soc: { shortName: "SOC", emails: ["alice@example.com"], entraGroup: { displayName: "SOC Analysts", transitive: true }, entraUsers: ["carol@contoso.onmicrosoft.com"] },
        },
        routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["soc"] }],
      }, { calls });
    });

    it("looks the group up (transitively) and its members as users, ignoring non-users", () => {
      const group = seen.find((c) => c.token === "getGroup")!;
      expect(group.inputs).to.include({ displayName: "SOC Analysts", includeTransitiveMembers: true });
      const byId = seen.find((c) => c.token === "getUsers" && c.inputs.objectIds)!;
      expect(byId.inputs).to.deep.include({ objectIds: ["u-1", "u-2", "u-3", "g-nested"], ignoreMissing: true });
      const byUpn = seen.find((c) => c.token === "getUsers" && c.inputs.userPrincipalNames)!;
      expect(byUpn.inputs).to.deep.include({ userPrincipalNames: ["carol@contoso.onmicrosoft.com"], ignoreMissing: false });
    });

    it("turns members' mail into email receivers, without duplicates or mailless users", () => {
      expect(run.byName("action-group-soc").inputs.emailReceivers).to.deep.equal([
        { name: "email-1", emailAddress: "alice@example.com", useCommonAlertSchema: true },
        { name: entraReceiverName("bob@example.com"), emailAddress: "bob@example.com", useCommonAlertSchema: true },
        { name: entraReceiverName("carol@example.com"), emailAddress: "carol@example.com", useCommonAlertSchema: true },
      ]);
    });

    it("looks a group up by objectId when given", async () => {
      seen.length = 0;
      await runStack({
        ...base,
        actionGroups: { soc: { shortName: "SOC", entraGroup: { objectId: "6a0f7c1e-3b2d-4e5f-8a9b-0c1d2e3f4a5b" } } },
        routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["soc"] }],
      }, { calls });
      expect(seen.find((c) => c.token === "getGroup")!.inputs).to.include({ objectId: "6a0f7c1e-3b2d-4e5f-8a9b-0c1d2e3f4a5b", includeTransitiveMembers: false });
    });

    it("names Entra receivers by address, independent of member order", () => {
      const a = { objectId: "1", userPrincipalName: "a@x.y", mail: "a@example.com" };
      const b = { objectId: "2", userPrincipalName: "b@x.y", mail: "b@example.com" };
      expect(emailReceivers("soc", [], [a, b], 0).receivers).to.deep.equal(emailReceivers("soc", [], [b, a], 0).receivers);
      expect(entraReceiverName("A@Example.com")).to.equal(entraReceiverName("a@example.com")).and.to.match(/^entra-[0-9a-f]{12}$/);
    });

    it("fails the deployment when a group resolves to nobody or to more than 1,000 addresses", () => {
      expect(() => emailReceivers("soc", [], [{ objectId: "1", userPrincipalName: "x@y.z", mail: "" }], 0)).to.throw(/azdetect:actionGroups\.soc: resolved to no receivers/);
      expect(emailReceivers("soc", [], [], 1).receivers).to.deep.equal([]); // other receivers remain
      const many = Array.from({ length: 1001 }, (_, i) => ({ objectId: String(i), userPrincipalName: `u${i}@x.y`, mail: `u${i}@example.com` }));
      expect(() => emailReceivers("soc", [], many, 0)).to.throw(/1001 email receivers .* at most 1000/);
    });
  });

  describe("service principal allowlist", () => {
    const APP_ID = "0f4f5b8e-1111-4a4a-9b9b-2c2c2c2c2c2c";
    const SP_OBJECT_ID = "5e5e5e5e-2222-4b4b-8c8c-3d3d3d3d3d3d";
    const spCatalogue = [
      fixture("fx-sp-signin", "Initial Access", 2, "query", {
        parameters: { allowedAppIds: { type: "stringList", description: "App ids allowed", default: [], allowlist: "appIds" } },
      }),
      fixture("fx-sp-runcommand", "Execution", 2, "activityLog", {
        parameters: { allowedCallers: { type: "stringList", description: "Callers", default: [], allowlist: "appIds" } },
      }),
    ];
    const calls: CallMocks = {
      "azuread:index/getServicePrincipal:getServicePrincipal": (inputs) => (inputs.displayName === "ci-deployer" ? { clientId: APP_ID, objectId: SP_OBJECT_ID, displayName: "ci-deployer" } : {}),
    };

    it("resolves display names to app ids inside the deployed query only", async () => {
      const run = await runStack({
        ...base, allowUnroutedAlerts: true, allowlists: { appIds: ["static-app"], servicePrincipalNames: ["ci-deployer"] },
      }, { calls, catalogue: spCatalogue });
      const query = run.byName("fx-sp-signin").inputs.criteria.allOf[0].query as string;
      expect(query).to.contain(`| where AppId !in~ ("static-app", "${APP_ID}")`);
      // Offline (plan, KQL validation) the query has the static values only.
      expect(run.program.detections.find((d) => d.key === "fx-sp-signin")!.query).to.contain('!in~ ("static-app")');
    });

    it("reaches every shipped log search detection that draws from appIds", async () => {
      const run = await runStack({ ...base, allowUnroutedAlerts: true, allowlists: { servicePrincipalNames: ["ci-deployer"] } }, { calls });
      const drawing = run.program.detections.filter((d) => d.alertKind === "scheduledQuery" && allowlistParameters(d.detection, "appIds").length);
      expect(drawing, "the catalogue has detections with an appIds allowlist").not.to.be.empty;
      for (const d of drawing) {
        expect(run.byName(d.key).inputs.criteria.allOf[0].query, d.key).to.contain(`"${APP_ID}"`);
        expect(d.query, d.key).not.to.contain(APP_ID);
      }
    });

    it("deploys an activity-log detection whose exclusion draws from appIds as a log search alert", async () => {
      const run = await runStack({ ...base, allowUnroutedAlerts: true, allowlists: { servicePrincipalNames: ["ci-deployer"] } }, { calls, catalogue: spCatalogue });
      expect(run.byName("fx-sp-runcommand").type).to.equal(SQR);
      const without = await runStack({ ...base, allowUnroutedAlerts: true }, { catalogue: spCatalogue });
      expect(without.byName("fx-sp-runcommand").type).to.equal(ALA);
    });
  });

  describe("allowlists.objectIds: Entra object ids for tables that log ids (MicrosoftGraphActivityLogs)", () => {
    const USER_ID = "7a7a7a7a-3333-4c4c-9d9d-4e4e4e4e4e4e";
    const SP_ID = "5e5e5e5e-2222-4b4b-8c8c-3d3d3d3d3d3d";
    const STATIC_ID = "1b1b1b1b-4444-4d4d-8e8e-5f5f5f5f5f5f";
    const idCatalogue = [
      fixture("fx-graph", "Reconnaissance", 2, "query", {
        parameters: { allowedPrincipals: { type: "stringList", description: "Object ids", default: [], allowlist: "objectIds" } },
        signal: {
          kind: "query",
          query: (p) => `MicrosoftGraphActivityLogs\n| extend Principal = coalesce(UserId, ServicePrincipalId)${excludeIn("Principal", p.allowedPrincipals as string[])}\n| project TimeGenerated, Principal`,
          trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count" },
        },
        requires: [{ source: "entraId", categories: ["MicrosoftGraphActivityLogs"] }],
      }),
    ];
    const lookups: { token: string; inputs: any }[] = [];
    const calls: CallMocks = {
      "azuread:index/getUsers:getUsers": (inputs) => {
        lookups.push({ token: "getUsers", inputs });
        const known: Record<string, string> = { "deploy@contoso.com": USER_ID };
        return { users: (inputs.userPrincipalNames as string[]).filter((u) => known[u]).map((u) => ({ userPrincipalName: u, objectId: known[u], mail: "" })) };
      },
      "azuread:index/getServicePrincipal:getServicePrincipal": (inputs) => (inputs.displayName === "ci-deployer" ? { clientId: "app-id", objectId: SP_ID } : {}),
    };
    const queryOf = (run: Awaited<ReturnType<typeof runStack>>) => run.byName("fx-graph").inputs.criteria.allOf[0].query as string;

    it("adds the object ids of the UPNs in callers and userPrincipalNames and of servicePrincipalNames at deploy time", async () => {
      lookups.length = 0;
      const run = await runStack({
        ...base, allowUnroutedAlerts: true,
        allowlists: { objectIds: [STATIC_ID], callers: ["Deploy@contoso.com", "partner@fabrikam.com", "3c3c3c3c-5555-4e4e-8f8f-606060606060"], servicePrincipalNames: ["ci-deployer"] },
      }, { calls, catalogue: idCatalogue });
      // A GUID among the callers is an object id already (offline too); UPNs and service principal names resolve at deploy time.
      const GUID_CALLER = "3c3c3c3c-5555-4e4e-8f8f-606060606060";
      expect(queryOf(run)).to.contain(`!in~ ("${STATIC_ID}", "${GUID_CALLER}", "${SP_ID}", "${USER_ID}")`);
      // Only UPNs are looked up (lower-cased, once); a GUID caller is not a UPN.
      expect(lookups.map((l) => l.inputs.userPrincipalNames)).to.deep.equal([["deploy@contoso.com", "partner@fabrikam.com"]]);
      expect(lookups[0].inputs.ignoreMissing).to.equal(true);
      // Offline the query has the static ids only.
      expect(run.program.detections[0].query).to.contain(`!in~ ("${STATIC_ID}", "${GUID_CALLER}")`);
    });

    it("reaches every shipped Graph detection: a UPN in callers silences that user's Graph activity once deployed", async () => {
      const run = await runStack({ ...base, allowUnroutedAlerts: true, allowlists: { callers: ["deploy@contoso.com"] } }, { calls });
      const drawing = run.program.detections.filter((d) => allowlistParameters(d.detection, "objectIds").length);
      expect(drawing.map((d) => d.key), "the Graph detections draw from objectIds").to.include.members(["azt104-graph-user-enumeration", "azt104-recon-tool-useragent", "azt106-3-cli-role-assignment-listing"]);
      for (const d of drawing) {
        expect(run.byName(d.key).inputs.criteria.allOf[0].query, d.key).to.contain(`"${USER_ID}"`);
        expect(d.query, d.key).not.to.contain(USER_ID);
      }
    });

    it("warns about UPNs Entra ID does not know instead of failing the deployment", async () => {
      const run = await runStack({ ...base, allowUnroutedAlerts: true, allowlists: { callers: ["partner@fabrikam.com"] } }, { calls, catalogue: idCatalogue });
      expect(queryOf(run)).not.to.contain("partner@fabrikam.com");
      expect(run.warnings.join("\n")).to.contain("partner@fabrikam.com not found in Entra ID");
    });

    it("makes no lookup when no selected detection draws from objectIds", async () => {
      lookups.length = 0;
      await runStack({ ...base, allowUnroutedAlerts: true, allowlists: { callers: ["deploy@contoso.com"] } }, { calls, catalogue: FIXTURES });
      expect(lookups).to.deep.equal([]);
    });

    it("rejects an object id that is not a GUID, naming the key", async () => {
      let error: unknown;
      try { await runStack({ ...base, allowUnroutedAlerts: true, allowlists: { objectIds: ["deploy@contoso.com"] } }, { catalogue: idCatalogue }); } catch (e) { error = e; }
      expect(String(error)).to.match(/allowlists\.objectIds\[0\]: expected an Entra object id/);
    });
  });

  describe("maintenance windows", () => {
    it("declare an alert processing rule that removes action groups from this stack's rules on a schedule", async () => {
      const run = await runStack({
        ...base, actionGroups: groups, routes,
        maintenanceWindows: [{
          name: "patch-weekend", timeZone: "W. Europe Standard Time", severities: [2, 3],
          recurrences: [{ type: "Weekly", daysOfWeek: ["Saturday"], startTime: "22:00:00", endTime: "23:59:59" }],
        }],
      }, { catalogue: FIXTURES });
      const apr = run.byName("maintenance-patch-weekend").inputs;
      expect(run.byName("maintenance-patch-weekend").type).to.equal(APR);
      expect(apr.location).to.equal("Global");
      expect(apr.alertProcessingRuleName).to.equal("azdetect-test-maintenance-patch-weekend");
      expect(apr.properties.scopes).to.deep.equal([`/subscriptions/${TEST_SUBSCRIPTION}`]);
      expect(apr.properties.actions).to.deep.equal([{ actionType: "RemoveAllActionGroups" }]);
      // Configured severities (2, 3) of this stack, by the markers ending each rule's description
      // (at most 5 values a filter): the activity-log alert fx-impact-info is included.
      expect(apr.properties.conditions).to.deep.equal([{ field: "Description", operator: "Contains", values: [`azdetect-${NAMES.token}-s2-`, `azdetect-${NAMES.token}-s3-`] }]);
      const silenced = [...run.ofType(SQR), ...run.ofType(ALA)].filter((r) => apr.properties.conditions[0].values.some((v: string) => r.inputs.description.includes(v)));
      expect(silenced.map((r) => r.name).sort()).to.deep.equal(["fx-exec-warn", "fx-impact-info"]);
      expect(apr.properties.schedule).to.deep.equal({
        timeZone: "W. Europe Standard Time",
        recurrences: [{ recurrenceType: "Weekly", daysOfWeek: ["Saturday"], startTime: "22:00:00", endTime: "23:59:59" }],
      });
    });

    it("select tactics by key prefix, severities and tactics together, at most 5 values a filter: more become further rules", async () => {
      const run = await runStack({
        ...base, allowUnroutedAlerts: true,
        maintenanceWindows: [
          { name: "all-tactics", tactics: ["Reconnaissance", "Initial Access", "Execution", "Privilege Escalation", "Persistence", "Credential Access", "Impact"], recurrences: [{ type: "Daily" }] },
          { name: "quiet", severities: [0, 2], tactics: ["Execution", "Impact"], recurrences: [{ type: "Daily" }] },
        ],
      });
      const byName = (prefix: string) => run.ofType(APR).filter((r) => r.name.startsWith(prefix)).map((r) => r.inputs).sort((a, b) => a.alertProcessingRuleName.localeCompare(b.alertProcessingRuleName));
      const all = byName("maintenance-all-tactics");
      expect(all.map((a) => a.alertProcessingRuleName)).to.deep.equal(["azdetect-test-maintenance-all-tactics", "azdetect-test-maintenance-all-tactics-2"]);
      const values = all.flatMap((a) => a.properties.conditions[0].values);
      expect(values).to.deep.equal(["azt1", "azt2", "azt3", "azt4", "azt5", "azt6", "azt7"].map((p) => `azdetect-${NAMES.token}-${p}-`));
      const rules = [...run.ofType(SQR), ...run.ofType(ALA)];
      // Every rule matches exactly one value (its tactic's); the combined window exactly its rules.
      for (const r of rules) expect(values.filter((v) => r.inputs.description.includes(v)), r.name).to.have.length(1);
      const quiet = byName("maintenance-quiet").flatMap((a) => a.properties.conditions[0].values as string[]);
      expect(quiet).to.deep.equal(["s0-azt3", "s0-azt7", "s2-azt3", "s2-azt7"].map((m) => `azdetect-${NAMES.token}-${m}`));
      const expected = rules.filter((r) => ["Execution", "Impact"].includes(r.inputs.tags["azdetect-tactic"]) && / azdetect-\w+-azt\d-s[02]$/.test(r.inputs.description)).map((r) => r.name).sort();
      expect(rules.filter((r) => quiet.some((v) => r.inputs.description.includes(v))).map((r) => r.name).sort()).to.deep.equal(expected).and.not.be.empty;
      for (const a of run.ofType(APR)) for (const c of a.inputs.properties.conditions) expect(c.values.length).to.be.at.most(5);
    });

    it("reject a window that matches no deployed rule", async () => {
      const err = await runStack({
        ...base, actionGroups: groups, routes,
        maintenanceWindows: [{ name: "x", severities: [4], effectiveFrom: "2026-01-01T00:00:00", effectiveUntil: "2026-01-02T00:00:00" }],
      }, { catalogue: FIXTURES }).then(() => expect.fail("expected a ConfigError"), (e) => e);
      expect(err.message).to.contain("azdetect:maintenanceWindows[0]: matches no deployed rule");
    });
  });

  describe("secrets", () => {
    it("reach the action group as secrets and stay out of outputs", async () => {
      const run = await runStack({ ...base, actionGroups: groups, routes }, { catalogue: FIXTURES });
      expect(run.secretPaths["action-group-oncall"]).to.include.members(["automationRunbookReceivers", "webhookReceivers"]);
      expect(run.secretPaths["action-group-soc"]).to.include.members(["logicAppReceivers"]);
      expect(run.secretPaths["action-group-soc"]).not.to.include("emailReceivers");
      const outputs = JSON.stringify(run.outputs);
      for (const uri of [WEBHOOK_URI, RUNBOOK_URI, LOGIC_URI]) expect(outputs).not.to.contain(uri);
      for (const r of run.resources) {
        if (r.type === AG) continue;
        expect(JSON.stringify(r.inputs)).not.to.match(/fake-(webhook|runbook|logic)/);
      }
      expect(run.resources.map((r) => r.name).join(" ")).not.to.match(/fake-/);
    });

    it("are never repeated in config errors", () => {
      const leaky = "http://hooks.example.net/services/fake-token-in-clear";
      const problems = problemsOf({
        actionGroups: {
          a: { shortName: "A", webhooks: [{ serviceUri: leaky }], runbooks: [{ automationAccountId: AUTOMATION, runbookName: "r", webhookResourceId: `${AUTOMATION}/webhooks/w`, serviceUri: leaky, isGlobalRunbook: false }] },
          b: { shortName: "B", webhooks: leaky, logicApps: [{ resourceId: "nope", callbackUrl: leaky }] },
        },
      });
      expect(problems.length).to.be.greaterThan(2);
      for (const p of problems) expect(p).not.to.contain("fake-token");
    });
  });

  describe("invalid config", () => {
    const ag = (g: Record<string, unknown>) => ({ actionGroups: { soc: { shortName: "SOC", ...g } } });
    const sms = (countryCode: unknown, phoneNumber: unknown) => ag({ sms: [{ countryCode, phoneNumber }] });
    const hook = (w: Record<string, unknown>) => ag({ webhooks: [{ serviceUri: WEBHOOK_URI, ...w }] });
    const n = (k: number, f: (i: number) => unknown) => Array.from({ length: k }, (_, i) => f(i));
    const runbookAt = (i: number) => ({ automationAccountId: AUTOMATION, runbookName: `r${i}`, webhookResourceId: `${AUTOMATION}/webhooks/w${i}`, serviceUri: RUNBOOK_URI, isGlobalRunbook: false });

    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["malformed email", ag({ emails: ["soc.example.com"] }), /actionGroups\.soc\.emails\[0\]: "soc\.example\.com" is not an email address/],
      ["email with a space", ag({ emails: [{ address: "so c@example.com" }] }), /emails\[0\]\.address: "so c@example\.com" is not an email address/],
      ["email over 64 characters", ag({ emails: [`${"a".repeat(60)}@example.com`] }), /emails\[0\]: .* at most 64/],
      ["non-numeric phone", sms("44", "07700-900123"), /sms\[0\]\.phoneNumber: "07700-900123" is not a phone number — digits only/],
      ["phone with +", sms("44", "+447700900123"), /sms\[0\]\.phoneNumber: .*digits only/],
      ["over-long phone", sms("44", "77009001234567"), /sms\[0\]\.phoneNumber: "77009001234567" has 14 digits — .* at most 15 digits including the country code/],
      ["too-short phone", sms("1", "555"), /sms\[0\]\.phoneNumber: .* at least 4/],
      ["country code with +", sms("+44", "7700900123"), /sms\[0\]\.countryCode: "\+44" is not a country calling code/],
      // action-groups.md "Countries/Regions with SMS notification support": Azure takes any digits and sends nothing elsewhere.
      ["country code of 4 digits", sms("4412", "7700900"), /sms\[0\]\.countryCode: "4412" is not a country Azure sends SMS to — expected one of: 1, 7, 27, /],
      ["country code starting with 0", sms("044", "7700900"), /sms\[0\]\.countryCode: "044" is not a country Azure sends SMS to/],
      ["a country code Azure sends no SMS to", sms("999999", "7700900"), /sms\[0\]\.countryCode: "999999" is not a country Azure sends SMS to/],
      ["a real country without Azure SMS", sms("48", "601234567"), /sms\[0\]\.countryCode: "48" is not a country Azure sends SMS to/],
      ["http webhook", hook({ serviceUri: "http://hooks.example.net/x" }), /webhooks\[0\]\.serviceUri: uses http — .* only https:\/\//],
      ["webhook that is not a URL", hook({ serviceUri: "hooks.example.net/x" }), /webhooks\[0\]\.serviceUri: is not a URL/],
      ["http runbook", ag({ runbooks: [{ ...runbookAt(0), serviceUri: "http://x.example.net/w" }] }), /runbooks\[0\]\.serviceUri: uses http/],
      ["runbook webhook id of the wrong type", ag({ runbooks: [{ ...runbookAt(0), webhookResourceId: AUTOMATION }] }), /runbooks\[0\]\.webhookResourceId: .* expected a Microsoft\.Automation\/automationAccounts\/webhooks resource id/],
      ["http logic app callback", ag({ logicApps: [{ resourceId: `/subscriptions/${SUB}/resourceGroups/r/providers/Microsoft.Logic/workflows/w`, callbackUrl: "http://x" }] }), /logicApps\[0\]\.callbackUrl: uses http/],
      ["secure webhook without objectId/tenantId", hook({ useAadAuth: true }), /webhooks\[0\]\.objectId: required when useAadAuth is true/],
      ["secure-webhook fields without useAadAuth", hook({ tenantId: "6a0f7c1e-3b2d-4e5f-8a9b-0c1d2e3f4a5b" }), /webhooks\[0\]\.tenantId: only used by secure webhooks/],
      ["a group with no receivers", ag({}), /azdetect:actionGroups\.soc: has no receivers — add at least one of: emails, sms/],
      ["a group with empty receiver lists", ag({ emails: [], sms: [] }), /actionGroups\.soc: has no receivers/],
      ["11 SMS receivers", ag({ sms: n(11, (i) => ({ countryCode: "1", phoneNumber: `20255501${10 + i}` })) }), /actionGroups\.soc\.sms: 11 receivers — Azure allows at most 10 sms receivers/],
      ["11 runbook receivers", ag({ runbooks: n(11, runbookAt) }), /actionGroups\.soc\.runbooks: 11 receivers — Azure allows at most 10/],
      ["11 webhook receivers", ag({ webhooks: n(11, () => ({ serviceUri: WEBHOOK_URI })) }), /actionGroups\.soc\.webhooks: 11 receivers — Azure allows at most 10/],
      ["11 logic app receivers", ag({ logicApps: n(11, (i) => ({ resourceId: `/subscriptions/${SUB}/resourceGroups/r/providers/Microsoft.Logic/workflows/w${i}`, callbackUrl: LOGIC_URI })) }), /logicApps: 11 receivers — Azure allows at most 10/],
      ["1,001 email receivers", ag({ emails: n(1001, (i) => `u${i}@example.com`) }), /actionGroups\.soc\.emails: 1001 receivers — Azure allows at most 1000/],
      ["duplicate receiver names", ag({ emails: [{ address: "a@example.com", name: "primary" }], sms: [{ countryCode: "1", phoneNumber: "2025550147", name: "Primary" }] }), /sms\[0\]: receiver name "Primary" is already used by emails\[0\]/],
      ["an explicit name equal to a default one", ag({ emails: ["a@example.com", { address: "b@example.com", name: "email-1" }] }), /emails\[1\]: receiver name "email-1" is already used by emails\[0\]/],
      ["short name over 12 characters", ag({ shortName: "SOC-ONCALL-EU", emails: ["a@example.com"] }), /actionGroups\.soc\.shortName: "SOC-ONCALL-EU" is 13 characters — Azure allows at most 12/],
      ["missing short name", { actionGroups: { soc: { emails: ["a@example.com"] } } }, /actionGroups\.soc\.shortName: required/],
      ["existingId plus receivers", { actionGroups: { noc: { existingId: EXISTING_AG, emails: ["a@example.com"] } } }, /actionGroups\.noc: existingId references an action group the stack does not manage — remove emails/],
      ["existingId of another type", { actionGroups: { noc: { existingId: AUTOMATION } } }, /actionGroups\.noc\.existingId: .* expected a Microsoft\.Insights\/actionGroups resource id/],
      ["unknown receiver kind", ag({ emails: ["a@example.com"], teams: [] }), /actionGroups\.soc\.teams: unknown key/],
      ["bad group name", { actionGroups: { "soc team": { shortName: "S", emails: ["a@example.com"] } } }, /actionGroups\.soc team: .*must be 1-40 letters/],
      ["entraGroup with both ids", ag({ entraGroup: { displayName: "SOC", objectId: "6a0f7c1e-3b2d-4e5f-8a9b-0c1d2e3f4a5b" } }), /entraGroup: set exactly one of displayName or objectId/],
      ["entraUsers that are not UPNs", ag({ entraUsers: ["alice"] }), /entraUsers\[0\]: .*user principal name/],
      ["severity 5 in a route", { routes: [{ severities: [5], actionGroups: ["soc"] }], ...ag({ emails: ["a@example.com"] }) }, /routes\[0\]\.severities\[0\]: unknown severity 5 — expected one of: 0 \(Critical\), 1 \(Error\), 2 \(Warning\), 3 \(Informational\), 4 \(Verbose\)/],
      ["severity as a name", { routes: [{ severities: ["Sev1"], actionGroups: ["soc"] }], ...ag({ emails: ["a@example.com"] }) }, /routes\[0\]\.severities\[0\]: unknown severity "Sev1"/],
      ["a route without severities", { routes: [{ severities: [], actionGroups: ["soc"] }], ...ag({ emails: ["a@example.com"] }) }, /routes\[0\]\.severities: list at least one severity/],
      ["unknown action group in a route", { routes: [{ severities: [1], actionGroups: ["socc"] }], ...ag({ emails: ["a@example.com"] }) }, /azdetect:routes\[0\]\.actionGroups\[0\]: unknown action group "socc" — expected one of: soc/],
      ["a route but no action groups", { routes: [{ severities: [1], actionGroups: ["soc"] }] }, /routes\[0\]\.actionGroups\[0\]: unknown action group "soc" — expected one of: \(none/],
      ["unknown tactic in a route", { routes: [{ severities: [1], tactics: ["Exfiltration"], actionGroups: ["soc"] }], ...ag({ emails: ["a@example.com"] }) }, /routes\[0\]\.tactics\[0\]: "Exfiltration" is not allowed — expected one of: Reconnaissance, Initial Access/],
      ["allowUnroutedAlerts not a boolean", { allowUnroutedAlerts: "yes" }, /azdetect:allowUnroutedAlerts: expected boolean/],
      ["a window without a schedule", { maintenanceWindows: [{ name: "w" }] }, /maintenanceWindows\[0\]: a window needs recurrences, or both effectiveFrom and effectiveUntil/],
      ["a window ending before it starts", { maintenanceWindows: [{ name: "w", effectiveFrom: "2026-02-01T00:00:00", effectiveUntil: "2026-01-01T00:00:00" }] }, /maintenanceWindows\[0\]\.effectiveUntil: .* is not after effectiveFrom/],
      ["a window date with a time zone", { maintenanceWindows: [{ name: "w", effectiveFrom: "2026-01-01T00:00:00Z", effectiveUntil: "2026-01-02T00:00:00" }] }, /maintenanceWindows\[0\]\.effectiveFrom: .*without time zone/],
      ["a weekly window without days", { maintenanceWindows: [{ name: "w", recurrences: [{ type: "Weekly" }] }] }, /recurrences\[0\]\.daysOfWeek: required for a Weekly recurrence/],
      ["a window with a bad day", { maintenanceWindows: [{ name: "w", recurrences: [{ type: "Weekly", daysOfWeek: ["Sat"] }] }] }, /daysOfWeek\[0\]: "Sat" is not allowed — expected one of: Sunday/],
      ["a window with only a start time", { maintenanceWindows: [{ name: "w", recurrences: [{ type: "Daily", startTime: "22:00:00" }] }] }, /recurrences\[0\]: set both startTime and endTime/],
      ["two windows with one name", { maintenanceWindows: [{ name: "w", recurrences: [{ type: "Daily" }] }, { name: "w", recurrences: [{ type: "Daily" }] }] }, /maintenanceWindows\[1\]\.name: "w" is already used/],
      ["servicePrincipalNames not a list", { allowlists: { servicePrincipalNames: "ci" } }, /allowlists\.servicePrincipalNames: expected array/],
    ];
    for (const [what, raw, pattern] of cases) {
      it(`rejects ${what}`, () => expectProblem(raw, pattern));
    }

    it("accepts the limits themselves (10 SMS, 1,000 emails, 12-character short name)", () => {
      expect(problemsOf({
        ...ag({ shortName: "SOC-ONCALL-E", sms: n(10, (i) => ({ countryCode: "1", phoneNumber: `20255501${10 + i}` })), emails: n(1000, (i) => `u${i}@example.com`) }),
        routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["soc"] }],
      })).to.deep.equal([]);
    });

    it("reports every problem at once, before any resource is declared", async () => {
      const err = await runStack({ ...base, actionGroups: { soc: { shortName: "SOC-ONCALL-EU" } }, routes: [{ severities: [7], actionGroups: ["soc"] }] }).then(
        () => expect.fail("expected a ConfigError"), (e) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.problems).to.have.length.greaterThanOrEqual(3);
      expect(err.declared).to.deep.equal([]);
    });
  });

  describe("Pulumi.dev.yaml", () => {
    it("routes every rule of the example stack", async () => {
      const doc = parseYaml(fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
      const cfg = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace(/^azdetect:/, ""), v]));
      expect(cfg.routes, "the example declares routes").to.be.an("array");
      const run = await runStack(cfg, { stack: "dev" });
      expect(run.ofType(AG).length).to.be.greaterThan(0);
      for (const r of [...run.ofType(SQR), ...run.ofType(ALA)]) expect(ruleActionGroups(run, r.name), r.name).not.to.be.empty;
    });
  });
});
