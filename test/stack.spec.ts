// The resource graph the program declares, under Pulumi's mocks.
import { expect } from "chai";
import { runStack, valueOf, TEST_SUBSCRIPTION, type StackRun } from "../tools/mockStack";
import { detectionsForTactic } from "../detections";

const WS = "/subscriptions/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-sec";
const SQR = "azure-native:monitor:ScheduledQueryRule";
const ALA = "azure-native:monitor:ActivityLogAlert";

describe("stack: execution only, defaults", () => {
  let run: StackRun;
  before(async () => {
    run = await runStack({ location: "westeurope", tactics: ["Execution"] }, { stack: "dev" });
  });

  it("creates the resource group and the workspace it owns", () => {
    const rg = run.byName("resource-group");
    expect(rg.type).to.equal("azure-native:resources:ResourceGroup");
    expect(rg.inputs).to.include({ resourceGroupName: "azdetect-dev", location: "westeurope" });
    const ws = run.byName("workspace");
    expect(ws.type).to.equal("azure-native:operationalinsights:Workspace");
    expect(ws.inputs).to.deep.include({ workspaceName: "azdetect-dev", resourceGroupName: "azdetect-dev", retentionInDays: 90, sku: { name: "PerGB2018" } });
  });

  it("declares one component per selected tactic and nothing for the others", () => {
    const comps = run.ofType("azdetect:index:TacticDetections").map((r) => r.name);
    expect(comps).to.deep.equal(["execution"]);
  });

  it("deploys run command as a free activity-log alert on the subscription", () => {
    const rule = run.byName("azt301-1-runcommand");
    expect(rule.type).to.equal(ALA);
    expect(rule.inputs.activityLogAlertName).to.equal("azdetect-dev-azt301-1-runcommand");
    expect(rule.inputs.location).to.equal("Global");
    expect(rule.inputs.scopes).to.deep.equal([`/subscriptions/${TEST_SUBSCRIPTION}`]);
    expect(rule.inputs.condition).to.deep.equal({
      allOf: [
        { field: "category", equals: "Administrative" },
        { field: "operationName", equals: "Microsoft.Compute/virtualMachines/runCommand/action" },
        // The Start event: a run that fails or times out has still run (AZT301.ts).
        { field: "status", equals: "Started" },
      ],
    });
    expect(rule.inputs.tags).to.include({ "azdetect-technique": "AZT301.1", "azdetect-tactic": "Execution", "azdetect-stack": "dev" });
  });

  it("parents every rule under its tactic component under the suite", async () => {
    const component = run.program.suite.tactics.Execution!;
    // Mock URNs carry the parent's type: rule -> TacticDetections, TacticDetections -> DetectionSuite.
    expect(await valueOf(component.rules["azt301-1-runcommand"].urn)).to.match(/::azdetect::azdetect:index:TacticDetections\$azure-native:monitor:ActivityLogAlert::azt301-1-runcommand$/);
    expect(await valueOf(component.urn)).to.match(/::azdetect::azdetect:index:DetectionSuite\$azdetect:index:TacticDetections::execution$/);
  });

  it("exports the rules per tactic, the workspace id and the coverage summary", () => {
    expect(Object.keys(run.outputs.rules)).to.deep.equal(["Execution"]);
    expect(run.outputs.rules.Execution["azt301-1-runcommand"]).to.match(/ActivityLogAlert/);
    expect(run.outputs.workspaceId).to.match(/workspaces|Workspace/);
    const execution = detectionsForTactic("Execution");
    expect(run.outputs.coverage.rules.total).to.equal(execution.length);
    expect(run.outputs.coverage.rules.activityLog).to.equal(execution.filter((d) => d.signal.kind === "activityLog" && !(d.signal.exclusions ?? []).some((e) => (d.parameters?.[e.parameter]?.default as string[]).length)).length);
    expect(Object.keys(run.outputs.rules.Execution).sort()).to.deep.equal(execution.map((d) => d.key).sort());
    expect(run.outputs.coverage.leafTechniques).to.equal(77);
  });
});

