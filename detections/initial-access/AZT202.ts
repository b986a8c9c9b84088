// AZT202 Password Spraying, and its sibling, brute force against one account.
import * as kql from "../kql";
import type { Detection, ParameterValues, SampleRow, TechniqueModule } from "../model";
import { listParameter, numberParameter } from "../patterns/baseline";
import { NEW_EVIDENCE, previousRun } from "../patterns/arrival";
import { minutesAgo } from "../model";
import { APP, BAD_PASSWORD_CODES, HOME_IP, PASSWORD_ACCEPTED_CODES, SAMPLE_DOMAIN, signinRow, SPRAY_IP } from "./signins";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/InitialAccess/AZT202/AZT202/";
const REFERENCES = [
  ATRM,
  "https://learn.microsoft.com/security/operations/incident-response-playbook-password-spray",
  "https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
  "https://learn.microsoft.com/entra/identity/authentication/howto-password-smart-lockout",
];
const REQUIRES: Detection["requires"] = [{ source: "entraId", categories: ["SignInLogs"] }];

/** Wrong-password and password-accepted sign-ins, flagged; the common first lines of both detections. */
function outcomeRows(excludeColumn: string, excluded: string[]): string {
  return (
    "SigninLogs\n" +
    `| where ResultType in ${kql.strList([...BAD_PASSWORD_CODES, ...PASSWORD_ACCEPTED_CODES])}` +
    kql.excludeIn(excludeColumn, excluded) +
    `\n| extend BadPassword = ResultType in ${kql.strList(BAD_PASSWORD_CODES)}, PasswordAccepted = ResultType in ${kql.strList(PASSWORD_ACCEPTED_CODES)}` +
    `\n${NEW_EVIDENCE.extend}`
  );
}

// The windows are longer than the frequencies: a group alerts only in a run where one of its rows
// (patterns/arrival.ts NEW_EVIDENCE) was ingested since the previous run.
const SPRAY_FREQUENCY = "PT30M";
const BRUTE_FORCE_FREQUENCY = "PT15M";

/**
 * Per source IP: distinct users with a wrong password, and users whose password was accepted.
 * `requireAccepted` keeps only IPs from which at least one user got past the password.
 */
function sprayQuery(p: ParameterValues, requireAccepted: boolean): string {
  // New evidence of a spray is a new wrong password; for the success rule also a newly accepted password.
  const evidence = requireAccepted ? NEW_EVIDENCE.aggregate : "LastIngested = maxif(Ingested, BadPassword)";
  const lines = [
    outcomeRows("IPAddress", listParameter(p, "allowedIpAddresses")),
    "| where isnotempty(IPAddress)",
    "| summarize FailedUsers = dcountif(UserPrincipalName, BadPassword), Failures = countif(BadPassword),",
    "    AcceptedUsers = dcountif(UserPrincipalName, PasswordAccepted), AcceptedUserNames = make_set_if(UserPrincipalName, PasswordAccepted, 20),",
    "    TargetedUsers = make_set_if(UserPrincipalName, BadPassword, 50), ResultTypes = make_set(ResultType, 10), Apps = make_set(AppDisplayName, 10),",
    `    UserAgents = make_set(UserAgent, 5), Locations = make_set(Location, 5), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), ${evidence}`,
    "    by IPAddress",
    `| where FailedUsers >= ${kql.num(numberParameter(p, "minUsers"))}`,
    // A spray fails for most of the users it touches; a busy office NAT succeeds for most.
    "| where AcceptedUsers < FailedUsers",
  ];
  if (requireAccepted) lines.push("| where AcceptedUsers > 0");
  lines.push(NEW_EVIDENCE.since(SPRAY_FREQUENCY));
  lines.push(`| project ${NEW_EVIDENCE.output("FirstSeen")}, IPAddress, FailedUsers, Failures, AcceptedUsers, AcceptedUserNames, FirstSeen, LastSeen, TargetedUsers, ResultTypes, Apps, UserAgents, Locations`);
  return lines.join("\n");
}

const failed = (minutes: number, user: string, over: SampleRow = {}) =>
  signinRow(minutes, { ResultType: "50126", UserPrincipalName: user, IPAddress: SPRAY_IP, Location: "NL", AppId: APP.azurePowerShell, AppDisplayName: "Microsoft Azure PowerShell", ClientAppUsed: "Mobile Apps and Desktop clients", UserAgent: "python-requests/2.31.0", ...over });
