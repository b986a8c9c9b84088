// The offline plan: the program evaluated under mocks, summarised for a reviewer. Shared by
// `npm run plan`, `npm run matrix` and the tests, so they all describe the same deployment.
import type { Route } from "../config/routing";
import { TACTICS } from "../detections/model";
import { coverageSummary, type CoverageSummary, type StateCounts, type TelemetryGaps } from "../planning/coverage";
import { activityLogAlertPlacement, type ScopeTelemetry } from "../planning/estate";
import { logSourcesDelivered, type CostEstimate, type LogSourceUse } from "../planning/cost";
import { CREDENTIAL_FIELDS } from "../config";
import { credentialsIn, ENCRYPTED_PLACEHOLDER } from "../config/credentials";
import { keyPath } from "../config/errors";
import { runStack, type CallMocks, type Declared, type Invoke, type StackRun } from "./mockStack";
import { queryValidation, type QueryValidation } from "../planning/validation";
import type { ResolvedDetection } from "../planning/resolve";

// Reading a stack file needs no Pulumi: it lives with the config (tools that need no mocks import it from there).
export { readStackFile } from "../config/stackFile";

/** Where the offline tools planned with a placeholder for an encrypted credential (key paths). */
export function placeholderKeys(config: Record<string, unknown>): string[] {
  return credentialsIn(config, CREDENTIAL_FIELDS).filter((c) => c.value === ENCRYPTED_PLACEHOLDER).map((c) => keyPath(c.path));
}

/** The one line the offline tools print when they planned with placeholders. */
export function placeholderNote(keys: string[]): string | undefined {
  if (!keys.length) return undefined;
  return `${keys.length} encrypted credential${keys.length === 1 ? "" : "s"} (${keys.join(", ")}) planned with the placeholder ${ENCRYPTED_PLACEHOLDER}: the offline tools cannot decrypt, pulumi preview/up use the real value${keys.length === 1 ? "" : "s"}`;
}

export interface PlannedRule {
  key: string;
  technique: string;
  name: string;
  alertKind: "scheduledQuery" | "activityLog";
  /** Activity-log alerts: how many are deployed (one per watched subscription). */
  alerts?: number;
  /** An Activity Log operation match deployed as a log search rule because of the estate: why. */
  logSearchBecause?: string;
  severity: number;
  evaluationFrequency: string;
  windowSize: string;
  actionGroups: string[];
  /** Log search rules: whether Azure validates the query at creation (the declared skipQueryValidation), and why. */
  queryValidation?: QueryValidation;
}

/** An action group as planned: receiver counts only (addresses and secret URIs stay out of the plan). */
export type PlannedActionGroup =
  | { name: string; mode: "existing"; id: string }
  | { name: string; mode: "managed"; shortName: string; enabled: boolean; receivers: Record<string, number>; entraGroup?: string };

export interface Plan {
  stack: string;
  /** Encrypted credentials planned with ENCRYPTED_PLACEHOLDER (key paths). */
  placeholders: string[];
  location: string;
  resourceGroup: { name: string; created: boolean };
  workspace: { created: boolean; name?: string; id?: string };
  tactics: { tactic: string; rules: PlannedRule[] }[];
  routing: {
    actionGroups: PlannedActionGroup[];
    routes: (Route & { rules: number })[];
    allowUnroutedAlerts: boolean;
    maintenanceWindows: string[];
  };
  telemetry: {
    /** The log sources the deployed rules read, with how many subscriptions/tenants/resources/VMs send them. */
    read: LogSourceUse[];
    /** Telemetry resources the stack declares (diagnostic settings, data collection, agent). */
    resources: { type: string; name: string }[];
    /** Detection key -> missing sources (the stack output telemetryGaps). */
    gaps?: TelemetryGaps;
  };
  coverage: CoverageSummary;
  /** The subscriptions watched, and per subscription (or for the management group) what is delivered, pending or missing. */
  estate: {
    mode: "current" | "subscriptions" | "managementGroup";
    managementGroup?: string;
    /** Watched subscriptions: listed ones, 1 for the deploying one, unknown for a management group. */
    subscriptions: number | "unknown";
    activityLogAlerts: { perSubscription: boolean; subscriptions: number | "unknown"; reason?: string };
    scopes: (ScopeTelemetry & { coverage: StateCounts })[];
  };
  cost: CostEstimate;
  /** The deploy-time Entra ID lookups the plan answered with placeholders. */
  entraLookups: string[];
  /** What `pulumi destroy` removes and what it leaves in Azure. */
  destroy: DestroyAudit;
  resources: { type: string; name: string }[];
  resourceCounts: Record<string, number>;
  outputs: Record<string, unknown>;
}

