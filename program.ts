// The Pulumi program as a function: read and validate config, resolve the catalogue, declare the
// suite. index.ts calls it; the tests and `npm run plan` call it under Pulumi's mocks.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, rawFromPulumiConfig, type StackConfig } from "./config";
import { coverageSummary } from "./detections/coverage";
import { resolveDetections, type ResolvedDetection } from "./detections/resolve";
import { DetectionSuite } from "./components/DetectionSuite";
import type { Detection } from "./detections/model";
import { applyTelemetry, type TelemetryPlan } from "./detections/telemetry";

export interface Program {
  config: StackConfig;
  detections: ResolvedDetection[];
  suite: DetectionSuite;
  outputs: Record<string, unknown>;
  telemetry: TelemetryPlan;
  /** The telemetry warnings logged (one per gap, skipped detection and OS prerequisite). */
  warnings: string[];
}

export interface ProgramOptions {
  /** The catalogue to resolve (default: the registry); tests pass fixtures. */
  catalogue?: readonly Detection[];
}

/** Validates everything before the first resource is declared, then declares the suite. */
export function runProgram(opts: ProgramOptions = {}): Program {
  const config = parseStackConfig(rawFromPulumiConfig(pulumi.runtime.allConfig(), pulumi.getProject()), pulumi.getStack());
  const telemetry = applyTelemetry(resolveDetections(config, opts.catalogue), config.telemetry);
  const detections = telemetry.detections;
  for (const w of telemetry.warnings) void pulumi.log.warn(w);
  const suite = new DetectionSuite("azdetect", { config, detections, telemetry: telemetry.plan });
  const outputs = {
    resourceGroupName: suite.resourceGroupName,
    workspaceId: suite.workspaceId,
    rules: suite.rules,
    coverage: coverageSummary(detections),
    telemetryGaps: telemetry.plan.gaps,
  };
  return { config, detections, suite, outputs, telemetry: telemetry.plan, warnings: telemetry.warnings };
}
