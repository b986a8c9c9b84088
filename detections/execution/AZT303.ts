// AZT303 Managed Device Scripting: Intune runs PowerShell/shell scripts as SYSTEM/root on every
// enrolled device in the assigned groups.
import * as kql from "../kql";
import type { Detection, ParameterValues, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { ARRIVAL_PROJECTION, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";
import { ATRM, anyRow } from "./shared";

const ADMIN = "mallory@contoso.onmicrosoft.com";

/**
 * Script object types in Intune audit operation names: Windows PowerShell scripts
 * (deviceManagementScript), macOS shell scripts (deviceShellScript), remediations
 * (deviceHealthScript), and the on-demand run of a remediation on one device.
 * The OperationName form is unverified: the diagnostic stream shows "<Verb> <Type>"
 * ("Update ClientCertificate"), Graph auditEvent activityType "createDeviceManagementScript";
 * lower-casing and matching the verb prefix and type substring accepts both.
 */
const SCRIPT_TYPES = ["devicemanagementscript", "deviceshellscript", "devicehealthscript", "devicecustomattributeshellscript"];
const VERBS = ["create", "assign", "patch", "update"];
const ON_DEMAND = "initiateondemandproactiveremediation";

const FREQUENCY = "PT15M";
/**
 * Intune audit rows reach the workspace through a tenant-level diagnostic setting, like the Entra
 * ID logs; their delay is not documented (unverified), so the rule reaches back the Entra ID lag
 * (the longer candidate: it only widens the scan) and keeps the rows ingested since its previous run.
 */
const SCHEDULE = ingestionSchedule(FREQUENCY, FREQUENCY, "entraId");

function intuneScriptQuery(p: ParameterValues): string {
  const types = SCRIPT_TYPES.map((t) => `Op contains ${kql.str(t)}`).join(" or ");
  const verbs = VERBS.map((v) => `Op startswith ${kql.str(v)}`).join(" or ");
  return [
    "IntuneAuditLogs",
    ingestedSinceLastRun(FREQUENCY),
    `| where ResultType =~ "Success"`,
    "| extend Op = tolower(OperationName)",
    `| where ((${types}) and (${verbs})) or Op contains ${kql.str(ON_DEMAND)}`,
    "| extend Props = parse_json(Properties)",
    "| extend ActorUpn = tostring(Props.Actor.UPN), ActorApp = tostring(Props.Actor.ApplicationName), DelegatedAdmin = tostring(Props.Actor.IsDelegatedAdmin)",
    "| extend ActorUpn = iff(isempty(ActorUpn), Identity, ActorUpn)" + kql.excludeIn("ActorUpn", p.allowedAdmins as string[]),
    "| extend Targets = tostring(Props.TargetDisplayNames), TargetIds = tostring(Props.TargetObjectIds)",
    `| project ${ARRIVAL_PROJECTION}, ActorUpn, ActorApp, DelegatedAdmin, OperationName, Targets, TargetIds, CorrelationId`,
  ].join("\n");
}

function auditRow(minutes: number, operation: string, over: Record<string, unknown> = {}, actor = ADMIN): Record<string, unknown> {
  const props = {
    ActivityDate: "6/2/2025 11:55:00 AM",
    ActivityResultStatus: 1,
    ActivityType: 0,
    Actor: {
      ActorType: 1, Application: "5926fc8e-304e-4f59-8bed-58ca97cc39a4", ApplicationName: "Microsoft Intune portal extension",
      IsDelegatedAdmin: false, Name: "Mallory", ObjectId: "432f8c11-4e45-48a6-b1b5-e63d92ab75ac", PartnerTenantId: "",
      UserPermissions: ["*"], UPN: actor,
    },
    AdditionalDetails: "",
    AuditEventId: "654321aa-bc23-4456-a789-f0123456789a",
    Category: 2,
    RelationId: null,
    TargetDisplayNames: ["Update-Certs.ps1"],
    TargetObjectIds: ["24db5bd7-571b-468e-8def-b20a01b2bf0a"],
    Targets: [{ ModifiedProperties: [{ Name: "RunAsAccount", Old: null, New: "System" }], Name: "Update-Certs.ps1" }],
  };
  return {
    TimeGenerated: minutesAgo(minutes),
    OperationName: operation,
    Category: "AuditLogs",
    ResultType: "Success",
    ResultDescription: "None",
    Identity: actor,
    CorrelationId: "98765432-10fe-4dab-a890-bcdef0123456",
    Properties: JSON.stringify(props),
    SourceSystem: "Azure AD",
    ...over,
  };
}

const intuneScript: Detection = {
  key: "azt303-intune-script-deployed",
  technique: "AZT303",
  tactic: "Execution",
  name: "Intune device script created, changed or assigned",
  description:
    "An Intune administrator created, changed or assigned a device management script (Windows PowerShell, macOS shell, " +
    "remediation/health script) or ran a remediation on demand. Intune runs these as SYSTEM/root on every enrolled device " +
    "of the assigned groups, so a compromised Intune admin becomes code execution on endpoints, including privileged " +
    "admin workstations.",
  falsePositives: [
    "Endpoint management changes by the device team (allowlist their UPNs, or route to them for confirmation).",
    "Delegated partner admins (DelegatedAdmin true) doing contracted work.",
  ],
  triage: [
    "Identify ActorUpn/ActorApp and the script (Targets, TargetIds); confirm with the device team and the change record.",
    "Read the script content and its assignments in the Intune admin center (Devices > Scripts and remediations) or " +
      "Graph /deviceManagement/deviceManagementScripts/{id}; note RunAsAccount and the target groups.",
    "Check the actor's sign-ins (SigninLogs) around TimeGenerated for unusual location, device or MFA.",
    "If malicious: unassign and delete the script, revoke the actor's sessions, and hunt on devices that already ran it.",
  ],
  references: [
    `${ATRM}/AZT303/AZT303/`,
    "https://learn.microsoft.com/mem/intune/apps/intune-management-extension",
    "https://learn.microsoft.com/mem/intune/fundamentals/review-logs-using-azure-monitor",
  ],
  severity: 1,
  ...SCHEDULE,
  parameters: {
    allowedAdmins: {
      type: "stringList",
      description: "UPNs of endpoint administrators whose script changes are expected.",
      default: [],
      allowlist: "userPrincipalNames",
    },
  },
  signal: {
    kind: "query",
    query: intuneScriptQuery,
    trigger: anyRow("ActorUpn", "OperationName", "Targets"),
  },
  requires: [{
    // Tenant-level Intune diagnostic setting (Intune admin center > Tenant administration > Diagnostic settings).
    source: "diagnostics", resourceType: "Microsoft.Intune", categories: ["AuditLogs"],
    destination: "resourceSpecific", tables: ["IntuneAuditLogs"],
  }],
  entities: { account: "ActorUpn" },
  samples: {
    source:
      "IntuneAuditLogs schema (Properties is a JSON string); raw Intune AuditLogs record shape (Actor.UPN, ApplicationName, " +
      "IsDelegatedAdmin, TargetDisplayNames, TargetObjectIds; resultType Success; operationName \"Update ClientCertificate\"); " +
      "Graph auditEvent activityType createDeviceManagementScript / assignDeviceManagementScript. Script OperationName strings unverified.",
    fires: [
      { name: "PowerShell script created (\"<Verb> <Type>\" form)", rows: { IntuneAuditLogs: [auditRow(5, "Create DeviceManagementScript")] } },
      { name: "script assigned (Graph activityType form)", rows: { IntuneAuditLogs: [auditRow(5, "assignDeviceManagementScript")] } },
      { name: "remediation script changed", rows: { IntuneAuditLogs: [auditRow(5, "patchDeviceHealthScript")] } },
      { name: "remediation run on demand on a device", rows: { IntuneAuditLogs: [auditRow(5, "initiateOnDemandProactiveRemediation ManagedDevice")] } },
      {
        name: "late row: script created 45 minutes ago, ingested 3 minutes ago (after the run that covered its time)",
        rows: { IntuneAuditLogs: [auditRow(45, "Create DeviceManagementScript", { _TimeReceived: minutesAgo(3) })] },
      },
    ],
    quiet: [
      { name: "script deleted", rows: { IntuneAuditLogs: [auditRow(5, "Delete DeviceManagementScript")] } },
      { name: "configuration profile created (not a script)", rows: { IntuneAuditLogs: [auditRow(5, "Create DeviceConfiguration")] } },
      { name: "script creation failed", rows: { IntuneAuditLogs: [auditRow(5, "Create DeviceManagementScript", { ResultType: "Failure" })] } },
      { name: "ingested 20 minutes ago: already seen by the previous run", rows: { IntuneAuditLogs: [auditRow(20, "Create DeviceManagementScript")] } },
      { name: "allowlisted endpoint administrator", parameters: { allowedAdmins: [ADMIN] }, rows: { IntuneAuditLogs: [auditRow(5, "Create DeviceManagementScript")] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [intuneScript] };
