// Alert routing config: action groups (receivers), routes (severity/tactic -> action groups),
// the unrouted-alert guard and maintenance windows. Stack keys: actionGroups, routes,
// allowUnroutedAlerts, maintenanceWindows. Everything here is checked before any resource is
// declared; errors name the key path.
//
// Secrets: webhook/runbook service URIs and Logic App callback URLs carry their credential in
// the URL: they are credentialUrl fields (config/credentials.ts), and no message produced here
// ever contains them.
import { z } from "zod";
import { TACTICS, type Severity, type Tactic } from "../detections/model";
import { GUID_PATTERN, obj, oneOf, resourceId, text } from "./schema";
import timeZones from "../azure/windows-time-zones.json";
import { distance } from "fastest-levenshtein";

const WINDOWS_TIME_ZONES = new Set(timeZones.windowsTimeZoneIds);
import { keyPath } from "./errors";
import { credentialUrl } from "./credentials";
import { SMS_COUNTRY_CODES } from "../azure/limits";

/**
 * Receivers of one kind Azure accepts per action group (Azure Monitor service limits, "Action
 * groups": 1,000 email; 10 SMS, runbook, webhook, secure webhook, logic app).
 */
export const RECEIVER_LIMITS = { emails: 1000, sms: 10, runbooks: 10, webhooks: 10, logicApps: 10 } as const;
/** An alert rule can reference at most 5 action groups (Azure Monitor action groups docs). */
export const MAX_ACTION_GROUPS_PER_RULE = 5;
/** Azure rejects longer groupShortName values (GroupShortNameIsTooLong). */
export const SHORT_NAME_MAX = 12;
/** Azure Monitor limits: "The character limit in an e-mail address is 64". */
export const EMAIL_MAX = 64;

export const SEVERITY_NAMES = ["Critical", "Error", "Warning", "Informational", "Verbose"] as const;
const SEVERITY_HELP = SEVERITY_NAMES.map((n, i) => `${i} (${n})`).join(", ");

/** A severity 0-4; anything else is reported as unknown with the allowed values. */
export const severitySchema = z.unknown().transform((v, ctx) => {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 4) return v as Severity;
  ctx.addIssue({ code: "custom", message: `unknown severity ${JSON.stringify(v)} — expected one of: ${SEVERITY_HELP}` });
  return z.NEVER;
});

// Deliberately simple: one @, no spaces or list separators, a dotted domain. Azure validates the
// mailbox itself (it sends a confirmation mail when a receiver is added).
const EMAIL = /^[^\s@"<>,;:()[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

const emailAddress = z.string().superRefine((s, ctx) => {
  if (!EMAIL.test(s)) ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} is not an email address — expected e.g. soc@example.com` });
  else if (s.length > EMAIL_MAX) ctx.addIssue({ code: "custom", message: `${JSON.stringify(s)} is ${s.length} characters — Azure accepts email addresses of at most ${EMAIL_MAX}` });
});

/** Receiver names are unique within a group; Azure shows them in the portal and notifications. */
const receiverName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,63}$/, "must be 1-64 letters, digits, spaces, '_', '.', '-', '(' or ')', starting with a letter or digit");

/** Phone numbers: digits only; YAML integers are accepted and read as digits. */
const digits = (what: string, example: string) =>
  z.union([z.string(), z.number().int().nonnegative()]).transform((v, ctx) => {
    const s = String(v);
    if (!/^\d+$/.test(s)) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)} is not a ${what} — digits only, no '+', spaces or dashes (e.g. ${example})` });
      return z.NEVER;
    }
    return s;
  });

const email = z.union([emailAddress, obj({ address: emailAddress, name: receiverName.optional() })]);

