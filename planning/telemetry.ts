// The telemetry plan: from the selected detections' `requires` and the stack's `telemetry`
// config, what to deploy (Activity Log export, Entra ID export, diagnostic settings, agent data
// collection) and what is still missing per detection. Pure: no Pulumi; the components deploy
// exactly this plan, `npm run plan` and the tests read it.
import type { PolicySource, TelemetryConfig } from "../config/telemetry";
import type { Estate } from "../config/estate";
import { ConfigError, keyPath } from "../config/errors";
import { parseResourceId } from "../config/schema";
import { DETECTIONS } from "../detections/index";
import type { Detection, DiagnosticsDestination, Requirement, SyslogLevel, Tactic } from "../detections/model";
import { ACTIVITY_LOG_CATEGORIES, SYSLOG_LEVELS, TACTICS, tablesOf } from "../detections/model";
import { RESOURCE_LOGS_INITIATIVE_TYPES } from "../azure/telemetry-policies";
import { DIAGNOSTIC_TYPES, NOT_DEPLOYABLE, STORAGE_ACCOUNT_TYPE, diagnosticTypeKey, SECURITY_EVENT_STREAM_NOTE } from "../azure/telemetry-sources";

export type WindowsStream = "Microsoft-Event" | "Microsoft-SecurityEvent";
export type Os = "windows" | "linux";

export interface DiagnosticSettingPlan {
  /** The resource the setting is created on (a storage service sub-resource for storage). */
  resourceUri: string;
  /** Canonical resource type (a key of DIAGNOSTIC_TYPES). */
  resourceType: string;
  categories: string[];
  /** resourceSpecific = logAnalyticsDestinationType Dedicated. */
  destination: DiagnosticsDestination;
  /** Index in telemetry.diagnostics.targets. */
  target: number;
}

export interface WindowsCollection {
  /** XPath queries per stream (Microsoft-Event -> Event, Microsoft-SecurityEvent -> SecurityEvent). */
  xPathQueries: Partial<Record<WindowsStream, string[]>>;
}
export interface LinuxCollection {
  /** One syslog data source per minimum level: its facilities and the levels collected. */
  syslog: { facilities: string[]; logLevels: SyslogLevel[] }[];
}

export interface AgentVmPlan {
  id: string;
  os: Os;
  location?: string;
  installAgent: boolean;
}

export interface TelemetryPlan {
  /**
   * settings: one subscription diagnostic setting per watched subscription (the stack's own);
   * policy: the built-in Activity Log policy at management-group scope (all eight categories).
   */
  activityLog?: { categories: string[]; via: "settings" | "policy" };
  entraId?: { categories: string[] };
  diagnostics: DiagnosticSettingPlan[];
  agent: {
    windows?: WindowsCollection;
    linux?: LinuxCollection;
    /** VMs associated with their OS's DCR (only OSes that have one). */
    vms: AgentVmPlan[];
    keepAgentOnDestroy: boolean;
  };
  /** The initiatives assigned (at each watched subscription, or at the management group). */
  policy: { resourceLogs: boolean; agent: Os[] };
  /** Detection key -> missing sources, each "<source> (<reason>)". Only detections with gaps. */
  gaps: Record<string, string[]>;
  /**
   * The part of `gaps` a policy assignment of the stack delivers once Azure has evaluated and
   * remediated it (reason "pending: ..."): not covered yet, but not missing from the plan either.
   */
  pending: Record<string, string[]>;
  /** Detection key -> what must be configured inside the OS for its events to exist. */
  prerequisites: Record<string, string[]>;
}

type Selected = readonly { key: string; detection: Detection }[];
type Need<R extends Requirement["source"]> = { key: string; r: Extract<Requirement, { source: R }> };

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

function needsOf<S extends Requirement["source"]>(selected: Selected, source: S): Need<S>[] {
  return selected.flatMap((d) => d.detection.requires.filter((r): r is Extract<Requirement, { source: S }> => r.source === source).map((r) => ({ key: d.key, r })));
}

