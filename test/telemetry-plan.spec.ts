// The pure telemetry plan: what is deployed and what is missing, for fixture detections.
import { expect } from "chai";
import { applyTelemetry, planTelemetry, telemetryByTactic, telemetryTableMarkdown, extractTelemetryTable, levelsFrom } from "../planning/telemetry";
import { DETECTIONS } from "../detections";
import { tablesOf } from "../detections/model";
import { DIAGNOSTIC_TYPES, NOT_DEPLOYABLE, SYSLOG_FACILITIES, diagnosticTypeKey } from "../azure/telemetry-sources";
import { ConfigError } from "../config";
import { F, IDS, SCRIPT_BLOCK_LOGGING, XPATH_4104, XPATH_4624, fixture, sel, tcfg } from "./telemetry-fixtures";
import { readFileSync } from "fs";
import { join } from "path";

describe("telemetry plan", () => {
  it("default config: the Activity Log categories the detections need, nothing else", () => {
    const plan = planTelemetry(sel(F.activity), tcfg());
    expect(plan.activityLog).to.deep.equal({ categories: ["Administrative"], via: "settings" });
    expect(plan.entraId).to.equal(undefined);
    expect(plan.diagnostics).to.deep.equal([]);
    expect(plan.agent.windows).to.equal(undefined);
    expect(plan.agent.linux).to.equal(undefined);
    expect(plan.policy).to.deep.equal({ resourceLogs: false, agent: [] });
    expect(plan.gaps).to.deep.equal({});
  });

  it("a selection that needs nothing plans nothing", () => {
    const plan = planTelemetry(sel(F.nothing), tcfg({ agent: { vms: [{ id: IDS.winVm, os: "windows" }] }, diagnostics: { targets: [{ resourceId: IDS.keyVault }] } }));
    expect(plan.activityLog).to.equal(undefined);
    expect(plan.diagnostics).to.deep.equal([]);
    expect(plan.agent.vms).to.deep.equal([]);
    expect(plan.gaps).to.deep.equal({});
  });

  it("explicit Activity Log categories replace the derived ones; a needed category left out is a gap", () => {
    const plan = planTelemetry(sel(F.activity), tcfg({ activityLog: { categories: ["Security", "Policy"] } }));
    expect(plan.activityLog).to.deep.equal({ categories: ["Security", "Policy"], via: "settings" });
    expect(plan.gaps).to.deep.equal({ "azt900-activity": ["activityLog:Administrative (not in telemetry.activityLog.categories)"] });
  });

  it("every source disabled or untargeted: one gap per missing source, naming the config key", () => {
    const plan = planTelemetry(sel(F.activity, F.signIn, F.keyVault, F.blob, F.scriptBlock, F.ssh), tcfg({ activityLog: { enabled: false } }));
    expect(plan.gaps).to.deep.equal({
      "azt900-activity": ["activityLog:Administrative (telemetry.activityLog.enabled is false)"],
      "azt900-scriptblock": ["activityLog:Administrative (telemetry.activityLog.enabled is false)", "agent:windows (no Windows VM in telemetry.agent.vms)"],
      "azt900-signin": ["entraId:SignInLogs (telemetry.entraId.enabled is false)"],
      "azt900-keyvault": ["diagnostics:Microsoft.KeyVault/vaults (no target of that type in telemetry.diagnostics.targets)"],
      "azt900-blob": ["diagnostics:Microsoft.Storage/storageAccounts/blobServices (no target of that type in telemetry.diagnostics.targets)"],
      "azt900-ssh": ["agent:linux (no Linux VM in telemetry.agent.vms)"],
    });
    expect(plan.activityLog).to.equal(undefined);
    expect(plan.prerequisites).to.deep.equal({ "azt900-scriptblock": [SCRIPT_BLOCK_LOGGING] });
  });

  it("diagnostics: categories per target type, Dedicated where the detection reads resource-specific tables, storage on the service", () => {
    const plan = planTelemetry(sel(F.keyVault, F.blob, F.jobs), tcfg({
      diagnostics: { targets: [{ resourceId: IDS.keyVault }, { resourceId: IDS.storage }, { resourceId: IDS.automation }, { resourceId: IDS.nsg }] },
    }));
    expect(plan.diagnostics).to.deep.equal([
      { resourceUri: IDS.keyVault, resourceType: "Microsoft.KeyVault/vaults", categories: ["AuditEvent"], destination: "resourceSpecific", target: 0 },
      { resourceUri: `${IDS.storage}/blobServices/default`, resourceType: "Microsoft.Storage/storageAccounts/blobServices", categories: ["StorageRead", "StorageWrite"], destination: "resourceSpecific", target: 1 },
      { resourceUri: IDS.automation, resourceType: "Microsoft.Automation/automationAccounts", categories: ["JobLogs", "JobStreams"], destination: "AzureDiagnostics", target: 2 },
    ]);
    expect(plan.gaps).to.deep.equal({});
  });

  it("explicit target categories are exact: extras go to the type's default destination, missing ones are gaps", () => {
    const plan = planTelemetry(sel(F.jobs), tcfg({ diagnostics: { targets: [{ resourceId: IDS.automation, categories: ["JobLogs", "AuditEvent"] }, { resourceId: IDS.keyVault, categories: ["AuditEvent"] }] } }));
    expect(plan.diagnostics.map((s) => [s.resourceUri, s.categories, s.destination])).to.deep.equal([
      [IDS.automation, ["JobLogs", "AuditEvent"], "AzureDiagnostics"],
      [IDS.keyVault, ["AuditEvent"], "AzureDiagnostics"],
    ]);
    expect(plan.gaps).to.deep.equal({ "azt900-jobs": ["diagnostics:Microsoft.Automation/automationAccounts:JobStreams (not in the categories of telemetry.diagnostics.targets[0])"] });
  });

  it("one category wanted in both destinations goes resource-specific once; the AzureDiagnostics reader gets a gap", () => {
    const plan = planTelemetry(sel(F.keyVault, F.keyVaultShared), tcfg({ diagnostics: { targets: [{ resourceId: IDS.keyVault }] } }));
    expect(plan.diagnostics).to.have.length(1);
    expect(plan.diagnostics[0]).to.include({ destination: "resourceSpecific" });
    expect(plan.gaps["azt900-keyvault-shared"]).to.deep.equal([
      "diagnostics:Microsoft.KeyVault/vaults:AuditEvent (collected into resourceSpecific tables for another detection; one category goes to a workspace once per resource)",
    ]);
  });

  it("agent: one DCR per OS with the detections' XPath/facilities plus config extras; only VMs of an OS with a DCR", () => {
    const plan = planTelemetry(sel(F.scriptBlock, F.logons, F.ssh), tcfg({
      agent: {
        vms: [{ id: IDS.winVm, os: "windows" }, { id: IDS.linuxVm, os: "linux", location: "northeurope", installAgent: false }],
        windowsEvents: [{ xPath: "Security!*[System[(EventID=4688)]]", stream: "Microsoft-SecurityEvent" }, { xPath: XPATH_4104, stream: "Microsoft-Event" }],
        syslog: [{ facility: "auth", minimumLevel: "Debug" }, { facility: "cron", minimumLevel: "Warning" }],
      },
    }));
    expect(plan.agent.windows).to.deep.equal({ xPathQueries: { "Microsoft-Event": [XPATH_4104], "Microsoft-SecurityEvent": [XPATH_4624, "Security!*[System[(EventID=4688)]]"] } });
    expect(plan.agent.linux).to.deep.equal({
      syslog: [
        { facilities: ["auth"], logLevels: levelsFrom("Debug") },
        { facilities: ["authpriv"], logLevels: levelsFrom("Info") },
        { facilities: ["cron"], logLevels: ["Warning", "Error", "Critical", "Alert", "Emergency"] },
      ],
    });
    expect(plan.agent.vms).to.deep.equal([
      { id: IDS.winVm, os: "windows", location: undefined, installAgent: true },
      { id: IDS.linuxVm, os: "linux", location: "northeurope", installAgent: false },
    ]);
    expect(plan.gaps).to.deep.equal({});
  });

  it("policy: AzureDiagnostics logs of initiative types and the agent without listed VMs are pending until remediated; resource-specific reads are missing", () => {
    const plan = planTelemetry(sel(F.jobs, F.keyVault, F.ssh), tcfg({ policy: { enabled: true } }));
    expect(plan.policy).to.deep.equal({ resourceLogs: true, agent: ["linux"] });
    expect(plan.agent.linux).to.not.equal(undefined);
    expect(plan.agent.vms).to.deep.equal([]);
    const jobs = "diagnostics:Microsoft.Automation/automationAccounts (pending: the resource-logs initiative at the subscription, until its remediation task has run — then list resourceLogs in telemetry.policy.remediated)";
    const ssh = "agent:linux (pending: the agent initiative at the subscription, until its remediation task has run — then list agent in telemetry.policy.remediated)";
    expect(plan.gaps).to.deep.equal({
      "azt900-jobs": [jobs],
      "azt900-keyvault": ["diagnostics:Microsoft.KeyVault/vaults (no target of that type in telemetry.diagnostics.targets; the policy initiative writes AzureDiagnostics only)"],
      "azt900-ssh": [ssh],
    });
    expect(plan.pending).to.deep.equal({ "azt900-jobs": [jobs], "azt900-ssh": [ssh] });
  });

  it("policy: a remediation recorded in telemetry.policy.remediated turns pending into delivered, source by source", () => {
    const plan = planTelemetry(sel(F.jobs, F.keyVault, F.ssh), tcfg({ policy: { enabled: true, remediated: ["resourceLogs", "agent"] } }));
    expect(plan.gaps).to.deep.equal({
      "azt900-keyvault": ["diagnostics:Microsoft.KeyVault/vaults (no target of that type in telemetry.diagnostics.targets; the policy initiative writes AzureDiagnostics only)"],
    });
    expect(plan.pending).to.deep.equal({});
    expect(Object.keys(planTelemetry(sel(F.jobs, F.ssh), tcfg({ policy: { enabled: true, remediated: ["agent"] } })).pending)).to.deep.equal(["azt900-jobs"]);
  });

  it("skipDetectionsWithoutTelemetry keeps a detection whose only gap is pending (a policy of the stack delivers it)", () => {
    const applied = applyTelemetry(sel(F.jobs, F.keyVault), tcfg({ policy: { enabled: true }, skipDetectionsWithoutTelemetry: true }));
    expect(applied.skipped).to.deep.equal(["azt900-keyvault"]);
    expect(applied.detections.map((d) => d.key)).to.deep.equal(["azt900-jobs"]);
  });

  it("a source the stack cannot deploy (Intune) is a gap that says what to do by hand, until listed as provided", () => {
    const intune = fixture("azt900-intune", [{ source: "diagnostics", resourceType: "Microsoft.Intune", categories: ["AuditLogs"], destination: "resourceSpecific", tables: ["IntuneAuditLogs"] }]);
    expect(planTelemetry(sel(intune), tcfg()).gaps["azt900-intune"]).to.deep.equal([`diagnostics:Microsoft.Intune (${NOT_DEPLOYABLE["Microsoft.Intune"].reason})`]);
    expect(planTelemetry(sel(intune), tcfg({ provided: ["diagnostics:Microsoft.Intune"] })).gaps).to.deep.equal({});
  });

  it("provided sources are neither deployed nor gaps", () => {
    const plan = planTelemetry(sel(F.activity, F.signIn, F.keyVault, F.scriptBlock), tcfg({ provided: ["activityLog", "entraId:SignInLogs", "diagnostics:microsoft.keyvault/vaults", "agent:windows"] }));
    expect(plan.activityLog).to.equal(undefined);
    expect(plan.gaps).to.deep.equal({});
  });

  it("skipDetectionsWithoutTelemetry drops detections with gaps, replans for the rest, keeps their gaps", () => {
    const applied = applyTelemetry(sel(F.activity, F.signIn, F.scriptBlock), tcfg({ skipDetectionsWithoutTelemetry: true, agent: { vms: [{ id: IDS.winVm, os: "windows" }] } }));
    expect(applied.detections.map((d) => d.key)).to.deep.equal(["azt900-activity", "azt900-scriptblock"]);
    expect(applied.skipped).to.deep.equal(["azt900-signin"]);
    expect(applied.plan.gaps).to.have.keys("azt900-signin");
    expect(applied.warnings).to.deep.equal([
      "telemetry gap: azt900-signin needs entraId:SignInLogs (telemetry.entraId.enabled is false) — not deployed (telemetry.skipDetectionsWithoutTelemetry)",
      `telemetry prerequisite for azt900-scriptblock: ${SCRIPT_BLOCK_LOGGING}`,
    ]);
    const noneLeft = () => applyTelemetry(sel(F.signIn), tcfg({ skipDetectionsWithoutTelemetry: true }));
    expect(noneLeft).to.throw(ConfigError, /azdetect:telemetry\.skipDetectionsWithoutTelemetry: every selected detection lacks telemetry/);
  });

  // data-collection-windows-events.md: SecurityEvent is collected when Microsoft Sentinel is enabled on the workspace.
  it("warns that a SecurityEvent stream needs Microsoft Sentinel, and only then", () => {
    const vms = [{ id: IDS.winVm, os: "windows" as const }];
    const sentinel = (w: string[]) => w.filter((x) => x.includes("needs Microsoft Sentinel"));
    expect(sentinel(applyTelemetry(sel(F.logons), tcfg({ agent: { vms } })).warnings)).to.deep.equal([
      "telemetry prerequisite for the Windows data collection rule: stream Microsoft-SecurityEvent (SecurityEvent table) needs Microsoft Sentinel enabled on the workspace; without it use stream Microsoft-Event (Event table)",
    ]);
    expect(sentinel(applyTelemetry(sel(F.scriptBlock), tcfg({ agent: { vms } })).warnings)).to.deep.equal([]);
  });

  it("without skip, detections with gaps stay deployed", () => {
    const applied = applyTelemetry(sel(F.activity, F.signIn), tcfg());
    expect(applied.detections).to.have.length(2);
    expect(applied.skipped).to.deep.equal([]);
  });
});

