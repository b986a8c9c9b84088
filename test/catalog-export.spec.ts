// The catalogue export is an interface users and tooling depend on.
import { expect } from "chai";
import { DETECTIONS, UNCOVERED } from "../detections";
import { catalogCommand } from "../tools/catalog";

describe("catalog export", () => {
  it("`npm run --silent catalog -- --format json` prints one JSON object with every detection", () => {
    const chunks: string[] = [];
    expect(catalogCommand(["--format", "json"], (s) => chunks.push(s), (s) => chunks.push(`stderr: ${s}`))).to.equal(0);
    const parsed = JSON.parse(chunks.join("")) as { detections: Record<string, unknown>[]; uncovered: Record<string, unknown>[] };
    expect(Object.keys(parsed)).to.deep.equal(["detections", "uncovered"]);
    expect(parsed.detections.map((d) => d.key)).to.deep.equal(DETECTIONS.map((d) => d.key));
    expect(parsed.uncovered.map((u) => u.technique)).to.deep.equal(UNCOVERED.map((u) => u.technique));
    for (const d of parsed.detections) {
      for (const field of ["key", "technique", "tactic", "name", "severity", "alertKind", "query", "evaluationFrequency", "windowSize", "tables", "requires"]) {
        expect(d, `${d.key}.${field}`).to.have.property(field);
      }
      expect(["scheduledQuery", "activityLog"]).to.include(d.alertKind);
      expect(d.query).to.be.a("string").and.not.equal("");
      expect(d.tables).to.be.an("array").that.is.not.empty;
    }
    for (const u of parsed.uncovered) expect(Object.keys(u)).to.deep.equal(["technique", "reason"]);
  });

  it("`--format lint` lists every best-practice finding with its status, none unjustified", () => {
    const out: string[] = [], err: string[] = [];
    expect(catalogCommand(["--format", "lint"], (s) => out.push(s), (s) => err.push(s))).to.equal(0);
    const lines = out.join("").trim().split("\n").map((l) => l.split("\t"));
    expect(lines.length).to.be.greaterThan(0);
    for (const l of lines) {
      expect(l[1], l.join(" ")).to.match(/^KS5\d\d$/);
      expect(l[4], l.join(" ")).to.match(/^justified/);
    }
    expect(err).to.deep.equal([]);
  });

  it("rejects an unknown format with exit code 2", () => {
    const err: string[] = [];
    expect(catalogCommand(["--format", "xml"], () => undefined, (s) => err.push(s))).to.equal(2);
    expect(err.join("")).to.equal(`catalog: unknown --format "xml" — expected json, markdown or lint\n`);
  });
});