/** `provided` entries cover a source id exactly or as a prefix ("entraId" covers "entraId:SignInLogs"). */
function providedCheck(provided: string[]): (source: string) => boolean {
  const p = provided.map((x) => x.toLowerCase());
  return (source) => {
    const s = source.toLowerCase();
    return p.some((x) => s === x || s.startsWith(x + ":"));
  };
}

/**
 * How many senders of a log source (`activityLog`, `entraId:<category>`, `diagnostics:<type>`,
 * `agent:<os>`, as planning/cost.ts sourceIds names them) the plan deploys: the subscription's or
 * tenant's export, each resource with a diagnostic setting, each VM with the agent. Policy
 * assignments and sources delivered outside the stack are not counted.
 */
export function stackInstances(plan: TelemetryPlan, source: string, estate: Estate = { mode: "current" }): number {
  const [kind, rest] = [source.split(":")[0], source.slice(source.indexOf(":") + 1)];
  // One setting per watched subscription; a management group's come from the policy.
  if (kind === "activityLog") return plan.activityLog?.via === "settings" ? (estate.mode === "subscriptions" ? estate.subscriptions.length : 1) : 0;
  if (kind === "entraId") return plan.entraId?.categories.includes(rest) ? 1 : 0;
  if (kind === "diagnostics") return new Set(plan.diagnostics.filter((d) => d.resourceType.toLowerCase() === rest.toLowerCase()).map((d) => d.resourceUri.toLowerCase())).size;
  if (kind === "agent") return plan.agent.vms.filter((v) => v.os === rest).length;
  return 0;
}

/** Whether a policy assignment of the plan sends a log source (resource logs to AzureDiagnostics, the agent's DCRs, a management group's Activity Log). */
export function policyDelivers(plan: TelemetryPlan, source: string): boolean {
  const [kind, rest] = [source.split(":")[0], source.slice(source.indexOf(":") + 1)];
  if (kind === "diagnostics") return plan.policy.resourceLogs && (RESOURCE_LOGS_INITIATIVE_TYPES as readonly string[]).some((t) => t.toLowerCase() === rest.toLowerCase());
  if (kind === "agent") return (plan.policy.agent as string[]).includes(rest);
  if (kind === "activityLog") return plan.activityLog?.via === "policy";
  return false;
}

/** Whether a telemetry gap entry ("<source>[:<category>] (<reason>)") is about a source. */
export function gapIsAbout(gap: string, source: string): boolean {
  return gap.startsWith(source + " (") || gap.startsWith(source + ":");
}

/** Where the stack's policy assignments sit, for messages. */
export function policyScopeText(estate: Estate): string {
  return estate.mode === "managementGroup" ? `management group ${estate.managementGroupId}` : estate.mode === "subscriptions" ? "each listed subscription" : "the subscription";
}

/**
 * Compute what to deploy and what is missing, for the subscriptions the stack watches (default:
 * the one it deploys to). Deterministic: same input, same plan.
 */
