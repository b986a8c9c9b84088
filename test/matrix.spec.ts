// The matrix data and its HTML without a browser (the browser test is npm run test:browser).
import { expect } from "chai";
import { ATRM_LEAVES } from "../detections/atrm";
import { coverageSummary } from "../planning/coverage";
import { buildMatrix, type Matrix } from "../planning/matrix";
import { TACTICS } from "../detections/model";
import { esc, renderMatrixHtml } from "../tools/matrix/render";

describe("coverage matrix", () => {
  const matrix = buildMatrix([], ["Execution"]);

  it("has every leaf once, columns in matrix order, and totals equal to the coverage summary", () => {
    expect(matrix.columns.map((c) => c.tactic)).to.deep.equal([...TACTICS]);
    const ids = matrix.columns.flatMap((c) => c.techniques.flatMap((t) => [...(t.cell ? [t.cell.id] : []), ...t.subTechniques.map((s) => s.id)]));
    expect(ids.sort()).to.deep.equal(ATRM_LEAVES.map((l) => l.id).sort());
    const summary = coverageSummary([]);
    for (const c of matrix.columns) expect({ ...c.totals }).to.deep.equal({ leaves: summary.byTactic[c.tactic].leaves, ...summary.byTactic[c.tactic].states });
    expect(matrix.columns.filter((c) => c.selected).map((c) => c.tactic)).to.deep.equal(["Execution"]);
  });

  it("escapes every text it writes into the page", () => {
    expect(esc(`<a href="x">'&'</a>`)).to.equal("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    const hostile = "<script>alert(1)</script>\"'&";
    const m: Matrix = JSON.parse(JSON.stringify(matrix));
    const cell = m.columns[0].techniques[0].cell!;
    Object.assign(cell, { name: hostile, reason: hostile, state: "not-detectable", url: `https://example.invalid/"><script>` });
    const html = renderMatrixHtml({ stack: hostile, matrix: m, docsHref: `docs/"x.md`, costLine: hostile });
    expect(html).to.not.include("<script");
    expect(html).to.not.include(`"x.md`);
    expect(html).to.include("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
  });
});
