// Telemetry deployed in the same graph as the rules, under Pulumi's mocks: the exact resources
// and inputs per config, the gaps output, and errors for bad input.
import { expect } from "chai";
import { readFileSync } from "fs";
import { join } from "path";
import { parse as parseYaml } from "yaml";
import { runStack, TEST_SUBSCRIPTION, valueOf, type StackRun } from "../tools/mockStack";
import { defaultIdentity, StackNames } from "../config/names";

/** The names of stack "test" under the mocks (organization "organization", project azdetect). */
const NAMES = new StackNames(defaultIdentity("test"));
import { ConfigError, parseStackConfig } from "../config";
import { levelsFrom } from "../planning/telemetry";
import { F, IDS, XPATH_4104, XPATH_4624 } from "./telemetry-fixtures";

const TELEMETRY_TYPES = [
  "azure-native:monitor:SubscriptionDiagnosticSetting",
  "azure-native:aadiam:DiagnosticSetting",
  "azure-native:monitor:DiagnosticSetting",
  "azure-native:monitor:DataCollectionRule",
  "azure-native:monitor:DataCollectionRuleAssociation",
  "azure-native:compute:VirtualMachineExtension",
  "azure-native:authorization:PolicyAssignment",
  "azure-native:authorization:RoleAssignment",
  "azure-native:policyinsights:RemediationAtManagementGroup",
];
/** Every Azure resource type the stack may declare: nothing the user owns is ever managed. */
const STACK_OWNED_TYPES = [
  "azure-native:resources:ResourceGroup",
  "azure-native:operationalinsights:Workspace",
  "azure-native:monitor:ActivityLogAlert",
  "azure-native:monitor:ScheduledQueryRule",
  ...TELEMETRY_TYPES,
];

const WORKSPACE = `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/azdetect-test/providers/operationalinsights.Workspace/azdetect-test`;
const dcrId = (os: string) => `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/azdetect-test/providers/monitor.DataCollectionRule/azdetect-test-${os}`;
const telemetryOf = (run: StackRun) => run.resources.filter((r) => TELEMETRY_TYPES.includes(r.type));
const base = { location: "westeurope" };

