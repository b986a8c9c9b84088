// The offline plan: the program evaluated under mocks, summarised for a reviewer. Shared by
// `npm run plan`, `npm run matrix` and the tests, so they all describe the same deployment.
import * as fs from "fs";
import { parse } from "yaml";
import { TACTICS } from "../detections/model";
import { runStack, type Declared } from "../test/harness";

/** Config values of a Pulumi.<stack>.yaml, keyed without the `azdetect:` prefix. */
export function readStackFile(file: string): Record<string, unknown> {
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (!k.startsWith("azdetect:")) continue;
    const secret = securePath(v, k);
    if (secret) throw new Error(`${secret} is an encrypted secret; the offline plan cannot decrypt it — use a stack file with placeholder values for secrets (e.g. https://example.invalid/hook)`);
    out[k.slice("azdetect:".length)] = v;
  }
  return out;
}

/** The key path of the first `secure:` (encrypted) value inside a config value, if any. */
function securePath(v: unknown, path: string): string | undefined {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = securePath(v[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (v && typeof v === "object") {
    if ("secure" in v && Object.keys(v).length === 1) return path;
    for (const [k, x] of Object.entries(v)) {
      const p = securePath(x, `${path}.${k}`);
      if (p) return p;
    }
  }
  return undefined;
}

export interface PlannedRule {
  key: string;
  technique: string;
  name: string;
  alertKind: "scheduledQuery" | "activityLog";
  severity: number;
  evaluationFrequency: string;
  windowSize: string;
  actionGroups: string[];
}

export interface Plan {
  stack: string;
  location: string;
  resourceGroup: { name: string; created: boolean };
  workspace: { created: boolean; name?: string; id?: string };
  tactics: { tactic: string; rules: PlannedRule[] }[];
  resources: { type: string; name: string }[];
  resourceCounts: Record<string, number>;
  outputs: Record<string, unknown>;
}

/** Evaluate the program for a stack's config and summarise what it declares. */
export async function buildPlan(config: Record<string, unknown>, stack: string): Promise<Plan> {
  const run = await runStack(config, { stack, strictRouting: true });
  const cfg = run.program.config;
  const ruleInputs = new Map<string, Declared>();
  for (const r of run.resources) if (r.type === "azure-native:monitor:ScheduledQueryRule" || r.type === "azure-native:monitor:ActivityLogAlert") ruleInputs.set(r.name, r);
  const idToName = new Map(run.resources.filter((r) => r.id).map((r) => [r.id!, r.name]));
  const groupsOf = (r: Declared | undefined): string[] => {
    const ag = r?.inputs.actions?.actionGroups ?? [];
    return ag.map((g: string | { actionGroupId: string }) => (typeof g === "string" ? g : g.actionGroupId)).map((id: string) => idToName.get(id) ?? id);
  };
  const resourceCounts: Record<string, number> = {};
  for (const r of run.resources.filter((x) => x.custom)) resourceCounts[r.type] = (resourceCounts[r.type] ?? 0) + 1;
  return {
    stack,
    location: cfg.location,
    resourceGroup: { name: cfg.resourceGroupName, created: cfg.createResourceGroup },
    workspace: cfg.workspace.mode === "create" ? { created: true, name: cfg.workspace.name } : { created: false, id: cfg.workspace.id },
    tactics: TACTICS.map((t) => ({
      tactic: t,
      rules: run.program.detections.filter((d) => d.detection.tactic === t).map((d) => ({
        key: d.key,
        technique: d.detection.technique,
        name: d.detection.name,
        alertKind: d.alertKind,
        severity: d.severity,
        evaluationFrequency: d.evaluationFrequency,
        windowSize: d.overrideQueryTimeRange ?? d.windowSize,
        actionGroups: groupsOf(ruleInputs.get(d.key)),
      })),
    })).filter((t) => t.rules.length > 0),
    resources: run.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name })),
    resourceCounts,
    outputs: run.outputs,
  };
}

export function renderPlan(p: Plan): string {
  const out: string[] = [];
  out.push(`azdetect plan for stack "${p.stack}" (${p.location}) — offline, nothing is deployed`);
  out.push(`resource group: ${p.resourceGroup.name} (${p.resourceGroup.created ? "created by the stack" : "existing, referenced"})`);
  out.push(`workspace: ${p.workspace.created ? `${p.workspace.name} (created by the stack)` : `${p.workspace.id} (existing, referenced)`}`);
  out.push("");
  for (const t of p.tactics) {
    out.push(`${t.tactic} — ${t.rules.length} rule${t.rules.length === 1 ? "" : "s"}`);
    for (const r of t.rules) {
      const kind = r.alertKind === "activityLog" ? "activity log" : `log search every ${r.evaluationFrequency} over ${r.windowSize}`;
      out.push(`  ${r.technique.padEnd(9)} ${r.key.padEnd(44)} sev ${r.severity}  ${kind}${r.actionGroups.length ? `  -> ${r.actionGroups.join(", ")}` : "  -> no action group"}`);
    }
    out.push("");
  }
  out.push("Azure resources to create:");
  for (const [type, n] of Object.entries(p.resourceCounts).sort()) out.push(`  ${String(n).padStart(4)}  ${type.replace(/^azure-native:/, "")}`);
  out.push("");
  return out.join("\n");
}
