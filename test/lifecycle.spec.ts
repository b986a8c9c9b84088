// The stack's lifecycle under hostile and careless use (issue 13): destroy keeps what it says it
// keeps, names never collide, and config rejects what Azure refuses or misreads.
import { expect } from "chai";
import { runStack, TEST_SUBSCRIPTION, TEST_TENANT, type StackRun } from "../tools/mockStack";
import { destroyAudit } from "../tools/planning";
import { ConfigError, parseStackConfig, rawFromPulumiConfig } from "../config";
import { resolveDetections } from "../planning/resolve";
import { nameProblems, fitName, NAME_KIND_OF_TOKEN, NAME_RULES, type NameKind } from "../azure/names";
import { defaultIdentity, StackNames } from "../config/names";

const base = { location: "westeurope", allowUnroutedAlerts: true };
const VM = (sub: string, name = "vm-web-01") => `/subscriptions/${sub}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${name}`;
const KV = "/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-app";
/** Every kind of resource: telemetry of all sources, the policy path, action groups, a maintenance window. */
const everything = {
  ...base,
  telemetry: {
    entraId: { enabled: true },
    diagnostics: { targets: [{ resourceId: KV }] },
    agent: { vms: [{ id: VM(TEST_SUBSCRIPTION), os: "windows" }, { id: VM(TEST_SUBSCRIPTION, "vm-jump-01"), os: "linux" }] },
    policy: { enabled: true },
  },
  actionGroups: { soc: { shortName: "SOC", emails: ["soc@example.com"] } },
  routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["soc"] }],
  maintenanceWindows: [{ name: "patch", tactics: ["Execution", "Impact"], severities: [2, 3], recurrences: [{ type: "Daily", startTime: "22:00:00", endTime: "23:00:00" }] }],
};

/** The rule (azure/names.ts) each declared resource's Azure name must satisfy. */
const KIND_OF = NAME_KIND_OF_TOKEN;

