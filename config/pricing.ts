// Stack config key `pricing`: overrides of the cost estimate's price table
// (pricing/azure-monitor.json) — another currency, negotiated prices, your own GB/day volumes.
import { z } from "zod";
import table from "../pricing/azure-monitor.json";
import { obj } from "./schema";

/** Evaluation-frequency price tiers of log search alert rules. */
export const PRICE_TIERS = ["PT1M", "PT5M", "PT10M", "PT15M"] as const;
export type PriceTier = (typeof PRICE_TIERS)[number];

/** Log sources the table has a GB/day assumption for (activityLog, entraId:<category>, diagnostics:<type>, agent:<os>). */
export const LOG_SOURCES = Object.keys(table.gbPerDay);

const money = z.number().min(0).finite();
const tierPrices = obj(Object.fromEntries(PRICE_TIERS.map((t) => [t, money.optional()])) as Record<PriceTier, z.ZodOptional<typeof money>>);

export const pricingSchema = obj({
  /** ISO 4217 code of every price given here. Another currency than the table's needs every price. */
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code such as USD or EUR").optional(),
  /** Price of one log search alert rule per month, per evaluation-frequency tier. */
  logSearchRulePerMonth: tierPrices.optional(),
  /** Price per month of each time series beyond the first of a rule split by dimensions, per tier. */
  timeSeriesPerMonth: tierPrices.optional(),
  /** Analytics Logs ingestion price per GB. */
  ingestionPerGb: money.optional(),
  /** Assumed time series per rule split by dimensions (distinct dimension values in a result). */
  timeSeriesPerSplitRule: z.number().int().min(1).max(5000).optional(),
  /** Assumed GB/day per instance of a log source (per tenant, resource or VM). */
  gbPerDay: z.record(z.string(), z.number().min(0).finite()).optional(),
}).superRefine((p, ctx) => {
  for (const k of Object.keys(p.gbPerDay ?? {})) {
    if (!LOG_SOURCES.includes(k)) ctx.addIssue({ code: "custom", path: ["gbPerDay", k], message: `unknown log source — expected one of: ${LOG_SOURCES.join(", ")}` });
  }
  // Prices in another currency cannot be mixed with the table's: every price must then be given.
  if (p.currency && p.currency !== table.currency) {
    const missing = [
      ...PRICE_TIERS.filter((t) => p.logSearchRulePerMonth?.[t] === undefined).map((t) => `logSearchRulePerMonth.${t}`),
      ...PRICE_TIERS.filter((t) => p.timeSeriesPerMonth?.[t] === undefined).map((t) => `timeSeriesPerMonth.${t}`),
      ...(p.ingestionPerGb === undefined ? ["ingestionPerGb"] : []),
    ];
    if (missing.length) ctx.addIssue({ code: "custom", path: ["currency"], message: `${p.currency} differs from the price table's ${table.currency} — give every price in ${p.currency} (missing: ${missing.join(", ")})` });
  }
});

export type PricingOverrides = z.infer<typeof pricingSchema>;
