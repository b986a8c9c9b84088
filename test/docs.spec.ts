// Generated documents are current: docs/detections.md, the telemetry table, the README config
// reference (regenerate all with `npm run docs`).
import { expect } from "chai";
import * as path from "path";
import { generatedDocs } from "../tools/docs";

describe("generated docs", () => {
  for (const [file, current, generated] of generatedDocs()) {
    it(`${path.basename(file)} is current (npm run docs)`, () => expect(current === generated, `${file} is stale: run npm run docs`).to.equal(true));
  }
});
