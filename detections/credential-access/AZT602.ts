// AZT602 Steal Service Principal Certificate: Automation RunAs accounts.
// RunAs accounts were retired on 30 September 2023 (no new ones, no certificate renewal), but
// existing RunAs service principals and their exported certificates keep working until the
// certificate expires or is removed. What Azure sees of a stolen certificate is its use: a
// certificate sign-in of the service principal from somewhere it never signed in from.
import * as kql from "../kql";
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { FIRST_ARRIVAL, ingestionSchedule } from "../patterns/arrival";
import { ATRM, ATTACKER_IP, list } from "./shared";
import { arrivalSplit } from "../patterns/arrival";

const RUNAS_APP = "7d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a";
const SANDBOX_IP = "20.50.2.17";
const THUMBPRINT = "3F2A9C1D7E5B4A6C8D0E2F1A3B5C7D9E0F1A2B3C";
/** Hourly: the sign-ins ingested since the previous run are judged, the rest of the two days is history (P1DT23H plus the one-hour Entra ID lag: P2D, Azure's maximum query range). */
const RUN = "PT1H";
const split = arrivalSplit(RUN);

function spSignIn(minutes: number, ip: string, over: SampleRow = {}): SampleRow {
  return {
    TimeGenerated: minutesAgo(minutes),
    Category: "ServicePrincipalSignInLogs",
    OperationName: "Sign-in activity",
    ResultType: "0",
    AppId: RUNAS_APP,
    ServicePrincipalId: "0e1d2c3b-4a59-4867-b5a4-c3d2e1f0a9b8",
    ServicePrincipalName: "aa-ops_Xk3n9Qw2Lp0=",
    ServicePrincipalCredentialThumbprint: THUMBPRINT,
    ServicePrincipalCredentialKeyId: "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
    IPAddress: ip,
    Location: "NL",
    ResourceIdentity: "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    ResourceDisplayName: "Windows Azure Service Management API",
    ...over,
  };
}

