// AZT201 Valid Credentials: sign-ins with a stolen user password or token (.1) or a stolen service
// principal secret or certificate (.2).
import * as kql from "../kql";
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { BASELINE_SCHEDULE, baselineParameters, baselineTrigger, firstSeenQuery, listParameter, numberParameter, type FirstSeenSpec } from "../patterns/baseline";
import { APP, ARM_RESOURCE_ID, signinRow, spSigninRow } from "./signins";
import { ARRIVAL_PROJECTION, ingestedSinceLastRun, ingestionSchedule, NEW_EVIDENCE } from "../patterns/arrival";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/InitialAccess/AZT201";
const SIGNIN_DOC = "https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins";

// ---------------------------------------------------------------------------------------------
// AZT201.1 User Account

const MANAGEMENT_APPS = [APP.azurePortal, APP.azureCli, APP.azurePowerShell];

const newCountrySpec: FirstSeenSpec = {
  source: "SigninLogs",
  filters: [`ResultType == "0"`, "isnotempty(Location)"],
  recentFilters: [`AppId in~ ${kql.strList(MANAGEMENT_APPS)} or ResourceIdentity =~ ${kql.str(ARM_RESOURCE_ID)}`],
  entity: ["UserPrincipalName"],
  value: "Location",
  details: [
    { name: "IPAddresses", expr: "make_set(IPAddress, 10)" },
    { name: "Apps", expr: "make_set(AppDisplayName, 5)" },
    { name: "AuthenticationRequirements", expr: "make_set(AuthenticationRequirement, 3)" },
    { name: "UserAgents", expr: "make_set(UserAgent, 5)" },
  ],
  after: [{ name: "SampleIPAddress", expr: "tostring(IPAddresses[0])" }],
  exclusions: [
    { column: "Location", parameter: "allowedCountries" },
    { column: "UserPrincipalName", parameter: "allowedUsers" },
  ],
};

const portal = (minutes: number, over: SampleRow = {}) => signinRow(minutes, over);
const outlook = (minutes: number, over: SampleRow = {}) =>
  signinRow(minutes, { AppId: "00000002-0000-0ff1-ce00-000000000000", AppDisplayName: "Office 365 Exchange Online", ResourceIdentity: "00000002-0000-0ff1-ce00-000000000000", ResourceDisplayName: "Office 365 Exchange Online", ...over });
const fromAbroad: SampleRow = { Location: "RU", IPAddress: "5.188.206.14", LocationDetails: { countryOrRegion: "RU", state: "Moskva", city: "Moscow" } };

