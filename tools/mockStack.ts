// Runs the Pulumi program offline under Pulumi's mocks and records every declared resource.
// Import this before anything that declares resources; call runStack() per configuration.
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import type { Program } from "../program";
import type { Detection } from "../detections/model";
import { CREDENTIAL_FIELDS } from "../config";
import { keysWithPlaceholders } from "../config/credentials";

export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, any>;
  custom: boolean;
  /** The id the mock gave it (custom resources only). */
  id?: string;
  /** Its Azure name (its `<type>Name`-style input), else the logical name. */
  azureName: string;
  /** Left in Azure by `pulumi destroy` (the retainOnDelete option as it reached the engine). */
  retainOnDelete: boolean;
  /** The explicit provider it was declared with (`<provider urn>::<provider id>`), if any. */
  provider?: string;
}

/** An invoke (data source) the program made, such as an Entra ID lookup. */
export interface Invoke { token: string; inputs: Record<string, any> }

/** The part of Pulumi's RegisterResourceRequest read here. */
interface RegisterRequest { getType(): string; getName(): string; getRetainondelete(): boolean | undefined }

export const TEST_SUBSCRIPTION = "00000000-1111-2222-3333-444444444444";
export const TEST_TENANT = "99999999-8888-7777-6666-555555555555";

/** Invoke results the program may ask for, by token. */
export type CallMocks = Record<string, (inputs: any) => Record<string, unknown>>;

const defaultCalls: CallMocks = {
  "azure-native:authorization:getClientConfig": () => ({
    subscriptionId: TEST_SUBSCRIPTION, tenantId: TEST_TENANT, clientId: "client", objectId: "object",
  }),
};

/** The Azure name a resource would get: its `<type>Name`-style input, else the logical name. */
function azureName(type: string, name: string, inputs: Record<string, any>): string {
  const cls = type.split(":")[2] ?? "";
  const own = cls.charAt(0).toLowerCase() + cls.slice(1) + "Name";
  for (const k of [own, "ruleName", "workspaceName", "vmExtensionName", "associationName", "dataCollectionRuleName", "alertProcessingRuleName", "name"]) {
    if (typeof inputs[k] === "string") return inputs[k];
  }
  return name;
}

function mockId(type: string, name: string, inputs: Record<string, any>): string {
  const [, mod, cls] = type.split(":");
  const rg = type === "azure-native:resources:ResourceGroup" ? name : inputs.resourceGroupName ?? "rg";
  return `/subscriptions/${TEST_SUBSCRIPTION}/resourceGroups/${rg}/providers/${mod}.${cls}/${name}`;
}

/** Unwrap Pulumi's secret envelopes so assertions can read the values; records which were secret. */
export function unwrapSecrets(v: any, found: string[] = [], path = ""): any {
  if (v && typeof v === "object") {
    if (v[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
      found.push(path);
      return unwrapSecrets(v.value, found, path);
    }
    if (Array.isArray(v)) return v.map((x, i) => unwrapSecrets(x, found, `${path}[${i}]`));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x, found, path ? `${path}.${k}` : k)]));
  }
  return v;
}

export interface StackRun extends MockedRun {
  program: Program;
}

const ROUTING_KEYS = ["actionGroups", "routes", "allowUnroutedAlerts", "maintenanceWindows"];

/** What a mocked run records, whatever it declares. */
export interface MockedRun {
  resources: Declared[];
  /** Invokes made while the program ran, in order. */
  invokes: Invoke[];
  /** Input paths that reached the engine as secrets, per resource name. */
  secretPaths: Record<string, string[]>;
  /** Resolved outputs of what was declared. */
  outputs: Record<string, any>;
  /** Messages of pulumi.log.warn while the program ran (captured, not printed). */
  warnings: string[];
  /** Every pulumi.log message (debug, info, warn, error) while the program ran, with its level. */
  logs: { level: string; message: string }[];
  /** The URN of every registered resource and component, as the mock engine computed it. */
  urns: string[];
  ofType(type: string): Declared[];
  byName(name: string): Declared;
}

