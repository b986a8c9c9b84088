// The catalogue as data for users and tooling: `npm run catalog -- --format json|markdown`.
// The JSON shape is an interface others depend on: add fields, never rename or remove them.
import { DETECTIONS, UNCOVERED } from "../detections/index";
import { atrmUrl } from "../detections/atrm";
import { defaultQuery } from "./checks";
import type { Detection, Requirement } from "../detections/model";
import { tablesOf } from "../detections/model";
import { queryTimeRange, triggerOf } from "./resolve";

export interface ExportedDetection {
  key: string;
  technique: string;
  tactic: string;
  name: string;
  description: string;
  severity: number;
  /** The form deployed with default config (activity-log alerts are preferred where possible). */
  alertKind: "scheduledQuery" | "activityLog";
  /** KQL with default parameters; for activity-log detections the equivalent query. */
  query: string;
  evaluationFrequency: string;
  windowSize: string;
  overrideQueryTimeRange?: string;
  trigger: ReturnType<typeof triggerOf>;
  /**
   * Tables the query reads. Taken from `requires`, which test/catalogue.spec.ts proves equal to the
   * tables in the parsed syntax tree: the export needs no Kusto parser (≈3 s per process).
   */
  tables: string[];
  requires: Requirement[];
  parameters: Record<string, { type: string; default: unknown; description: string; allowlist?: string }>;
  entities: Detection["entities"];
  falsePositives: string[];
  triage: string[];
  references: string[];
  /** false when stack config must enable it (`overrides.<key>.enabled: true`); see offByDefault. */
  enabledByDefault: boolean;
  offByDefault?: Detection["offByDefault"];
  revisions: NonNullable<Detection["revisions"]>;
}

export function exportDetection(d: Detection): ExportedDetection {
  const query = defaultQuery(d);
  return {
    key: d.key,
    technique: d.technique,
    tactic: d.tactic,
    name: d.name,
    description: d.description,
    severity: d.severity,
    alertKind: d.signal.kind === "activityLog" ? "activityLog" : "scheduledQuery",
    query,
    evaluationFrequency: d.evaluationFrequency,
    windowSize: d.windowSize,
    ...(queryTimeRange(d) ? { overrideQueryTimeRange: queryTimeRange(d) } : {}),
    trigger: triggerOf(d),
    tables: [...new Set(d.requires.flatMap(tablesOf))].sort(),
    requires: d.requires,
    parameters: Object.fromEntries(Object.entries(d.parameters ?? {}).map(([k, p]) => [k, {
      type: p.type, default: p.default, description: p.description, ...(p.type === "stringList" && p.allowlist ? { allowlist: p.allowlist } : {}),
    }])),
    entities: d.entities,
    falsePositives: d.falsePositives,
    triage: d.triage,
    references: d.references,
    enabledByDefault: !d.offByDefault,
    ...(d.offByDefault ? { offByDefault: d.offByDefault } : {}),
    revisions: d.revisions ?? [],
  };
}

