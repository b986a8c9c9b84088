// AZT604 Azure Key Vault Dumping: secrets, certificates and keys read out of vaults.
// Key Vault data-plane reads never reach the Activity Log (getSecret/keys/read are data actions);
// they exist only in the vault's AuditEvent resource log (log-values.md 1.5, 4.1).
import * as kql from "../kql";
import type { Detection, Parameter, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { dailyThreshold, ingestedSinceLastRun, ingestionSchedule, NEW_EVIDENCE } from "../patterns/arrival";
import {
  ATRM, ATTACKER, FORBIDDEN, KEYVAULT_AUDIT, KV_DENIED, KV_NOISY_APP_IDS, KV_READ_OK, countParam, keyVaultEvents,
  keyVaultParams, kvRow, list, num,
} from "./shared";

const SOURCE =
  "log-values.md 4.1 (AuditEvent OperationName values, ResultType Success on 403/404 with ResultSignature Forbidden / " +
  "httpStatusCode 403, upper-case ResourceId, schema-URI claim columns, CallerIPAddress); ATRM AZT604; " +
  "learn.microsoft.com/azure/key-vault/general/logging";

const REFS = [
  "https://learn.microsoft.com/azure/key-vault/general/logging",
  "https://learn.microsoft.com/azure/key-vault/general/monitor-key-vault",
];

type Kind = "secrets" | "keys" | "certificates";

/** `n` reads of distinct objects, one a minute from `start` minutes ago backwards. */
function reads(op: string, kind: Kind, names: string[], start: number, over: SampleRow = {}, vault?: string): SampleRow[] {
  return names.map((name, i) => kvRow(start + i, op, { kind, name }, over, vault));
}

function names(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
}

const kvParams = (extra: Record<string, Parameter>) => ({ ...keyVaultParams(), ...extra });
const kvAllow = (p: Record<string, unknown>) => ({ allowedAppIds: list(p, "allowedAppIds"), allowedCallers: list(p, "allowedCallers") });

/**
 * Schedule of the count rules: run every `frequency` and count over the query range, which is the
 * frequency plus the resource-log ingestion lag (AuditEvent rows land minutes late). A count is
 * reported only when some of its reads arrived since the previous run (NEW_EVIDENCE), so a dump is
 * alerted once, and one that lands late or straddles two runs is still counted whole.
 */
function countSchedule(frequency: "PT1H" | "PT15M") {
  return ingestionSchedule(frequency, frequency, "resourceLogs");
}

/**
 * Distinct objects of one kind read successfully by one identity across vaults. Per run (default):
 * counted over the query range, reported when some reads were ingested since the previous run.
 * Per day: counted over the reads ingested since the start of the UTC day, reported by the run whose
 * reads make the count reach the threshold, so an identity alerts at most once a day.
 */
function distinctReadsQuery(p: Record<string, unknown>, operations: string[], threshold: number, frequency: string, perDay = false): string {
  const day = dailyThreshold(frequency);
  const objectKey = 'strcat(Resource, "/", ObjectName)';
  return [
    keyVaultEvents(operations, kvAllow(p), KV_READ_OK, day.mark),
    ...(perDay ? [day.today] : []),
    "| where isnotempty(ObjectName)",
    `| summarize DistinctObjects = dcount(${objectKey}), ${perDay ? `DistinctSeen = dcountif(${objectKey}, ${day.seen}), ` : ""}Reads = count(), Objects = make_set(ObjectName, 50),`,
    "    Vaults = make_set(Resource, 20), VaultIds = make_set(ResourceId, 20), Operations = make_set(OperationName, 10), CallerIPAddress = take_any(CallerIPAddress),",
    `    FirstRead = min(TimeGenerated), LastRead = max(TimeGenerated), ${NEW_EVIDENCE.aggregate} by Identity, Upn, ObjectId, AppId`,
    `| where DistinctObjects >= ${kql.num(threshold)}`,
    // Per day: the count reached the threshold in this run (so some reads, the newest among them, arrived since the previous run).
    ...(perDay ? [`| where DistinctSeen < ${kql.num(threshold)}`] : []),
    NEW_EVIDENCE.since(frequency),
    `| project ${NEW_EVIDENCE.output("LastRead")}, Identity, Upn, ObjectId, AppId, CallerIPAddress, Vaults, VaultIds, DistinctObjects, Reads, Objects, Operations, FirstRead`,
  ].join("\n");
}

/** The count cases every NEW_EVIDENCE count rule must pass: a late burst fires, an already alerted one stays quiet. */
function arrivalCases(burst: (start: number, over?: SampleRow) => SampleRow[], frequencyMinutes: number) {
  const late = frequencyMinutes + 20;
  return {
    fires: {
      name: `calls from ${late} minutes ago whose AuditEvent rows landed after the previous run`,
      rows: { AzureDiagnostics: burst(late, { _TimeReceived: minutesAgo(3) }) },
    },
    quiet: {
      name: "already alerted: every call ingested before the previous run (still inside the counted range)",
      rows: { AzureDiagnostics: burst(frequencyMinutes + 2) },
    },
  };
}

const DUMP_TRIGGER = { operator: "GreaterThan" as const, threshold: 0, timeAggregation: "Count" as const, dimensions: ["Identity", "AppId"] };
const ENTITIES = { account: "Identity", ip: "CallerIPAddress", resource: "Vaults", subscription: "VaultIds" };

const secretArrival = arrivalCases((start, over) => reads("SecretGet", "secrets", names("app-secret", 10), start, over), 60);

const secretDump: Detection = {
  key: "azt604-1-secret-dump",
  technique: "AZT604.1",
  tactic: "Credential Access",
  name: "Many Key Vault secrets read by one identity in a day",
  description:
    "One identity read the values of many distinct secrets (SecretGet that returned 200) in one UTC day, across one or more " +
    "vaults: the rule runs hourly, counts the reads that reached the workspace since the start of the day (late AuditEvent rows " +
    "included) and alerts in the run whose reads make the count reach minDistinctSecrets, so an identity alerts at most once a " +
    "day, a fast dump or a slow one. Applications read the same few secrets over and over; a person or tool dumping a vault reads each " +
    "secret once. Counts only real reads: Key Vault writes ResultType Success even for 403 and 404, so the query " +
    "requires ResultSignature OK / httpStatusCode 200. Listing secrets (SecretList) returns no values and is not counted.",
  falsePositives: [
    "App Service / Functions Key Vault references resolving many settings at start-up (add the app's id to allowedAppIds).",
    "Secret rotation or migration scripts, backup tooling, Terraform/Bicep deployments that read existing secrets.",
  ],
  triage: [
    "Identify the identity (Upn / ObjectId / AppId) and CallerIPAddress; AppId 1950a258-… is Azure PowerShell, 04b07795-… Azure CLI, c44b4083-… the portal.",
    "List the secrets read (Objects) and the vaults; ask the vault owner whether this identity should read them at all.",
    "Check the identity's sign-ins (SigninLogs / AADServicePrincipalSignInLogs) from the same IP for signs of compromise.",
    "If not expected: rotate every secret in Objects (they must be treated as disclosed), revoke the identity's sessions and its vault access.",
  ],
  references: [`${ATRM}/AZT604/AZT604-1/`, ...REFS],
  severity: 1,
  // The day's reads, whenever they land: a day plus the resource-log lag (rounded up to a range Azure accepts).
  ...ingestionSchedule("PT1H", "P1D", "resourceLogs"),
  parameters: kvParams({ minDistinctSecrets: countParam("Distinct secrets one identity must read in a UTC day to alert.", 10) }),
  signal: {
    kind: "query",
    query: (p) => distinctReadsQuery(p, ["SecretGet"], num(p, "minDistinctSecrets"), "PT1H", true),
    trigger: DUMP_TRIGGER,
  },
  requires: [KEYVAULT_AUDIT],
  entities: ENTITIES,
  samples: {
    source: SOURCE,
    fires: [
      { name: "ten distinct secrets read with Azure PowerShell", rows: { AzureDiagnostics: reads("SecretGet", "secrets", names("app-secret", 10), 5) } },
      {
        name: "no upn claim (app-only token): identity from the object id, six secrets in one vault and four in another",
        rows: {
          AzureDiagnostics: [
            ...reads("SecretGet", "secrets", names("db", 6), 5, { identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s: "" }),
            ...reads("SecretGet", "secrets", names("api", 4), 20, { identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s: "" }, "CONTOSO-KV-PROD"),
          ],
        },
      },
      secretArrival.fires,
      {
        name: "dump straddling two runs: five secrets ingested before the previous run, five since",
        rows: { AzureDiagnostics: [...reads("SecretGet", "secrets", names("a", 5), 62), ...reads("SecretGet", "secrets", names("b", 5), 5)] },
      },
      {
        name: "slow dump: nine secrets over the morning, the tenth now",
        rows: { AzureDiagnostics: [...reads("SecretGet", "secrets", names("slow", 9), 240), ...reads("SecretGet", "secrets", names("last", 1), 5)] },
      },
      {
        name: "new UTC day: the identity that alerted yesterday evening reads ten secrets today",
        rows: { AzureDiagnostics: [...reads("SecretGet", "secrets", names("y", 10), 13 * 60), ...reads("SecretGet", "secrets", names("t", 10), 5)] },
      },
    ],
    quiet: [
      { name: "nine distinct secrets (one below the threshold)", rows: { AzureDiagnostics: reads("SecretGet", "secrets", names("app-secret", 9), 5) } },
      {
        name: "the same two secrets read many times (an application)",
        rows: { AzureDiagnostics: [...reads("SecretGet", "secrets", names("conn", 2), 5), ...reads("SecretGet", "secrets", names("conn", 2), 10), ...reads("SecretGet", "secrets", names("conn", 2), 15), ...reads("SecretGet", "secrets", names("conn", 2), 20), ...reads("SecretGet", "secrets", names("conn", 2), 25), ...reads("SecretGet", "secrets", names("conn", 2), 30)] },
      },
      { name: "ten reads denied (ResultType Success, ResultSignature Forbidden)", rows: { AzureDiagnostics: reads("SecretGet", "secrets", names("app-secret", 10), 5, FORBIDDEN) } },
      { name: "ten secrets only listed (SecretList returns no values)", rows: { AzureDiagnostics: reads("SecretList", "secrets", names("app-secret", 10), 5) } },
      {
        name: "allowlisted application (Key Vault references)",
        parameters: { allowedAppIds: [...KV_NOISY_APP_IDS, "1950a258-227b-4e31-a9cf-717495945fc2"] },
        rows: { AzureDiagnostics: reads("SecretGet", "secrets", names("app-secret", 10), 5) },
      },
      { name: "ten secrets read more than an hour ago", rows: { AzureDiagnostics: reads("SecretGet", "secrets", names("app-secret", 10), 65) } },
      secretArrival.quiet,
      {
        name: "already alerted today: ten secrets three hours ago, ten more now (the hourly re-alert this replaced)",
        rows: { AzureDiagnostics: [...reads("SecretGet", "secrets", names("a", 10), 180), ...reads("SecretGet", "secrets", names("b", 10), 5)] },
      },
    ],
  },
  revisions: [
    {
      change:
        "Counts an identity's distinct secrets per UTC day by arrival and alerts once, in the run whose reads reach minDistinctSecrets " +
        "(was: the last 90 minutes, re-counted every hour).",
      why:
        "An identity that kept reading many secrets alerted every hour (issue 14); a day's count also catches a dump spread over hours. " +
        "Key Vault logs a SecretGet per read, denied ones with ResultType Success, so only 200s count.",
      source: "MicrosoftDocs/azure-docs:articles/key-vault/general/logging.md (AuditEvent operations, one record per request); log-values.md 4.1",
    },
  ],
};

const READ_OPERATIONS = [
  "SecretGet", "SecretList", "SecretListVersions", "KeyGet", "KeyList", "KeyListVersions",
  "CertificateGet", "CertificateList", "CertificateListVersions",
];

const deniedThenRead: Detection = {
  key: "azt604-1-denied-then-read",
  technique: "AZT604.1",
  tactic: "Credential Access",
  name: "Key Vault read denied, then allowed for the same identity",
  description:
    "An identity was refused a Key Vault read (403 Forbidden, logged with ResultType Success) and at most two hours " +
    "later the same request on the same vault and object succeeded. Between the two its access was changed: the " +
    "classic path of a vault Contributor who adds an access policy or role assignment for itself and then dumps the " +
    "vault. Fires in the first hourly run after the successful read lands in the workspace (however late its " +
    "AuditEvent row arrives), so a pair alerts once; the denial is looked up in the two hours before the read.",
  falsePositives: [
    "A new application whose access policy or role assignment was created right after it started (RBAC propagation can take minutes).",
    "An administrator fixing a missing permission on request.",
  ],
  triage: [
    "Find who changed the vault's access between FirstDenied and LastAllowed: AzureActivity `MICROSOFT.KEYVAULT/VAULTS/ACCESSPOLICIES/WRITE`, " +
      "`MICROSOFT.KEYVAULT/VAULTS/WRITE` or `MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE` on the vault, and AuditEvent `VaultPatch`/`VaultPut`.",
    "If the identity granted itself access, treat every object it then read (Objects) as disclosed: rotate them and remove the grant.",
  ],
  references: [`${ATRM}/AZT604/AZT604-1/`, ...REFS],
  severity: 2,
  // Allowed reads ingested in the last hour (up to 30 minutes late), denials up to two hours before them.
  // windowSize stays PT2H (the span a pair can cover); the query range is the override.
  ...ingestionSchedule("PT1H", "PT3H", "resourceLogs"),
  windowSize: "PT2H",
  parameters: kvParams({}),
  signal: {
    kind: "query",
    query: (p) =>
      [
        // The later event: successful reads ingested since the previous run.
        `let allowed = ${keyVaultEvents(READ_OPERATIONS, kvAllow(p), KV_READ_OK, `${ingestedSinceLastRun("PT1H")}\n${NEW_EVIDENCE.extend}`)}`,
        `| summarize FirstAllowed = min(TimeGenerated), LastAllowed = max(TimeGenerated), CallerIPAddress = take_any(CallerIPAddress), ${NEW_EVIDENCE.aggregate}`,
        "    by Identity, Upn, ObjectId, AppId, Vault = Resource, VaultId = ResourceId, OperationName, ObjectName;",
        // The earlier event, by TimeGenerated: a denial of the same request at most two hours before a new read.
        `let denied = ${keyVaultEvents(READ_OPERATIONS, kvAllow(p), KV_DENIED)}`,
        // Reduced before the join: one row per request and minute.
        "| summarize DeniedTime = min(TimeGenerated), MinuteDenials = count() by Identity, Upn, ObjectId, AppId, Vault = Resource, OperationName, ObjectName, bin(TimeGenerated, 1m);",
        "allowed",
        "| join kind=inner denied on Identity, Upn, ObjectId, AppId, Vault, OperationName, ObjectName",
        "| where DeniedTime < LastAllowed and DeniedTime >= FirstAllowed - 2h",
        "| summarize FirstDenied = min(DeniedTime), Denials = sum(MinuteDenials) by Identity, Upn, ObjectId, AppId, Vault, VaultId, OperationName, ObjectName, LastAllowed, CallerIPAddress, LastIngested",
        '| summarize FirstDenied = min(FirstDenied), LastAllowed = max(LastAllowed), Denials = sum(Denials), Objects = make_set(strcat(OperationName, " ", ObjectName), 50),',
        "    CallerIPAddress = take_any(CallerIPAddress), LastIngested = max(LastIngested) by Identity, Upn, ObjectId, AppId, Vault, VaultId",
        `| project ${NEW_EVIDENCE.output("LastAllowed")}, Identity, Upn, ObjectId, AppId, CallerIPAddress, Vault, VaultId, FirstDenied, Denials, Objects`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Identity", "Vault"] },
  },
  requires: [KEYVAULT_AUDIT],
  entities: { account: "Identity", ip: "CallerIPAddress", resource: "Vault", subscription: "VaultId" },
  samples: {
    source: SOURCE,
    fires: [
      {
        name: "SecretGet denied, access policy changed, same SecretGet allowed",
        rows: {
          AzureDiagnostics: [
            kvRow(50, "SecretGet", { kind: "secrets", name: "sql-admin" }, FORBIDDEN),
            kvRow(40, "VaultPatch", null),
            kvRow(30, "SecretGet", { kind: "secrets", name: "sql-admin" }),
          ],
        },
      },
      {
        name: "KeyList denied 90 minutes ago, allowed 20 minutes ago",
        rows: { AzureDiagnostics: [kvRow(90, "KeyList", { kind: "keys" }, FORBIDDEN), kvRow(20, "KeyList", { kind: "keys" })] },
      },
      {
        name: "allowed read from 80 minutes ago that landed after the previous run, denial 2 hours before it",
        rows: {
          AzureDiagnostics: [
            kvRow(200, "SecretGet", { kind: "secrets", name: "sql-admin" }, FORBIDDEN),
            kvRow(80, "SecretGet", { kind: "secrets", name: "sql-admin" }, { _TimeReceived: minutesAgo(5) }),
          ],
        },
      },
    ],
    quiet: [
      {
        name: "denied on one secret, allowed on another (an app with partial access)",
        rows: { AzureDiagnostics: [kvRow(50, "SecretGet", { kind: "secrets", name: "other-team" }, FORBIDDEN), kvRow(30, "SecretGet", { kind: "secrets", name: "own-secret" })] },
      },
      {
        name: "allowed first, denied later (access removed)",
        rows: { AzureDiagnostics: [kvRow(50, "SecretGet", { kind: "secrets", name: "sql-admin" }), kvRow(30, "SecretGet", { kind: "secrets", name: "sql-admin" }, FORBIDDEN)] },
      },
      {
        name: "denied then allowed, but the allowed read was more than an hour ago (already alerted)",
        rows: { AzureDiagnostics: [kvRow(110, "SecretGet", { kind: "secrets", name: "sql-admin" }, FORBIDDEN), kvRow(70, "SecretGet", { kind: "secrets", name: "sql-admin" })] },
      },
      {
        name: "denied, then allowed more than two hours later",
        rows: { AzureDiagnostics: [kvRow(150, "SecretGet", { kind: "secrets", name: "sql-admin" }, FORBIDDEN), kvRow(20, "SecretGet", { kind: "secrets", name: "sql-admin" })] },
      },
      {
        name: "404 Not Found then created and read (not a permission change)",
        rows: { AzureDiagnostics: [kvRow(50, "SecretGet", { kind: "secrets", name: "new" }, { ResultSignature: "Not Found", httpStatusCode_d: 404 }), kvRow(30, "SecretGet", { kind: "secrets", name: "new" })] },
      },
    ],
  },
};

/** CertificateList, the certificates and their backing secrets, the last read `newest` minutes ago. */
function certificateExport(newest: number, over: SampleRow = {}): SampleRow[] {
  return [
    kvRow(newest + 8, "CertificateList", { kind: "certificates" }, over),
    ...reads("CertificateGet", "certificates", ["web-tls", "sso-signing", "vpn-client"], newest + 4, over),
    ...reads("SecretGet", "secrets", ["web-tls", "sso-signing", "vpn-client"], newest, over),
  ];
}
const certificateArrival = arrivalCases(certificateExport, 60);

const certificateDump: Detection = {
  key: "azt604-2-certificate-dump",
  technique: "AZT604.2",
  tactic: "Credential Access",
  name: "Key Vault certificates enumerated and their private keys read",
  description:
    "One identity enumerated certificates in a vault (CertificateList / CertificateGet) and read several secrets of the same " +
    "vault within about an hour (the hourly run counts the last 90 minutes, late AuditEvent rows included, and alerts only " +
    "when some of the calls arrived since the previous run). A certificate's private key is only returned through its backing secret (SecretGet on /secrets/<certificate name>), " +
    "so listing certificates and then reading secrets is how certificates with their keys are exported. " +
    "A name in both CertificatesSeen and SecretsRead is a certificate whose private key was read.",
  falsePositives: [
    "Services that bind Key Vault certificates (App Service, Application Gateway, Front Door) — add their app ids to allowedAppIds.",
    "Certificate inventory or renewal tooling.",
  ],
  triage: [
    "Check the identity and IP; compare CertificatesSeen with SecretsRead to see which private keys left the vault.",
    "If not expected: revoke and reissue the certificates (a copied private key stays valid until revoked), rotate the secrets, and remove the identity's access.",
  ],
  references: [`${ATRM}/AZT604/AZT604-2/`, ...REFS, "https://learn.microsoft.com/azure/key-vault/certificates/about-certificates"],
  severity: 2,
  ...countSchedule("PT1H"),
  parameters: kvParams({ minDistinctSecrets: countParam("Distinct secrets read in the same vault after certificate enumeration to alert.", 3) }),
  signal: {
    kind: "query",
    query: (p) =>
      [
        keyVaultEvents(["CertificateList", "CertificateGet", "CertificateListVersions", "SecretGet"], kvAllow(p), KV_READ_OK, NEW_EVIDENCE.extend),
        '| extend IsCertificate = OperationName startswith "Certificate", IsSecret = OperationName =~ "SecretGet"',
        "| summarize CertificateCalls = countif(IsCertificate), CertificatesSeen = make_set_if(ObjectName, IsCertificate and isnotempty(ObjectName), 50),",
        "    SecretsRead = make_set_if(ObjectName, IsSecret, 50), DistinctSecrets = dcountif(ObjectName, IsSecret),",
        "    CallerIPAddress = take_any(CallerIPAddress), FirstRead = min(TimeGenerated), LastRead = max(TimeGenerated),",
        `    ${NEW_EVIDENCE.aggregate} by Identity, Upn, ObjectId, AppId, Vault = Resource, VaultId = ResourceId`,
        `| where CertificateCalls > 0 and DistinctSecrets >= ${kql.num(num(p, "minDistinctSecrets"))}`,
        NEW_EVIDENCE.since("PT1H"),
        `| project ${NEW_EVIDENCE.output("LastRead")}, Identity, Upn, ObjectId, AppId, CallerIPAddress, Vault, VaultId, DistinctSecrets, CertificatesSeen, SecretsRead, FirstRead`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Identity", "Vault"] },
  },
  requires: [KEYVAULT_AUDIT],
  entities: { account: "Identity", ip: "CallerIPAddress", resource: "Vault", subscription: "VaultId" },
  samples: {
    source: SOURCE,
    fires: [
      {
        name: "CertificateList, then the backing secrets of three certificates",
        rows: { AzureDiagnostics: certificateExport(15) },
      },
      certificateArrival.fires,
    ],
    quiet: [
      {
        name: "certificates enumerated, only two secrets read",
        rows: { AzureDiagnostics: [kvRow(30, "CertificateList", { kind: "certificates" }), ...reads("SecretGet", "secrets", ["web-tls", "sso-signing"], 15)] },
      },
      { name: "secrets read without certificate enumeration", rows: { AzureDiagnostics: reads("SecretGet", "secrets", ["a", "b", "c", "d"], 15) } },
      {
        name: "certificate list denied, secrets read (the enumeration did not happen)",
        rows: { AzureDiagnostics: [kvRow(30, "CertificateList", { kind: "certificates" }, FORBIDDEN), ...reads("SecretGet", "secrets", ["a", "b", "c"], 15)] },
      },
      {
        name: "enumeration in one vault, secrets in another",
        rows: { AzureDiagnostics: [kvRow(30, "CertificateList", { kind: "certificates" }), ...reads("SecretGet", "secrets", ["a", "b", "c"], 15, {}, "CONTOSO-KV-APP")] },
      },
      certificateArrival.quiet,
    ],
  },
};

const keyArrival = arrivalCases((start, over) => reads("KeyGet", "keys", names("cmk", 10), start, over), 60);

const keyDump: Detection = {
  key: "azt604-3-key-dump",
  technique: "AZT604.3",
  tactic: "Credential Access",
  name: "Many Key Vault keys read or exported by one identity",
  description:
    "One identity read (KeyGet), backed up (KeyBackup) or released (KeyRelease, exportable keys) many distinct keys within " +
    "about an hour (the hourly run counts the last 90 minutes, late AuditEvent rows included, and alerts only when some of " +
    "the calls arrived since the previous run). KeyGet returns the public part and metadata of a key; the private part leaves a vault only through KeyBackup " +
    "(an encrypted blob restorable into another vault of the same geography) or KeyRelease. Counts real reads only " +
    "(ResultSignature OK / httpStatusCode 200).",
  falsePositives: ["Inventory, backup or migration tooling that walks all keys (add its app id to allowedAppIds)."],
  triage: [
    "Check the identity, IP and Operations; KeyBackup or KeyRelease in Operations means key material left the vault.",
    "Look for a KeyRestore into a vault you do not own (only visible in that vault's logs) and for the identity's other activity.",
    "If not expected: rotate the keys (new versions), re-encrypt data protected by them, and remove the identity's access.",
  ],
  references: [`${ATRM}/AZT604/AZT604-3/`, ...REFS],
  severity: 2,
  ...countSchedule("PT1H"),
  parameters: kvParams({ minDistinctKeys: countParam("Distinct keys one identity must read or export within the rule's 90-minute count to alert.", 10) }),
  signal: {
    kind: "query",
    // KeyRelease: secure key release of exportable keys (name (unverified) in the AuditEvent list).
    query: (p) => distinctReadsQuery(p, ["KeyGet", "KeyBackup", "KeyRelease"], num(p, "minDistinctKeys"), "PT1H"),
    trigger: DUMP_TRIGGER,
  },
  requires: [KEYVAULT_AUDIT],
  entities: ENTITIES,
  samples: {
    source: SOURCE,
    fires: [
      { name: "ten keys read with KeyGet", rows: { AzureDiagnostics: reads("KeyGet", "keys", names("cmk", 10), 5) } },
      { name: "six keys read and four backed up", rows: { AzureDiagnostics: [...reads("KeyGet", "keys", names("cmk", 6), 5), ...reads("KeyBackup", "keys", names("sign", 4), 20)] } },
      keyArrival.fires,
    ],
    quiet: [
      { name: "nine keys read", rows: { AzureDiagnostics: reads("KeyGet", "keys", names("cmk", 9), 5) } },
      { name: "ten keys listed only (KeyList)", rows: { AzureDiagnostics: reads("KeyList", "keys", names("cmk", 10), 5) } },
      { name: "ten KeyGet denied", rows: { AzureDiagnostics: reads("KeyGet", "keys", names("cmk", 10), 5, FORBIDDEN) } },
      { name: "one key used for 50 wrap operations (encryption at rest)", rows: { AzureDiagnostics: Array.from({ length: 50 }, (_, i) => kvRow(1 + i, "KeyWrap", { kind: "keys", name: "cmk-1" })) } },
      keyArrival.quiet,
    ],
  },
};

const backupArrival = arrivalCases((start, over) => [kvRow(start, "KeyBackup", { kind: "keys", name: "cmk-1" }, over)], 15);

const backup: Detection = {
  key: "azt604-3-vault-object-backup",
  technique: "AZT604.3",
  tactic: "Credential Access",
  name: "Key Vault key, secret or certificate backed up",
  description:
    "An identity downloaded a backup of a key, secret or certificate (KeyBackup, SecretBackup, CertificateBackup). A backup " +
    "is the full object, private key material included, encrypted for restore into any vault of the same subscription and " +
    "geography: an attacker who controls such a vault gets a working copy. Backups are rare outside disaster-recovery tooling.",
  falsePositives: ["Scheduled disaster-recovery backups by a known automation identity (add its app id or object id to the allowlists)."],
  triage: [
    "Confirm with the vault owner that a backup was planned, and by whom.",
    "Search all vault logs in the tenant for KeyRestore/SecretRestore/CertificateRestore of the same object names.",
    "If not planned: rotate the backed-up objects and review the identity.",
  ],
  references: [`${ATRM}/AZT604/AZT604-3/`, ...REFS, "https://learn.microsoft.com/azure/key-vault/general/backup"],
  severity: 2,
  ...countSchedule("PT15M"),
  parameters: kvParams({ minObjects: countParam("Distinct objects backed up by one identity within the rule's 45-minute count (15 minutes plus late rows) to alert.", 1) }),
  signal: {
    kind: "query",
    query: (p) => distinctReadsQuery(p, ["KeyBackup", "SecretBackup", "CertificateBackup"], num(p, "minObjects"), "PT15M"),
    trigger: DUMP_TRIGGER,
  },
  requires: [KEYVAULT_AUDIT],
  entities: ENTITIES,
  samples: {
    source: SOURCE,
    fires: [{ name: "one key backed up", rows: { AzureDiagnostics: [kvRow(5, "KeyBackup", { kind: "keys", name: "cmk-1" })] } }, backupArrival.fires],
    quiet: [
      { name: "backup denied", rows: { AzureDiagnostics: [kvRow(5, "KeyBackup", { kind: "keys", name: "cmk-1" }, FORBIDDEN)] } },
      { name: "backup older than the window", rows: { AzureDiagnostics: [kvRow(20, "SecretBackup", { kind: "secrets", name: "db" })] } },
      {
        name: "backup by the allowlisted DR automation",
        parameters: { allowedCallers: [ATTACKER] },
        rows: { AzureDiagnostics: [kvRow(5, "KeyBackup", { kind: "keys", name: "cmk-1" })] },
      },
      backupArrival.quiet,
    ],
  },
};

export const technique: TechniqueModule = { detections: [secretDump, deniedThenRead, certificateDump, keyDump, backup] };
