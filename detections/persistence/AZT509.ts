// AZT509 Azure Bastion: shareable links give browser access to a VM's login screen to anyone holding
// the link, without an Azure sign-in.
import type { Detection, TechniqueModule } from "../model";
import { atrmPage, ATTACKER, activityRow, operationMatchParts, operationQuietCases, requestBodyParts, resourceId, startRow } from "./shared";
import { arrivalWindow } from "../patterns/arrival";

/** The REST form spells `createshareablelinks` in lower case (log-values.md 1.2); matching is case-insensitive. */
const LINK_ACTIONS = [
  "Microsoft.Network/bastionHosts/createShareableLinks/action",
  "Microsoft.Network/bastionHosts/getShareableLinks/action",
];
const BASTION_WRITE = "Microsoft.Network/bastionHosts/write";
const BASTION = resourceId("rg-prod-net", "microsoft.network", "bastionHosts/bas-hub");
const BASTION_DOCS = "https://learn.microsoft.com/azure/bastion/shareable-link";

const shareableLink: Detection = {
  key: "azt509-bastion-shareable-link",
  technique: "AZT509",
  tactic: "Persistence",
  name: "Bastion shareable link created or retrieved",
  description:
    "Shareable links were created for VMs behind an Azure Bastion, or existing links were listed. A shareable link opens " +
    "the VM's RDP/SSH login in a browser for anyone who has it, with no Azure sign-in and no network path needed: with a " +
    "local credential (see AZT501.3) it is persistent access that survives the loss of the Azure foothold.",
  falsePositives: ["Administrators giving a vendor temporary access to a VM (allowlist them; prefer just-in-time access)."],
  triage: [
    "List the Bastion's shareable links (portal > Bastion > Shareable links) and the VMs they reach.",
    "Ask the caller; check the VMs' logons through Bastion (Bastion audit logs, 4624 from the Bastion subnet) after the link was made.",
    "If unexpected: delete the links (deleteShareableLinks), reset the VMs' local credentials, and investigate the caller.",
  ],
  references: [atrmPage("AZT509"), BASTION_DOCS],
  severity: 2,
  evaluationFrequency: "PT5M",
  windowSize: arrivalWindow("PT5M"),
  ...operationMatchParts(LINK_ACTIONS, "create Bastion shareable links"),
  samples: {
    source: "log-values.md 1.2 (REST `Microsoft.Network/bastionHosts/createshareablelinks/action`, upper case in streamed rows), " +
      "1.5 (real REST event); ATRM AZT509",
    fires: [
      { name: "links created (streamed upper case)", rows: { AzureActivity: [activityRow(3, LINK_ACTIONS[0], BASTION)] } },
      {
        name: "links created (REST lower-case spelling)",
        rows: { AzureActivity: [activityRow(3, LINK_ACTIONS[0], BASTION, { OperationNameValue: "Microsoft.Network/bastionHosts/createshareablelinks/action", ActivityStatusValue: "Succeeded" })] },
      },
    ],
    quiet: [
      ...operationQuietCases(LINK_ACTIONS[0], BASTION, 5),
      { name: "links deleted", rows: { AzureActivity: [activityRow(3, "Microsoft.Network/bastionHosts/deleteShareableLinks/action", BASTION)] } },
    ],
  },
};

const bastionBody = (enable: boolean) => ({
  location: "westeurope",
  sku: { name: "Standard" },
  properties: { enableShareableLink: enable, enableTunneling: false, ipConfigurations: [{ name: "ipconf", properties: {} }] },
});

const shareableLinkEnabled: Detection = {
  key: "azt509-bastion-shareable-link-enabled",
  technique: "AZT509",
  tactic: "Persistence",
  name: "Bastion written with shareable links enabled",
  description:
    "An Azure Bastion was created or updated with the shareable-link feature turned on (a Standard-SKU setting), the " +
    "prerequisite of AZT509's link-based access.",
  falsePositives: ["Bastion deployments that deliberately enable the feature (allowlist their pipeline)."],
  triage: [
    "Confirm with the network team that shareable links are meant to be on; if not, turn the feature off (this deletes all links).",
    "Check for shareable links created afterwards (azt509-bastion-shareable-link).",
  ],
  references: [atrmPage("AZT509"), BASTION_DOCS],
  severity: 3,
  ...requestBodyParts([BASTION_WRITE], "enable Bastion shareable links", [
    "| extend ShareableLink = tostring(coalesce(parse_json(RequestBody).properties.enableShareableLink, parse_json(RequestBody).Properties.EnableShareableLink))",
    '| where ShareableLink =~ "true"',
  ], ["ShareableLink"], "PT15M"),
  samples: {
    source: "log-values.md 1.3 (Start row request body); Bastion REST schema (properties.enableShareableLink); ATRM AZT509",
    fires: [{ name: "Bastion updated with shareable links on", rows: { AzureActivity: [startRow(6, BASTION_WRITE, BASTION, bastionBody(true))] } }],
    quiet: [
      { name: "Bastion updated with the feature off", rows: { AzureActivity: [startRow(6, BASTION_WRITE, BASTION, bastionBody(false))] } },
      { name: "allowlisted pipeline", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [startRow(6, BASTION_WRITE, BASTION, bastionBody(true))] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [shareableLink, shareableLinkEnabled] };
