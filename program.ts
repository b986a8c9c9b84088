// The Pulumi program as a function: read and validate config, resolve the catalogue, declare the
// suite. index.ts calls it; the tests and `npm run plan` call it under Pulumi's mocks.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, rawFromPulumiConfig, type StackConfig } from "./config";
import { coverageSummary } from "./detections/coverage";
import { resolveDetections, type ResolvedDetection } from "./detections/resolve";
import { DetectionSuite } from "./components/DetectionSuite";
import { withoutPromiseStacks } from "./components/promiseStacks";

export interface Program {
  config: StackConfig;
  detections: ResolvedDetection[];
  suite: DetectionSuite;
  outputs: Record<string, unknown>;
}

/** Validates everything before the first resource is declared, then declares the suite. */
export function runProgram(): Program {
  const config = parseStackConfig(rawFromPulumiConfig(pulumi.runtime.allConfig(), pulumi.getProject()), pulumi.getStack());
  const detections = resolveDetections(config);
  const suite = withoutPromiseStacks(() => new DetectionSuite("azdetect", { config, detections }));
  const outputs = {
    resourceGroupName: suite.resourceGroupName,
    workspaceId: suite.workspaceId,
    rules: suite.rules,
    coverage: coverageSummary(detections),
  };
  return { config, detections, suite, outputs };
}