describe("stack: existing workspace and group, allowlist, overrides", () => {
  let run: StackRun;
  before(async () => {
    run = await runStack({
      location: "northeurope",
      resourceGroupName: "rg-sec",
      createResourceGroup: false,
      workspace: { existingId: WS },
      tactics: ["Execution"],
      allowlists: { callers: ["deploy@contoso.com"] },
      overrides: { "azt301-1-runcommand": { severity: 0, evaluationFrequency: "PT10M", windowSize: "PT15M" } },
    }, { stack: "prod" });
  });

  it("references the existing group and workspace without declaring them", () => {
    expect(run.ofType("azure-native:resources:ResourceGroup")).to.deep.equal([]);
    expect(run.ofType("azure-native:operationalinsights:Workspace")).to.deep.equal([]);
  });

  it("switches to a log search alert scoped to the workspace when an allowlist applies", () => {
    const rule = run.byName("azt301-1-runcommand");
    expect(rule.type).to.equal(SQR);
    expect(rule.inputs).to.deep.include({
      ruleName: "azdetect-prod-azt301-1-runcommand",
      resourceGroupName: "rg-sec",
      location: "northeurope",
      kind: "LogAlert",
      severity: 0,
      evaluationFrequency: "PT10M",
      windowSize: "PT15M",
      scopes: [WS],
      autoMitigate: false,
      // The stack switches the Activity Log export on: AzureActivity may have no rows yet (planning/validation.ts).
      skipQueryValidation: true,
      enabled: true,
    });
    const c = rule.inputs.criteria.allOf[0];
    expect(c.operator).to.equal("GreaterThan");
    expect(c.threshold).to.equal(0);
    expect(c.timeAggregation).to.equal("Count");
    expect(c.dimensions.map((d: any) => d.name)).to.deep.equal(["Caller", "CallerIpAddress", "_ResourceId", "SubscriptionId"]);
    expect(c.query).to.contain(`| where OperationNameValue in~ ("Microsoft.Compute/virtualMachines/runCommand/action")`);
    expect(c.query).to.contain(`| where Caller !in~ ("deploy@contoso.com")`);
    // A run is reported once, by the run that ingests its first row (normally the Start row), however late it lands:
    // the overridden 10-minute frequency + the 2-minute overlap (patterns/arrival.ts); the range still holds a
    // 90-minute run's Start row when its completion row lands (AZT301.ts).
    expect(c.query).to.contain("| extend Ingested = ingestion_time()");
    expect(c.query).to.contain("| where FirstIngested > ago(12m)");
    expect(rule.inputs.overrideQueryTimeRange).to.equal("PT3H");
  });

  it("uses only the Azure condition operators the service accepts", () => {
    for (const r of run.ofType(SQR)) {
      for (const c of r.inputs.criteria.allOf) expect(["Equal", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"]).to.include(c.operator);
    }
  });
});

describe("stack: determinism", () => {
  it("declares exactly the same resources and inputs when evaluated twice", async () => {
    const cfg = { location: "westeurope", allowlists: { callers: ["a@b.c"] } };
    const a = await runStack(cfg), b = await runStack(cfg);
    const shape = (r: StackRun) => r.resources.map((x) => ({ type: x.type, name: x.name, inputs: x.inputs })).sort((x, y) => (x.type + x.name).localeCompare(y.type + y.name));
    expect(shape(a)).to.deep.equal(shape(b));
    expect(a.resources.length).to.be.greaterThan(3);
  });
});

describe("stack: changing the tactic selection", () => {
  it("adds or removes only that tactic's component and rules; everything else is declared identically", async () => {
    const common = { location: "westeurope" };
    const one = await runStack({ ...common, tactics: ["Execution"] });
    const two = await runStack({ ...common, tactics: ["Execution", "Impact"] });
    const byName = (r: StackRun) => new Map(r.resources.map((x) => [`${x.type}::${x.name}`, x.inputs]));
    const a = byName(one), b = byName(two);
    const added = [...b.keys()].filter((k) => !a.has(k)).sort();
    const removed = [...a.keys()].filter((k) => !b.has(k));
    const impact = detectionsForTactic("Impact").filter((d) => !d.offByDefault).map((d) => d.key);
    expect(removed).to.deep.equal([]);
    // Impact adds its component, its rules, and the telemetry only its detections need.
    expect(added).to.include("azdetect:index:TacticDetections::impact");
    const addedRules = added.filter((k) => /monitor:(ScheduledQueryRule|ActivityLogAlert)::/.test(k)).map((k) => k.split("::")[1]).sort();
    expect(addedRules).to.deep.equal([...impact].sort());
    const unexpected = added.filter((k) => !k.includes("TacticDetections::impact") && !impact.includes(k.split("::")[1]) && !/Telemetry|DiagnosticSetting/.test(k));
    expect(unexpected, "only Impact's component, rules and telemetry may appear").to.deep.equal([]);
    // Every Execution rule is declared with exactly the same inputs in both stacks.
    for (const d of detectionsForTactic("Execution")) {
      const k = [...a.keys()].find((x) => x.endsWith(`::${d.key}`))!;
      expect(b.get(k), d.key).to.deep.equal(a.get(k));
    }
  });
});