const sms = obj({
  /** ITU country calling code without '+', 1-3 digits (1 = US/Canada, 44 = UK, 49 = Germany). */
  countryCode: digits("country calling code", "1, 44, 49"),
  /** National number, digits only. */
  phoneNumber: digits("phone number", "2025550147"),
  name: receiverName.optional(),
}).superRefine((r, ctx) => {
  if (!(SMS_COUNTRY_CODES as readonly string[]).includes(r.countryCode)) {
    // Azure accepts any digits here and then sends nothing: only the documented countries get SMS.
    ctx.addIssue({ code: "custom", path: ["countryCode"], message: `${JSON.stringify(r.countryCode)} is not a country Azure sends SMS to — expected one of: ${SMS_COUNTRY_CODES.join(", ")} (learn.microsoft.com/azure/azure-monitor/alerts/action-groups, "Countries/Regions with SMS notification support"); elsewhere use a webhook to an SMS provider` });
  } else if (r.phoneNumber.length < 4 || r.countryCode.length + r.phoneNumber.length > 15) {
    ctx.addIssue({ code: "custom", path: ["phoneNumber"], message: `${JSON.stringify(r.phoneNumber)} has ${r.phoneNumber.length} digits — an E.164 number has at most 15 digits including the country code (${r.countryCode.length} here) and at least 4 after it` });
  }
});

const runbook = obj({
  name: receiverName.optional(),
  automationAccountId: resourceId("Microsoft.Automation/automationAccounts"),
  runbookName: z.string().min(1),
  webhookResourceId: resourceId("Microsoft.Automation/automationAccounts/webhooks"),
  /** The runbook webhook's URL (contains its token): set it with `pulumi config set --secret --path`. */
  serviceUri: credentialUrl("runbook webhook URL, which carries its token"),
  isGlobalRunbook: z.boolean(),
});

const webhook = obj({
  name: receiverName.optional(),
  /** Contains a token in most integrations: set it with `pulumi config set --secret --path`. */
  serviceUri: credentialUrl("webhook URL, which carries its token"),
  /** Secure webhook: Azure authenticates to the endpoint with an Entra ID token. */
  useAadAuth: z.boolean().optional(),
  /** Object id of the Entra application the token is issued for (secure webhook only). */
  objectId: z.string().regex(GUID_PATTERN, "must be a GUID (the Entra application's object id)").optional(),
  identifierUri: z.string().min(1).optional(),
  tenantId: z.string().regex(GUID_PATTERN, "must be a GUID (the Entra tenant id)").optional(),
}).superRefine((w, ctx) => {
  if (w.useAadAuth) {
    for (const k of ["objectId", "tenantId"] as const) {
      if (!w[k]) ctx.addIssue({ code: "custom", path: [k], message: `required when useAadAuth is true — the ${k === "objectId" ? "object id of the Entra application that protects the endpoint" : "tenant of that application"}` });
    }
  } else {
    for (const k of ["objectId", "identifierUri", "tenantId"] as const) {
      if (w[k] !== undefined) ctx.addIssue({ code: "custom", path: [k], message: "only used by secure webhooks — set useAadAuth: true or remove it" });
    }
  }
});

const logicApp = obj({
  name: receiverName.optional(),
  resourceId: resourceId("Microsoft.Logic/workflows"),
  /** The trigger's callback URL (contains its SAS signature): set it with `pulumi config set --secret --path`. */
  callbackUrl: credentialUrl("Logic App trigger URL, which carries its SAS signature"),
});

const upn = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be a user principal name such as alice@contoso.onmicrosoft.com");

const entraGroup = obj({
  displayName: z.string().min(1).optional(),
  objectId: z.string().regex(GUID_PATTERN, "must be a GUID (the group's object id)").optional(),
  /** Include members of nested groups. */
  transitive: z.boolean().optional(),
}).superRefine((g, ctx) => {
  if ((g.displayName === undefined) === (g.objectId === undefined)) {
    ctx.addIssue({ code: "custom", message: "set exactly one of displayName or objectId (objectId is safer: display names are not unique)" });
  }
});

const RECEIVER_KEYS = ["emails", "sms", "runbooks", "webhooks", "logicApps", "entraGroup", "entraUsers"] as const;

