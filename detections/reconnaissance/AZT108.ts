// AZT108 Gather Victim Data: reading users' mail, files, calendars and chats.
import * as kql from "../kql";
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { baselineParameters, baselineQuery, baselineTrigger, BASELINE_SCHEDULE, IN_RECENT, type BaselineSpec } from "../patterns/baseline";
import { GRAPH_ACTIVITY_DOC, GRAPH_ALLOWLISTS, GRAPH_EXCLUSIONS, GRAPH_REQUIRES, graphRow, NORMALISED_PATH, PRINCIPAL, rowsOver, sampleGuid } from "./graph";

const spec: BaselineSpec = {
  source: "MicrosoftGraphActivityLogs",
  filters: [
    `RequestMethod =~ "GET"`,
    `RequestUri has "users"`,
    `RequestUri has_any ${kql.strList(["messages", "mailFolders", "drive", "drives", "events", "calendar", "calendars", "contacts", "chats", "onenote"])}`,
  ],
  extend: [
    PRINCIPAL,
    NORMALISED_PATH,
    // The mailbox/drive owner as written in the request (object id or UPN), lower case.
    { name: "TargetUser", expr: `extract(${kql.str("/users/([^/?]+)/")}, 1, tolower(RequestUri))` },
  ],
  postFilters: [
    `Path matches regex ${kql.str("^users/\\{id\\}/(messages|mailfolders|drive|drives|events|calendar|calendars|contacts|chats|onenote)(/|$)")}`,
    "isnotempty(TargetUser)",
  ],
  groupBy: ["Principal", "AppId"],
  distinctOf: "TargetUser",
  details: [
    { name: "Requests", expr: `countif(${IN_RECENT})` },
    { name: "TargetUsers", expr: `make_set_if(TargetUser, ${IN_RECENT}, 20)` },
    { name: "Endpoints", expr: `make_set_if(Path, ${IN_RECENT}, 20)` },
    { name: "IPAddresses", expr: `make_set_if(IPAddress, ${IN_RECENT}, 10)` },
  ],
  after: [{ name: "SampleIPAddress", expr: "tostring(IPAddresses[0])" }],
  exclusions: GRAPH_EXCLUSIONS,
};

const MAIL_APP = "7c3e1f2a-9b8d-4e6f-a1c2-3d4e5f6a7b8c";
const MAIL_SP = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a";
const mailRead = (minutes: number, target: string, over: SampleRow = {}) =>
  graphRow(minutes, {
    RequestUri: `https://graph.microsoft.com/v1.0/users/${target}/mailFolders/inbox/messages?$top=100&$select=subject,from,bodyPreview`,
    UserId: "", ServicePrincipalId: MAIL_SP, AppId: MAIL_APP, ClientAuthMethod: 1, Scopes: "", Roles: "Mail.Read",
    UserAgent: "python-requests/2.31.0", ...over,
  });
const readsOfUsers = (users: number, start: number, over: SampleRow = {}) => rowsOver(users, start, (i, m) => mailRead(m, sampleGuid(i, "b0b0"), over));

const personalDataCollection: Detection = {
  key: "azt108-graph-mailbox-collection",
  technique: "AZT108",
  tactic: "Reconnaissance",
  name: "One principal reading the mail, files or chats of many users through Microsoft Graph",
  description:
    "Partial coverage. A principal read the mailboxes, OneDrive, calendars, contacts or chats of at least minCount " +
    "distinct users through Microsoft Graph in the last 24 hours, a rise of at least risePercent over the day before " +
    "(users/{id}/messages, /mailFolders, /drive, /events, /contacts, /chats, /onenote). This is how an app granted " +
    "Mail.Read/Files.Read.All application permissions, or a compromised admin token, harvests victim data. Reads through " +
    "Exchange Web Services, IMAP, OWA or SharePoint REST are not in MicrosoftGraphActivityLogs (they need the Office 365 " +
    "audit log, e.g. MailItemsAccessed), and a compromised user reading their own mail (/me/...) is not anomalous here.",
  falsePositives: ["Backup, archiving, eDiscovery, DLP and mail-security apps (allowlist their AppId).", "Migration tools during a tenant migration."],
  triage: [
    "Identify the app (AppId) and whether it is a known backup/security product; check when it was granted its permission (AuditLogs: Consent to application, Add app role assignment to service principal).",
    "Review TargetUsers: executives, finance and admins being read is a priority signal.",
    "If unknown: disable the service principal or revoke the user's sessions, remove the grant, and scope what was read from the Graph activity logs.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/Reconnaissance/AZT108/AZT108/",
    GRAPH_ACTIVITY_DOC,
    "https://learn.microsoft.com/graph/api/user-list-messages",
  ],
  severity: 2,
  ...BASELINE_SCHEDULE,
  parameters: baselineParameters({
    minCount: { default: 10, description: "Distinct users whose data the principal read in the last 24h before a rise can alert." },
    risePercent: 300,
    allowlists: GRAPH_ALLOWLISTS,
  }),
  signal: { kind: "query", query: (p) => baselineQuery(spec, p), trigger: baselineTrigger(["Principal", "AppId"]) },
  requires: GRAPH_REQUIRES,
  entities: { account: "Principal", ip: "SampleIPAddress" },
  samples: {
    source: "log-values.md section 8 (RequestUri forms, UserId empty for app-only calls, int ResponseStatusCode); Graph message list API; ATRM AZT108",
    fires: [
      { name: "app-only principal reads 12 users' inboxes, none the day before", rows: { MicrosoftGraphActivityLogs: readsOfUsers(12, 15) } },
      {
        name: "late row: 9 users' reads landed 2 hours ago, the 10th user's read (sent then) landed 10 minutes ago",
        rows: { MicrosoftGraphActivityLogs: [...readsOfUsers(9, 120), mailRead(125, sampleGuid(42, "b0b0"), { _TimeReceived: minutesAgo(10) })] },
      },
      {
        name: "delegated admin token reading OneDrive of 10 users by UPN",
        rows: {
          MicrosoftGraphActivityLogs: rowsOver(10, 30, (i, m) => graphRow(m, { RequestUri: `https://graph.microsoft.com/v1.0/users/user${i}@contoso.onmicrosoft.com/drive/root/children` })),
        },
      },
    ],
    quiet: [
      { name: "9 distinct users (one below minCount)", rows: { MicrosoftGraphActivityLogs: readsOfUsers(9, 15) } },
      { name: "already alerted: reads of 12 users 65-76 minutes ago, all ingested before the previous run", rows: { MicrosoftGraphActivityLogs: readsOfUsers(12, 65) } },
      { name: "50 reads of a single user's mailbox", rows: { MicrosoftGraphActivityLogs: rowsOver(50, 15, (_, m) => mailRead(m, sampleGuid(1, "b0b0"))) } },
      { name: "same app read as many users the day before", rows: { MicrosoftGraphActivityLogs: [...readsOfUsers(12, 15), ...readsOfUsers(11, 25 * 60)] } },
      { name: "allowlisted backup app", parameters: { allowedAppIds: [MAIL_APP] }, rows: { MicrosoftGraphActivityLogs: readsOfUsers(12, 15) } },
      { name: "user reading their own mail through /me", rows: { MicrosoftGraphActivityLogs: rowsOver(30, 15, (_, m) => graphRow(m, { RequestUri: "https://graph.microsoft.com/v1.0/me/messages?$top=25" })) } },
      { name: "sending mail (POST) is not a read", rows: { MicrosoftGraphActivityLogs: readsOfUsers(12, 15, { RequestMethod: "POST", ResponseStatusCode: 202 }) } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [personalDataCollection] };
