// Public recordings of rows Azure wrote (azure/recordings/), replayed through every detection that
// reads their table, with each rule's own schedule: the check that the catalogue meets real rows,
// not only the sample rows we wrote. Run by test/recordings.spec.ts; docs/azure-recordings.md is
// generated from it (`npm run docs`).
//
// Replay. Recordings carry no ingestion time: each row is taken as ingested `ingestionLag` (the
// manifest's, default PT5M) after its TimeGenerated (kusto/rows.ts ingestionLagMs). A rule runs
// at instants stepped by its evaluationFrequency; since every log search rule selects rows by
// arrival (a catalogue test enforces it), only a run whose last period ingested a row of its tables
// can alert, so those runs are the ones evaluated; each sees the rows ingested by its instant.
// Default parameters, no stack allowlists.
// Kept small on purpose: `npm run backtest` replays any export over a whole period.
import * as fs from "fs";
import * as path from "path";
import { DETECTIONS } from "../detections";
import { isoDurationMs } from "../detections/kql";
import { tablesOf, type Detection, type SampleRow } from "../detections/model";
import { activityLogEventRows, resourceLogRecordRows } from "../azure/published-events";
import { loadRows, plainRows, rowsFromData, type LoadedRows, type ReadOptions } from "../kusto/rows";
import { WorkspaceTables } from "../kusto/tables";
import { runCase } from "./samples";

export const RECORDINGS_DIR = path.join(__dirname, "..", "azure", "recordings");

/**
 * What a recording is. A recorded export: rows a Log Analytics workspace returned (the portal's CSV
 * export), as Azure wrote them. A documented example: an event published in documentation or an
 * attack-simulation write-up (often redacted), in the form Azure sends outside Log Analytics,
 * converted to the table's columns by a stated mapping (azure/published-events.ts). Claims about what Azure
 * writes rest on recorded exports; documented examples show that a detection matches the operation,
 * names and values the documentation gives.
 */
export const EVIDENCE = ["recorded export", "documented example"] as const;
export type Evidence = (typeof EVIDENCE)[number];

/** How a recording file is read: the portal's CSV export, Activity Log events, or resource-log records (AzureDiagnostics). */
export const FORMATS = ["csv", "activity-log-events", "resource-log-records"] as const;
export type RecordingFormat = (typeof FORMATS)[number];

export interface Recording {
  /** Path under azure/recordings/. */
  file: string;
  table: string;
  evidence: Evidence;
  /** Default csv. */
  format?: RecordingFormat;
  /** Edits made to the published text to make it JSON (none for a recorded export). */
  edits?: string;
  source: { repo: string; path: string; commit: string; licence: string };
  /** Which rows of the source file are kept. */
  kept: string;
  /** What the rows are, and what they show about the values Azure writes. */
  shows: string;
  /** A CSV datetime column to take TimeGenerated from when the export has none. */
  timeColumn?: string;
  /** When the export has no time column at all: the instant every row is placed at. */
  at?: string;
  /** attack: rows of an ATRM technique the catalogue covers; benign: nothing should alert. */
  kind: "attack" | "benign";
  /**
   * Detection key -> how many alerts it raises over the whole replay and why. For an attack, the
   * detections of its technique, which must alert; for a benign recording, an alert that is
   * explained (a true positive by the detection's definition). Any other alert fails the test.
   */
  expectAlerts: Record<string, { alerts: number; why: string }>;
  /** Where the rows differ from our sample rows, filters or schemas, and what was done about it. */
  findings?: string[];
}

export interface Manifest {
  ingestionLag: string;
  recordings: Recording[];
  /** Table (or "*" for every table) -> the public sources searched for recordings of it. */
  searched: Record<string, string[]>;
}

export function loadManifest(): Manifest {
  return JSON.parse(fs.readFileSync(path.join(RECORDINGS_DIR, "recordings.json"), "utf8")) as Manifest;
}

/** The recording's rows as the evaluator takes them, with `_TimeReceived` = TimeGenerated + lag. */
export function recordingRows(r: Recording, lagMs: number): { tables: Record<string, SampleRow[]>; dropped: string[] } {
  const { tables, dropped } = readRecording(r, lagMs);
  const names = tables.names().filter((t) => tables.rowCount(t) > 0);
  if (names.some((t) => t !== r.table)) throw new Error(`${r.file}: holds rows of ${names.join(", ")}, the manifest says ${r.table}`);
  return { tables: plainRows(tables), dropped };
}

