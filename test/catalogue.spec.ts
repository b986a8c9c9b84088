// The catalogue as data: model fields, keys, schedules, and every query through Microsoft's
// Kusto analyser plus our lints, against the schemas in detections/schemas/.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { DETECTIONS, UNCOVERED, detectionByKey, detectionsForTactic, detectionsForTechnique } from "../detections";
import { ATRM, ATRM_LEAVES } from "../detections/atrm";
import { arrivalProblem, modelProblems, queryCheck, staleJustifications, type QueryCheck } from "../planning/checks";
import { exportDetection } from "../planning/export";
import { TACTICS } from "../detections/model";

describe("catalogue", () => {
  it("has unique keys", () => {
    const seen = new Set<string>();
    const dupes = DETECTIONS.map((d) => d.key).filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
    expect(dupes).to.deep.equal([]);
  });

  it("never loses, renames or reuses a released key (detections/released-keys.json)", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "detections", "released-keys.json"), "utf8")) as { released: string[]; retired: string[] };
    const keys = new Set(DETECTIONS.map((d) => d.key));
    const missing = lock.released.filter((k) => !keys.has(k) && !lock.retired.includes(k));
    const reused = lock.retired.filter((k) => keys.has(k));
    const unreleased = [...keys].filter((k) => !lock.released.includes(k));
    expect(missing, "released keys that disappeared (move them to `retired` only if the detection is withdrawn)").to.deep.equal([]);
    expect(reused, "retired keys used again").to.deep.equal([]);
    expect(unreleased, "new keys: add them to detections/released-keys.json").to.deep.equal([]);
  });

  it("registry lookups agree with the catalogue", () => {
    for (const d of DETECTIONS) {
      expect(detectionByKey(d.key)).to.equal(d);
      expect(detectionsForTactic(d.tactic)).to.include(d);
      expect(detectionsForTechnique(d.technique)).to.include(d);
      expect(detectionsForTechnique(d.technique.split(".")[0])).to.include(d);
    }
    expect(DETECTIONS.length).to.equal(TACTICS.reduce((n, t) => n + detectionsForTactic(t).length, 0));
  });

  it("uncovered entries are leaf techniques without a detection, with a reason", () => {
    for (const u of UNCOVERED) {
      const entry = ATRM.find((e) => e.id === u.technique);
      expect(entry, u.technique).to.not.equal(undefined);
      expect(entry!.pageKind, u.technique).to.equal("technique");
      expect(detectionsForTechnique(u.technique), `${u.technique} is both covered and uncovered`).to.deep.equal([]);
      expect(u.reason.length, u.technique).to.be.greaterThan(40);
    }
  });

  it("the ATRM data has the 77 leaf techniques the catalogue is measured against", () => {
    expect(ATRM.length).to.equal(98);
    expect(ATRM_LEAVES.length).to.equal(77);
  });

  it("a new `contains` in a query is an unjustified KS500 finding (the best-practice gate can fail)", () => {
    const base = DETECTIONS.find((d) => d.key === "azt501-2-sp-credential-or-owner")!;
    const q = base.signal.kind === "query" ? base.signal : undefined;
    const changed = { ...base, signal: { ...q!, query: (p: Parameters<NonNullable<typeof q>["query"]>[0]) => q!.query(p).replace('OperationName has "Certificates', 'OperationName contains "Certificates') } };
    const found = queryCheck(changed).bestPractices.map((f) => [f.code, f.snippet, f.justification === undefined]);
    expect(found).to.deep.equal([["KS500", 'OperationName contains "Certificates and secrets management"', true]]);
  });

  // Late rows and repeated alerts (detections/patterns/arrival.ts): every log search query selects
  // by arrival somewhere; the samples of each detection prove how (late-landing and already-alerted cases).
  it("every log search detection selects by arrival (ingestion_time())", () => {
    expect(DETECTIONS.map((d) => [d.key, arrivalProblem(d)]).filter(([, p]) => p)).to.deep.equal([]);
  });

  it("the arrival check fails a query that keeps rows by TimeGenerated only", () => {
    const base = detectionByKey("azt502-1-user-created")!;
    const q = base.signal.kind === "query" ? base.signal : undefined;
    const byTime = { ...base, signal: { ...q!, query: (p: Parameters<NonNullable<typeof q>["query"]>[0]) => q!.query(p).replace(/\n\| where ingestion_time\(\) > ago\([^)]*\)/, "") } };
    expect(arrivalProblem(byTime)).to.match(/keeps rows by TimeGenerated only/);
  });

  // Azure's binning (detections/patterns/arrival.ts, 3-4): whichever way it counts result rows, a
  // rule's TimeGenerated is the arrival of the row that triggers it, within a window that holds the slot.
  const withQuery = (key: string, change: (q: string) => string) => {
    const base = detectionByKey(key)!;
    const q = base.signal.kind === "query" ? base.signal : undefined;
    return { ...base, signal: { ...q!, query: (p: Parameters<NonNullable<typeof q>["query"]>[0]) => change(q!.query(p)) } };
  };

  it("the output check fails a rule whose TimeGenerated is the event time, or that has no EventTime", () => {
    const eventTime = withQuery("azt502-1-user-created", (q) => q.replace("EventTime = TimeGenerated, TimeGenerated = ingestion_time()", "TimeGenerated"));
    expect(queryCheck(eventTime).problems.join("\n")).to.match(/TimeGenerated is not the arrival time/).and.match(/no datetime EventTime/);
    const firstSeen = withQuery("azt202-brute-force", (q) => q.replace("TimeGenerated = LastIngested", "TimeGenerated = FirstSeen"));
    expect(queryCheck(firstSeen).problems.join("\n")).to.match(/TimeGenerated is not the arrival time/);
  });

  it("the model check fails a log search rule whose window cannot hold its slot (frequency + overlap)", () => {
    const d = { ...detectionByKey("azt502-1-user-created")!, windowSize: "PT15M" };
    expect(modelProblems(d).join("\n")).to.match(/windowSize PT15M is shorter than evaluationFrequency PT15M \+ the PT2M arrival overlap/);
  });

  it("a union, a sparse column read directly, and ingestion_time() after a summarize fail the query check", () => {
    const codes = (d: Parameters<typeof queryCheck>[0]) => queryCheck(d).findings.map((f) => f.code);
    expect(codes(withQuery("azt502-1-user-created", (q) => q.replace(/^AuditLogs/, "union AuditLogs, AuditLogs")))).to.include("UNION");
    const direct = withQuery("azt704-1-keyvault-item-recover", (q) => q.replace(/column_ifexists\("(identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s)", ""\)/, "$1"));
    expect(codes(direct)).to.deep.equal(["SPARSE"]);
    expect(codes(withQuery("azt202-brute-force", (q) => q.replace("TimeGenerated = LastIngested", "TimeGenerated = ingestion_time()")))).to.include("INGESTION");
  });

  const checks: { key: string; check: QueryCheck }[] = [];
  for (const d of DETECTIONS) {
    describe(d.key, () => {
      it("has a complete, valid model", () => {
        expect(modelProblems(d)).to.deep.equal([]);
      });
      it("query passes the Kusto analyser and the lints, and matches its requires/entities/trigger", () => {
        const c = queryCheck(d);
        checks.push({ key: d.key, check: c });
        const errors = c.findings.filter((f) => f.severity === "error").map((f) => `${d.key}:${f.line}:${f.column} ${f.code} ${f.message}`);
        expect(errors, c.query).to.deep.equal([]);
        expect(c.problems, c.query).to.deep.equal([]);
        // The export takes tables from `requires` (no parser needed): the same as the syntax tree's.
        expect(exportDetection(d).tables).to.deep.equal(c.facts.tables);
        // Best practice (KS5xx), per finding: fix the query, or justify it in detections/best-practices.json.
        const unjustified = c.bestPractices.filter((f) => !f.justification).map((f) => `${d.key}:${f.line}:${f.column} ${f.code} \`${f.snippet}\`: ${f.message.split("\n")[0]}`);
        expect(unjustified, `${c.query}\n\nfix the query or add {key, code, snippet, reason} to detections/best-practices.json`).to.deep.equal([]);
      });
    });
  }

  // A suite of its own: it runs after the per-detection suites above have collected every check.
  describe("best-practice justifications", () => {
    it("every justified KS5xx finding still occurs (remove entries for fixed queries)", function () {
      if (checks.length !== DETECTIONS.length) this.skip(); // a --grep run that did not check every query
      expect(staleJustifications(checks).map((j) => `${j.key} ${j.code} ${j.snippet}`)).to.deep.equal([]);
    });
  });
});