export function planTelemetry(selected: Selected, t: TelemetryConfig, estate: Estate = { mode: "current" }): TelemetryPlan {
  const isProvided = providedCheck(t.provided);
  const gaps: Record<string, string[]> = {};
  const pending: Record<string, string[]> = {};
  const gap: GapFn = (key, source, reason) => {
    if (isProvided(source)) return;
    (gaps[key] ??= []).push(`${source} (${reason})`);
  };
  // A source a policy assignment of the stack delivers: pending until the user records its remediation.
  const byPolicy = (what: PolicySource, initiative: string): ((key: string, source: string) => void) => (key, source) => {
    if (isProvided(source) || t.policy.remediated.includes(what)) return;
    const entry = `${source} (pending: ${initiative} at ${policyScopeText(estate)}, until its remediation task has run — then list ${what} in telemetry.policy.remediated)`;
    (gaps[key] ??= []).push(entry);
    (pending[key] ??= []).push(entry);
  };

  // Activity Log and Entra ID: one export each, with the needed (or the configured) categories.
  function categoryExport(source: "activityLog" | "entraId", cfg: { enabled: boolean; categories?: string[] }) {
    const needs = needsOf(selected, source).flatMap(({ key, r }) => r.categories.map((c) => ({ key, c: c as string })));
    const needed = uniq(needs.map((n) => n.c).filter((c) => !isProvided(`${source}:${c}`)));
    const categories = cfg.enabled ? cfg.categories ?? needed : [];
    for (const { key, c } of needs) {
      if (!cfg.enabled) gap(key, `${source}:${c}`, `telemetry.${source}.enabled is false`);
      else if (!categories.includes(c)) gap(key, `${source}:${c}`, `not in telemetry.${source}.categories`);
    }
    return categories.length ? { categories } : undefined;
  }
  // A management group's subscriptions get the Activity Log from the built-in policy, which sends
  // all eight categories (its template); elsewhere one stack-named setting per subscription.
  let activityLog: TelemetryPlan["activityLog"];
  if (estate.mode === "managementGroup" && t.activityLog.enabled) {
    const pendingActivity = byPolicy("activityLog", "the Activity Log policy");
    for (const { key, r } of needsOf(selected, "activityLog")) for (const c of r.categories) pendingActivity(key, `activityLog:${c}`);
    activityLog = needsOf(selected, "activityLog").length || t.activityLog.categories ? { categories: [...ACTIVITY_LOG_CATEGORIES], via: "policy" } : undefined;
  } else {
    const exported = categoryExport("activityLog", t.activityLog);
    activityLog = exported && { ...exported, via: "settings" };
  }
  const entraId = categoryExport("entraId", t.entraId);

  const diagnostics = planDiagnostics(selected, t, gap, byPolicy("resourceLogs", "the resource-logs initiative"));
  const agent = planAgent(selected, t, gap, byPolicy("agent", "the agent initiative"));

  const prerequisites: Record<string, string[]> = {};
  for (const { key, r } of needsOf(selected, "agent")) if (r.osPrerequisite) (prerequisites[key] ??= []).push(r.osPrerequisite);

  return {
    activityLog,
    entraId,
    diagnostics,
    agent,
    policy: { resourceLogs: t.policy.resourceLogs, agent: t.policy.agent ? (["windows", "linux"] as const).filter((os) => agent[os]) : [] },
    gaps,
    pending,
    prerequisites,
  };
}

type GapFn = (key: string, source: string, reason: string) => void;
type PendingFn = (key: string, source: string) => void;

/** Expand config targets to (resource uri, canonical type) pairs; a storage account stands for its services. */
function targetResources(t: TelemetryConfig, neededTypes: Set<string>): { uri: string; type: string; target: number; explicit?: string[] }[] {
  const out: { uri: string; type: string; target: number; explicit?: string[] }[] = [];
  t.diagnostics.targets.forEach((target, i) => {
    const parsed = parseResourceId(target.resourceId)!;
    if (parsed.type.toLowerCase() === STORAGE_ACCOUNT_TYPE.toLowerCase()) {
      for (const [type, spec] of Object.entries(DIAGNOSTIC_TYPES)) {
        if (spec.storageService && neededTypes.has(type)) out.push({ uri: `${target.resourceId}/${spec.storageService}/default`, type, target: i, explicit: target.categories });
      }
    } else {
      out.push({ uri: target.resourceId, type: diagnosticTypeKey(parsed.type)!, target: i, explicit: target.categories });
    }
  });
  return out;
}

