// `npm run detect`: a team runs one detection over rows exported from its own workspace.
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildProblem } = require("../build-stamp") as { buildProblem: (root: string) => string | undefined };
const root = path.join(__dirname, "..");
const ARGS = ["--detection", "azt301-1-runcommand", "--rows", "test/fixtures/runcommand-export.json", "--now", "2025-06-02T12:00:00Z"];

describe("npm run detect", () => {
  it("prints the alerts the stack's allowlist would leave (Pulumi.dev.yaml callers)", () => {
    const out = execFileSync("npm", ["run", "--silent", "detect", "--", ...ARGS], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const r = JSON.parse(out);
    expect(r.fired).to.equal(true);
    expect(r.firedIfOnlyTheEvaluatedBinCounts).to.equal(true);
    expect(r.alerts.map((a: { dimensions: { Caller: string } }) => a.dimensions.Caller).sort()).to.deep.equal(["deploy@contoso.com", "mallory@contoso.onmicrosoft.com"]);
    expect(r.parameters.allowedCallers).to.include("7d3c1f9e-2b4a-4c8d-9e0f-1a2b3c4d5e6f");
  });

  it("runs compiled (bin/) when the build is current, else from the sources with a note; the same answer either way", () => {
    const run = (env: Record<string, string>) => spawnSync(process.execPath, ["tools/launch.js", "detect", ...ARGS], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
    const stale = buildProblem(root);
    const launched = run({});
    expect(launched.status, launched.stderr).to.equal(0);
    if (stale) expect(launched.stderr).to.include(`detect: running from the TypeScript sources (${stale})`);
    else expect(launched.stderr).to.not.include("running from the TypeScript sources");
    const fromSources = run({ AZDETECT_FROM_SOURCES: "1" });
    expect(fromSources.stderr).to.not.include("running from the TypeScript sources");
    expect(JSON.parse(fromSources.stdout)).to.deep.equal(JSON.parse(launched.stdout));
    const unknown = spawnSync(process.execPath, ["tools/launch.js", "nope"], { cwd: root, encoding: "utf8" });
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.equal('launch: no tool "nope" in tools/\n');
  });
});
