// The catalogue as data: model fields, keys, schedules, and every query through Microsoft's
// Kusto analyser plus our lints, against the schemas in detections/schemas/.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { DETECTIONS, UNCOVERED, detectionByKey, detectionsForTactic, detectionsForTechnique } from "../detections";
import { ATRM, ATRM_LEAVES } from "../detections/atrm";
import { bestPracticeFindings, modelProblems, queryCheck } from "../detections/checks";
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

  it("every Kusto best-practice finding (KS5xx) is fixed or justified in detections/best-practices.json, and no justification is stale", () => {
    const justified = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "detections", "best-practices.json"), "utf8")) as { justified: Record<string, Record<string, string>> }).justified;
    const unjustified: string[] = [], stale: string[] = [];
    for (const d of DETECTIONS) {
      const found = bestPracticeFindings(d);
      for (const code of Object.keys(found)) if (!justified[d.key]?.[code]) unjustified.push(`${d.key} ${code} x${found[code]}`);
      for (const code of Object.keys(justified[d.key] ?? {})) if (!found[code]) stale.push(`${d.key} ${code}`);
    }
    for (const key of Object.keys(justified)) if (!DETECTIONS.some((d) => d.key === key)) stale.push(key);
    expect(unjustified, "fix the query or justify the finding").to.deep.equal([]);
    expect(stale, "remove justifications that no longer apply").to.deep.equal([]);
  });

  for (const d of DETECTIONS) {
    describe(d.key, () => {
      it("has a complete, valid model", () => {
        expect(modelProblems(d)).to.deep.equal([]);
      });
      it("query passes the Kusto analyser and the lints, and matches its requires/entities/trigger", () => {
        const c = queryCheck(d);
        const errors = c.findings.filter((f) => f.severity === "error").map((f) => `${d.key}:${f.line}:${f.column} ${f.code} ${f.message}`);
        expect(errors, c.query).to.deep.equal([]);
        expect(c.problems, c.query).to.deep.equal([]);
      });
    });
  }
});