/** Resource types that deliver telemetry to the workspace. */
const TELEMETRY_TYPES = /:(DiagnosticSetting|SubscriptionDiagnosticSetting|DataCollectionRule|DataCollectionRuleAssociation|VirtualMachineExtension|PolicyAssignment|RoleAssignment|RemediationAtManagementGroup)$/;

/** A labelled stand-in for a value only Entra ID knows: never a real id, and says what it stands for. */
const placeholder = (what: string) => `offline-placeholder:${what}`;

/**
 * Entra ID lookups run at deploy time (components/entraLookups.ts). Offline there is no Entra ID:
 * each lookup is answered by a labelled placeholder, so the plan shows what `up` declares around
 * it, and the plan says which lookups it stood in for.
 */
export const OFFLINE_ENTRA_LOOKUPS: CallMocks = {
  "azuread:index/getServicePrincipal:getServicePrincipal": (i) => ({
    clientId: placeholder(`app-id-of:${i.displayName}`), objectId: placeholder(`object-id-of:${i.displayName}`), displayName: i.displayName,
  }),
  "azuread:index/getGroup:getGroup": (i) => ({
    objectId: i.objectId ?? placeholder(`object-id-of:${i.displayName}`), members: [placeholder(`member-of:${i.displayName ?? i.objectId}`)],
  }),
  "azuread:index/getUsers:getUsers": (i) => ({
    users: i.objectIds
      ? (i.objectIds as string[]).map((id) => ({ objectId: id, userPrincipalName: id, mail: "entra-group-member@offline-placeholder.invalid" }))
      : (i.userPrincipalNames as string[]).map((u) => ({ objectId: placeholder(`object-id-of:${u}`), userPrincipalName: u, mail: u })),
  }),
};

/** The Entra ID lookups of a run, in words: `service principal "ci"`, `group "SOC"`, `2 users by UPN`. */
export function entraLookups(invokes: readonly Invoke[]): string[] {
  const out: string[] = [];
  let upns = 0;
  for (const { token, inputs } of invokes) {
    if (token === "azuread:index/getServicePrincipal:getServicePrincipal") out.push(`service principal ${JSON.stringify(inputs.displayName)}`);
    else if (token === "azuread:index/getGroup:getGroup") out.push(`group ${JSON.stringify(inputs.displayName ?? inputs.objectId)}`);
    else if (token === "azuread:index/getUsers:getUsers" && inputs.userPrincipalNames) upns += (inputs.userPrincipalNames as string[]).length;
  }
  if (upns) out.push(`${upns} user${upns === 1 ? "" : "s"} by UPN`);
  return [...new Set(out)];
}

/** Run the program offline for a stack's config, failing exactly as `pulumi up` would. */
export function runOffline(config: Record<string, unknown>, stack: string): Promise<StackRun> {
  return runStack(config, { stack, strictRouting: true, calls: OFFLINE_ENTRA_LOOKUPS });
}

export interface DestroyAuditEntry {
  type: string;
  /** Its Azure name. */
  name: string;
  /** Whether `pulumi destroy` deletes it. */
  deleted: boolean;
  /** What it holds: data, or the stack's resources inside it. */
  contains: string;
  /** Why it stays (kept ones only). */
  keptBecause?: string;
  /** Kept resources of the stack inside it, or deleted containers a kept resource sits in (must be none). */
  insideDeleted?: string[];
}

