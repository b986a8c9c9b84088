// Config keys under a namespace that is almost the project's: `azdetct:tactics`, `AzDetect:tags`.
// Pulumi passes every namespace through (other providers' keys such as azure-native:location are
// legitimate), so a misspelt one would be silently ignored and, with `tactics` ignored, every
// tactic deployed. Reported instead, naming the key and the key it was probably meant to be.
import { distance } from "fastest-levenshtein";
import { keyPath } from "./errors";

/** Namespaces of Pulumi and the providers this stack uses: never a misspelling of ours. */
const KNOWN = new Set(["pulumi", "azure-native", "azuread", "azure"]);

/** One problem per key whose namespace is within two edits of the project's, or equal ignoring case. */
export function namespaceProblems(keys: readonly string[], project = "azdetect"): string[] {
  const out: string[] = [];
  for (const k of keys) {
    const at = k.indexOf(":");
    if (at < 0) continue;
    const ns = k.slice(0, at);
    if (ns === project || KNOWN.has(ns.toLowerCase())) continue;
    if (ns.toLowerCase() === project || distance(ns.toLowerCase(), project) <= 2) {
      const name = k.slice(at + 1);
      out.push(`${k}: unknown config namespace ${JSON.stringify(ns)} — did you mean ${keyPath([name], project)}? (the key is ignored as written)`);
    }
  }
  return out;
}
