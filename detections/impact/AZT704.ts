// AZT704 Soft-Delete Recovery: an attacker restores data its owners deleted (secrets, blobs, backed
// up VMs) to read or exfiltrate it.
import * as kql from "../kql";
import type { Detection, Parameter, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { ARRIVAL_PROJECTION, ingestedSinceLastRun, ingestionSchedule, NEW_EVIDENCE, arrivalOutput, previousRun } from "../patterns/arrival";
import { activityRule, requestBodyMatch } from "./activityRule";
import { activityRow, activityStartRow, armId, ATTACKER_UPN, keyVaultRow, storageRow } from "./sampleRows";
import { CALLER_IP, REQUESTER, SUCCEEDED } from "./storageKql";
import { KEY_VAULT_IDENTITY } from "../credential-access/shared";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/Impact/AZT704";

const ALLOWED_CALLERS: Parameter = {
  type: "stringList",
  description: "Identities that recover deleted items as part of operations (UPN, app id or object id as logged).",
  default: [],
  allowlist: "callers",
};

// ---------------------------------------------------------------------------------------------
// AZT704.1 Key Vault: data-plane recover/restore in AuditEvent, and vault recovery through ARM.

const KV_RECOVER = [
  "SecretRecover", "KeyRecover", "CertificateRecover", "SecretRestore", "KeyRestore", "CertificateRestore", "VaultRecover",
];

const keyVaultRecover: Detection = {
  key: "azt704-1-keyvault-item-recover",
  technique: "AZT704.1",
  tactic: "Impact",
  name: "Deleted Key Vault secret, key or certificate recovered or restored",
  description:
    "A soft-deleted secret, key or certificate was recovered, or an item was restored from a backup blob " +
    "(SecretRecover, KeyRecover, CertificateRecover, *Restore, VaultRecover in the Key Vault AuditEvent log). " +
    "Recovering a credential its owners deleted (e.g. after rotating it) hands a still-valid or historical secret to " +
    "whoever can then read it. Key Vault writes ResultType 'Success' even for denied requests, so only rows with " +
    "ResultSignature OK or HTTP 200 count.",
  falsePositives: ["Operators undoing an accidental deletion (add their identity to allowedCallers)."],
  triage: [
    "Identify who recovered which object (Caller, requestUri_s / id_s) from which IP and client (clientInfo_s).",
    "Ask the vault owner why the object had been deleted and whether it should exist again.",
    "Check for reads of the recovered object afterwards (SecretGet / KeyGet / CertificateGet by the same caller).",
    "If unplanned: delete and purge the object again (if purge protection allows), rotate the credential it holds, and " +
      "review the caller's access policy or RBAC role on the vault.",
  ],
  references: [
    `${ATRM}/AZT704-1/`,
    "https://learn.microsoft.com/azure/key-vault/general/logging",
    "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview",
  ],
  severity: 2,
  ...ingestionSchedule("PT15M", "PT15M", "resourceLogs"),
  parameters: { allowedCallers: ALLOWED_CALLERS },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "AzureDiagnostics",
        ingestedSinceLastRun("PT15M"),
        `| where ResourceProvider =~ "MICROSOFT.KEYVAULT" and Category =~ "AuditEvent"`,
        `| where OperationName in~ ${kql.strList(KV_RECOVER)}`,
        // ResultType is Success even on 403/404 (log-values.md 4.1).
        `| where ResultSignature =~ "OK" or httpStatusCode_d == 200`,
        // Short and long claim forms both occur, and neither is in every workspace's schema: all through column_ifexists.
        KEY_VAULT_IDENTITY,
        "| extend Caller = Identity",
      ].join("\n") +
      kql.excludeIn("Caller", p.allowedCallers as string[]) +
      `\n| project ${ARRIVAL_PROJECTION}, Caller, CallerIPAddress, OperationName, Resource, requestUri_s, id_s, clientInfo_s, ResultSignature, httpStatusCode_d, _ResourceId`,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Caller", "CallerIPAddress", "Resource"] },
  },
  requires: [
    { source: "diagnostics", resourceType: "Microsoft.KeyVault/vaults", categories: ["AuditEvent"], destination: "AzureDiagnostics", tables: ["AzureDiagnostics"] },
  ],
  entities: { account: "Caller", ip: "CallerIPAddress", resource: "_ResourceId" },
  samples: {
    source: "log-values.md 4.1 (AuditEvent OperationName values, ResultType Success on 403 with ResultSignature Forbidden, long claim columns, CallerIPAddress)",
    fires: [
      { name: "deleted secret recovered", rows: { AzureDiagnostics: [keyVaultRow(5, "SecretRecover", "deletedsecrets/sql-admin-password/recover")] } },
      { name: "key restored from a backup blob", rows: { AzureDiagnostics: [keyVaultRow(5, "KeyRestore", "keys/restore", { ResultSignature: "OK", httpStatusCode_d: 200 })] } },
      {
        name: "secret recovered 35 minutes ago whose AuditEvent row landed after the previous run",
        rows: { AzureDiagnostics: [keyVaultRow(35, "SecretRecover", "deletedsecrets/sql-admin-password/recover", { _TimeReceived: minutesAgo(4) })] },
      },
    ],
    quiet: [
      {
        name: "recover denied (ResultType still Success)",
        rows: { AzureDiagnostics: [keyVaultRow(5, "SecretRecover", "deletedsecrets/sql-admin-password/recover", { ResultSignature: "Forbidden", httpStatusCode_d: 403 })] },
      },
      { name: "deleted secrets only listed", rows: { AzureDiagnostics: [keyVaultRow(5, "SecretListDeleted", "deletedsecrets")] } },
      { name: "recover ingested before the previous run", rows: { AzureDiagnostics: [keyVaultRow(25, "SecretRecover", "deletedsecrets/sql-admin-password/recover")] } },
      {
        name: "allowlisted operator",
        parameters: { allowedCallers: [ATTACKER_UPN] },
        rows: { AzureDiagnostics: [keyVaultRow(5, "SecretRecover", "deletedsecrets/sql-admin-password/recover")] },
      },
    ],
  },
};

