// The Pulumi program as a function: read and validate config, resolve the catalogue, declare the
// suite. index.ts calls it; the tests and `npm run plan` call it under Pulumi's mocks.
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, rawFromPulumiConfig, type StackConfig } from "./config";
import type { StackIdentity } from "./config/names";
import { coverageSummary } from "./planning/coverage";
import { estimateCost, logSourcesDelivered, priceTable, type CostEstimate } from "./planning/cost";
import { resolveDetections, type ResolvedDetection } from "./planning/resolve";
import { ConfigError } from "./config/errors";
import { routeProblems } from "./config/routing";
import { DetectionSuite } from "./components/DetectionSuite";
import { withoutPromiseStacks } from "./components/promiseStacks";
import type { Detection } from "./detections/model";
import { applyTelemetry, type TelemetryPlan } from "./planning/telemetry";

export interface Program {
  config: StackConfig;
  detections: ResolvedDetection[];
  suite: DetectionSuite;
  outputs: Record<string, unknown>;
  telemetry: TelemetryPlan;
  /** The telemetry warnings logged (one per gap, skipped detection and OS prerequisite). */
  warnings: string[];
  /** The monthly cost estimate (also the stack output costEstimate). */
  cost: CostEstimate;
}

/** Validates everything before the first resource is declared, then declares the suite. */
export function runProgram(catalogue?: readonly Detection[]): Program {
  const config = parseStackConfig(rawFromPulumiConfig(pulumi.runtime.allConfig(), pulumi.getProject()), pulumi.getStack(), stackIdentity());
  const telemetry = applyTelemetry(resolveDetections(config, catalogue), config.telemetry);
  const detections = telemetry.detections;
  const unrouted = routeProblems(config.routing, detections);
  if (unrouted.length) throw new ConfigError(unrouted);
  for (const w of telemetry.warnings) void pulumi.log.warn(w);
  const suite = withoutPromiseStacks(() => new DetectionSuite("azdetect", { config, detections, telemetry: telemetry.plan }));
  const cost = estimateCost(detections, priceTable(config.pricing), logSourcesDelivered(detections, telemetry.plan));
  const outputs = {
    resourceGroupName: suite.resourceGroupName,
    workspaceId: suite.workspaceId,
    rules: suite.rules,
    // Ids only: receivers (and their secret URIs) never become outputs.
    actionGroups: suite.actionGroups,
    coverage: coverageSummary(detections, telemetry.plan.gaps),
    telemetryGaps: telemetry.plan.gaps,
    costEstimate: cost,
  };
  return { config, detections, suite, outputs, telemetry: telemetry.plan, warnings: telemetry.warnings, cost };
}

/** The Pulumi organization, project and stack: every Azure name the stack generates carries them (config/names.ts). */
function stackIdentity(): StackIdentity {
  let organization = "organization";
  try {
    organization = pulumi.getOrganization();
  } catch {
    // Older CLIs do not pass one; "organization" is what self-managed backends use.
  }
  return { organization, project: pulumi.getProject(), stack: pulumi.getStack() };
}
