// Backtest: how many alerts each selected rule would have raised over a tenant's own rows, and who
// caused them. Each rule's real schedule is replayed: evaluation times stepped by its
// evaluationFrequency, and each evaluation is the log search alert emulator (kusto/alert.ts) at that
// instant — the query time range, the rows that had arrived by then, threshold and dimensions — so
// a rule's count is the number of alerts Azure would have fired (failingPeriods 1 of 1 and
// autoMitigate off, as deployed: every firing dimension combination of every run is an alert).
// Rules deployed as activity-log alerts fire once per matching event, as it arrives.
//
// A function (rows and a stack's selection in, report out): `npm run backtest` (tools/backtest.ts)
// is a thin command line over it.
import { evaluateAlert } from "../kusto/alert";
import type { WorkspaceTables } from "../kusto/tables";
import { isoDurationMs } from "../detections/kql";
import { tablesOf, type Detection, type GlobalAllowlist, type ParameterValues } from "../detections/model";
import type { ResolvedDetection } from "./resolve";
import { renderQuery } from "./resolve";
import { conditionMatches, FIELD_COLUMNS } from "./samples";
import { analyze, syntaxKindName } from "../kusto/language";
import { tableSchemas } from "../kusto/language";

/** Options of the alert emulator that a replay passes on unchanged (e.g. how results are binned). */
export type EmulatorOptions = Omit<Parameters<typeof evaluateAlert>[0], "query" | "trigger" | "window" | "overrideQueryTimeRange" | "now" | "tables">;

export interface BacktestOptions {
  /** First and last instant replayed (default: the first and last arrival among the rows the rules read). */
  from?: Date;
  to?: Date;
  /** Emulator options, passed to every evaluation. */
  emulator?: EmulatorOptions;
  /** Called after each rule's evaluations (done, total evaluations of all rules). */
  onProgress?: (done: number, total: number, key: string) => void;
  /** Top entities reported per rule (default 8). */
  topEntities?: number;
}

export interface Alert {
  /** The evaluation that fired (ISO). */
  at: string;
  dimensions: Record<string, unknown>;
}

export interface TopEntity {
  /** Result column holding the entity (a dimension or one of the detection's entity columns). */
  column: string;
  value: string;
  /** Alerts with this value. */
  alerts: number;
  /**
   * The stack config entry that silences these alerts, e.g. `allowlists.callers: ["ci@contoso.com"]`
   * or `overrides.<key>.parameters.allowedApps: ["..."]`; null when no parameter of the rule does.
   */
  allowlist: string | null;
  /** The entry was checked: the rule re-run with it at (up to 20 of) these alerts' evaluations raised none of them. */
  verified: boolean;
}

export interface DetectionBacktest {
  key: string;
  technique: string;
  tactic: string;
  name: string;
  severity: number;
  alertKind: "scheduledQuery" | "activityLog";
  evaluationFrequency: string;
  queryTimeRange: string;
  tables: string[];
  evaluated: true;
  /** Runs replayed (activity-log alerts: events checked). */
  evaluations: number;
  alerts: number;
  /** Alerts per day over the replayed span after the warm-up (the whole span when it is shorter). */
  alertsPerDay: number;
  /** Alerts of runs whose query time range reached back before the replayed span (history incomplete). */
  alertsInWarmUp: number;
  firstAlert?: string;
  lastAlert?: string;
  topEntities: TopEntity[];
  /** Every alert (evaluation time and dimension values). */
  alertList: Alert[];
  /** Wall time of this rule's replay, ms. */
  durationMs: number;
}

export interface BacktestReport {
  from: string;
  to: string;
  days: number;
  /** Rows per table given. */
  rows: Record<string, number>;
  detections: DetectionBacktest[];
  notEvaluated: { key: string; reason: string }[];
  /** False when a rule could not be evaluated for another reason than missing rows (see notEvaluated). */
  complete: boolean;
}

/** The tables a detection reads. */
export function tablesRead(d: Detection): string[] {
  return [...new Set(d.requires.flatMap(tablesOf))].sort();
}

/**
 * The columns the rules read, per table: every column name their queries reference, their
 * dimensions and entity columns (and, for activity-log alerts, the fields of the condition). Rows
 * keep only these (memory), and the live pull asks only for these (cost).
 */
