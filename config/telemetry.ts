// Stack config key `telemetry`: which telemetry sources the stack deploys next to the rules, on
// which targets. What the selected detections need is derived (planning/telemetry.ts); this
// file only validates what the user wrote and fills in defaults.
import { z } from "zod";
import { ACTIVITY_LOG_CATEGORIES, ENTRA_CATEGORIES, SYSLOG_LEVELS } from "../detections/model";
import { DIAGNOSTIC_TYPES, STORAGE_ACCOUNT_TYPE, SYSLOG_FACILITIES, diagnosticTypeKey } from "../azure/telemetry-sources";
import { xPathProblems } from "../azure/limits";
import { obj, oneOf, parseResourceId, region, resourceId } from "./schema";

/** A string matching `re`; the error shows the value and what was expected. */
const matching = (re: RegExp, expected: string) => z.string().regex(re, { error: (iss) => `${JSON.stringify(iss.input)} ${expected}` });

const TARGET_TYPES = [...Object.keys(DIAGNOSTIC_TYPES), STORAGE_ACCOUNT_TYPE];

/** Categories a target of this (parsed) resource type may list. */
function categoriesFor(type: string): readonly string[] {
  const key = diagnosticTypeKey(type);
  if (key) return DIAGNOSTIC_TYPES[key].categories;
  // A storage account stands for its services, which share one category set.
  return DIAGNOSTIC_TYPES["Microsoft.Storage/storageAccounts/blobServices"].categories;
}

const diagnosticsTarget = obj({
  /** A resource of a supported type, or a storage account (its blob/file/queue/table services). */
  resourceId: resourceId(),
  /** Exactly these categories; default: the categories the selected detections need for this type. */
  categories: z.array(z.string().min(1)).min(1).optional(),
}).superRefine((t, ctx) => {
  const parsed = parseResourceId(t.resourceId);
  if (!parsed) return; // resourceId() already reported it
  const known = diagnosticTypeKey(parsed.type) ?? (parsed.type.toLowerCase() === STORAGE_ACCOUNT_TYPE.toLowerCase() ? STORAGE_ACCOUNT_TYPE : undefined);
  if (!known) {
    ctx.addIssue({ code: "custom", path: ["resourceId"], message: `${JSON.stringify(t.resourceId)} is a ${parsed.type} — expected a resource of one of: ${TARGET_TYPES.join(", ")}` });
    return;
  }
  const allowed = categoriesFor(known);
  (t.categories ?? []).forEach((c, i) => {
    if (!allowed.includes(c)) ctx.addIssue({ code: "custom", path: ["categories", i], message: `${JSON.stringify(c)} is not a log category of ${known} — expected one of: ${allowed.join(", ")}` });
  });
});

const vm = obj({
  id: resourceId("Microsoft.Compute/virtualMachines"),
  os: oneOf(["windows", "linux"]),
  /** Region of the VM (the extension must be declared there); default: the stack's location. */
  location: region.optional(),
  /** false when the Azure Monitor Agent is already installed (by policy, Defender, or by hand): only the DCR association is created. */
  installAgent: z.boolean().optional(),
});

const windowsEvent = obj({
  /** `<channel>!<XPath>`, e.g. Security!*[System[(EventID=4688)]]; checked as Azure Monitor reads it (azure/limits.ts xPathProblems). */
  xPath: z.string().superRefine((q, ctx) => {
    for (const message of xPathProblems(q)) ctx.addIssue({ code: "custom", message });
  }),
  stream: oneOf(["Microsoft-Event", "Microsoft-SecurityEvent"]),
});

const syslogSource = obj({
  facility: oneOf(SYSLOG_FACILITIES),
  minimumLevel: oneOf(SYSLOG_LEVELS),
});

