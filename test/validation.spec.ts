// The first `pulumi up` succeeds (planning/validation.ts): a rule asks Azure to validate its query at
// creation only where every table it reads surely exists; elsewhere Azure would refuse to create it
// ("Failed to resolve table or column expression") until the table's first rows arrive. Under
// Pulumi's mocks, for a fresh workspace, an existing one whose telemetry already flows, one whose
// telemetry the stack switches on, and skipQueryValidation set explicitly.
import { expect } from "chai";
import { runStack, type StackRun } from "../tools/mockStack";
import { DETECTIONS } from "../detections";
import { sourceIds } from "../planning/cost";
import { queryValidation } from "../planning/validation";

const WS = "/subscriptions/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-sec";
const SQR = "azure-native:monitor:ScheduledQueryRule";
/** Every log source the catalogue reads (activityLog, entraId:<category>, diagnostics:<type>, agent:<os>). */
const ALL_SOURCES = [...new Set(DETECTIONS.flatMap((d) => d.requires.flatMap(sourceIds)))];
const allBut = (kind: string) => ALL_SOURCES.filter((s) => s.split(":")[0] !== kind);

/** skipQueryValidation of every declared log search rule, by detection key. */
const skips = (run: StackRun) => Object.fromEntries(run.ofType(SQR).map((r) => [r.name, r.inputs.skipQueryValidation as boolean]));
/** Overrides enabling every detection that ships off (offByDefault), with its required lists filled. */
const ENABLE_OFF_BY_DEFAULT = Object.fromEntries(DETECTIONS.filter((d) => d.offByDefault).map((d) => [d.key, {
  enabled: true,
  parameters: Object.fromEntries((d.offByDefault!.requiredParameters ?? []).map((name) => [name, ["admin@contoso.onmicrosoft.com"]])),
}]));
const reads = (key: string, source: string) => DETECTIONS.find((d) => d.key === key)!.requires.flatMap(sourceIds).some((s) => s === source || s.startsWith(source + ":"));

describe("query validation at creation: one pulumi up", () => {
  let fresh: StackRun;
  before(async () => {
    // Every tactic, every detection (those that ship off enabled) as a log search rule (no activity-log alerts), the Entra ID export on.
    fresh = await runStack({ location: "westeurope", preferActivityLogAlerts: false, overrides: ENABLE_OFF_BY_DEFAULT, telemetry: { entraId: { enabled: true } } });
  });

  it("a fresh workspace: every rule of the catalogue is declared, none asks Azure to validate its query", () => {
    const s = skips(fresh);
    expect(Object.keys(s).sort()).to.deep.equal(DETECTIONS.map((d) => d.key).sort());
    expect(Object.entries(s).filter(([, skip]) => skip !== true)).to.deep.equal([]);
  });

  it("an existing workspace whose telemetry already flows (telemetry.provided): every rule is validated", async () => {
    const run = await runStack({ location: "westeurope", preferActivityLogAlerts: false, overrides: ENABLE_OFF_BY_DEFAULT, workspace: { existingId: WS }, telemetry: { provided: ALL_SOURCES } });
    const s = skips(run);
    expect(Object.keys(s).length).to.equal(DETECTIONS.length);
    expect(Object.entries(s).filter(([, skip]) => skip !== false)).to.deep.equal([]);
  });

  it("an existing workspace where the stack switches the Activity Log export on: exactly the rules reading AzureActivity skip validation", async () => {
    const run = await runStack({ location: "westeurope", preferActivityLogAlerts: false, workspace: { existingId: WS }, telemetry: { provided: allBut("activityLog") } });
    const s = skips(run);
    const expected = Object.fromEntries(Object.keys(s).map((k) => [k, reads(k, "activityLog")]));
    expect(s).to.deep.equal(expected);
    expect(Object.values(s).filter(Boolean).length).to.be.greaterThan(0);
    expect(Object.values(s).filter((x) => !x).length).to.be.greaterThan(0);
  });

  it("an existing workspace with a telemetry gap: the rules reading the missing source skip validation", async () => {
    // The Entra ID export is off and not provided: those tables may never exist.
    const run = await runStack({ location: "westeurope", tactics: ["Initial Access", "Impact"], preferActivityLogAlerts: false, workspace: { existingId: WS }, telemetry: { provided: allBut("entraId") } });
    const s = skips(run);
    expect(s).to.deep.equal(Object.fromEntries(Object.keys(s).map((k) => [k, reads(k, "entraId")])));
  });

  for (const explicit of [true, false]) {
    it(`skipQueryValidation: ${explicit} set explicitly applies to every rule, whatever the workspace`, async () => {
      const run = await runStack({ location: "westeurope", tactics: ["Execution"], preferActivityLogAlerts: false, skipQueryValidation: explicit });
      const s = skips(run);
      expect(Object.keys(s).length).to.be.greaterThan(10);
      expect([...new Set(Object.values(s))]).to.deep.equal([explicit]);
    });
  }
});

describe("queryValidation without a telemetry plan (a program embedding the suite)", () => {
  it("skips Azure's check: whether the tables exist is not known; an explicit value still wins", () => {
    const d = DETECTIONS.find((x) => x.key === "azt502-1-user-created")!;
    expect(queryValidation({ key: d.key, detection: d }, { workspaceCreated: false })).to.deep.include({ skip: true });
    expect(queryValidation({ key: d.key, detection: d }, { workspaceCreated: false, skipQueryValidation: false })).to.deep.equal({ skip: false, reason: "skipQueryValidation: false in the stack config" });
  });
});