const VAULT_WRITE = "Microsoft.KeyVault/vaults/write";
const VAULT_ID = armId("rg-security", "microsoft.keyvault/vaults/kv-prod-secrets");
const vaultRecoverBody = { location: "westeurope", properties: { createMode: "recover", tenantId: "2f4a9e1c-7b3d-4c8e-a1f6-5d2b8c9e0a17", sku: { family: "A", name: "standard" } } };

const vaultRecover: Detection = {
  key: "azt704-1-keyvault-vault-recover",
  technique: "AZT704.1",
  tactic: "Impact",
  name: "Deleted Key Vault recovered through Azure Resource Manager",
  description:
    "A vault write request carried createMode 'recover' (Undo-AzKeyVaultRemoval, az keyvault recover), bringing a " +
    "soft-deleted vault and every secret, key and certificate in it back. The recovery is an ARM vault write: the " +
    "detection reads the request body on the Start row of Microsoft.KeyVault/vaults/write, so it also sees attempts " +
    "that later fail. That Key Vault writes put createMode into Properties_d.requestbody is (unverified); the listing of " +
    "deleted vaults (locations/deletedVaults/read) is a GET and never logged.",
  falsePositives: ["Recovery of a vault deleted by mistake (add the operator to allowedCallers)."],
  triage: [
    "Confirm with the vault owner why the vault was deleted and whether it should return.",
    "Check the vault's access policies/RBAC after recovery and who read secrets from it (AuditEvent SecretGet).",
    "If unplanned: delete it again (and purge if allowed), rotate every credential it holds, and review the caller.",
  ],
  references: [
    `${ATRM}/AZT704-1/`,
    "https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery",
    "https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema",
  ],
  severity: 1,
  ...requestBodyMatch(VAULT_WRITE, "createMode", `(?i)"createMode"\\s*:\\s*"recover"`),
  samples: {
    source: "log-values.md 1.3 (request body in Properties_d.requestbody on Start rows); createMode values from the Key Vault REST reference",
    fires: [
      { name: "vault recover request", rows: { AzureActivity: [activityStartRow(5, VAULT_WRITE, VAULT_ID, vaultRecoverBody)] } },
      { name: "recover request 30 minutes ago whose row landed after the previous run", rows: { AzureActivity: [activityStartRow(30, VAULT_WRITE, VAULT_ID, vaultRecoverBody, { _TimeReceived: minutesAgo(6) })] } },
    ],
    quiet: [
      {
        name: "ordinary vault update",
        rows: { AzureActivity: [activityStartRow(5, VAULT_WRITE, VAULT_ID, { ...vaultRecoverBody, properties: { ...vaultRecoverBody.properties, createMode: "default" } })] },
      },
      { name: "completion row without body", rows: { AzureActivity: [activityRow(5, VAULT_WRITE, VAULT_ID)] } },
      { name: "request ingested before the previous run", rows: { AzureActivity: [activityStartRow(25, VAULT_WRITE, VAULT_ID, vaultRecoverBody)] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT704.2 Storage Account Object: blob undelete and container restore (data plane), and
// point-in-time restore of block blobs (control plane).

const BLOB_UNDELETE = ["UndeleteBlob", "RestoreContainer", "UndeleteContainer"];

function undeleteRow(minutes: number, over: Record<string, unknown> = {}): SampleRow {
  return storageRow(minutes, "blob", "UndeleteBlob", "hr-archive/2023/salaries.csv", {
    Category: "StorageWrite",
    AuthenticationType: "OAuth",
    AuthenticationHash: "",
    RequesterUpn: ATTACKER_UPN,
    RequesterObjectId: "9d2f6c1a-5b7e-4a3c-8e0f-1b2c3d4e5f60",
    ...over,
  });
}

const blobUndelete: Detection = {
  key: "azt704-2-blob-undelete",
  technique: "AZT704.2",
  tactic: "Impact",
  name: "Soft-deleted blobs or containers restored",
  description:
    "Soft-deleted blobs were undeleted (UndeleteBlob) or a deleted container was restored (Restore Container) in the " +
    "blob request log. Data that was deleted on purpose - old exports, retired backups, personal data past retention - " +
    "becomes readable again; attackers recover it to exfiltrate what the owners believed gone. The log name of " +
    "Restore Container is (unverified): both RestoreContainer and UndeleteContainer are matched.",
  falsePositives: ["Operators recovering accidentally deleted data (add their identity to allowedRequesters)."],
  triage: [
    "Identify the requester (RequesterUpn/ObjectId for OAuth, key or SAS hash otherwise) and source IP.",
    "List which blobs or containers were restored (Objects) and ask the data owner why they were deleted.",
    "Check for reads of the restored objects afterwards (GetBlob from the same CallerIp/requester).",
    "If unplanned: delete the restored data again, review the requester's role (Storage Blob Data Contributor/Owner) and keys/SAS in use.",
  ],
  references: [
    `${ATRM}/AZT704-2/`,
    "https://learn.microsoft.com/rest/api/storageservices/undelete-blob",
    "https://learn.microsoft.com/rest/api/storageservices/restore-container",
  ],
  severity: 2,
  ...ingestionSchedule("PT15M", "PT15M", "resourceLogs"),
  parameters: {
    allowedRequesters: {
      type: "stringList",
      description: "Requesters (RequesterUpn, RequesterObjectId or AuthenticationHash) that restore data as part of operations.",
      default: [],
      allowlist: "callers",
    },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "StorageBlobLogs",
        ingestedSinceLastRun("PT15M"),
        `| where OperationName in~ ${kql.strList(BLOB_UNDELETE)}`,
        SUCCEEDED,
        CALLER_IP,
        REQUESTER,
        NEW_EVIDENCE.extend,
      ].join("\n") +
      kql.excludeIn("Requester", p.allowedRequesters as string[]) +
      "\n" +
      [
        "| summarize FirstSeen = min(TimeGenerated), Restores = count(), Objects = strcat_array(make_set(ObjectKey, 20), \", \"),",
        `    Operations = strcat_array(make_set(OperationName, 5), ", "), ${NEW_EVIDENCE.aggregate} by AccountName, Requester, AuthenticationType, CallerIp, _ResourceId`,
        `| project ${NEW_EVIDENCE.output("FirstSeen")}, AccountName, Requester, AuthenticationType, CallerIp, Restores, Operations, Objects, _ResourceId`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["AccountName", "Requester", "CallerIp"] },
  },
  requires: [
    {
      source: "diagnostics",
      resourceType: "Microsoft.Storage/storageAccounts/blobServices",
      categories: ["StorageWrite"],
      destination: "resourceSpecific",
      tables: ["StorageBlobLogs"],
    },
  ],
  entities: { account: "Requester", ip: "CallerIp", resource: "AccountName", subscription: "_ResourceId" },
  samples: {
    source: "log-values.md 5 (UndeleteBlob in the logged-operations list, OAuth requester columns, CallerIpAddress with port); RestoreContainer name (unverified)",
    fires: [
      { name: "blobs undeleted with Entra ID auth", rows: { StorageBlobLogs: [undeleteRow(5), undeleteRow(4, { ObjectKey: "/stcontosodata/hr-archive/2024/salaries.csv" })] } },
      { name: "blob undeleted 40 minutes ago whose log row landed after the previous run", rows: { StorageBlobLogs: [undeleteRow(40, { _TimeReceived: minutesAgo(2) })] } },
      { name: "container restored with the account key", rows: { StorageBlobLogs: [undeleteRow(5, { OperationName: "RestoreContainer", AuthenticationType: "AccountKey", RequesterUpn: "", RequesterObjectId: "", AuthenticationHash: "key1(3F2A9C0D1B7E4F55)", ObjectKey: "/stcontosodata/hr-archive" })] } },
    ],
    quiet: [
      { name: "blob deleted (not restored)", rows: { StorageBlobLogs: [undeleteRow(5, { OperationName: "DeleteBlob", Category: "StorageDelete" })] } },
      { name: "undelete denied", rows: { StorageBlobLogs: [undeleteRow(5, { StatusCode: "403", StatusText: "AuthorizationError" })] } },
      { name: "undelete ingested before the previous run", rows: { StorageBlobLogs: [undeleteRow(25)] } },
      { name: "allowlisted operator", parameters: { allowedRequesters: [ATTACKER_UPN] }, rows: { StorageBlobLogs: [undeleteRow(5)] } },
    ],
  },
};

const pointInTimeRestore = activityRule({
  key: "azt704-2-blob-point-in-time-restore",
  technique: "AZT704.2",
  name: "Point-in-time restore of block blobs started",
  description:
    "A point-in-time restore was run on a storage account (Microsoft.Storage/storageAccounts/restoreBlobRanges/action), " +
    "rolling block blobs in the given ranges back to an earlier state, including blobs deleted since then. It brings " +
    "deleted data back in bulk and overwrites current data, so it is both a recovery of deleted objects and a " +
    "potential destructive change.",
  falsePositives: ["Planned recovery after data corruption or accidental deletion."],
  triage: [
    "Identify the caller and the storage account; ask the data owner whether a restore was requested.",
    "Read the restore's time point and blob ranges (Start row request body / az storage account blob-service-properties).",
    "Check for reads of restored data afterwards and review the caller's role on the account.",
  ],
  references: [`${ATRM}/AZT704-2/`, "https://learn.microsoft.com/azure/storage/blobs/point-in-time-restore-overview"],
  severity: 2,
  window: "PT15M",
  operations: ["Microsoft.Storage/storageAccounts/restoreBlobRanges/action"],
  sampleResourceId: armId("rg-data", "microsoft.storage/storageaccounts/stcontosodata"),
  nearMissOperation: "Microsoft.Storage/storageAccounts/blobServices/write",
  callersDescription: "Identities that run point-in-time restores as part of operations (AzureActivity.Caller).",
});

// ---------------------------------------------------------------------------------------------
// AZT704.3 Recovery Services Vault: undelete of a soft-deleted backup item, and the vault's
// soft-delete / security settings (ATRM's listed action).

const PROTECTED_ITEM_WRITE = "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write";
const PROTECTED_ITEM_ID = armId(
  "rg-backup",
  "microsoft.recoveryservices/vaults/rsv-prod/backupfabrics/azure/protectioncontainers/iaasvmcontainer;iaasvmcontainerv2;rg-prod-app;vm-web-01/protecteditems/vm;iaasvmcontainerv2;rg-prod-app;vm-web-01",
);
const rehydrateBody = {
  properties: { protectedItemType: "Microsoft.Compute/virtualMachines", protectionState: "ProtectionStopped", sourceResourceId: armId("rg-prod-app", "microsoft.compute/virtualmachines/vm-web-01"), isRehydrate: true },
};

const backupUndelete: Detection = {
  key: "azt704-3-backup-item-undelete",
  technique: "AZT704.3",
  tactic: "Impact",
  name: "Soft-deleted backup item undeleted in a Recovery Services vault",
  description:
    "A protected-item write carried isRehydrate=true, the request Undo-AzRecoveryServicesBackupItemDeletion and the " +
    "portal's Undelete send to bring a soft-deleted VM backup back. Its recovery points become restorable again, " +
    "so an attacker can restore a disk of a decommissioned VM and mine it. The detection reads the request body on " +
    "the Start row; that Recovery Services writes it to Properties_d.requestbody is (unverified).",
  falsePositives: ["Backup operators undoing an accidental deletion."],
  triage: [
    "Identify the caller and the backup item (the VM in _ResourceId) and ask the backup owner about the undelete.",
    "Check for restore jobs that followed (AzureActivity .../protectedItems/recoveryPoints/restore/action, backup jobs in the vault).",
    "If unplanned: stop protection again, review who holds Backup Contributor/Operator on the vault, and any disks restored.",
  ],
  references: [
    `${ATRM}/AZT704-3/`,
    "https://learn.microsoft.com/powershell/module/az.recoveryservices/undo-azrecoveryservicesbackupitemdeletion",
    "https://learn.microsoft.com/azure/backup/backup-azure-security-feature-cloud",
  ],
  severity: 2,
  ...requestBodyMatch(PROTECTED_ITEM_WRITE, "isRehydrate", `(?i)"isRehydrate"\\s*:\\s*true`),
  samples: {
    source: "ATRM AZT704.3 (PUT protectedItems with isRehydrate true); log-values.md 1.3 (request body on Start rows)",
    fires: [
      { name: "backup item undelete request", rows: { AzureActivity: [activityStartRow(5, PROTECTED_ITEM_WRITE, PROTECTED_ITEM_ID, rehydrateBody)] } },
      { name: "undelete request 25 minutes ago whose row landed after the previous run", rows: { AzureActivity: [activityStartRow(25, PROTECTED_ITEM_WRITE, PROTECTED_ITEM_ID, rehydrateBody, { _TimeReceived: minutesAgo(1) })] } },
    ],
    quiet: [
      {
        name: "protection re-enabled without rehydrate",
        rows: { AzureActivity: [activityStartRow(5, PROTECTED_ITEM_WRITE, PROTECTED_ITEM_ID, { properties: { ...rehydrateBody.properties, isRehydrate: false, protectionState: "Protected" } })] },
      },
      { name: "request ingested before the previous run", rows: { AzureActivity: [activityStartRow(20, PROTECTED_ITEM_WRITE, PROTECTED_ITEM_ID, rehydrateBody)] } },
    ],
  },
};

const BACKUP_CONFIG = "Microsoft.RecoveryServices/Vaults/backupconfig/write";
const VAULT_CONFIG_ID = armId("rg-backup", "microsoft.recoveryservices/vaults/rsv-prod/backupconfig/vaultconfig");
const disableBody = { properties: { softDeleteFeatureState: "Disabled", enhancedSecurityState: "Disabled" } };

const SOFT_DELETE_FREQUENCY = "PT15M";

const softDeleteConfig: Detection = {
  key: "azt704-3-backup-soft-delete-config",
  technique: "AZT704.3",
  tactic: "Impact",
  name: "Recovery Services vault soft-delete or security settings changed",
  description:
    "The backup configuration of a Recovery Services vault was written (Microsoft.RecoveryServices/Vaults/backupconfig/write, " +
    "ATRM's listed action). This is where soft delete and enhanced security are switched off, after which deleted " +
    "backups are gone immediately - the usual preparation for destroying backups before ransomware. The request body " +
    "(Start row) is read when present: the alert is raised unless it shows soft delete kept on and enhanced security not " +
    "disabled; a write without a readable body still alerts. Body presence for this operation is (unverified). Alerts " +
    "once, in the first run after the write's Success row lands in the workspace (however late).",
  falsePositives: ["Decommissioning a vault (soft delete must be off to delete it at once)."],
  triage: [
    "Read SoftDeleteState / EnhancedSecurityState and confirm the change with the backup owner.",
    "Re-enable soft delete (and make it always-on / immutable where possible); check for backup item deletions " +
      "(azt705-backup-item-delete) by the same caller.",
    "Review who holds Backup Contributor/Contributor on the vault and enable Multi-User Authorization (Resource Guard).",
  ],
  references: [
    `${ATRM}/AZT704-3/`,
    "https://learn.microsoft.com/azure/backup/use-restapi-update-vault-properties",
    "https://learn.microsoft.com/azure/backup/backup-azure-security-feature-cloud",
  ],
  severity: 1,
  // Success rows ingested in the last 15 minutes; their Start row (seconds earlier) is looked up by TimeGenerated.
  ...ingestionSchedule(SOFT_DELETE_FREQUENCY, "PT30M"),
  parameters: { allowedCallers: ALLOWED_CALLERS },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "AzureActivity",
        NEW_EVIDENCE.extend,
        `| where OperationNameValue =~ ${kql.str(BACKUP_CONFIG)}`,
        `| where ActivityStatusValue in~ ("Start", "Started", "Success", "Succeeded")`,
      ].join("\n") +
      kql.excludeIn("Caller", p.allowedCallers as string[]) +
      "\n" +
      [
        "| extend RequestBody = tostring(Properties_d.requestbody)",
        `| summarize TimeGenerated = max(TimeGenerated), Succeeded = countif(ActivityStatusValue in~ ("Success", "Succeeded")),`,
        "    RequestBody = take_anyif(RequestBody, isnotempty(RequestBody)), CallerIpAddress = take_anyif(CallerIpAddress, isnotempty(CallerIpAddress)),",
        // The completion is the newly ingested event: a Start row landing after it does not alert the write again.
        `    SucceededIngested = maxif(Ingested, ActivityStatusValue in~ ("Success", "Succeeded")) by CorrelationId, Caller, _ResourceId, SubscriptionId`,
        "| where Succeeded > 0",
        `| where SucceededIngested > ${previousRun(SOFT_DELETE_FREQUENCY)}`,
        `| extend SoftDeleteState = extract(@'"softDeleteFeatureState"\\s*:\\s*"(\\w+)"', 1, RequestBody), EnhancedSecurityState = extract(@'"enhancedSecurityState"\\s*:\\s*"(\\w+)"', 1, RequestBody)`,
        `| where SoftDeleteState !in~ ("Enabled", "AlwaysON") or EnhancedSecurityState =~ "Disabled"`,
        `| project ${arrivalOutput("SucceededIngested", "TimeGenerated")}, Caller, CallerIpAddress, _ResourceId, SoftDeleteState, EnhancedSecurityState, SubscriptionId, CorrelationId`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Caller", "_ResourceId"] },
  },
  requires: [{ source: "activityLog", categories: ["Administrative"] }],
  entities: { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId" },
  samples: {
    source:
      "log-values.md 1.3 (Start row carries the body, Success row may lack CallerIpAddress); softDeleteFeatureState/enhancedSecurityState " +
      "from learn.microsoft.com use-restapi-update-vault-properties",
    fires: [
      {
        name: "soft delete disabled",
        rows: {
          AzureActivity: [
            activityStartRow(6, BACKUP_CONFIG, VAULT_CONFIG_ID, disableBody),
            activityRow(5, BACKUP_CONFIG, VAULT_CONFIG_ID, { CallerIpAddress: "" }),
          ],
        },
      },
      { name: "config written, body not logged", rows: { AzureActivity: [activityRow(5, BACKUP_CONFIG, VAULT_CONFIG_ID)] } },
      {
        name: "soft delete disabled 35 minutes ago, Success row landed after the previous run",
        rows: {
          AzureActivity: [
            activityStartRow(36, BACKUP_CONFIG, VAULT_CONFIG_ID, disableBody, { _TimeReceived: minutesAgo(25) }),
            activityRow(35, BACKUP_CONFIG, VAULT_CONFIG_ID, { CallerIpAddress: "", _TimeReceived: minutesAgo(5) }),
          ],
        },
      },
    ],
    quiet: [
      {
        name: "soft delete set to always-on",
        rows: {
          AzureActivity: [
            activityStartRow(6, BACKUP_CONFIG, VAULT_CONFIG_ID, { properties: { softDeleteFeatureState: "AlwaysON", enhancedSecurityState: "Enabled" } }),
            activityRow(5, BACKUP_CONFIG, VAULT_CONFIG_ID),
          ],
        },
      },
      {
        name: "change failed",
        rows: { AzureActivity: [activityStartRow(6, BACKUP_CONFIG, VAULT_CONFIG_ID, disableBody), activityRow(5, BACKUP_CONFIG, VAULT_CONFIG_ID, { ActivityStatusValue: "Failure" })] },
      },
      { name: "change ingested before the previous run", rows: { AzureActivity: [activityRow(25, BACKUP_CONFIG, VAULT_CONFIG_ID)] } },
      {
        name: "already alerted: Success row ingested before the previous run, its Start row landing now",
        rows: {
          AzureActivity: [
            activityStartRow(31, BACKUP_CONFIG, VAULT_CONFIG_ID, disableBody, { _TimeReceived: minutesAgo(3) }),
            activityRow(30, BACKUP_CONFIG, VAULT_CONFIG_ID, { _TimeReceived: minutesAgo(20) }),
          ],
        },
      },
      { name: "allowlisted decommissioning identity", parameters: { allowedCallers: [ATTACKER_UPN] }, rows: { AzureActivity: [activityRow(5, BACKUP_CONFIG, VAULT_CONFIG_ID)] } },
    ],
  },
};

export const technique: TechniqueModule = {
  detections: [keyVaultRecover, vaultRecover, blobUndelete, pointInTimeRestore, backupUndelete, softDeleteConfig],
};
