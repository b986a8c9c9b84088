// Helpers shared by the Execution techniques: sample rows in the form Azure writes them, and two
// small detection factories (plain Activity Log operation match; control plane + PowerShell 4104
// correlation) so each technique file states only what differs.
import type { Detection, Entities, Parameter, Requirement, SampleCase, Trigger } from "../model";
import { minutesAgo } from "../model";
import { arrivalWindow } from "../patterns/arrival";
import {
  CORRELATION_TRIGGER, SCRIPT_BLOCK_REQUIREMENTS, correlationParameters, correlationSchedule, scriptBlockCorrelationQuery,
} from "../patterns/correlation";

export const SUB = "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11";
export const ATTACKER = "mallory@contoso.onmicrosoft.com";
export const ATTACKER_IP = "203.0.113.45";
export const ATRM = "https://microsoft.github.io/Azure-Threat-Research-Matrix/Execution";

/** A lower-case resource id as AzureActivity writes `_ResourceId` (log-values.md 1.1). */
export function resourceId(rg: string, provider: string, path: string): string {
  return `/subscriptions/${SUB}/resourcegroups/${rg}/providers/${provider}/${path}`.toLowerCase();
}
export const VM_ID = resourceId("rg-prod-app", "microsoft.compute", "virtualmachines/vm-web-01");

/** An AzureActivity row as diagnostic-settings export writes it (log-values.md 1.1-1.3). */
export function activityRow(minutes: number, over: Record<string, unknown>): Record<string, unknown> {
  return {
    TimeGenerated: minutesAgo(minutes),
    CategoryValue: "Administrative",
    OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
    ActivityStatusValue: "Success",
    ActivitySubstatusValue: "OK",
    ResourceProviderValue: "MICROSOFT.COMPUTE",
    ResourceGroup: "RG-PROD-APP",
    _ResourceId: VM_ID,
    SubscriptionId: SUB,
    Caller: ATTACKER,
    CallerIpAddress: ATTACKER_IP,
    CorrelationId: "0b9c8e7a-1f2d-4e3c-8b5a-6d7e8f9a0b1c",
    ...over,
  };
}

