// Azure regions a stack may name in `location` (and a VM's location): the programmatic names of
// Microsoft's list of Azure public-cloud regions. An unknown name would only fail at `pulumi up`,
// resource by resource; a near miss ("westeurop") is caught before anything is declared.
//
// Source: "Azure regions list", Microsoft Learn (learn.microsoft.com/azure/reliability/regions-list),
// column "Programmatic name" of the "All" tab, read from MicrosoftDocs/reliability-docs
// articles/reliability/regions-list.md at commit 01021ab80d1aebd1d8b5de481d80a9855b487954
// (ms.date 09/23/2025), licence CC BY 4.0. Not in that list, so not accepted here: the sovereign
// clouds' regions (Azure Government, Azure operated by 21Vianet) and regions Microsoft lists only
// as paired or reserved ones.

import { distance } from "fastest-levenshtein";

export const AZURE_REGIONS = [
  "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast",
  "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia",
  "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral",
  "francesouth", "germanynorth", "germanywestcentral", "indonesiacentral", "israelcentral",
  "italynorth", "japaneast", "japanwest", "koreacentral", "koreasouth", "malaysiawest",
  "mexicocentral", "newzealandnorth", "northcentralus", "northeurope", "norwayeast", "norwaywest",
  "polandcentral", "qatarcentral", "southafricanorth", "southafricawest", "southcentralus",
  "southindia", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
  "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope",
  "westindia", "westus", "westus2", "westus3",
] as const;

const KNOWN = new Set<string>(AZURE_REGIONS);

export function isAzureRegion(name: string): boolean {
  return KNOWN.has(name);
}

/** The listed regions closest to a misspelt name (at most 3, edit distance <= 3). */
export function closestRegions(name: string): string[] {
  const scored = AZURE_REGIONS.map((r) => ({ r, d: distance(name.toLowerCase().replace(/[\s_-]/g, ""), r) })).filter((x) => x.d <= 3);
  return scored.sort((a, b) => a.d - b.d || a.r.localeCompare(b.r)).slice(0, 3).map((x) => x.r);
}