export function columnsRead(rules: ResolvedDetection[]): Record<string, Set<string>> {
  const out: Record<string, Set<string>> = {};
  for (const r of rules) {
    const names = new Set<string>([...(r.trigger.dimensions ?? []), ...Object.values(r.detection.entities).filter((c): c is string => !!c)]);
    if (r.trigger.metricMeasureColumn) names.add(r.trigger.metricMeasureColumn);
    if (r.alertKind === "activityLog") for (const c of [...Object.values(FIELD_COLUMNS), "CallerIpAddress"]) names.add(c);
    collectColumnNames(analyze(r.query).Syntax as unknown as Node, names);
    for (const t of tablesRead(r.detection)) {
      const schema = tableSchemas().get(t);
      if (!schema) continue;
      const set = (out[t] ??= new Set(["TimeGenerated", "_TimeReceived"]));
      for (const c of schema.columns) if (names.has(c.name)) set.add(c.name);
    }
  }
  return out;
}

type Node = { ChildCount: number; GetChild(i: number): Node | null; IsToken: boolean; Kind: number; SimpleName?: string; ReferencedSymbol?: { Kind: number } | null; LiteralValue?: unknown };
/**
 * Column references, and the names `column_ifexists("<name>", ...)` reads: a column that exists
 * only once a record has carried it (AzureDiagnostics' identity_claim_* columns) is named in a
 * string, not referenced.
 */
function collectColumnNames(n: Node, into: Set<string>): void {
  if (n.ReferencedSymbol && n.ReferencedSymbol.Kind === Kusto.Language.Symbols.SymbolKind.Column && n.SimpleName) into.add(String(n.SimpleName));
  if (syntaxKindName(n.Kind) === "FunctionCallExpression" && n.GetChild(0)?.SimpleName === "column_ifexists") {
    const first = firstStringLiteral(n.GetChild(1));
    if (first !== undefined) into.add(first);
  }
  for (let i = 0; i < n.ChildCount; i++) {
    const c = n.GetChild(i);
    if (c && !c.IsToken) collectColumnNames(c, into);
  }
}

