// Applies a stack's configuration to the catalogue: which detections are deployed, in which
// form, with which parameters, schedule and severity. Pure: the stack, `npm run plan`,
// `npm run catalog` and the tests all call this, so they agree on what `pulumi up` declares.
import type { StackConfig, DetectionOverride, DetectionSelectionConfig } from "../config";
import { ConfigError, keyPath } from "../config/errors";
import { DETECTIONS } from "../detections/index";
import type { Detection, GlobalAllowlist, ParameterValues, Severity, Trigger } from "../detections/model";
import { activityLogCondition, operationMatchQuery, OPERATION_TRIGGER, ACTIVITY_LOG_INGESTION_LAG, type ActivityLogAlertCondition } from "../detections/patterns/operationMatch";
import { isoDurationMs, str } from "../detections/kql";
import { LIMITS, MAX_QUERY_TIME_RANGE_MS, roundUpQueryTimeRange } from "../azure/limits";
import { slotWindowProblem } from "../detections/patterns/arrival";
import { activityLogAlertPlacement } from "./estate";
import { SUBSCRIPTION_ID, SUBSCRIPTION_NAME, subscriptionColumnOf, subscriptionNamesExpression, withSubscriptionColumns } from "../detections/patterns/subscription";
import { DEFAULT_ACTIVITY_LOG_ALERT_SUBSCRIPTION_LIMIT, type Estate } from "../config/estate";

export type AlertKind = "scheduledQuery" | "activityLog";

export interface ResolvedDetection {
  detection: Detection;
  key: string;
  severity: Severity;
  evaluationFrequency: string;
  windowSize: string;
  overrideQueryTimeRange?: string;
  alertKind: AlertKind;
  parameters: ParameterValues;
  /** The KQL as deployed (for activity-log alerts: the equivalent query). */
  query: string;
  trigger: Trigger;
  /** Set when alertKind is activityLog. */
  activityLogCondition?: ActivityLogAlertCondition;
  /**
   * Set when the detection would be an activity-log alert but the estate makes it a log search
   * rule (a management group, or more subscriptions than activityLogAlertSubscriptionLimit): why.
   */
  logSearchBecause?: string;
}

/** Overrides that apply to a detection, least specific first: parent technique, technique, key. */
function overridesFor(d: Detection, all: Record<string, DetectionOverride>): [string, DetectionOverride][] {
  const parent = d.technique.split(".")[0];
  const ids = parent === d.technique ? [d.technique, d.key] : [parent, d.technique, d.key];
  return ids.filter((id) => all[id]).map((id) => [id, all[id]]);
}

/** The schedule fields of a detection or of a resolved detection. */
export interface Schedule {
  evaluationFrequency: string;
  windowSize: string;
  overrideQueryTimeRange?: string;
}

/** Build the KQL of a detection for given parameter values and schedule (default: its own). */
export function renderQuery(d: Detection, p: ParameterValues, s: Schedule = d): string {
  return d.signal.kind === "query" ? d.signal.query(p) : operationMatchQuery(d.signal, p, s.evaluationFrequency);
}

/** Subscription names the estate's alerts can carry (from the stack file; none for a management group). */
export function subscriptionNames(estate: Estate): { id: string; name: string }[] {
  return estate.mode === "subscriptions" ? estate.subscriptions.filter((s): s is { id: string; name: string } => !!s.name) : [];
}

/**
 * The query and trigger as deployed: the catalogue's, with the subscription the rows belong to
 * added as the SubscriptionId dimension (and SubscriptionName when the stack file names its
 * subscriptions and the lookup fits), so every alert of the one estate-wide rule says where.
 */
export function deployedForm(d: Detection, query: string, trigger: Trigger, estate: Estate): { query: string; trigger: Trigger } {
  const column = subscriptionColumnOf(d);
  if (!column) return { query, trigger };
  const names = subscriptionNamesExpression(subscriptionNames(estate));
  const added = [SUBSCRIPTION_ID, ...(names ? [SUBSCRIPTION_NAME] : [])];
  const dimensions = [...(trigger.dimensions ?? []).filter((x) => !added.includes(x)), ...added];
  if (dimensions.length > LIMITS.maxDimensions) throw new Error(`${d.key}: ${dimensions.length} dimensions with the subscription, over Azure's ${LIMITS.maxDimensions}`);
  return { query: withSubscriptionColumns(query, column, names), trigger: { ...trigger, dimensions } };
}

/** The query a resolved detection deploys with given parameter values (deploy-time allowlists). */
export function deployedQuery(d: ResolvedDetection, p: ParameterValues, estate: Estate): string {
  return deployedForm(d.detection, renderQuery(d.detection, p, d), d.trigger, estate).query;
}