export interface DestroyAudit {
  entries: DestroyAuditEntry[];
  /** Kept resources that sit inside a resource destroy deletes (Azure would delete them with it): must be empty. */
  violations: string[];
}

/** Why a kind of resource is kept, when the stack keeps it. */
const KEPT_BECAUSE: Record<string, string> = {
  "azure-native:resources:ResourceGroup": "Azure deletes a group with everything in it (the workspace, and anything put there since); delete it yourself once it holds nothing you need",
  "azure-native:operationalinsights:Workspace": "it holds the evidence (workspace.retainOnDelete)",
  "azure-native:compute:VirtualMachineExtension": "other tools may rely on the agent once it is on the VM (telemetry.agent.keepAgentOnDestroy)",
};

/**
 * Per resource the stack declares: does `pulumi destroy` delete it, and what does it hold. A kept
 * resource inside a deleted one would be deleted by Azure with it: a violation.
 */
export function destroyAudit(run: StackRun): DestroyAudit {
  const custom = run.resources.filter((r) => r.custom && r.id);
  const inside = (outer: Declared, inner: Declared) =>
    outer !== inner && (inner.id!.toLowerCase().startsWith(outer.id!.toLowerCase() + "/") ||
      (outer.type === "azure-native:resources:ResourceGroup" && String(inner.inputs.resourceGroupName ?? "").toLowerCase() === outer.azureName.toLowerCase()));
  const entries = custom.map((r): DestroyAuditEntry => {
    const within = custom.filter((c) => inside(r, c));
    const contains = r.type === "azure-native:operationalinsights:Workspace" ? "the logs the detections read (evidence)"
      : within.length ? `${within.length} of the stack's resources${r.type === "azure-native:resources:ResourceGroup" ? ", and whatever else is put in it" : ""}`
      : "configuration only";
    // An extension is named after its type: the VM tells which one it is.
    const name = r.type === "azure-native:compute:VirtualMachineExtension" ? `${r.inputs.vmName}/${r.azureName}` : r.azureName;
    return { type: r.type, name, deleted: !r.retainOnDelete, contains, ...(r.retainOnDelete ? { keptBecause: KEPT_BECAUSE[r.type] ?? "retainOnDelete" } : {}) };
  });
  const violations = custom.filter((r) => r.retainOnDelete).flatMap((kept) =>
    custom.filter((c) => !c.retainOnDelete && inside(c, kept)).map((c) => `${kept.type} ${kept.azureName} is kept but sits inside ${c.type} ${c.azureName}, which destroy deletes`));
  // Registration order varies between runs: sorted, so the plan prints the same text every time.
  entries.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  return { entries, violations: violations.sort() };
}

/** Evaluate the program for a stack's config and summarise what it declares. */
export async function buildPlan(config: Record<string, unknown>, stack: string): Promise<Plan> {
  return summarise(await runOffline(config, stack), stack, placeholderKeys(config));
}