function firstStringLiteral(n: Node | null): string | undefined {
  if (!n) return undefined;
  if (syntaxKindName(n.Kind) === "StringLiteralExpression" && typeof n.LiteralValue === "string") return n.LiteralValue;
  for (let i = 0; i < n.ChildCount; i++) {
    const found = firstStringLiteral(n.GetChild(i));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Evaluation instants of a schedule: multiples of the frequency (from the epoch) from the first after `from` through `to`. */
export function evaluationTimes(frequencyMs: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / frequencyMs) * frequencyMs + frequencyMs; t <= to; t += frequencyMs) out.push(t);
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Backtest the resolved detections of a stack over the rows. */
export function backtest(rules: ResolvedDetection[], tables: WorkspaceTables, opts: BacktestOptions = {}): BacktestReport {
  const notEvaluated: BacktestReport["notEvaluated"] = [];
  const runnable: ResolvedDetection[] = [];
  for (const r of rules) {
    // A table given with no rows was exported empty: evaluated. One not given at all is unknown.
    const missing = tablesRead(r.detection).filter((t) => !tables.has(t));
    if (missing.length) notEvaluated.push({ key: r.key, reason: `no rows for ${missing.join(", ")}` });
    else runnable.push(r);
  }
  const span = tables.arrivalSpan([...new Set(runnable.flatMap((r) => tablesRead(r.detection)))]);
  const from = opts.from?.getTime() ?? span?.first ?? 0;
  // The last run must come after the last row arrived, so the default end is rounded up per rule.
  const to = opts.to?.getTime() ?? span?.last ?? 0;
  const plans = runnable.map((r) => {
    const f = isoDurationMs(r.evaluationFrequency);
    const end = opts.to ? to : Math.ceil(to / f) * f;
    return { r, times: r.alertKind === "activityLog" ? [] : evaluationTimes(f, from, end) };
  });
  const total = plans.reduce((s, p) => s + (p.r.alertKind === "activityLog" ? 1 : p.times.length), 0);
  let done = 0;
  const detections: DetectionBacktest[] = [];
  let complete = true;
  for (const { r, times } of plans) {
    const started = Date.now();
    try {
      const result = r.alertKind === "activityLog" ? replayActivityLogAlert(r, tables, from, to) : replaySchedule(r, tables, times, opts.emulator);
      const rangeMs = isoDurationMs(queryRangeOf(r));
      const warmUpEnd = from + rangeMs;
      const steady = result.alerts.filter((a) => Date.parse(a.at) >= warmUpEnd);
      const steadyDays = (to - warmUpEnd) / 864e5;
      const alertsPerDay = steadyDays >= 1 ? steady.length / steadyDays : result.alerts.length / Math.max((to - from) / 864e5, 1 / 24);
      detections.push({
        key: r.key,
        technique: r.detection.technique,
        tactic: r.detection.tactic,
        name: r.detection.name,
        severity: r.severity,
        alertKind: r.alertKind,
        evaluationFrequency: r.evaluationFrequency,
        queryTimeRange: queryRangeOf(r),
        tables: tablesRead(r.detection),
        evaluated: true,
        evaluations: result.evaluations,
        alerts: result.alerts.length,
        alertsPerDay: Math.round(alertsPerDay * 100) / 100,
        alertsInWarmUp: result.alerts.length - steady.length,
        ...(result.alerts.length ? { firstAlert: result.alerts[0].at, lastAlert: result.alerts[result.alerts.length - 1].at } : {}),
        topEntities: topEntities(r, result, tables, opts),
        alertList: result.alerts.map((a) => ({ at: a.at, dimensions: a.dimensions })),
        durationMs: Date.now() - started,
      });
    } catch (e) {
      complete = false;
      notEvaluated.push({ key: r.key, reason: `evaluation failed: ${(e as Error).message.split("\n")[0]}` });
    }
    done += r.alertKind === "activityLog" ? 1 : times.length;
    opts.onProgress?.(done, total, r.key);
  }
  return {
    from: iso(from),
    to: iso(to),
    days: Math.round(((to - from) / 864e5) * 100) / 100,
    rows: Object.fromEntries(tables.names().sort().map((t) => [t, tables.rowCount(t)])),
    detections,
    notEvaluated,
    complete,
  };
}

function queryRangeOf(r: Pick<ResolvedDetection, "overrideQueryTimeRange" | "windowSize">): string {
  return r.overrideQueryTimeRange ?? r.windowSize;
}

/** One fired dimension combination of one run, with the result rows behind it. */
interface FiredAlert { at: string; dimensions: Record<string, unknown>; rows: Record<string, unknown>[] }
interface Replay { evaluations: number; alerts: FiredAlert[] }

function replaySchedule(r: ResolvedDetection, tables: WorkspaceTables, times: number[], emulator?: EmulatorOptions, query = r.query): Replay {
  const alerts: FiredAlert[] = [];
  const dims = r.trigger.dimensions ?? [];
  for (const t of times) {
    const ev = evaluateAlert({
      ...emulator,
      query,
      trigger: r.trigger,
      window: r.windowSize,
      overrideQueryTimeRange: r.overrideQueryTimeRange,
      now: new Date(t),
      tables,
    });
    for (const g of ev.groups) {
      if (!g.fired) continue;
      const rows = ev.rows.filter((row) => dims.every((d) => sameValue(row[d], g.dimensions[d])));
      alerts.push({ at: iso(t), dimensions: g.dimensions, rows });
    }
  }
  return { evaluations: times.length, alerts };
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Activity-log alerts fire per matching AzureActivity event, when it arrives. */
function replayActivityLogAlert(r: ResolvedDetection, tables: WorkspaceTables, from: number, to: number): Replay {
  const rows = tables.index("AzureActivity")?.arrivals(from, to) ?? [];
  const alerts: FiredAlert[] = [];
  for (const x of rows) {
    const row = Object.fromEntries(Object.entries(x.row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
    if (!conditionMatches(r.activityLogCondition!, row)) continue;
    const dimensions = { Caller: row.Caller, CallerIpAddress: row.CallerIpAddress, _ResourceId: row._ResourceId };
    alerts.push({ at: iso(x.ing), dimensions, rows: [row] });
  }
  return { evaluations: rows.length, alerts };
}

// ---------------------------------------------------------------------------------------------
// Who is behind the alerts, and the allowlist entry that silences each.

const ENTITY_ALLOWLISTS: Record<keyof Detection["entities"], GlobalAllowlist[]> = {
  account: ["callers", "userPrincipalNames", "objectIds", "appIds"],
  ip: ["ipAddresses"],
  resource: [],
  host: [],
  subscription: [],
};

function entityColumns(r: ResolvedDetection): { column: string; kind?: keyof Detection["entities"] }[] {
  const out: { column: string; kind?: keyof Detection["entities"] }[] = [];
  for (const [kind, column] of Object.entries(r.detection.entities) as [keyof Detection["entities"], string][]) if (column) out.push({ column, kind });
  for (const d of r.trigger.dimensions ?? []) if (!out.some((o) => o.column === d)) out.push({ column: d, kind: /appid/i.test(d) ? "account" : undefined });
  return out;
}

function display(v: unknown): string | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if (v instanceof Date) return v.toISOString();
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function topEntities(r: ResolvedDetection, replay: Replay, tables: WorkspaceTables, opts: BacktestOptions): TopEntity[] {
  if (replay.alerts.length === 0) return [];
  const counts = new Map<string, { column: string; kind?: keyof Detection["entities"]; value: string; alerts: FiredAlert[] }>();
  for (const col of entityColumns(r)) {
    for (const a of replay.alerts) {
      const values = new Set<string>();
      const dv = display(a.dimensions[col.column]);
      if (dv !== undefined) values.add(dv);
      else for (const row of a.rows) { const v = display(row[col.column]); if (v !== undefined) values.add(v); }
      for (const v of values) {
        const k = `${col.column}\u0000${v}`;
        let e = counts.get(k);
        if (!e) counts.set(k, (e = { ...col, value: v, alerts: [] }));
        e.alerts.push(a);
      }
    }
  }
  const top = [...counts.values()].sort((a, b) => b.alerts.length - a.alerts.length || a.column.localeCompare(b.column) || a.value.localeCompare(b.value)).slice(0, opts.topEntities ?? 8);
  return top.map((e) => ({ column: e.column, value: e.value, alerts: e.alerts.length, ...silencer(r, e, tables, opts) }));
}

/** The list parameters that could hold an entity value, most fitting first. */
function candidateParameters(r: ResolvedDetection, kind?: keyof Detection["entities"]): { name: string; allowlist?: GlobalAllowlist }[] {
  const lists = Object.entries(r.detection.parameters ?? {}).flatMap(([name, p]) => (p.type === "stringList" ? [{ name, allowlist: p.allowlist }] : []));
  const fitting = kind ? ENTITY_ALLOWLISTS[kind] : [];
  const global = lists.filter((p) => p.allowlist && (fitting.length === 0 || fitting.includes(p.allowlist)));
  const local = lists.filter((p) => !p.allowlist && /^(allowed|known)/.test(p.name));
  return [...global.sort((a, b) => fitting.indexOf(a.allowlist!) - fitting.indexOf(b.allowlist!)), ...local];
}

function silencer(r: ResolvedDetection, e: { column: string; kind?: keyof Detection["entities"]; value: string; alerts: FiredAlert[] }, tables: WorkspaceTables, opts: BacktestOptions): { allowlist: string | null; verified: boolean } {
  const times = [...new Set(e.alerts.map((a) => Date.parse(a.at)))];
  const sample = times.length <= 20 ? times : Array.from({ length: 20 }, (_, i) => times[Math.floor((i * times.length) / 20)]);
  for (const p of candidateParameters(r, e.kind)) {
    const params: ParameterValues = { ...r.parameters, [p.name]: [...new Set([...(r.parameters[p.name] as string[]), e.value])] };
    let query: string;
    try { query = queryWith(r, params); } catch { continue; }
    const silenced = r.alertKind === "activityLog"
      ? activityLogSilenced(r, params, e)
      : replaySchedule(r, tables, sample, opts.emulator, query).alerts.every((a) => !alertHasValue(a, e.column, e.value));
    if (silenced) {
      const entry = p.allowlist ? `allowlists.${p.allowlist}: ["${e.value}"]` : `overrides.${r.key}.parameters.${p.name}: ["${e.value}"]`;
      return { allowlist: entry, verified: true };
    }
  }
  return { allowlist: null, verified: false };
}

/**
 * The rule's query with other parameter values, as deployed: what resolving added after rendering
 * the catalogue's query (the estate's SubscriptionId column, which the rule's dimensions name) is kept.
 */
function queryWith(r: ResolvedDetection, params: ParameterValues): string {
  const rendered = renderQuery(r.detection, r.parameters, r);
  const added = r.query.startsWith(rendered) ? r.query.slice(rendered.length) : "";
  return renderQuery(r.detection, params, r) + added;
}

function alertHasValue(a: FiredAlert, column: string, value: string): boolean {
  if (display(a.dimensions[column]) === value) return true;
  return a.rows.some((row) => display(row[column]) === value);
}

/**
 * An activity-log alert cannot exclude values: a stack that sets the allowlist deploys the rule as
 * a log search alert (planning/resolve.ts), whose query drops the value. Checked on that query.
 */
function activityLogSilenced(r: ResolvedDetection, params: ParameterValues, e: { column: string; value: string; alerts: FiredAlert[] }): boolean {
  const d = r.detection;
  if (d.signal.kind !== "activityLog") return false;
  return (d.signal.exclusions ?? []).some((ex) => (params[ex.parameter] as string[]).includes(e.value) && ex.column === e.column);
}
