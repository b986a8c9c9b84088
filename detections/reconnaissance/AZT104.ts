// AZT104 Gather User Information: enumeration of Entra users and group memberships.
import * as kql from "../kql";
import type { Detection, TechniqueModule } from "../model";
import { ATTACKER_IP, GRAPH_ACTIVITY_DOC, graphEnumeration, graphIngestionSchedule, graphRow, sampleGuid } from "./graph";
import { APP, nonInteractiveRow, SAMPLE_DOMAIN, signinRow } from "../initial-access/signins";

/** signinRow's user (adelev@contoso.onmicrosoft.com) object id. */
const SIGNIN_USER_ID = "6e7b768e-07e2-4810-8459-485f84f8f204";
import { listParameter } from "../patterns/baseline";
import { NEW_EVIDENCE, ingestedSinceLastRun } from "../patterns/arrival";
import { mergeLegs, type MergedColumn } from "../patterns/merge";
import { minutesAgo } from "../model";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/Reconnaissance/AZT104/AZT104/";

const userEnumeration = graphEnumeration({
  key: "azt104-graph-user-enumeration",
  technique: "AZT104",
  name: "Burst of Entra user and group-membership reads through Microsoft Graph",
  what: "users, group members and per-user relationships (memberOf, manager, owned objects, registered devices, authentication methods)",
  terms: ["users", "groups"],
  paths: [
    "users", "users/delta", "groups", "groups/delta",
    "users/\\{id\\}/(memberof|transitivememberof|ownedobjects|owneddevices|registereddevices|manager|directreports|authentication/methods)",
    "groups/\\{id\\}/(members|transitivemembers|owners)",
  ],
  minCount: 30,
  risePercent: 300,
  atrm: ATRM,
  references: ["https://learn.microsoft.com/graph/api/user-list", "https://learn.microsoft.com/graph/api/group-list-members"],
  falsePositives: [
    "Identity governance, HR sync, backup or reporting tools (allowlist their AppId).",
    "An administrator running a one-off export of users or group memberships.",
  ],
  triage: [
    "Read Endpoints: per-group members/owners and per-user memberOf paging is the signature of AzureHound-style collection; UserAgents often names the tool.",
    "Denied counts 401/403 answers: a principal probing what it may read.",
  ],
  sampleUri: (i) => `https://graph.microsoft.com/v1.0/groups/${sampleGuid(i)}/members?$select=id,displayName,userPrincipalName&$top=999`,
  otherUri: "https://graph.microsoft.com/v1.0/me/messages?$top=50",
});

// ---------------------------------------------------------------------------------------------
// Known reconnaissance tools by User-Agent, in Graph requests and in the sign-ins that got the token.

const TOOL_AGENTS = ["azurehound", "roadrecon", "roadtools", "graphrunner", "aadinternals"];
const TOOL_FREQUENCY = "PT30M";

/** The columns every leg summarises its rows into, and how mergeLegs combines them. */
const TOOL_COLUMNS: MergedColumn[] = [
  { name: "Events", merge: "sum" }, { name: "FirstSeen", merge: "min" }, { name: "LastSeen", merge: "max" }, { name: "LastIngested", merge: "max" },
  { name: "Sources", merge: "set" }, { name: "Details", merge: "set" }, { name: "Results", merge: "set" }, { name: "IPAddresses", merge: "set" },
];

/**
 * One leg (a let): the table's rows ingested since the previous run, filtered on the tool list,
 * minus allowlisted principals, summarised per principal, app and agent (legs are merged without
 * union: patterns/merge.ts). `idColumns` are the columns an allowlist entry may name the principal
 * by: Principal (the object id in Graph, the UPN in the sign-in tables) and, in the sign-in tables,
 * the user object id as well.
 */