export function catalogueJson(): { detections: ExportedDetection[]; uncovered: { technique: string; reason: string }[] } {
  return { detections: DETECTIONS.map(exportDetection), uncovered: UNCOVERED.map((u) => ({ technique: u.technique, reason: u.reason })) };
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * docs/detections.md's account of how every log search rule behaves in Azure whatever Azure's
 * undocumented choices (issue 14, items 1-4): what changed in the catalogue, why, and the source.
 */
const HOW_RULES_RUN_IN_AZURE = [
  "## How every log search rule runs in Azure",
  "",
  "What holds for every rule above, whichever way Azure makes the choices its documentation leaves open, and the source of each fact.",
  "",
  "- **Result binning.** The scheduled query rules API calls `windowSize` the \"bin size\" and keeps it apart from the query time range " +
    "(Azure/azure-rest-api-specs, `specification/monitor/resource-manager/Microsoft.Insights/stable/2023-12-01/scheduledQueryRule_API.json`); " +
    "whether Azure counts result rows whose `TimeGenerated` is older than the evaluated bin is not documented. Every rule therefore outputs " +
    "`TimeGenerated` = the arrival (ingestion) time its arrival gate tests — the row that triggers the alert, or for a group the arrival its gate " +
    "keeps within the run's slot — and keeps the event time as `EventTime`; `windowSize` holds the slot (PT5M runs get PT10M, PT15M get PT30M, " +
    "PT1H get PT2H, P1D get P2D). Before this change (issue 14), 57 of the 83 log search rules the catalogue had then output the event time, which a late row puts in an older bin. " +
    "The alert emulator (`kusto/alert.ts`) models both readings, every sample case passes under both with every result row inside the bin, " +
    "and a lint fails a rule whose `TimeGenerated` does not flow from `ingestion_time()` alone (`planning/checks.ts`, `kusto/lint.ts`).",
  "- **Slot boundaries.** `ingestion_time()` is approximate and the time a record was \"ingested and ready for query\" " +
    "(MicrosoftDocs/dataexplorer-docs `data-explorer/kusto/query/ingestion-time-function.md`), and Microsoft Sentinel runs its own ingestion-time " +
    "rules two minutes behind (MicrosoftDocs/azure-docs `articles/sentinel/near-real-time-rules.md`). Each run's slot reaches two minutes " +
    "(`ARRIVAL_OVERLAP`) behind the previous run, so a row stamped just before a run but queryable only after it is still alerted. The price: a row " +
    "landing in those two minutes alerts in two consecutive runs (about 13% of alerts at PT15M, 3% at PT1H); never in a third. Every detection's " +
    "samples replay its first firing case at frequency + overlap after its arrival (it alerts: the duplicate) and after its last row (nothing alerts).",
  "- **No `union`.** \"We don't support creating or modifying log search alert rules that use search or union operators, except for cross-resource " +
    "queries\" (MicrosoftDocs/azure-monitor-docs `articles/azure-monitor/alerts/alerts-log-query.md`). `azt104-recon-tool-useragent`, " +
    "`azt107-scripted-arm-access-new-ip` and `azt701-2-sas-new-ip` used one; each now summarises every table on its own and merges the results " +
    "with a full outer join on the group keys (`detections/patterns/merge.ts`), so they keep their keys, alerts and cross-table history. A lint (`UNION`) fails any `union` or `search`.",
  "- **Compiles in any workspace.** A workspace's AzureDiagnostics table holds about 200 columns from the start and adds any other column the first " +
    "time a resource sends it (MicrosoftDocs/azure-reference-other `azure-monitor-ref/tables/azurediagnostics.md`); a query reading an absent column " +
    "fails to resolve. The schema marks the other columns `sparse`, a lint (`SPARSE`) fails a sparse column read outside `column_ifexists`, and " +
    "`azt704-1-keyvault-item-recover` now reads both Key Vault claim forms through `column_ifexists`, as the other Key Vault rules and Sentinel's do.",
  "- **First deployment in one `pulumi up`.** A table exists only once rows have arrived, and Azure refuses to create a rule whose query it cannot " +
    "resolve. Unless `skipQueryValidation` is set, each rule asks Azure to validate its query only where every table it reads already receives rows " +
    "from outside the stack (`telemetry.provided`); where the stack creates the workspace, switches a source on, or a source is a telemetry gap, the " +
    "rule skips Azure's check — every query was already analysed offline against the table schemas. `npm run plan` shows the choice per rule (`planning/validation.ts`).",
  "",
];

/** docs/detections.md: every detection and every uncovered technique. */
export function catalogueMarkdown(): string {
  const { detections, uncovered } = catalogueJson();
  const lines = [
    "# Detections",
    "",
    "Generated by `npm run --silent catalog -- --format markdown > docs/detections.md`; CI checks it is current.",
    "",
    `${new Set(detections.map((d) => d.technique)).size} ATRM leaf techniques covered by ${detections.length} detections; ${uncovered.length} uncovered.`,
    "",
    "| Technique | Key | Name | Tactic | Sev | Alert | Every / window | Tables | Default |",
    "|---|---|---|---|---|---|---|---|---|",
    ...detections.map((d) =>
      `| [${d.technique}](${atrmUrl(d.technique)}) | \`${d.key}\` | ${cell(d.name)} | ${d.tactic} | ${d.severity} | ${d.alertKind === "activityLog" ? "activity log" : "log search"} | ${d.alertKind === "activityLog" ? "each event" : `${d.evaluationFrequency} / ${d.overrideQueryTimeRange ?? d.windowSize}`} | ${d.tables.join(", ")} | ${d.enabledByDefault ? "on" : "off"} |`),
    "",
    "## Off by default",
    "",
    "Deployed only when stack config enables them: `overrides.<key>.enabled: true` (a technique id enables all of its detections), " +
      "plus the parameters listed as required.",
    "",
    "| Key | Why it ships off | Expected volume once enabled | Required parameters |",
    "|---|---|---|---|",
    ...detections.filter((d) => d.offByDefault).map((d) =>
      `| \`${d.key}\` | ${cell(d.offByDefault!.reason)} | ${cell(d.offByDefault!.expectedVolume)} | ${(d.offByDefault!.requiredParameters ?? []).map((p) => `\`${p}\``).join(", ") || "none"} |`),
    "",
    "## Changes of behaviour",
    "",
    "What changed in a released detection, why, and the outside source that showed it.",
    "",
    "| Key | Change | Why | Source |",
    "|---|---|---|---|",
    ...detections.flatMap((d) => d.revisions.map((r) => `| \`${d.key}\` | ${cell(r.change)} | ${cell(r.why)} | ${cell(r.source)} |`)),
    "",
    ...HOW_RULES_RUN_IN_AZURE,
    "## Uncovered techniques",
    "",
    "| Technique | Why Azure telemetry cannot see it |",
    "|---|---|",
    ...uncovered.map((u) => `| [${u.technique}](${atrmUrl(u.technique)}) | ${cell(u.reason)} |`),
    "",
  ];
  return lines.join("\n");
}