const actionGroup = obj({
  /** Reference an action group the stack does not manage (never modified or deleted). */
  existingId: resourceId("Microsoft.Insights/actionGroups").optional(),
  /** Shown as the sender of SMS and in emails: at most 12 characters. */
  shortName: z.string().min(1).optional(),
  /** Default true; false keeps the group but Azure sends nothing through it. */
  enabled: z.boolean().optional(),
  emails: z.array(email).optional(),
  sms: z.array(sms).optional(),
  runbooks: z.array(runbook).optional(),
  webhooks: z.array(webhook).optional(),
  logicApps: z.array(logicApp).optional(),
  /** Members of this Entra ID group receive email (resolved at deploy time). */
  entraGroup: entraGroup.optional(),
  /** These users receive email at their mail address (resolved at deploy time). */
  entraUsers: z.array(upn).optional(),
}).superRefine((g, ctx) => {
  if (g.existingId !== undefined) {
    const extra = Object.keys(g).filter((k) => k !== "existingId");
    if (extra.length) ctx.addIssue({ code: "custom", message: `existingId references an action group the stack does not manage — remove ${extra.join(", ")}, or remove existingId to create one` });
    return;
  }
  if (g.shortName === undefined) ctx.addIssue({ code: "custom", path: ["shortName"], message: `required — 1-${SHORT_NAME_MAX} characters, shown as the SMS sender and in emails (or set existingId to use an existing group)` });
  else if (g.shortName.length > SHORT_NAME_MAX) ctx.addIssue({ code: "custom", path: ["shortName"], message: `${JSON.stringify(g.shortName)} is ${g.shortName.length} characters — Azure allows at most ${SHORT_NAME_MAX}` });
  if (!RECEIVER_KEYS.some((k) => k === "entraGroup" ? g.entraGroup !== undefined : (g[k]?.length ?? 0) > 0)) {
    ctx.addIssue({ code: "custom", message: `has no receivers — add at least one of: ${RECEIVER_KEYS.join(", ")} (or set existingId)` });
  }
  for (const [k, max] of Object.entries(RECEIVER_LIMITS) as [keyof typeof RECEIVER_LIMITS, number][]) {
    const n = g[k]?.length ?? 0;
    if (n > max) ctx.addIssue({ code: "custom", path: [k], message: `${n} receivers — Azure allows at most ${max} ${k} receivers per action group; split them across groups` });
  }
  // Names are unique within the group, across kinds (explicit ones and the defaults we derive).
  const seen = new Map<string, string>();
  for (const r of staticReceiverNames(g)) {
    const at = `${r.path[0]}[${r.path[1]}]`;
    const prev = seen.get(r.name.toLowerCase());
    if (prev) ctx.addIssue({ code: "custom", path: r.path, message: `receiver name ${JSON.stringify(r.name)} is already used by ${prev} — receiver names must be unique within an action group` });
    else seen.set(r.name.toLowerCase(), at);
  }
});

/** Azure-side names of the static receivers, with their config path. Stable: derived from position, never from URIs. */
function staticReceiverNames(g: RawActionGroup): { name: string; path: (string | number)[] }[] {
  const out: { name: string; path: (string | number)[] }[] = [];
  (g.emails ?? []).forEach((e, i) => out.push({ name: (typeof e === "string" ? undefined : e.name) ?? defaultReceiverName("emails", i), path: ["emails", i] }));
  for (const k of ["sms", "runbooks", "webhooks", "logicApps"] as const) {
    (g[k] ?? []).forEach((r, i) => out.push({ name: r.name ?? defaultReceiverName(k, i), path: [k, i] }));
  }
  return out;
}

const DEFAULT_PREFIX = { emails: "email", sms: "sms", runbooks: "runbook", webhooks: "webhook", logicApps: "logicapp" } as const;
/** `email-1`, `webhook-2`, ...: the default name of the i-th receiver of a kind. */
export function defaultReceiverName(kind: keyof typeof DEFAULT_PREFIX, index: number): string {
  return `${DEFAULT_PREFIX[kind]}-${index + 1}`;
}

const NAME_RULE = "must be 1-40 letters, digits, '_' or '-', starting with a letter or digit (it becomes part of the Azure name)";
const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, NAME_RULE);

const route = obj({
  severities: z.array(severitySchema).min(1, "list at least one severity (0-4)"),
  /** Only detections of these tactics; default all tactics. */
  tactics: z.array(oneOf(TACTICS)).min(1, "list at least one tactic, or remove tactics to match all").optional(),
  /** Names from actionGroups. */
  actionGroups: z.array(z.string().min(1)).min(1, "list at least one action group name"),
});

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, "must be a time of day HH:mm:ss, e.g. 22:00:00");
const localDateTime = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, "must be a date-time without time zone, yyyy-MM-ddTHH:mm:ss (the window's timeZone applies)")
  .refine((s) => {
    // The pattern lets 2026-02-30 through; a date exists when the calendar gives it back unchanged.
    const [y, m, d] = s.slice(0, 10).split("-").map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
  }, { error: (iss) => `${JSON.stringify(iss.input)} is not a date that exists (${String(iss.input).slice(0, 10)})` });

