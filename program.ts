// The Pulumi program as a function: read and validate config, resolve the catalogue, declare the
// suite. index.ts calls it; the tests and `npm run plan` call it under Pulumi's mocks.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CREDENTIAL_FIELDS, parseStackConfig, rawFromPulumiConfig, type StackConfig } from "./config";
import { plaintextCredentialProblem, plaintextCredentials, readStackFileValues, type CredentialAt } from "./config/credentials";
import { coverageSummary } from "./planning/coverage";
import { DAYS_PER_MONTH, estimateCost, logSourcesDelivered, priceTable, type CostEstimate } from "./planning/cost";
import { entraAllowlistLookups, resolveDetections, type ResolvedDetection } from "./planning/resolve";
import { ConfigError } from "./config/errors";
import { routeProblems } from "./config/routing";
import { DetectionSuite, type DetectionSuiteArgs } from "./components/DetectionSuite";
import type { ProviderSettings } from "./components/WatchedSubscriptions";
import { withoutPromiseStacks } from "./components/promiseStacks";
import type { Detection } from "./detections/model";
import { applyTelemetry, type TelemetryPlan } from "./planning/telemetry";
import { estateTelemetry, telemetryBySubscriptionOutput, withIngestionCost, type ScopeTelemetry } from "./planning/estate";

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
  /** Per watched subscription (or the management group): sources delivered, pending, missing (also the stack output telemetryBySubscription). */
  estate: ScopeTelemetry[];
}

/**
 * Validates everything before the first resource is declared, then declares the suite. projectDir
 * holds Pulumi.yaml and the stack files (the working directory under `pulumi up`).
 */
export function runProgram(catalogue?: readonly Detection[], projectDir = process.cwd()): Program {
  const config = loadConfig(projectDir);
  const telemetry = applyTelemetry(resolveDetections(config, catalogue), config.telemetry, config.estate);
  const detections = telemetry.detections;
  const unrouted = routeProblems(config.routing, detections);
  if (unrouted.length) throw new ConfigError(unrouted);
  for (const w of telemetry.warnings) void pulumi.log.warn(w);
  const suite = withoutPromiseStacks(() => new DetectionSuite("azdetect", suiteArgs(config, detections, telemetry.plan)));
  const prices = priceTable(config.pricing);
  const cost = estimateCost(detections, prices, logSourcesDelivered(detections, telemetry.plan, config.estate), config.estate);
  const estate = withIngestionCost(estateTelemetry(detections, config.telemetry, config.estate, telemetry.plan), prices, DAYS_PER_MONTH);
  const outputs = {
    resourceGroupName: suite.resourceGroupName,
    workspaceId: suite.workspaceId,
    rules: suite.rules,
    // Ids only: receivers (and their secret URIs) never become outputs.
    actionGroups: suite.actionGroups,
    coverage: coverageSummary(detections, telemetry.plan.gaps),
    telemetryGaps: telemetry.plan.gaps,
    telemetryBySubscription: telemetryBySubscriptionOutput(estate),
    costEstimate: cost,
  };
  return { config, detections, suite, outputs, telemetry: telemetry.plan, warnings: telemetry.warnings, cost, estate };
}

/** Settings an explicit provider does not take from the stack's `azure-native:` config by itself. */
const PROVIDER_KEYS = [
  "auxiliaryTenantIds", "clientCertificatePath", "clientId", "disableInstanceDiscovery", "disablePulumiPartnerId", "environment", "location",
  "metadataHost", "msiEndpoint", "oidcRequestUrl", "oidcTokenFilePath", "partnerId", "tenantId", "useDefaultAzureCredential", "useMsi", "useOidc",
] as const;
const PROVIDER_SECRET_KEYS = ["clientCertificatePassword", "clientSecret", "oidcRequestToken", "oidcToken"] as const;

/**
 * The `azure-native:` settings of the stack, for the per-subscription providers (which read only
 * the environment otherwise); secrets stay secrets.
 */