const user = (i: number) => `user${i}@${SAMPLE_DOMAIN}`;
/** One failed attempt for each of `n` users, a minute apart. */
const spray = (n: number, start = 10, over: SampleRow = {}) => Array.from({ length: n }, (_, i) => failed(start + i, user(i), over));
const accepted = (minutes: number, upn: string, code = "0", over: SampleRow = {}) => failed(minutes, upn, { ResultType: code, ...over });

const SPRAY_PARAMETERS: Detection["parameters"] = {
  minUsers: { type: "number", integer: true, min: 2, default: 10, description: "Distinct users with a wrong password from one IP within the window." },
  allowedIpAddresses: { type: "stringList", default: [], allowlist: "ipAddresses", description: "Egress IPs (offices, VPN, identity proxies) where many users mistype passwords." },
};
const SPRAY_COMMON = {
  technique: "AZT202",
  tactic: "Initial Access" as const,
  references: REFERENCES,
  evaluationFrequency: SPRAY_FREQUENCY,
  windowSize: "PT2H",
  parameters: SPRAY_PARAMETERS,
  requires: REQUIRES,
  entities: { ip: "IPAddress" },
};
const SPRAY_SOURCE = "log-values.md 3.1 (SigninLogs row form) and 3.2 (ResultType is a string; 50126/50056/50053 bad password; 0, 50055, 50074, 50076, 53003 … reached after a correct password)";

const passwordSpray: Detection = {
  ...SPRAY_COMMON,
  key: "azt202-password-spray",
  name: "Password spray: many users fail with a wrong password from one IP",
  description:
    "At least minUsers distinct users failed to sign in with a wrong password (ResultType 50126, 50056, or 50053 " +
    "locked/blocked) from the same IP address within two hours, and fewer users succeeded from it than failed. It alerts " +
    "when a new wrong password from that IP reached the workspace since the previous run (a continuing spray alerts again). " +
    "Sprays spread over many IPs (residential proxies) or over days stay below this rule; Entra ID Protection's " +
    "password spray risk detection covers part of that.",
  falsePositives: ["A shared egress IP (office, VPN, Citrix) after a password-policy change or an outage (allowlist it).", "A misconfigured app or kiosk signing in with many stale accounts."],
  triage: [
    "Look up IPAddress (hosting provider, TOR, proxy network?) and the TargetedUsers: are they real, are they admins?",
    "Check the companion rule azt202-password-spray-success for any user whose password worked from this IP.",
    "Block the IP with a Conditional Access named location if it is not yours; make sure the targeted users have MFA and no legacy authentication.",
  ],
  severity: 2,
  signal: { kind: "query", query: (p) => sprayQuery(p, false), trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["IPAddress"] } },
  samples: {
    source: SPRAY_SOURCE,
    fires: [
      { name: "12 users fail from one IP", rows: { SigninLogs: spray(12) } },
      {
        name: "late row: 9 users failed 70 minutes ago, the 10th user's failure (sent then) landed 10 minutes ago",
        rows: { SigninLogs: [...spray(9, 70), failed(75, user(9), { _TimeReceived: minutesAgo(10) })] },
      },
      { name: "spray hitting smart lockout (50053) for some users", rows: { SigninLogs: [...spray(8), ...[8, 9].map((i) => failed(30 + i, user(i), { ResultType: "50053" }))] } },
    ],
    quiet: [
      { name: "9 users (one below minUsers)", rows: { SigninLogs: spray(9) } },
      { name: "already alerted: 12 users failed 40-51 minutes ago, all ingested before the previous run", rows: { SigninLogs: spray(12, 40) } },
      {
        name: "already alerted: only a correct password from the spraying IP is new (the success rule's evidence, not this one's)",
        rows: { SigninLogs: [...spray(12, 40), accepted(5, user(42))] },
      },
      { name: "one attempt each from 12 different IPs", rows: { SigninLogs: Array.from({ length: 12 }, (_, i) => failed(10 + i, user(i), { IPAddress: `198.51.100.${i + 1}` })) } },
      { name: "office NAT: 12 users mistype, 20 sign in", rows: { SigninLogs: [...spray(12, 10, { IPAddress: HOME_IP }), ...Array.from({ length: 20 }, (_, i) => accepted(5 + i, user(100 + i), "0", { IPAddress: HOME_IP }))] } },
      { name: "allowlisted egress IP", parameters: { allowedIpAddresses: [SPRAY_IP] }, rows: { SigninLogs: spray(12) } },
      { name: "other failures (MFA denied) are not wrong passwords", rows: { SigninLogs: spray(12, 10, { ResultType: "500121" }) } },
      { name: "spray older than the 2-hour window", rows: { SigninLogs: spray(12, 150) } },
    ],
  },
};

