// Every declared resource against Azure's own definitions (azure/conformance.ts): both stacks are
// clean, a broken input of every resource type is caught naming the resource and the property,
// and the SDK-to-request mapping and the vendored schemas are what they claim to be.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ARM_RESOURCE_TYPES, schemaFileOf, toArmRequest } from "../azure/arm-resources";
import { requestSchema, schemaViolations, templateSchema } from "../azure/arm-schema";
import { checkResources, type DeclaredResource } from "../azure/conformance";
import { LIMIT_RULES } from "../azure/limits";
import { CONFORMANCE_STACKS, checkStacks, declaredResources, renderReports } from "../tools/check-azure";

const root = path.join(__dirname, "..");
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("Azure conformance: every declared resource against its ARM schema and the service limits", () => {
  let full: DeclaredResource[] = [];
  let rendered = { text: "", violations: -1 };
  before(async () => {
    const reports = await checkStacks(CONFORMANCE_STACKS);
    rendered = renderReports(reports);
    // Every resource kind across the stacks: the full stack, and the management-group estate.
    full = (await Promise.all(CONFORMANCE_STACKS.slice(1).map(declaredResources))).flat();
  });

  it("the example, the full and the estate stacks have 0 violations (npm run check:azure)", () => {
    expect(rendered.violations, rendered.text).to.equal(0);
    const last = rendered.text.trim().split("\n").pop()!;
    expect(last).to.match(/^\d+ resources validated against 15 schemas, 0 violations$/);
  });

  it("the full and the estate stacks declare every resource type the program can declare", () => {
    expect([...new Set(full.map((r) => r.type))].sort()).to.deep.equal(ARM_RESOURCE_TYPES.map((t) => t.token).sort());
  });

  // One deliberately broken input per resource type: [token, what, mutation of the inputs, rule, property, message,
  // which declared resource of the type to break (default the first)].
  const atManagementGroup = (r: DeclaredResource) => String(r.inputs.scope).startsWith("/providers/Microsoft.Management/managementGroups/");
  const broken: [string, string, (i: any) => void, string, string, RegExp, ((r: DeclaredResource) => boolean)?][] = [
    ["azure-native:resources:ResourceGroup", "a name over 90 characters", (i) => (i.resourceGroupName = "rg-".repeat(31)), "schema", "name", /must NOT have more than 90 characters/],
    ["azure-native:operationalinsights:Workspace", "an unknown sku", (i) => (i.sku = { name: "PerGB2019" }), "schema", "properties.sku.name", /"PerGB2019" is not allowed — expected one of: .*"PerGB2018"/],
    ["azure-native:operationalinsights:Workspace", "a legacy tier", (i) => (i.sku = { name: "Standalone" }), "workspace-sku", "properties.sku.name", /a new workspace takes PerGB2018/],
    ["azure-native:monitor:ScheduledQueryRule", "a wrong kind", (i) => (i.kind = "LogAlerts"), "schema", "kind", /"LogAlerts" is not allowed — expected one of: "LogAlert"/],
    ["azure-native:monitor:ScheduledQueryRule", "a window between granularities", (i) => (i.windowSize = "PT20M"), "sqr-window", "properties.windowSize", /windowSize PT20M is not a window Azure accepts/],
    ["azure-native:monitor:ScheduledQueryRule", "a query range between granularities", (i) => (i.overrideQueryTimeRange = "PT1H15M"), "sqr-query-time-range", "properties.overrideQueryTimeRange", /PT1H15M is not a query time range Azure accepts/],
    ["azure-native:monitor:ScheduledQueryRule", "the spec's Equals", (i) => (i.criteria.allOf[0].operator = "Equals"), "sqr-operator", "properties.criteria.allOf[0].operator", /"Equals" is not an operator the service accepts/],
    ["azure-native:monitor:ScheduledQueryRule", "a mute with auto mitigation", (i) => Object.assign(i, { muteActionsDuration: "PT1H", autoMitigate: true }), "sqr-mute", "properties.muteActionsDuration", /autoMitigate is not false/],
    ["azure-native:monitor:ScheduledQueryRule", "seven dimensions", (i) => (i.criteria.allOf[0].dimensions = Array.from({ length: 7 }, (_, n) => ({ name: `d${n}`, operator: "Include", values: ["*"] }))), "sqr-dimensions", "properties.criteria.allOf[0].dimensions", /7 dimensions — Azure takes at most 6/],
    ["azure-native:monitor:ActivityLogAlert", "a region they do not run in", (i) => (i.location = "eastus"), "ala-location", "location", /"eastus" is not a region activity log alert rules run in/],
    ["azure-native:monitor:ActivityLogAlert", "an unknown field", (i) => (i.condition.allOf[1].field = "operation"), "ala-condition", "properties.condition.allOf[1].field", /"operation" is not a field activity log alerts test/],
    ["azure-native:monitor:ActionGroup", "a country Azure sends no SMS to", (i) => (i.smsReceivers = [{ name: "x", countryCode: "999999", phoneNumber: "5550100" }]), "ag-countries", "properties.smsReceivers[0].countryCode", /"999999" is not a country Azure sends SMS to/],
    ["azure-native:monitor:ActionGroup", "a short name over 12", (i) => (i.groupShortName = "SOC-ONCALL-EU"), "schema", "properties.groupShortName", /must NOT have more than 12 characters/],
    ["azure-native:alertsmanagement:AlertProcessingRuleByName", "an unknown recurrence type", (i) => (i.properties.schedule = { recurrences: [{ recurrenceType: "Yearly" }] }), "schema", "properties.schedule.recurrences[0].recurrenceType", /"Yearly" is not allowed/],
    ["azure-native:monitor:DiagnosticSetting", "an unknown category", (i) => (i.logs = [{ category: "AuditEvents", enabled: true }]), "ds-categories", "properties.logs[0].category", /"AuditEvents" is not a log category of Microsoft\.KeyVault\/vaults — expected one of: AuditEvent/],
    ["azure-native:monitor:SubscriptionDiagnosticSetting", "an unknown Activity Log category", (i) => (i.logs = [{ category: "Admin", enabled: true }]), "ds-categories", "properties.logs[0].category", /"Admin" is not an Activity Log category/],
    ["azure-native:aadiam:DiagnosticSetting", "an unknown Entra category", (i) => (i.logs = [{ category: "SignInLog", enabled: true }]), "ds-categories", "properties.logs[0].category", /"SignInLog" is not an Entra ID log category/],
    ["azure-native:monitor:DataCollectionRule", "an XPath without its channel", (i) => { if (i.dataSources.windowsEventLogs) i.dataSources.windowsEventLogs[0].xPathQueries = ["*[System[(EventID=4104)]]"]; else i.dataSources.windowsEventLogs = [{ name: "x", streams: ["Microsoft-Event"], xPathQueries: ["*[System[(EventID=4104)]]"] }]; }, "dcr-xpath", "properties.dataSources.windowsEventLogs[0].xPathQueries[0]", /is not <channel>!<XPath query>/],
    ["azure-native:monitor:DataCollectionRuleAssociation", "a misspelt property", (i) => (i.dataCollectionRuleID = i.dataCollectionRuleId), "schema", "properties.dataCollectionRuleID", /is not a property of this API version/],
    ["azure-native:compute:VirtualMachineExtension", "a Linux agent version below Microsoft's sample", (i) => Object.assign(i, { type: "AzureMonitorLinuxAgent", typeHandlerVersion: "1.0" }), "ama-extension", "properties.typeHandlerVersion", /"1\.0" — expected a major\.minor version of at least 1\.21/],
    ["azure-native:authorization:PolicyAssignment", "an unknown enforcement mode", (i) => (i.enforcementMode = "Enforced"), "schema", "properties.enforcementMode", /"Enforced" is not allowed — expected one of: "Default", "DoNotEnforce"/],
    ["azure-native:policyinsights:RemediationAtManagementGroup", "a misspelt property", (i) => (i.policyAssignmentID = i.policyAssignmentId), "schema", "properties.policyAssignmentID", /is not a property of this API version/],
    ["azure-native:monitor:ScheduledQueryRule", "a rule name with a character Azure refuses", (i) => (i.ruleName = "azdetect-dev-azt301/1"), "names", "ruleName", /contains "\/" — Azure accepts .* names of/],
    ["azure-native:monitor:ActionGroup", "an action group name over 260 characters", (i) => (i.actionGroupName = "a".repeat(261)), "names", "actionGroupName", /is 261 characters/],
    ["azure-native:authorization:PolicyAssignment", "a display name over 128 characters", (i) => (i.displayName = "x".repeat(129)), "names", "properties.displayName", /is 129 characters/],
    ["azure-native:alertsmanagement:AlertProcessingRuleByName", "a filter of seven values", (i) => (i.properties.conditions[0].values = Array.from({ length: 7 }, (_, n) => `azdetect-x-s${n}-`)), "apr-filter-values", "properties.conditions[0].values", /7 values in one Description filter — an alert processing rule filter takes at most 5/],
    ["azure-native:compute:VirtualMachineExtension", "an extension name with a character Azure refuses", (i) => (i.vmExtensionName = "AzureMonitor/WindowsAgent"), "names", "vmExtensionName", /contains "\/" — Azure accepts Microsoft\.Compute\/virtualMachines\/extensions names of/],
    ["azure-native:compute:VirtualMachineExtension", "an extension name over 80 characters", (i) => (i.vmExtensionName = "a".repeat(81)), "names", "vmExtensionName", /is 81 characters/],
    ["azure-native:authorization:PolicyAssignment", "a name over 24 characters at a management group", (i) => (i.policyAssignmentName = "azd-al-0123456789abcdef-x"), "names", "policyAssignmentName", /is 25 characters — Azure accepts .*management group scope\) names of 1-24/, atManagementGroup],
    ["azure-native:authorization:RoleAssignment", "a name that is not a GUID", (i) => (i.roleAssignmentName = "azdetect-dev-reader"), "names", "roleAssignmentName", /a role assignment name is a GUID/],
    ["azure-native:authorization:RoleAssignment", "an unknown principal type", (i) => (i.principalType = "ServicePrincipals"), "schema", "properties.principalType", /"ServicePrincipals" is not allowed/],
  ];
  for (const [token, what, mutate, rule, property, message, pick] of broken) {
    it(`${token.split(":")[2]}: ${what} is caught, naming the resource and property`, () => {
      const original = full.find((r) => r.type === token && (!pick || pick(r)))!;
      expect(original, token).to.not.equal(undefined);
      const resource = { ...original, inputs: clone(original.inputs) };
      mutate(resource.inputs);
      const found = checkResources([resource]).violations;
      const hit = found.find((v) => v.rule === rule && v.property === property && message.test(v.message));
      expect(hit, JSON.stringify(found, null, 1)).to.not.equal(undefined);
      expect(hit!.resource).to.equal(original.name);
      expect(checkResources([original]).violations, "the unbroken resource is clean").to.deep.equal([]);
    });
  }

  it("a policy assignment name is held to 24 characters at a management group, to 64 at a subscription", () => {
    const atGroup = full.find((r) => r.type === "azure-native:authorization:PolicyAssignment" && atManagementGroup(r))!;
    const named = (scope: string, name: string) => ({ ...atGroup, inputs: { ...clone(atGroup.inputs), scope, policyAssignmentName: name } });
    const nameRule = (r: DeclaredResource) => checkResources([r]).violations.filter((v) => v.rule === "names").map((v) => v.property);
    expect(nameRule(named(String(atGroup.inputs.scope), "x".repeat(25)))).to.deep.equal(["policyAssignmentName"]);
    expect(nameRule(named("/subscriptions/11111111-1111-4111-8111-111111111111", "x".repeat(25)))).to.deep.equal([]);
    expect(nameRule(named("/subscriptions/11111111-1111-4111-8111-111111111111", "x".repeat(65)))).to.deep.equal(["policyAssignmentName"]);
  });

  it("counts across resources: a sixth diagnostic setting on one resource, a 101st activity log alert", () => {
    const setting = full.find((r) => r.type === "azure-native:monitor:DiagnosticSetting")!;
    const six = Array.from({ length: 6 }, (_, n) => ({ ...setting, name: `${setting.name}-${n}`, inputs: { ...setting.inputs, name: `s${n}` } }));
    expect(checkResources(six).violations.map((v) => [v.rule, v.resource, v.message.replace(/^\S+ /, "")])).to.deep.equal([["ds-per-resource", `${setting.name}-0`, "gets 6 diagnostic settings — a resource takes at most 5"]]);
    const alert = full.find((r) => r.type === "azure-native:monitor:ActivityLogAlert")!;
    const many = Array.from({ length: 101 }, (_, n) => ({ ...alert, name: `a${n}` }));
    expect(checkResources(many).violations.map((v) => [v.rule, v.resource, v.message])).to.deep.equal([["ala-limits", "a100", `101 activity log alert rules in subscription ${String((alert.inputs.scopes as string[])[0]).split("/")[2]} — a subscription takes at most 100`]]);
  });

  it("counts activity log alerts per subscription: 60 in each of two watched subscriptions are within the limit", () => {
    const alert = full.find((r) => r.type === "azure-native:monitor:ActivityLogAlert")!;
    const inSub = (sub: string, n: number) => ({ ...alert, name: `${sub}-${n}`, inputs: { ...alert.inputs, scopes: [`/subscriptions/${sub}`] } });
    const two = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"].flatMap((sub) => Array.from({ length: 60 }, (_, n) => inSub(sub, n)));
    expect(checkResources(two).violations.filter((v) => v.rule === "ala-limits")).to.deep.equal([]);
  });
});

