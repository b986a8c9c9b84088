// A platform team's existing Pulumi program (resource group, workspace, on-call action group) that
// adds azdetect's detections for two tactics: rules on its own workspace, alerts to its own action
// group. README "Use it in your own program" shows this file; test/embed.spec.ts installs the packed
// azdetect package into a fresh project, type-checks this program in strict mode and runs it under
// Pulumi's mocks.
import * as resources from "@pulumi/azure-native/resources";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as monitor from "@pulumi/azure-native/monitor";
import { DetectionSuite, selectDetections } from "azdetect";

// What the program already owns.
const group = new resources.ResourceGroup("platform", { location: "westeurope" });
const workspace = new operationalinsights.Workspace("platform-logs", {
  resourceGroupName: group.name,
  location: "westeurope",
  sku: { name: "PerGB2018" },
  retentionInDays: 90,
});
const oncall = new monitor.ActionGroup("oncall", {
  resourceGroupName: group.name,
  location: "Global",
  groupShortName: "oncall",
  enabled: true,
  emailReceivers: [{ name: "soc", emailAddress: "soc@contoso.com", useCommonAlertSchema: true }],
});

// azdetect: Execution and Persistence, with the same selection keys as a stack file.
const security = new DetectionSuite("security", {
  location: "westeurope",
  resourceGroup: { name: group.name },
  workspace: { id: workspace.id },
  detections: selectDetections({
    tactics: ["Execution", "Persistence"],
    allowlists: { callers: ["deploy-pipeline@contoso.com"] },
  }),
  routing: {
    actionGroups: { oncall: { mode: "existing", name: "oncall", id: oncall.id } },
    routes: [{ severities: [0, 1, 2, 3, 4], actionGroups: ["oncall"] }],
  },
});

export const ruleIds = security.rules;
