// `npm run detect`: a team runs one detection over rows exported from its own workspace.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as path from "path";
import { rowsByTable } from "../planning/rows";

const root = path.join(__dirname, "..");

describe("npm run detect", () => {
  it("prints the alerts the stack's allowlist would leave (Pulumi.dev.yaml callers)", () => {
    const out = execFileSync("npm", ["run", "--silent", "detect", "--", "--detection", "azt301-1-runcommand", "--rows", "test/fixtures/runcommand-export.json", "--now", "2025-06-02T12:00:00Z"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const r = JSON.parse(out);
    expect(r.fired).to.equal(true);
    expect(r.firedIfOnlyTheEvaluatedBinCounts).to.equal(true);
    expect(r.alerts.map((a: { dimensions: { Caller: string } }) => a.dimensions.Caller).sort()).to.deep.equal(["deploy@contoso.com", "mallory@contoso.onmicrosoft.com"]);
    expect(r.parameters.allowedCallers).to.include("7d3c1f9e-2b4a-4c8d-9e0f-1a2b3c4d5e6f");
  });

  it("accepts the three export shapes and drops columns the schema does not know", () => {
    const row = { Type: "AzureActivity", TimeGenerated: "2025-06-02T11:00:00Z", Caller: "a", Extra: 1 };
    expect(rowsByTable([row])).to.deep.equal({ tables: { AzureActivity: [{ Type: "AzureActivity", TimeGenerated: "2025-06-02T11:00:00.000Z", Caller: "a" }] }, dropped: ["AzureActivity.Extra"] });
    expect(rowsByTable({ AzureActivity: [{ Caller: "b" }] }).tables).to.deep.equal({ AzureActivity: [{ Caller: "b" }] });
    const api = { tables: [{ name: "PrimaryResult", columns: [{ name: "Caller" }, { name: "TimeGenerated" }], rows: [["c", "2025-06-02T11:00:00Z"]] }] };
    expect(rowsByTable(api, "AzureActivity").tables).to.deep.equal({ AzureActivity: [{ Caller: "c", TimeGenerated: "2025-06-02T11:00:00.000Z" }] });
    expect(() => rowsByTable([{ Caller: "x" }])).to.throw(/--table/);
    expect(() => rowsByTable({ Nope: [{}] })).to.throw(/unknown table Nope/);
  });
});