describe("telemetry: the catalogue's requirements are deployable", () => {
  for (const d of DETECTIONS) {
    it(`${d.key}: every requirement maps to a telemetry component`, () => {
      for (const r of d.requires) {
        if (r.source === "diagnostics" && NOT_DEPLOYABLE[r.resourceType]) {
          // A documented gap: the plan reports it with what to do by hand.
          for (const c of r.categories) expect(r.tables, `${d.key}: ${r.resourceType} ${c}`).to.include(NOT_DEPLOYABLE[r.resourceType].tables[c]);
        } else if (r.source === "diagnostics") {
          const type = diagnosticTypeKey(r.resourceType);
          expect(type, `${d.key}: unknown diagnostics type ${r.resourceType}`).to.be.a("string");
          const spec = DIAGNOSTIC_TYPES[type!];
          const tables = spec.tables[r.destination];
          expect(tables, `${d.key}: ${type} has no ${r.destination} destination`).to.be.an("object");
          for (const c of r.categories) expect(spec.categories, `${d.key}: ${type} category`).to.include(c);
          expect(r.tables, `${d.key}: tables of ${type} ${r.destination}`).to.have.members([...new Set(r.categories.map((c) => tables![c]))]);
        }
        if (r.source === "agent" && r.os === "linux") for (const f of r.facilities) expect(SYSLOG_FACILITIES as readonly string[]).to.include(f);
        if (r.source === "agent" && r.os === "windows") for (const q of r.xPathQueries) expect(q).to.match(/^[^![\]]+!.+$/);
        expect(tablesOf(r).length).to.be.greaterThan(0);
      }
    });
  }
});

describe("telemetry by tactic", () => {
  it("summarises fixture detections per tactic with their tables", () => {
    const t = telemetryByTactic([F.activity, F.signIn, F.keyVault, F.scriptBlock, F.ssh]);
    expect(t.Execution).to.deep.equal({
      detections: 2, activityLog: ["Administrative"], entraId: [], diagnostics: [],
      agent: [`Windows ${XPATH_4104} → Event`],
    });
    expect(t["Initial Access"].entraId).to.deep.equal(["SignInLogs → SigninLogs"]);
    expect(t["Initial Access"].agent).to.deep.equal(["Linux syslog auth,authpriv ≥ Info → Syslog"]);
    expect(t["Credential Access"].diagnostics).to.deep.equal(["Microsoft.KeyVault/vaults AuditEvent → AZKVAuditLogs"]);
    expect(t.Impact.detections).to.equal(0);
  });

  it("docs/telemetry.md holds the table generated from the catalogue (regenerate: npm run telemetry-table)", () => {
    const doc = readFileSync(join(__dirname, "..", "docs", "telemetry.md"), "utf8");
    expect(extractTelemetryTable(doc)).to.equal(telemetryTableMarkdown());
  });
});