const certificateNewIp: Detection = {
  key: "azt602-1-sp-certificate-new-ip",
  technique: "AZT602.1",
  tactic: "Credential Access",
  name: "Service principal signed in with a certificate from a new IP address",
  description:
    "A service principal authenticated with a certificate (ServicePrincipalCredentialThumbprint set) from an IP address it " +
    "has not signed in from in the previous two days. An Automation RunAs account's certificate can be exported by any " +
    "runbook of the account (Get-AutomationCertificate 'AzureRunAsCertificate'); once copied, it signs in from the " +
    "attacker's machine instead of the Automation sandbox. RunAs accounts were retired on 30 September 2023, but existing " +
    "RunAs service principals and copied certificates stay valid until expiry: remove them. The detection covers any " +
    "certificate-authenticated service principal; restrict it to RunAs apps with watchedAppIds. Only service principals " +
    "with earlier sign-ins are judged. Runbook changes that would export the certificate are covered by " +
    "azt601-5-runbook-change-and-job and azt605-2-runbook-edit-and-test.",
  falsePositives: ["Workloads whose egress IP changes (new build agents, NAT changes, cloud sandboxes with rotating addresses): allowlist their app ids or IPs."],
  triage: [
    "Identify the service principal (ServicePrincipalName of a RunAs account is `<automation account>_<random>`) and where the new IPAddress belongs.",
    "Review what it did from that IP: AzureActivity (Caller = its object id) and MicrosoftGraphActivityLogs (AppId).",
    "If stolen: remove the certificate from the app registration (Certificates & secrets), delete retired RunAs accounts, and move the account to a managed identity.",
  ],
  references: [
    `${ATRM}/AZT602/AZT602-1/`,
    "https://learn.microsoft.com/azure/automation/migrate-run-as-accounts-managed-identity",
    "https://learn.microsoft.com/entra/identity/monitoring-health/concept-sign-ins#service-principal-sign-ins",
  ],
  severity: 2,
  ...ingestionSchedule(RUN, "P1DT23H", "entraId"),
  parameters: {
    watchedAppIds: { type: "stringList", description: "Restrict to these application ids (e.g. your remaining RunAs accounts); empty means every certificate-authenticated service principal.", default: [] },
    allowedAppIds: { type: "stringList", description: "Application ids not judged.", default: [], allowlist: "appIds" },
    allowedIpAddresses: { type: "stringList", description: "Addresses from which certificate sign-ins are expected.", default: [], allowlist: "ipAddresses" },
  },
  signal: {
    kind: "query",
    query: (p) => {
      const watched = list(p, "watchedAppIds");
      return [
        "let signIns = AADServicePrincipalSignInLogs",
        split.mark,
        '| where ResultType == "0"' +
          (watched.length ? `\n| where AppId in~ ${kql.strList(watched)}` : "") +
          kql.excludeIn("AppId", list(p, "allowedAppIds")) + ";",
        "let known = signIns",
        split.history,
        "| summarize by AppId, IPAddress;",
        "signIns",
        split.recent,
        "| where isnotempty(ServicePrincipalCredentialThumbprint)" + kql.excludeIn("IPAddress", list(p, "allowedIpAddresses")),
        `| summarize FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), SignIns = count(), ${FIRST_ARRIVAL.aggregate}, Thumbprints = make_set(ServicePrincipalCredentialThumbprint, 5),`,
        "    Resources = make_set(ResourceDisplayName, 10), Location = take_any(Location) by AppId, ServicePrincipalId, ServicePrincipalName, IPAddress",
        "| join kind=inner (known | distinct AppId) on AppId",
        "| join kind=leftanti known on AppId, IPAddress",
        `| project ${FIRST_ARRIVAL.output("FirstSeen")}, ServicePrincipalName, AppId, ServicePrincipalId, IPAddress, Location, Thumbprints, Resources, SignIns`,
      ].join("\n");
    },
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["ServicePrincipalName", "AppId", "IPAddress"] },
  },
  requires: [{ source: "entraId", categories: ["ServicePrincipalSignInLogs"] }],
  entities: { account: "ServicePrincipalName", ip: "IPAddress" },
  samples: {
    source:
      "log-values.md 3.2 (ResultType string codes), 3.3 (AADServicePrincipalSignInLogs identity and credential columns); " +
      "RunAs service principal naming from the Automation migration docs; row values (unverified)",
    fires: [
      { name: "certificate sign-in from the sandbox yesterday, now from an outside IP", rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(20, ATTACKER_IP, { Location: "RO" })] } },
      {
        name: "outside sign-in 90 minutes ago whose row landed after the previous run",
        rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(90, ATTACKER_IP, { _TimeReceived: minutesAgo(10) })] },
      },
    ],
    quiet: [
      { name: "same IP as before", rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(20, SANDBOX_IP)] } },
      { name: "new IP but client secret, not certificate", rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(20, ATTACKER_IP, { ServicePrincipalCredentialThumbprint: "" })] } },
      { name: "failed certificate sign-in", rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(20, ATTACKER_IP, { ResultType: "7000222" })] } },
      { name: "no earlier sign-ins (no baseline)", rows: { AADServicePrincipalSignInLogs: [spSignIn(20, ATTACKER_IP)] } },
      {
        name: "not a watched app",
        parameters: { watchedAppIds: ["11111111-2222-4333-8444-555555555555"] },
        rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(20, ATTACKER_IP)] },
      },
      { name: "new IP first used before the previous run (already judged)", rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(70, ATTACKER_IP)] } },
      {
        name: "IP alerted on by the previous run, signing in again now",
        rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(80, ATTACKER_IP, { _TimeReceived: minutesAgo(62) }), spSignIn(15, ATTACKER_IP)] },
      },
      { name: "allowlisted IP", parameters: { allowedIpAddresses: [ATTACKER_IP] }, rows: { AADServicePrincipalSignInLogs: [spSignIn(26 * 60, SANDBOX_IP), spSignIn(20, ATTACKER_IP)] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [certificateNewIp] };