/**
 * Run `declare` under Pulumi's mocks (project azdetect) with the given raw `azdetect:` config and
 * record everything it declares. `declare` returns the outputs to resolve.
 */
export async function runMocked<T extends { outputs: Record<string, unknown> }>(
  declare: () => T,
  opts: { stack?: string; organization?: string; calls?: CallMocks; config?: Record<string, unknown>; secretKeys?: string[]; otherConfig?: Record<string, string> } = {},
): Promise<MockedRun & { result: T }> {
  const resources: Declared[] = [];
  const invokes: Invoke[] = [];
  const secretPaths: Record<string, string[]> = {};
  const calls = { ...defaultCalls, ...(opts.calls ?? {}) };
  // The mocks drop resource options; the registration request carries them. Recorded per type and
  // name before the mock sees the resource.
  const retained = new Map<string, boolean>();
  await pulumi.runtime.setMocks({
    newResource: (a) => {
      const found: string[] = [];
      const inputs = unwrapSecrets(a.inputs, found);
      const azName = azureName(a.type, a.name, inputs);
      const id = a.custom === false ? undefined : mockId(a.type, azName, inputs);
      resources.push({ type: a.type, name: a.name, inputs, custom: a.custom !== false, id, azureName: azName, retainOnDelete: retained.get(`${a.type}::${a.name}`) ?? false, ...(a.provider ? { provider: a.provider } : {}) });
      if (found.length) secretPaths[a.name] = found;
      // Azure fills in the principal of a system-assigned identity.
      const identity = typeof inputs.identity?.type === "string" && inputs.identity.type.includes("SystemAssigned")
        ? { identity: { ...inputs.identity, principalId: `principal-${a.name}` } } : {};
      return { id, state: { ...inputs, name: azName, ...identity } };
    },
    call: (a) => {
      invokes.push({ token: a.token, inputs: a.inputs });
      return calls[a.token] ? calls[a.token](a.inputs) : {};
    },
  }, "azdetect", opts.stack ?? "test", false, opts.organization ?? "organization");
  const engine = settings.getMonitor() as unknown as { registerResource: (req: RegisterRequest, cb: unknown) => void };
  const register = engine.registerResource.bind(engine);
  engine.registerResource = (req, cb) => {
    retained.set(`${req.getType()}::${req.getName()}`, req.getRetainondelete() === true);
    register(req, cb);
  };
  pulumi.runtime.setAllConfig(
    {
      ...Object.fromEntries(Object.entries(opts.config ?? {}).map(([k, v]) => [`azdetect:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
      // Other projects' keys (e.g. azure-native:tenantId), as full keys.
      ...(opts.otherConfig ?? {}),
    },
    (opts.secretKeys ?? []).map((k) => (k.includes(":") ? k : `azdetect:${k}`)),
  );
  let result: T;
  // Pulumi records `new Error().stack` on every internal promise (for its leak report), and under
  // ts-node each stack goes through source maps: ~60% of an evaluation's CPU. Nothing reads those
  // stacks under mocks, so they are not captured while the program runs here.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const warnings: string[] = [];
  const logs: { level: string; message: string }[] = [];
  const levels = ["debug", "info", "warn", "error"] as const;
  type Log = (msg: string) => Promise<void>;
  const real = Object.fromEntries(levels.map((l) => [l, pulumi.log[l]])) as Record<(typeof levels)[number], Log>;
  for (const level of levels) {
    (pulumi.log as unknown as Record<string, Log>)[level] = async (message: string) => {
      logs.push({ level, message });
      if (level === "warn") warnings.push(message);
    };
  }
  let outputs: Record<string, any>;
  // An error thrown inside a resource input (a DeployTimeError: an Entra lookup's result, a VM in
  // another subscription) rejects promises nobody awaits here; `pulumi up` reports it through its
  // unhandled-rejection handler. Collected instead, and thrown once the program has settled.
  const failures: unknown[] = [];
  let failed: (e: unknown) => void = () => undefined;
  const onRejection = (e: unknown) => {
    // A component of an earlier run in this process registering its outputs after setMocks
    // replaced the mock monitor: not this run's failure.
    if (e instanceof Error && e.message.startsWith("unknown resource urn:")) return;
    if (failures.includes(e)) return;
    failures.push(e);
    failed(e);
  };
  process.on("unhandledRejection", onRejection);
  try {
    try {
      result = declare();
    } catch (e) {
      // Lets tests assert that a config error stopped the program before any resource was declared.
      if (e && typeof e === "object") Object.assign(e, { declared: resources, logs });
      throw e;
    }
    // A failed input leaves the outputs that depend on it unresolved: stop waiting once one failed.
    outputs = await Promise.race([settle(result.outputs, resources), new Promise<never>((_, reject) => (failed = reject))]);
    if (failures.length) throw failures[0];
  } catch (e) {
    forgetPendingPromises();
    throw e;
  } finally {
    process.off("unhandledRejection", onRejection);
    Error.stackTraceLimit = stackTraceLimit;
    Object.assign(pulumi.log, real);
  }
  const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
  return {
    result,
    resources,
    invokes,
    secretPaths,
    outputs,
    warnings,
    logs,
    urns: [...monitor.getRegisteredResources().keys()].sort(),
    ofType: (type) => resources.filter((r) => r.type === type),
    byName: (name) => {
      const r = resources.filter((x) => x.name === name);
      if (r.length !== 1) throw new Error(`expected one resource named ${name}, found ${r.length}`);
      return r[0];
    },
  };
}

/**
 * A failed run is abandoned: whatever depended on the failed input stays pending for good
 * (thousands of promises when an action group's Entra group is empty). Pulumi reports pending promises at exit
 * as leaks, except when the program failed; a failed run under mocks ends in a thrown error instead,
 * so its pending promises are dropped from the runtime's leak candidates, as the next setMocks
 * (resetOptions) would. The runtime exports no typed access to them (runtime/state, internal).
 */
function forgetPendingPromises(): void {
  (require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<unknown> } }).getStore().leakCandidates.clear();
}

/**
 * Evaluate the program for one stack config (values as in Pulumi.<stack>.yaml: strings, or
 * objects/lists that are passed as JSON, as the Pulumi CLI does).
 */
export async function runStack(config: Record<string, unknown>, opts: { stack?: string; calls?: CallMocks; secretKeys?: string[]; catalogue?: readonly Detection[]; strictRouting?: boolean; projectDir?: string; organization?: string; otherConfig?: Record<string, string> } = {}): Promise<StackRun> {
  // A stack without routing config fails by design (every rule must notify someone). Tests that
  // are not about routing may omit it: they get allowUnroutedAlerts. Any routing key, or
  // strictRouting (the plan tool: it must fail exactly as `pulumi up` would), turns this off.
  if (!opts.strictRouting && !ROUTING_KEYS.some((k) => k in config)) config = { ...config, allowUnroutedAlerts: true };
  // A placeholder the offline tools put for an encrypted credential (readStackFile) stands for a
  // secure value: Pulumi would report its key as secret.
  const secretKeys = [...new Set([...(opts.secretKeys ?? []), ...keysWithPlaceholders(config, CREDENTIAL_FIELDS)])];
  const run = await runMocked(() => {
    // Loaded after the mocks so every resource reaches them.
    const { runProgram } = require("../program") as typeof import("../program");
    return runProgram(opts.catalogue, opts.projectDir);
  }, { stack: opts.stack, organization: opts.organization, calls: opts.calls, secretKeys, config, otherConfig: opts.otherConfig });
  const { result: program, ...rest } = run;
  return { ...rest, program };
}

/** Resolve the outputs, then wait until no resource has been declared for a few turns of the event loop. */
async function settle(outputs: Record<string, unknown>, resources: Declared[]): Promise<Record<string, any>> {
  const resolved = await new Promise<Record<string, any>>((r) => pulumi.output(outputs).apply((v) => r(v as Record<string, any>)));
  let stable = 0, last = -1;
  while (stable < 5) {
    await new Promise((r) => setImmediate(r));
    if (resources.length === last) stable++;
    else (stable = 0), (last = resources.length);
  }
  return unwrapSecrets(resolved);
}

/** Await an Output in a test. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((r) => o.apply((v) => { r(v); return v; }));
}
