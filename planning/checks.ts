// Checks every detection must pass, shared by the tests and `npm run catalog`: model fields,
// schedule limits, and the static analysis of its query (with default parameters).
import * as fs from "fs";
import * as path from "path";
import { isoDurationMs } from "../detections/kql";
import { atrmEntry, atrmUrl } from "../detections/atrm";
import { LIMITS, scheduleProblems } from "../azure/limits";
import type { Detection } from "../detections/model";
import { tablesOf } from "../detections/model";
import { deployedForm, queryTimeRange, renderQuery, resolveParameters, triggerOf } from "./resolve";
import { lintQuery, type Finding, type QueryFacts } from "../kusto/lint";
import { readsSubscriptionData, subscriptionColumnOf } from "../detections/patterns/subscription";
import { arrivalWindow, slotWindowProblem } from "../detections/patterns/arrival";

export const KEY_PATTERN = /^azt\d{3}(-\d+)?-[a-z0-9]+(-[a-z0-9]+)*$/;

/** The query as deployed with default parameters (and empty global allowlists). */
export function defaultQuery(d: Detection): string {
  const problems: string[] = [];
  const p = resolveParameters(d, {}, [], problems);
  if (problems.length) throw new Error(problems.join("; "));
  return renderQuery(d, p);
}

/** Problems with a detection's metadata, schedule and trigger (not its query). */
export function modelProblems(d: Detection): string[] {
  const out: string[] = [];
  if (!KEY_PATTERN.test(d.key)) out.push(`key "${d.key}" does not match ${KEY_PATTERN}`);
  const id = d.technique.replace(".", "-").toLowerCase();
  if (!d.key.startsWith(id + "-")) out.push(`key "${d.key}" must start with "${id}-" (its technique ${d.technique})`);
  const entry = atrmEntry(d.technique);
  if (!entry) out.push(`technique ${d.technique} is not an ATRM id`);
  else {
    if (entry.pageKind !== "technique") out.push(`technique ${d.technique} is a parent (${entry.pageKind}); detections belong to leaf techniques`);
    if (entry.tactic !== d.tactic) out.push(`tactic "${d.tactic}" differs from ATRM's "${entry.tactic}" for ${d.technique}`);
    if (!d.references.includes(atrmUrl(d.technique))) out.push(`references must include the ATRM page ${atrmUrl(d.technique)}`);
  }
  for (const [field, v] of [["name", d.name], ["description", d.description]] as const) if (!v || v.trim().length < 10) out.push(`${field} is missing or too short`);
  if (d.falsePositives.length === 0) out.push("falsePositives is empty");
  if (d.triage.length === 0) out.push("triage is empty");
  if (![0, 1, 2, 3, 4].includes(d.severity)) out.push(`severity ${d.severity} is outside 0-4`);
  out.push(...scheduleProblems(d));
  const slot = slotWindowProblem(d);
  if (slot) out.push(slot);
  if (d.requires.length === 0) out.push("requires is empty: every detection reads some telemetry");
  const t = triggerOf(d);
  if ((t.dimensions ?? []).length > LIMITS.maxDimensions) out.push(`${t.dimensions!.length} dimensions; Azure allows ${LIMITS.maxDimensions}`);
  if (t.timeAggregation !== "Count" && !t.metricMeasureColumn) out.push(`timeAggregation ${t.timeAggregation} needs a metricMeasureColumn`);
  if (!Number.isFinite(t.threshold) || t.threshold < 0) out.push(`threshold ${t.threshold} must be a finite number >= 0`);
  if (Object.values(d.entities).filter(Boolean).length === 0) out.push("entities is empty: an alert must name who/what/where");
  if (d.samples.fires.length === 0) out.push("samples.fires is empty");
  if (d.samples.quiet.length === 0) out.push("samples.quiet is empty");
  return out;
}

/** The analyser's best-practice findings (KS5xx) on the default query: code -> count. */
export interface Justification { key: string; code: string; snippet: string; reason: string; ownerReview?: boolean }
export interface BestPracticeFinding extends Finding { justification?: Justification }

/** detections/best-practices.json: the KS5xx findings the catalogue keeps, one entry per finding, with reasons. */
export const BEST_PRACTICES_FILE = path.join(__dirname, "..", "detections", "best-practices.json");
let justifications: Justification[] | undefined;
export function bestPracticeJustifications(): Justification[] {
  return (justifications ??= (JSON.parse(fs.readFileSync(BEST_PRACTICES_FILE, "utf8")) as { justified: Justification[] }).justified);
}
const matches = (j: Justification, key: string, f: Finding) => j.key === key && j.code === f.code && j.snippet === f.snippet;

/** The analyser's best-practice diagnostics (KS5xx) on the default query, each with its justification if any. */
export function bestPracticeFindings(d: Detection): BestPracticeFinding[] {
  return queryCheck(d).bestPractices;
}

/**
 * Justifications that no longer match a finding of the given checks (the query was fixed or
 * changed): remove or update them, so the list never hides a future finding.
 */
export function staleJustifications(checks: { key: string; check: QueryCheck }[]): Justification[] {
  return bestPracticeJustifications().filter((j) => !checks.some(({ key, check }) => check.bestPractices.some((f) => matches(j, key, f))));
}