export function summarise(run: StackRun, stack: string, placeholders: string[] = []): Plan {
  const cfg = run.program.config;
  const detections = run.program.detections;
  // What the rule declares, with the reason planning/validation.ts gives for it.
  const plannedValidation = (d: ResolvedDetection, declared: Declared | undefined): QueryValidation => {
    const why = queryValidation(d, { skipQueryValidation: cfg.skipQueryValidation, workspaceCreated: cfg.workspace.mode === "create", telemetry: run.program.telemetry });
    const skip = declared?.inputs.skipQueryValidation === true;
    return skip === why.skip ? why : { skip, reason: "declared by the program" };
  };
  const ruleInputs = new Map<string, Declared>();
  for (const r of run.resources) if (r.type === "azure-native:monitor:ScheduledQueryRule" || r.type === "azure-native:monitor:ActivityLogAlert") ruleInputs.set(r.name, r);
  const idToName = new Map(run.resources.filter((r) => r.id).map((r) => [r.id!, r.name]));
  const groupsOf = (r: Declared | undefined): string[] => {
    const ag = r?.inputs.actions?.actionGroups ?? [];
    return ag.map((g: string | { actionGroupId: string }) => (typeof g === "string" ? g : g.actionGroupId)).map((id: string) => idToName.get(id) ?? id);
  };
  const custom = run.resources.filter((r) => r.custom);
  const resourceCounts: Record<string, number> = {};
  for (const r of custom) resourceCounts[r.type] = (resourceCounts[r.type] ?? 0) + 1;
  const routing = cfg.routing;
  const placement = activityLogAlertPlacement(cfg.estate, cfg.activityLogAlertSubscriptionLimit);
  return {
    stack,
    placeholders,
    location: cfg.location,
    resourceGroup: { name: cfg.resourceGroupName, created: cfg.createResourceGroup },
    workspace: cfg.workspace.mode === "create" ? { created: true, name: cfg.workspace.name } : { created: false, id: cfg.workspace.id },
    tactics: TACTICS.map((t) => ({
      tactic: t,
      rules: detections.filter((d) => d.detection.tactic === t).map((d) => ({
        key: d.key,
        technique: d.detection.technique,
        name: d.detection.name,
        alertKind: d.alertKind,
        ...(d.alertKind === "activityLog" ? { alerts: placement.subscriptions === "unknown" ? 0 : placement.subscriptions } : {}),
        ...(d.logSearchBecause ? { logSearchBecause: d.logSearchBecause } : {}),
        severity: d.severity,
        evaluationFrequency: d.evaluationFrequency,
        windowSize: d.overrideQueryTimeRange ?? d.windowSize,
        actionGroups: groupsOf(ruleInputs.get(d.key)),
        ...(d.alertKind === "scheduledQuery" ? { queryValidation: plannedValidation(d, ruleInputs.get(d.key)) } : {}),
      })),
    })).filter((t) => t.rules.length > 0),
    routing: {
      actionGroups: Object.values(routing.actionGroups).map((g): PlannedActionGroup =>
        g.mode === "existing"
          ? { name: g.name, mode: "existing", id: g.id }
          : {
              name: g.name, mode: "managed", shortName: g.shortName, enabled: g.enabled,
              receivers: Object.fromEntries(Object.entries({ emails: g.emails, sms: g.sms, runbooks: g.runbooks, webhooks: g.webhooks, logicApps: g.logicApps, entraUsers: g.entraUsers }).filter(([, v]) => v.length).map(([k, v]) => [k, v.length])),
              ...(g.entraGroup ? { entraGroup: g.entraGroup.displayName ?? g.entraGroup.objectId } : {}),
            }),
      routes: routing.routes.map((r) => ({
        ...r,
        rules: detections.filter((d) => r.severities.includes(d.severity) && (!r.tactics || r.tactics.includes(d.detection.tactic))).length,
      })),
      allowUnroutedAlerts: routing.allowUnroutedAlerts,
      maintenanceWindows: routing.maintenanceWindows.map((w) => w.name),
    },
    telemetry: {
      read: logSourcesDelivered(detections, run.program.telemetry, cfg.estate),
      resources: custom.filter((r) => TELEMETRY_TYPES.test(r.type)).map((r) => ({ type: r.type, name: r.name })),
      ...(run.outputs.telemetryGaps ? { gaps: run.outputs.telemetryGaps as TelemetryGaps } : {}),
    },
    coverage: run.outputs.coverage as CoverageSummary,
    estate: {
      mode: cfg.estate.mode,
      ...(cfg.estate.mode === "managementGroup" ? { managementGroup: cfg.estate.managementGroupId } : {}),
      subscriptions: cfg.estate.mode === "subscriptions" ? cfg.estate.subscriptions.length : cfg.estate.mode === "current" ? 1 : "unknown",
      activityLogAlerts: { perSubscription: placement.allowed, subscriptions: placement.subscriptions, ...(placement.reason ? { reason: placement.reason } : {}) },
      scopes: run.program.estate.map((s) => ({ ...s, coverage: coverageSummary(detections, s.gaps).states })),
    },
    cost: run.program.cost,
    entraLookups: entraLookups(run.invokes),
    destroy: destroyAudit(run),
    resources: custom.map((r) => ({ type: r.type, name: r.name })),
    resourceCounts,
    outputs: run.outputs,
  };
}