/**
 * The overrideQueryTimeRange a rule is deployed with. Operation matches select rows by ingestion
 * time, so their range also covers the Activity Log's ingestion lag (capped at Azure's P2D).
 */
export function queryTimeRange(d: Detection, s: Schedule = d): string | undefined {
  if (d.signal.kind !== "activityLog") return s.overrideQueryTimeRange;
  const needed = Math.min(isoDurationMs(s.windowSize) + isoDurationMs(ACTIVITY_LOG_INGESTION_LAG), MAX_QUERY_TIME_RANGE_MS);
  const given = s.overrideQueryTimeRange ? isoDurationMs(s.overrideQueryTimeRange) : 0;
  // Rounded up to a range Azure accepts (PT5M + 30 min lag = PT35M is refused; PT45M is not).
  return given >= needed ? s.overrideQueryTimeRange : roundUpQueryTimeRange(needed);
}

/** The trigger of the log-search form. */
export function triggerOf(d: Detection): Trigger {
  return d.signal.kind === "query" ? d.signal.trigger : OPERATION_TRIGGER;
}

/**
 * The schedule fields config may not change. Declared locks win; otherwise a log search query that
 * computes its own time slots with ago() (e.g. "changes of the hour that ended 20 minutes ago") is
 * tied to the schedule it was written for, so its whole schedule is fixed.
 */
export function scheduleLockOf(d: Detection): Detection["scheduleLock"] {
  if (d.scheduleLock) return d.scheduleLock;
  if (d.signal.kind === "query" && /\bago\s*\(/.test(d.signal.query(defaultParameters(d)))) {
    return {
      fields: ["evaluationFrequency", "windowSize", "overrideQueryTimeRange"],
      reason: "its query selects its own time slots with ago(), written for this schedule; change it in the catalogue, not in stack config",
    };
  }
  return undefined;
}

function defaultParameters(d: Detection): ParameterValues {
  return Object.fromEntries(Object.entries(d.parameters ?? {}).map(([k, p]) => [k, Array.isArray(p.default) ? [...p.default] : p.default]));
}

/** Default parameter values, with the stack's global allowlists merged in. */
export function resolveParameters(
  d: Detection,
  allowlists: Record<string, string[]>,
  given: { id: string; values: Record<string, unknown> }[],
  problems: string[],
): ParameterValues {
  const specs = d.parameters ?? {};
  const out: ParameterValues = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  for (const { id, values } of given) {
    for (const [name, v] of Object.entries(values)) {
      const where = keyPath(["overrides", id, "parameters", name]);
      const spec = specs[name];
      if (!spec) {
        // A technique-level override may set a parameter only some of its detections have.
        if (id === d.key || !Object.keys(values).some((n) => n in specs)) {
          const allowed = Object.keys(specs);
          problems.push(`${where}: unknown parameter for ${d.key} — expected ${allowed.length ? "one of: " + allowed.join(", ") : "none (this detection has no parameters)"}`);
        }
        continue;
      }
      if (spec.type === "stringList") {
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x.length === 0)) problems.push(`${where}: expected a list of non-empty strings, got ${JSON.stringify(v)}`);
        else out[name] = v as string[];
      } else if (spec.type === "number") {
        if (typeof v !== "number" || !Number.isFinite(v)) problems.push(`${where}: expected a number, got ${JSON.stringify(v)}`);
        // Beyond 2^53 a number is not the integer written, and a literal past Kusto's long range
        // is not read as written either (1e20 would compare as 0 and alert on everyone).
        else if (Math.abs(v) > Number.MAX_SAFE_INTEGER) problems.push(`${where}: ${v} is outside the range a query can use — expected a number from ${spec.min ?? -Number.MAX_SAFE_INTEGER} to ${spec.max ?? Number.MAX_SAFE_INTEGER}`);
        else if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max) || (spec.integer && !Number.isInteger(v)))
          problems.push(`${where}: ${v} is not allowed — expected ${spec.integer ? "an integer" : "a number"} from ${spec.min ?? "-∞"} to ${spec.max ?? "∞"}`);
        else out[name] = v;
      } else {
        if (typeof v !== "string" || (spec.pattern && !spec.pattern.test(v))) problems.push(`${where}: expected a string${spec.pattern ? ` matching ${spec.pattern}` : ""}, got ${JSON.stringify(v)}`);
        else out[name] = v;
      }
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === "stringList" && spec.allowlist) out[name] = [...new Set([...(out[name] as string[]), ...(allowlists[spec.allowlist] ?? [])])];
  }
  return out;
}