export interface QueryCheck {
  query: string;
  findings: Finding[];
  facts: QueryFacts;
  /** Problems beyond the analyser's findings: requires vs tables, result columns. */
  problems: string[];
  /** The analyser's best-practice diagnostics (KS5xx), each with its justification if it has one. */
  bestPractices: BestPracticeFinding[];
}

/**
 * Why a log search rule would miss late rows or alert on the same rows twice, if it would
 * (patterns/arrival.ts): its query must select by arrival somewhere — a `where` comparing an
 * arrival value (ingestion_time(), or a column that carries it) with ago(): the rows ingested
 * since the previous run, groups with new evidence, pairs completed since then. Operation matches
 * render that themselves.
 */
export function arrivalProblem(d: Detection, query: string = defaultQuery(d)): string | undefined {
  if (d.signal.kind !== "query" || lintQuery(query).facts.arrivalGates.length > 0) return undefined;
  // A window longer than the one holding a run's slot (arrivalWindow) is a threshold's counting window.
  return isoDurationMs(d.windowSize) > isoDurationMs(arrivalWindow(d.evaluationFrequency))
    ? `window ${d.windowSize} is longer than frequency ${d.evaluationFrequency} and nothing selects by arrival: the same rows alert on several runs (gate groups on new evidence, NEW_EVIDENCE in detections/patterns/arrival.ts)`
    : "keeps rows by TimeGenerated only: a row landing after the run that covered its time is never seen (ingestedSinceLastRun + ingestionSchedule in detections/patterns/arrival.ts)";
}

/**
 * Why Azure might drop a rule's result rows, if it might (patterns/arrival.ts, 3): whichever way it
 * bins them, a row counts when its TimeGenerated is its arrival, within the run's slot. So the
 * result's TimeGenerated must be an arrival time (kusto/lint.ts arrivalColumns) and the event
 * time must stay as EventTime.
 */
export function outputTimeProblems(facts: QueryFacts): string[] {
  const types = new Map(facts.resultColumns.map((c) => [c.name, c.type]));
  const out: string[] = [];
  if (types.get("TimeGenerated") !== "datetime") out.push("the result has no datetime TimeGenerated column: output the arrival time of the row that triggers the alert as TimeGenerated (patterns/arrival.ts)");
  else if (!facts.arrivalColumns.includes("TimeGenerated")) {
    out.push("the result's TimeGenerated is not the arrival time of the row that triggers the alert (it does not flow from ingestion_time() alone): " +
      "if Azure counts only rows in the evaluated bin, a late row is dropped — project ARRIVAL_PROJECTION or NEW_EVIDENCE.output(...) (patterns/arrival.ts)");
  }
  if (types.get("EventTime") !== "datetime") out.push("the result has no datetime EventTime column: keep the event time as EventTime");
  return out;
}

/**
 * Static analysis of the detection's default query, as deployed (with the subscription column every
 * alert carries: patterns/subscription.ts), and its consistency with the model.
 */
export function queryCheck(d: Detection): QueryCheck {
  const query = deployedForm(d, defaultQuery(d), triggerOf(d), { mode: "current" }).query;
  const range = isoDurationMs(queryTimeRange(d) ?? d.windowSize);
  const { findings: all, facts } = lintQuery(query, { queryTimeRangeMs: range, maxLength: LIMITS.maxQueryLength, bestPractices: true });
  const findings = all.filter((f) => f.severity === "error");
  const known = bestPracticeJustifications();
  const bestPractices = all.filter((f) => f.severity === "warning").map((f) => ({ ...f, justification: known.find((j) => matches(j, d.key, f)) }));
  const problems: string[] = [];
  const declared = new Set(d.requires.flatMap(tablesOf));
  for (const t of facts.tables) if (!declared.has(t)) problems.push(`reads table ${t} but requires declares only ${[...declared].join(", ") || "nothing"}`);
  for (const t of declared) if (!facts.tables.includes(t)) problems.push(`requires declares table ${t} but the query never reads it`);
  const cols = new Map(facts.resultColumns.map((c) => [c.name, c.type]));
  const t = triggerOf(d);
  for (const dim of t.dimensions ?? []) if (!cols.has(dim)) problems.push(`dimension ${dim} is not a result column`);
  if (t.metricMeasureColumn) {
    const ty = cols.get(t.metricMeasureColumn);
    if (!ty) problems.push(`metricMeasureColumn ${t.metricMeasureColumn} is not a result column`);
    else if (!["int", "long", "real", "decimal"].includes(ty)) problems.push(`metricMeasureColumn ${t.metricMeasureColumn} is ${ty}, not numeric`);
  }
  for (const [kind, col] of Object.entries(d.entities)) if (col && !cols.has(col)) problems.push(`entities.${kind} column ${col} is not a result column`);
  problems.push(...outputTimeProblems(facts));
  // One rule watches every subscription of the estate: its alerts must say which one.
  const sub = subscriptionColumnOf(d);
  if (readsSubscriptionData(d) && !sub) problems.push("reads subscription data but no result column holds the subscription: set entities.subscription (a SubscriptionId, resource id or resource id list column)");
  else if (sub && !cols.has(sub)) problems.push(`subscription column ${sub} is not a result column`);
  return { query, findings, facts, problems, bestPractices };
}
