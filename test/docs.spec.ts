// Generated documents are current: docs/detections.md, docs/azure-recordings.md, the telemetry table, the README config
// reference, the coverage claim and the plan example (regenerate all with `npm run docs`).
import { expect } from "chai";
import * as path from "path";
import { generatedDocs } from "../tools/docs";

describe("generated docs", () => {
  let docs: [string, string, string][] = [];
  before(async () => {
    docs = await generatedDocs();
  });
  for (const name of ["detections.md", "azure-conformance.md", "azure-recordings.md", "telemetry.md", "README.md"]) {
    it(`${name} is current (npm run docs)`, () => {
      const doc = docs.find(([file]) => path.basename(file) === name);
      expect(doc, `${name} is not a generated document`).to.not.equal(undefined);
      const [file, current, generated] = doc!;
      expect(current === generated, `${file} is stale: run npm run docs`).to.equal(true);
    });
  }
});
