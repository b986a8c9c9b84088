// AZT703.1 Replication: Storage Account Replication. An object replication policy copies every new
// blob of a container to a destination account, which can be one the attacker controls.
import type { TechniqueModule } from "../model";
import { activityRule } from "./activityRule";
import { armId } from "./sampleRows";

const objectReplication = activityRule({
  key: "azt703-1-object-replication-policy",
  technique: "AZT703.1",
  name: "Object replication policy created or changed on a storage account",
  description:
    "An object replication policy was written (Microsoft.Storage/storageAccounts/objectReplicationPolicies/write). " +
    "The policy asynchronously copies block blobs from a source container to a destination account; set on an " +
    "attacker-controlled destination (possibly in another tenant if allowCrossTenantReplication is on) it is a " +
    "quiet, continuous exfiltration channel.",
  falsePositives: ["Planned geo-redundancy or data-distribution setups (add the deployment identity to allowedCallers)."],
  triage: [
    "Read the policy (az storage account or-policy show) and check the source/destination accounts and their subscriptions/tenants.",
    "If the destination is unknown: delete the policy on both accounts, set allowCrossTenantReplication to false, and review " +
      "the caller's other changes.",
    "Estimate what was replicated: blobs written to the source containers since the policy was created.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/Impact/AZT703/AZT703-1/",
    "https://learn.microsoft.com/azure/storage/blobs/object-replication-overview",
  ],
  severity: 1,
  window: "PT5M",
  operations: ["Microsoft.Storage/storageAccounts/objectReplicationPolicies/write"],
  sampleResourceId: armId("rg-data", "microsoft.storage/storageaccounts/stcontosodata/objectreplicationpolicies/default"),
  nearMissOperation: "Microsoft.Storage/storageAccounts/objectReplicationPolicies/delete",
  callersDescription: "Identities that manage replication as part of planned deployments (AzureActivity.Caller).",
});

export const technique: TechniqueModule = { detections: [objectReplication] };