describe("telemetry under mocks", () => {
  it("default config: exactly one Activity Log export with the needed categories", async () => {
    const run = await runStack(base, { catalogue: [F.activity] });
    expect(telemetryOf(run).map((r) => r.type)).to.deep.equal(["azure-native:monitor:SubscriptionDiagnosticSetting"]);
    expect(run.ofType("azure-native:monitor:SubscriptionDiagnosticSetting")[0].inputs).to.deep.equal({
      name: NAMES.subscriptionDiagnosticSetting(TEST_SUBSCRIPTION),
      workspaceId: WORKSPACE,
      logs: [{ category: "Administrative", enabled: true }],
    });
    expect(run.outputs.telemetryGaps).to.deep.equal({});
  });

  it("the real catalogue with the default config deploys its Activity Log export", async () => {
    const run = await runStack({ ...base, tactics: ["Execution"] });
    expect(run.ofType("azure-native:monitor:SubscriptionDiagnosticSetting")).to.have.length(1);
    expect(run.outputs.telemetryGaps).to.be.an("object");
  });

  it("a selection that needs nothing declares no telemetry resource, even with targets and VMs listed", async () => {
    const run = await runStack({
      ...base,
      telemetry: { diagnostics: { targets: [{ resourceId: IDS.keyVault }] }, agent: { vms: [{ id: IDS.winVm, os: "windows" }] } },
    }, { catalogue: [F.nothing] });
    expect(telemetryOf(run)).to.deep.equal([]);
    expect(run.outputs.telemetryGaps).to.deep.equal({});
  });

  it("every source: exact resources and inputs", async () => {
    const run = await runStack({
      ...base,
      telemetry: {
        entraId: { enabled: true },
        diagnostics: { targets: [{ resourceId: IDS.keyVault }, { resourceId: IDS.storage }, { resourceId: IDS.automation }] },
        agent: { vms: [{ id: IDS.winVm, os: "windows" }, { id: IDS.linuxVm, os: "linux", location: "northeurope" }] },
      },
    }, { catalogue: [F.activity, F.signIn, F.keyVault, F.blob, F.jobs, F.scriptBlock, F.logons, F.ssh] });

    expect(run.outputs.telemetryGaps).to.deep.equal({});
    const count: Record<string, number> = {};
    for (const r of telemetryOf(run)) count[r.type] = (count[r.type] ?? 0) + 1;
    expect(count).to.deep.equal({
      "azure-native:monitor:SubscriptionDiagnosticSetting": 1,
      "azure-native:aadiam:DiagnosticSetting": 1,
      "azure-native:monitor:DiagnosticSetting": 3,
      "azure-native:monitor:DataCollectionRule": 2,
      "azure-native:monitor:DataCollectionRuleAssociation": 2,
      "azure-native:compute:VirtualMachineExtension": 2,
    });

    expect(run.byName("entra-id").inputs).to.deep.equal({ name: NAMES.entraDiagnosticSetting(TEST_SUBSCRIPTION), workspaceId: WORKSPACE, logs: [{ category: "SignInLogs", enabled: true }] });

    const diag: Record<string, any> = Object.fromEntries(run.ofType("azure-native:monitor:DiagnosticSetting").map((r) => [r.inputs.resourceUri, r.inputs]));
    expect(diag).to.deep.equal({
      [IDS.keyVault]: { resourceUri: IDS.keyVault, name: NAMES.resourceDiagnosticSetting(TEST_SUBSCRIPTION, true), workspaceId: WORKSPACE, logs: [{ category: "AuditEvent", enabled: true }], logAnalyticsDestinationType: "Dedicated" },
      [`${IDS.storage}/blobServices/default`]: {
        resourceUri: `${IDS.storage}/blobServices/default`, name: NAMES.resourceDiagnosticSetting(TEST_SUBSCRIPTION, true), workspaceId: WORKSPACE,
        logs: [{ category: "StorageRead", enabled: true }, { category: "StorageWrite", enabled: true }], logAnalyticsDestinationType: "Dedicated",
      },
      [IDS.automation]: { resourceUri: IDS.automation, name: NAMES.resourceDiagnosticSetting(TEST_SUBSCRIPTION, false), workspaceId: WORKSPACE, logs: [{ category: "JobLogs", enabled: true }, { category: "JobStreams", enabled: true }] },
    });
    for (const s of Object.values(diag)) for (const l of s.logs as object[]) expect(l).to.not.have.property("categoryGroup");

    const destinations = { logAnalytics: [{ name: "workspace", workspaceResourceId: WORKSPACE }] };
    expect(run.byName("dcr-windows").inputs).to.deep.include({
      dataCollectionRuleName: "azdetect-test-windows",
      resourceGroupName: "azdetect-test",
      location: "westeurope",
      kind: "Windows",
      dataSources: { windowsEventLogs: [
        { name: "eventLogs", streams: ["Microsoft-Event"], xPathQueries: [XPATH_4104] },
        { name: "securityEvents", streams: ["Microsoft-SecurityEvent"], xPathQueries: [XPATH_4624] },
      ] },
      destinations,
      dataFlows: [{ streams: ["Microsoft-Event"], destinations: ["workspace"] }, { streams: ["Microsoft-SecurityEvent"], destinations: ["workspace"] }],
    });
    expect(run.byName("dcr-linux").inputs).to.deep.include({
      dataCollectionRuleName: "azdetect-test-linux",
      kind: "Linux",
      dataSources: { syslog: [{ name: "syslog-1", streams: ["Microsoft-Syslog"], facilityNames: ["auth", "authpriv"], logLevels: levelsFrom("Info") }] },
      destinations,
      dataFlows: [{ streams: ["Microsoft-Syslog"], destinations: ["workspace"] }],
    });

    const ext = Object.fromEntries(run.ofType("azure-native:compute:VirtualMachineExtension").map((r) => [r.inputs.vmName, r.inputs]));
    expect(ext["vm-win-01"]).to.deep.include({
      resourceGroupName: "rg-vms", vmExtensionName: "AzureMonitorWindowsAgent", publisher: "Microsoft.Azure.Monitor", type: "AzureMonitorWindowsAgent",
      typeHandlerVersion: "1.0", autoUpgradeMinorVersion: true, enableAutomaticUpgrade: true, location: "westeurope",
    });
    // Microsoft's own Resource Manager samples (resource-manager-agent.md): Linux 1.21, no 1.0.x Linux release exists.
    expect(ext["vm-lnx-01"]).to.deep.include({ type: "AzureMonitorLinuxAgent", vmExtensionName: "AzureMonitorLinuxAgent", typeHandlerVersion: "1.21", location: "northeurope", resourceGroupName: "rg-vms" });

    const assoc = run.ofType("azure-native:monitor:DataCollectionRuleAssociation").map((r) => r.inputs);
    expect(assoc).to.have.deep.members([
      { resourceUri: IDS.winVm, associationName: NAMES.dataCollectionRuleAssociation(TEST_SUBSCRIPTION, "windows"), dataCollectionRuleId: dcrId("windows"), description: "azdetect: collect what the deployed detections read" },
      { resourceUri: IDS.linuxVm, associationName: NAMES.dataCollectionRuleAssociation(TEST_SUBSCRIPTION, "linux"), dataCollectionRuleId: dcrId("linux"), description: "azdetect: collect what the deployed detections read" },
    ]);
  });

  it("telemetry components are children of the suite and declare only stack-owned resource types", async () => {
    const run = await runStack({
      ...base,
      workspace: { existingId: IDS.workspace },
      telemetry: { entraId: { enabled: true }, diagnostics: { targets: [{ resourceId: IDS.keyVault }] }, agent: { vms: [{ id: IDS.winVm, os: "windows" }] }, policy: { enabled: true } },
    }, { catalogue: [F.activity, F.signIn, F.keyVault, F.scriptBlock] });
    for (const r of run.resources.filter((x) => x.custom)) expect(STACK_OWNED_TYPES, r.type).to.include(r.type);
    expect(run.ofType("azure-native:operationalinsights:Workspace")).to.deep.equal([]);
    // The existing workspace is referenced by id everywhere.
    expect(run.byName("activity-log").inputs.workspaceId).to.equal(IDS.workspace);
    expect(run.byName("dcr-windows").inputs.destinations.logAnalytics[0].workspaceResourceId).to.equal(IDS.workspace);
    const components = run.resources.filter((r) => !r.custom).map((r) => r.type);
    expect(components).to.include.members(["azdetect:index:TelemetryActivityLog", "azdetect:index:TelemetryEntraId", "azdetect:index:TelemetryDiagnostics", "azdetect:index:TelemetryAgent", "azdetect:index:TelemetryPolicy"]);
  });

  it("policy scale path: initiatives at subscription scope with a system identity and its roles", async () => {
    const run = await runStack({ ...base, telemetry: { policy: { enabled: true, remediated: ["resourceLogs", "agent"] } } }, { catalogue: [F.jobs, F.scriptBlock] });
    expect(run.outputs.telemetryGaps).to.deep.equal({});
    const scope = `/subscriptions/${TEST_SUBSCRIPTION}`;
    const assignments = Object.fromEntries(run.ofType("azure-native:authorization:PolicyAssignment").map((r) => [r.name, r.inputs]));
    expect(assignments).to.have.keys("policy-resource-logs", "policy-agent-windows");
    expect(assignments["policy-resource-logs"]).to.deep.include({
      policyAssignmentName: NAMES.policyAssignment(TEST_SUBSCRIPTION, "resource-logs"), scope, location: "westeurope", identity: { type: "SystemAssigned" },
      policyDefinitionId: "/providers/Microsoft.Authorization/policySetDefinitions/0884adba-2312-4468-abeb-5422caed1038",
      parameters: { logAnalytics: { value: WORKSPACE }, effect: { value: "DeployIfNotExists" } },
    });
    expect(assignments["policy-agent-windows"]).to.deep.include({
      policyDefinitionId: "/providers/Microsoft.Authorization/policySetDefinitions/9575b8b7-78ab-4281-b53b-d3c1ace2260b",
      parameters: { DcrResourceId: { value: dcrId("windows") }, effect: { value: "DeployIfNotExists" } },
    });
    // At the deploying subscription the remediation tasks are the user's (docs/telemetry.md).
    expect(run.ofType("azure-native:policyinsights:RemediationAtSubscription")).to.deep.equal([]);
    const roles = run.ofType("azure-native:authorization:RoleAssignment").map((r) => [r.name, r.inputs.principalId, r.inputs.roleDefinitionId.split("/").pop(), r.inputs.scope, r.inputs.principalType]);
    expect(roles).to.have.deep.members([
      ["policy-resource-logs-log-analytics-contributor", "principal-policy-resource-logs", "92aaf0da-9dab-42b6-94a3-d43ce8d16293", scope, "ServicePrincipal"],
      ["policy-agent-windows-virtual-machine-contributor", "principal-policy-agent-windows", "9980e02c-c2be-4d73-94e8-173b1dc7cf3c", scope, "ServicePrincipal"],
      // The Arc-enabled server member (AzureMonitor_Agent_Windows_HybridVM_DINE) lists this role.
      ["policy-agent-windows-azure-connected-machine-resource-administrator", "principal-policy-agent-windows", "cd570a14-e51a-42ad-bac8-bafd67325302", scope, "ServicePrincipal"],
      ["policy-agent-windows-monitoring-contributor", "principal-policy-agent-windows", "749f88d5-cbae-40b8-bcfc-e573ddc772fa", scope, "ServicePrincipal"],
      ["policy-agent-windows-log-analytics-contributor", "principal-policy-agent-windows", "92aaf0da-9dab-42b6-94a3-d43ce8d16293", scope, "ServicePrincipal"],
    ]);
    for (const r of run.ofType("azure-native:authorization:RoleAssignment")) expect(r.inputs.roleAssignmentName).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The DCR exists for the policy to associate VMs with, though no VM is listed.
    expect(run.ofType("azure-native:monitor:DataCollectionRuleAssociation")).to.deep.equal([]);
    expect(run.ofType("azure-native:compute:VirtualMachineExtension")).to.deep.equal([]);
  });

  it("telemetry disabled: no telemetry resource, one gap per missing source in telemetryGaps and in the warnings", async () => {
    const run = await runStack({ ...base, telemetry: { activityLog: { enabled: false } } }, { catalogue: [F.activity, F.signIn, F.keyVault, F.scriptBlock] });
    expect(telemetryOf(run)).to.deep.equal([]);
    expect(run.outputs.telemetryGaps).to.deep.equal({
      "azt900-activity": ["activityLog:Administrative (telemetry.activityLog.enabled is false)"],
      "azt900-signin": ["entraId:SignInLogs (telemetry.entraId.enabled is false)"],
      "azt900-keyvault": ["diagnostics:Microsoft.KeyVault/vaults (no target of that type in telemetry.diagnostics.targets)"],
      "azt900-scriptblock": ["activityLog:Administrative (telemetry.activityLog.enabled is false)", "agent:windows (no Windows VM in telemetry.agent.vms)"],
    });
    expect(run.program.warnings.filter((w) => w.startsWith("telemetry gap:"))).to.have.length(5);
    // Detections with gaps are still deployed by default.
    expect(run.ofType("azure-native:monitor:ScheduledQueryRule")).to.have.length(4);
  });

  it("skipDetectionsWithoutTelemetry: rules only for detections whose telemetry is deployed", async () => {
    const run = await runStack({ ...base, telemetry: { skipDetectionsWithoutTelemetry: true } }, { catalogue: [F.activity, F.signIn, F.keyVault] });
    expect(run.ofType("azure-native:monitor:ScheduledQueryRule").map((r) => r.name)).to.deep.equal(["azt900-activity"]);
    expect(run.outputs.telemetryGaps).to.have.keys("azt900-signin", "azt900-keyvault");
  });

  it("the agent extension is kept on destroy by default (retainOnDelete), removable by config; nothing else is retained or protected", async () => {
    const { TelemetryAgent } = await import("../components/TelemetryAgent");
    const opts = async (keepAgentOnDestroy: boolean) => {
      const seen: Record<string, { retainOnDelete?: boolean; protect?: boolean }> = {};
      await runStack(base, { catalogue: [F.nothing] }); // installs the mocks
      const agent = new TelemetryAgent("t", {
        stack: "test", location: "westeurope", resourceGroupName: "rg", workspaceId: WORKSPACE, subscriptionId: TEST_SUBSCRIPTION, tags: {},
        agent: { windows: { xPathQueries: { "Microsoft-Event": [XPATH_4104] } }, vms: [{ id: IDS.winVm, os: "windows", installAgent: true }], keepAgentOnDestroy },
      }, { transformations: [(a) => { seen[a.type] = { retainOnDelete: a.opts.retainOnDelete, protect: a.opts.protect }; return undefined; }] });
      await valueOf(agent.dataCollectionRuleIds.windows!);
      return seen;
    };
    const kept = await opts(true);
    expect(kept["azure-native:compute:VirtualMachineExtension"]).to.deep.equal({ retainOnDelete: true, protect: undefined });
    expect(kept["azure-native:monitor:DataCollectionRule"]).to.deep.equal({ retainOnDelete: undefined, protect: undefined });
    expect(kept["azure-native:monitor:DataCollectionRuleAssociation"]).to.deep.equal({ retainOnDelete: undefined, protect: undefined });
    expect((await opts(false))["azure-native:compute:VirtualMachineExtension"].retainOnDelete).to.equal(false);
  });

  it("a VM outside the stack's subscription cannot get the extension: a clear error names the key", async () => {
    const { vmSubscriptionProblem } = await import("../components/TelemetryAgent");
    expect(vmSubscriptionProblem(IDS.winVm, TEST_SUBSCRIPTION.toUpperCase())).to.equal(undefined);
    expect(vmSubscriptionProblem(IDS.winVm.replace(TEST_SUBSCRIPTION, "11111111-2222-3333-4444-555555555555"), TEST_SUBSCRIPTION))
      .to.match(/^azdetect:telemetry\.agent\.vms: .* is in subscription 11111111-2222-3333-4444-555555555555, but the stack deploys to .* set installAgent: false/);
  });

  it("installAgent false: association only, the existing agent is left alone", async () => {
    const run = await runStack({ ...base, telemetry: { agent: { vms: [{ id: IDS.winVm, os: "windows", installAgent: false }] } } }, { catalogue: [F.scriptBlock] });
    expect(run.ofType("azure-native:compute:VirtualMachineExtension")).to.deep.equal([]);
    expect(run.ofType("azure-native:monitor:DataCollectionRuleAssociation").map((r) => r.inputs.resourceUri)).to.deep.equal([IDS.winVm]);
  });

  it("the example stack's telemetry section parses and deploys", async () => {
    const doc = parseYaml(readFileSync(join(__dirname, "..", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const config = Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace(/^azdetect:/, ""), v]));
    expect(config).to.have.property("telemetry");
    const run = await runStack(config, { stack: "dev" });
    expect(run.ofType("azure-native:monitor:SubscriptionDiagnosticSetting")).to.have.length(1);
  });
});