const newCountry: Detection = {
  key: "azt201-1-management-signin-new-country",
  technique: "AZT201.1",
  tactic: "Initial Access",
  name: "Azure management sign-in from a country new for the user",
  description:
    "A user signed in successfully to Azure management (Azure Portal, Azure CLI, Azure PowerShell or the Windows Azure " +
    "Service Management API) from a country they did not sign in from, with any app, during the previous 24 hours, " +
    "after earlier sign-ins from elsewhere in the two days (so the country is new rather than the user unknown). Countries in allowedCountries " +
    "never alert. A stolen password used from attacker infrastructure usually shows up here.",
  falsePositives: ["Travel, and VPN exits in other countries (add the organisation's countries to allowedCountries).", "Users whose previous-day sign-ins were all from one site while they now work remotely abroad."],
  triage: [
    "Compare Location and IPAddresses with EntityValues (every country the user signed in from in the two days); ask the user.",
    "Check AuthenticationRequirements: a single-factor management sign-in from a new country is urgent.",
    "If not the user: revoke sessions, reset the password, review MFA methods, and review AzureActivity for the user's operations since FirstSeen.",
  ],
  references: [`${ATRM}/AZT201-1/`, SIGNIN_DOC, "https://learn.microsoft.com/entra/identity/conditional-access/location-condition"],
  severity: 2,
  ...BASELINE_SCHEDULE,
  parameters: baselineParameters({
    allowlists: {
      allowedCountries: { description: "Two-letter country codes (SigninLogs.Location) where the organisation works; sign-ins from them never alert." },
      allowedUsers: { description: "UPNs that travel constantly or use global VPN exits.", allowlist: "userPrincipalNames" },
    },
  }),
  signal: { kind: "query", query: (p) => firstSeenQuery(newCountrySpec, p), trigger: baselineTrigger(["UserPrincipalName", "Location"]) },
  requires: [{ source: "entraId", categories: ["SignInLogs"] }],
  entities: { account: "UserPrincipalName", ip: "SampleIPAddress" },
  samples: {
    source: "log-values.md 3.1 (real SigninLogs row: Azure Portal app id, Windows Azure Service Management API, Location two-letter code, ResultType string 0)",
    fires: [
      { name: "GB sign-in this morning, portal from RU an hour later (history from the same day)", rows: { SigninLogs: [outlook(3 * 60), portal(40, fromAbroad)] } },
      { name: "portal sign-in from RU after a day of GB sign-ins", rows: { SigninLogs: [outlook(30 * 60), portal(40, fromAbroad)] } },
      { name: "late row: portal sign-in from RU 3 hours ago that landed 25 minutes ago", rows: { SigninLogs: [outlook(30 * 60), portal(3 * 60, { ...fromAbroad, _TimeReceived: minutesAgo(25) })] } },
      { name: "Outlook from RU 5 hours ago (no alert: not management), then the portal from RU", rows: { SigninLogs: [outlook(30 * 60), outlook(5 * 60, fromAbroad), portal(40, fromAbroad)] } },
      { name: "Azure CLI sign-in from RU", rows: { SigninLogs: [outlook(40 * 60), portal(30 * 60), portal(30, { ...fromAbroad, AppId: APP.azureCli, AppDisplayName: "Microsoft Azure CLI", ClientAppUsed: "Mobile Apps and Desktop clients" })] } },
    ],
    quiet: [
      { name: "same country as the day before", rows: { SigninLogs: [outlook(30 * 60), portal(40)] } },
      { name: "new country but only for Outlook, not a management app", rows: { SigninLogs: [outlook(30 * 60), outlook(40, fromAbroad)] } },
      { name: "failed sign-in from the new country", rows: { SigninLogs: [outlook(30 * 60), portal(40, { ...fromAbroad, ResultType: "50126" })] } },
      { name: "first sign-in in two days is from the new country (no history)", rows: { SigninLogs: [portal(40, fromAbroad)] } },
      { name: "country in allowedCountries", parameters: { allowedCountries: ["RU"] }, rows: { SigninLogs: [outlook(30 * 60), portal(40, fromAbroad)] } },
      { name: "user was already in that country the day before", rows: { SigninLogs: [outlook(30 * 60, fromAbroad), portal(40, fromAbroad)] } },
      { name: "new country first seen 5 hours ago, ingested then (already alerted)", rows: { SigninLogs: [outlook(30 * 60), portal(5 * 60, fromAbroad)] } },
      {
        name: "already alerted: first portal sign-in from RU (70 minutes ago) ingested before the previous run, another one now",
        rows: { SigninLogs: [outlook(30 * 60), portal(70, fromAbroad), portal(10, fromAbroad)] },
      },
    ],
  },
};

const RISKY_FREQUENCY = "PT15M";