/** Windows time zone ids (what alert processing rules take), from the Unicode CLDR (azure/windows-time-zones.json). */
const timeZone = z.string().refine((s) => WINDOWS_TIME_ZONES.has(s), {
  error: (iss) => {
    const given = String(iss.input).toLowerCase();
    const near = [...WINDOWS_TIME_ZONES].map((z) => ({ z, d: distance(given, z.toLowerCase()) })).filter((x) => x.d <= 10).sort((a, b) => a.d - b.d).map((x) => x.z);
    return `${JSON.stringify(iss.input)} is not a Windows time zone id — ${near.length ? `did you mean ${near.slice(0, 3).map((n) => JSON.stringify(n)).join(", ")}? ` : ""}expected e.g. "UTC", "W. Europe Standard Time", "Eastern Standard Time" (azure/windows-time-zones.json lists them)`;
  },
});
export const DAYS_OF_WEEK = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

const recurrence = obj({
  type: oneOf(["Daily", "Weekly", "Monthly"]),
  startTime: clock.optional(),
  endTime: clock.optional(),
  daysOfWeek: z.array(oneOf(DAYS_OF_WEEK)).min(1).optional(),
  daysOfMonth: z.array(z.number().int().min(1).max(31)).min(1).optional(),
}).superRefine((r, ctx) => {
  if ((r.startTime === undefined) !== (r.endTime === undefined)) ctx.addIssue({ code: "custom", message: "set both startTime and endTime, or neither (the whole day)" });
  if (r.type === "Weekly" && !r.daysOfWeek) ctx.addIssue({ code: "custom", path: ["daysOfWeek"], message: `required for a Weekly recurrence — e.g. [Saturday, Sunday]` });
  if (r.type === "Monthly" && !r.daysOfMonth) ctx.addIssue({ code: "custom", path: ["daysOfMonth"], message: "required for a Monthly recurrence — e.g. [1, 15]" });
  if (r.type !== "Weekly" && r.daysOfWeek) ctx.addIssue({ code: "custom", path: ["daysOfWeek"], message: `only for type Weekly (this recurrence is ${r.type})` });
  if (r.type !== "Monthly" && r.daysOfMonth) ctx.addIssue({ code: "custom", path: ["daysOfMonth"], message: `only for type Monthly (this recurrence is ${r.type})` });
});

const maintenanceWindow = obj({
  name: text().pipe(groupName),
  description: z.string().max(2048).optional(),
  /** Default true. */
  enabled: z.boolean().optional(),
  /** Windows time zone id, e.g. "W. Europe Standard Time"; default UTC. */
  timeZone: timeZone.optional(),
  effectiveFrom: localDateTime.optional(),
  effectiveUntil: localDateTime.optional(),
  recurrences: z.array(recurrence).min(1).optional(),
  /** Only silence detections of these configured severities / tactics (default: all of this stack's rules). */
  severities: z.array(severitySchema).min(1).optional(),
  tactics: z.array(oneOf(TACTICS)).min(1).optional(),
}).superRefine((w, ctx) => {
  if (!w.recurrences && !(w.effectiveFrom && w.effectiveUntil)) {
    ctx.addIssue({ code: "custom", message: "a window needs recurrences, or both effectiveFrom and effectiveUntil — otherwise it would silence every alert permanently" });
  }
  if (w.effectiveFrom && w.effectiveUntil && w.effectiveUntil <= w.effectiveFrom) {
    ctx.addIssue({ code: "custom", path: ["effectiveUntil"], message: `${w.effectiveUntil} is not after effectiveFrom ${w.effectiveFrom}` });
  }
});

