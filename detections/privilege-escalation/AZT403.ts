// AZT403.1 Local Resource Hijack: Cloud Shell .IMG. Cloud Shell keeps each user's $HOME in a disk
// image on an Azure Files share (<share>/.cloudconsole/acc_<user>.img). Whoever can write to that
// share can plant commands in .bashrc or the PowerShell profile inside the image, which then run with
// the victim's Azure session the next time the victim opens Cloud Shell.
import * as kql from "../kql";
import type { Detection, TechniqueModule } from "../model";
import { ARRIVAL_PROJECTION, ingestedSinceLastRun, ingestionSchedule, withLateArrival } from "../patterns/arrival";
import { storageRow } from "../impact/sampleRows";
import { CALLER_IP, REQUESTER, SUCCEEDED } from "../impact/storageKql";

const IMG = "cloudshell/.cloudconsole/acc_alice.img";

/** REST (not SMB) file operations that change or replace a file. */
const REST_WRITES = ["CreateFile", "PutRange", "PutRangeFromURL", "CopyFile", "CopyFileDestination", "SetFileProperties", "DeleteFile"];

const imageTamper: Detection = {
  key: "azt403-1-cloudshell-image-write",
  technique: "AZT403.1",
  tactic: "Privilege Escalation",
  name: "Cloud Shell home image replaced or modified through the Files REST API",
  description:
    "A Cloud Shell profile image (.cloudconsole/acc_<user>.img on the Cloud Shell file share) was written, copied over " +
    "or deleted through the Azure Files REST API (portal, Storage Explorer, AzCopy, SDK). Cloud Shell itself " +
    "syncs the image over SMB from its own container; an HTTPS write to the image means someone downloaded, edited " +
    "and re-uploaded a user's home directory, the known way to backdoor .bashrc or the PowerShell profile and run " +
    "commands as the next Cloud Shell user. Not covered: an attacker who mounts the share over SMB looks like Cloud " +
    "Shell's own sync in StorageFileLogs.",
  falsePositives: ["A user restoring their own Cloud Shell image from a backup through the portal or AzCopy."],
  triage: [
    "Identify the storage account and image owner from ObjectKey (acc_<user>.img) and who wrote it (RequesterUpn or, for " +
      "key/SAS writes, the CallerIp and AuthenticationHash naming the key).",
    "Ask the image owner to stop using Cloud Shell; copy the image, mount it read-only on an isolated Linux host and read " +
      ".bashrc, .profile and .config/PowerShell/Microsoft.PowerShell_profile.ps1 for injected commands.",
    "Check AzureActivity for role assignments or other changes made by the image owner after the write (commands ran as them).",
    "Delete the tampered image (Cloud Shell recreates a clean one), rotate the storage account keys and restrict the share.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/PrivilegeEscalation/AZT403/AZT403-1/",
    "https://learn.microsoft.com/azure/cloud-shell/persisting-shell-storage",
    "https://learn.microsoft.com/azure/storage/files/storage-files-monitoring",
  ],
  severity: 1,
  // Every 15 minutes over the file-log rows ingested since the previous run (resource-log lag: patterns/arrival.ts).
  ...ingestionSchedule("PT15M", "PT15M", "resourceLogs"),
  parameters: {
    allowedIpAddresses: {
      type: "stringList",
      description: "Client IP addresses (without port) allowed to manage Cloud Shell images over REST.",
      default: [],
      allowlist: "ipAddresses",
    },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "StorageFileLogs",
        ingestedSinceLastRun("PT15M"),
        `| where OperationName in~ ${kql.strList(REST_WRITES)}`,
        `| where Protocol !~ "SMB"`,
        `| where ObjectKey contains "/.cloudconsole/" and ObjectKey endswith ".img"`,
        SUCCEEDED,
        CALLER_IP,
      ].join("\n") +
      kql.excludeIn("CallerIp", p.allowedIpAddresses as string[]) +
      `\n${REQUESTER}` +
      `\n| project ${ARRIVAL_PROJECTION}, AccountName, ObjectKey, OperationName, Protocol, AuthenticationType, Requester, CallerIp, UserAgentHeader, StatusText, _ResourceId`,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["AccountName", "ObjectKey", "CallerIp"] },
  },
  requires: [
    {
      source: "diagnostics",
      resourceType: "Microsoft.Storage/storageAccounts/fileServices",
      categories: ["StorageWrite", "StorageDelete"],
      destination: "resourceSpecific",
      tables: ["StorageFileLogs"],
    },
  ],
  entities: { account: "Requester", ip: "CallerIp", resource: "ObjectKey", subscription: "_ResourceId" },
  samples: {
    source:
      "Cloud Shell image path from learn.microsoft.com persisting-shell-storage; StorageFileLogs columns and forms from log-values.md 5 " +
      "(CallerIpAddress with port, ObjectKey /<account>/<share>/<path>, AuthenticationHash key1(...)). ObjectKey of Azure Files rows and " +
      "the REST operation names on an image upload are (unverified).",
    fires: [
      {
        name: "image re-uploaded with AzCopy using the account key",
        rows: {
          StorageFileLogs: [
            storageRow(6, "file", "CreateFile", IMG, { UserAgentHeader: "AzCopy/10.24.0 linux/amd64" }),
            storageRow(5, "file", "PutRange", IMG, { UserAgentHeader: "AzCopy/10.24.0 linux/amd64" }),
          ],
        },
      },
    ],
    quiet: [
      { name: "Cloud Shell's own SMB sync", rows: { StorageFileLogs: [storageRow(5, "file", "Write", IMG, { Protocol: "SMB" })] } },
      { name: "download of the image only", rows: { StorageFileLogs: [storageRow(5, "file", "GetFile", IMG)] } },
      { name: "write to another file on the share", rows: { StorageFileLogs: [storageRow(5, "file", "PutRange", "cloudshell/scripts/deploy.sh")] } },
      { name: "write denied", rows: { StorageFileLogs: [storageRow(5, "file", "PutRange", IMG, { StatusCode: "403", StatusText: "AuthorizationError" })] } },
      { name: "write ingested before the previous run", rows: { StorageFileLogs: [storageRow(30, "file", "PutRange", IMG)] } },
      { name: "allowlisted admin workstation", parameters: { allowedIpAddresses: ["203.0.113.45"] }, rows: { StorageFileLogs: [storageRow(5, "file", "PutRange", IMG)] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [withLateArrival(imageTamper)] };
