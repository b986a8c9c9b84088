// The monthly cost estimate of a stack: log search alert rules priced exactly from the price table
// (pricing/azure-monitor.json, overridable by stack config `pricing`), time series of split rules
// and log ingestion estimated from stated assumptions. Pure: the stack output `costEstimate`,
// `npm run plan` and the tests all call estimateCost.
import table from "../pricing/azure-monitor.json";
import { PRICE_TIERS, type PriceTier, type PricingOverrides } from "../config/pricing";
import { isoDurationMs } from "../detections/kql";
import type { Requirement } from "../detections/model";
import type { ResolvedDetection } from "./resolve";
import { gapIsAbout, stackInstances, type TelemetryPlan } from "./telemetry";
import type { Estate } from "../config/estate";

/** Azure bills a month as 730 hours. */
export const DAYS_PER_MONTH = 730 / 24;

export interface PriceTable {
  currency: string;
  logSearchRulePerMonth: Record<PriceTier, number>;
  timeSeriesPerMonth: Record<PriceTier, number>;
  ingestionPerGb: number;
  timeSeriesPerSplitRule: number;
  gbPerDay: Record<string, number>;
  /** Sources whose ingestion is free (AzureActivity). */
  freeSources: string[];
  /** Where the prices come from, and which are unconfirmed or set by the stack. */
  provenance: { read: string; sources: string[]; unverified: string[]; overridden: string[] };
}