function planDiagnostics(selected: Selected, t: TelemetryConfig, gap: GapFn, byPolicy: PendingFn): DiagnosticSettingPlan[] {
  const needs = needsOf(selected, "diagnostics");
  const byType = new Map<string, Need<"diagnostics">[]>();
  for (const n of needs) {
    const type = diagnosticTypeKey(n.r.resourceType);
    const manual = Object.keys(NOT_DEPLOYABLE).find((k) => k.toLowerCase() === n.r.resourceType.toLowerCase());
    if (manual) {
      gap(n.key, `diagnostics:${manual}`, NOT_DEPLOYABLE[manual].reason);
      continue;
    }
    if (!type) {
      gap(n.key, `diagnostics:${n.r.resourceType}`, "resource type not supported by the telemetry components");
      continue;
    }
    if (!DIAGNOSTIC_TYPES[type].tables[n.r.destination]) {
      gap(n.key, `diagnostics:${type}`, `${type} cannot send logs to ${n.r.destination} tables`);
      continue;
    }
    byType.set(type, [...(byType.get(type) ?? []), n]);
  }

  // Per type and category: the destination the detections read. When both are wanted, resource-
  // specific wins: Azure accepts one category to one workspace only once per resource.
  const destinationOf = (type: string, category: string): DiagnosticsDestination | undefined => {
    const wanted = (byType.get(type) ?? []).filter((n) => n.r.categories.includes(category)).map((n) => n.r.destination);
    return wanted.includes("resourceSpecific") ? "resourceSpecific" : wanted[0];
  };

  const settings: DiagnosticSettingPlan[] = [];
  for (const res of targetResources(t, new Set(byType.keys()))) {
    const spec = DIAGNOSTIC_TYPES[res.type];
    const categories = res.explicit ?? uniq((byType.get(res.type) ?? []).flatMap((n) => n.r.categories));
    for (const destination of ["AzureDiagnostics", "resourceSpecific"] as const) {
      const cats = categories.filter((c) => (destinationOf(res.type, c) ?? spec.defaultDestination) === destination);
      if (cats.length) settings.push({ resourceUri: res.uri, resourceType: res.type, categories: cats, destination, target: res.target });
    }
  }

  const policyTypes = new Set<string>(RESOURCE_LOGS_INITIATIVE_TYPES);
  for (const [type, typeNeeds] of byType) {
    const onType = settings.filter((s) => s.resourceType === type);
    for (const { key, r } of typeNeeds) {
      if (onType.length === 0) {
        if (t.policy.resourceLogs && policyTypes.has(type) && r.destination === "AzureDiagnostics") {
          byPolicy(key, `diagnostics:${type}`); // the initiative deploys it
          continue;
        }
        const why = t.policy.resourceLogs && policyTypes.has(type) ? "; the policy initiative writes AzureDiagnostics only" : "";
        gap(key, `diagnostics:${type}`, `no target of that type in telemetry.diagnostics.targets${why}`);
        continue;
      }
      for (const c of r.categories) {
        if (onType.some((s) => s.destination === r.destination && s.categories.includes(c))) continue;
        const elsewhere = onType.find((s) => s.categories.includes(c));
        gap(key, `diagnostics:${type}:${c}`, elsewhere
          ? `collected into ${elsewhere.destination} tables for another detection; one category goes to a workspace once per resource`
          : `not in the categories of telemetry.diagnostics.targets[${onType[0].target}]`);
      }
    }
  }
  return settings;
}

/** The levels a syslog source at `minimum` collects: that level and every more severe one. */
export function levelsFrom(minimum: SyslogLevel): SyslogLevel[] {
  return SYSLOG_LEVELS.slice(SYSLOG_LEVELS.indexOf(minimum));
}

