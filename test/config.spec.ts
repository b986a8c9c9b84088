// Stack config: defaults, and one clear error per problem naming the key and what is allowed,
// thrown before any resource is declared.
import { expect } from "chai";
import { ConfigError, parseStackConfig, rawFromPulumiConfig } from "../config";
import { resolveDetections } from "../planning/resolve";
import { detectionsForTactic } from "../detections";
import { runStack } from "../tools/mockStack";

const base = { location: "westeurope" };
const WS = "/subscriptions/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-sec";

/** The problems a config produces, from parsing and resolving (what the program does first). */
function problems(raw: Record<string, unknown>): string[] {
  try {
    resolveDetections(parseStackConfig(raw, "dev"));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe("stack config", () => {
  it("applies documented defaults", () => {
    const c = parseStackConfig(base, "dev");
    expect(c.resourceGroupName).to.equal("azdetect-dev");
    expect(c.createResourceGroup).to.equal(true);
    expect(c.workspace).to.deep.equal({ mode: "create", name: "azdetect-dev", sku: "PerGB2018", retentionInDays: 90, retainOnDelete: true });
    expect(c.tactics).to.have.length(7);
    expect(c.preferActivityLogAlerts).to.equal(true);
    expect(c.skipQueryValidation, "unset: decided per rule").to.equal(undefined);
    expect(c.allowlists).to.deep.equal({ callers: [], appIds: [], ipAddresses: [], userPrincipalNames: [], objectIds: [] });
  });

  it("puts the object ids among allowlists.callers (service principals, managed identities) into objectIds, lower-cased", () => {
    const c = parseStackConfig({ ...base, allowlists: { callers: ["deploy@contoso.com", "7D3C1F9E-2B4A-4C8D-9E0F-1A2B3C4D5E6F"], objectIds: ["1b1b1b1b-4444-4d4d-8e8e-5f5f5f5f5f5f"] } }, "dev");
    expect(c.allowlists.objectIds).to.deep.equal(["1b1b1b1b-4444-4d4d-8e8e-5f5f5f5f5f5f", "7d3c1f9e-2b4a-4c8d-9e0f-1a2b3c4d5e6f"]);
    expect(c.allowlists.callers).to.deep.equal(["deploy@contoso.com", "7D3C1F9E-2B4A-4C8D-9E0F-1A2B3C4D5E6F"]);
  });

  it("references an existing workspace without creating one", () => {
    expect(parseStackConfig({ ...base, workspace: { existingId: WS } }, "dev").workspace).to.deep.equal({ mode: "existing", id: WS });
  });

  it("parses Pulumi's flat config map (JSON objects, plain strings, other projects ignored)", () => {
    const raw = rawFromPulumiConfig({ "azdetect:location": "westeurope", "azdetect:tactics": '["Execution"]', "azdetect:skipQueryValidation": "true", "azure-native:location": "x" });
    expect(raw).to.deep.equal({ location: "westeurope", tactics: ["Execution"], skipQueryValidation: true });
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["missing location", {}, /^azdetect:location: required — expected string$/],
    ["location with spaces", { location: "West Europe" }, /^azdetect:location: "West Europe" is not an Azure region — did you mean westeurope\?/],
    ["unknown top-level key", { ...base, tactic: ["Execution"] }, /^azdetect:tactic: unknown key — expected one of: location, resourceGroupName, .*tactics/],
    ["unknown tactic", { ...base, tactics: ["Execution", "Persistence", "Exfil"] }, /^azdetect:tactics\[2\]: "Exfil" is not allowed — expected one of: Reconnaissance, Initial Access, Execution, Privilege Escalation, Persistence, Credential Access, Impact$/],
    ["empty tactic list", { ...base, tactics: [] }, /^azdetect:tactics: select at least one tactic/],
    ["unknown detection key in overrides", { ...base, overrides: { "azt999-nope": { severity: 1 } } }, /^azdetect:overrides\.azt999-nope: unknown detection key or technique "azt999-nope" — expected a detection key/],
    ["technique id without detections", { ...base, overrides: { "AZT999.1": { enabled: false } } }, /^azdetect:overrides\.AZT999\.1: unknown detection key or technique/],
    ["severity above 4", { ...base, overrides: { "azt301-1-runcommand": { severity: 7 } } }, /^azdetect:overrides\.azt301-1-runcommand\.severity: 7 is too large — at most 4$/],
    ["negative severity", { ...base, overrides: { "azt301-1-runcommand": { severity: -1 } } }, /^azdetect:overrides\.azt301-1-runcommand\.severity: -1 is too small — at least 0$/],
    ["malformed ISO-8601 duration", { ...base, overrides: { "azt301-1-runcommand": { evaluationFrequency: "5m" } } }, /^azdetect:overrides\.azt301-1-runcommand\.evaluationFrequency: "5m" is not an ISO-8601 duration — expected e\.g\. PT5M/],
    // patterns/arrival.ts: a log search rule's window holds its slot (frequency + 2-minute overlap).
    ["a log search window that cannot hold the slot", { ...base, allowlists: { callers: ["ci@contoso.com"] }, overrides: { "azt301-1-runcommand": { evaluationFrequency: "PT15M", windowSize: "PT15M" } } }, /^azdetect:overrides\.azt301-1-runcommand: windowSize PT15M is shorter than evaluationFrequency PT15M \+ the PT2M arrival overlap: .* use at least PT30M$/],
    ["window shorter than frequency", { ...base, overrides: { "azt301-1-runcommand": { evaluationFrequency: "PT15M", windowSize: "PT5M" } } }, /^azdetect:overrides\.azt301-1-runcommand: windowSize PT5M is shorter than evaluationFrequency PT15M/],
    ["frequency beyond Azure's range", { ...base, overrides: { AZT301: { evaluationFrequency: "P2D", windowSize: "P2D" } } }, /^azdetect:overrides\.AZT301: evaluationFrequency P2D is not a frequency Azure accepts — expected one of: PT5M, PT10M, PT15M, PT30M, PT45M, PT1H, PT2H, PT3H, PT4H, PT5H, PT6H, P1D /],
    ["window beyond two days", { ...base, overrides: { "AZT301.1": { windowSize: "P3D" } } }, /^azdetect:overrides\.AZT301\.1: windowSize P3D is not a window Azure accepts — expected one of: PT5M, PT10M, PT15M, PT30M, PT45M, PT1H, PT2H, PT3H, PT4H, PT5H, PT6H, P1D, P2D /],
    // Azure/azure-rest-api-specs#21258: windows between the granularities are refused; hashicorp/terraform-provider-azurerm (query_time_range_override).
    ["a window between Azure's granularities", { ...base, overrides: { "azt301-1-runcommand": { windowSize: "PT20M" } } }, /^azdetect:overrides\.azt301-1-runcommand: windowSize PT20M is not a window Azure accepts — expected one of: PT5M, PT10M, PT15M, PT30M, PT45M/],
    ["a query time range between Azure's granularities", { ...base, overrides: { "azt301-1-runcommand": { overrideQueryTimeRange: "PT1H15M" } } }, /^azdetect:overrides\.azt301-1-runcommand: overrideQueryTimeRange PT1H15M is not a query time range Azure accepts — expected one of: PT5M, .*PT1H, PT2H/],
    // A one-minute frequency fails for queries using ingestion_time() (learn.microsoft.com, "Create or edit a log search alert rule").
    ["a one-minute frequency", { ...base, overrides: { "azt301-1-runcommand": { evaluationFrequency: "PT1M", windowSize: "PT5M" } } }, /^azdetect:overrides\.azt301-1-runcommand: evaluationFrequency PT1M is refused: a one-minute frequency fails for queries that use ingestion_time\(\)/],
    ["malformed workspace resource id", { ...base, workspace: { existingId: "/subscriptions/abc/workspaces/x" } }, /^azdetect:workspace\.existingId: "\/subscriptions\/abc\/workspaces\/x" is not an Azure resource id — expected \/subscriptions\/<subscription-guid>\/resourceGroups\/<group>\/providers\/Microsoft\.OperationalInsights\/workspaces\/<name>$/],
    ["resource id of the wrong type", { ...base, workspace: { existingId: WS.replace("Microsoft.OperationalInsights/workspaces", "Microsoft.KeyVault/vaults") } }, /^azdetect:workspace\.existingId: .* is a Microsoft\.KeyVault\/vaults — expected a Microsoft\.OperationalInsights\/workspaces resource id/],
    ["existing workspace with create settings", { ...base, workspace: { existingId: WS, retentionInDays: 30 } }, /^azdetect:workspace: existingId references a workspace the stack does not manage/],
    ["retention outside 30-730", { ...base, workspace: { retentionInDays: 7 } }, /^azdetect:workspace\.retentionInDays: 7 is too small — at least 30$/],
    ["unknown override field", { ...base, overrides: { "azt301-1-runcommand": { sev: 1 } } }, /^azdetect:overrides\.azt301-1-runcommand\.sev: unknown key — expected one of: enabled, severity, /],
    ["unknown parameter", { ...base, overrides: { "azt301-1-runcommand": { parameters: { allowedCaller: ["x"] } } } }, /^azdetect:overrides\.azt301-1-runcommand\.parameters\.allowedCaller: unknown parameter for azt301-1-runcommand — expected one of: allowedCallers$/],
    ["parameter of the wrong type", { ...base, overrides: { "azt301-1-runcommand": { parameters: { allowedCallers: "a@b.c" } } } }, /^azdetect:overrides\.azt301-1-runcommand\.parameters\.allowedCallers: expected a list of non-empty strings, got "a@b.c"$/],
    ["activity-log alert with an allowlist", { ...base, allowlists: { callers: ["ci@contoso.com"] }, overrides: { "azt301-1-runcommand": { alertKind: "activityLog" } } }, /^azdetect:overrides\.azt301-1-runcommand\.alertKind: azt301-1-runcommand cannot be an activity-log alert because parameter allowedCallers is set/],
    ["unknown alert kind", { ...base, overrides: { "azt301-1-runcommand": { alertKind: "metric" } } }, /^azdetect:overrides\.azt301-1-runcommand\.alertKind: "metric" is not allowed — expected one of: scheduledQuery, activityLog$/],
    ["empty selection", { ...base, tactics: ["Execution"], overrides: Object.fromEntries(detectionsForTactic("Execution").map((d) => [d.key, { enabled: false }])) }, /^azdetect:tactics: the selection deploys no detection/],
    ["a locked schedule (correlation by arrival)", { ...base, overrides: { "azt301-1-runcommand-scriptblock": { evaluationFrequency: "PT30M", windowSize: "PT30M" } } }, /^azdetect:overrides\.azt301-1-runcommand-scriptblock\.evaluationFrequency: azt301-1-runcommand-scriptblock's evaluationFrequency cannot be changed — the query reports a pair in the run that ingests its last row/],
    ["a baseline's two-day range", { ...base, overrides: { AZT104: { overrideQueryTimeRange: "P1D" } } }, /^azdetect:overrides\.AZT104\.overrideQueryTimeRange: azt104-graph-user-enumeration's overrideQueryTimeRange cannot be changed — the query compares the last 24 hours/],
    ["a query with its own ago() slots", { ...base, overrides: { "azt601-3-logicapp-change-and-run": { evaluationFrequency: "PT2H" } } }, /^azdetect:overrides\.azt601-3-logicapp-change-and-run\.evaluationFrequency: .*cannot be changed — its query selects its own time slots with ago\(\)/],
    ["allowlist entries must be non-empty strings", { ...base, allowlists: { callers: [""] } }, /^azdetect:allowlists\.callers\[0\]: "" is too short — at least 1 characters$/],
    // cost-logs.md "Legacy pricing tiers" / "Commitment tiers": refused with the reason, not sent half-configured.
    ["a legacy workspace tier", { ...base, workspace: { sku: "Standalone" } }, /^azdetect:workspace\.sku: "Standalone" is not allowed — expected PerGB2018\. Standalone is a legacy tier, open only to subscriptions that had a Log Analytics workspace on April 2, 2018/],
    ["a commitment tier without its level", { ...base, workspace: { sku: "CapacityReservation" } }, /^azdetect:workspace\.sku: "CapacityReservation" is not allowed — expected PerGB2018\. CapacityReservation \(a commitment tier\) needs a capacityReservationLevel/],
    ["tags must be strings, numbers or booleans", { ...base, tags: { owner: { name: "x" } } }, /^azdetect:tags\.owner: expected string/],
  ];
  for (const [what, raw, re] of bad) {
    it(`rejects ${what}`, () => {
      const p = problems(raw);
      expect(p.some((x) => re.test(x)), `problems:\n${p.join("\n")}`).to.equal(true);
    });
  }

  describe("detections that ship off (offByDefault)", () => {
    const [on, other] = detectionsForTactic("Execution").filter((d) => d.signal.kind === "query" && !d.offByDefault);
    const off = {
      ...other,
      offByDefault: { reason: "noisy", expectedVolume: "many", requiredParameters: ["allowedCallers"] },
    };
    const keys = (raw: Record<string, unknown>) => resolveDetections(parseStackConfig(raw, "dev"), [on, off]).map((d) => d.key);

    it("are not deployed unless an override enables them", () => {
      expect(keys({ ...base })).to.deep.equal([on.key]);
    });

    it("are deployed when enabled by key or by technique, with their required parameters set", () => {
      const params = { parameters: { allowedCallers: ["ops@contoso.com"] } };
      expect(keys({ ...base, overrides: { [off.key]: { enabled: true, ...params } } })).to.deep.equal([on.key, off.key]);
      expect(keys({ ...base, overrides: { [off.technique]: { enabled: true }, [off.key]: params } })).to.include(off.key);
    });

    it("name the empty required parameter when enabled without it", () => {
      let problems: string[] = [];
      try {
        resolveDetections(parseStackConfig({ ...base, overrides: { [off.key]: { enabled: true } } }, "dev"), [on, off]);
      } catch (e) {
        problems = (e as ConfigError).problems;
      }
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(new RegExp(`^azdetect:overrides\\.${off.key.replace(/[-.]/g, "\\$&")}\\.parameters\\.allowedCallers: ${off.key} is enabled but allowedCallers is empty — Callers`));
    });
  });

  it("reports every problem at once", () => {
    const p = problems({ location: "westeurope", tactics: ["Exfil"], overrides: { x: { severity: 9 } }, extra: 1 });
    expect(p.length).to.be.greaterThanOrEqual(3);
  });

  it("fails before any resource is declared", async () => {
    let err: unknown;
    try {
      await runStack({ location: "westeurope", tactics: ["Exfil"] });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
  });
});
