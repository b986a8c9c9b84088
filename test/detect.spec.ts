// `npm run detect`: a team runs one detection over rows exported from its own workspace.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as path from "path";

const root = path.join(__dirname, "..");

describe("npm run detect", () => {
  it("prints the alerts the stack's allowlist would leave (Pulumi.dev.yaml callers)", () => {
    const out = execFileSync("npm", ["run", "--silent", "detect", "--", "--detection", "azt301-1-runcommand", "--rows", "test/fixtures/runcommand-export.json", "--now", "2025-06-02T12:00:00Z"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const r = JSON.parse(out);
    expect(r.fired).to.equal(true);
    expect(r.alerts.map((a: { dimensions: { Caller: string } }) => a.dimensions.Caller).sort()).to.deep.equal(["deploy@contoso.com", "mallory@contoso.onmicrosoft.com"]);
    expect(r.parameters.allowedCallers).to.include("7d3c1f9e-2b4a-4c8d-9e0f-1a2b3c4d5e6f");
  });
});
