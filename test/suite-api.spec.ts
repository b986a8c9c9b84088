// DetectionSuite as a component of someone else's program (lib.ts): its own typed args, Pulumi's
// conventions (children parented, names derived from the component's name), and two suites in one
// program that do not collide, neither in Pulumi (URNs) nor in Azure (resource names).
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { runMocked } from "../tools/mockStack";
import { DetectionSuite, parseRouting, selectDetections, ConfigError } from "../lib";

const ROUTES = [{ severities: [0, 1, 2, 3, 4] as (0 | 1 | 2 | 3 | 4)[], actionGroups: ["soc"] }];

function twoSuites() {
  const routing = parseRouting({ actionGroups: { soc: { shortName: "SOC", emails: ["soc@contoso.com"] } }, routes: ROUTES });
  const detections = selectDetections({ tactics: ["Execution"] });
  const common = { location: "westeurope", resourceGroup: { name: "rg-security" }, workspace: { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law" }, detections, routing };
  const red = new DetectionSuite("red", common);
  const blue = new DetectionSuite("blue", common);
  return { red, blue, outputs: { red: red.rules, blue: blue.rules } };
}

describe("DetectionSuite as a library component", () => {
  it("two suites in one program declare no URN twice and no Azure name twice", async () => {
    const run = await runMocked(twoSuites, { stack: "prod" });
    const rules = run.resources.filter((r) => r.type === "azure-native:monitor:ScheduledQueryRule" || r.type === "azure-native:monitor:ActivityLogAlert");
    expect(rules.length).to.equal(2 * selectDetections({ tactics: ["Execution"] }).length);
    // The mock engine keys registrations by URN: a duplicate would be one entry for two registrations.
    expect(run.urns.length).to.equal(run.resources.length);
    const azureNames = run.resources.filter((r) => r.custom).map((r) => `${r.type} ${r.inputs.ruleName ?? r.inputs.activityLogAlertName ?? r.inputs.actionGroupName ?? r.name}`);
    expect(new Set(azureNames).size).to.equal(azureNames.length);
    expect(rules.filter((r) => r.name.startsWith("red-")).length).to.equal(rules.length / 2);
    expect(rules.find((r) => r.name === "red-azt301-1-runcommand")!.inputs.ruleName ?? rules.find((r) => r.name === "red-azt301-1-runcommand")!.inputs.activityLogAlertName).to.equal("azdetect-prod-red-azt301-1-runcommand");
  });

  it("parents every child to the suite and registers its outputs", async () => {
    const run = await runMocked(twoSuites, { stack: "prod" });
    // Every resource of a suite sits under azdetect's component types, never at the stack root.
    const roots = run.urns.filter((u) => /::azure-native:/.test(u) && !/azdetect:index:\w+\$azure-native:/.test(u));
    expect(roots).to.deep.equal([]);
    expect(Object.keys(run.outputs.red)).to.deep.equal(["Execution"]);
    expect(Object.keys(run.outputs.red.Execution).length).to.be.greaterThan(3);
  });

  it("takes an existing action group's id from the program (an Output), and creates no workspace or group of its own", async () => {
    const run = await runMocked(() => {
      const suite = new DetectionSuite("sec", {
        location: "westeurope",
        resourceGroup: { name: pulumi.output("rg-platform") },
        workspace: { id: pulumi.output("/subscriptions/s/resourceGroups/rg-platform/providers/Microsoft.OperationalInsights/workspaces/platform") },
        detections: selectDetections({ tactics: ["Impact"] }),
        routing: { actionGroups: { oncall: { mode: "existing", name: "oncall", id: pulumi.output("/subscriptions/s/resourceGroups/rg-platform/providers/microsoft.insights/actionGroups/oncall") } }, routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["oncall"] }] },
      });
      return { outputs: { rules: suite.rules } };
    });
    expect(run.ofType("azure-native:operationalinsights:Workspace")).to.deep.equal([]);
    expect(run.ofType("azure-native:resources:ResourceGroup")).to.deep.equal([]);
    expect(run.ofType("azure-native:monitor:ActionGroup")).to.deep.equal([]);
    for (const r of run.ofType("azure-native:monitor:ScheduledQueryRule")) {
      expect(r.inputs.actions.actionGroups).to.deep.equal(["/subscriptions/s/resourceGroups/rg-platform/providers/microsoft.insights/actionGroups/oncall"]);
      expect(r.inputs.resourceGroupName).to.equal("rg-platform");
    }
  });

  it("refuses unrouted rules before declaring anything, naming the key", async () => {
    try {
      await runMocked(() => {
        const suite = new DetectionSuite("sec", { location: "westeurope", resourceGroup: { name: "rg" }, workspace: { id: "/w" }, detections: selectDetections({ tactics: ["Impact"] }), routing: { actionGroups: {}, routes: [] } });
        return { outputs: { rules: suite.rules } };
      });
      expect.fail("expected a ConfigError");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as Error).message).to.match(/azdetect:routes/);
      expect((e as { declared: unknown[] }).declared.filter((r) => (r as { custom: boolean }).custom)).to.deep.equal([]);
    }
  });

  it("selectDetections and parseRouting check the stack file's rules and name the key", () => {
    expect(() => selectDetections({ tactics: ["Exfiltration" as never] })).to.throw(ConfigError, /azdetect:tactics/);
    expect(() => selectDetections({ overrides: { "azt999-nope": { enabled: false } } })).to.throw(ConfigError, /azdetect:overrides\.azt999-nope/);
    expect(() => parseRouting({ routes: [{ severities: [0], actionGroups: ["missing"] }] })).to.throw(ConfigError, /missing/);
  });
});