const plural = (n: number, one: string, many = one + "s") => `${n} ${n === 1 ? one : many}`;
const SEVERITY_LABEL = ["Critical", "Error", "Warning", "Informational", "Verbose"];

export function renderPlan(p: Plan): string {
  const out: string[] = [];
  out.push(`azdetect plan for stack "${p.stack}" (${p.location}) — offline, nothing is deployed`);
  out.push(`resource group: ${p.resourceGroup.name} (${p.resourceGroup.created ? "created by the stack" : "existing, referenced"})`);
  out.push(`workspace: ${p.workspace.created ? `${p.workspace.name} (created by the stack)` : `${p.workspace.id} (existing, referenced)`}`);
  if (p.entraLookups.length) out.push(`Entra ID lookups happen at deploy time; offline placeholders stand in for: ${p.entraLookups.join(", ")}`);
  const note = placeholderNote(p.placeholders);
  if (note) out.push(note);
  out.push("");
  for (const t of p.tactics) {
    out.push(`${t.tactic} — ${plural(t.rules.length, "rule")}`);
    for (const r of t.rules) {
      const validated = r.queryValidation ? (r.queryValidation.skip ? ", not validated at creation" : ", validated at creation") : "";
      const kind = r.alertKind === "activityLog"
        ? `activity log${r.alerts && r.alerts > 1 ? ` x ${r.alerts} subscriptions` : ""}`
        : `log search${r.logSearchBecause ? " (estate)" : ""} every ${r.evaluationFrequency} over ${r.windowSize}${validated}`;
      out.push(`  ${r.technique.padEnd(9)} ${r.key.padEnd(44)} sev ${r.severity}  ${kind}${r.actionGroups.length ? `  -> ${r.actionGroups.join(", ")}` : "  -> no action group"}`);
    }
    out.push("");
  }
  out.push(...renderValidation(p), "");
  out.push(...renderRouting(p.routing), "");
  out.push(...renderTelemetry(p.telemetry), "");
  out.push(...renderEstate(p.estate), "");
  out.push(...renderCoverage(p.coverage), "");
  out.push(...renderCost(p.cost), "");
  out.push("Azure resources to create:");
  for (const [type, n] of Object.entries(p.resourceCounts).sort()) {
    if (type.startsWith("pulumi:providers:")) continue;
    out.push(`  ${String(n).padStart(4)}  ${type.replace(/^azure-native:/, "")}`);
  }
  const providers = p.resourceCounts["pulumi:providers:azure-native"];
  if (providers) out.push(`and ${plural(providers, "azure-native provider")}, one per listed subscription (Pulumi's, not Azure resources)`);
  out.push("", ...renderDestroy(p.destroy), "");
  return out.join("\n");
}

/** How many log search rules Azure validates at creation, and why the others are not. */
function renderValidation(p: Plan): string[] {
  const byReason = new Map<string, { skip: boolean; rules: number }>();
  for (const r of p.tactics.flatMap((t) => t.rules)) {
    if (!r.queryValidation) continue;
    const e = byReason.get(r.queryValidation.reason) ?? { skip: r.queryValidation.skip, rules: 0 };
    e.rules++;
    byReason.set(r.queryValidation.reason, e);
  }
  const out = ["Query validation when Azure creates a log search rule (skipQueryValidation):"];
  if (!byReason.size) out.push("  no log search rules");
  for (const [reason, e] of [...byReason].sort((a, b) => b[1].rules - a[1].rules)) out.push(`  ${plural(e.rules, "rule")} ${e.skip ? "not validated" : "validated"}: ${reason}`);
  return out;
}

