// One stack for an estate (issue 17): a list of subscriptions (one provider, Activity Log setting and,
// up to the limit, activity-log alerts each) or a management group (the built-in Activity Log policy
// with its identity, roles and remediation); one log search rule per detection on the workspace
// whatever the estate; the subscription in every alert; nothing of a watched subscription touched
// but the stack's own settings and assignments; never a Deny.
import { expect } from "chai";
import { ConfigError, parseStackConfig } from "../config";
import { resolveDetections } from "../planning/resolve";
import { DETECTIONS } from "../detections";
import { runStack, TEST_SUBSCRIPTION, type Declared, type StackRun } from "../tools/mockStack";
import { ACTIVITY_LOG_POLICY, BUILT_IN_POLICIES, RESOURCE_LOGS_INITIATIVE } from "../azure/telemetry-policies";
import { StackNames, defaultIdentity } from "../config/names";
import { buildPlan } from "../tools/planning";
import { F } from "./telemetry-fixtures";

const base = { location: "westeurope", resourceGroupName: "rg-azdetect" };
const NAMES = new StackNames(defaultIdentity("test"));
/** n distinct, valid subscription ids. */
const subscriptions = (n: number) => Array.from({ length: n }, (_, i) => `${(i + 1).toString(16).padStart(8, "0")}-aaaa-4bbb-8ccc-${(i + 1).toString(16).padStart(12, "0")}`);
const [A, B, C] = subscriptions(3);
const rid = (sub: string, type: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg/providers/${type}/${name}`;

const ACTIVITY_ALERT = "azure-native:monitor:ActivityLogAlert";
const QUERY_RULE = "azure-native:monitor:ScheduledQueryRule";
const PROVIDER = "pulumi:providers:azure-native";
const SETTING = "azure-native:monitor:SubscriptionDiagnosticSetting";
const APR = "azure-native:alertsmanagement:AlertProcessingRuleByName";

function problems(raw: Record<string, unknown>): string[] {
  try {
    resolveDetections(parseStackConfig({ ...base, ...raw }, "dev"));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

/** The subscription a resource was declared in through its explicit provider ("" = default provider). */
function subscriptionOf(run: StackRun, r: Declared): string {
  if (!r.provider) return "";
  const p = run.ofType(PROVIDER).find((x) => r.provider!.endsWith(`::${x.id}`));
  if (!p) throw new Error(`${r.name}: provider ${r.provider} not declared`);
  return p.inputs.subscriptionId;
}

/** The alerts each detection deploys: log search rules once, activity-log alerts per watched subscription. */
function rulesPerDetection(run: StackRun): Map<string, Declared[]> {
  const out = new Map<string, Declared[]>();
  for (const r of [...run.ofType(QUERY_RULE), ...run.ofType(ACTIVITY_ALERT)]) {
    const key = r.inputs.tags["azdetect-detection"];
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

describe("estate config: subscriptions or managementGroup", () => {
  it("defaults to the deploying subscription and a limit of 10 activity-log alert subscriptions", () => {
    const c = parseStackConfig(base, "dev");
    expect(c.estate).to.deep.equal({ mode: "current" });
    expect(c.activityLogAlertSubscriptionLimit).to.equal(10);
  });

  it("normalises ids to lower case, keeps names, and takes a management group's id or resource id", () => {
    expect(parseStackConfig({ ...base, subscriptions: [A.toUpperCase(), { id: B, name: " prod " }] }, "dev").estate)
      .to.deep.equal({ mode: "subscriptions", subscriptions: [{ id: A }, { id: B, name: "prod" }] });
    expect(parseStackConfig({ ...base, managementGroup: "/providers/Microsoft.Management/managementGroups/mg-lz" }, "dev").estate)
      .to.deep.equal({ mode: "managementGroup", managementGroupId: "mg-lz" });
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["a malformed id", { subscriptions: [A, "not-a-guid"] }, /^azdetect:subscriptions\[1\]: "not-a-guid" is not a subscription id — expected a GUID/],
    ["a malformed id in an object", { subscriptions: [{ id: "x", name: "prod" }] }, /^azdetect:subscriptions\[0\]\.id: "x" is not a subscription id/],
    ["a duplicate (case-insensitive)", { subscriptions: [A, B, A.toUpperCase()] }, new RegExp(`^azdetect:subscriptions\\[2\\]: duplicate subscription id ${A} \\(also at index 0\\)$`)],
    ["both keys", { subscriptions: [A], managementGroup: "mg-lz" }, /^azdetect:managementGroup: set either subscriptions or managementGroup, not both/],
    ["an empty list", { subscriptions: [] }, /^azdetect:subscriptions: list at least one subscription id, or remove the key/],
    ["not a list", { subscriptions: A }, /^azdetect:subscriptions: expected array/],
    ["an unknown key in an entry", { subscriptions: [{ id: A, nam: "x" }] }, /^azdetect:subscriptions\[0\]\.nam: unknown key — expected one of: id, name$/],
    ["a malformed management group id", { managementGroup: "mg/lz." }, /^azdetect:managementGroup: "mg\/lz\." is not a management group id — expected its id/],
    ["a limit above 100", { activityLogAlertSubscriptionLimit: 101 }, /^azdetect:activityLogAlertSubscriptionLimit: 101 is too large — at most 100$/],
    ["a diagnostics target outside the list", { subscriptions: [A], telemetry: { diagnostics: { targets: [{ resourceId: rid(B, "Microsoft.KeyVault/vaults", "kv") }] } } },
      new RegExp(`^azdetect:telemetry\\.diagnostics\\.targets\\[0\\]\\.resourceId: .* is in subscription ${B}, which is not in azdetect:subscriptions`)],
    ["an agent VM outside the list", { subscriptions: [A], telemetry: { agent: { vms: [{ id: rid(C, "Microsoft.Compute/virtualMachines", "vm"), os: "linux" }] } } },
      /^azdetect:telemetry\.agent\.vms\[0\]\.id: .* which is not in azdetect:subscriptions/],
    ["the policy initiatives with a list (they belong to a management group)", { subscriptions: [A], telemetry: { policy: { enabled: true } } },
      /^azdetect:telemetry\.policy\.enabled: the policy initiatives are assigned at a management group \(azdetect:managementGroup\), not per listed subscription/],
    ["Activity Log categories with a management group (the policy sends all eight)", { managementGroup: "mg-lz", telemetry: { activityLog: { categories: ["Administrative"] } } },
      /^azdetect:telemetry\.activityLog\.categories: cannot be chosen with azdetect:managementGroup/],
    ["a forced activity-log alert with a management group", { managementGroup: "mg-lz", overrides: { "azt301-1-runcommand": { alertKind: "activityLog" } } },
      /^azdetect:overrides\.azt301-1-runcommand\.alertKind: azt301-1-runcommand cannot be an activity-log alert — azdetect:managementGroup is set/],
    ["a forced activity-log alert over the limit", { subscriptions: subscriptions(3), activityLogAlertSubscriptionLimit: 2, overrides: { "azt301-1-runcommand": { alertKind: "activityLog" } } },
      /cannot be an activity-log alert — 3 subscriptions is over azdetect:activityLogAlertSubscriptionLimit \(2\)/],
  ];
  for (const [what, raw, re] of bad) {
    it(`rejects ${what}, naming the key`, () => {
      const ps = problems(raw);
      expect(ps.some((p) => re.test(p)), ps.join("\n")).to.equal(true);
    });
  }

  it("stops before any resource is declared", async () => {
    try {
      await runStack({ ...base, subscriptions: [A, A] });
      expect.fail("the program ran");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as { declared: unknown[] }).declared).to.deep.equal([]);
    }
  });
});

describe("estate under mocks", function () {
  this.timeout(120_000);
  const runs: Record<string, StackRun> = {};
  // Two tactics keep these runs quick: plain operation matches, log search rules, and Activity Log,
  // resource-log, agent and tenant-level (Entra ID) sources are all among them.
  const base = { location: "westeurope", resourceGroupName: "rg-azdetect", tactics: ["Execution", "Persistence"] };
  before(async () => {
    runs.current = await runStack(base);
    runs.one = await runStack({ ...base, subscriptions: [A] });
    runs.three = await runStack({
      ...base,
      subscriptions: [{ id: A, name: "prod" }, B, C],
      allowUnroutedAlerts: true,
      maintenanceWindows: [{ name: "patch-weekend", severities: [2, 3], recurrences: [{ type: "Weekly", daysOfWeek: ["Saturday"], startTime: "22:00:00", endTime: "23:59:59" }] }],
      telemetry: {
        diagnostics: { targets: [{ resourceId: rid(B, "Microsoft.Automation/automationAccounts", "aa-b") }] },
        agent: { vms: [{ id: rid(C, "Microsoft.Compute/virtualMachines", "vm-c"), os: "windows" }] },
      },
    }, { otherConfig: { "azure-native:tenantId": "99999999-8888-7777-6666-555555555555", "azure-native:clientId": "client-app", "azure-native:clientSecret": "s3cret" }, secretKeys: ["azure-native:clientSecret"] });
    runs.many = await runStack({ ...base, subscriptions: subscriptions(200) });
    runs.group = await runStack({ ...base, managementGroup: "mg-landing-zones", telemetry: { policy: { enabled: true } } });
  });

  it("one rule per detection on the workspace for 1 and 200 subscriptions and a management group: the rule count never grows", () => {
    const detections = runs.current.program.detections.length;
    for (const name of ["one", "many", "group"]) {
      const run = runs[name];
      const perDetection = rulesPerDetection(run);
      expect(run.ofType(QUERY_RULE).length + run.program.detections.filter((d) => d.alertKind === "activityLog").length, name).to.equal(detections);
      for (const r of run.ofType(QUERY_RULE)) expect(r.inputs.scopes, r.name).to.have.length(1);
      // One subscription: one alert (activity-log or log search) per detection; above the limit
      // and for a management group every detection is one log search rule.
      expect(perDetection.size, name).to.equal(detections);
      for (const [key, rules] of perDetection) expect(rules.length, `${name} ${key}`).to.equal(1);
    }
    expect(runs.many.ofType(ACTIVITY_ALERT)).to.deep.equal([]);
    expect(runs.group.ofType(ACTIVITY_ALERT)).to.deep.equal([]);
    expect(runs.many.ofType(QUERY_RULE).length).to.equal(detections);
  });

  it("a list: per subscription one explicit provider, one stack-named Activity Log setting through it, and its own activity-log alerts", () => {
    const run = runs.three;
    const providers = run.ofType(PROVIDER);
    expect(providers.map((p) => p.inputs.subscriptionId).sort()).to.deep.equal([A, B, C]);
    // The stack's azure-native settings reach the explicit providers; the secret stays a secret.
    for (const p of providers) expect(p.inputs).to.include({ tenantId: "99999999-8888-7777-6666-555555555555", clientId: "client-app", clientSecret: "s3cret" });
    expect(run.secretPaths[providers[0].name]).to.include("clientSecret");
    const settings = run.ofType(SETTING);
    expect(settings.map((s) => subscriptionOf(run, s)).sort()).to.deep.equal([A, B, C]);
    for (const s of settings) expect(s.inputs).to.include({ name: NAMES.subscriptionDiagnosticSetting(subscriptionOf(run, s)), workspaceId: run.outputs.workspaceId });
    const activityDetections = run.program.detections.filter((d) => d.alertKind === "activityLog");
    expect(activityDetections.length).to.be.greaterThan(10);
    const alerts = run.ofType(ACTIVITY_ALERT);
    expect(alerts).to.have.length(activityDetections.length * 3);
    for (const sub of [A, B, C]) {
      const here = alerts.filter((a) => subscriptionOf(run, a) === sub);
      expect(here.map((a) => a.inputs.tags["azdetect-detection"]).sort()).to.deep.equal(activityDetections.map((d) => d.key).sort());
      for (const a of here) {
        expect(a.inputs.scopes).to.deep.equal([`/subscriptions/${sub}`]);
        expect(a.inputs.resourceGroupName).to.equal("rg-azdetect-alerts");
      }
    }
    // The group holding them is the stack's own, one per subscription, created through its provider.
    const groups = run.ofType("azure-native:resources:ResourceGroup").filter((g) => g.provider);
    expect(groups.map((g) => [subscriptionOf(run, g), g.inputs.resourceGroupName]).sort()).to.deep.equal([[A, "rg-azdetect-alerts"], [B, "rg-azdetect-alerts"], [C, "rg-azdetect-alerts"]]);
    // A VM in a listed subscription gets the agent through that subscription's provider.
    const extension = run.ofType("azure-native:compute:VirtualMachineExtension");
    expect(extension.map((x) => [subscriptionOf(run, x), x.inputs.vmName])).to.deep.equal([[C, "vm-c"]]);
  });

  it("a maintenance window silences the activity-log alerts of every listed subscription: repeated in each, scoped to it, in the stack's alert group there", () => {
    const run = runs.three;
    const windows = run.ofType(APR);
    const main = windows.filter((w) => !w.provider);
    expect(main.map((w) => w.inputs.properties.scopes)).to.deep.equal([[`/subscriptions/${TEST_SUBSCRIPTION}`]]);
    const elsewhere = windows.filter((w) => w.provider);
    expect(elsewhere.map((w) => [subscriptionOf(run, w), w.inputs.properties.scopes[0]]).sort()).to.deep.equal([A, B, C].map((s) => [s, `/subscriptions/${s}`]));
    // The same window: the same conditions (this stack's rules), schedule and action everywhere.
    for (const w of elsewhere) {
      expect(w.inputs.properties.conditions).to.deep.equal(main[0].inputs.properties.conditions);
      expect(w.inputs.properties.schedule).to.deep.equal(main[0].inputs.properties.schedule);
      expect(w.inputs.properties.actions).to.deep.equal([{ actionType: "RemoveAllActionGroups" }]);
    }
    // Without activity-log alerts in the listed subscriptions (over the limit) the window stays single.
    expect(runs.many.ofType(APR)).to.deep.equal([]);
  });

  it("a single listed subscription and 200: one provider and setting each, growing only with the subscriptions", () => {
    expect(runs.one.ofType(PROVIDER)).to.have.length(1);
    expect(runs.one.ofType(SETTING).map((s) => subscriptionOf(runs.one, s))).to.deep.equal([A]);
    expect(runs.many.ofType(PROVIDER)).to.have.length(200);
    expect(runs.many.ofType(SETTING)).to.have.length(200);
    // Over the limit no alert group is needed in any subscription.
    expect(runs.many.ofType("azure-native:resources:ResourceGroup").filter((g) => g.provider)).to.deep.equal([]);
    const fixed = runs.current.resources.filter((r) => r.custom).length - runs.current.ofType(ACTIVITY_ALERT).length - runs.current.ofType(SETTING).length;
    const many = runs.many.resources.filter((r) => r.custom).length;
    expect(many).to.equal(fixed + runs.current.ofType(ACTIVITY_ALERT).length + 200 * 2);
  });

  it("the deploying subscription alone keeps its pre-estate shape: default provider, one setting, alerts on its own scope", () => {
    const run = runs.current;
    expect(run.ofType(PROVIDER)).to.deep.equal([]);
    expect(run.ofType(SETTING).map((s) => s.name)).to.deep.equal(["activity-log"]);
    for (const a of run.ofType(ACTIVITY_ALERT)) expect(a.inputs.scopes).to.deep.equal([`/subscriptions/${TEST_SUBSCRIPTION}`]);
  });

  it("a management group: the Activity Log policy assigned at the group, with an identity, its roles, the workspace role and a remediation task", () => {
    const run = runs.group;
    const scope = "/providers/Microsoft.Management/managementGroups/mg-landing-zones";
    const assignment = run.byName("policy-activity-log");
    expect(assignment.inputs).to.deep.include({
      scope, policyDefinitionId: ACTIVITY_LOG_POLICY.id, identity: { type: "SystemAssigned" }, location: "westeurope",
      policyAssignmentName: NAMES.managementGroupPolicyAssignment("mg-landing-zones", "activity-log"),
    });
    expect(assignment.inputs.policyAssignmentName.length).to.be.at.most(24);
    expect(assignment.inputs.parameters).to.deep.equal({ logAnalytics: { value: run.outputs.workspaceId }, effect: { value: "DeployIfNotExists" }, logsEnabled: { value: "True" } });
    const roles = run.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith("policy-activity-log"));
    expect(roles.map((r) => [r.inputs.scope, r.inputs.roleDefinitionId, r.inputs.principalId])).to.deep.equal([
      [scope, "/providers/Microsoft.Authorization/roleDefinitions/749f88d5-cbae-40b8-bcfc-e573ddc772fa", "principal-policy-activity-log"],
      [scope, "/providers/Microsoft.Authorization/roleDefinitions/92aaf0da-9dab-42b6-94a3-d43ce8d16293", "principal-policy-activity-log"],
      [run.outputs.workspaceId, `/subscriptions/${TEST_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/92aaf0da-9dab-42b6-94a3-d43ce8d16293`, "principal-policy-activity-log"],
    ]);
    const remediation = run.byName("remediation-activity-log");
    expect(remediation.type).to.equal("azure-native:policyinsights:RemediationAtManagementGroup");
    expect(remediation.inputs).to.deep.include({ managementGroupId: "mg-landing-zones", managementGroupsNamespace: "Microsoft.Management", policyAssignmentId: assignment.id, resourceDiscoveryMode: "ExistingNonCompliant", remediationName: remediation.inputs.remediationName });
    expect(remediation.inputs.remediationName).to.match(/-r1$/);
    // The initiatives go to the group too, each member the stack relies on with its remediation.
    expect(run.byName("policy-resource-logs").inputs.scope).to.equal(scope);
    expect(run.ofType("azure-native:policyinsights:RemediationAtManagementGroup").filter((r) => r.inputs.policyAssignmentId === run.byName("policy-resource-logs").id).map((r) => r.inputs.policyDefinitionReferenceId))
      .to.deep.equal(RESOURCE_LOGS_INITIATIVE.remediate.map((m) => m.referenceId));
    // No stack setting, no provider: the policy does it for every current and future subscription.
    expect(run.ofType(SETTING)).to.deep.equal([]);
    expect(run.ofType(PROVIDER)).to.deep.equal([]);
  });

  it("a new remediation round starts new remediation tasks (a management group's first ones run before Azure's first compliance scan)", async () => {
    const run = await runStack({ ...base, managementGroup: "mg-landing-zones", telemetry: { policy: { remediationRound: 2 } } }, { catalogue: [F.activity] });
    expect(run.byName("remediation-activity-log").inputs.remediationName).to.match(/-r2$/);
  });

  it("every alert carries the subscription: activity-log alerts as webhook properties, log search rules as the SubscriptionId dimension", () => {
    for (const name of ["current", "three", "many", "group"]) {
      const run = runs[name];
      for (const a of run.ofType(ACTIVITY_ALERT)) {
        const sub = name === "current" ? TEST_SUBSCRIPTION : subscriptionOf(run, a);
        for (const g of a.inputs.actions.actionGroups) expect(g.webhookProperties["azdetect-subscription-id"], a.name).to.equal(sub);
      }
      for (const r of run.ofType(QUERY_RULE)) {
        const d = DETECTIONS.find((x) => x.key === r.inputs.tags["azdetect-detection"])!;
        const dims = r.inputs.criteria.allOf[0].dimensions.map((x: { name: string }) => x.name);
        const tenantLevel = d.requires.every((q) => q.source === "entraId" || (q.source === "diagnostics" && q.resourceType === "Microsoft.Intune"));
        if (tenantLevel) {
          expect(dims, r.name).to.not.include("SubscriptionId");
          expect(r.inputs.actions.customProperties["azdetect-subscription"]).to.match(/^none: tenant-level/);
        } else {
          expect(dims, r.name).to.include("SubscriptionId");
          expect(r.inputs.criteria.allOf[0].query, r.name).to.contain("| extend SubscriptionId = ");
          expect(dims.length, r.name).to.be.at.most(6);
        }
      }
    }
    // Named subscriptions: the activity-log alert says the name, the query maps ids to names.
    const prod = runs.three.ofType(ACTIVITY_ALERT).find((a) => subscriptionOf(runs.three, a) === A)!;
    expect(prod.inputs.actions.actionGroups.every((g: { webhookProperties: Record<string, string> }) => g.webhookProperties["azdetect-subscription-name"] === "prod")).to.equal(true);
    const withNames = runs.three.ofType(QUERY_RULE).find((r) => r.inputs.criteria.allOf[0].query.includes("SubscriptionName"))!;
    expect(withNames.inputs.criteria.allOf[0].query).to.contain(`| extend SubscriptionName = case(SubscriptionId == "${A}", "prod", "")`);
  });

  it("touches nothing in a watched subscription but the stack's own settings, alert groups, alerts and agent; never a Deny", () => {
    for (const run of [runs.three, runs.many, runs.group]) {
      // Through a subscription's provider: only what the stack creates and names itself.
      const allowed = new Set([SETTING, ACTIVITY_ALERT, APR, "azure-native:resources:ResourceGroup", "azure-native:compute:VirtualMachineExtension"]);
      for (const r of run.resources.filter((x) => x.provider)) {
        expect(allowed.has(r.type), `${r.type} ${r.name}`).to.equal(true);
        if (r.type === SETTING) expect(r.inputs.name).to.equal(NAMES.subscriptionDiagnosticSetting(subscriptionOf(run, r)));
        if (r.type === "azure-native:resources:ResourceGroup") expect(r.inputs.resourceGroupName).to.equal("rg-azdetect-alerts");
        if (r.type === ACTIVITY_ALERT) expect(r.inputs.activityLogAlertName).to.match(/^azdetect-test-/);
        if (r.type === APR) expect([r.inputs.alertProcessingRuleName, r.inputs.resourceGroupName]).to.deep.equal(["azdetect-test-maintenance-patch-weekend", "rg-azdetect-alerts"]);
      }
      // Nothing existing is read into the stack's state, and destroy deletes all of it in a watched
      // subscription but the agent extension (keepAgentOnDestroy) and the alert group (emptied).
      for (const r of run.resources) expect(r.inputs, r.name).to.not.have.property("id");
      for (const r of run.resources.filter((x) => x.provider)) expect(r.retainOnDelete, r.name).to.equal(["azure-native:compute:VirtualMachineExtension", "azure-native:resources:ResourceGroup"].includes(r.type));
      // Policies: built-ins the stack knows, effect DeployIfNotExists, and none allows a Deny.
      for (const a of run.ofType("azure-native:authorization:PolicyAssignment")) {
        const policy = BUILT_IN_POLICIES.find((p) => p.id === a.inputs.policyDefinitionId)!;
        expect(policy, a.inputs.policyDefinitionId).to.not.equal(undefined);
        expect(a.inputs.parameters[policy.effect.parameter]).to.deep.equal({ value: "DeployIfNotExists" });
        expect(a.inputs.enforcementMode ?? "Default").to.equal("Default");
      }
    }
    for (const p of BUILT_IN_POLICIES) expect(p.effect.allowed.filter((e) => /deny|modify|append/i.test(e)), p.id).to.deep.equal([]);
  });

  it("telemetryBySubscription: delivered, pending and missing per watched subscription, or for the management group", () => {
    const three = runs.three.outputs.telemetryBySubscription;
    expect(Object.keys(three)).to.deep.equal([A, B, C]);
    expect(three[A].name).to.equal("prod");
    expect(three[A].sources.activityLog).to.match(/^delivered/);
    expect(three[A].sources["diagnostics:Microsoft.Automation/automationAccounts"]).to.match(/^missing \(no target of this type in this subscription\)/);
    expect(three[B].sources["diagnostics:Microsoft.Automation/automationAccounts"]).to.equal("delivered (1 target in telemetry.diagnostics.targets)");
    expect(three[C].sources["agent:windows"]).to.equal("delivered (1 VM in telemetry.agent.vms)");
    const group = runs.group.outputs.telemetryBySubscription["managementGroup:mg-landing-zones"];
    expect(group.sources.activityLog).to.match(/^pending \(Activity Log policy at management group mg-landing-zones/);
    expect(group.sources["diagnostics:Microsoft.Automation/automationAccounts"]).to.match(/^pending \(resource-logs initiative/);
    // Pending is not covered: a gap the warnings and telemetryGaps name as pending.
    expect(runs.group.outputs.telemetryGaps["azt301-1-runcommand"]).to.include("activityLog:Administrative (pending: the Activity Log policy at management group mg-landing-zones, until its remediation task has run — then list activityLog in telemetry.policy.remediated)");
    expect(runs.group.outputs.coverage.states["deployed-telemetry-missing"]).to.be.greaterThan(runs.current.outputs.coverage.states["deployed-telemetry-missing"]);
  });

  it("recorded remediation turns the management group's Activity Log into delivered", async () => {
    const run = await runStack({ ...base, managementGroup: "mg-landing-zones", telemetry: { policy: { remediated: ["activityLog"] } } }, { catalogue: [F.activity] });
    expect(run.outputs.telemetryBySubscription["managementGroup:mg-landing-zones"].sources.activityLog).to.match(/^delivered/);
    expect(Object.values(run.outputs.telemetryGaps as Record<string, string[]>).flat().filter((g) => g.startsWith("activityLog"))).to.deep.equal([]);
  });
});

describe("estate in the plan (npm run plan -- --format json)", function () {
  this.timeout(120_000);

  it("shows per subscription what is delivered, pending or missing, the coverage there, and which detections switched to log search at what cost", async () => {
    const plan = await buildPlan({
      ...base, allowUnroutedAlerts: true, subscriptions: subscriptions(12), tactics: ["Execution", "Persistence", "Credential Access"],
      telemetry: { diagnostics: { targets: [{ resourceId: rid(subscriptions(12)[0], "Microsoft.KeyVault/vaults", "kv") }] } },
    }, "dev");
    expect(plan.estate.mode).to.equal("subscriptions");
    expect(plan.estate.subscriptions).to.equal(12);
    expect(plan.estate.activityLogAlerts.perSubscription).to.equal(false);
    expect(plan.estate.activityLogAlerts.reason).to.match(/^12 subscriptions is over azdetect:activityLogAlertSubscriptionLimit \(10\)/);
    expect(plan.estate.scopes).to.have.length(12);
    const [first, second] = plan.estate.scopes;
    expect(first.sources.find((s) => s.source === "diagnostics:Microsoft.KeyVault/vaults")).to.deep.include({ status: "delivered", instances: 1 });
    expect(second.sources.find((s) => s.source === "diagnostics:Microsoft.KeyVault/vaults")).to.deep.include({ status: "missing" });
    // Key Vault detections are covered in the first subscription, not in the second.
    expect(first.coverage.deployed).to.be.greaterThan(second.coverage.deployed);
    const switched = plan.tactics.flatMap((t) => t.rules).filter((r) => r.logSearchBecause);
    expect(switched.length).to.be.greaterThan(10);
    expect(plan.cost.rules.estateLogSearch).to.deep.include({ rules: switched.length });
    expect(plan.cost.rules.estateLogSearch!.monthly).to.be.greaterThan(0);
    expect(plan.cost.rules.activityLogAlerts).to.equal(0);
  });

  it("counts the activity-log alerts per subscription below the limit, and the Activity Log sent from each", async () => {
    const plan = await buildPlan({ ...base, allowUnroutedAlerts: true, subscriptions: subscriptions(3), tactics: ["Persistence"] }, "dev");
    const alerts = plan.tactics.flatMap((t) => t.rules).filter((r) => r.alertKind === "activityLog");
    expect(alerts.every((r) => r.alerts === 3)).to.equal(true);
    expect(plan.cost.rules.activityLogAlerts).to.equal(alerts.length * 3);
    expect(plan.telemetry.read.find((s) => s.source === "activityLog")).to.deep.include({ instances: 3, instancesAssumed: false });
  });
});

describe("estate in the matrix (npm run matrix -- --subscription <id>)", function () {
  this.timeout(120_000);

  it("draws one watched subscription's coverage: a source delivered elsewhere is missing there", async () => {
    const fs = await import("fs");
    const os = await import("os");
    const path = await import("path");
    const { writeMatrix } = await import("../tools/matrix");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-estate-"));
    const file = path.join(dir, "Pulumi.estate.yaml");
    fs.writeFileSync(file, [
      "config:",
      "  azdetect:location: westeurope",
      "  azdetect:allowUnroutedAlerts: true",
      "  azdetect:tactics: [Credential Access]",
      `  azdetect:subscriptions: [${A}, ${B}]`,
      "  azdetect:telemetry:",
      "    diagnostics:",
      `      targets: [{ resourceId: ${rid(A, "Microsoft.KeyVault/vaults", "kv-a")} }]`,
      "",
    ].join("\n"));
    const missing = (html: string) => (html.match(/data-state="deployed-telemetry-missing"/g) ?? []).length;
    const a = fs.readFileSync(await writeMatrix(file, "estate", path.join(dir, "a.html"), A), "utf8");
    const b = fs.readFileSync(await writeMatrix(file, "estate", path.join(dir, "b.html"), B), "utf8");
    expect(a).to.contain(`subscription ${A}`);
    expect(missing(b)).to.be.greaterThan(missing(a));
    try {
      await writeMatrix(file, "estate", path.join(dir, "c.html"), C);
      expect.fail("an unwatched subscription was drawn");
    } catch (e) {
      expect((e as Error).message).to.match(new RegExp(`--subscription ${C}: not watched by stack estate — expected one of: ${A}, ${B}`));
    }
  });
});
