// Shared by the Entra ID reconnaissance detections (AZT104, AZT105, AZT106.x, AZT108): reads of
// Entra objects and user data never reach AuditLogs or AzureActivity; MicrosoftGraphActivityLogs
// is the only tenant-side record of them (log-values.md section 8). Azure AD Graph
// (graph.windows.net, used by ROADtools' roadrecon and the retired AzureAD module) and the
// Exchange/SharePoint native APIs are not in that table.
import * as kql from "../kql";
import type { Detection, Requirement, SampleCase, SampleRow } from "../model";
import { minutesAgo } from "../model";
import { ingestionSchedule } from "../patterns/arrival";
import { baselineParameters, baselineQuery, baselineTrigger, BASELINE_SCHEDULE, IN_RECENT, type BaselineSpec, type Column } from "../patterns/baseline";

export const GRAPH_REQUIRES: Requirement[] = [{ source: "entraId", categories: ["MicrosoftGraphActivityLogs"] }];

export const GRAPH_ACTIVITY_DOC = "https://learn.microsoft.com/graph/microsoft-graph-activity-logs-overview";

/** ingestionSchedule for a rule over MicrosoftGraphActivityLogs rows ingested since the previous run: range = frequency + the Graph lag. */
export function graphIngestionSchedule(frequency: string) {
  return ingestionSchedule(frequency, frequency, "graphActivity");
}

/** The calling principal: the user for delegated calls, the service principal for app-only calls. */
export const PRINCIPAL: Column = { name: "Principal", expr: "iff(isempty(UserId), ServicePrincipalId, UserId)" };

const GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/**
 * The request path without host, API version, query string, object ids and UPNs, lower case:
 * `https://graph.microsoft.com/beta/groups/<guid>/members?$top=999` -> `groups/{id}/members`.
 */
export const NORMALISED_PATH: Column = {
  name: "Path",
  expr:
    "replace_regex(replace_regex(replace_regex(tolower(tostring(split(RequestUri, \"?\")[0])), " +
    `${kql.str("^https://graph\\.microsoft\\.com/(v1\\.0|beta)/")}, ""), ${kql.str(GUID)}, "{id}"), ${kql.str("/[^/]+@[^/]+")}, "/{id}")`,
};

/** Anchors a family of normalised paths; an optional type cast or /$count may follow. */
export function pathRegex(alternatives: string[]): string {
  return `^(${alternatives.join("|")})(/microsoft\\.graph\\.(user|group|serviceprincipal|device|application)|/\\$count)?$`;
}

/** Recent-day details every Graph detection reports. */
const GRAPH_DETAILS: Column[] = [
  { name: "Denied", expr: `countif(${IN_RECENT} and ResponseStatusCode in (401, 403))` },
  { name: "Endpoints", expr: `make_set_if(Path, ${IN_RECENT}, 20)` },
  { name: "IPAddresses", expr: `make_set_if(IPAddress, ${IN_RECENT}, 10)` },
  { name: "UserAgents", expr: `make_set_if(UserAgent, ${IN_RECENT}, 5)` },
];
const SAMPLE_IP: Column = { name: "SampleIPAddress", expr: "tostring(IPAddresses[0])" };

/**
 * What an allowlist of Graph principals accepts. Principal is an object id; the table has no UPN
 * column, so the UPNs users put in allowlists.callers (AzureActivity.Caller form) never match here,
 * while its service principal object ids do (Caller is the object id for service principals).
 */
export function graphPrincipalsDescription(what: string): string {
  return (
    `User object ids (UserId) or service principal object ids (ServicePrincipalId) ${what}. Drawn from ` +
    `allowlists.objectIds, which also holds the object ids in allowlists.callers and, from deploy time on, the object ids ` +
    `of the UPNs in allowlists.callers and allowlists.userPrincipalNames (MicrosoftGraphActivityLogs has no UPN column).`
  );
}

/** The allowlists of every per-principal Graph detection, and the exclusions that apply them. */
export const GRAPH_ALLOWLISTS = {
  allowedAppIds: { description: "App ids (Graph AppId) whose activity is expected, e.g. identity governance, backup or security tools.", allowlist: "appIds" },
  allowedPrincipals: { description: graphPrincipalsDescription("whose activity is expected"), allowlist: "objectIds" },
} as const;
export const GRAPH_EXCLUSIONS = [
  { column: "AppId", parameter: "allowedAppIds" },
  { column: "Principal", parameter: "allowedPrincipals" },
];

