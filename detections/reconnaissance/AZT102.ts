// AZT102 IP Discovery: reading public IP addresses and VM network configuration.
import type { TechniqueModule } from "../model";

export const technique: TechniqueModule = {
  detections: [],
  uncovered: [
    {
      technique: "AZT102",
      reason:
        "Listing public IP addresses and VMs (GET Microsoft.Network/publicIPAddresses/read, Microsoft.Compute/virtualMachines/read) " +
        "is an ARM read: never written to the Activity Log, and no other tenant log records ARM reads (log-values.md 1.5); public " +
        "IPs can also be found without touching the tenant (DNS, certificate transparency, internet scans). The scripted-client " +
        "token that tenant-side discovery starts with is covered by azt107-scripted-arm-access-new-ip.",
    },
  ],
};
