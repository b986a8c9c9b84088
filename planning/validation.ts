// Whether Azure validates a log search rule's query when it creates the rule (skipQueryValidation),
// decided per rule so that the first `pulumi up` succeeds.
//
// At creation Azure resolves the query's tables and columns in the workspace. A workspace table
// exists only once rows have arrived, so a rule reading a table that has none yet fails to create
// ("Failed to resolve table or column expression"): on a fresh workspace every rule does, and on an
// existing one every rule whose telemetry the stack has just switched on. Skipping the check there
// loses nothing: every query has already been analysed offline, by Microsoft's own parser, against
// the table schemas (kusto/lint.ts, test/catalogue.spec.ts), and sparse columns are read through
// column_ifexists (the SPARSE lint), so a query compiles in any workspace once its tables exist.
// Where every table a rule reads surely exists — an existing workspace that already receives all
// of its telemetry from outside the stack (telemetry.provided) — Azure keeps validating.
import type { TelemetryPlan } from "./telemetry";
import { gapIsAbout, policyDelivers, stackInstances } from "./telemetry";
import { sourceIds } from "./cost";
import type { Detection } from "../detections/model";

export interface QueryValidation {
  /** The rule's skipQueryValidation. */
  skip: boolean;
  /** Why, in words for `npm run plan`. */
  reason: string;
}

export interface ValidationContext {
  /** azdetect:skipQueryValidation when set: it wins for every rule. */
  skipQueryValidation?: boolean;
  /** The stack creates the workspace (it has no tables yet). */
  workspaceCreated: boolean;
  /** What the stack deploys and which sources are gaps; absent: unknown, so Azure's check is skipped. */
  telemetry?: TelemetryPlan;
}

/** The skipQueryValidation of one log search rule, with the reason. */
export function queryValidation(d: { key: string; detection: Detection }, ctx: ValidationContext): QueryValidation {
  if (ctx.skipQueryValidation !== undefined) {
    return { skip: ctx.skipQueryValidation, reason: `skipQueryValidation: ${ctx.skipQueryValidation} in the stack config` };
  }
  if (ctx.workspaceCreated) return { skip: true, reason: "the stack creates the workspace: no table exists before its first rows" };
  const plan = ctx.telemetry;
  // Without a plan the suite cannot know whether the tables exist (an embedding program may have
  // created the workspace itself): the first up must not depend on it.
  if (!plan) return { skip: true, reason: "no telemetry plan: whether its tables exist yet is not known (set skipQueryValidation: false if they do)" };
  for (const source of new Set(d.detection.requires.flatMap(sourceIds))) {
    if ((plan.gaps[d.key] ?? []).some((g) => gapIsAbout(g, source))) return { skip: true, reason: `${source} is not delivered (telemetry gap): its table may not exist` };
    if (stackInstances(plan, source) > 0) return { skip: true, reason: `the stack starts sending ${source}: its table appears with the first rows` };
    if (policyDelivers(plan, source)) return { skip: true, reason: `${source} arrives through the stack's policy assignment: its table appears with the first rows` };
  }
  return { skip: false, reason: "every table it reads is already filled from outside the stack (telemetry.provided): Azure validates the query" };
}