export interface GraphEnumeration {
  key: string;
  technique: string;
  name: string;
  what: string;
  /** Terms for a cheap `has_any` prefilter on RequestUri before the path regex. */
  terms: string[];
  /** Alternatives of normalised paths (regex, see pathRegex). */
  paths: string[];
  minCount: number;
  risePercent: number;
  atrm: string;
  references: string[];
  falsePositives: string[];
  triage: string[];
  /** Builds a RequestUri for sample row i (different objects, same endpoint family). */
  sampleUri: (i: number) => string;
  /** A RequestUri outside the family, for the "different endpoint" quiet case. */
  otherUri: string;
}

/** The Graph query of an enumeration family, as a baseline spec. */
export function graphEnumerationSpec(e: Pick<GraphEnumeration, "terms" | "paths">): BaselineSpec {
  return {
    source: "MicrosoftGraphActivityLogs",
    filters: [`RequestMethod =~ "GET"`, `RequestUri has_any ${kql.strList(e.terms)}`],
    extend: [PRINCIPAL, NORMALISED_PATH],
    postFilters: [`Path matches regex ${kql.str(pathRegex(e.paths))}`],
    groupBy: ["Principal", "AppId"],
    details: GRAPH_DETAILS,
    after: [SAMPLE_IP],
    exclusions: GRAPH_EXCLUSIONS,
  };
}

/** A Graph enumeration-volume detection: requests to one endpoint family per principal and app, last 24h vs the 24h before. */
export function graphEnumeration(e: GraphEnumeration): Detection {
  const spec = graphEnumerationSpec(e);
  return {
    key: e.key,
    technique: e.technique,
    tactic: "Reconnaissance",
    name: e.name,
    description:
      `A principal read ${e.what} through Microsoft Graph far more often in the last 24 hours than in the 24 hours before ` +
      `(at least minCount requests and a rise of at least risePercent). Enumeration tools (AzureHound, GraphRunner, ` +
      `Graph PowerShell scripts) page through these endpoints object by object; reads of Entra objects are recorded ` +
      `only in MicrosoftGraphActivityLogs. Request paths are normalised (version, query string and object ids removed) ` +
      `before matching. Graph activity logs arrive within about 30 minutes, at times up to 2 hours late: the rule ` +
      `alerts in the hourly run after a matching request lands, however late, and again only when more of the ` +
      `principal's requests land (not on every run while its day's count stays high).`,
    falsePositives: e.falsePositives,
    triage: [
      "Identify the principal (Principal is the user object id, or the service principal object id for app-only calls) and the app (AppId).",
      ...e.triage,
      "Check the sign-in that issued the token: join SigninLogs/AADNonInteractiveUserSignInLogs on UniqueTokenIdentifier == SignInActivityId for the IP, device, MFA and location.",
      "If the activity is not explained: revoke the principal's sessions (or the app's credentials), and look for follow-on activity from the same IPs (role assignments, consent, credential changes).",
    ],
    references: [e.atrm, GRAPH_ACTIVITY_DOC, ...e.references],
    severity: 2,
    ...BASELINE_SCHEDULE,
    parameters: baselineParameters({
      minCount: { default: e.minCount, description: `Requests to the endpoint family in the last 24h before a rise can alert.` },
      risePercent: e.risePercent,
      allowlists: GRAPH_ALLOWLISTS,
    }),
    signal: { kind: "query", query: (p) => baselineQuery(spec, p), trigger: baselineTrigger(["Principal", "AppId"]) },
    requires: GRAPH_REQUIRES,
    entities: { account: "Principal", ip: "SampleIPAddress" },
    samples: enumerationSamples(e),
  };
}

// ---------------------------------------------------------------------------------------------
// Sample rows.

export const SAMPLE_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const ATTACKER_USER_ID = "3f1c8d2a-7b4e-4c1a-9e6d-2a5b8c9d0e1f";
export const ADMIN_USER_ID = "8d2e4f6a-1b3c-4d5e-8f9a-0b1c2d3e4f5a";
/** Azure PowerShell's first-party app id (log-values.md 3.1), which AzureHound and many scripts borrow. */
export const AZ_POWERSHELL_APP = "1950a258-227b-4e31-a9cf-717495945fc2";
export const GRAPH_POWERSHELL_APP = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
export const ATTACKER_IP = "185.220.101.47";
export const OFFICE_IP = "20.61.14.9";

/** A deterministic GUID for sample object i. */
export function sampleGuid(i: number, prefix = "a1b2"): string {
  const h = (i + 1).toString(16).padStart(12, "0");
  return `${prefix}c3d4-e5f6-4a7b-8c9d-${h}`;
}

