// AZT506 Network Security Group Modification: opening a path into the network that stays open.
import * as kql from "../kql";
import { NEW_EVIDENCE, arrivalOutput, arrivalWindow, ingestionSchedule } from "../patterns/arrival";
import type { Detection, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import {
  ACTIVITY_ADMIN, ACTIVITY_ENTITIES, atrmPage, ATTACKER, activityRow, callerAllowlist, operationMatchParts, operationQuietCases,
  resourceId, startRow, startRows,
} from "./shared";

const RULE_WRITE = "Microsoft.Network/networkSecurityGroups/securityRules/write";
const NSG_WRITE = "Microsoft.Network/networkSecurityGroups/write";
const NSG = resourceId("rg-prod-net", "microsoft.network", "networkSecurityGroups/nsg-web");
const RULE = `${NSG}/securityrules/allow-rdp`;
const NSG_DOCS = "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview";
/** The management-port rule runs every 5 minutes over the rows ingested since its previous run. */
const FREQUENCY = "PT5M";

/** Source prefixes that mean "anyone on the internet" (ARM `*`, the portal's Any, the Internet service tag). */
const OPEN_SOURCES = ["*", "Any", "Internet", "0.0.0.0/0", "0.0.0.0", "::/0"];

/**
 * A request-body field read in both spellings: SDK/portal bodies are camelCase, some older clients
 * send PascalCase (the RBAC alert doc reads `Properties.RoleDefinitionId`, log-values.md 1.3).
 */
function field(obj: string, name: string, fallback?: string): string {
  return `coalesce(${obj}.${name}, ${obj}.${name[0].toUpperCase()}${name.slice(1)}${fallback ? `, ${fallback}` : ""})`;
}

const nsgRuleChange: Detection = {
  key: "azt506-nsg-rule-change",
  technique: "AZT506",
  tactic: "Persistence",
  name: "Network security group or security rule written",
  description:
    "A network security group or one of its rules was created or changed. Rules are the perimeter of every subnet and NIC " +
    "behind them; an attacker adds an allow rule to keep a way in (or out) that does not depend on any credential. The " +
    "broad companion of azt506-nsg-management-port-open, for environments where NSG changes go through a pipeline.",
  falsePositives: ["Network changes by administrators and infrastructure pipelines (allowlist the pipeline identities)."],
  triage: [
    "Open the NSG's Activity Log entry (CorrelationId) to read the rule (the request body is on the Start row).",
    "Compare with the change record; check the effective rules of the affected NICs/subnets.",
    "If unexpected: revert the rule and investigate the caller.",
  ],
  references: [atrmPage("AZT506"), NSG_DOCS],
  severity: 3,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  ...operationMatchParts([RULE_WRITE, NSG_WRITE], "change network security groups"),
  samples: {
    source: "log-values.md 1.1-1.3, 1.5 (NSG writes logged); ATRM AZT506 (`Create or Update Security Rule`)",
    fires: [{ name: "security rule written", rows: { AzureActivity: [activityRow(4, RULE_WRITE, RULE, { ActivitySubstatusValue: "Created" })] } }],
    quiet: [
      ...operationQuietCases(RULE_WRITE, RULE, 15),
      { name: "security rule deleted", rows: { AzureActivity: [activityRow(4, "Microsoft.Network/networkSecurityGroups/securityRules/delete", RULE)] } },
    ],
  },
};

/** A security rule's properties as the portal/SDK send them. */
function rule(over: Record<string, unknown>) {
  return {
    protocol: "TCP", sourcePortRange: "*", destinationPortRange: "3389", sourceAddressPrefix: "*", destinationAddressPrefix: "*",
    access: "Allow", priority: 100, direction: "Inbound", sourcePortRanges: [], destinationPortRanges: [], sourceAddressPrefixes: [],
    destinationAddressPrefixes: [], ...over,
  };
}

const managementPortOpen: Detection = {
  key: "azt506-nsg-management-port-open",
  technique: "AZT506",
  tactic: "Persistence",
  name: "NSG rule allows a management port from the internet",
  description:
    "An inbound Allow rule was written whose source is any address (`*`, Any, Internet, 0.0.0.0/0) and whose destination " +
    "ports include a management port (SSH, RDP, WinRM by default) or all ports. Opening RDP/SSH to the internet is how an " +
    "attacker keeps direct access to VMs whose local credentials they control. The rule is read from the request body on " +
    "the Start row, so the alert also covers attempts that failed.",
  falsePositives: ["Short-lived lab environments; just-in-time access tools write narrow rules from a single IP, not from Any."],
  triage: [
    "Identify the NSG, rule (RuleName) and opened ports; list the VMs behind it (NICs and subnets associated with the NSG).",
    "Ask the caller; check sign-ins to those VMs (4624 logon type 10, sshd Accepted) from internet addresses after the change.",
    "If unexpected: delete the rule (or restrict its source), review the VMs' local accounts, and investigate the caller.",
  ],
  references: [atrmPage("AZT506"), NSG_DOCS, "https://learn.microsoft.com/rest/api/virtualnetwork/security-rules/create-or-update"],
  severity: 1,
  ...ingestionSchedule(FREQUENCY),
  parameters: {
    allowedCallers: callerAllowlist("open management ports to the internet"),
    managementPorts: {
      type: "stringList",
      description: "Destination ports that must not be reachable from any internet address.",
      default: ["22", "3389", "5985", "5986"],
    },
  },
  signal: {
    kind: "query",
    query: (p) => {
      const ports = p.managementPorts as string[];
      return [
        startRows([RULE_WRITE, NSG_WRITE], p, FREQUENCY),
        // The Start row's arrival, before mv-expand ends its table context.
        NEW_EVIDENCE.extend,
        "| extend Body = parse_json(RequestBody)",
        "// A rule write carries one rule; an NSG write carries its rules inline (shape of the body: unverified beyond the REST docs).",
        `| extend Rules = iff(OperationNameValue endswith "/securityRules/write", pack_array(Body), ${field(field("Body", "properties"), "securityRules")})`,
        "| mv-expand Rule = Rules",
        `| extend R = ${field("Rule", "properties")}`,
        `| extend RuleName = coalesce(tostring(${field("Rule", "name")}), _ResourceId)`,
        `| where tostring(${field("R", "access")}) =~ "Allow" and tostring(${field("R", "direction")}) =~ "Inbound"`,
        `| extend Sources = strcat(",", tostring(${field("R", "sourceAddressPrefix")}), ",", strcat_array(${field("R", "sourceAddressPrefixes", "dynamic([])")}, ","), ",")`,
        `| where ${OPEN_SOURCES.map((s) => `Sources contains ${kql.str(`,${s},`)}`).join(" or ")}`,
        `| extend PortSpecs = strcat(tostring(${field("R", "destinationPortRange")}), ",", strcat_array(${field("R", "destinationPortRanges", "dynamic([])")}, ","))`,
        '| mv-expand PortSpec = split(PortSpecs, ",") to typeof(string)',
        "| where isnotempty(PortSpec)",
        '| extend Lo = toint(split(PortSpec, "-")[0]), Hi = iff(PortSpec contains "-", toint(split(PortSpec, "-")[1]), toint(PortSpec))',
        `| mv-expand Port = ${kql.dynamicList(ports)} to typeof(string)`,
        '| where PortSpec == "*" or toint(Port) between (Lo .. Hi)',
        "| summarize OpenedPorts = make_set(Port) by TimeGenerated, Ingested, Caller, CallerIpAddress, OperationNameValue, ResourceGroup, _ResourceId, SubscriptionId, CorrelationId, RuleName, Sources",
        `| project ${arrivalOutput("Ingested", "TimeGenerated")}, Caller, CallerIpAddress, OperationNameValue, ResourceGroup, _ResourceId, SubscriptionId, CorrelationId, RuleName, Sources, OpenedPorts`,
      ].join("\n");
    },
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Caller", "CallerIpAddress", "_ResourceId", "RuleName"] },
  },
  requires: [ACTIVITY_ADMIN],
  entities: ACTIVITY_ENTITIES,
  samples: {
    source: "log-values.md 1.3 (request body on the Start row, lower-case `requestbody`); SecurityRule REST schema " +
      "(properties.access/direction/sourceAddressPrefix(es)/destinationPortRange(s)); ATRM AZT506",
    fires: [
      { name: "RDP from any address", rows: { AzureActivity: [startRow(3, RULE_WRITE, RULE, { properties: rule({}) })] } },
      {
        name: "Start row written 12 minutes ago but ingested 2 minutes ago (Activity Log latency)",
        rows: { AzureActivity: [startRow(12, RULE_WRITE, RULE, { properties: rule({}) }, { _TimeReceived: minutesAgo(2) })] },
      },
      {
        name: "NSG written with an inline SSH rule from the Internet tag",
        rows: {
          AzureActivity: [startRow(3, NSG_WRITE, NSG, {
            location: "westeurope",
            properties: { securityRules: [{ name: "ssh-in", properties: rule({ destinationPortRange: "22", sourceAddressPrefix: "Internet", priority: 110 }) }] },
          })],
        },
      },
      {
        name: "all ports from 0.0.0.0/0 in a port range list (PascalCase client)",
        rows: {
          AzureActivity: [startRow(3, RULE_WRITE, RULE, {
            Properties: { Access: "Allow", Direction: "Inbound", SourceAddressPrefixes: ["0.0.0.0/0"], DestinationPortRanges: ["1-65535"], Protocol: "*" },
          })],
        },
      },
    ],
    quiet: [
      { name: "HTTPS from the internet", rows: { AzureActivity: [startRow(3, RULE_WRITE, RULE, { properties: rule({ destinationPortRange: "443" }) })] } },
      { name: "RDP from the corporate range only", rows: { AzureActivity: [startRow(3, RULE_WRITE, RULE, { properties: rule({ sourceAddressPrefix: "10.20.0.0/16" }) })] } },
      { name: "deny rule for RDP from any", rows: { AzureActivity: [startRow(3, RULE_WRITE, RULE, { properties: rule({ access: "Deny" }) })] } },
      { name: "outbound SSH", rows: { AzureActivity: [startRow(3, RULE_WRITE, RULE, { properties: rule({ direction: "Outbound", destinationPortRange: "22" }) })] } },
      { name: "port range that stops below SSH", rows: { AzureActivity: [startRow(3, RULE_WRITE, RULE, { properties: rule({ destinationPortRange: "1-21" }) })] } },
      { name: "allowlisted caller", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [startRow(3, RULE_WRITE, RULE, { properties: rule({}) })] } },
      { name: "Success row (no body)", rows: { AzureActivity: [activityRow(3, RULE_WRITE, RULE)] } },
      {
        name: "rule ingested before the previous run (already alerted by it)",
        rows: { AzureActivity: [startRow(12, RULE_WRITE, RULE, { properties: rule({}) }, { _TimeReceived: minutesAgo(8) })] },
      },
    ],
  },
};

export const technique: TechniqueModule = { detections: [nsgRuleChange, managementPortOpen] };