function providerSettingsFromConfig(): ProviderSettings {
  const c = new pulumi.Config("azure-native");
  const out: Record<string, unknown> = {};
  for (const k of PROVIDER_KEYS) {
    const v = c.get(k);
    if (v === undefined) continue;
    out[k] = v === "true" || v === "false" ? v === "true" : k === "auxiliaryTenantIds" ? (JSON.parse(v) as string[]) : v;
  }
  for (const k of PROVIDER_SECRET_KEYS) {
    const v = c.getSecret(k);
    if (v !== undefined) out[k] = v;
  }
  return out as ProviderSettings;
}

/**
 * The suite's args for a stack config. The stack keeps the names it has always had: Azure names
 * carry the stack name, and children keep their Pulumi names (no prefix), so deployed stacks see no
 * replacement (test/urns.spec.ts).
 */
export function suiteArgs(config: StackConfig, detections: ResolvedDetection[], telemetry: TelemetryPlan): DetectionSuiteArgs {
  const ws = config.workspace;
  return {
    location: config.location,
    resourceGroup: config.createResourceGroup ? { create: { name: config.resourceGroupName } } : { name: config.resourceGroupName },
    workspace: ws.mode === "existing" ? { id: ws.id } : { create: { name: ws.name, sku: ws.sku, retentionInDays: ws.retentionInDays, retainOnDelete: ws.retainOnDelete } },
    detections,
    routing: config.routing,
    telemetry,
    entraAllowlists: entraAllowlistLookups(config),
    skipQueryValidation: config.skipQueryValidation,
    tags: config.tags,
    estate: config.estate,
    ...(config.estate.mode === "subscriptions" ? { providerSettings: providerSettingsFromConfig() } : {}),
    policyRemediationRound: config.telemetry.policy.remediationRound,
    identity: config.stack,
    childNamePrefix: "",
  };
}

/**
 * The stack config, refusing credentials stored in plain text. Pulumi tells the program which config
 * keys were set with --secret (the language host passes them in PULUMI_CONFIG_SECRET_KEYS; the SDK
 * answers runtime.isConfigSecret), but per top-level key only: one encrypted webhook makes all of
 * `actionGroups` secret. So the stack file, when it is in the project, is read too, value by value.
 */
function loadConfig(projectDir: string): StackConfig {
  const project = pulumi.getProject(), stack = pulumi.getStack();
  const raw = rawFromPulumiConfig(pulumi.runtime.allConfig(), project);
  const isSecret = configKeyIsSecret();
  const plaintext = [...plaintextCredentials(raw, CREDENTIAL_FIELDS, (k) => isSecret(`${project}:${k}`)), ...plaintextInStackFile(projectDir, project, stack)];
  const problems = [...new Set(plaintext.map(plaintextCredentialProblem))];
  return parseStackConfig(raw, stack, problems);
}

/** Pulumi's runtime.isConfigSecret (internal to the SDK's typings, exported at run time; test/credentials.spec.ts pins it). */
function configKeyIsSecret(): (key: string) => boolean {
  const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  // Fail closed: without it, a credential in plain text would deploy unnoticed.
  if (typeof isConfigSecret !== "function") throw new Error("@pulumi/pulumi no longer answers runtime.isConfigSecret: azdetect cannot tell whether credentials are encrypted (see config/credentials.ts)");
  return isConfigSecret;
}

/** Credentials written in plain text in this stack's Pulumi.<stack>.yaml (in Pulumi.yaml's stackConfigDir, if set). */
function plaintextInStackFile(projectDir: string, project: string, stack: string): CredentialAt[] {
  const read = (file: string): any => {
    try {
      return parseYaml(fs.readFileSync(file, "utf8"));
    } catch {
      return undefined; // absent, or config that came from elsewhere: Pulumi has read what it used
    }
  };
  const dir = read(path.join(projectDir, "Pulumi.yaml"))?.stackConfigDir;
  const config = read(path.join(projectDir, typeof dir === "string" ? dir : "", `Pulumi.${stack}.yaml`))?.config;
  if (!config || typeof config !== "object") return [];
  const values = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(`${project}:`)).map(([k, v]) => [k.slice(project.length + 1), v]));
  return readStackFileValues(values, CREDENTIAL_FIELDS).plaintext;
}