function planAgent(selected: Selected, t: TelemetryConfig, gap: GapFn, byPolicy: PendingFn): TelemetryPlan["agent"] {
  const needs = needsOf(selected, "agent");
  const hasVm = (os: Os) => t.agent.vms.some((v) => v.os === os);
  const deployable = (os: Os) => hasVm(os) || t.policy.agent;

  // Windows: XPath queries per stream, detections' first, then config extras.
  const xPath: Partial<Record<WindowsStream, string[]>> = {};
  for (const { r } of needs) if (r.os === "windows") xPath[r.stream] = uniq([...(xPath[r.stream] ?? []), ...r.xPathQueries]);
  for (const e of t.agent.windowsEvents) xPath[e.stream] = uniq([...(xPath[e.stream] ?? []), e.xPath]);
  // Linux: the lowest minimum level per facility, then one source per level.
  const minLevel = new Map<string, SyslogLevel>();
  const lower = (a: SyslogLevel, b?: SyslogLevel) => (b === undefined || SYSLOG_LEVELS.indexOf(a) < SYSLOG_LEVELS.indexOf(b) ? a : b);
  for (const { r } of needs) if (r.os === "linux") for (const f of r.facilities) minLevel.set(f, lower(r.minimumLevel, minLevel.get(f)));
  for (const s of t.agent.syslog) minLevel.set(s.facility, lower(s.minimumLevel, minLevel.get(s.facility)));
  const syslog = SYSLOG_LEVELS.filter((l) => [...minLevel.values()].includes(l)).map((l) => ({
    facilities: [...minLevel].filter(([, m]) => m === l).map(([f]) => f),
    logLevels: levelsFrom(l),
  }));

  const windows = Object.keys(xPath).length && deployable("windows") ? { xPathQueries: xPath } : undefined;
  const linux = syslog.length && deployable("linux") ? { syslog } : undefined;

  for (const { key, r } of needs) {
    if (hasVm(r.os)) continue;
    if (t.policy.agent) byPolicy(key, `agent:${r.os}`);
    else gap(key, `agent:${r.os}`, `no ${r.os === "windows" ? "Windows" : "Linux"} VM in telemetry.agent.vms`);
  }
  const withDcr = (os: Os) => (os === "windows" ? !!windows : !!linux);
  return {
    windows,
    linux,
    vms: t.agent.vms.filter((v) => withDcr(v.os)).map((v) => ({ id: v.id, os: v.os, location: v.location, installAgent: v.installAgent })),
    keepAgentOnDestroy: t.agent.keepAgentOnDestroy,
  };
}

export interface AppliedTelemetry<D> {
  /** The detections to deploy (all of them unless skipDetectionsWithoutTelemetry). */
  detections: D[];
  plan: TelemetryPlan;
  /** Keys not deployed because their telemetry is missing. */
  skipped: string[];
  /** One line per gap (and per skipped detection and OS prerequisite), for pulumi.log.warn. */
  warnings: string[];
}

/**
 * The plan for the selected detections; with skipDetectionsWithoutTelemetry, detections with a
 * gap are dropped and the plan is recomputed for the rest (the gaps still name the dropped ones).
 */
export function applyTelemetry<D extends { key: string; detection: Detection }>(selected: readonly D[], t: TelemetryConfig, estate: Estate = { mode: "current" }): AppliedTelemetry<D> {
  const first = planTelemetry(selected, t, estate);
  let detections = [...selected];
  let plan = first;
  // A source that is only pending (a policy of the stack delivers it) does not make a detection skipped.
  const missing = (key: string) => (first.gaps[key] ?? []).some((g) => !(first.pending[key] ?? []).includes(g));
  const skipped = t.skipDetectionsWithoutTelemetry ? selected.filter((d) => missing(d.key)).map((d) => d.key) : [];
  if (skipped.length) {
    detections = selected.filter((d) => !missing(d.key));
    if (detections.length === 0) {
      throw new ConfigError([`${keyPath(["telemetry", "skipDetectionsWithoutTelemetry"])}: every selected detection lacks telemetry (${Object.entries(first.gaps).map(([k, g]) => `${k}: ${g.join(", ")}`).join("; ")}) — enable the missing sources or set it to false`]);
    }
    plan = { ...planTelemetry(detections, t, estate), gaps: first.gaps, pending: first.pending };
  }
  const warnings = [
    ...Object.entries(first.gaps).flatMap(([key, missing]) => missing.map((m) => `telemetry gap: ${key} needs ${m}${skipped.includes(key) ? " — not deployed (telemetry.skipDetectionsWithoutTelemetry)" : ""}`)),
    ...Object.entries(plan.prerequisites).flatMap(([key, pre]) => pre.map((p) => `telemetry prerequisite for ${key}: ${p}`)),
    ...(plan.agent.windows?.xPathQueries["Microsoft-SecurityEvent"]?.length ? [`telemetry prerequisite for the Windows data collection rule: ${SECURITY_EVENT_STREAM_NOTE}`] : []),
  ];
  return { detections, plan, skipped, warnings };
}