/** Start, Accept and Success rows of one asynchronous operation (log-values.md 1.3). */
export function operationRows(startMinutes: number, over: Record<string, unknown>): Record<string, unknown>[] {
  return [
    activityRow(startMinutes, { ActivityStatusValue: "Start", ActivitySubstatusValue: "", ...over }),
    activityRow(startMinutes, { ActivityStatusValue: "Accept", ActivitySubstatusValue: "Accepted", ...over }),
    // The completion row of some operations carries no caller address (log-values.md 1.1).
    activityRow(startMinutes - 1, { ...over, CallerIpAddress: "" }),
  ];
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * A PowerShell 4104 row in the Event table as the Azure Monitor Agent writes it (log-values.md 6):
 * EventData is the XML string of the event's data items, RenderedDescription the provider message.
 */
export function scriptBlockRow(minutes: number, o: { computer: string; resourceId?: string; path: string; text: string; blockId: string }): Record<string, unknown> {
  const data =
    `<DataItem type="System.XmlData" time="${minutesAgo(minutes)}" sourceHealthServiceId="00000000-0000-0000-0000-000000000000">` +
    `<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">` +
    `<Data Name="MessageNumber">1</Data><Data Name="MessageTotal">1</Data>` +
    `<Data Name="ScriptBlockText">${xmlEscape(o.text)}</Data><Data Name="ScriptBlockId">${o.blockId}</Data>` +
    `<Data Name="Path">${xmlEscape(o.path)}</Data></EventData></DataItem>`;
  return {
    TimeGenerated: minutesAgo(minutes),
    Source: "Microsoft-Windows-PowerShell",
    EventLog: "Microsoft-Windows-PowerShell/Operational",
    EventID: 4104,
    EventLevel: 5,
    EventLevelName: "Verbose",
    EventCategory: 2,
    Computer: o.computer,
    RenderedDescription: `Creating Scriptblock text (1 of 1):\r\n${o.text}\r\n\r\nScriptBlock ID: ${o.blockId}\r\nPath: ${o.path}`,
    EventData: data,
    ...(o.resourceId ? { _ResourceId: o.resourceId } : {}),
  };
}

/** Administrative Activity Log: what every AzureActivity-only detection reads. */
export const ACTIVITY_LOG: Requirement[] = [{ source: "activityLog", categories: ["Administrative"] }];
/** Who, from where, on what, in AzureActivity results. */
export const CALLER_ENTITIES: Entities = { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId" };
/** Fire on any result row, one alert per combination of the given result columns. */
export function anyRow(...dimensions: string[]): Trigger {
  return { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions };
}

/** The caller allowlist every Execution detection offers. */
export function allowedCallers(what: string): Record<string, Parameter> {
  return {
    allowedCallers: {
      type: "stringList",
      description: `Callers (UPN or service principal object id, as in AzureActivity.Caller) allowed to ${what}.`,
      default: [],
      allowlist: "callers",
    },
  };
}

type Text = Pick<Detection, "key" | "technique" | "name" | "description" | "falsePositives" | "triage" | "references" | "severity">;

// ---------------------------------------------------------------------------------------------
// Plain Activity Log operation match.

export interface OperationDetectionSpec extends Text {
  /** ARM operations in documented mixed case. */
  operations: string[];
  /** What the allowlist lets callers do, for its description. */
  allowlistPurpose: string;
  /** Sample: the operation as streamed (upper case), on which resource. */
  sample: { operationNameValue: string; resourceId: string; resourceProvider: string };
  /** Sample near-miss: another operation on the same resource. */
  otherOperation: string;
  /** Where the sample values come from. */
  source: string;
  /**
   * Which row alerts: `succeeded` (default) the Success row; `attempted` the Start row, for
   * operations whose effect begins before they complete (a script that runs, then times out).
   */
  outcome?: "succeeded" | "attempted";
  /** More cases (another resource type the operations cover). */
  extraFires?: SampleCase[];
  extraQuiet?: SampleCase[];
  /** Documented changes of behaviour. */
  revisions?: Detection["revisions"];
}

/** A free, near real-time activity-log alert on an operation's outcome (Success, or the Start row), with a caller allowlist. */
export function operationDetection(s: OperationDetectionSpec): Detection {
  const over = { OperationNameValue: s.sample.operationNameValue, _ResourceId: s.sample.resourceId, ResourceProviderValue: s.sample.resourceProvider };
  const outcome = s.outcome ?? "succeeded";
  return {
    key: s.key, technique: s.technique, tactic: "Execution", name: s.name, description: s.description,
    falsePositives: s.falsePositives, triage: s.triage, references: s.references, severity: s.severity,
    evaluationFrequency: "PT5M",
    windowSize: arrivalWindow("PT5M"),
    ...(outcome === "attempted" ? { overrideQueryTimeRange: ATTEMPT_QUERY_RANGE } : {}),
    parameters: allowedCallers(s.allowlistPurpose),
    signal: {
      kind: "activityLog",
      match: { operations: s.operations, outcome },
      exclusions: [{ column: "Caller", parameter: "allowedCallers" }],
    },
    requires: ACTIVITY_LOG,
    entities: CALLER_ENTITIES,
    samples: withExtraCases({ source: s.source, ...(outcome === "attempted" ? startedCases(over, s.otherOperation) : succeededCases(over, s.sample.operationNameValue, s.otherOperation)) }, s),
    ...(s.revisions ? { revisions: s.revisions } : {}),
  };
}

type Over = Record<string, unknown>;

function withExtraCases(samples: Detection["samples"], s: Pick<OperationDetectionSpec, "extraFires" | "extraQuiet">): Detection["samples"] {
  return { ...samples, fires: [...samples.fires, ...(s.extraFires ?? [])], quiet: [...samples.quiet, ...(s.extraQuiet ?? [])] };
}

/** Cases of a detection that alerts on the Success row. */
function succeededCases(over: Over, operationNameValue: string, otherOperation: string): Pick<Detection["samples"], "fires" | "quiet"> {
  return {
    fires: [
      { name: "operation started, accepted and succeeded", rows: { AzureActivity: operationRows(4, over) } },
      {
        name: "legacy connector form: lower-case operation, Succeeded",
        rows: { AzureActivity: [activityRow(3, { ...over, OperationNameValue: operationNameValue.toLowerCase(), ActivityStatusValue: "Succeeded" })] },
      },
      {
        // The log search form (deployed when an allowlist is set) keeps the rows ingested since the previous run.
        name: "row ingested late, after its 5-minute window (log search form)",
        parameters: { allowedCallers: ["automation@contoso.onmicrosoft.com"] },
        rows: { AzureActivity: [activityRow(18, { ...over, _TimeReceived: minutesAgo(2) })] },
      },
    ],
    quiet: [
      { name: "same operation failed", rows: { AzureActivity: [activityRow(2, { ...over, ActivityStatusValue: "Failure", ActivitySubstatusValue: "Forbidden" })] } },
      { name: "only the Start row (no outcome yet)", rows: { AzureActivity: [activityRow(2, { ...over, ActivityStatusValue: "Start", ActivitySubstatusValue: "" })] } },
      { name: "different operation on the same resource", rows: { AzureActivity: [activityRow(2, { ...over, OperationNameValue: otherOperation })] } },
      { name: "succeeded and ingested 9 minutes ago: seen by the previous run", rows: { AzureActivity: [activityRow(9, over)] } },
      { name: "allowlisted caller", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [activityRow(2, over)] } },
    ],
  };
}

/**
 * The query range of a detection that alerts on an operation's first row (outcome `attempted`): a
 * script runs up to 90 minutes and its completion row lands up to the Activity Log lag later, so the
 * range must still hold the operation's Start row when the completion row lands (else it would count
 * as a new operation and alert again): 90 + 30 minutes and a run, rounded up to a range Azure accepts.
 */
export const ATTEMPT_QUERY_RANGE = "PT3H";

/**
 * Cases of a detection that alerts on an operation's first row (log-values.md 1.3: every write or
 * action logs a Start row, then Accept for an asynchronous one, then Success or Failure). The run
 * has begun whatever its outcome, so a run that fails or times out fires, and the alert does not
 * wait for it; the operation alerts once.
 */
export function startedCases(over: Over, otherOperation: string): Pick<Detection["samples"], "fires" | "quiet"> {
  const start = (minutes: number, more: Over = {}) => activityRow(minutes, { ...over, ActivityStatusValue: "Start", ActivitySubstatusValue: "", ...more });
  return {
    fires: [
      { name: "started, accepted and succeeded: the Start row alerts", rows: { AzureActivity: operationRows(4, over) } },
      {
        name: "started and accepted, still running (the script runs up to 90 minutes)",
        rows: { AzureActivity: [start(4), activityRow(4, { ...over, ActivityStatusValue: "Accept", ActivitySubstatusValue: "Accepted" })] },
      },
      {
        name: "started, then failed when the script timed out: it still ran",
        rows: { AzureActivity: [start(4), activityRow(1, { ...over, ActivityStatusValue: "Failure", ActivitySubstatusValue: "Conflict", CallerIpAddress: "" })] },
      },
      { name: "REST spelling of the Start status (Started)", rows: { AzureActivity: [start(3, { ActivityStatusValue: "Started" })] } },
      {
        name: "Start row ingested late, after its 5-minute window (log search form)",
        parameters: { allowedCallers: ["automation@contoso.onmicrosoft.com"] },
        rows: { AzureActivity: [start(18, { _TimeReceived: minutesAgo(2) })] },
      },
      {
        // An export or a published example can hold the completion event alone (the activity-log alert keys on the Start event).
        name: "completion row only, no Start row in range (log search form)",
        parameters: { allowedCallers: ["automation@contoso.onmicrosoft.com"] },
        rows: { AzureActivity: [activityRow(2, { ...over, ActivityStatusValue: "Succeeded" })] },
      },
    ],
    quiet: [
      {
        name: "only the completion rows land now: the run's Start row was seen by the previous run",
        rows: { AzureActivity: [start(9), activityRow(2, { ...over, ActivityStatusValue: "Success" }), activityRow(2, { ...over, ActivityStatusValue: "Failure", ActivitySubstatusValue: "Conflict" })] },
      },
      {
        name: "an 80-minute run completes now: its Start row alerted 80 minutes ago",
        rows: { AzureActivity: [start(80), activityRow(2, { ...over, CallerIpAddress: "" })] },
      },
      { name: "different operation on the same resource", rows: { AzureActivity: [start(2, { OperationNameValue: otherOperation })] } },
      { name: "Start row ingested 9 minutes ago: seen by the previous run", rows: { AzureActivity: [start(9)] } },
      { name: "allowlisted caller", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [start(2)] } },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Control-plane action + PowerShell 4104 on the same machine (patterns/correlation.ts).

export interface ScriptBlockDetectionSpec extends Text {
  operations: string[];
  scriptPathMarkers: string[];
  /**
   * Sample action: operation as streamed and the resource it targets. By default the machine is
   * vm-web-01 and the 4104 rows carry only Computer; a scale set sample gives the instance's
   * Computer and the `_ResourceId` the agent writes (the only key that maps to the scale set).
   */
  sample: { operationNameValue: string; resourceId: string; scriptPath: string; scriptText: string; computer?: string; eventResourceId?: string };
  source: string;
}

const WEB01_ALT = "VM-WEB-01.contoso.local"; // Computer as the agent may write it: FQDN, upper case
const OTHER_VM_ID = resourceId("rg-prod-app", "microsoft.compute", "virtualmachines/vm-db-02");

/**
 * A correlation detection with the samples every variant needs. An action is reported by the run
 * (every 15 minutes) that ingests the last row of its first action/script-block pair; sample rows
 * without _TimeReceived land at their TimeGenerated.
 */
export function scriptBlockDetection(s: ScriptBlockDetectionSpec): Detection {
  const params = correlationParameters(30);
  const act = (startMinutes: number, over: Record<string, unknown> = {}) =>
    operationRows(startMinutes, { OperationNameValue: s.sample.operationNameValue, _ResourceId: s.sample.resourceId, ...over });
  const block = (minutes: number, over: Partial<Parameters<typeof scriptBlockRow>[1]> = {}, row: Record<string, unknown> = {}) => ({
    ...scriptBlockRow(minutes, {
      computer: s.sample.computer ?? WEB01_ALT, resourceId: s.sample.eventResourceId, path: s.sample.scriptPath,
      text: s.sample.scriptText, blockId: "5d3c1f2e-8a9b-4c7d-9e0f-1a2b3c4d5e6f", ...over,
    }),
    ...row,
  });
  const actionAt = 10; // the action's rows land 10 and 9 minutes ago, its block 3 minutes after it: both since the previous run
  const fires: SampleCase[] = [
    { name: "action, then the script's block on the same VM (Computer as FQDN, upper case)", rows: { AzureActivity: act(actionAt), Event: [block(actionAt - 3)] } },
    {
      name: "agent-filled _ResourceId on the Event row, block 25 minutes after the action",
      rows: { AzureActivity: act(35), Event: [block(10, { computer: "webhost", resourceId: s.sample.resourceId.split("/extensions/")[0].split("/runcommands/")[0] })] },
    },
    {
      name: "late script block row: ran 47 minutes ago, ingested 3 minutes ago",
      rows: { AzureActivity: act(50), Event: [block(47, {}, { _TimeReceived: minutesAgo(3) })] },
    },
    {
      name: "action rows land after the block row: action 20 minutes ago ingested 4 minutes ago, block ingested 17 minutes ago",
      rows: { AzureActivity: act(20, { _TimeReceived: minutesAgo(4) }), Event: [block(17)] },
    },
  ];
  const quiet: SampleCase[] = [
    { name: "script block on another VM", rows: { AzureActivity: act(actionAt), Event: [block(actionAt - 3, { computer: "VM-DB-02.contoso.local", resourceId: OTHER_VM_ID })] } },
    { name: "script block later than maxDelay (31 minutes)", rows: { AzureActivity: act(40), Event: [block(9)] } },
    { name: "script block before the action", rows: { AzureActivity: act(actionAt), Event: [block(actionAt + 2)] } },
    {
      name: "ordinary PowerShell on the same VM (no agent plugin path)",
      rows: { AzureActivity: act(actionAt), Event: [block(actionAt - 3, { path: "C:\\Users\\admin\\Documents\\report.ps1", text: "Get-Service | Export-Csv C:\\temp\\svc.csv" })] },
    },
    { name: "already alerted: action and block ingested before the previous run", rows: { AzureActivity: act(40), Event: [block(37)] } },
    {
      name: "already alerted: another block of the same action lands now",
      rows: { AzureActivity: act(25), Event: [block(22), block(5, { blockId: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b" })] },
    },
    { name: "allowlisted caller", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: act(actionAt), Event: [block(actionAt - 3)] } },
  ];
  return {
    key: s.key, technique: s.technique, tactic: "Execution", name: s.name, description: s.description,
    falsePositives: s.falsePositives, triage: s.triage, references: s.references, severity: s.severity,
    ...correlationSchedule("activityLog", "resourceLogs"),
    parameters: params,
    signal: {
      kind: "query",
      query: (p) => scriptBlockCorrelationQuery({ operations: s.operations, scriptPathMarkers: s.scriptPathMarkers }, p),
      trigger: CORRELATION_TRIGGER,
    },
    requires: SCRIPT_BLOCK_REQUIREMENTS,
    entities: { account: "Caller", ip: "CallerIpAddress", resource: "_ResourceId", host: "Computer" },
    samples: { source: s.source, fires, quiet },
  };
}