/** Names of a detection's list parameters that draw from a global allowlist. */
export function allowlistParameters(d: Detection, allowlist: GlobalAllowlist): string[] {
  return Object.entries(d.parameters ?? {}).filter(([, p]) => p.type === "stringList" && p.allowlist === allowlist).map(([n]) => n);
}

/** A resolved detection's parameters with more values for the parameters drawing from `allowlist`. */
export function withAllowlistValues(d: ResolvedDetection, allowlist: GlobalAllowlist, values: readonly string[]): ParameterValues {
  const out: ParameterValues = { ...d.parameters };
  for (const n of allowlistParameters(d.detection, allowlist)) out[n] = [...new Set([...(out[n] as string[]), ...values])];
  return out;
}

/** UPNs among allowlist values (Activity Log callers are UPNs for users, ids for service principals). */
export function upnsIn(values: readonly string[]): string[] {
  return values.filter((v) => v.includes("@"));
}

/** Entra ID names whose ids join the allowlists at deploy time (DetectionSuite's `entraAllowlists`). */
export interface EntraAllowlistLookups {
  /** Service principal display names: their app ids join appIds, their object ids objectIds. */
  servicePrincipalNames: string[];
  /** User principal names: their object ids join objectIds. */
  userPrincipalNames: string[];
}

/** The deploy-time lookups of a stack: allowlists.servicePrincipalNames, and the UPNs in callers and userPrincipalNames. */
export function entraAllowlistLookups(cfg: Pick<StackConfig, "allowlists" | "servicePrincipalNames">): EntraAllowlistLookups {
  const upns = upnsIn([...(cfg.allowlists?.callers ?? []), ...(cfg.allowlists?.userPrincipalNames ?? [])]);
  return { servicePrincipalNames: cfg.servicePrincipalNames ?? [], userPrincipalNames: [...new Set(upns.map((u) => u.toLowerCase()))] };
}

/**
 * The allowlists that receive values only at deploy time, from Entra ID lookups (DetectionSuite):
 * appIds from service principal names; objectIds from those and from user principal names.
 */
export function deferredAllowlists(lookups: EntraAllowlistLookups): GlobalAllowlist[] {
  const out: GlobalAllowlist[] = [];
  if (lookups.servicePrincipalNames.length) out.push("appIds");
  if (lookups.servicePrincipalNames.length || lookups.userPrincipalNames.length) out.push("objectIds");
  return out;
}

/**
 * What selects and tunes the detections: the stack config's tactics, overrides, allowlists and
 * alert-form preference (a whole StackConfig is one; config's parseDetectionSelection makes one).
 */
export type DetectionSelection = DetectionSelectionConfig & {
  /** The subscriptions watched (default: the deploying one): decides where activity-log alerts can go and the subscription names alerts carry. */
  estate?: Estate;
  /** Up to this many listed subscriptions activity-log alerts are deployed per subscription (default DEFAULT_ACTIVITY_LOG_ALERT_SUBSCRIPTION_LIMIT). */
  activityLogAlertSubscriptionLimit?: number;
};