// ---------------------------------------------------------------------------------------------
// What telemetry each tactic needs (docs/telemetry.md is generated from this).

export interface TacticTelemetry {
  detections: number;
  activityLog: string[];
  entraId: string[];
  diagnostics: string[];
  agent: string[];
}

/** Per tactic, the telemetry its catalogued detections read, each source with the tables it fills. */
export function telemetryByTactic(catalogue: readonly Detection[] = DETECTIONS): Record<Tactic, TacticTelemetry> {
  const out = {} as Record<Tactic, TacticTelemetry>;
  for (const tactic of TACTICS) {
    const ds = catalogue.filter((d) => d.tactic === tactic);
    const reqs = ds.flatMap((d) => d.requires);
    const pick = <S extends Requirement["source"]>(s: S) => reqs.filter((r): r is Extract<Requirement, { source: S }> => r.source === s);
    out[tactic] = {
      detections: ds.length,
      activityLog: uniq(pick("activityLog").flatMap((r) => r.categories)).sort(),
      entraId: uniq(pick("entraId").flatMap((r) => r.categories.map((c) => `${c} → ${tablesOf({ source: "entraId", categories: [c] })[0]}`))).sort(),
      diagnostics: uniq(pick("diagnostics").flatMap((r) => r.categories.map((c) => `${r.resourceType} ${c} → ${r.tables.join("/")}`))).sort(),
      agent: uniq(pick("agent").flatMap((r) => r.os === "windows"
        ? r.xPathQueries.map((q) => `Windows ${q} → ${tablesOf(r)[0]}`)
        : [`Linux syslog ${r.facilities.join(",")} ≥ ${r.minimumLevel} → Syslog`])).sort(),
    };
  }
  return out;
}

export const TELEMETRY_TABLE_START = "<!-- telemetry-by-tactic:start (generated by `npm run telemetry-table`; do not edit) -->";
export const TELEMETRY_TABLE_END = "<!-- telemetry-by-tactic:end -->";

/** The markdown table for docs/telemetry.md, between its markers. */
export function telemetryTableMarkdown(catalogue: readonly Detection[] = DETECTIONS): string {
  const cell = (xs: string[]) => (xs.length ? xs.map((x) => x.replace(/\|/g, "\\|")).join("<br>") : "—");
  const rows = Object.entries(telemetryByTactic(catalogue)).map(([tactic, t]) =>
    `| ${tactic} | ${t.detections} | ${cell(t.activityLog)} | ${cell(t.entraId)} | ${cell(t.diagnostics)} | ${cell(t.agent)} |`);
  return [
    TELEMETRY_TABLE_START,
    "| Tactic | Detections | Activity Log categories | Entra ID categories → table | Resource diagnostics (type, category → table) | Azure Monitor Agent → table |",
    "|---|---|---|---|---|---|",
    ...rows,
    TELEMETRY_TABLE_END,
  ].join("\n");
}

/** The table currently in a markdown document (between the markers), or undefined. */
export function extractTelemetryTable(doc: string): string | undefined {
  const a = doc.indexOf(TELEMETRY_TABLE_START), b = doc.indexOf(TELEMETRY_TABLE_END);
  return a < 0 || b < a ? undefined : doc.slice(a, b + TELEMETRY_TABLE_END.length);
}