function renderDestroy(d: DestroyAudit): string[] {
  const removed = d.entries.filter((e) => e.deleted);
  const out = [`On \`pulumi destroy\`: removes the other ${plural(removed.length, "resource")} the stack created, one by one; keeps:`];
  const kept = d.entries.filter((e) => !e.deleted);
  if (!kept.length) out.push("  nothing");
  for (const e of kept) out.push(`  ${e.type.replace(/^azure-native:/, "")}  ${e.name}: ${e.keptBecause}`);
  out.push("  and never touches what the stack only references (an existing workspace, group, action group, VM or resource)");
  return out;
}

function renderRouting(r: Plan["routing"]): string[] {
  const out = ["Alert routing:"];
  if (!r.actionGroups.length) out.push("  no action groups");
  for (const g of r.actionGroups) {
    if (g.mode === "existing") out.push(`  action group ${g.name}: existing, referenced (${g.id})`);
    else {
      const receivers = Object.entries(g.receivers).map(([k, n]) => `${n} ${k}`);
      if (g.entraGroup) receivers.push(`Entra group ${g.entraGroup}`);
      out.push(`  action group ${g.name} (${g.shortName})${g.enabled ? "" : " disabled"}: ${receivers.join(", ") || "no receivers"}`);
    }
  }
  for (const route of r.routes) {
    const sev = route.severities.map((s) => `${s} ${SEVERITY_LABEL[s]}`).join(", ");
    out.push(`  route: severity ${sev}${route.tactics ? ` in ${route.tactics.join(", ")}` : ""} -> ${route.actionGroups.join(", ")} (${plural(route.rules, "rule")})`);
  }
  if (r.allowUnroutedAlerts) out.push("  allowUnroutedAlerts: rules no route matches deploy without notifications");
  if (r.maintenanceWindows.length) out.push(`  maintenance windows: ${r.maintenanceWindows.join(", ")}`);
  return out;
}

function renderTelemetry(t: Plan["telemetry"]): string[] {
  const out = ["Telemetry the rules read:"];
  const w = Math.max(...t.read.map((s) => s.source.length));
  for (const s of t.read) {
    const sending = s.instances === 0 ? "not delivered (telemetry gap)" : s.instancesAssumed ? "delivered outside the stack or by policy (1 assumed)" : `sent by ${s.instances}`;
    out.push(`  ${s.source.padEnd(w)}  ${plural(s.detections.length, "rule").padEnd(9)}  ${sending}`);
  }
  if (t.resources.length) {
    out.push("Telemetry resources to create:");
    for (const r of t.resources) out.push(`  ${r.type.replace(/^azure-native:/, "")}  ${r.name}`);
  } else if (!t.gaps) {
    out.push("  (this version of the stack deploys no telemetry: send these logs to the workspace yourself)");
  }
  if (t.gaps) {
    const keys = Object.keys(t.gaps);
    out.push(keys.length ? `Telemetry gaps (${plural(keys.length, "rule")} will not see everything they read):` : "Telemetry gaps: none");
    for (const k of keys) out.push(`  ${k.padEnd(44)} ${t.gaps[k].join("; ")}`);
  }
  return out;
}

const STATUS_MARK: Record<string, string> = { delivered: "delivered", pending: "PENDING", missing: "MISSING", provided: "provided" };

function renderEstate(e: Plan["estate"]): string[] {
  const watched = e.mode === "managementGroup"
    ? `management group ${e.managementGroup} (every current and future subscription under it, by Azure Policy)`
    : e.mode === "subscriptions" ? `${plural(e.subscriptions as number, "listed subscription")} (one provider and one stack-named Activity Log setting each)` : "the subscription the stack deploys to";
  const out = [`Subscriptions watched: ${watched}`];
  out.push(e.activityLogAlerts.perSubscription
    ? `  activity-log alerts: one per detection ${e.mode === "current" ? "in the subscription" : `in each of the ${e.activityLogAlerts.subscriptions} subscriptions`}; log search rules: one per detection on the workspace`
    : `  activity-log alerts: none — ${e.activityLogAlerts.reason}; log search rules: one per detection on the workspace`);
  for (const s of e.scopes) {
    const label = s.kind === "managementGroup" ? `management group ${s.id}` : s.kind === "deploying-subscription" ? "deploying subscription" : `subscription ${s.id}${s.name ? ` (${s.name})` : ""}`;
    const cov = s.coverage;
    const ingestion = s.ingestionMonthly ? `; ingestion ${s.ingestionMonthly.toFixed(2)}/month` : "";
    out.push(`  ${label}: ${cov.deployed} techniques covered, ${cov["deployed-telemetry-missing"]} missing telemetry${ingestion}`);
    for (const src of s.sources) out.push(`    ${src.source.padEnd(58)} ${STATUS_MARK[src.status].padEnd(9)} ${src.how}`);
  }
  return out;
}

