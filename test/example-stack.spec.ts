// The committed example stack (Pulumi.dev.yaml) and the declarations in Pulumi.yaml must never
// rot: the example deploys cleanly under mocks, and every declared default is the code's default.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseStackConfig, stackConfigSchema } from "../config";
import { runStack } from "../tools/mockStack";

const root = path.join(__dirname, "..");
function stackFile(name: string): Record<string, unknown> {
  const doc = parse(fs.readFileSync(path.join(root, name), "utf8")) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k.replace(/^azdetect:/, ""), v]));
}

describe("example stack (Pulumi.dev.yaml)", () => {
  it("deploys under mocks with every key it sets applied", async () => {
    const cfg = stackFile("Pulumi.dev.yaml");
    const run = await runStack(cfg, { stack: "dev" });
    expect(run.program.config.location).to.equal(cfg.location);
    expect(run.resources.filter((r) => r.type.startsWith("azure-native:monitor:")).length).to.be.greaterThan(0);
    for (const r of run.resources.filter((x) => x.custom && x.inputs.tags)) expect(r.inputs.tags, r.name).to.include(cfg.tags as Record<string, string>);
  });

  it("only uses keys declared in Pulumi.yaml", () => {
    const declared = Object.keys((parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> }).config).map((k) => k.replace(/^azdetect:/, ""));
    expect(Object.keys(stackFile("Pulumi.dev.yaml")).filter((k) => !declared.includes(k))).to.deep.equal([]);
  });
});

describe("Pulumi.yaml", () => {
  const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string; config: Record<string, { default?: unknown; description?: string }> };

  it("declares every stack key, and only those", () => {
    const declared = Object.keys(project.config).map((k) => k.replace(/^azdetect:/, "")).sort();
    expect(declared).to.deep.equal(Object.keys(stackConfigSchema.shape).sort());
    expect(project.name).to.equal("azdetect");
  });

  it("declares defaults equal to the code's defaults", () => {
    const withoutDefaults = parseStackConfig({ location: "westeurope" }, "dev");
    for (const [k, v] of Object.entries(project.config)) {
      expect(v.description, k).to.be.a("string");
      if (v.default === undefined) continue;
      const key = k.replace(/^azdetect:/, "");
      expect(parseStackConfig({ location: "westeurope", [key]: v.default }, "dev"), k).to.deep.equal(withoutDefaults);
    }
  });
});
