// The quoting module: a hostile value can never change a query's meaning. Checked with
// Microsoft's parser: the literal must parse as exactly one string literal equal to the input.
import { expect } from "chai";
import * as kql from "../detections/kql";
import { analyze, syntaxKindName } from "../kusto/language";

const HOSTILE = [
  `plain`,
  `quote " inside`,
  `single ' quote`,
  `back\\slash`,
  `trailing backslash \\`,
  `new\nline and\r\ncrlf`,
  `tab\tand nul \u0000`,
  `" | take 0 //`,
  `"); AzureActivity | where true; print ("`,
  `x" or 1==1 or "`,
  `;|;`,
  `unicode é ü 漢字 and emoji 🛡️`,
  `right-to-left \u202e override`,
  `@"verbatim"`,
  `h'obfuscated'`,
  ``,
];

/** The string literals in `print v = <literal>` as the parser reads them. */
function literalsOf(expr: string): { values: string[]; errors: number } {
  const code = analyze(`print v = ${expr}`);
  const values: string[] = [];
  code.Syntax!.WalkElements((el: any) => {
    if (!el.IsToken && syntaxKindName(el.Kind) === "StringLiteralExpression") values.push(el.LiteralValue);
  });
  const diags = code.GetDiagnostics()!;
  let errors = 0;
  for (let i = 0; i < diags.Count; i++) if (diags.getItem(i)!.Severity === "Error") errors++;
  return { values, errors };
}

describe("kql quoting", () => {
  for (const v of HOSTILE) {
    it(`str() round-trips ${JSON.stringify(v)}`, () => {
      const r = literalsOf(kql.str(v));
      expect(r.errors).to.equal(0);
      expect(r.values).to.deep.equal([v]);
    });
  }

  it("strList() and dynamicList() keep every hostile value as one literal each", () => {
    const analyzed = analyze(`AzureActivity | where Caller in~ ${kql.strList(HOSTILE)} | project Caller`);
    const values: string[] = [];
    analyzed.Syntax!.WalkElements((el: any) => { if (!el.IsToken && syntaxKindName(el.Kind) === "StringLiteralExpression") values.push(el.LiteralValue); });
    expect(values).to.deep.equal(HOSTILE);
    expect(literalsOf(kql.dynamicList(HOSTILE)).values).to.deep.equal(HOSTILE);
  });

  it("excludeIn() adds nothing for an empty list and one !in~ clause otherwise", () => {
    expect(kql.excludeIn("Caller", [])).to.equal("");
    expect(kql.excludeIn("Caller", ["a@b.c"])).to.equal(`\n| where Caller !in~ ("a@b.c")`);
  });

  it("rejects what cannot be quoted safely", () => {
    expect(() => kql.strList([])).to.throw(kql.KqlValueError);
    expect(() => kql.num(NaN)).to.throw(kql.KqlValueError);
    expect(() => kql.num(Infinity)).to.throw(kql.KqlValueError);
    expect(() => kql.str(5 as unknown as string)).to.throw(kql.KqlValueError);
    expect(() => kql.identifier("Caller | take 1")).to.throw(kql.KqlValueError);
  });

  it("numbers and timespans render as KQL literals", () => {
    expect(kql.num(5)).to.equal("5");
    expect(kql.num(0.25)).to.equal("0.25");
    expect(kql.timespan("PT5M")).to.equal("5m");
    expect(kql.timespan("P1DT12H")).to.equal("36h");
    expect(kql.timespan("P2D")).to.equal("2d");
    expect(() => kql.timespan("5m")).to.throw(kql.KqlValueError);
    expect(() => kql.timespan("PT")).to.throw(kql.KqlValueError);
  });
});
