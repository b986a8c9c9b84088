// A deployed stack must never see its resources replaced because the code renamed or re-parented
// them: Pulumi identifies a resource by its URN (parent type + type + logical name). This test
// keeps the URNs the stack program declared at 0.1.0 (test/fixtures/urns-0.1.0.json, recorded
// from that commit under the same mocks) and fails when one of them is no longer declared for the
// same stack config. New resources are fine; a rename needs an alias, and this list says which.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runStack } from "../tools/mockStack";

const root = path.join(__dirname, "..");
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "urns-0.1.0.json"), "utf8")) as { stacks: Record<string, string[]> };

const stacks: Record<string, () => { config: Record<string, unknown>; stack: string; strictRouting?: boolean; secretKeys?: string[] }> = {
  "Pulumi.dev.yaml": () => {
    const doc = parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    return { config: Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k.replace(/^azdetect:/, ""), v])), stack: "dev", strictRouting: true };
  },
  "tools/bench/full-stack.json": () => ({ ...JSON.parse(fs.readFileSync(path.join(root, "tools", "bench", "full-stack.json"), "utf8")), stack: "bench" }),
};

describe("URNs of deployed stacks (0.1.0)", () => {
  for (const [name, load] of Object.entries(stacks)) {
    it(`${name}: every resource of 0.1.0 keeps its URN`, async () => {
      const { config, stack, strictRouting, secretKeys } = load();
      const run = await runStack(config, { stack, strictRouting, secretKeys });
      const now = new Set(run.urns);
      const lost = fixture.stacks[name].filter((u) => !now.has(u));
      expect(fixture.stacks[name].length).to.be.greaterThan(100);
      expect(lost, "renamed or re-parented resources (add an alias, or keep the name)").to.deep.equal([]);
    });
  }
});