function problemsOf(raw: Record<string, unknown>, stack = "dev"): string[] {
  try {
    resolveDetections(parseStackConfig(raw, stack));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe("destroy keeps what it says it keeps", () => {
  let run: StackRun;
  before(async () => {
    run = await runStack(everything, { stack: "dev" });
  });

  it("a destroy audit lists every declared resource, whether destroy deletes it and what it holds; no kept resource sits inside a deleted one", () => {
    const audit = destroyAudit(run);
    expect(audit.entries.length).to.equal(run.resources.filter((r) => r.custom).length);
    expect(audit.violations).to.deep.equal([]);
    const kept = [...new Set(audit.entries.filter((e) => !e.deleted).map((e) => e.type))].sort();
    // The evidence and its container stay; the agent stays (other tools rely on it); the rest is deleted one by one.
    expect(kept).to.deep.equal(["azure-native:compute:VirtualMachineExtension", "azure-native:operationalinsights:Workspace", "azure-native:resources:ResourceGroup"]);
    const workspace = audit.entries.find((e) => e.type === "azure-native:operationalinsights:Workspace")!;
    expect(workspace.contains).to.match(/evidence/);
    const group = audit.entries.find((e) => e.type === "azure-native:resources:ResourceGroup")!;
    expect(group.contains).to.match(/^\d+ of the stack's resources, and whatever else is put in it$/);
    for (const e of audit.entries.filter((x) => x.deleted)) expect(e.type, e.name).to.match(/monitor|alertsmanagement|authorization|aadiam/);
  });

  it("the audit fails a graph whose kept workspace sits in a deleted group (the graph before this fix)", () => {
    const unretainedGroup: StackRun = { ...run, resources: run.resources.map((r) => (r.type === "azure-native:resources:ResourceGroup" ? { ...r, retainOnDelete: false } : r)) };
    expect(destroyAudit(unretainedGroup).violations).to.have.length.greaterThan(0);
    expect(destroyAudit(unretainedGroup).violations[0]).to.match(/Workspace .* is kept but sits inside azure-native:resources:ResourceGroup/);
  });

  it("workspace.retainOnDelete false deletes the workspace; the group is still kept (it may hold what others put there)", async () => {
    const r = await runStack({ ...base, tactics: ["Execution"], workspace: { retainOnDelete: false } });
    const audit = destroyAudit(r);
    expect(audit.entries.filter((e) => !e.deleted).map((e) => e.type)).to.deep.equal(["azure-native:resources:ResourceGroup"]);
    expect(audit.violations).to.deep.equal([]);
  });
});

describe("every generated name is one Azure accepts, for hostile stack names too", () => {
  for (const stack of ["dev", "a", "my_stack.v2", "x".repeat(100), "Prod.EU-West_2"]) {
    it(`stack ${JSON.stringify(stack.length > 20 ? stack.slice(0, 8) + "…" : stack)}`, async () => {
      const r = await runStack({ ...everything, tactics: ["Execution", "Impact"] }, { stack });
      for (const d of r.resources.filter((x) => x.custom)) {
        const kind = KIND_OF[d.type];
        if (d.type === "azure-native:authorization:RoleAssignment") expect(d.inputs.roleAssignmentName).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        else if (kind) expect(nameProblems(kind, d.azureName), `${d.type} ${d.azureName}`).to.deep.equal([]);
        if (d.type === "azure-native:authorization:PolicyAssignment") expect(nameProblems("policyAssignmentDisplayName", d.inputs.displayName), d.inputs.displayName).to.deep.equal([]);
      }
    });
  }

  it("fitting keeps distinct names distinct and valid however long or odd", () => {
    const names = ["azdetect-" + "s".repeat(60) + "-agent-windows", "azdetect-" + "s".repeat(60) + "-agent-linux", "a.b", "a_b", "-x-", "日本語"];
    for (const kind of Object.keys(NAME_RULES) as NameKind[]) {
      const fitted = names.map((n) => fitName(kind, n));
      for (const f of fitted) expect(nameProblems(kind, f), `${kind} ${f}`).to.deep.equal([]);
      expect(new Set(fitted).size, kind).to.equal(names.length);
    }
  });

  it("policy assignments of a 48+ character stack stay distinct, display names within 128", async () => {
    const r = await runStack({ ...base, tactics: ["Execution", "Reconnaissance"], telemetry: { policy: { enabled: true }, agent: { vms: [{ id: VM(TEST_SUBSCRIPTION), os: "windows" }, { id: VM(TEST_SUBSCRIPTION, "l1"), os: "linux" }] } } }, { stack: "s".repeat(60) });
    const pa = r.ofType("azure-native:authorization:PolicyAssignment");
    expect(pa).to.have.length(3);
    expect(new Set(pa.map((p) => p.inputs.policyAssignmentName)).size).to.equal(3);
    for (const p of pa) {
      expect(p.inputs.policyAssignmentName.length).to.be.at.most(64);
      expect(p.inputs.displayName.length).to.be.at.most(128);
    }
  });
});

describe("two stacks in one tenant never share a name", () => {
  const OTHER_SUB = "22222222-3333-4444-5555-666666666666";
  const inSubscription = (subscriptionId: string) => ({
    "azure-native:authorization:getClientConfig": () => ({ subscriptionId, tenantId: TEST_TENANT, clientId: "c", objectId: "o" }),
  });
  /** [scope, Azure name] pairs a second deployment could fight over. */
  function claims(r: StackRun, subscription: string): string[] {
    return r.resources.filter((x) => x.custom && x.id).map((x) => {
      if (x.type === "azure-native:aadiam:DiagnosticSetting") return `tenant|entra-setting|${x.azureName}`;
      if (x.type === "azure-native:authorization:RoleAssignment") return `tenant|role-assignment|${x.inputs.roleAssignmentName}`;
      if (x.type === "azure-native:monitor:SubscriptionDiagnosticSetting" || x.type === "azure-native:authorization:PolicyAssignment" || x.type === "azure-native:resources:ResourceGroup") return `${subscription}|${x.type}|${x.azureName.toLowerCase()}`;
      if (x.type === "azure-native:monitor:DiagnosticSetting") return `${x.inputs.resourceUri.toLowerCase()}|setting|${x.azureName.toLowerCase()}`;
      if (x.type === "azure-native:compute:VirtualMachineExtension") return `${subscription}|${x.inputs.resourceGroupName}/${x.inputs.vmName}|extension|${x.azureName.toLowerCase()}`;
      if (x.type === "azure-native:monitor:DataCollectionRuleAssociation") return `${x.inputs.resourceUri.toLowerCase()}|association|${x.azureName.toLowerCase()}`;
      return `${subscription}|${String(x.inputs.resourceGroupName).toLowerCase()}|${x.type}|${x.azureName.toLowerCase()}`;
    });
  }

  for (const [what, a, b] of [
    // Names inside a resource group carry the stack name only (kept since 0.1.0, so deployed stacks
    // are not replaced): equal stack names need distinct groups, which the default group name
    // (azdetect-<stack>, the same for both) does not give: each sets resourceGroupName (README, Deploy).
    ["equal stack names in two projects, one subscription", { stack: "prod", organization: "org-a", sub: TEST_SUBSCRIPTION, group: "rg-security-a" }, { stack: "prod", organization: "org-b", sub: TEST_SUBSCRIPTION, group: "rg-security-b" }],
    ["one stack deployed to two subscriptions (two self-managed backends)", { stack: "prod", organization: "organization", sub: TEST_SUBSCRIPTION, group: "rg-security" }, { stack: "prod", organization: "organization", sub: OTHER_SUB, group: "rg-security" }],
    ["stack names where one starts with the other, one shared group", { stack: "dev", organization: "organization", sub: TEST_SUBSCRIPTION, group: "rg-security" }, { stack: "dev-eu", organization: "organization", sub: TEST_SUBSCRIPTION, group: "rg-security" }],
  ] as const) {
    it(what, async () => {
      // Existing groups; each stack installs the agent on its own VM (a VM has one agent extension:
      // a second stack on it sets installAgent: false, docs/telemetry.md) and both associate a shared VM.
      const cfg = (x: typeof a | typeof b) => ({ ...everything, resourceGroupName: x.group, createResourceGroup: false, tactics: ["Execution", "Impact"], telemetry: { ...everything.telemetry, agent: { vms: [{ id: VM(x.sub, `vm-${x.organization}-${x.stack}`), os: "windows" }, { id: VM(TEST_SUBSCRIPTION, "vm-shared"), os: "windows", installAgent: false }] } } });
      const ra = await runStack(cfg(a), { stack: a.stack, organization: a.organization, calls: inSubscription(a.sub) });
      const rb = await runStack(cfg(b), { stack: b.stack, organization: b.organization, calls: inSubscription(b.sub) });
      const mine = claims(ra, a.sub);
      expect(mine.filter((c) => claims(rb, b.sub).includes(c))).to.deep.equal([]);
      expect(mine.some((c) => c.startsWith("tenant|entra-setting|")) && mine.some((c) => c.startsWith("tenant|role-assignment|"))).to.equal(true);
      // Each stack's maintenance window matches its own rules only (within one subscription, its scope).
      const rules = (r: StackRun) => [...r.ofType("azure-native:monitor:ScheduledQueryRule"), ...r.ofType("azure-native:monitor:ActivityLogAlert")];
      for (const [own, other, sub] of [[ra, rb, a.sub], [rb, ra, b.sub]] as const) {
        const windows = own.ofType("azure-native:alertsmanagement:AlertProcessingRuleByName");
        for (const w of windows) expect(w.inputs.properties.scopes).to.deep.equal([`/subscriptions/${sub}`]);
        const values = windows.flatMap((w) => w.inputs.properties.conditions[0].values as string[]);
        // Stacks in two subscriptions are apart by the windows' scope already.
        if (a.sub === b.sub) expect(rules(other).filter((x) => values.some((v) => x.inputs.description.includes(v)))).to.deep.equal([]);
        const silenced = rules(own).filter((x) => values.some((v) => x.inputs.description.includes(v)));
        expect(silenced.length).to.be.greaterThan(0);
        for (const x of silenced) expect(["Execution", "Impact"]).to.include(x.inputs.tags["azdetect-tactic"]);
      }
    });
  }
});

describe("config rejects what Azure refuses or misreads (each case named in issue 13)", () => {
  const WS = "/subscriptions/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-sec";
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["10,000 allowlisted callers (queries over 64 KB)", { ...base, allowlists: { callers: Array.from({ length: 10_000 }, (_, i) => `user${i}@contoso.com`) } },
      /^azdetect:allowlists\.callers: its 10,000 entries make \d+ log search rules bigger than Azure accepts \(.* at most 64 KB of rule properties, query included\) — shorten the list/],
    ["one 70,000-character caller", { ...base, allowlists: { callers: ["x".repeat(70_000)] } }, /^azdetect:allowlists\.callers: its 1 entries make \d+ log search rules bigger than Azure accepts/],
    ["a numeric parameter of 1e20", { ...base, overrides: { "azt202-password-spray": { parameters: { minUsers: 1e20 } } } }, /parameters\.minUsers: 100000000000000000000 is outside the range a query can use/],
    ["a threshold of 1e20", { ...base, overrides: { "azt301-1-runcommand": { threshold: 1e20 } } }, /^azdetect:overrides\.azt301-1-runcommand\.threshold: .* too large/],
    ["a whitespace-only caller", { ...base, allowlists: { callers: ["  "] } }, /^azdetect:allowlists\.callers\[0\]: "  " is only white space/],
    ["a duplicate allowlist entry (ignoring case)", { ...base, allowlists: { callers: ["ci@contoso.com", "CI@contoso.com"] } }, /^azdetect:allowlists\.callers\[1\]: "CI@contoso\.com" repeats entry 0/],
    ["location westeurop", { ...base, location: "westeurop" }, /^azdetect:location: "westeurop" is not an Azure region — did you mean westeurope\?/],
    ["a VM location that is not a region", { ...base, telemetry: { agent: { vms: [{ id: VM(TEST_SUBSCRIPTION), os: "windows", location: "eu-west" }] } } }, /^azdetect:telemetry\.agent\.vms\[0\]\.location: "eu-west" is not an Azure region/],
    ["createResourceGroup false without a group name", { ...base, createResourceGroup: false }, /^azdetect:createResourceGroup: false means the group exists already, but azdetect:resourceGroupName does not name it/],
    ["a workspace id ending in ?api-version=", { ...base, workspace: { existingId: `${WS}?api-version=2022-10-01` } }, /^azdetect:workspace\.existingId: .* has a query string or fragment \(\?api-version=2022-10-01\) — give the resource id alone/],
    ["a workspace name Azure refuses", { ...base, workspace: { name: "law_sec" } }, /^azdetect:workspace\.name: "law_sec" contains "_" — Azure accepts Microsoft\.OperationalInsights\/workspaces names of 4-63 letters/],
    ["a resource group name ending in a period", { ...base, resourceGroupName: "rg-sec." }, /^azdetect:resourceGroupName: "rg-sec\." ends with "\."/],
    ["30 February in a maintenance window", { ...base, maintenanceWindows: [{ name: "w", effectiveFrom: "2026-02-30T00:00:00", effectiveUntil: "2026-03-02T00:00:00" }] }, /^azdetect:maintenanceWindows\[0\]\.effectiveFrom: "2026-02-30T00:00:00" is not a date that exists/],
    ["an invented time zone", { ...base, maintenanceWindows: [{ name: "w", timeZone: "Central Europe Time", recurrences: [{ type: "Daily" }] }] }, /^azdetect:maintenanceWindows\[0\]\.timeZone: "Central Europe Time" is not a Windows time zone id — did you mean .*"Central Europe Standard Time"/],
    ["more tags than Azure allows once the stack's own are added", { ...base, tags: Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`t${i}`, "v"])) }, /^azdetect:tags: 47 tags — Azure allows 50 per resource and the stack adds 4 of its own to each rule .*: at most 46/],
    ["a tag name with /", { ...base, tags: { "cost/center": "x" } }, /^azdetect:tags\.cost\/center: "cost\/center" contains "\/"/],
    ["a tag name with <", { ...base, tags: { "<b>": "x" } }, /^azdetect:tags\.<b>: "<b>" contains "<", ">"/],
    ["a tag the stack sets itself", { ...base, tags: { "Azdetect-Stack": "x" } }, /^azdetect:tags\.Azdetect-Stack: is a tag the stack sets itself/],
  ];
  for (const [what, raw, re] of cases) {
    it(`rejects ${what}`, () => {
      const p = problemsOf(raw);
      expect(p.some((x) => re.test(x)), `problems:\n${p.join("\n").slice(0, 3000)}`).to.equal(true);
    });
  }

  it("accepts numbers YAML reads for text keys, as text: group 12345, tag values, a window named 2024", () => {
    const raw = rawFromPulumiConfig({ "azdetect:location": "westeurope", "azdetect:resourceGroupName": "12345", "azdetect:createResourceGroup": "false", "azdetect:tags": JSON.stringify({ costcenter: 4711, billable: true }) });
    const cfg = parseStackConfig({ ...raw, maintenanceWindows: [{ name: 2024, recurrences: [{ type: "Daily" }] }] }, "dev");
    expect(cfg.resourceGroupName).to.equal("12345");
    expect(cfg.tags).to.deep.equal({ costcenter: "4711", billable: "true" });
    expect(cfg.routing.maintenanceWindows[0].name).to.equal("2024");
  });

  it("a stack name whose default workspace name Azure would refuse still gets a valid, distinct one", () => {
    const a = parseStackConfig(base, "my_stack.v2"), b = parseStackConfig(base, "my-stack-v2");
    expect(a.workspace.mode === "create" && nameProblems("workspace", a.workspace.name)).to.deep.equal([]);
    expect(a.workspace.mode === "create" && b.workspace.mode === "create" && a.workspace.name !== b.workspace.name).to.equal(true);
  });

  it("reports a misspelt azdetect namespace instead of ignoring it (every tactic would deploy)", () => {
    expect(() => rawFromPulumiConfig({ "azdetct:tactics": '["Execution"]', "azdetect:location": "westeurope", "azure-native:location": "westeurope" }))
      .to.throw(ConfigError, /azdetct:tactics: unknown config namespace "azdetct" — did you mean azdetect:tactics\?/);
    expect(() => rawFromPulumiConfig({ "AzDetect:tags": "{}" })).to.throw(ConfigError, /did you mean azdetect:tags/);
  });

  it("rule markers carry the stack's token: a stack's window values never match another stack's markers", () => {
    const a = new StackNames(defaultIdentity("dev")), b = new StackNames(defaultIdentity("dev-eu"));
    expect(a.ruleMarkers(2, "azt301-1-runcommand")).to.equal(`azdetect-${a.token}-s2-azt3 azdetect-${a.token}-azt3-s2`);
    expect(b.ruleMarkers(2, "azt301-1-runcommand")).not.to.contain(a.marker());
  });
});
