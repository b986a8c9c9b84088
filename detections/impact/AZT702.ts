// AZT702.1 File Share Mounting: an attacker with a storage account key mounts an Azure Files share
// over SMB from their own machine and copies (or encrypts) its content.
import * as kql from "../kql";
import { FIRST_ARRIVAL, arrivalSplit } from "../patterns/arrival";
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { ingestionSchedule } from "../patterns/arrival";
import { storageRow } from "./sampleRows";
import { CALLER_IP, SUCCEEDED } from "./storageKql";

const SHARE = "finance";

function smbRow(minutes: number, operation: string, over: Record<string, unknown> = {}): SampleRow {
  return storageRow(minutes, "file", operation, SHARE, {
    Protocol: "SMB",
    Category: "StorageRead",
    AuthenticationType: "AccountKey",
    CallerIpAddress: "203.0.113.45:49731",
    Uri: "",
    UserAgentHeader: "",
    ...over,
  });
}

/** Hourly: the SMB rows ingested since the previous run are judged; the rest of the two days is history. */
const SMB_RUN = "PT1H";
const smbSplit = arrivalSplit(SMB_RUN);

const smbMountNewIp: Detection = {
  key: "azt702-1-smb-mount-new-ip",
  technique: "AZT702.1",
  tactic: "Impact",
  name: "Azure Files share mounted over SMB with the account key from a new IP address",
  description:
    "An SMB session to an Azure Files share was set up or a share was connected (SessionSetup / TreeConnect) with " +
    "storage account key authentication from an IP address that had not opened an SMB session to that storage account " +
    "in the previous two days (judged when the session's log row lands, however late). Mounting with the account key needs no identity: whoever listed or stole the key can " +
    "mount the share from anywhere that reaches port 445 and copy or encrypt its files. Identity-based (Kerberos) " +
    "mounts and NFS mounts are not included.",
  falsePositives: [
    "New servers or users mapping the share with the key (add their egress IPs to allowedIpAddresses).",
    "Dynamic client IPs (home users behind changing addresses).",
  ],
  triage: [
    "Look up the CallerIp (is it a company egress, an Azure VM of yours, or unknown hosting?).",
    "Check who listed the account keys recently (AzureActivity MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION).",
    "Review what the session read or wrote (StorageFileLogs for the same CallerIp: Read/Write/Create operations, bytes).",
    "If unknown: rotate both account keys, close open handles (Close-AzStorageFileHandle), and restrict the account's network access.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/Impact/AZT702/AZT702-1/",
    "https://learn.microsoft.com/azure/storage/files/storage-files-monitoring",
    "https://learn.microsoft.com/azure/storage/files/storage-how-to-use-files-windows",
  ],
  severity: 2,
  // History of about two days: with the 30-minute resource-log lag the query range is P2D, Azure's maximum.
  ...ingestionSchedule(SMB_RUN, "P1DT23H30M", "resourceLogs"),
  parameters: {
    allowedIpAddresses: {
      type: "stringList",
      description: "Client IPs (without port) expected to mount shares with the account key.",
      default: [],
      allowlist: "ipAddresses",
    },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "let smb = StorageFileLogs",
        smbSplit.mark,
        `| where Protocol =~ "SMB"`,
        CALLER_IP + ";",
        "let known = smb",
        smbSplit.history,
        "| distinct AccountName, CallerIp;",
        "smb",
        smbSplit.recent,
        `| where OperationName in~ ("SessionSetup", "TreeConnect")`,
        `| where AuthenticationType =~ "AccountKey"`,
        SUCCEEDED,
      ].join("\n") +
      kql.excludeIn("CallerIp", p.allowedIpAddresses as string[]) +
      "\n" +
      [
        "| summarize FirstSeen = min(TimeGenerated), Sessions = count(), Shares = strcat_array(make_set(ObjectKey, 10), \", \"),",
        `    AuthenticationHash = take_any(AuthenticationHash), ${FIRST_ARRIVAL.aggregate} by AccountName, CallerIp, _ResourceId`,
        "| join kind=leftanti known on AccountName, CallerIp",
        `| project ${FIRST_ARRIVAL.output("FirstSeen")}, AccountName, CallerIp, Shares, Sessions, AuthenticationHash, _ResourceId`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["AccountName", "CallerIp"] },
  },
  requires: [
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
      "log-values.md 5 (SMB operation names SessionSetup/TreeConnect from the Storage logged-operations list; AuthenticationType AccountKey [S51]; " +
      "CallerIpAddress with port). SMB rows' ObjectKey and StatusText values are (unverified).",
    fires: [
      { name: "key-authenticated mount from a new IP", rows: { StorageFileLogs: [smbRow(20, "SessionSetup"), smbRow(20, "TreeConnect"), smbRow(19, "Create")] } },
      { name: "mount 85 minutes ago whose log rows landed after the previous run", rows: { StorageFileLogs: [smbRow(85, "SessionSetup", { _TimeReceived: minutesAgo(8) }), smbRow(85, "TreeConnect", { _TimeReceived: minutesAgo(8) })] } },
    ],
    quiet: [
      { name: "same IP mounted yesterday", rows: { StorageFileLogs: [smbRow(1500, "Read", { CallerIpAddress: "203.0.113.45:50110" }), smbRow(20, "TreeConnect")] } },
      { name: "IP mounted before the previous run (already alerted), mounting again now", rows: { StorageFileLogs: [smbRow(70, "TreeConnect"), smbRow(20, "TreeConnect", { CallerIpAddress: "203.0.113.45:50112" })] } },
      { name: "Kerberos (identity-based) mount", rows: { StorageFileLogs: [smbRow(20, "TreeConnect", { AuthenticationType: "Kerberos" })] } },
      { name: "mount attempt rejected", rows: { StorageFileLogs: [smbRow(20, "SessionSetup", { StatusText: "AuthorizationError", StatusCode: "Unknown" })] } },
      { name: "REST access from a new IP", rows: { StorageFileLogs: [storageRow(20, "file", "GetFile", "finance/q1.xlsx")] } },
      { name: "allowlisted office egress", parameters: { allowedIpAddresses: ["203.0.113.45"] }, rows: { StorageFileLogs: [smbRow(20, "TreeConnect")] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [smbMountNewIp] };