function agentLeg(name: string, table: string, principal: string, idColumns: string[], detail: string, result: string, agents: string[], allowed: string[]): string {
  return (
    `let ${name} = ${table}\n${ingestedSinceLastRun(TOOL_FREQUENCY)}\n| where UserAgent has_any ${kql.strList(agents)}` +
    `\n| extend Principal = ${principal}` +
    idColumns.map((c) => kql.excludeIn(c, allowed)).join("") +
    `\n${NEW_EVIDENCE.extend}` +
    `\n| summarize Events = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), ${NEW_EVIDENCE.aggregate}, Sources = make_set(${kql.str(table)}),` +
    `\n    Details = make_set(${detail}, 20), Results = make_set(${result}, 10), IPAddresses = make_set(IPAddress, 10) by Principal, AppId, UserAgent;`
  );
}

const toolUserAgent: Detection = {
  key: "azt104-recon-tool-useragent",
  technique: "AZT104",
  tactic: "Reconnaissance",
  name: "Entra reconnaissance tool identified by its User-Agent",
  description:
    "A Microsoft Graph request or an Entra sign-in carried the User-Agent of a known Azure/Entra reconnaissance tool. " +
    "AzureHound's default User-Agent is azurehound/<version>; the other names are what the tools are called and may " +
    "appear in their agents. Operators can change any User-Agent, so this catches default use only; the volume " +
    "detections (azt104-graph-user-enumeration, azt105-*, azt106-*) do not depend on it.",
  falsePositives: ["Authorised red-team or BloodHound Enterprise collection (allowlist its principal)."],
  triage: [
    "Confirm with the security team whether an authorised assessment is running from these IPs.",
    "If not: revoke the principal's sessions and refresh tokens, reset its credentials, and review its sign-ins (Source SigninLogs/AADNonInteractiveUserSignInLogs) for where the token came from.",
    "Expect the collected data to be used for privilege escalation paths: review role assignments, app owners and group owners changed in the following days.",
  ],
  references: [ATRM, GRAPH_ACTIVITY_DOC, "https://github.com/SpecterOps/AzureHound"],
  severity: 1,
  // Every 30 minutes over the rows ingested since the previous run; Graph activity logs arrive within
  // ~30 minutes, at times 2 hours late, so the query range reaches back 30 minutes + 2 hours.
  ...graphIngestionSchedule(TOOL_FREQUENCY),
  parameters: {
    toolAgents: {
      type: "stringList",
      description: "User-Agent terms of reconnaissance tools (matched with has_any: whole terms, any case).",
      default: TOOL_AGENTS,
    },
    allowedPrincipals: {
      type: "stringList",
      description:
        "Principals of authorised assessments: user object ids or service principal object ids (they match every source), " +
        "or UPNs (they match the sign-ins only: MicrosoftGraphActivityLogs has no UPN column, so a user listed by UPN " +
        "still alerts on its Graph requests — list its object id). Drawn also from allowlists.objectIds, which holds the " +
        "object ids in allowlists.callers and, from deploy time on, the object ids of the UPNs in allowlists.callers and " +
        "allowlists.userPrincipalNames.",
      default: [],
      allowlist: "objectIds",
    },
  },
  signal: {
    kind: "query",
    query: (p) => {
      const agents = listParameter(p, "toolAgents"), allowed = listParameter(p, "allowedPrincipals");
      return [
        agentLeg("graph", "MicrosoftGraphActivityLogs", "iff(isempty(UserId), ServicePrincipalId, UserId)", ["Principal"], "RequestUri", "tostring(ResponseStatusCode)", agents, allowed),
        agentLeg("interactive", "SigninLogs", "UserPrincipalName", ["Principal", "UserId"], "AppDisplayName", "ResultType", agents, allowed),
        agentLeg("nonInteractive", "AADNonInteractiveUserSignInLogs", "UserPrincipalName", ["Principal", "UserId"], "AppDisplayName", "ResultType", agents, allowed),
        mergeLegs(["graph", "interactive", "nonInteractive"], ["Principal", "AppId", "UserAgent"], TOOL_COLUMNS),
        "| extend SampleIPAddress = tostring(IPAddresses[0])",
        `| project ${NEW_EVIDENCE.output("FirstSeen")}, Principal, AppId, UserAgent, SampleIPAddress, Events, FirstSeen, LastSeen, Sources, Details, Results, IPAddresses`,
      ].join("\n");
    },
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Principal", "AppId", "UserAgent"] },
  },
  requires: [{ source: "entraId", categories: ["MicrosoftGraphActivityLogs", "SignInLogs", "NonInteractiveUserSignInLogs"] }],
  entities: { account: "Principal", ip: "SampleIPAddress" },
  samples: {
    source: "log-values.md section 8 (UserAgent reveals tools: azurehound/...), section 3.1 (sign-in rows); AzureHound README",
    fires: [
      { name: "AzureHound listing users through Graph", rows: { MicrosoftGraphActivityLogs: [graphRow(20, { UserAgent: "azurehound/v2.1.7" })] } },
      { name: "late row: an AzureHound request from 2 hours ago that landed 10 minutes ago", rows: { MicrosoftGraphActivityLogs: [graphRow(120, { _TimeReceived: minutesAgo(10) })] } },
      {
        name: "AzureHound's token refresh in the non-interactive sign-ins",
        rows: { AADNonInteractiveUserSignInLogs: [nonInteractiveRow(15, { UserAgent: "azurehound/v2.0.4", AppId: APP.azurePowerShell, AppDisplayName: "Microsoft Azure PowerShell", ResourceDisplayName: "Microsoft Graph", ResourceIdentity: "00000003-0000-0000-c000-000000000000", IPAddress: ATTACKER_IP })] },
      },
      {
        // A known limit (see allowedPrincipals): MicrosoftGraphActivityLogs has no UPN column.
        name: "a user listed by UPN is not silenced in Graph requests, which carry only its object id",
        parameters: { allowedPrincipals: [`adelev@${SAMPLE_DOMAIN}`] },
        rows: { MicrosoftGraphActivityLogs: [graphRow(20, { UserId: SIGNIN_USER_ID })] },
      },
      {
        name: "AzureHound signing in with a username and password (interactive sign-in)",
        rows: { SigninLogs: [signinRow(25, { UserAgent: "azurehound/v2.1.7", ClientAppUsed: "Mobile Apps and Desktop clients", AppId: APP.azurePowerShell, AppDisplayName: "Microsoft Azure PowerShell", IPAddress: ATTACKER_IP })] },
      },
    ],
    quiet: [
      { name: "ordinary browser and SDK agents", rows: { MicrosoftGraphActivityLogs: [graphRow(20, { UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36" }), graphRow(21, { UserAgent: "Microsoft Graph PowerShell/2.19.0 (Windows NT 10.0.22631)" })], SigninLogs: [signinRow(25)] } },
      { name: "already alerted: the tool's request (40 minutes ago) was ingested before the previous run", rows: { MicrosoftGraphActivityLogs: [graphRow(40)] } },
      { name: "tool seen 150 minutes ago, ingested then", rows: { MicrosoftGraphActivityLogs: [graphRow(150)] } },
      { name: "authorised assessment principal", parameters: { allowedPrincipals: ["3f1c8d2a-7b4e-4c1a-9e6d-2a5b8c9d0e1f"] }, rows: { MicrosoftGraphActivityLogs: [graphRow(20)] } },
      {
        name: "authorised assessment user listed by object id: its Graph requests and its sign-ins",
        parameters: { allowedPrincipals: [SIGNIN_USER_ID] },
        rows: { MicrosoftGraphActivityLogs: [graphRow(20, { UserId: SIGNIN_USER_ID })], SigninLogs: [signinRow(25, { UserAgent: "azurehound/v2.1.7" })] },
      },
      { name: "authorised assessment user listed by UPN: its sign-ins", parameters: { allowedPrincipals: [`adelev@${SAMPLE_DOMAIN}`] }, rows: { SigninLogs: [signinRow(25, { UserAgent: "azurehound/v2.1.7" })] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [userEnumeration, toolUserAgent] };