/** The price table with a stack's overrides applied. */
export function priceTable(o: PricingOverrides = {}): PriceTable {
  const overridden = [
    ...(o.currency ? ["currency"] : []),
    ...PRICE_TIERS.filter((t) => o.logSearchRulePerMonth?.[t] !== undefined).map((t) => `logSearchRulePerMonth.${t}`),
    ...PRICE_TIERS.filter((t) => o.timeSeriesPerMonth?.[t] !== undefined).map((t) => `timeSeriesPerMonth.${t}`),
    ...(o.ingestionPerGb !== undefined ? ["ingestionPerGb"] : []),
    ...(o.timeSeriesPerSplitRule !== undefined ? ["timeSeriesPerSplitRule"] : []),
    ...Object.keys(o.gbPerDay ?? {}).map((k) => `gbPerDay.${k}`),
  ];
  // A table price stays unverified unless the stack replaced every value under it.
  const unverified = table.unverified.filter((k) => k === "ingestionPerGb" ? o.ingestionPerGb === undefined : PRICE_TIERS.some((t) => !overridden.includes(`${k}.${t}`)));
  return {
    currency: o.currency ?? table.currency,
    logSearchRulePerMonth: { ...table.logSearchRulePerMonth, ...definedOnly(o.logSearchRulePerMonth) },
    timeSeriesPerMonth: { ...table.timeSeriesPerMonth, ...definedOnly(o.timeSeriesPerMonth) },
    ingestionPerGb: o.ingestionPerGb ?? table.ingestionPerGb,
    timeSeriesPerSplitRule: o.timeSeriesPerSplitRule ?? table.timeSeriesPerSplitRule,
    gbPerDay: { ...table.gbPerDay, ...(o.gbPerDay ?? {}) },
    freeSources: table.freeSources,
    provenance: { read: table.read, sources: table.sources.map((s) => s.url), unverified, overridden },
  };
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The price tier of an evaluation frequency: the largest tier at most as frequent as the rule. */
export function priceTier(evaluationFrequency: string): PriceTier {
  const minutes = isoDurationMs(evaluationFrequency) / 60_000;
  let tier: PriceTier = PRICE_TIERS[0];
  for (const t of PRICE_TIERS) if (isoDurationMs(t) / 60_000 <= minutes) tier = t;
  return tier;
}

/** One log source the stack's detections read: `activityLog`, `entraId:<category>`, `diagnostics:<type>`, `agent:<os>`. */
export interface LogSourceUse {
  source: string;
  /** Tenants, resources or VMs sending it. */
  instances: number;
  /** true when the count is not known offline (one is assumed). */
  instancesAssumed: boolean;
  /** Deployed detections reading it. */
  detections: string[];
}

export function sourceIds(r: Requirement): string[] {
  switch (r.source) {
    case "activityLog":
      return ["activityLog"];
    case "entraId":
      return r.categories.map((c) => `entraId:${c}`);
    case "diagnostics":
      return [`diagnostics:${r.resourceType}`];
    case "agent":
      return [`agent:${r.os}`];
  }
}

/** The log sources the detections read, one instance of each assumed. */
export function logSourcesRead(detections: readonly ResolvedDetection[]): LogSourceUse[] {
  const bySource = new Map<string, LogSourceUse>();
  for (const d of detections) {
    for (const source of new Set(d.detection.requires.flatMap(sourceIds))) {
      const use = bySource.get(source) ?? { source, instances: 1, instancesAssumed: true, detections: [] };
      use.detections.push(d.key);
      bySource.set(source, use);
    }
  }
  return [...bySource.values()].sort((a, b) => a.source.localeCompare(b.source));
}


/**
 * The log sources the detections read, counted from the telemetry plan: each watched subscription,
 * the tenant, each resource with a diagnostic setting, each VM with the agent. A source that no
 * reader gets (every reader has a gap for it that is not pending) ingests nothing; one delivered
 * outside the stack (telemetry.provided) or by policy (pending or not) is counted once, as an
 * assumption.
 */
export function logSourcesDelivered(detections: readonly ResolvedDetection[], plan: TelemetryPlan, estate: Estate = { mode: "current" }): LogSourceUse[] {
  return logSourcesRead(detections).map((use) => {
    const deployed = stackInstances(plan, use.source, estate);
    if (deployed > 0) return { ...use, instances: deployed, instancesAssumed: false };
    const missing = (k: string) => (plan.gaps[k] ?? []).filter((g) => !(plan.pending[k] ?? []).includes(g));
    const noneReceive = use.detections.every((k) => missing(k).some((g) => gapIsAbout(g, use.source)));
    return noneReceive ? { ...use, instances: 0, instancesAssumed: false } : use;
  });
}

export interface CostEstimate {
  currency: string;
  /** Exact, from the price table: one line per price tier used. Activity-log alerts are free. */
  rules: {
    monthly: number;
    logSearch: number;
    /** Detections deployed as activity-log alerts (free). */
    activityLogFree: number;
    /** Activity-log alert resources: one per such detection and watched subscription. */
    activityLogAlerts: number;
    tiers: { tier: PriceTier; rules: number; pricePerRule: number; monthly: number }[];
    /**
     * Activity Log operation matches deployed as log search rules because of the estate (a
     * management group, or more subscriptions than activityLogAlertSubscriptionLimit): what they
     * cost, already in `monthly`.
     */
    estateLogSearch?: { rules: number; monthly: number; reason: string };
  };
  /** Estimate: rules split by dimensions, timeSeriesPerRule series each (the first is in the rule price). */
  timeSeries: {
    monthly: number;
    splitRules: number;
    timeSeriesPerRule: number;
    tiers: { tier: PriceTier; splitRules: number; extraSeries: number; pricePerSeries: number; monthly: number }[];
  };
  /** Estimate: GB/day assumptions x instances x days per month x price per GB. */
  ingestion: {
    monthly: number;
    gbPerMonth: number;
    pricePerGb: number;
    daysPerMonth: number;
    sources: { source: string; gbPerDayEach: number; instances: number; instancesAssumed: boolean; gbPerMonth: number; free: boolean; monthly: number; detections: number }[];
  };
  total: { exact: number; estimated: number; monthly: number };
  prices: PriceTable["provenance"];
}

const money = (x: number) => Math.round(x * 100) / 100;
const gb = (x: number) => Math.round(x * 1000) / 1000;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The monthly cost of deploying `detections` with `sources` feeding the workspace, for an estate. */
export function estimateCost(detections: readonly ResolvedDetection[], prices: PriceTable, sources: readonly LogSourceUse[], estate: Estate = { mode: "current" }): CostEstimate {
  const logSearch = detections.filter((d) => d.alertKind === "scheduledQuery");
  const tierOf = new Map(logSearch.map((d) => [d.key, priceTier(d.evaluationFrequency)]));
  const used = PRICE_TIERS.filter((t) => logSearch.some((d) => tierOf.get(d.key) === t));

  const ruleTiers = used.map((tier) => {
    const rules = logSearch.filter((d) => tierOf.get(d.key) === tier).length;
    return { tier, rules, pricePerRule: prices.logSearchRulePerMonth[tier], monthly: money(rules * prices.logSearchRulePerMonth[tier]) };
  });

  const split = logSearch.filter((d) => (d.trigger.dimensions ?? []).length > 0);
  const extraPerRule = prices.timeSeriesPerSplitRule - 1;
  const seriesTiers = used.map((tier) => {
    const splitRules = split.filter((d) => tierOf.get(d.key) === tier).length;
    const extraSeries = splitRules * extraPerRule;
    return { tier, splitRules, extraSeries, pricePerSeries: prices.timeSeriesPerMonth[tier], monthly: money(extraSeries * prices.timeSeriesPerMonth[tier]) };
  }).filter((t) => t.splitRules > 0);

  const ingestionSources = sources.map((s) => {
    const gbPerDayEach = prices.gbPerDay[s.source];
    if (gbPerDayEach === undefined) throw new Error(`no GB/day assumption for log source ${s.source} — add it to pricing/azure-monitor.json gbPerDay`);
    const free = prices.freeSources.includes(s.source);
    const gbPerMonth = gb(gbPerDayEach * s.instances * DAYS_PER_MONTH);
    return {
      source: s.source, gbPerDayEach, instances: s.instances, instancesAssumed: s.instancesAssumed, gbPerMonth, free,
      monthly: free ? 0 : money(gbPerMonth * prices.ingestionPerGb), detections: s.detections.length,
    };
  });

  const rulesMonthly = money(sum(ruleTiers.map((t) => t.monthly)));
  const switched = logSearch.filter((d) => d.logSearchBecause);
  const estateLogSearch = switched.length
    ? { rules: switched.length, monthly: money(sum(switched.map((d) => prices.logSearchRulePerMonth[tierOf.get(d.key)!]))), reason: switched[0].logSearchBecause! }
    : undefined;
  const activityLogDetections = detections.length - logSearch.length;
  const subscriptions = estate.mode === "subscriptions" ? estate.subscriptions.length : 1;
  const seriesMonthly = money(sum(seriesTiers.map((t) => t.monthly)));
  const ingestionMonthly = money(sum(ingestionSources.map((s) => s.monthly)));
  return {
    currency: prices.currency,
    rules: {
      monthly: rulesMonthly, logSearch: logSearch.length, activityLogFree: activityLogDetections, activityLogAlerts: activityLogDetections * subscriptions, tiers: ruleTiers,
      ...(estateLogSearch ? { estateLogSearch } : {}),
    },
    timeSeries: { monthly: seriesMonthly, splitRules: split.length, timeSeriesPerRule: prices.timeSeriesPerSplitRule, tiers: seriesTiers },
    ingestion: {
      monthly: ingestionMonthly,
      gbPerMonth: gb(sum(ingestionSources.filter((s) => !s.free).map((s) => s.gbPerMonth))),
      pricePerGb: prices.ingestionPerGb,
      daysPerMonth: DAYS_PER_MONTH,
      sources: ingestionSources,
    },
    total: { exact: rulesMonthly, estimated: money(seriesMonthly + ingestionMonthly), monthly: money(rulesMonthly + seriesMonthly + ingestionMonthly) },
    prices: prices.provenance,
  };
}