function renderCoverage(c: CoverageSummary): string[] {
  const s = c.states;
  return [
    `ATRM coverage: ${c.deployed} of ${c.leafTechniques} leaf techniques deployed` +
      ` (${s["deployed-telemetry-missing"]} of them missing telemetry), ${s["available-not-selected"]} available but not selected, ${s["not-detectable"]} not detectable` +
      ` — npm run matrix draws it`,
  ];
}

function renderCost(c: CostEstimate): string[] {
  const rows: [string, string, string][] = [];
  const money = (x: number) => x.toFixed(2);
  for (const t of c.rules.tiers) rows.push([`${plural(t.rules, "log search rule")} at the ${t.tier} price`, `x ${money(t.pricePerRule)}`, money(t.monthly)]);
  rows.push([c.rules.activityLogAlerts === c.rules.activityLogFree ? plural(c.rules.activityLogFree, "activity-log alert") : `${plural(c.rules.activityLogAlerts, "activity-log alert")} (${c.rules.activityLogFree} detections x ${c.rules.activityLogAlerts / Math.max(1, c.rules.activityLogFree)} subscriptions)`, "free", money(0)]);
  const rules = rows.splice(0);
  for (const t of c.timeSeries.tiers) rows.push([`${plural(t.splitRules, "split rule")} at the ${t.tier} price`, `${t.extraSeries} extra series x ${money(t.pricePerSeries)}`, money(t.monthly)]);
  const series = rows.splice(0);
  for (const s of c.ingestion.sources) {
    rows.push([s.source, `${s.gbPerDayEach} GB/day x ${s.instances}${s.instancesAssumed ? " (assumed)" : ""} = ${s.gbPerMonth} GB`, s.free ? "free" : money(s.monthly)]);
  }
  const ingestion = rows.splice(0);
  const all = [...rules, ...series, ...ingestion];
  const w = [0, 1, 2].map((i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: [string, string, string]) => `    ${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}`;
  const provenance = [`price table read ${c.prices.read}`];
  if (c.prices.unverified.length) provenance.push(`unverified: ${c.prices.unverified.join(", ")}`);
  if (c.prices.overridden.length) provenance.push(`set by the stack: ${c.prices.overridden.join(", ")}`);
  return [
    `Estimated monthly cost (${c.currency}; ${provenance.join("; ")} — pricing/azure-monitor.json)`,
    `  Alert rules, exact from the price table: ${money(c.rules.monthly)}`,
    ...rules.map(line),
    ...(c.rules.estateLogSearch ? [`    of which ${plural(c.rules.estateLogSearch.rules, "Activity Log operation match")} as log search rules for the estate: ${money(c.rules.estateLogSearch.monthly)} (${c.rules.estateLogSearch.reason})`] : []),
    `  Time series of split rules, estimate (${c.timeSeries.timeSeriesPerRule} per rule assumed, the first is in the rule price): ${money(c.timeSeries.monthly)}`,
    ...series.map(line),
    `  Log ingestion, estimate (GB/day per instance x instances x ${c.ingestion.daysPerMonth.toFixed(2)} days x ${money(c.ingestion.pricePerGb)}/GB): ${money(c.ingestion.monthly)}`,
    ...ingestion.map(line),
    `  Total: ${money(c.total.exact)} exact + ${money(c.total.estimated)} estimated = ${money(c.total.monthly)} ${c.currency}/month`,
  ];
}