/** A MicrosoftGraphActivityLogs row as the table reference describes it (log-values.md section 8). */
export function graphRow(minutes: number, over: SampleRow = {}): SampleRow {
  return {
    TimeGenerated: minutesAgo(minutes),
    TenantId: SAMPLE_TENANT,
    RequestId: sampleGuid(minutes, "0d0e"),
    OperationId: sampleGuid(minutes, "0f0e"),
    ApiVersion: "v1.0",
    RequestMethod: "GET",
    RequestUri: "https://graph.microsoft.com/v1.0/users",
    ResponseStatusCode: 200,
    AppId: AZ_POWERSHELL_APP,
    UserId: ATTACKER_USER_ID,
    ServicePrincipalId: "",
    IPAddress: ATTACKER_IP,
    UserAgent: "azurehound/v2.1.7",
    ClientAuthMethod: 0,
    Scopes: "AuditLog.Read.All Directory.AccessAsUser.All User.Read",
    Roles: "",
    Wids: "b79fbf4d-3ef9-4689-8143-76b194e85509",
    SignInActivityId: "kq7Xz3Dq1EqvYb2m9Qb1AA",
    Location: "West Europe",
    DurationMs: 120,
    ResponseSizeBytes: 4096,
    ...over,
  };
}

/** `count` rows spread one a minute from `startMinutes` back, each built by `make(i, minutes)`. */
export function rowsOver(count: number, startMinutes: number, make: (i: number, minutes: number) => SampleRow): SampleRow[] {
  return Array.from({ length: count }, (_, i) => make(i, startMinutes + i));
}

function enumerationSamples(e: GraphEnumeration): Detection["samples"] {
  const burst = (n: number, start: number, over: SampleRow = {}) =>
    rowsOver(n, start, (i, m) => graphRow(m, { RequestUri: e.sampleUri(i), ...over }));
  const min = e.minCount;
  // Enough previous-day requests that the rise stays below risePercent.
  const steady = Math.floor((min + 5) / (1 + e.risePercent / 100)) + 1;
  const fires: SampleCase[] = [
    { name: `${min + 5} requests in the last hour, none the day before`, rows: { MicrosoftGraphActivityLogs: burst(min + 5, 10) } },
    {
      name: `late row: ${min - 1} requests landed 90 minutes ago, the ${min}th (sent then) landed 20 minutes ago`,
      rows: { MicrosoftGraphActivityLogs: [...burst(min - 1, 90), graphRow(95, { RequestUri: e.sampleUri(min), _TimeReceived: minutesAgo(20) })] },
    },
    {
      name: "app-only enumeration by a service principal (UserId empty)",
      rows: {
        MicrosoftGraphActivityLogs: burst(min, 20, {
          UserId: "", ServicePrincipalId: "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9", AppId: "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
          ClientAuthMethod: 1, Scopes: "", Roles: "Directory.Read.All", UserAgent: "python-requests/2.31.0",
        }),
      },
    },
  ];
  const quiet: SampleCase[] = [
    { name: `one request short of minCount (${min - 1})`, rows: { MicrosoftGraphActivityLogs: burst(min - 1, 10) } },
    {
      name: "same principal already enumerated at a similar rate the day before (rise below risePercent)",
      rows: { MicrosoftGraphActivityLogs: [...burst(min + 5, 10), ...burst(steady, 26 * 60)] },
    },
    {
      name: "allowlisted principal (user object id)",
      parameters: { allowedPrincipals: [ATTACKER_USER_ID] },
      rows: { MicrosoftGraphActivityLogs: burst(min + 5, 10) },
    },
    {
      name: "allowlisted app",
      parameters: { allowedAppIds: [AZ_POWERSHELL_APP] },
      rows: { MicrosoftGraphActivityLogs: burst(min + 5, 10) },
    },
    {
      name: "same volume on an endpoint outside the family",
      rows: { MicrosoftGraphActivityLogs: rowsOver(min + 5, 10, (_, m) => graphRow(m, { RequestUri: e.otherUri })) },
    },
    {
      name: "writes (POST) to the same endpoints are not reads",
      rows: { MicrosoftGraphActivityLogs: burst(min + 5, 10, { RequestMethod: "POST", ResponseStatusCode: 201 }) },
    },
    { name: "already alerted: the whole burst (70 minutes ago and older) was ingested before the previous run", rows: { MicrosoftGraphActivityLogs: burst(min + 5, 70) } },
    { name: "burst 4 hours ago, ingested then (already alerted)", rows: { MicrosoftGraphActivityLogs: burst(min + 5, 4 * 60) } },
  ];
  return {
    source:
      "log-values.md section 8 (RequestUri forms incl. /beta, int ResponseStatusCode, UserId empty for app-only calls, " +
      "AzureHound UserAgent); Microsoft Graph activity logs overview; ATRM " + e.technique,
    fires,
    quiet,
  };
}