const riskySignin: Detection = {
  key: "azt201-1-risky-signin-success",
  technique: "AZT201.1",
  tactic: "Initial Access",
  name: "Successful sign-in that Entra ID Protection rated risky",
  description:
    "A sign-in succeeded although Entra ID Protection rated it medium or high risk at sign-in time " +
    "(RiskLevelDuringSignIn): anonymous IP, unfamiliar properties, malicious IP, leaked credentials, token anomalies. " +
    "Needs Entra ID P2; without it the level is 'hidden' and this rule stays silent (use the new-country rule).",
  falsePositives: ["VPN or privacy relays rated as anonymous IPs.", "New devices or locations for a user (unfamiliar sign-in properties)."],
  triage: [
    "Read RiskEventTypes_V2 for the reason; check IPAddress, Location and AuthenticationRequirement.",
    "Confirm with the user; if not theirs, confirm the user compromised in ID Protection, revoke sessions and reset the password.",
    "Consider a risk-based Conditional Access policy so medium/high sign-in risk requires MFA.",
  ],
  references: [`${ATRM}/AZT201-1/`, "https://learn.microsoft.com/entra/id-protection/concept-identity-protection-risks", SIGNIN_DOC],
  severity: 1,
  // Every 15 minutes over the sign-ins ingested since the previous run (each alerts once, however late).
  ...ingestionSchedule(RISKY_FREQUENCY, RISKY_FREQUENCY, "entraId"),
  parameters: {
    riskLevels: { type: "stringList", default: ["high", "medium"], description: "RiskLevelDuringSignIn values that alert (low, medium, high)." },
    allowedUsers: { type: "stringList", default: [], allowlist: "userPrincipalNames", description: "UPNs excluded (e.g. test accounts used from anonymising networks)." },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "SigninLogs",
        ingestedSinceLastRun(RISKY_FREQUENCY),
        `| where ResultType == "0"`,
        `| where RiskLevelDuringSignIn in~ ${kql.strList(listParameter(p, "riskLevels"))}`,
      ].join("\n") +
      kql.excludeIn("UserPrincipalName", listParameter(p, "allowedUsers")) +
      `\n| project ${ARRIVAL_PROJECTION}, UserPrincipalName, IPAddress, Location, AppDisplayName, AppId, ResourceDisplayName, RiskLevelDuringSignIn, RiskEventTypes_V2, RiskState, AuthenticationRequirement, ConditionalAccessStatus, UserAgent, CorrelationId`,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["UserPrincipalName", "IPAddress"] },
  },
  requires: [{ source: "entraId", categories: ["SignInLogs"] }],
  entities: { account: "UserPrincipalName", ip: "IPAddress" },
  samples: {
    source: "log-values.md 3.1 (RiskDetail/RiskState none on ordinary rows; ResultType string); Entra ID Protection risk detections",
    fires: [
      { name: "high-risk sign-in from an anonymous IP succeeded", rows: { SigninLogs: [portal(10, { ...fromAbroad, RiskLevelDuringSignIn: "high", RiskState: "atRisk", RiskDetail: "none", RiskEventTypes_V2: "[\"anonymizedIPAddress\"]" })] } },
      { name: "late row: a medium-risk sign-in 50 minutes ago that landed 5 minutes ago", rows: { SigninLogs: [portal(50, { ...fromAbroad, RiskLevelDuringSignIn: "medium", RiskState: "atRisk", _TimeReceived: minutesAgo(5) })] } },
    ],
    quiet: [
      { name: "low risk", rows: { SigninLogs: [portal(10, { RiskLevelDuringSignIn: "low", RiskEventTypes_V2: "[\"unfamiliarFeatures\"]" })] } },
      { name: "high risk but blocked (53003)", rows: { SigninLogs: [portal(10, { RiskLevelDuringSignIn: "high", ResultType: "53003" })] } },
      { name: "no P2: risk hidden", rows: { SigninLogs: [portal(10, { RiskLevelDuringSignIn: "hidden" })] } },
      { name: "already alerted: a risky sign-in 20 minutes ago, ingested before the previous run", rows: { SigninLogs: [portal(20, { RiskLevelDuringSignIn: "high" })] } },
      { name: "risky sign-in 45 minutes ago, ingested then", rows: { SigninLogs: [portal(45, { RiskLevelDuringSignIn: "high" })] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT201.2 Service Principal

const spNewIpSpec: FirstSeenSpec = {
  source: "AADServicePrincipalSignInLogs",
  filters: [`ResultType == "0"`, "isnotempty(IPAddress)"],
  entity: ["ServicePrincipalId", "AppId"],
  value: "IPAddress",
  details: [
    { name: "ServicePrincipalNames", expr: "make_set(ServicePrincipalName, 2)" },
    { name: "Resources", expr: "make_set(ResourceDisplayName, 10)" },
    { name: "Locations", expr: "make_set(Location, 5)" },
    { name: "CredentialKeyIds", expr: "make_set(ServicePrincipalCredentialKeyId, 5)" },
  ],
  exclusions: [
    { column: "AppId", parameter: "allowedAppIds" },
    { column: "IPAddress", parameter: "allowedIpAddresses" },
  ],
};

const spNewIp: Detection = {
  key: "azt201-2-sp-signin-new-ip",
  technique: "AZT201.2",
  tactic: "Initial Access",
  name: "Service principal signed in from an IP it did not use the day before",
  description:
    "A service principal signed in successfully, with its secret or certificate, from an IP address it did not use " +
    "in the previous 24 hours, after earlier sign-ins from other addresses in the two days. Workloads run from a stable set of addresses; a leaked " +
    "client secret used from elsewhere (az login --service-principal, Connect-AzAccount -ServicePrincipal) appears as a new one.",
  falsePositives: [
    "Workloads on platforms whose outbound IPs change (consumption-plan Functions, hosted build agents, AKS node pool scaling): allowlist the app or its egress IPs.",
    "A new deployment region of the workload.",
  ],
  triage: [
    "Compare IPAddress with EntityValues (its IPs of the two days) and Locations: an IP outside your cloud/egress ranges is the concern.",
    "Check which credential was used (CredentialKeyIds) and who added it (AuditLogs: Update application – Certificates and secrets management, Add service principal credentials).",
    "If unexplained: remove that credential, review the service principal's role assignments and its AzureActivity operations (Caller = the service principal object id) since FirstSeen.",
  ],
  references: [`${ATRM}/AZT201-2/`, "https://learn.microsoft.com/entra/identity/monitoring-health/concept-service-principal-sign-ins", "https://learn.microsoft.com/entra/workload-id/workload-identities-overview"],
  severity: 3,
  ...BASELINE_SCHEDULE,
  parameters: baselineParameters({
    allowlists: {
      allowedAppIds: { description: "App ids of workloads with changing egress IPs.", allowlist: "appIds" },
      allowedIpAddresses: { description: "Known egress IPs of pipelines and workloads.", allowlist: "ipAddresses" },
    },
  }),
  signal: { kind: "query", query: (p) => firstSeenQuery(spNewIpSpec, p), trigger: baselineTrigger(["ServicePrincipalId", "AppId", "IPAddress"]) },
  requires: [{ source: "entraId", categories: ["ServicePrincipalSignInLogs"] }],
  entities: { account: "AppId", ip: "IPAddress" },
  samples: {
    source: "log-values.md 3.3 (AADServicePrincipalSignInLogs: AppId, ServicePrincipalId, credential key id, string LocationDetails); ATRM AZT201.2 (Windows Azure Service Management API)",
    fires: [
      { name: "pipeline SP signs in from a VPS", rows: { AADServicePrincipalSignInLogs: [spSigninRow(30 * 60), spSigninRow(30, { IPAddress: "193.142.146.20", Location: "DE", LocationDetails: JSON.stringify({ city: "Frankfurt am Main", state: "Hessen", countryOrRegion: "DE" }) })] } },
      { name: "late row: sign-in from a VPS 150 minutes ago that landed 30 minutes ago", rows: { AADServicePrincipalSignInLogs: [spSigninRow(30 * 60), spSigninRow(150, { IPAddress: "193.142.146.20", _TimeReceived: minutesAgo(30) })] } },
    ],
    quiet: [
      {
        name: "already alerted: first sign-in from the new IP (80 minutes ago) ingested before the previous run, more now",
        rows: { AADServicePrincipalSignInLogs: [spSigninRow(30 * 60), spSigninRow(80, { IPAddress: "193.142.146.20" }), spSigninRow(20, { IPAddress: "193.142.146.20" })] },
      },
      { name: "same IP as the day before", rows: { AADServicePrincipalSignInLogs: [spSigninRow(30 * 60), spSigninRow(30)] } },
      { name: "failed sign-in from a new IP", rows: { AADServicePrincipalSignInLogs: [spSigninRow(30 * 60), spSigninRow(30, { IPAddress: "193.142.146.20", ResultType: "7000215" })] } },
      { name: "the new IP is the service principal's first sign-in in two days", rows: { AADServicePrincipalSignInLogs: [spSigninRow(30, { IPAddress: "193.142.146.20" })] } },
      { name: "allowlisted workload app", parameters: { allowedAppIds: ["2c7f9e4d-8a1b-4c3d-9e5f-6a7b8c9d0e1f"] }, rows: { AADServicePrincipalSignInLogs: [spSigninRow(30 * 60), spSigninRow(30, { IPAddress: "193.142.146.20" })] } },
    ],
  },
};

/** Wrong or expired secret, bad certificate assertion (log-values.md 3.2, community lists — unverified on the reference page). */
const SP_CREDENTIAL_FAILURES = ["7000215", "7000222", "700027"];
const SP_FAILURE_WINDOW = "PT2H";
const SP_FAILURE_FREQUENCY = "PT1H";

const spCredentialFailures: Detection = {
  key: "azt201-2-sp-credential-failures",
  technique: "AZT201.2",
  tactic: "Initial Access",
  name: "Service principal credential failures from an IP it never signed in from",
  description:
    "A service principal had at least minFailures sign-ins with an invalid or expired client secret or a bad " +
    "certificate assertion (7000215, 7000222, 700027) within two hours from an IP address from which it has not " +
    "signed in successfully in the last two days: someone is trying old or guessed credentials of the app. " +
    "Failures from the workload's own addresses (a rotated secret not yet deployed) are left out. It alerts when a " +
    "failure from that IP reached the workspace since the previous hourly run, so a continuing attempt alerts again " +
    "and one already alerted on does not.",
  falsePositives: ["A workload moved to new infrastructure before its new secret was deployed."],
  triage: [
    "Identify the app (AppId, ServicePrincipalName) and the IP; CredentialKeyIds shows which credential was tried.",
    "Find where the app's secrets are stored (pipelines, Key Vault, repositories) and whether one leaked; rotate all of them.",
    "Watch azt201-2-sp-signin-new-ip for a success from the same IP.",
  ],
  references: [`${ATRM}/AZT201-2/`, "https://learn.microsoft.com/entra/identity-platform/reference-error-codes"],
  severity: 2,
  evaluationFrequency: SP_FAILURE_FREQUENCY,
  windowSize: SP_FAILURE_WINDOW,
  overrideQueryTimeRange: "P2D",
  parameters: {
    minFailures: { type: "number", integer: true, min: 1, default: 5, description: "Credential failures from one IP within two hours." },
    allowedAppIds: { type: "stringList", default: [], allowlist: "appIds", description: "Apps excluded." },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "let knownSources = AADServicePrincipalSignInLogs",
        `    | where ResultType == "0"`,
        "    | distinct ServicePrincipalId, IPAddress;",
        "AADServicePrincipalSignInLogs",
        `| where TimeGenerated >= ago(${kql.timespan(SP_FAILURE_WINDOW)})`,
        `| where ResultType in ${kql.strList(SP_CREDENTIAL_FAILURES)}`,
      ].join("\n") +
      kql.excludeIn("AppId", listParameter(p, "allowedAppIds")) +
      "\n" +
      [
        NEW_EVIDENCE.extend,
        "| summarize Failures = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), ResultTypes = make_set(ResultType, 5),",
        `    CredentialKeyIds = make_set(ServicePrincipalCredentialKeyId, 5), Resources = make_set(ResourceDisplayName, 5), ${NEW_EVIDENCE.aggregate}`,
        "    by ServicePrincipalId, ServicePrincipalName, AppId, IPAddress",
        `| where Failures >= ${kql.num(numberParameter(p, "minFailures"))}`,
        NEW_EVIDENCE.since(SP_FAILURE_FREQUENCY),
        "| join kind=leftanti knownSources on ServicePrincipalId, IPAddress",
        `| project ${NEW_EVIDENCE.output("FirstSeen")}, ServicePrincipalId, ServicePrincipalName, AppId, IPAddress, Failures, FirstSeen, LastSeen, ResultTypes, CredentialKeyIds, Resources`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["AppId", "IPAddress"] },
  },
  requires: [{ source: "entraId", categories: ["ServicePrincipalSignInLogs"] }],
  entities: { account: "AppId", ip: "IPAddress" },
  samples: {
    source: "log-values.md 3.2 (7000215/7000222 from community lists, unverified) and 3.3 (AADServicePrincipalSignInLogs columns)",
    fires: [
      {
        name: "6 invalid-secret attempts from an unknown IP",
        rows: { AADServicePrincipalSignInLogs: [spSigninRow(20 * 60), ...Array.from({ length: 6 }, (_, i) => spSigninRow(10 + i, { ResultType: "7000215", ResultDescription: "Invalid client secret provided.", IPAddress: "193.142.146.20", ServicePrincipalCredentialKeyId: "" }))] },
      },
      {
        name: "late row: 4 failures landed 90 minutes ago, the 5th (sent then) landed 20 minutes ago",
        rows: {
          AADServicePrincipalSignInLogs: [
            ...Array.from({ length: 4 }, (_, i) => spSigninRow(90 + i, { ResultType: "7000215", IPAddress: "193.142.146.20" })),
            spSigninRow(95, { ResultType: "7000215", IPAddress: "193.142.146.20", _TimeReceived: minutesAgo(20) }),
          ],
        },
      },
    ],
    quiet: [
      {
        name: "already alerted: 6 failures 65-70 minutes ago, all ingested before the previous run",
        rows: { AADServicePrincipalSignInLogs: [spSigninRow(20 * 60), ...Array.from({ length: 6 }, (_, i) => spSigninRow(65 + i, { ResultType: "7000215", IPAddress: "193.142.146.20" }))] },
      },
      { name: "4 failures (one below minFailures)", rows: { AADServicePrincipalSignInLogs: Array.from({ length: 4 }, (_, i) => spSigninRow(10 + i, { ResultType: "7000215", IPAddress: "193.142.146.20" })) } },
      { name: "expired secret retried from the workload's own IP", rows: { AADServicePrincipalSignInLogs: [spSigninRow(20 * 60), ...Array.from({ length: 30 }, (_, i) => spSigninRow(5 + i, { ResultType: "7000222" }))] } },
      { name: "failures older than two hours", rows: { AADServicePrincipalSignInLogs: Array.from({ length: 6 }, (_, i) => spSigninRow(150 + i, { ResultType: "7000215", IPAddress: "193.142.146.20" })) } },
      { name: "allowlisted app", parameters: { allowedAppIds: ["2c7f9e4d-8a1b-4c3d-9e5f-6a7b8c9d0e1f"] }, rows: { AADServicePrincipalSignInLogs: Array.from({ length: 6 }, (_, i) => spSigninRow(10 + i, { ResultType: "7000215", IPAddress: "193.142.146.20" })) } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [newCountry, riskySignin, spNewIp, spCredentialFailures] };