/** Read through kusto/rows.ts, the reader of every export; documented examples first go through their converter. */
function readRecording(r: Recording, lagMs: number): LoadedRows {
  const file = path.join(RECORDINGS_DIR, r.file);
  const format = r.format ?? "csv";
  if ((format === "csv") !== (r.evidence === "recorded export")) throw new Error(`${r.file}: a recorded export is a CSV export, a documented example is not (format ${format}, evidence ${r.evidence})`);
  const opts: ReadOptions = { table: r.table, timeColumn: r.timeColumn, undatedAt: r.at && new Date(r.at).toISOString(), ingestionLagMs: lagMs };
  switch (format) {
    case "csv":
      return loadRows([file], opts);
    case "activity-log-events":
      return rowsFromData({ AzureActivity: activityLogEventRows(JSON.parse(fs.readFileSync(file, "utf8"))) }, opts, r.file);
    case "resource-log-records":
      return rowsFromData({ AzureDiagnostics: resourceLogRecordRows(JSON.parse(fs.readFileSync(file, "utf8"))) }, opts, r.file);
  }
}

/** The detections that read a table (from their `requires`). */
export function detectionsReading(table: string): Detection[] {
  return DETECTIONS.filter((d) => d.requires.some((req) => tablesOf(req).includes(table)));
}

export interface ReplayAlert {
  /** Evaluation instant (ISO). */
  now: string;
  form: "log search" | "activity-log alert";
  dimensions: Record<string, unknown>;
}

/** Run a detection at every instant of its schedule whose last period ingested a row (see top). */
export function replay(d: Detection, tables: Record<string, SampleRow[]>): { runs: number; alerts: ReplayAlert[] } {
  const freq = isoDurationMs(d.evaluationFrequency);
  const read = new Set(d.requires.flatMap(tablesOf));
  const instants = new Set<number>();
  for (const [t, rows] of Object.entries(tables)) {
    if (!read.has(t)) continue;
    for (const r of rows) instants.add(Math.ceil(Date.parse(String(r._TimeReceived ?? r.TimeGenerated)) / freq) * freq);
  }
  const alerts: ReplayAlert[] = [];
  // Typed and indexed once; each run sees only the rows ingested by its instant (the evaluator's rule).
  const workspace = new WorkspaceTables(tables);
  for (const at of [...instants].sort((a, b) => a - b)) {
    const now = new Date(at).toISOString();
    const result = runCase(d, { rows: workspace, now });
    for (const g of result.evaluation.groups.filter((x) => x.fired)) alerts.push({ now, form: "log search", dimensions: g.dimensions });
  }
  // The activity-log alert form is not scheduled: Azure evaluates each Activity Log event as it is
  // written, whatever its Log Analytics ingestion, and alerts once per matching event. Each recorded
  // row is offered to it at its own TimeGenerated (the scheduled instants above come after the row's
  // ingestion, past the alert's window, and would never see it).
  let events = 0;
  if (d.signal.kind === "activityLog") {
    for (const row of tables.AzureActivity ?? []) {
      const at = String(row.TimeGenerated);
      events++;
      if (runCase(d, { rows: { AzureActivity: [row] }, now: at }).activityLogFired) {
        alerts.push({ now: new Date(at).toISOString(), form: "activity-log alert", dimensions: { Caller: row.Caller, OperationNameValue: row.OperationNameValue, _ResourceId: row._ResourceId } });
      }
    }
  }
  return { runs: instants.size + events, alerts };
}

export interface RecordingResult {
  recording: Recording;
  rows: number;
  dropped: string[];
  detections: { key: string; runs: number; alerts: ReplayAlert[] }[];
}

export function replayRecording(r: Recording, lagMs: number): RecordingResult {
  const { tables, dropped } = recordingRows(r, lagMs);
  return {
    recording: r,
    rows: Object.values(tables).reduce((n, rows) => n + rows.length, 0),
    dropped,
    detections: detectionsReading(r.table).map((d) => ({ key: d.key, ...replay(d, tables) })),
  };
}

export function replayAll(m: Manifest = loadManifest()): RecordingResult[] {
  const lagMs = isoDurationMs(m.ingestionLag);
  return m.recordings.map((r) => replayRecording(r, lagMs));
}

/** The tables the catalogue reads, sorted. */
export function tablesRead(): string[] {
  return [...new Set(DETECTIONS.flatMap((d) => d.requires.flatMap(tablesOf)))].sort();
}

const githubUrl = (s: Recording["source"]) => `https://github.com/${s.repo}/blob/${s.commit}/${s.path.split("/").map(encodeURIComponent).join("/")}`;

