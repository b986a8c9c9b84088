// AZT705 Azure Backup Delete: destroying backups (the vault, or the backup data of protected items)
// so that the victim cannot restore after a destructive attack.
import type { TechniqueModule } from "../model";
import { activityRule } from "./activityRule";
import { armId } from "./sampleRows";

const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/Impact/AZT705/AZT705/";

const vaultDelete = activityRule({
  key: "azt705-vault-delete",
  technique: "AZT705",
  name: "Recovery Services vault deleted",
  description:
    "A Recovery Services vault was deleted (Microsoft.RecoveryServices/Vaults/delete). A vault can only be deleted once " +
    "its backup items are gone, so a successful delete usually ends a sequence of stopping protection, deleting backup " +
    "data and disabling soft delete: the victim has lost its backups.",
  falsePositives: ["Decommissioning of an unused vault through a change request (add the identity to allowedCallers)."],
  triage: [
    "Identify caller, source IP and vault; confirm the change request with the backup owner.",
    "Reconstruct the sequence before the delete: backupconfig/write (soft delete off), protectedItems/delete, backupPolicies/delete by the same caller.",
    "Check whether other vaults or the protected VMs/disks are being deleted or encrypted (AzureActivity deletes by the caller).",
    "Disable the caller, and protect remaining vaults with immutability and Multi-User Authorization.",
  ],
  references: [ATRM, "https://learn.microsoft.com/azure/backup/backup-azure-delete-vault"],
  severity: 1,
  window: "PT5M",
  operations: ["Microsoft.RecoveryServices/Vaults/delete"],
  sampleResourceId: armId("rg-backup", "microsoft.recoveryservices/vaults/rsv-prod"),
  nearMissOperation: "Microsoft.RecoveryServices/Vaults/write",
  callersDescription: "Identities that decommission vaults through change requests (AzureActivity.Caller).",
});

const itemDelete = activityRule({
  key: "azt705-backup-item-delete",
  technique: "AZT705",
  name: "Backup data of a protected item deleted",
  description:
    "Protection of a backed-up item was stopped with its backup data deleted (DELETE on " +
    "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems). With soft delete on, the data " +
    "stays recoverable for 14 days; with it off, the recovery points are gone at once. Attackers delete backup items " +
    "before encrypting or destroying the protected VMs, databases and file shares.",
  falsePositives: ["Decommissioning of a VM or database whose backups are no longer needed."],
  triage: [
    "Identify the caller and the backup item (VM/database in _ResourceId); confirm with the backup owner.",
    "If soft delete is on, undelete the item (Undo-AzRecoveryServicesBackupItemDeletion) and resume protection.",
    "Check whether soft delete was switched off shortly before (azt704-3-backup-soft-delete-config) and for more deletions by the caller.",
  ],
  references: [ATRM, "https://learn.microsoft.com/rest/api/backup/protected-items/delete", "https://learn.microsoft.com/azure/backup/backup-azure-security-feature-cloud"],
  severity: 1,
  window: "PT5M",
  operations: ["Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/delete"],
  sampleResourceId: armId(
    "rg-backup",
    "microsoft.recoveryservices/vaults/rsv-prod/backupfabrics/azure/protectioncontainers/iaasvmcontainer;iaasvmcontainerv2;rg-prod-app;vm-web-01/protecteditems/vm;iaasvmcontainerv2;rg-prod-app;vm-web-01",
  ),
  nearMissOperation: "Microsoft.RecoveryServices/Vaults/backupFabrics/protectionContainers/protectedItems/write",
  callersDescription: "Identities that retire backups through change requests (AzureActivity.Caller).",
});

export const technique: TechniqueModule = { detections: [vaultDelete, itemDelete] };
