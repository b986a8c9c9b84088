// AZT701 SAS URI Generation: a shared access signature lets anyone holding the URL download a
// disk or read a storage account without an identity, from anywhere.
import * as kql from "../kql";
import { mergeLegs, type MergedColumn } from "../patterns/merge";
import type { Detection, ParameterValues, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { FIRST_ARRIVAL, arrivalSplit, ingestionSchedule } from "../patterns/arrival";
import { activityRule } from "./activityRule";
import { MICROSOFT_SERVICE_APP_IDS, MICROSOFT_SERVICE_APP_IDS_SOURCE } from "../microsoft-services";
import { activityRow, armId, storageRow } from "./sampleRows";
import { CALLER_IP, SUCCEEDED } from "./storageKql";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/Impact/AZT701";

const diskSas = activityRule({
  key: "azt701-1-disk-sas",
  technique: "AZT701.1",
  name: "SAS URL generated for a managed disk or snapshot",
  description:
    "Someone requested read access to a managed disk or snapshot (Microsoft.Compute/disks/beginGetAccess/action or " +
    "snapshots/beginGetAccess/action), which returns a SAS URL that downloads the whole disk from any network without " +
    "further authentication. Exporting an OS or data disk is a direct way to exfiltrate a VM's files, secrets and " +
    "credential stores.",
  falsePositives: ["Planned disk exports or migrations; backup or DR tooling that exports disks (add its identity to allowedCallers)."],
  triage: [
    "Identify caller, source IP and the disk (_ResourceId); ask the owner whether an export was planned.",
    "Revoke the SAS immediately if unplanned: Revoke-AzDiskAccess / az disk revoke-access (endGetAccess).",
    "Check what the disk holds (OS disk of which VM, data classification) and treat its secrets as exposed.",
    "Review the caller's other activity (AzureActivity) and sign-ins around the time of the export.",
  ],
  references: [`${ATRM}/AZT701-1/`, "https://learn.microsoft.com/azure/virtual-machines/windows/download-vhd"],
  severity: 1,
  window: "PT5M",
  operations: ["Microsoft.Compute/disks/beginGetAccess/action", "Microsoft.Compute/snapshots/beginGetAccess/action"],
  sampleResourceId: armId("rg-prod-app", "microsoft.compute/disks/vm-web-01_osdisk_1_3c5e7a9b"),
  nearMissOperation: "Microsoft.Compute/disks/endGetAccess/action",
  callersDescription: "Identities that export disks as part of backup, DR or migration (AzureActivity.Caller).",
});

const ACCOUNT_SAS_OPERATIONS = ["Microsoft.Storage/storageAccounts/listAccountSas/action", "Microsoft.Storage/storageAccounts/listServiceSas/action"];
const DATA_ACCOUNT = armId("rg-data", "microsoft.storage/storageaccounts/stcontosodata");

const accountSas = activityRule({
  key: "azt701-2-account-sas-listed",
  technique: "AZT701.2",
  name: "Storage account or service SAS generated through the control plane",
  description:
    "A principal asked Azure Resource Manager to sign an account SAS or service SAS (listAccountSas / listServiceSas " +
    "on Microsoft.Storage/storageAccounts). The returned token grants data access to anyone who has it. A SAS signed " +
    "offline with a stolen account key leaves no Activity Log event; the azt701-2-sas-new-ip detection covers its use. " +
    "Calls by Microsoft services acting as themselves are excluded by the app id of their token (serviceAppIds).",
  falsePositives: [
    "Applications or admins that routinely mint SAS tokens through ARM (add their identity to allowedCallers).",
    "A service that mints SAS with its own identity on a schedule and is not a listed Microsoft service (add its app id, CallerAppId in the alert, to serviceAppIds).",
  ],
  triage: [
    "Identify the caller and the storage account; ask whether the SAS was needed and for which scope/expiry.",
    "Look for SAS-authenticated requests to the account afterwards (StorageBlobLogs/StorageFileLogs, AuthenticationType SAS) and their IPs.",
    "If unplanned: rotate the account key the SAS was signed with (invalidates it) and review the caller's account.",
  ],
  references: [`${ATRM}/AZT701-2/`, "https://learn.microsoft.com/rest/api/storagerp/storage-accounts/list-account-sas"],
  severity: 2,
  window: "PT15M",
  operations: ACCOUNT_SAS_OPERATIONS,
  sampleResourceId: DATA_ACCOUNT,
  nearMissOperation: "Microsoft.Storage/storageAccounts/write",
  callersDescription: "Identities that legitimately mint SAS tokens through ARM (AzureActivity.Caller).",
  serviceAppIds: {
    default: Object.values(MICROSOFT_SERVICE_APP_IDS),
    description:
      "Application (client) ids of services whose own SAS requests are expected (CallerAppId, the token's appid claim): by default the " +
      "Microsoft service principals Microsoft lists as acting in customer tenants (Storage Resource Provider, Azure Machine Learning ...). " +
      "An empty list lets the rule deploy as a free activity-log alert.",
  },
  extraFires: [
    {
      name: "SAS minted by an application's own identity that is not a Microsoft service",
      rows: { AzureActivity: [activityRow(4, ACCOUNT_SAS_OPERATIONS[0], DATA_ACCOUNT, { Caller: "2d8e4a6c-1b3f-4c5d-9e7a-8b0c2d4e6f1a", Claims_d: { appid: "4a6c8e0b-2d4f-4a6c-8e0b-2d4f6a8c0e2b", appidacr: "1" } })] },
    },
  ],
  extraQuiet: [
    {
      name: "Storage Resource Provider (a Microsoft service) lists a service SAS as itself",
      rows: { AzureActivity: [activityRow(4, ACCOUNT_SAS_OPERATIONS[1], DATA_ACCOUNT, { Caller: "7e9a1c3e-5b7d-4f9a-8c1e-3a5c7e9b1d3f", CallerIpAddress: "", Claims_d: { appid: MICROSOFT_SERVICE_APP_IDS["Storage Resource Provider"], appidacr: "2" } })] },
    },
  ],
  revisions: [
    {
      change:
        "Excludes SAS requests whose token app id (Claims_d.appid) is in serviceAppIds (default: the Microsoft service principals Microsoft " +
        "lists as acting in customer tenants); with that list set it deploys as a log search alert every 15 minutes instead of an activity-log alert.",
      why:
        "Microsoft services that list SAS or keys with their own identity on a schedule alerted on every run; the Activity Log names such a " +
        "caller only by its tenant-specific object id, so the app id claim is the stable key. Which services do so in a given tenant is not " +
        "documented: the list holds every Microsoft service principal Microsoft documents, none of which an attacker can sign in as.",
      source: MICROSOFT_SERVICE_APP_IDS_SOURCE,
    },
  ],
});

const SHARE_FILE = "finance/reports/payroll-2025-05.xlsx";
function sasRow(minutes: number, over: Record<string, unknown> = {}): SampleRow {
  return storageRow(minutes, "file", "GetFile", SHARE_FILE, {
    AuthenticationType: "SAS",
    StatusText: "Success",
    AuthenticationHash: "sv=2022-11-02(5A3C9E1B7D2F4E6A)",
    UserAgentHeader: "AzCopy/10.24.0 linux/amd64",
    ResponseBodySize: 48213,
    ...over,
  });
}

/** Hourly: the SAS requests ingested since the previous run are judged; the rest of the two days is history. */
const SAS_RUN = "PT1H";
const sasSplit = arrivalSplit(SAS_RUN);

/** The columns each service's recent SAS requests are summarised into, and how mergeLegs combines them. */
const SAS_COLUMNS: MergedColumn[] = [
  { name: "FirstSeen", merge: "min" }, { name: "Requests", merge: "sum" }, { name: "BytesOut", merge: "sum" }, { name: "Operations", merge: "set" },
  { name: "SampleObject", merge: "any" }, { name: "UserAgent", merge: "any" }, { name: "FirstIngested", merge: "min" },
];

/**
 * SAS requests judged per service table (blob, file) without a union (log search alert rules refuse
 * one: patterns/merge.ts): each table's requests ingested since the previous run are summarised and
 * merged, and an account and address seen in either table's history is known.
 */
function sasNewIpQuery(p: ParameterValues): string {
  const tables = [["blob", "StorageBlobLogs"], ["file", "StorageFileLogs"]] as const;
  return [
    ...tables.flatMap(([name, table]) => [
      `let ${name} = ${table}`,
      sasSplit.mark,
      `| where AuthenticationType =~ "SAS"`,
      CALLER_IP + ";",
      `let ${name}Known = ${name}`,
      sasSplit.history,
      "| distinct AccountName, CallerIp;",
      `let ${name}Recent = ${name}`,
      sasSplit.recent,
      SUCCEEDED + kql.excludeIn("CallerIp", p.allowedIpAddresses as string[]),
      `| summarize FirstSeen = min(TimeGenerated), Requests = count(), BytesOut = sum(ResponseBodySize), Operations = make_set(OperationName, 10),`,
      `    SampleObject = take_any(ObjectKey), UserAgent = take_any(UserAgentHeader), ${FIRST_ARRIVAL.aggregate} by AccountName, CallerIp, Service = Type, _ResourceId;`,
    ]),
    mergeLegs(tables.map(([name]) => `${name}Recent`), ["AccountName", "CallerIp", "Service", "_ResourceId"], SAS_COLUMNS),
    ...tables.map(([name]) => `| join kind=leftanti ${name}Known on AccountName, CallerIp`),
    `| project ${FIRST_ARRIVAL.output("FirstSeen")}, AccountName, CallerIp, Service, Requests, BytesOut, Operations = strcat_array(Operations, ", "), SampleObject, UserAgent, _ResourceId`,
  ].join("\n");
}

const sasNewIp: Detection = {
  key: "azt701-2-sas-new-ip",
  technique: "AZT701.2",
  tactic: "Impact",
  name: "Storage data read with a SAS from an IP address new to the account",
  description:
    "Blob or file data was accessed with a shared access signature from an IP address that had not used a SAS on that " +
    "storage account in the previous two days (judged when the request's log row lands, however late). SAS requests carry no identity, so a leaked or attacker-minted SAS " +
    "(including one signed offline with a stolen account key, which leaves no control-plane event) shows up only " +
    "as an unfamiliar caller address in the storage request logs.",
  falsePositives: [
    "Partners or applications that receive SAS URLs and connect from changing or cloud IPs (add them to allowedIpAddresses).",
    "First use of a new, legitimate SAS-based integration.",
  ],
  triage: [
    "Look up the CallerIp (owner, geolocation, hosting provider) and the user agent; compare with the known SAS consumers of the account.",
    "Read the operations and objects accessed (Operations, SampleObject, bytes returned) to size the exposure.",
    "Find where the SAS came from: listAccountSas/listServiceSas in AzureActivity (azt701-2-account-sas-listed) or a key " +
      "listing (listKeys) before it; AuthenticationHash identifies the signing key.",
    "Contain by rotating the signing key (or revoking the user delegation key / stored access policy).",
  ],
  references: [
    `${ATRM}/AZT701-2/`,
    "https://learn.microsoft.com/azure/storage/common/storage-sas-overview",
    "https://learn.microsoft.com/azure/storage/blobs/monitor-blob-storage-reference",
  ],
  severity: 2,
  // History of about two days: with the 30-minute resource-log lag the query range is P2D, Azure's maximum.
  ...ingestionSchedule(SAS_RUN, "P1DT23H30M", "resourceLogs"),
  parameters: {
    allowedIpAddresses: {
      type: "stringList",
      description: "Client IPs (without port) of known SAS consumers.",
      default: [],
      allowlist: "ipAddresses",
    },
  },
  signal: {
    kind: "query",
    query: (p) =>
      sasNewIpQuery(p),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["AccountName", "CallerIp"] },
  },
  offByDefault: {
    reason:
      "A SAS is made to be handed out: partners, browsers, mobile clients and services (CDNs, data pipelines) use it from addresses that " +
      "change daily, so an account serving SAS to anyone but a few fixed servers alerts on routine use. Without a list of its consumers " +
      "(allowedIpAddresses) the noise is inherent.",
    expectedVolume:
      "One alert per storage account and client address not seen with a SAS in the previous two days: for an account whose SAS is used " +
      "by a few fixed servers, a handful a week; for one serving SAS links to users or partners on dynamic addresses, tens a day. Enable " +
      "it for the accounts whose SAS consumers you can list (allowedIpAddresses) and watch the first week.",
  },
  revisions: [
    {
      change: "Ships off by default; enable it with overrides.azt701-2-sas-new-ip.enabled: true.",
      why:
        "Routine SAS use from changing addresses alerted (issue 14: too noisy as a default). azt701-2-account-sas-listed still sees SAS " +
        "minted through the control plane.",
      source: "MicrosoftDocs/azure-docs:articles/storage/common/storage-sas-overview.md (Best practices when using SAS: a SAS provided " +
        "to client applications; if leaked, it can be used by anyone who obtains it)",
    },
  ],
  requires: [
    {
      source: "diagnostics",
      resourceType: "Microsoft.Storage/storageAccounts/blobServices",
      categories: ["StorageRead", "StorageWrite", "StorageDelete"],
      destination: "resourceSpecific",
      tables: ["StorageBlobLogs"],
    },
    {
      source: "diagnostics",
      resourceType: "Microsoft.Storage/storageAccounts/fileServices",
      categories: ["StorageRead", "StorageWrite", "StorageDelete"],
      destination: "resourceSpecific",
      tables: ["StorageFileLogs"],
    },
  ],
  entities: { ip: "CallerIp", resource: "AccountName", subscription: "_ResourceId" },
  samples: {
    source:
      "log-values.md 5 (AuthenticationType SAS, CallerIpAddress with port, StatusCode string, ObjectKey form); StatusText SASSuccess/SASAuthorizationError " +
      "from the Storage logged-operations reference (in Log Analytics rows (unverified))",
    fires: [
      { name: "file share read with SAS from a new IP", rows: { StorageFileLogs: [sasRow(30), sasRow(29, { StatusText: "SASSuccess" })] } },
      { name: "SAS read 80 minutes ago whose log row landed after the previous run", rows: { StorageBlobLogs: [storageRow(80, "blob", "GetBlob", "exports/db.bak", { AuthenticationType: "SAS", _TimeReceived: minutesAgo(5) })] } },
      {
        name: "blob read with SAS from a new IP while another IP is known",
        rows: {
          StorageBlobLogs: [
            storageRow(900, "blob", "GetBlob", "exports/db.bak", { AuthenticationType: "SAS", CallerIpAddress: "198.51.100.20:41000" }),
            storageRow(10, "blob", "GetBlob", "exports/db.bak", { AuthenticationType: "SAS" }),
          ],
        },
      },
    ],
    quiet: [
      { name: "same IP used a SAS yesterday", rows: { StorageFileLogs: [sasRow(1400, { CallerIpAddress: "203.0.113.45:61001" }), sasRow(30)] } },
      { name: "account-key request from a new IP", rows: { StorageFileLogs: [sasRow(30, { AuthenticationType: "AccountKey" })] } },
      { name: "SAS request denied", rows: { StorageFileLogs: [sasRow(30, { StatusCode: "403", StatusText: "SASAuthorizationError" })] } },
      { name: "new IP only before the previous run (already judged)", rows: { StorageFileLogs: [sasRow(200)] } },
      { name: "IP alerted on by the previous run, reading again now", rows: { StorageFileLogs: [sasRow(75, { _TimeReceived: minutesAgo(64) }), sasRow(10)] } },
      { name: "known SAS consumer allowlisted", parameters: { allowedIpAddresses: ["203.0.113.45"] }, rows: { StorageFileLogs: [sasRow(30)] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [diskSas, accountSas, sasNewIp] };