/** docs/azure-recordings.md: per table, the recordings, the detections run over them and the result. */
export function recordingsMarkdown(m: Manifest = loadManifest(), results: RecordingResult[] = replayAll(m)): string {
  const out = [
    "<!-- generated by `npm run docs` from azure/recordings/recordings.json and the catalogue; do not edit -->",
    "# The catalogue against real rows",
    "",
    "Every table the catalogue reads, the public recordings of rows Azure really wrote into it (kept in",
    "[azure/recordings/](../azure/recordings/), sources and licences in",
    "[SOURCES.md](../azure/recordings/SOURCES.md)), and what every detection reading the table raised",
    "when replayed over them (`test/recordings.spec.ts` fails on any difference from what is stated here).",
    "",
    "Two kinds of evidence, kept apart:",
    "",
    "- **Recorded export**: rows a Log Analytics workspace returned (the portal's CSV export), as Azure wrote them.",
    "  What the catalogue assumes about the values Azure writes is checked against these.",
    "- **Documented example**: an event published in Microsoft documentation or an attack-simulation write-up",
    "  (often redacted), in the form Azure sends outside Log Analytics (the Activity Log's REST/portal or",
    "  streamed form, a resource-log record), converted to the table's columns by the stated mapping in",
    "  `azure/published-events.ts`, values kept as published. It shows that a detection matches the operation, names",
    "  and values the documentation gives; it is not a recording of a tenant.",
    "",
    `Replay: each file is read by \`kusto/rows.ts\` (the reader \`npm run detect\` and \`npm run backtest\` use),`,
    `each row is taken as ingested ${m.ingestionLag} after its TimeGenerated (neither kind carries an ingestion time),`,
    "and each detection runs at the instants of its own schedule (stepped by its evaluationFrequency)",
    "whose last period ingested a row, with its default parameters and no allowlist. A detection that",
    "can deploy as an activity-log alert is also offered each AzureActivity row at its TimeGenerated, as",
    "Azure evaluates such alerts per event when it is written.",
    "",
    "Searched for every table (and per table below where more):",
    "",
    ...(m.searched["*"] ?? []).map((x) => `- ${x}`),
    "",
    "| Table | Detections reading it | Recorded exports (rows) | Documented examples (rows) |",
    "|---|---|---|---|",
  ];
  const tables = tablesRead();
  const count = (rs: RecordingResult[]) => (rs.length ? `${rs.length} (${rs.reduce((n, x) => n + x.rows, 0)})` : "none found");
  for (const t of tables) {
    const rs = results.filter((x) => x.recording.table === t);
    out.push(`| ${t} | ${detectionsReading(t).length} | ${count(rs.filter((x) => x.recording.evidence === "recorded export"))} | ${count(rs.filter((x) => x.recording.evidence === "documented example"))} |`);
  }
  for (const t of tables) {
    const rs = results.filter((x) => x.recording.table === t);
    out.push("", `## ${t}`, "");
    if (!rs.length) {
      out.push("No public recording found in the sources searched (above).", "");
      for (const s of m.searched[t] ?? []) out.push(`- Also searched: ${s}`);
      out.push("", `Detections that have run over no real ${t} row: ${detectionsReading(t).map((d) => `\`${d.key}\``).join(", ")}.`);
      continue;
    }
    for (const x of rs) {
      const r = x.recording;
      out.push(`### ${path.basename(r.file)} (${r.kind}, ${r.evidence})`, "");
      out.push(`Source: [${r.source.repo}: ${r.source.path}](${githubUrl(r.source)}) at \`${r.source.commit.slice(0, 12)}\` (${r.source.licence}); kept: ${r.kept}; ${x.rows} rows.`, "");
      if (r.edits) out.push(`Edited to parse as JSON: ${r.edits}.`, "");
      out.push(r.shows, "");
      for (const f of r.findings ?? []) out.push(`- Finding: ${f}`);
      if (r.findings?.length) out.push("");
      if (x.dropped.length) out.push(`Columns not in the ${t} schema (dropped by the converter): ${x.dropped.map((c) => `\`${c.slice(t.length + 1)}\``).join(", ")}.`, "");
      const alerted = x.detections.filter((d) => d.alerts.length);
      const quiet = x.detections.filter((d) => !d.alerts.length);
      out.push(`${x.detections.length} detections run, ${x.detections.reduce((n, d) => n + d.runs, 0)} rule runs in all; ${alerted.length} alerted.`, "");
      if (alerted.length) {
        out.push("| Detection | Alerts | Why |", "|---|---|---|");
        for (const d of alerted) out.push(`| \`${d.key}\` | ${d.alerts.length} (${[...new Set(d.alerts.map((a) => a.form))].join(", ")}) | ${(r.expectAlerts[d.key]?.why ?? "**unexpected**").replace(/\|/g, "\\|")} |`);
        out.push("");
      }
      const missing = Object.keys(r.expectAlerts).filter((k) => !alerted.some((d) => d.key === k));
      if (missing.length) out.push(`Expected but silent: ${missing.map((k) => `\`${k}\``).join(", ")}.`, "");
      out.push(`Quiet: ${quiet.map((d) => `\`${d.key}\``).join(", ") || "none"}.`, "");
    }
    if (!rs.some((x) => x.recording.evidence === "recorded export")) {
      out.push(`No recorded export of ${t} found; it is covered by documented examples only.`, "");
      const unexported = detectionsReading(t).map((d) => `\`${d.key}\``);
      out.push(`Detections that have run over no recorded ${t} row: ${unexported.join(", ")}.`, "");
    }
    for (const s of m.searched[t] ?? []) out.push(`Also searched: ${s}`, "");
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").replace(/\n+$/, "") + "\n";
}
