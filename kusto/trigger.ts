// The trigger of an Azure Monitor log search alert: how a query's result rows become alerts. The
// catalogue declares it per detection (detections/model.ts) and the alert emulator (alert.ts)
// evaluates it. No imports: the deployed program loads it without the Kusto parser.

/** Scheduled query rule operators as the service accepts them (not the SDK's colliding enum). */
export const OPERATORS = ["Equal", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"] as const;
export type Operator = (typeof OPERATORS)[number];
export const TIME_AGGREGATIONS = ["Count", "Average", "Minimum", "Maximum", "Total"] as const;
export type TimeAggregation = (typeof TIME_AGGREGATIONS)[number];

export interface Trigger {
  operator: Operator;
  threshold: number;
  timeAggregation: TimeAggregation;
  /** Numeric result column aggregated by Average/Minimum/Maximum/Total. */
  metricMeasureColumn?: string;
  /**
   * Result columns that split the alert: one alert per distinct combination, and the values
   * appear in the notification. Azure allows at most 6.
   */
  dimensions?: string[];
}