describe("ARM schemas and the SDK-to-request mapping", () => {
  for (const t of ARM_RESOURCE_TYPES) {
    describe(t.token, () => {
      it("the API version is the one the pinned SDK class uses", () => {
        const [, mod, cls] = t.token.split(":");
        const dts = fs.readFileSync(path.join(root, "node_modules", "@pulumi", "azure-native", mod, `${cls[0].toLowerCase()}${cls.slice(1)}.d.ts`), "utf8");
        expect(dts).to.include(`Uses Azure REST API version ${t.apiVersion}.`);
      });

      it("the vendored schema is that type and version, and every top-level input is top-level there", () => {
        const schema = templateSchema(t);
        expect(fs.existsSync(path.join(root, "azure", "arm-schemas", schemaFileOf(t)))).to.equal(true);
        expect(schema.properties.type.enum).to.deep.equal([t.armType]);
        expect(schema.properties.apiVersion.enum).to.deep.equal([t.apiVersion]);
        for (const k of t.topLevel) expect(schema.properties, k).to.have.property(k);
      });

      for (const o of t.openEnums ?? []) {
        it(`${o.property} is an open enum in the pinned SDK (string | enum)`, () => {
          const input = fs.readFileSync(path.join(root, "node_modules", "@pulumi", "azure-native", "types", "input.d.ts"), "utf8");
          const ns = input.indexOf(`export declare namespace ${o.sdk.module} {`);
          const iface = input.indexOf(`interface ${o.sdk.type} {`, ns);
          const end = input.indexOf("\n    }\n", iface);
          expect(ns, o.sdk.module).to.be.greaterThan(-1);
          expect(iface, o.sdk.type).to.be.greaterThan(ns);
          const field = new RegExp(`\\n\\s+${o.sdk.field}\\?: pulumi\\.Input<(pulumi\\.Input<)?string \\| enums\\.`);
          expect(field.test(input.slice(iface, end)), `${o.sdk.type}.${o.sdk.field}`).to.equal(true);
        });
      }
    });
  }

  it("path parameters never reach the body, envelope inputs stay top-level, the rest goes into properties", () => {
    const r = toArmRequest("azure-native:monitor:ScheduledQueryRule", { resourceGroupName: "rg", ruleName: "r1", location: "westeurope", tags: { a: "b" }, kind: "LogAlert", severity: 2, windowSize: "PT5M", absent: undefined });
    expect(r.name).to.equal("r1");
    expect(r.body).to.deep.equal({ location: "westeurope", tags: { a: "b" }, kind: "LogAlert", properties: { severity: 2, windowSize: "PT5M" } });
    const apr = toArmRequest("azure-native:alertsmanagement:AlertProcessingRuleByName", { resourceGroupName: "rg", alertProcessingRuleName: "w", location: "Global", properties: { enabled: true } });
    expect(apr.body).to.deep.equal({ location: "Global", properties: { enabled: true } });
    expect(() => toArmRequest("azure-native:monitor:MetricAlert", {})).to.throw(/not in ARM_RESOURCE_TYPES/);
  });

  it("reads template schemas as request schemas: no template expressions, strict objects, no required properties envelope", () => {
    const t = ARM_RESOURCE_TYPES.find((x) => x.token === "azure-native:monitor:ScheduledQueryRule")!;
    const schema = requestSchema(templateSchema(t));
    expect(JSON.stringify(schema)).to.not.include("#/definitions/expression");
    expect(schema.required).to.not.include("properties");
    const expression = schemaViolations(toArmRequest(t.token, { ruleName: "r", location: "westeurope", kind: "[parameters('kind')]" }));
    expect(expression.map((v) => v.property)).to.include("kind");
    const rg = ARM_RESOURCE_TYPES.find((x) => x.token === "azure-native:resources:ResourceGroup")!;
    expect(schemaViolations(toArmRequest(rg.token, { resourceGroupName: "rg", location: "westeurope" }))).to.deep.equal([]);
  });

  it("every limit rule names at least one source with a URL", () => {
    for (const r of LIMIT_RULES) {
      expect(r.sources.length, r.id).to.be.greaterThan(0);
      for (const s of r.sources) expect(s.url, r.id).to.match(/^https:\/\//);
    }
    expect(new Set(LIMIT_RULES.map((r) => r.id)).size).to.equal(LIMIT_RULES.length);
  });

  it("SOURCES.md pins the schema repository by commit, with its licence beside it", () => {
    const sources = fs.readFileSync(path.join(root, "azure", "arm-schemas", "SOURCES.md"), "utf8");
    expect(sources).to.match(/Azure\/azure-resource-manager-schemas at commit `[0-9a-f]{40}`/);
    expect(fs.readFileSync(path.join(root, "azure", "arm-schemas", "LICENSE"), "utf8")).to.match(/^The MIT License/);
    for (const t of ARM_RESOURCE_TYPES) expect(sources).to.include(schemaFileOf(t));
  });
});
