// azdetect: the stack's entry point. Everything happens in program.ts; the exports below are the
// stack outputs (`pulumi stack output`).
import { runProgram } from "./program";

const { outputs } = runProgram();

export const resourceGroupName = outputs.resourceGroupName;
export const workspaceId = outputs.workspaceId;
export const rules = outputs.rules;
export const actionGroups = outputs.actionGroups;
export const coverage = outputs.coverage;
export const telemetryGaps = outputs.telemetryGaps;
export const telemetryBySubscription = outputs.telemetryBySubscription;
export const costEstimate = outputs.costEstimate;