const passwordSprayAccepted: Detection = {
  ...SPRAY_COMMON,
  key: "azt202-password-spray-success",
  name: "Password spray with a correct password: a user got past the password from the spraying IP",
  description:
    "A password spray (see azt202-password-spray) came from an IP from which at least one user then passed the " +
    "password check: signed in (0), or stopped only by MFA, Conditional Access or an expired password (50055, 50072, " +
    "50074, 50076, 50079, 50158, 53003, 530032, 500121). Each of those users' passwords is known to the attacker. " +
    "It alerts when a sign-in from that IP reached the workspace since the previous run.",
  falsePositives: ["A legitimate user signing in through the same shared IP during a spray from it (check the user's usual IPs)."],
  triage: [
    "For every user in AcceptedUserNames: reset the password, revoke sessions (Revoke-MgUserSignInSession) and check which MFA methods are registered — an attacker stopped only by MFA will try MFA fatigue next.",
    "Review the users' sign-ins and AuditLogs activity since FirstSeen for new MFA methods, consent grants or inbox rules.",
    "Block IPAddress with a Conditional Access named location.",
  ],
  severity: 1,
  signal: { kind: "query", query: (p) => sprayQuery(p, true), trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["IPAddress"] } },
  samples: {
    source: SPRAY_SOURCE,
    fires: [
      { name: "spray of 12 users, then one succeeds", rows: { SigninLogs: [...spray(12, 20), accepted(5, user(42))] } },
      { name: "spray of 10 users, one stopped only by MFA (50076)", rows: { SigninLogs: [...spray(10, 20), accepted(8, user(3), "50076")] } },
      { name: "spray alerted an hour ago; the correct password is new", rows: { SigninLogs: [...spray(12, 60), accepted(5, user(42))] } },
      { name: "late row: the success, from 70 minutes ago, landed 10 minutes ago", rows: { SigninLogs: [...spray(12, 75), accepted(70, user(42), "0", { _TimeReceived: minutesAgo(10) })] } },
    ],
    quiet: [
      { name: "spray with no correct password", rows: { SigninLogs: spray(12) } },
      { name: "already alerted: spray and success 40-55 minutes ago, all ingested before the previous run", rows: { SigninLogs: [...spray(12, 44), accepted(40, user(42))] } },
      { name: "success from a different IP", rows: { SigninLogs: [...spray(12, 20), accepted(5, user(42), "0", { IPAddress: HOME_IP })] } },
      { name: "one success after 9 failed users (below minUsers)", rows: { SigninLogs: [...spray(9, 20), accepted(5, user(42))] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------

const bruteForce: Detection = {
  key: "azt202-brute-force",
  technique: "AZT202",
  tactic: "Initial Access",
  name: "Brute force: many wrong passwords for one account",
  description:
    "One account had at least minFailures sign-ins with a wrong password (50126, 50056) or a smart-lockout block " +
    "(50053) within an hour, from any number of IPs. PasswordAccepted shows whether the password was then accepted. " +
    "It alerts when a new wrong password, or the window's first accepted password, reached the workspace since the previous run " +
    "(a continuing attack alerts again; the user's later successful sign-ins do not). " +
    "Smart lockout slows guessing but a distributed attack can keep going below it.",
  falsePositives: ["A device or app looping with an old password after a password change (its IPAddresses and UserAgents stay constant).", "Service accounts with stale credentials in scripts (allowlist the UPN while fixing it)."],
  triage: [
    "Look at IPAddresses and UserAgents: one corporate device with an old password is benign; hosting or proxy IPs are an attack.",
    "If Accepted > 0 after the failures: treat the account as compromised — reset the password, revoke sessions, review MFA methods and recent activity.",
    "Consider a Conditional Access policy requiring MFA from untrusted locations for this account.",
  ],
  references: REFERENCES,
  severity: 2,
  evaluationFrequency: BRUTE_FORCE_FREQUENCY,
  windowSize: "PT1H",
  parameters: {
    minFailures: { type: "number", integer: true, min: 2, default: 20, description: "Wrong-password sign-ins for one account within the window." },
    allowedUsers: { type: "stringList", default: [], allowlist: "userPrincipalNames", description: "Accounts known to loop with stale passwords." },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        outcomeRows("UserPrincipalName", listParameter(p, "allowedUsers")),
        "| summarize Failures = countif(BadPassword), Accepted = countif(PasswordAccepted), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated),",
        "    IPAddresses = make_set_if(IPAddress, BadPassword, 20), ResultTypes = make_set(ResultType, 10), Apps = make_set(AppDisplayName, 10), UserAgents = make_set(UserAgent, 5),",
        // New evidence is a new wrong password, or the window's first accepted password: later successful sign-ins
        // of the account (the user at work after the alert) are not.
        "    LastFailureIngested = maxif(Ingested, BadPassword), FirstAcceptedIngested = minif(Ingested, PasswordAccepted)",
        "    by UserPrincipalName",
        `| where Failures >= ${kql.num(numberParameter(p, "minFailures"))}`,
        `| where LastFailureIngested > ${previousRun(BRUTE_FORCE_FREQUENCY)} or FirstAcceptedIngested > ${previousRun(BRUTE_FORCE_FREQUENCY)}`,
        "| extend LastIngested = max_of(LastFailureIngested, FirstAcceptedIngested)",
        "| extend SampleIPAddress = tostring(IPAddresses[0])",
        `| project ${NEW_EVIDENCE.output("FirstSeen")}, UserPrincipalName, Failures, Accepted, FirstSeen, LastSeen, SampleIPAddress, IPAddresses, ResultTypes, Apps, UserAgents`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["UserPrincipalName"] },
  },
  requires: REQUIRES,
  entities: { account: "UserPrincipalName", ip: "SampleIPAddress" },
  samples: {
    source: SPRAY_SOURCE,
    fires: [
      { name: "20 wrong passwords for one account, then a success", rows: { SigninLogs: [...Array.from({ length: 20 }, (_, i) => failed(10 + i, user(1))), accepted(5, user(1))] } },
      {
        name: "late row: 19 wrong passwords landed 20 minutes ago, the 20th (sent then) landed 5 minutes ago",
        rows: { SigninLogs: [...Array.from({ length: 19 }, (_, i) => failed(20 + i, user(1))), failed(25, user(1), { _TimeReceived: minutesAgo(5) })] },
      },
      { name: "guessing spread over several IPs, ending in smart lockout", rows: { SigninLogs: Array.from({ length: 22 }, (_, i) => failed(10 + i, user(1), { IPAddress: `203.0.113.${i % 5}`, ResultType: i < 12 ? "50126" : "50053" })) } },
      {
        name: "failures alerted by an earlier run, then the first accepted password lands now",
        rows: { SigninLogs: [...Array.from({ length: 20 }, (_, i) => failed(21 + i, user(1))), accepted(6, user(1))] },
      },
    ],
    quiet: [
      { name: "19 wrong passwords (one below minFailures)", rows: { SigninLogs: Array.from({ length: 19 }, (_, i) => failed(10 + i, user(1))) } },
      { name: "already alerted: 20 wrong passwords 18-37 minutes ago, all ingested before the previous run and its 2-minute overlap", rows: { SigninLogs: Array.from({ length: 20 }, (_, i) => failed(18 + i, user(1))) } },
      { name: "20 failures spread over 20 accounts (a spray, not brute force)", rows: { SigninLogs: spray(20) } },
      { name: "allowlisted service account", parameters: { allowedUsers: [user(1)] }, rows: { SigninLogs: Array.from({ length: 25 }, (_, i) => failed(10 + i, user(1))) } },
      { name: "failures older than the 1-hour window", rows: { SigninLogs: Array.from({ length: 25 }, (_, i) => failed(70 + i, user(1))) } },
      {
        name: "already alerted: 20 failures and the first success 18-40 minutes ago; the user keeps signing in (the re-alert this replaced)",
        rows: { SigninLogs: [...Array.from({ length: 20 }, (_, i) => failed(21 + i, user(1))), accepted(18, user(1)), accepted(12, user(1), "0", { IPAddress: HOME_IP }), accepted(4, user(1), "0", { IPAddress: HOME_IP })] },
      },
    ],
  },
  revisions: [
    {
      change: "New evidence is a new wrong password or the window's first accepted password, not the newest sign-in of any outcome.",
      why:
        "After an alert, each successful sign-in of the account in the following hour was new evidence and re-alerted (issue 14). The first " +
        "accepted password after the failures still alerts: it is the moment a guess may have worked.",
      source: "MicrosoftDocs/entra-docs:docs/identity-platform/reference-error-codes.md (50126 invalid username or password; 0 success); log-values.md 3.2",
    },
  ],
};

export const technique: TechniqueModule = { detections: [passwordSpray, passwordSprayAccepted, bruteForce] };
