// A generated tenant for the backtest benchmark: a week of ordinary activity in every table the
// catalogue reads, at rates in the proportions of a mid-size tenant (sign-ins and Graph requests
// dominate; Activity Log, Key Vault and storage next; audit, agent and Intune rows are few), busier
// in working hours, each row landing minutes after its event as the source's lag allows. Into it
// go attacks: every detection's first `fires` sample, moved so that the evaluation at which the
// single-instant evaluation says it fires falls at a known time of the week.
//
// Deterministic (seeded): the same options write the same rows.
import * as fs from "fs";
import * as path from "path";
import { DETECTIONS } from "../../detections";
import type { Detection, SampleRow } from "../../detections/model";
import { SAMPLE_NOW } from "../../detections/model";
import { isoDurationMs } from "../../detections/kql";

/** Share of the rows per table, and how late its rows land (minutes, min-max). */
const TABLES: Record<string, { share: number; lag: [number, number] }> = {
  AADNonInteractiveUserSignInLogs: { share: 0.3, lag: [2, 30] },
  MicrosoftGraphActivityLogs: { share: 0.2, lag: [5, 60] },
  StorageBlobLogs: { share: 0.15, lag: [2, 10] },
  AzureActivity: { share: 0.08, lag: [3, 20] },
  SigninLogs: { share: 0.06, lag: [2, 10] },
  AzureDiagnostics: { share: 0.06, lag: [2, 10] },
  AADServicePrincipalSignInLogs: { share: 0.04, lag: [2, 10] },
  AADManagedIdentitySignInLogs: { share: 0.04, lag: [2, 10] },
  Syslog: { share: 0.03, lag: [1, 5] },
  Event: { share: 0.02, lag: [1, 5] },
  AuditLogs: { share: 0.01, lag: [2, 15] },
  StorageFileLogs: { share: 0.006, lag: [2, 10] },
  AKSAudit: { share: 0.003, lag: [2, 10] },
  IntuneAuditLogs: { share: 0.001, lag: [5, 30] },
};

/** Mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Injection {
  key: string;
  /** The evaluation (or, for an activity-log alert, the arrival) at which it must alert. */
  at: string;
  dimensions: Record<string, unknown>[];
}

export interface TenantOptions {
  rows: number; days: number; start: Date; seed?: number; dir: string;
  /**
   * GUIDs the rules' queries name (well-known app and role ids, allowlisted callers), lower-case:
   * kept as they are in the injected rows. Every other GUID of an injection is replaced by one of its
   * own (the same within the injection), so two samples that share an id (the same CorrelationId,
   * the same service principal) do not merge into one operation or one history across injections.
   */
  keepIds?: ReadonlySet<string>;
}

export interface Tenant { files: string[]; rows: number; injected: Injection[]; start: string; end: string }

const GUID_IN_TEXT = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const guid = (r: () => number) => "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx".replace(/x/g, () => Math.floor(r() * 16).toString(16));

/**
 * Write the tenant as JSON Lines (one file per table) under dir. `expectedAlerts` gives, per
 * detection, the dimension values its injected sample alerts with (from the single-instant evaluation).
 */