/** The routing keys of the stack config schema (spread into stackConfigSchema). */
export const routingConfigShape = {
  /** Action groups by name: receivers the stack manages, or {existingId} to reference one. */
  actionGroups: z.record(groupName, actionGroup, { error: (iss) => (iss.code === "invalid_key" ? `invalid action group name — ${NAME_RULE}` : undefined) }).optional(),
  /** Every deployed rule gets the action groups of all routes matching its severity (and tactic). */
  routes: z.array(route).optional(),
  /** false (default): a deployed rule no route matches is a config error. */
  allowUnroutedAlerts: z.boolean().optional(),
  /** Alert processing rules that silence this stack's notifications on a schedule (default none). */
  maintenanceWindows: z.array(maintenanceWindow).optional(),
};

type RawActionGroup = z.infer<typeof actionGroup>;
type RawRouting = { [K in keyof typeof routingConfigShape]?: z.infer<(typeof routingConfigShape)[K]> };

// ---------------------------------------------------------------------------------------------
// The normalised routing config.

export interface EmailReceiverSpec { name: string; address: string }
export interface SmsReceiverSpec { name: string; countryCode: string; phoneNumber: string }
export interface RunbookReceiverSpec { name: string; automationAccountId: string; runbookName: string; webhookResourceId: string; serviceUri: string; isGlobalRunbook: boolean }
export interface WebhookReceiverSpec { name: string; serviceUri: string; useAadAuth: boolean; objectId?: string; identifierUri?: string; tenantId?: string }
export interface LogicAppReceiverSpec { name: string; resourceId: string; callbackUrl: string }

/**
 * An action group by config name: one the stack manages, or an existing one referenced by id. The id
 * type is a parameter so a Pulumi program embedding the suite can pass an Output (components/).
 */
export type ActionGroupSpec<Id = string> =
  | { mode: "existing"; name: string; id: Id }
  | {
      mode: "managed";
      name: string;
      shortName: string;
      enabled: boolean;
      emails: EmailReceiverSpec[];
      sms: SmsReceiverSpec[];
      runbooks: RunbookReceiverSpec[];
      webhooks: WebhookReceiverSpec[];
      logicApps: LogicAppReceiverSpec[];
      entraGroup?: { displayName?: string; objectId?: string; transitive: boolean };
      entraUsers: string[];
    };

export interface Route { severities: Severity[]; tactics?: Tactic[]; actionGroups: string[] }

export interface MaintenanceWindow {
  name: string;
  description?: string;
  enabled: boolean;
  timeZone: string;
  effectiveFrom?: string;
  effectiveUntil?: string;
  recurrences: { type: "Daily" | "Weekly" | "Monthly"; startTime?: string; endTime?: string; daysOfWeek?: string[]; daysOfMonth?: number[] }[];
  severities?: Severity[];
  tactics?: Tactic[];
}

export interface RoutingConfig<Id = string> {
  actionGroups: Record<string, ActionGroupSpec<Id>>;
  routes: Route[];
  allowUnroutedAlerts: boolean;
  maintenanceWindows: MaintenanceWindow[];
}