/** The detections a selection deploys. Throws ConfigError listing every problem. */
export function resolveDetections(cfg: DetectionSelection, catalogue: readonly Detection[] = DETECTIONS): ResolvedDetection[] {
  const problems: string[] = [];
  const out: ResolvedDetection[] = [];
  const estate: Estate = cfg.estate ?? { mode: "current" };
  const placement = activityLogAlertPlacement(estate, cfg.activityLogAlertSubscriptionLimit ?? DEFAULT_ACTIVITY_LOG_ALERT_SUBSCRIPTION_LIMIT);
  const oversized = new Map<string, { rules: { key: string; bytes: number }[]; entries: number }>();
  for (const d of catalogue) {
    if (!cfg.tactics.includes(d.tactic)) continue;
    const applied = overridesFor(d, cfg.overrides);
    const o: DetectionOverride = Object.assign({}, ...applied.map(([, v]) => v));
    if (o.enabled === false) continue;
    // A detection that ships off is deployed only when an override enables it.
    if (d.offByDefault && o.enabled !== true) continue;
    const parameters = resolveParameters(d, cfg.allowlists, applied.filter(([, v]) => v.parameters).map(([id, v]) => ({ id, values: v.parameters! })), problems);
    for (const name of d.offByDefault?.requiredParameters ?? []) {
      const value = parameters[name];
      if (Array.isArray(value) && value.length === 0) {
        problems.push(`${keyPath(["overrides", d.key, "parameters", name])}: ${d.key} is enabled but ${name} is empty — ${d.parameters?.[name]?.description ?? "set it"}`);
      }
    }

    const base = triggerOf(d);
    const trigger: Trigger = o.threshold === undefined ? base : { ...base, threshold: o.threshold };
    const where = keyPath(["overrides", applied.find(([, v]) => v.alertKind)?.[0] ?? d.key, "alertKind"]);
    let alertKind: AlertKind = "scheduledQuery";
    let logSearchBecause: string | undefined;
    if (d.signal.kind === "activityLog") {
      const blockers: string[] = [];
      // Allowlists that receive values at deploy time count as set.
      const deferred = deferredAllowlists(entraAllowlistLookups(cfg)).flatMap((a) => allowlistParameters(d, a));
      for (const ex of d.signal.exclusions ?? []) if ((parameters[ex.parameter] as string[]).length || deferred.includes(ex.parameter)) blockers.push(`parameter ${ex.parameter} is set (activity-log alerts cannot exclude values)`);
      if (o.threshold !== undefined) blockers.push("a threshold is set (activity-log alerts fire on every event)");
      if (o.alertKind === "activityLog" && blockers.length) problems.push(`${where}: ${d.key} cannot be an activity-log alert because ${blockers.join(" and ")} — use scheduledQuery or remove them`);
      alertKind = o.alertKind ?? (cfg.preferActivityLogAlerts && blockers.length === 0 ? "activityLog" : "scheduledQuery");
      if (alertKind === "activityLog" && !placement.allowed) {
        if (o.alertKind === "activityLog" && !blockers.length) problems.push(`${where}: ${d.key} cannot be an activity-log alert — ${placement.reason}; remove alertKind, or use scheduledQuery`);
        alertKind = "scheduledQuery";
        logSearchBecause = placement.reason;
      }
    } else if (o.alertKind === "activityLog") {
      problems.push(`${where}: ${d.key} is a log search detection — activityLog is only possible for plain Activity Log operation matches`);
    }
    const lock = scheduleLockOf(d);
    if (lock) {
      for (const [id, ov] of applied) {
        for (const f of lock.fields) {
          if (ov[f] !== undefined) problems.push(`${keyPath(["overrides", id, f])}: ${d.key}'s ${f} cannot be changed — ${lock.reason}`);
        }
      }
    }
    const schedule: Schedule = {
      evaluationFrequency: o.evaluationFrequency ?? d.evaluationFrequency,
      windowSize: o.windowSize ?? d.windowSize,
      overrideQueryTimeRange: o.overrideQueryTimeRange ?? d.overrideQueryTimeRange,
    };
    // A log search rule's window must hold its slot (patterns/arrival.ts), or a row landing in the
    // overlap falls outside the evaluated bin. Locked schedules were refused above; the catalogue's
    // own schedules are checked by the catalogue test (planning/checks.ts).
    const scheduledBy = [...applied].reverse().find(([, v]) => v.windowSize || v.evaluationFrequency)?.[0];
    const slot = alertKind === "scheduledQuery" && !lock && scheduledBy ? slotWindowProblem(schedule) : undefined;
    if (slot) problems.push(`${keyPath(["overrides", scheduledBy!])}: ${slot}`);
    let query = "";
    let deployed = { query, trigger };
    try {
      query = renderQuery(d, parameters, schedule);
      deployed = deployedForm(d, query, trigger, estate);
    } catch (e) {
      problems.push(`${keyPath(["overrides", d.key, "parameters"])}: ${(e as Error).message}`);
    }
    const resolved: ResolvedDetection = {
      detection: d,
      key: d.key,
      severity: (o.severity ?? d.severity) as Severity,
      evaluationFrequency: schedule.evaluationFrequency,
      windowSize: schedule.windowSize,
      overrideQueryTimeRange: queryTimeRange(d, schedule),
      alertKind,
      parameters,
      query: deployed.query,
      trigger: deployed.trigger,
      activityLogCondition: alertKind === "activityLog" && d.signal.kind === "activityLog" ? activityLogCondition(d.signal.match) : undefined,
      ...(logSearchBecause ? { logSearchBecause } : {}),
    };
    out.push(resolved);
    if (alertKind === "scheduledQuery") oversizeRule(resolved, cfg, applied, oversized);
  }
  problems.push(...oversizeProblems(oversized));
  if (problems.length === 0 && out.length === 0) {
    problems.push(`${keyPath(["tactics"])}: the selection deploys no detection (tactics ${JSON.stringify(cfg.tactics)}, every detection disabled by overrides or none in the catalogue) — select at least one tactic with enabled detections`);
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  return out;
}

/** What a rule shows in Azure: its display name, and its description with the triage steps. */
export function ruleText(d: ResolvedDetection): { displayName: string; description: string } {
  return {
    displayName: `[azdetect] ${d.detection.technique} ${d.detection.name}`,
    // The limit of activity-log alerts (log search alerts allow 4,096), less room for the markers
    // maintenance windows match, which the component appends (config/names.ts ruleMarkers).
    description: `${d.detection.description}\n\nTriage: ${d.detection.triage.join(" ")}`.slice(0, LIMITS.maxDescription.other - RULE_MARKERS_ROOM),
  };
}

/** Characters kept free at the end of a rule description for "\n\n" and the two stack markers. */
export const RULE_MARKERS_ROOM = 80;

/** Bytes a log search alert carries besides its query and text: schedule, scope, 5 action group ids, custom properties. */
const OTHER_RULE_PROPERTIES_BYTES = 4096;

/** UTF-8 bytes of what Azure counts against a log search alert's properties limit (its query above all). */
export function ruleBytes(d: ResolvedDetection, query = d.query): number {
  const t = ruleText(d);
  return Buffer.byteLength(JSON.stringify({ query, displayName: t.displayName, description: t.description })) + OTHER_RULE_PROPERTIES_BYTES;
}

/**
 * Records a log search alert whose properties exceed Azure's limit under the config key of the
 * list that makes it big: its largest list parameter, attributed to the org-wide allowlist when
 * most of its entries come from there, else to the override that set it.
 */
function oversizeRule(d: ResolvedDetection, cfg: DetectionSelection, applied: [string, DetectionOverride][], into: Map<string, { rules: { key: string; bytes: number }[]; entries: number }>): void {
  const bytes = ruleBytes(d);
  if (bytes <= LIMITS.maxRulePropertiesBytes) return;
  const lists = Object.entries(d.detection.parameters ?? {}).filter(([, p]) => p.type === "stringList")
    .map(([name, p]) => ({ name, allowlist: p.type === "stringList" ? p.allowlist : undefined, values: d.parameters[name] as string[] }))
    .sort((a, b) => listBytes(b.values) - listBytes(a.values));
  const biggest = lists[0];
  let key = keyPath(["overrides", d.key]);
  let entries = 0;
  if (biggest) {
    const fromAllowlist = biggest.allowlist ? cfg.allowlists[biggest.allowlist] ?? [] : [];
    const setBy = [...applied].reverse().find(([, o]) => o.parameters?.[biggest.name] !== undefined)?.[0];
    key = fromAllowlist.length * 2 >= biggest.values.length || !setBy ? keyPath(["allowlists", biggest.allowlist ?? biggest.name]) : keyPath(["overrides", setBy, "parameters", biggest.name]);
    entries = key.startsWith(keyPath(["allowlists"])) ? fromAllowlist.length : biggest.values.length;
  }
  const entry = into.get(key) ?? { rules: [], entries };
  entry.rules.push({ key: d.key, bytes });
  into.set(key, entry);
}

const listBytes = (values: readonly string[]) => values.reduce((n, v) => n + str(v).length + 2, 0);
const kb = (bytes: number) => `${Math.ceil(bytes / 1024).toLocaleString("en-US")} KB`;

/**
 * One problem per list that makes rules too big. Source of the limit: Azure Monitor service limits,
 * log alerts, "The combined size of all data in the log alert rule properties can't exceed 64 KB"
 * (azure/limits.ts).
 */
function oversizeProblems(oversized: Map<string, { rules: { key: string; bytes: number }[]; entries: number }>): string[] {
  return [...oversized].map(([key, { rules, entries }]) => {
    const worst = [...rules].sort((a, b) => b.bytes - a.bytes);
    const shown = worst.slice(0, 3).map((r) => `${r.key} ${kb(r.bytes)}`).join(", ");
    return `${key}: ${entries ? `its ${entries.toLocaleString("en-US")} entries make ` : "makes "}${rules.length} log search rule${rules.length === 1 ? "" : "s"} bigger than Azure accepts (${shown}${rules.length > 3 ? `, ${rules.length - 3} more` : ""}; at most ${kb(LIMITS.maxRulePropertiesBytes)} of rule properties, query included) — ` +
      "shorten the list: allowlist each identity once in the org-wide azdetect:allowlists rather than per detection, prefer one service principal or group over many callers, and keep a list of thousands in a table of the workspace (a watchlist) that your own rules join";
  });
}
