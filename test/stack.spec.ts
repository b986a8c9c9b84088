import { expect } from "chai";
import { runStack, TEST_SUBSCRIPTION } from "./harness";

describe("stack", () => {
  it("declares a rule for the run command detection", async () => {
    const run = await runStack({ location: "westeurope", tactics: ["Execution"] });
    console.log(run.resources.map((r) => `${r.type} ${r.name}`));
    console.log(JSON.stringify(run.outputs, null, 1).slice(0, 1500));
  });
});
