// AZT107 Gather Resource Data: reads of Azure resources through ARM. The reads themselves are GETs
// and never reach the Activity Log (log-values.md 1.5); what is visible is the token the scripted
// clients obtain for Azure Resource Manager.
import type { Detection, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { BASELINE_SCHEDULE, baselineParameters, baselineTrigger, firstSeenQuery, type FirstSeenSpec } from "../patterns/baseline";
import * as kql from "../kql";
import { APP, ARM_RESOURCE_ID, HOME_IP, nonInteractiveRow, signinRow } from "../initial-access/signins";

const NEW_IP = "198.51.100.77";

// Interactive and non-interactive sign-ins count together: a CLI session signs in interactively, then
// refreshes its token non-interactively from the same address.
const spec: FirstSeenSpec = {
  source: ["SigninLogs", "AADNonInteractiveUserSignInLogs"],
  filters: [`ResultType == "0"`, "isnotempty(IPAddress)"],
  recentFilters: [`AppId in~ ${kql.strList([APP.azureCli, APP.azurePowerShell])}`, `ResourceIdentity =~ ${kql.str(ARM_RESOURCE_ID)}`],
  entity: ["UserPrincipalName"],
  value: "IPAddress",
  details: [
    { name: "Apps", expr: "make_set(AppDisplayName, 5)" },
    { name: "Tables", expr: "make_set(Type, 2)" },
    { name: "Locations", expr: "make_set(Location, 5)" },
    { name: "UserAgents", expr: "make_set(UserAgent, 5)" },
  ],
  exclusions: [
    { column: "UserPrincipalName", parameter: "allowedUsers" },
    { column: "IPAddress", parameter: "allowedIpAddresses" },
  ],
};

/** A successful Azure CLI token for ARM, the form every scripted resource read starts with. */
const cliToken = (minutes: number, over: Record<string, unknown> = {}) =>
  nonInteractiveRow(minutes, {
    AppId: APP.azureCli, AppDisplayName: "Microsoft Azure CLI", ClientAppUsed: "Mobile Apps and Desktop clients",
    UserAgent: "", IPAddress: NEW_IP, Location: "US", ...over,
  });
const history = (minutes: number, over: Record<string, unknown> = {}) =>
  signinRow(minutes, { AppId: "00000002-0000-0ff1-ce00-000000000000", AppDisplayName: "Office 365 Exchange Online", ResourceIdentity: "00000002-0000-0ff1-ce00-000000000000", ResourceDisplayName: "Office 365 Exchange Online", ...over });

const scriptedArmFromNewIp: Detection = {
  key: "azt107-scripted-arm-access-new-ip",
  technique: "AZT107",
  tactic: "Reconnaissance",
  name: "Azure CLI/PowerShell token for Azure Resource Manager from an IP new for the user",
  description:
    "Partial coverage. Reading resources (GET {resource}, Get-AzResource, az resource show/list) is never written to " +
    "the Activity Log, and ARM read volume cannot be measured from any tenant log. Every scripted read, however, needs " +
    "an Azure Resource Manager token for the Azure CLI or Azure PowerShell, and that sign-in is logged. This rule " +
    "alerts when a user obtains such a token (interactively or by refresh) from an IP address they did not sign in " +
    "from, with any app, in the previous 24 hours, while they had signed in from other addresses before it (a user " +
    "whose first sign-in in two days is from the new address is not compared) — the pattern of stolen credentials or a stolen " +
    "token cache being used from attacker infrastructure to enumerate the subscription (also AZT101, AZT102, AZT106.3).",
  falsePositives: [
    "Engineers working from a new network (travel, home, mobile tethering).",
    "Build agents with changing egress IPs that use a user account (allowlist them; better, move them to a workload identity).",
  ],
  triage: [
    "Compare IPAddress with EntityValues (every IP the user signed in from in the two days) and Locations: a hosting provider or an unexpected country is a strong sign.",
    "Ask the user whether they used the Azure CLI or PowerShell from that place; check AuthenticationRequirement and device details of the interactive sign-in.",
    "If not theirs: revoke sessions (Revoke-MgUserSignInSession), reset the password, and review AzureActivity for the user's writes and key/secret listings after FirstSeen.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/Reconnaissance/AZT107/AZT107/",
    "https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log",
    "https://learn.microsoft.com/entra/identity/monitoring-health/concept-noninteractive-sign-ins",
  ],
  severity: 3,
  ...BASELINE_SCHEDULE,
  parameters: baselineParameters({
    allowlists: {
      allowedUsers: { description: "UPNs expected to use scripted ARM access from changing IPs.", allowlist: "userPrincipalNames" },
      allowedIpAddresses: { description: "Egress IPs of offices, VPNs and build agents.", allowlist: "ipAddresses" },
    },
  }),
  signal: { kind: "query", query: (p) => firstSeenQuery(spec, p), trigger: baselineTrigger(["UserPrincipalName", "IPAddress"]) },
  requires: [{ source: "entraId", categories: ["SignInLogs", "NonInteractiveUserSignInLogs"] }],
  entities: { account: "UserPrincipalName", ip: "IPAddress" },
  samples: {
    source: "log-values.md 3.1 (Azure CLI/PowerShell app ids, Windows Azure Service Management API resource id, string ResultType), 3.3 (non-interactive table), 1.5 (ARM reads not logged)",
    fires: [
      {
        name: "history only from this morning (after a quiet weekend), then the CLI from a new IP",
        rows: { SigninLogs: [history(6 * 60)], AADNonInteractiveUserSignInLogs: [cliToken(30)] },
      },
      { name: "Azure CLI refresh token used from a new IP", rows: { SigninLogs: [history(30 * 60, { IPAddress: HOME_IP })], AADNonInteractiveUserSignInLogs: [cliToken(30)] } },
      {
        name: "late row: a non-interactive CLI token from 3 hours ago that landed 20 minutes ago",
        rows: { SigninLogs: [history(30 * 60)], AADNonInteractiveUserSignInLogs: [cliToken(3 * 60, { _TimeReceived: minutesAgo(20) })] },
      },
      {
        name: "interactive Azure PowerShell sign-in from a new IP",
        rows: { SigninLogs: [history(30 * 60), signinRow(45, { AppId: APP.azurePowerShell, AppDisplayName: "Microsoft Azure PowerShell", IPAddress: NEW_IP, ClientAppUsed: "Mobile Apps and Desktop clients" })] },
      },
    ],
    quiet: [
      { name: "same IP as the user's sign-ins the day before", rows: { SigninLogs: [history(30 * 60, { IPAddress: NEW_IP })], AADNonInteractiveUserSignInLogs: [cliToken(30)] } },
      { name: "new IP but a token for Microsoft Graph, not ARM", rows: { SigninLogs: [history(30 * 60)], AADNonInteractiveUserSignInLogs: [cliToken(30, { ResourceIdentity: "00000003-0000-0000-c000-000000000000", ResourceDisplayName: "Microsoft Graph" })] } },
      { name: "new IP in the portal (browser), not a scripted client", rows: { SigninLogs: [history(30 * 60), signinRow(30, { IPAddress: NEW_IP })] } },
      { name: "failed CLI sign-in from the new IP", rows: { SigninLogs: [history(30 * 60)], AADNonInteractiveUserSignInLogs: [cliToken(30, { ResultType: "50126" })] } },
      { name: "the new IP is the user's first sign-in in two days (no history to compare)", rows: { AADNonInteractiveUserSignInLogs: [cliToken(30)] } },
      { name: "new IP first used 3 hours ago, ingested then (already alerted)", rows: { SigninLogs: [history(30 * 60)], AADNonInteractiveUserSignInLogs: [cliToken(3 * 60)] } },
      {
        name: "already alerted: the new IP's first CLI token (70 minutes ago) was ingested before the previous run; it is used again now",
        rows: { SigninLogs: [history(30 * 60)], AADNonInteractiveUserSignInLogs: [cliToken(70), cliToken(10)] },
      },
      { name: "allowlisted VPN egress IP", parameters: { allowedIpAddresses: [NEW_IP] }, rows: { SigninLogs: [history(30 * 60)], AADNonInteractiveUserSignInLogs: [cliToken(30)] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [scriptedArmFromNewIp] };