export function writeTenant(opts: TenantOptions, expectedAlerts: (d: Detection, rows: Record<string, SampleRow[]>, now: string) => Record<string, unknown>[]): Tenant {
  const r = rng(opts.seed ?? 16);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const users = Array.from({ length: 400 }, (_, i) => `user${i}@fabrikam.example`);
  const userIds = users.map(() => guid(r));
  const apps = Array.from({ length: 40 }, () => guid(r));
  const sps = Array.from({ length: 60 }, () => ({ id: guid(r), app: guid(r), name: `svc-${Math.floor(r() * 1e4)}` }));
  const ips = Array.from({ length: 300 }, () => `198.51.${Math.floor(r() * 100)}.${Math.floor(r() * 250) + 1}`);
  const countries = ["NL", "DE", "GB", "FR", "US"];
  const sub = "00000000-0000-0000-0000-0000000000b1";
  const vms = Array.from({ length: 30 }, (_, i) => `/subscriptions/${sub}/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/vm-${i}`);
  const vaults = Array.from({ length: 5 }, (_, i) => `/SUBSCRIPTIONS/${sub.toUpperCase()}/RESOURCEGROUPS/RG-APP/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-APP-${i}`);
  const accounts = ["stappdata", "stlogs", "stbackup"];
  const ops = ["Microsoft.Compute/virtualMachines/write", "Microsoft.Network/networkInterfaces/write", "Microsoft.Storage/storageAccounts/write", "Microsoft.Web/sites/write", "Microsoft.Resources/deployments/write", "Microsoft.Compute/virtualMachines/start/action", "Microsoft.Compute/virtualMachines/deallocate/action"];
  const graphPaths = ["me", "users/{u}", "users/{u}/photo/$value", "me/messages", "groups/{g}/members", "organization", "me/drive/root/children", "users/{u}/manager", "applications", "servicePrincipals/{g}"];
  const start = opts.start.getTime();
  const span = opts.days * 864e5;
  fs.mkdirSync(opts.dir, { recursive: true });

  /** An event time weighted to working hours (08-18 UTC three times as busy). */
  const when = (): number => {
    for (;;) {
      const t = start + r() * span;
      const h = new Date(t).getUTCHours();
      if (h >= 8 && h < 18 ? true : r() < 0.33) return t;
    }
  };
  const rowFor: Record<string, (t: number) => SampleRow> = {
    AADNonInteractiveUserSignInLogs: () => {
      const u = Math.floor(r() * users.length);
      return { UserPrincipalName: users[u], UserId: userIds[u], AppId: pick(apps), AppDisplayName: "Office 365 Exchange Online", IPAddress: ips[u % ips.length], ResultType: r() < 0.97 ? "0" : "50074", Location: countries[u % 3], UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", ResourceIdentity: "00000002-0000-0ff1-ce00-000000000000" };
    },
    SigninLogs: () => {
      const u = Math.floor(r() * users.length);
      return { UserPrincipalName: users[u], UserId: userIds[u], AppId: pick(apps), AppDisplayName: "My Apps", IPAddress: ips[u % ips.length], ResultType: r() < 0.93 ? "0" : "50126", Location: countries[u % 3], UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", AuthenticationRequirement: "multiFactorAuthentication", ConditionalAccessStatus: "success", RiskLevelDuringSignIn: "none", RiskState: "none", CorrelationId: guid(r), ResourceIdentity: "00000003-0000-0000-c000-000000000000", HomeTenantId: "72f988bf-0000-0000-0000-000000000001", ResourceTenantId: "72f988bf-0000-0000-0000-000000000001", CrossTenantAccessType: "none" };
    },
    MicrosoftGraphActivityLogs: () => {
      const u = Math.floor(r() * users.length);
      const p = pick(graphPaths).replace("{u}", userIds[Math.floor(r() * users.length)]).replace("{g}", guid(r));
      return { UserId: userIds[u], AppId: pick(apps), IPAddress: ips[u % ips.length], RequestMethod: "GET", RequestUri: `https://graph.microsoft.com/v1.0/${p}`, ResponseStatusCode: r() < 0.98 ? 200 : 404, UserAgent: "Microsoft Office/16.0", ServicePrincipalId: "", Roles: "" };
    },
    StorageBlobLogs: () => ({ AccountName: pick(accounts), OperationName: pick(["GetBlob", "PutBlob", "GetBlobProperties", "ListBlobs"]), AuthenticationType: pick(["OAuth", "AccountKey", "SAS"]), CallerIpAddress: `${pick(ips)}:${10000 + Math.floor(r() * 5000)}`, ObjectKey: `/${pick(accounts)}/data/file-${Math.floor(r() * 1e4)}.csv`, StatusText: "Success", ResponseBodySize: Math.floor(r() * 1e5), UserAgentHeader: "Azure-Storage/12.0", _ResourceId: `/subscriptions/${sub}/resourcegroups/rg-app/providers/microsoft.storage/storageaccounts/${pick(accounts)}/blobservices/default` }),
    StorageFileLogs: () => ({ AccountName: pick(accounts), OperationName: pick(["GetFile", "PutRange", "ListFilesAndDirectories"]), AuthenticationType: "AccountKey", CallerIpAddress: `${pick(ips)}:445`, ObjectKey: `/${pick(accounts)}/share/doc-${Math.floor(r() * 1e3)}.docx`, StatusText: "Success", Protocol: "SMB", ResponseBodySize: Math.floor(r() * 1e5), _ResourceId: `/subscriptions/${sub}/resourcegroups/rg-app/providers/microsoft.storage/storageaccounts/${pick(accounts)}/fileservices/default` }),
    AzureActivity: () => {
      const u = Math.floor(r() * 40);
      const status = pick(["Start", "Success", "Accept"]);
      return { Caller: users[u], CallerIpAddress: ips[u], OperationNameValue: pick(ops).toUpperCase(), ActivityStatusValue: status, CategoryValue: "Administrative", CorrelationId: guid(r), ResourceGroup: "rg-app", _ResourceId: pick(vms), SubscriptionId: sub };
    },
    AzureDiagnostics: () => {
      const u = Math.floor(r() * 40);
      return { Category: "AuditEvent", ResourceProvider: "MICROSOFT.KEYVAULT", _ResourceId: pick(vaults), OperationName: pick(["SecretGet", "KeyGet", "VaultGet", "Authentication"]), ResultType: "Success", ResultSignature: "OK", httpStatusCode_d: 200, CallerIPAddress: ips[u], clientInfo_s: "azsdk-net-Security.KeyVault.Secrets/4.5.0", identity_claim_appid_g: sps[u % sps.length].app, identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s: "", id_s: `https://kv-app-0.vault.azure.net/secrets/app-secret-${u % 8}`, requestUri_s: `https://kv-app-0.vault.azure.net/secrets/app-secret-${u % 8}?api-version=7.4` };
    },
    AADServicePrincipalSignInLogs: () => {
      const s = pick(sps);
      return { ServicePrincipalId: s.id, AppId: s.app, ServicePrincipalName: s.name, IPAddress: ips[Math.floor(r() * 20)], ResultType: "0", ResourceDisplayName: "Microsoft Graph", Location: "NL", CorrelationId: guid(r), ServicePrincipalCredentialKeyId: guid(r) };
    },
    AADManagedIdentitySignInLogs: () => {
      const s = pick(sps);
      return { ServicePrincipalId: s.id, AppId: s.app, ServicePrincipalName: s.name, IPAddress: "", ResultType: "0", ResourceDisplayName: "Azure Key Vault", ResourceIdentity: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093", CorrelationId: guid(r) };
    },
    Syslog: () => ({ Computer: `vm-${Math.floor(r() * 10)}`, Facility: pick(["auth", "authpriv", "daemon", "cron"]), ProcessName: pick(["sshd", "CRON", "systemd"]), SyslogMessage: r() < 0.9 ? "Accepted publickey for azureuser from 10.0.0.4 port 51234 ssh2" : "pam_unix(cron:session): session opened for user root", _ResourceId: pick(vms) }),
    Event: () => ({ Computer: `vm-${Math.floor(r() * 10)}`, Source: "Microsoft-Windows-PowerShell", EventID: 4104, RenderedDescription: "Creating Scriptblock text (1 of 1): Get-Date", EventData: "<DataItem><EventData><Data Name=\"ScriptBlockText\">Get-Date</Data></EventData></DataItem>", _ResourceId: pick(vms) }),
    AuditLogs: () => {
      const u = Math.floor(r() * 40);
      return { OperationName: pick(["Update user", "Add member to group", "Update application", "Reset password (self-service)"]), Result: "success", Category: "UserManagement", LoggedByService: "Core Directory", CorrelationId: guid(r), Id: guid(r), InitiatedBy: { user: { userPrincipalName: users[u], ipAddress: ips[u] } }, TargetResources: [{ id: userIds[(u + 1) % users.length], userPrincipalName: users[(u + 1) % users.length], modifiedProperties: [] }] };
    },
    AKSAudit: () => ({ AuditId: guid(r), RequestUri: "/api/v1/namespaces/default/pods", ObjectRef: { resource: "pods", namespace: "default" }, SourceIps: [pick(ips)], User: { username: "system:serviceaccount:kube-system:default" }, _ResourceId: `/subscriptions/${sub}/resourcegroups/rg-aks/providers/microsoft.containerservice/managedclusters/aks-1` }),
    IntuneAuditLogs: () => ({ OperationName: "Patch DeviceConfiguration", Identity: pick(users), ResultType: "Success", CorrelationId: guid(r), Properties: "{\"TargetDisplayNames\":[\"Baseline\"]}" }),
  };

  const files: string[] = [];
  let written = 0;
  for (const [table, spec] of Object.entries(TABLES)) {
    const n = Math.round(opts.rows * spec.share);
    const times = Array.from({ length: n }, when).sort((a, b) => a - b);
    const file = path.join(opts.dir, `${table}.jsonl`);
    const fd = fs.openSync(file, "w");
    let buf = "";
    for (const t of times) {
      const lag = (spec.lag[0] + r() * (spec.lag[1] - spec.lag[0])) * 60_000;
      const row = { Type: table, TimeGenerated: new Date(t).toISOString(), _TimeReceived: new Date(t + lag).toISOString(), ...rowFor[table](t) };
      buf += JSON.stringify(row) + "\n";
      if (buf.length > 1 << 20) { fs.writeSync(fd, buf); buf = ""; }
    }
    fs.writeSync(fd, buf);
    fs.closeSync(fd);
    files.push(file);
    written += n;
  }

  // Attacks: one detection per hour from the start of day 3 (after the longest query range, P2D,
  // so every rule has its full history); a daily rule at the next midnight.
  const injected: Injection[] = [];
  const fd = fs.openSync(path.join(opts.dir, "attacks.jsonl"), "w");
  let slot = start + 2 * 864e5 + 36e5;
  const byFrequency = [...DETECTIONS].sort((a, b) => isoDurationMs(a.evaluationFrequency) - isoDurationMs(b.evaluationFrequency));
  for (const d of byFrequency) {
    const c = d.samples.fires[0];
    const freq = isoDurationMs(d.evaluationFrequency);
    let at = Math.ceil(slot / freq) * freq;
    if (at > start + span - 36e5) continue;
    const now = c.now ?? SAMPLE_NOW;
    const shift = at - Date.parse(now);
    const ids = new Map<string, string>();
    const ownIds = (v: unknown): unknown => {
      if (typeof v === "string") {
        return v.replace(GUID_IN_TEXT, (g) => {
          const lower = g.toLowerCase();
          if (opts.keepIds?.has(lower)) return g;
          let own = ids.get(lower);
          if (!own) ids.set(lower, (own = guid(r)));
          return g === g.toUpperCase() ? own.toUpperCase() : own;
        });
      }
      if (Array.isArray(v)) return v.map(ownIds);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ownIds(x)]));
      return v;
    };
    const moved = (row: SampleRow): SampleRow => {
      const o = ownIds(row) as SampleRow;
      for (const k of ["TimeGenerated", "_TimeReceived"]) if (typeof o[k] === "string") o[k] = new Date(Date.parse(o[k] as string) + shift).toISOString();
      return o;
    };
    const rows = Object.fromEntries(Object.entries(c.rows).map(([t, rs]) => [t, rs.map(moved)]));
    const dims = expectedAlerts(d, rows, new Date(at).toISOString());
    let buf = "";
    for (const [t, rs] of Object.entries(rows)) for (const row of rs) { buf += JSON.stringify({ Type: t, ...row }) + "\n"; written++; }
    fs.writeSync(fd, buf);
    injected.push({ key: d.key, at: new Date(at).toISOString(), dimensions: dims });
    slot = at + 36e5;
  }
  fs.closeSync(fd);
  files.push(path.join(opts.dir, "attacks.jsonl"));
  return { files, rows: written, injected, start: new Date(start).toISOString(), end: new Date(start + span).toISOString() };
}