/** Apply defaults and cross-check names. Returns problems instead of throwing (the caller collects them). */
export function normaliseRouting(raw: RawRouting, problems: string[]): RoutingConfig {
  const actionGroups: Record<string, ActionGroupSpec> = {};
  for (const [name, g] of Object.entries(raw.actionGroups ?? {})) {
    if (g.existingId) {
      actionGroups[name] = { mode: "existing", name, id: g.existingId };
      continue;
    }
    const named = staticReceiverNames(g);
    const nameAt = (kind: string, i: number) => named.find((r) => r.path[0] === kind && r.path[1] === i)!.name;
    actionGroups[name] = {
      mode: "managed",
      name,
      shortName: g.shortName!,
      enabled: g.enabled ?? true,
      emails: (g.emails ?? []).map((e, i) => ({ name: nameAt("emails", i), address: typeof e === "string" ? e : e.address })),
      sms: (g.sms ?? []).map((s, i) => ({ name: nameAt("sms", i), countryCode: s.countryCode, phoneNumber: s.phoneNumber })),
      runbooks: (g.runbooks ?? []).map((r, i) => ({ ...r, name: nameAt("runbooks", i) })),
      webhooks: (g.webhooks ?? []).map((w, i) => ({ ...w, name: nameAt("webhooks", i), useAadAuth: w.useAadAuth ?? false })),
      logicApps: (g.logicApps ?? []).map((l, i) => ({ ...l, name: nameAt("logicApps", i) })),
      entraGroup: g.entraGroup ? { displayName: g.entraGroup.displayName, objectId: g.entraGroup.objectId, transitive: g.entraGroup.transitive ?? false } : undefined,
      entraUsers: [...new Set(g.entraUsers ?? [])],
    };
  }
  const defined = Object.keys(actionGroups);
  const routes: Route[] = (raw.routes ?? []).map((r, i) => {
    r.actionGroups.forEach((n, j) => {
      if (!actionGroups[n]) {
        problems.push(`${keyPath(["routes", i, "actionGroups", j])}: unknown action group ${JSON.stringify(n)} — expected one of: ${defined.length ? defined.join(", ") : "(none: define it under azdetect:actionGroups)"}`);
      }
    });
    return { severities: [...new Set(r.severities)], tactics: r.tactics ? [...new Set(r.tactics)] : undefined, actionGroups: [...new Set(r.actionGroups)] };
  });
  const windowNames = new Set<string>();
  const maintenanceWindows: MaintenanceWindow[] = (raw.maintenanceWindows ?? []).map((w, i) => {
    if (windowNames.has(w.name)) problems.push(`${keyPath(["maintenanceWindows", i, "name"])}: ${JSON.stringify(w.name)} is already used by another window — names must be unique`);
    windowNames.add(w.name);
    return { ...w, enabled: w.enabled ?? true, timeZone: w.timeZone ?? "UTC", recurrences: w.recurrences ?? [] };
  });
  return { actionGroups, routes, allowUnroutedAlerts: raw.allowUnroutedAlerts ?? false, maintenanceWindows };
}

/** Names of the action groups of every route matching a severity and tactic, in route order. */
export function actionGroupNamesFor(routing: Pick<RoutingConfig<unknown>, "routes">, severity: Severity, tactic: Tactic): string[] {
  const out: string[] = [];
  for (const r of routing.routes) {
    if (!r.severities.includes(severity)) continue;
    if (r.tactics && !r.tactics.includes(tactic)) continue;
    for (const n of r.actionGroups) if (!out.includes(n)) out.push(n);
  }
  return out;
}

/**
 * Per deployed rule: at least one action group (unless allowUnroutedAlerts) and at most the 5
 * Azure accepts. Activity-log alerts have no severity in Azure (they show as Sev4); routing uses
 * the detection's configured severity for both kinds.
 */
export function routeProblems(routing: Pick<RoutingConfig<unknown>, "actionGroups" | "routes" | "allowUnroutedAlerts">, detections: readonly { key: string; severity: Severity; detection: { tactic: Tactic } }[]): string[] {
  const problems: string[] = [];
  const unrouted: string[] = [];
  // A disabled group sends nothing: a rule routed only to disabled groups is unrouted.
  const sends = (n: string) => { const g = routing.actionGroups[n]; return g !== undefined && (g.mode === "existing" || g.enabled); };
  for (const d of detections) {
    const groups = actionGroupNamesFor(routing, d.severity, d.detection.tactic);
    if (!groups.some(sends)) unrouted.push(`${d.key} (severity ${d.severity}, ${d.detection.tactic})${groups.length ? ` (its action groups ${groups.join(", ")} are disabled)` : ""}`);
    if (groups.length > MAX_ACTION_GROUPS_PER_RULE) {
      problems.push(`${keyPath(["routes"])}: ${d.key} (severity ${d.severity}, ${d.detection.tactic}) matches ${groups.length} action groups (${groups.join(", ")}) — Azure allows at most ${MAX_ACTION_GROUPS_PER_RULE} per rule; merge receivers into fewer groups or narrow the routes`);
    }
  }
  if (unrouted.length && !routing.allowUnroutedAlerts) {
    problems.push(
      `${keyPath(["routes"])}: ${unrouted.length} deployed rule${unrouted.length === 1 ? "" : "s"} would notify nobody — no route matches ${unrouted.join(", ")}. ` +
        `Add a route for ${unrouted.length === 1 ? "its" : "their"} severit${unrouted.length === 1 ? "y" : "ies"} (e.g. {severities: [0, 1, 2, 3, 4], actionGroups: [soc]}), ` +
        `or set azdetect:allowUnroutedAlerts: true to deploy alerts that only appear in the portal`,
    );
  }
  return problems;
}
