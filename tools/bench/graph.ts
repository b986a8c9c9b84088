// Deploy shape of a declared resource graph: how many resources, and the longest chain of
// resources that must be created one after another (what `pulumi up` cannot parallelise).
// Dependencies are recovered from inputs: a resource depends on another when one of its input
// strings is (or contains) the other's id, or names a resource group the stack creates.
import type { Declared } from "../mockStack";

export interface DeployShape {
  resources: number;
  /** Resources Azure creates (components excluded). */
  azureResources: number;
  /** Length of the longest dependency chain, in resources. */
  longestChain: number;
  /** One longest chain, as type/name. */
  chain: string[];
}

export function deployShape(resources: Declared[], idOf: (r: Declared) => string | undefined): DeployShape {
  const custom = resources.filter((r) => r.custom);
  const ids = new Map<string, number>();
  custom.forEach((r, i) => {
    const id = idOf(r);
    if (id) ids.set(id, i);
  });
  const rgNames = new Map<string, number>();
  custom.forEach((r, i) => {
    if (r.type === "azure-native:resources:ResourceGroup") rgNames.set(String(r.inputs.resourceGroupName), i);
  });
  const deps: Set<number>[] = custom.map(() => new Set());
  custom.forEach((r, i) => {
    walkStrings(r.inputs, (s, key) => {
      if (key === "resourceGroupName" && rgNames.has(s) && rgNames.get(s) !== i) deps[i].add(rgNames.get(s)!);
      for (const [id, j] of ids) if (j !== i && s.includes(id)) deps[i].add(j);
    });
  });
  const memo = new Map<number, number[]>();
  const longest = (i: number, seen: Set<number>): number[] => {
    if (memo.has(i)) return memo.get(i)!;
    if (seen.has(i)) throw new Error(`dependency cycle at ${custom[i].name}`);
    seen.add(i);
    let best: number[] = [];
    for (const j of deps[i]) {
      const c = longest(j, seen);
      if (c.length > best.length) best = c;
    }
    seen.delete(i);
    const chain = [...best, i];
    memo.set(i, chain);
    return chain;
  };
  let chain: number[] = [];
  custom.forEach((_, i) => {
    const c = longest(i, new Set());
    if (c.length > chain.length) chain = c;
  });
  return {
    resources: resources.length,
    azureResources: custom.length,
    longestChain: chain.length,
    chain: chain.map((i) => `${custom[i].type.split(":").slice(1).join(":")}/${custom[i].name}`),
  };
}

function walkStrings(v: unknown, f: (s: string, key: string) => void, key = ""): void {
  if (typeof v === "string") f(v, key);
  else if (Array.isArray(v)) v.forEach((x) => walkStrings(x, f, key));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walkStrings(x, f, k);
}
