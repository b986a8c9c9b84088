// The Azure Threat Research Matrix as data (detections/atrm-techniques.json, copied from
// microsoft/Azure-Threat-Research-Matrix at commit b2abb9c, 2023-09-05; see its README entry in
// docs/ for the known errors of that version).
import type { Tactic } from "./model";
import data from "./atrm-techniques.json";

export interface AtrmEntry {
  id: string;
  parentId: string | null;
  name: string;
  tactic: Tactic;
  armActions: string[];
  docPath: string;
  listedName: string | null;
  /** technique: a leaf page with detection data; summary/none: a parent of sub-techniques. */
  pageKind: "technique" | "summary" | "none";
}

export const ATRM: readonly AtrmEntry[] = data as unknown as AtrmEntry[];

/** The 77 leaf techniques: the pages a detection (or an uncovered reason) is owed for. */
export const ATRM_LEAVES: readonly AtrmEntry[] = ATRM.filter((e) => e.pageKind === "technique");

const byId = new Map(ATRM.map((e) => [e.id, e]));
export function atrmEntry(id: string): AtrmEntry | undefined {
  return byId.get(id);
}

/** The public ATRM page of an entry. */
export function atrmUrl(id: string): string {
  const e = byId.get(id);
  if (!e) throw new Error(`unknown ATRM id ${id}`);
  return "https://microsoft.github.io/Azure-Threat-Research-Matrix/" + e.docPath.replace(/^docs\//, "").replace(/\.md$/, "/");
}
