// `npm run backtest`: each rule's schedule replayed over a tenant's rows (planning/backtest.ts),
// and the command line's handling of bad input (the export formats: test/rows.spec.ts).
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DETECTIONS } from "../detections";
import { SAMPLE_NOW, tablesOf, type Detection, type SampleCase, type SampleRow } from "../detections/model";
import { isoDurationMs } from "../detections/kql";
import { evaluateAlert } from "../kusto/alert";
import { WorkspaceTables } from "../kusto/tables";
import { backtest, columnsRead, evaluationTimes } from "../planning/backtest";
import { queryTimeRange, renderQuery, resolveDetections, triggerOf, type ResolvedDetection } from "../planning/resolve";
import { caseParameters, runCase } from "../planning/samples";
import { backtestCommand, errorLine } from "../tools/backtest";
import { parseStackConfig } from "../config";
import { readStackFile } from "../config/stackFile";

const root = path.join(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-backtest-"));
const file = (name: string, text: string) => { const f = path.join(tmp, name); fs.writeFileSync(f, text); return f; };
const quiet = { stderr: { write: () => true, isTTY: false } };

/** A detection as one case's parameters resolve it, deployed as a log search alert. */
function resolved(d: Detection, c: SampleCase): ResolvedDetection {
  const parameters = caseParameters(d, c.parameters);
  return {
    detection: d, key: d.key, severity: d.severity, evaluationFrequency: d.evaluationFrequency, windowSize: d.windowSize,
    overrideQueryTimeRange: queryTimeRange(d), alertKind: "scheduledQuery", parameters, query: renderQuery(d, parameters), trigger: triggerOf(d),
  };
}

/** The case with every time moved so that its `now` is an instant of the rule's schedule. */
function onSchedule(d: Detection, c: SampleCase): { rows: Record<string, SampleRow[]>; now: string } {
  const now = Date.parse(c.now ?? SAMPLE_NOW);
  const f = isoDurationMs(d.evaluationFrequency);
  const shift = Math.ceil(now / f) * f - now;
  const move = (r: SampleRow): SampleRow => {
    const o = { ...r };
    for (const k of ["TimeGenerated", "_TimeReceived"]) if (typeof o[k] === "string") o[k] = new Date(Date.parse(o[k] as string) + shift).toISOString();
    return o;
  };
  return { rows: Object.fromEntries(Object.entries(c.rows).map(([t, rs]) => [t, rs.map(move)])), now: new Date(now + shift).toISOString() };
}

describe("backtest: one engine, two views", () => {
  it("a row that arrives after an evaluation is invisible to it, and seen by the next", () => {
    const d = DETECTIONS.find((x) => x.key === "azt301-1-runcommand")!;
    const row = { ...d.samples.fires[0].rows.AzureActivity!.find((r) => /success/i.test(String(r.ActivityStatusValue)))!, TimeGenerated: "2025-06-02T11:50:00Z", _TimeReceived: "2025-06-02T12:02:00Z" };
    const at = (now: string) => evaluateAlert({ query: renderQuery(d, caseParameters(d, undefined)), trigger: triggerOf(d), window: d.windowSize, overrideQueryTimeRange: queryTimeRange(d), now, tables: { AzureActivity: [row] } }).fired;
    expect(at("2025-06-02T12:00:00Z")).to.equal(false);
    expect(at("2025-06-02T12:05:00Z")).to.equal(true);
  });

  it("the columns a rule reads include those its query names in column_ifexists (columns AzureDiagnostics creates on demand)", () => {
    const d = DETECTIONS.find((x) => x.key === "azt604-3-vault-object-backup")!;
    const cols = columnsRead([resolved(d, d.samples.fires[0])]).AzureDiagnostics;
    expect(renderQuery(d, caseParameters(d, undefined))).to.include('column_ifexists("identity_claim_appid_g"');
    expect([...cols]).to.include.members(["identity_claim_appid_g", "id_s", "OperationName", "TimeGenerated", "_TimeReceived"]);
  });

  it("evaluation instants step by the frequency from the first after the start through the end", () => {
    expect(evaluationTimes(3e5, Date.parse("2025-06-02T11:58:00Z"), Date.parse("2025-06-02T12:10:00Z")).map((t) => new Date(t).toISOString()))
      .to.deep.equal(["2025-06-02T12:00:00.000Z", "2025-06-02T12:05:00.000Z", "2025-06-02T12:10:00.000Z"]);
  });

  // For every detection: replaying its first fires sample on the rule's schedule, from its first
  // row to its `now`, raises at every run exactly the alerts the single-instant evaluation at that
  // instant predicts — at `now` the sample's own alerts; before it, any alert its history rows
  // raised when they arrived.
  for (const d of DETECTIONS) {
    it(`${d.key}: the replayed schedule fires exactly what the single instant predicts`, () => {
      const c = d.samples.fires[0];
      const s = onSchedule(d, c);
      const dims = (groups: { fired: boolean; dimensions: Record<string, unknown> }[]) => groups.filter((g) => g.fired).map((g) => JSON.stringify(g.dimensions)).sort();
      const at = (now: string) => dims(runCase(d, { ...c, rows: s.rows, now }).evaluation.groups);
      const expected = at(s.now);
      expect(expected.length, `${c.name}: the sample itself fires`).to.be.greaterThan(0);
      const empty = Object.fromEntries(d.requires.flatMap(tablesOf).map((t) => [t, [] as SampleRow[]]));
      const tables = new WorkspaceTables({ ...empty, ...s.rows });
      const first = Math.min(...Object.values(s.rows).flat().map((r) => Date.parse(String(r._TimeReceived ?? r.TimeGenerated))));
      const report = backtest([resolved(d, c)], tables, { from: new Date(first - isoDurationMs(d.evaluationFrequency)), to: new Date(s.now) });
      expect(report.notEvaluated, c.name).to.deep.equal([]);
      const byTime = new Map<string, string[]>();
      for (const a of report.detections[0].alertList) byTime.set(a.at, [...(byTime.get(a.at) ?? []), JSON.stringify(a.dimensions)]);
      expect((byTime.get(new Date(s.now).toISOString()) ?? []).sort(), `${c.name} at now`).to.deep.equal(expected);
      for (const [t, got] of byTime) expect(got.sort(), `${c.name} at ${t}`).to.deep.equal(at(t));
      // Keeping only the columns the rule reads (what a backtest of exports and the live pull keep) changes nothing.
      const rule = resolved(d, c);
      const narrow = backtest([rule], new WorkspaceTables({ ...empty, ...s.rows }, { columns: columnsRead([rule]) }), { from: new Date(first - isoDurationMs(d.evaluationFrequency)), to: new Date(s.now) });
      expect(narrow.detections[0].alertList, `${c.name} with only the columns read`).to.deep.equal(report.detections[0].alertList);
    });
  }
});

describe("backtest report", () => {
  it("prints the issue's JSON shape: per rule evaluations, alerts, alerts/day, top entities with the entry that silences them; absent tables listed", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, "rows-"));
    fs.copyFileSync(path.join(root, "test/fixtures/runcommand-export.json"), path.join(dir, "activity.json"));
    const { output, complete } = await backtestCommand(["--rows", dir, "--format", "json", "--quiet"], quiet);
    const r = JSON.parse(output);
    expect(complete).to.equal(true);
    const rc = r.detections.find((x: { key: string }) => x.key === "azt301-1-runcommand");
    expect(rc).to.include({ evaluated: true, alerts: 2 });
    expect(rc.evaluations).to.be.a("number").greaterThan(0);
    expect(rc.alertsPerDay).to.be.a("number");
    const mallory = rc.topEntities.find((e: { column: string; value: string }) => e.column === "Caller" && e.value === "mallory@contoso.onmicrosoft.com");
    expect(mallory).to.deep.include({ alerts: 1, allowlist: 'allowlists.callers: ["mallory@contoso.onmicrosoft.com"]', verified: true });
    expect(r.notEvaluated).to.deep.include({ key: "azt103-ssh-probed-from-internet", reason: "no rows for Syslog" });
    expect(r.detections.every((x: { tables: string[] }) => x.tables.every((t) => t === "AzureActivity"))).to.equal(true);
  });

  it("verifies an allowlist entry on the query as deployed (with the columns resolving adds, such as SubscriptionId)", () => {
    // A rule whose catalogue query has no SubscriptionId: resolving appends it (a dimension of every
    // estate-wide rule), and the re-run with an allowlist entry must keep it.
    const rule = resolveDetections(parseStackConfig(readStackFile(path.join(root, "Pulumi.dev.yaml")), "dev")).find((r) => r.key === "azt701-2-sas-new-ip")!;
    expect(rule.trigger.dimensions).to.include("SubscriptionId");
    expect(renderQuery(rule.detection, rule.parameters, rule)).to.not.include("SubscriptionId");
    const c = rule.detection.samples.fires[0];
    const s = onSchedule(rule.detection, c);
    const empty = Object.fromEntries(rule.detection.requires.flatMap(tablesOf).map((t) => [t, [] as SampleRow[]]));
    const report = backtest([rule], new WorkspaceTables({ ...empty, ...s.rows }), { to: new Date(s.now) });
    expect(report.notEvaluated).to.deep.equal([]);
    const ip = report.detections[0].topEntities.find((e) => e.column === "CallerIp");
    expect(ip, JSON.stringify(report.detections[0].topEntities)).to.deep.include({ allowlist: `allowlists.ipAddresses: ["${ip!.value}"]`, verified: true });
  });

  it("text and html formats", async () => {
    const rows = path.join(root, "test/fixtures/runcommand-export.json");
    const text = (await backtestCommand(["--rows", rows, "--quiet"], quiet)).output;
    expect(text).to.match(/azt301-1-runcommand/).and.match(/allowlists\.callers: \["mallory@contoso\.onmicrosoft\.com"\]/).and.match(/Not evaluated:/);
    const html = (await backtestCommand(["--rows", rows, "--format", "html", "--quiet"], quiet)).output;
    expect(html).to.match(/^<!doctype html>/).and.not.match(/<(link|img)\b|\bsrc=|https?:\/\//);
  });
});

