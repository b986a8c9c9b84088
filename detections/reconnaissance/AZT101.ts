// AZT101 Port Mapping: reading network security groups to learn which ports are open.
import type { TechniqueModule } from "../model";

export const technique: TechniqueModule = {
  detections: [],
  uncovered: [
    {
      technique: "AZT101",
      reason:
        "Reading NSG rules (GET Microsoft.Network/networkSecurityGroups/read, az network nsg list, Get-AzNetworkSecurityGroup, " +
        "Azure Resource Graph) is an ARM read: it is never written to the Activity Log, and no other tenant log records ARM " +
        "reads (log-values.md 1.5). Only Microsoft Defender for Resource Manager, outside this stack's telemetry, sees them. " +
        "The Azure CLI/PowerShell token such enumeration starts with is covered by azt107-scripted-arm-access-new-ip.",
    },
  ],
};
