/**
 * azdetect as a library: `import { DetectionSuite, selectDetections } from "azdetect"` in your own
 * Pulumi program (README, "Use it in your own program"; examples/embed/). The stack program
 * (index.ts, run by `pulumi up` in this repository) is one user of this API.
 *
 * Everything exported here is public: removing or renaming a name needs a major version. The
 * names are listed in api-lock.json; test/embed.spec.ts reads them from the packed package's
 * bin/lib.d.ts and fails on a name removed without a major version or added without a lock entry.
 *
 * @packageDocumentation
 */

// ---- The catalogue: typed data, no config, no Pulumi ------------------------------------------

/** Every detection of the catalogue, one or more per ATRM technique, in catalogue order. */
export { DETECTIONS, UNCOVERED, detectionByKey, detectionsForTactic, detectionsForTechnique } from "./detections";
/** The Azure Threat Research Matrix: every technique and sub-technique, and the leaves. */
export { ATRM, ATRM_LEAVES, atrmEntry, atrmUrl, type AtrmEntry } from "./detections/atrm";
export {
  TACTICS, SEVERITIES, OPERATORS, TIME_AGGREGATIONS, GLOBAL_ALLOWLISTS, tacticSlug,
  type Tactic, type Severity, type Operator, type TimeAggregation, type Trigger, type Detection, type Requirement,
  type Parameter, type ParameterValues, type GlobalAllowlist, type SampleCase, type SampleRow, type Uncovered,
} from "./detections/model";

// ---- The stack config: the same YAML shape as Pulumi.<stack>.yaml ------------------------------

export {
  parseStackConfig, parseDetectionSelection, parseRouting, parseTelemetryConfig, rawFromPulumiConfig, stackConfigSchema, ConfigError,
  type StackConfig, type RawStackConfig, type RawDetectionSelection, type DetectionSelectionConfig, type DetectionOverride,
} from "./config";
export type { RoutingConfig, ActionGroupSpec, Route, MaintenanceWindow } from "./config/routing";
export type { TelemetryConfig, RawTelemetryConfig } from "./config/telemetry";
/** The subscriptions a stack watches: the deploying one, a list, or a management group. */
export type { Estate, EstateSubscription } from "./config/estate";

// ---- Planning: a selection applied to the catalogue (pure, offline) --------------------------

export { resolveDetections, entraAllowlistLookups, type ResolvedDetection, type DetectionSelection, type EntraAllowlistLookups, type AlertKind } from "./planning/resolve";
export { applyTelemetry, planTelemetry, type TelemetryPlan, type AppliedTelemetry } from "./planning/telemetry";
export { estimateCost, priceTable, logSourcesDelivered, logSourcesRead, type CostEstimate, type PriceTable, type LogSourceUse } from "./planning/cost";
export { coverageSummary, leafCoverage, type CoverageSummary, type LeafCoverage, type CoverageState, type TelemetryGaps } from "./planning/coverage";
export { buildMatrix, type Matrix } from "./planning/matrix";
export { activityLogAlertPlacement, estateTelemetry, type ActivityLogAlertPlacement, type ScopeTelemetry, type SourceDelivery } from "./planning/estate";

import { parseDetectionSelection, type RawDetectionSelection } from "./config";
import { resolveDetections, type ResolvedDetection } from "./planning/resolve";

/**
 * The detections a selection deploys, in the stack file's shape: `{ tactics: ["Execution"],
 * overrides: {...}, allowlists: {...} }` (default: every tactic). Throws a ConfigError naming each
 * bad key.
 */
export function selectDetections(selection: RawDetectionSelection = {}): ResolvedDetection[] {
  return resolveDetections(parseDetectionSelection(selection));
}

// ---- The Pulumi components: Azure wiring ---------------------------------------------------

export { DetectionSuite, type DetectionSuiteArgs, type WorkspaceToCreate } from "./components/DetectionSuite";
export { TacticDetections, type TacticDetectionsArgs } from "./components/TacticDetections";
export { AlertRouting, type AlertRoutingArgs, type SuiteRouting } from "./components/AlertRouting";
export { TelemetryActivityLog, type TelemetryActivityLogArgs } from "./components/TelemetryActivityLog";
export { TelemetryEntraId, type TelemetryEntraIdArgs } from "./components/TelemetryEntraId";
export { TelemetryDiagnostics, type TelemetryDiagnosticsArgs } from "./components/TelemetryDiagnostics";
export { TelemetryAgent, type TelemetryAgentArgs } from "./components/TelemetryAgent";
export { TelemetryPolicy, type TelemetryPolicyArgs } from "./components/TelemetryPolicy";
export { WatchedSubscriptions, type WatchedSubscriptionsArgs, type SubscriptionTarget, type ProviderSettings } from "./components/WatchedSubscriptions";
export type { ComponentNaming } from "./components/names";

// ---- The offline tools as functions (scripts and CI, not inside a Pulumi program: `plan` runs a
// stack under Pulumi's mocks, which replace the engine of the process) ------------------------

export { buildPlan, renderPlan, readStackFile, type Plan } from "./tools/planning";
/** The coverage matrix (`buildMatrix`) as one self-contained HTML page, as `npm run matrix` writes it. */
export { renderMatrixHtml, type MatrixPage } from "./tools/matrix/render";

// ---- Tune before you deploy: a stack's rules over a tenant's own rows (README, "Tune before you
// deploy"). Rows come from exports (loadRows) or in memory (WorkspaceTables); the reports are
// plain functions of the backtest's result -------------------------------------------------

export { loadRows, rowsFromData, RowsError, type LoadedRows, type ReadOptions } from "./kusto/rows";
export { WorkspaceTables } from "./kusto/tables";
export { backtest, columnsRead, type BacktestReport, type BacktestOptions, type DetectionBacktest, type TopEntity, type Alert as BacktestAlert } from "./planning/backtest";
export { renderText as renderBacktestText, renderHtml as renderBacktestHtml } from "./tools/backtest/report";
export { runDetection, detect, DetectError, type RunDetectionOptions, type DetectResult } from "./tools/detect";