describe("backtest: export formats and bad input", () => {
  const row = { Type: "AzureActivity", TimeGenerated: "2025-06-02T11:00:00Z", Caller: "a" };

  // The formats themselves: test/rows.spec.ts (kusto/rows.ts is the one reader).
  const cases: [string, () => string[], RegExp][] = [
    ["a truncated export", () => ["--rows", file("truncated.json", JSON.stringify([row, row]).slice(0, 120))], /truncated\.json: truncated or malformed JSON after row 1/],
    ["malformed JSON Lines", () => ["--rows", file("bad.jsonl", `${JSON.stringify(row)}\n{"Type": nope}\n`)], /bad\.jsonl line 2: not a JSON row/],
    ["an unknown table", () => ["--rows", file("unknown.json", JSON.stringify([{ ...row, Type: "NoSuchTable" }]))], /unknown\.json row 1: unknown table 'NoSuchTable'/],
    ["a column of the wrong type", () => ["--rows", file("type.json", JSON.stringify([{ Type: "MicrosoftGraphActivityLogs", TimeGenerated: "2025-06-02T11:00:00Z", ResponseStatusCode: "two hundred" }]))], /type\.json row 1 \(MicrosoftGraphActivityLogs\), column 'ResponseStatusCode' \(int\): cannot use "two hundred"/],
    ["a row without its time", () => ["--rows", file("notime.json", JSON.stringify([row, { Type: "AzureActivity", Caller: "b" }]))], /notime\.json row 2 \(AzureActivity\): no TimeGenerated/],
    ["a row without its table", () => ["--rows", file("notype.json", JSON.stringify([{ TimeGenerated: "2025-06-02T11:00:00Z" }]))], /row 1: the row has no Type column naming its table — pass --table/],
    ["--days 0", () => ["--workspace", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w", "--days", "0"], /--days "0" is not allowed/],
    ["an unknown format", () => ["--rows", "x", "--format", "pdf"], /--format "pdf" is not allowed — expected text, json or html/],
    ["a missing file", () => ["--rows", path.join(tmp, "nope.json")], /nope\.json: no such file or folder/],
  ];
  it("rows that fill more than half of Node's heap: one line naming the files and how to give Node more, no report", async () => {
    const rows = path.join(root, "test/fixtures/runcommand-export.json");
    let out: unknown, err: unknown;
    // A heap of 64 MB: the parser and the catalogue alone fill more than half of it.
    try { out = await backtestCommand(["--rows", rows, "--quiet"], { ...quiet, heapLimitBytes: 64 * 2 ** 20 }); } catch (e) { err = e; }
    expect(out).to.equal(undefined);
    const line = errorLine(err)!;
    expect(line, String(err)).to.match(/^backtest: --rows \S*runcommand-export\.json: the rows read so far fill [\d.]+ GB of Node's 0\.1 GB heap, more than half, and the replay needs the rest — give Node more \(NODE_OPTIONS=--max-old-space-size=<MB> npm run backtest \.\.\.\)/);
    expect(line.split("\n")).to.have.length(1);
    // Node's own limit leaves the same export its room.
    expect((await backtestCommand(["--rows", rows, "--quiet"], quiet)).output).to.match(/azt301-1-runcommand/);
  });

  for (const [what, argv, message] of cases) {
    it(`${what}: one line naming the file, row or flag`, async () => {
      let err: unknown;
      try { await backtestCommand(argv(), quiet); } catch (e) { err = e; }
      const line = errorLine(err);
      expect(line, String(err)).to.match(message);
      expect(line!.split("\n")).to.have.length(1);
    });
  }

  it("the command exits 1 with one line and no stack trace, printing no report", () => {
    // As npm run backtest runs it (tools/launch.js: compiled when the build is current, else the sources with a note).
    const r = spawnSync(process.execPath, ["tools/launch.js", "backtest", "--rows", file("cut.json", '[{"Type":"AzureActivity","TimeGenerated":"2025-06-02T11:00:00Z"},{"Type":"Azu')], { cwd: root, encoding: "utf8" });
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal("");
    const stderr = r.stderr.split("\n").filter((l) => !l.startsWith("backtest: running from the TypeScript sources")).join("\n");
    expect(stderr.trim().split("\n")).to.have.length(1);
    expect(stderr).to.match(/^\s*backtest: .*cut\.json: truncated or malformed JSON after row 1/).and.not.match(/\n\s+at /);
  });
});
