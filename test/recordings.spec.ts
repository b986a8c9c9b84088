// The replay of public recordings of rows Azure wrote (azure/recordings/) through every detection
// that reads their table: attacks found, benign rows quiet unless the alert is explained.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { detectionByKey } from "../detections";
import { EVIDENCE, loadManifest, RECORDINGS_DIR, recordingRows, replay, replayAll, tablesRead, type RecordingResult } from "../planning/recordings";

describe("public recordings of rows Azure wrote (azure/recordings/)", () => {
  const manifest = loadManifest();
  let results: RecordingResult[] = [];
  before(() => {
    results = replayAll(manifest);
  });

  it("every table the catalogue reads has a recording or the sources searched for one", () => {
    const recorded = new Set(manifest.recordings.map((r) => r.table));
    expect(manifest.searched["*"], "sources searched for every table").to.be.an("array").that.is.not.empty;
    for (const r of manifest.recordings) expect(tablesRead(), `${r.file}: table ${r.table}`).to.include(r.table);
    expect(tablesRead().filter((t) => recorded.has(t)).length).to.be.greaterThan(0);
  });

  it("every recording is pinned in SOURCES.md by repository, path and commit, with its licence text", () => {
    const sources = fs.readFileSync(path.join(RECORDINGS_DIR, "SOURCES.md"), "utf8");
    for (const r of manifest.recordings) {
      expect(fs.existsSync(path.join(RECORDINGS_DIR, r.file)), r.file).to.equal(true);
      for (const s of [r.file, r.source.repo, r.source.path, r.source.commit]) expect(sources, `${r.file}: ${s}`).to.include(s);
      expect(fs.existsSync(path.join(RECORDINGS_DIR, `LICENSE-${r.source.repo.replace("/", "-")}`)), `licence text of ${r.source.repo}`).to.equal(true);
      // Whole files where the source is small: the largest, azureActivity_adele.csv, is 156 KiB (23 rows; each row repeats its JSON twice).
      expect(fs.statSync(path.join(RECORDINGS_DIR, r.file)).size, `${r.file} stays small`).to.be.below(192 * 1024);
    }
  });

  it("every recording says which kind of evidence it is, and SOURCES.md lists it under that kind", () => {
    const sources = fs.readFileSync(path.join(RECORDINGS_DIR, "SOURCES.md"), "utf8");
    const exportsPart = sources.slice(sources.indexOf("## Recorded exports"), sources.indexOf("## Documented examples"));
    const examplesPart = sources.slice(sources.indexOf("## Documented examples"));
    expect(exportsPart.length && examplesPart.length, "SOURCES.md has both sections").to.be.greaterThan(0);
    for (const r of manifest.recordings) {
      expect(EVIDENCE, r.file).to.include(r.evidence);
      const [mine, other] = r.evidence === "recorded export" ? [exportsPart, examplesPart] : [examplesPart, exportsPart];
      expect(mine, `${r.file} under its kind`).to.include(`\`${r.file}\``);
      expect(other, `${r.file} not under the other kind`).to.not.include(`\`${r.file}\``);
    }
    // A recorded export is the portal's CSV; a documented example never passes for one.
    const example = manifest.recordings.find((r) => r.evidence === "documented example")!;
    expect(() => recordingRows({ ...example, evidence: "recorded export" }, 0)).to.throw(/a recorded export is a CSV export/);
  });

  it("every recorded row converts, with a TimeGenerated", () => {
    for (const r of manifest.recordings) {
      const rows = recordingRows(r, 0).tables[r.table];
      expect(rows.length, r.file).to.be.greaterThan(0);
      for (const row of rows) expect(row.TimeGenerated, r.file).to.match(/^\d{4}-\d\d-\d\dT/);
    }
  });

  for (const r of loadManifest().recordings) {
    it(`${r.file} (${r.kind}): ${r.kind === "attack" ? "its technique's detections alert" : "nothing alerts"} except as stated`, () => {
      const x = results.find((y) => y.recording.file === r.file)!;
      expect(x.detections.length, `detections reading ${r.table}`).to.be.greaterThan(0);
      if (r.kind === "attack") expect(Object.keys(r.expectAlerts), "an attack recording names the detections that must find it").to.not.be.empty;
      const got = Object.fromEntries(x.detections.filter((d) => d.alerts.length).map((d) => [d.key, d.alerts.length]));
      const want = Object.fromEntries(Object.entries(r.expectAlerts).map(([k, v]) => [k, v.alerts]));
      expect(got, `alerts per detection over ${r.file}`).to.deep.equal(want);
    });
  }

  it("the replay is not vacuous: the benign AzureActivity rows, made a run command, alert", () => {
    const r = manifest.recordings.find((x) => x.table === "AzureActivity")!;
    const { tables } = recordingRows(r, 5 * 60_000);
    const [first, ...rest] = tables.AzureActivity;
    // The Start row of a run command (the rule alerts when the run starts; the recorded row is a Success row).
    const edited = { AzureActivity: [{ ...first, OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION", ActivityStatusValue: "Start" }, ...rest] };
    const d = detectionByKey("azt301-1-runcommand")!;
    expect(replay(d, tables).alerts, "as recorded").to.deep.equal([]);
    expect(replay(d, edited).alerts.map((a) => a.dimensions.Caller)).to.include("AdeleV@M365x816222.OnMicrosoft.com");
  });

  it("the converted Key Vault example has the columns the Key Vault queries read: made a secret backup, it alerts", () => {
    const r = manifest.recordings.find((x) => x.table === "AzureDiagnostics")!;
    const { tables } = recordingRows(r, 5 * 60_000);
    const [vaultGet] = tables.AzureDiagnostics;
    const d = detectionByKey("azt604-3-vault-object-backup")!;
    expect(replay(d, tables).alerts, "as published (VaultGet)").to.deep.equal([]);
    const backup = { ...vaultGet, OperationName: "SecretBackup", id_s: "https://contosokeyvault.vault.azure.net/secrets/db-password" };
    const alerts = replay(d, { AzureDiagnostics: [backup] }).alerts;
    expect(alerts.map((a) => a.dimensions.Identity)).to.deep.equal(["live.com#username@outlook.com"]);
  });

  it("an activity-log alert is evaluated per event, at its own time, however late it reaches Log Analytics", () => {
    const r = manifest.recordings.find((x) => x.file.endsWith("azure.execution.vm-run-command.json"))!;
    const d = detectionByKey("azt301-1-runcommand")!;
    for (const lag of [0, 45 * 60_000]) {
      // The Start event of the published run (the activity-log alert keys on the run's Start event; the publisher showed its completion).
      const { AzureActivity } = recordingRows(r, lag).tables;
      const started = { AzureActivity: AzureActivity.map((row) => ({ ...row, ActivityStatusValue: "Started" })) };
      const forms = replay(d, started).alerts.map((a) => a.form);
      expect(forms.filter((f) => f === "activity-log alert"), `lag ${lag / 60_000} min`).to.have.length(1);
    }
  });

  it("a recorded attack is found however late its rows land within the source's lag, and only once", () => {
    const attack = manifest.recordings.find((r) => r.kind === "attack" && r.evidence === "recorded export")!;
    for (const lag of ["PT1M", "PT45M"]) {
      const [x] = replayAll({ ...manifest, ingestionLag: lag, recordings: [attack] });
      for (const [key, want] of Object.entries(attack.expectAlerts)) {
        expect(x.detections.find((d) => d.key === key)!.alerts.length, `${key} at lag ${lag}`).to.equal(want.alerts);
      }
    }
  });
});