describe("telemetry config errors name the key", () => {
  const S = TEST_SUBSCRIPTION;
  const bad = (telemetry: unknown) => () => parseStackConfig({ ...base, telemetry }, "test");
  const cases: [string, unknown, RegExp][] = [
    ["malformed resource id", { diagnostics: { targets: [{ resourceId: "/subscriptions/x/kv" }] } }, /azdetect:telemetry\.diagnostics\.targets\[0\]\.resourceId: "\/subscriptions\/x\/kv" is not an Azure resource id/],
    ["VM id where a Key Vault-like target is required", { diagnostics: { targets: [{ resourceId: IDS.winVm }] } }, /azdetect:telemetry\.diagnostics\.targets\[0\]\.resourceId: .* is a Microsoft\.Compute\/virtualMachines — expected a resource of one of: Microsoft\.KeyVault\/vaults/],
    ["Key Vault id where a VM is required", { agent: { vms: [{ id: IDS.keyVault, os: "windows" }] } }, /azdetect:telemetry\.agent\.vms\[0\]\.id: .* is a Microsoft\.KeyVault\/vaults — expected a Microsoft\.Compute\/virtualMachines resource id/],
    ["unknown OS", { agent: { vms: [{ id: IDS.winVm, os: "macos" }] } }, /azdetect:telemetry\.agent\.vms\[0\]\.os: "macos" is not allowed — expected one of: windows, linux/],
    ["unknown log category", { diagnostics: { targets: [{ resourceId: IDS.keyVault, categories: ["AuditEvents"] }] } }, /azdetect:telemetry\.diagnostics\.targets\[0\]\.categories\[0\]: "AuditEvents" is not a log category of Microsoft\.KeyVault\/vaults — expected one of: AuditEvent, AzurePolicyEvaluationDetails/],
    ["storage category on an NSG", { diagnostics: { targets: [{ resourceId: IDS.nsg, categories: ["StorageRead"] }] } }, /targets\[0\]\.categories\[0\]: "StorageRead" is not a log category of Microsoft\.Network\/networkSecurityGroups/],
    ["unknown Activity Log category", { activityLog: { categories: ["Admin"] } }, /azdetect:telemetry\.activityLog\.categories\[0\]: "Admin" is not allowed — expected one of: Administrative/],
    ["unknown Entra category", { entraId: { enabled: true, categories: ["SigninLogs"] } }, /azdetect:telemetry\.entraId\.categories\[0\]: "SigninLogs" is not allowed — expected one of: AuditLogs, SignInLogs/],
    ["unknown syslog facility", { agent: { syslog: [{ facility: "security", minimumLevel: "Info" }] } }, /azdetect:telemetry\.agent\.syslog\[0\]\.facility: "security" is not allowed/],
    ["unknown syslog level", { agent: { syslog: [{ facility: "auth", minimumLevel: "Verbose" }] } }, /azdetect:telemetry\.agent\.syslog\[0\]\.minimumLevel: "Verbose" is not allowed — expected one of: Debug/],
    ["XPath without a channel", { agent: { windowsEvents: [{ xPath: "*[System[(EventID=4104)]]", stream: "Microsoft-Event" }] } }, /azdetect:telemetry\.agent\.windowsEvents\[0\]\.xPath: .* is not <channel>!<XPath query>/],
    // data-collection-windows-events.md: starts-with/contains are not supported, at most 20 expressions.
    ["XPath with an unsupported function", { agent: { windowsEvents: [{ xPath: "Security!*[EventData[starts-with(Data, 'x')]]", stream: "Microsoft-Event" }] } }, /windowsEvents\[0\]\.xPath: .* uses starts-with\(\), which Windows event log XPath does not support/],
    ["XPath with 21 expressions", { agent: { windowsEvents: [{ xPath: `Security!*[System[(${Array.from({ length: 21 }, (_, i) => `EventID=${4600 + i}`).join(" or ")})]]`, stream: "Microsoft-Event" }] } }, /windowsEvents\[0\]\.xPath: .* has 21 expressions — a data collection rule takes at most 20/],
    ["XPath with unbalanced brackets", { agent: { windowsEvents: [{ xPath: "Security!*[System[(EventID=4624)]", stream: "Microsoft-Event" }] } }, /windowsEvents\[0\]\.xPath: .* has unbalanced brackets/],
    ["unknown Windows stream", { agent: { windowsEvents: [{ xPath: "Security!*", stream: "Microsoft-WindowsEvent" }] } }, /azdetect:telemetry\.agent\.windowsEvents\[0\]\.stream: "Microsoft-WindowsEvent" is not allowed/],
    ["duplicate VM", { agent: { vms: [{ id: IDS.winVm, os: "windows" }, { id: IDS.winVm.toUpperCase().replace(S.toUpperCase(), S), os: "linux" }] } }, /azdetect:telemetry\.agent\.vms\[1\]: duplicate VM id/],
    ["duplicate target", { diagnostics: { targets: [{ resourceId: IDS.keyVault }, { resourceId: IDS.keyVault }] } }, /azdetect:telemetry\.diagnostics\.targets\[1\]: duplicate resource id/],
    ["VM region with spaces", { agent: { vms: [{ id: IDS.winVm, os: "windows", location: "West Europe" }] } }, /azdetect:telemetry\.agent\.vms\[0\]\.location: "West Europe" is not an Azure region — did you mean westeurope\?/],
    ["unknown key", { entraID: { enabled: true } }, /azdetect:telemetry\.entraID: unknown key — expected one of: activityLog, entraId, diagnostics, agent, policy, provided, skipDetectionsWithoutTelemetry/],
    ["wrong type for a switch", { entraId: { enabled: "yes" } }, /azdetect:telemetry\.entraId\.enabled: expected boolean, got "yes"/],
    ["bad provided source", { provided: ["sentinel"] }, /azdetect:telemetry\.provided\[0\]: "sentinel" must be activityLog/],
  ];
  for (const [what, telemetry, re] of cases) {
    it(what, () => expect(bad(telemetry)).to.throw(ConfigError, re));
  }

  it("the program rejects bad telemetry before declaring any resource", async () => {
    let declared = -1;
    try {
      await runStack({ ...base, telemetry: { agent: { vms: [{ id: IDS.keyVault, os: "windows" }] } } }, { catalogue: [F.activity] });
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      declared = 0;
    }
    expect(declared).to.equal(0);
  });
});