const uniqueBy = <T>(key: (x: T) => string, what: string) => (xs: T[], ctx: z.RefinementCtx) => {
  const seen = new Map<string, number>();
  xs.forEach((x, i) => {
    const k = key(x).toLowerCase();
    if (seen.has(k)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate ${what} ${JSON.stringify(key(x))} (also at index ${seen.get(k)})` });
    else seen.set(k, i);
  });
};

/** What a policy assignment of the stack can deliver: the Activity Log (management group), resource logs, the agent. */
export const POLICY_SOURCES = ["activityLog", "resourceLogs", "agent"] as const;
export type PolicySource = (typeof POLICY_SOURCES)[number];

/** Telemetry delivered to the workspace outside this stack: not deployed, not reported as a gap. */
const PROVIDED = /^(activityLog(:[A-Za-z]+)?|entraId(:[A-Za-z]+)?|diagnostics:[A-Za-z0-9.]+(\/[A-Za-z0-9/]+)?|agent:(windows|linux))$/;

export const telemetrySchema = obj({
  activityLog: obj({
    /** Export the subscription's Activity Log to the workspace (default true). */
    enabled: z.boolean().optional(),
    /** Exactly these categories; default: those the selected detections need. */
    categories: z.array(oneOf(ACTIVITY_LOG_CATEGORIES)).min(1).optional(),
  }).optional(),
  entraId: obj({
    /** Tenant-level export: needs Security Administrator or Global Administrator (default false). */
    enabled: z.boolean().optional(),
    categories: z.array(oneOf(ENTRA_CATEGORIES as [string, ...string[]])).min(1).optional(),
  }).optional(),
  diagnostics: obj({
    targets: z.array(diagnosticsTarget).superRefine(uniqueBy((t) => t.resourceId, "resource id")).optional(),
  }).optional(),
  agent: obj({
    vms: z.array(vm).superRefine(uniqueBy((v) => v.id, "VM id")).optional(),
    /** Extra Windows events to collect on top of what the detections need. */
    windowsEvents: z.array(windowsEvent).optional(),
    /** Extra syslog facilities to collect on top of what the detections need. */
    syslog: z.array(syslogSource).optional(),
    /** Leave the agent extension installed on `pulumi destroy` (default true): other DCRs may rely on it. */
    keepAgentOnDestroy: z.boolean().optional(),
  }).optional(),
  policy: obj({
    /** Assign Azure's built-in DeployIfNotExists initiatives at subscription scope (default false). */
    enabled: z.boolean().optional(),
    /** Resource logs (allLogs category group) of supported types to the workspace (default true when enabled). */
    resourceLogs: z.boolean().optional(),
    /** Azure Monitor Agent + association with the stack's DCRs on every Windows/Linux VM (default true when enabled). */
    agent: z.boolean().optional(),
    /**
     * Policy-delivered sources you have seen compliant (every assignment's compliance at 100%):
     * until listed they are reported as pending, not delivered (default none).
     */
    remediated: z.array(oneOf(POLICY_SOURCES)).optional(),
    /** Part of the remediation tasks' names: a new value creates new tasks (run one after Azure's first compliance scan). Default 1. */
    remediationRound: z.number().int().min(1).max(9999).optional(),
  }).optional(),
  /** Sources already delivered to the workspace by something else, e.g. "activityLog", "entraId:SignInLogs", "diagnostics:Microsoft.KeyVault/vaults", "agent:windows". */
  provided: z.array(matching(PROVIDED, "must be activityLog[:<category>], entraId[:<category>], diagnostics:<resource type> or agent:windows|linux")).optional(),
  /** Do not deploy detections whose telemetry is missing (default false: deploy them and report the gap). */
  skipDetectionsWithoutTelemetry: z.boolean().optional(),
});

export type RawTelemetryConfig = z.infer<typeof telemetrySchema>;

export interface TelemetryConfig {
  activityLog: { enabled: boolean; categories?: string[] };
  entraId: { enabled: boolean; categories?: string[] };
  diagnostics: { targets: { resourceId: string; categories?: string[] }[] };
  agent: {
    vms: { id: string; os: "windows" | "linux"; location?: string; installAgent: boolean }[];
    windowsEvents: { xPath: string; stream: "Microsoft-Event" | "Microsoft-SecurityEvent" }[];
    syslog: { facility: string; minimumLevel: (typeof SYSLOG_LEVELS)[number] }[];
    keepAgentOnDestroy: boolean;
  };
  policy: { enabled: boolean; resourceLogs: boolean; agent: boolean; remediated: PolicySource[]; remediationRound: number };
  provided: string[];
  skipDetectionsWithoutTelemetry: boolean;
}

/** Defaults for a validated `telemetry` value (undefined = key absent). */
export function telemetryConfig(t: RawTelemetryConfig | undefined): TelemetryConfig {
  const policyOn = t?.policy?.enabled ?? false;
  return {
    activityLog: { enabled: t?.activityLog?.enabled ?? true, categories: t?.activityLog?.categories },
    entraId: { enabled: t?.entraId?.enabled ?? false, categories: t?.entraId?.categories },
    diagnostics: { targets: t?.diagnostics?.targets ?? [] },
    agent: {
      vms: (t?.agent?.vms ?? []).map((v) => ({ ...v, installAgent: v.installAgent ?? true })),
      windowsEvents: t?.agent?.windowsEvents ?? [],
      syslog: t?.agent?.syslog ?? [],
      keepAgentOnDestroy: t?.agent?.keepAgentOnDestroy ?? true,
    },
    policy: {
      enabled: policyOn,
      resourceLogs: policyOn && (t?.policy?.resourceLogs ?? true),
      agent: policyOn && (t?.policy?.agent ?? true),
      remediated: [...new Set(t?.policy?.remediated ?? [])],
      remediationRound: t?.policy?.remediationRound ?? 1,
    },
    provided: t?.provided ?? [],
    skipDetectionsWithoutTelemetry: t?.skipDetectionsWithoutTelemetry ?? false,
  };
}
