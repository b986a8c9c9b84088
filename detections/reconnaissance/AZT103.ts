// AZT103 Public Accessible Resource: an adversary finds a VM reachable from the internet. Scans and
// log-in probes from outside leave no control-plane record, but a Linux VM's sshd logs every probe
// of its SSH port (log-values.md section 7).
import * as kql from "../kql";
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import { listParameter, numberParameter } from "../patterns/baseline";
import { FIRST_ARRIVAL, NEW_EVIDENCE, ingestedSinceLastRun, ingestionSchedule } from "../patterns/arrival";

const FREQUENCY = "P1D";

const VM_ID = "/subscriptions/6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11/resourcegroups/rg-prod-app/providers/microsoft.compute/virtualmachines/vm-jump-01";

const sshRow = (minutes: number, message: string, over: SampleRow = {}): SampleRow => ({
  TimeGenerated: minutesAgo(minutes),
  EventTime: minutesAgo(minutes),
  Computer: "vm-jump-01",
  HostName: "vm-jump-01",
  HostIP: "10.20.1.4",
  Facility: "authpriv",
  SeverityLevel: "info",
  ProcessName: "sshd",
  ProcessID: 41230 + minutes,
  SyslogMessage: message,
  SourceSystem: "Linux",
  _ResourceId: VM_ID,
  ...over,
});

/** Probes from `n` distinct public addresses (documentation ranges and common scanner forms). */
const probes = (n: number, start = 30): SampleRow[] =>
  Array.from({ length: n }, (_, i) => {
    const ip = `203.0.113.${10 + i}`;
    return i % 2 === 0
      ? sshRow(start + i, `Invalid user admin${i} from ${ip} port ${40000 + i}`)
      : sshRow(start + i, `Failed password for root from ${ip} port ${40000 + i} ssh2`);
  });

const sshProbing: Detection = {
  key: "azt103-ssh-probed-from-internet",
  technique: "AZT103",
  tactic: "Reconnaissance",
  name: "Linux VM's SSH port probed from many internet addresses",
  description:
    "Partial coverage. sshd on a VM logged failed or invalid-user log-ins from at least minSourceIps distinct public " +
    "IP addresses in a day (the rows that reached the workspace since the previous daily run): the VM is reachable from the internet on SSH and has been found by scanners or an adversary. " +
    "Exposure that nobody probes, other ports, and Windows RDP are not seen here (NSG/VNet flow logs and Security " +
    "event 4625 would be needed).",
  falsePositives: ["Intentionally public bastion or SFTP hosts (raise minSourceIps, or disable for them).", "Your own external vulnerability scanner (allowlist its IPs)."],
  triage: [
    "Confirm whether the VM should accept SSH from the internet; if not, restrict the NSG rule to known addresses, Azure Bastion or just-in-time access.",
    "Check for an 'Accepted password|publickey for <user> from <ip>' line from any of SourceIps: a success after probing is a compromise.",
    "Make sure password authentication is disabled (PasswordAuthentication no) and TriedUsers do not exist on the VM.",
  ],
  references: [
    "https://microsoft.github.io/Azure-Threat-Research-Matrix/Reconnaissance/AZT103/AZT103/",
    "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",
    "https://learn.microsoft.com/azure/defender-for-cloud/just-in-time-access-usage",
  ],
  severity: 3,
  // Daily, over the rows ingested since the previous run (agent Syslog lands minutes late).
  ...ingestionSchedule(FREQUENCY, FREQUENCY, "resourceLogs"),
  parameters: {
    minSourceIps: { type: "number", integer: true, min: 1, default: 5, description: "Distinct public source IPs probing one VM in a day." },
    allowedIpAddresses: { type: "stringList", default: [], allowlist: "ipAddresses", description: "Scanner or partner IPs whose SSH attempts are expected." },
  },
  signal: {
    kind: "query",
    query: (p) =>
      [
        "Syslog",
        ingestedSinceLastRun(FREQUENCY),
        `| where Facility in~ ("auth", "authpriv")`,
        `| where ProcessName =~ "sshd"`,
        `| where SyslogMessage has_any ("Failed", "Invalid")`,
        `| extend SourceIp = extract(${kql.str("from (\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}) port")}, 1, SyslogMessage)`,
        "| where isnotempty(SourceIp) and not(ipv4_is_private(SourceIp))",
      ].join("\n") +
      kql.excludeIn("SourceIp", listParameter(p, "allowedIpAddresses")) +
      "\n" +
      [
        `| extend TriedUser = extract(${kql.str("(invalid user |for )(\\S+) from ")}, 2, SyslogMessage)`,
        NEW_EVIDENCE.extend,
        `| summarize Attempts = count(), SourceIpCount = dcount(SourceIp), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), ${FIRST_ARRIVAL.aggregate},`,
        "    SourceIps = make_set(SourceIp, 20), TriedUsers = make_set(TriedUser, 20)",
        "    by Computer, _ResourceId",
        `| where SourceIpCount >= ${kql.num(numberParameter(p, "minSourceIps"))}`,
        "| extend SampleSourceIp = tostring(SourceIps[0])",
        `| project ${FIRST_ARRIVAL.output("FirstSeen")}, Computer, _ResourceId, SourceIpCount, Attempts, FirstSeen, LastSeen, SampleSourceIp, SourceIps, TriedUsers`,
      ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Computer", "_ResourceId"] },
  },
  requires: [
    {
      source: "agent", os: "linux", facilities: ["auth", "authpriv"], minimumLevel: "Info",
      osPrerequisite: "sshd logging at its default level (INFO) to syslog.",
    },
  ],
  entities: { host: "Computer", resource: "_ResourceId", ip: "SampleSourceIp" },
  samples: {
    source: "log-values.md section 7 (Facility lower case, sshd 'Invalid user … from <ip> port <port>' and 'Failed password for … ssh2' messages)",
    fires: [
      { name: "probes from 6 public addresses", rows: { Syslog: probes(6) } },
      {
        name: "late rows: probes from just before the previous run that landed after it",
        rows: { Syslog: probes(6, 24 * 60 + 5).map((r) => ({ ...r, _TimeReceived: minutesAgo(23 * 60 + 50) })) },
      },
    ],
    quiet: [
      { name: "probes from 4 public addresses (one below minSourceIps)", rows: { Syslog: probes(4) } },
      {
        name: "failed log-ins from private addresses (internal admins)",
        rows: { Syslog: Array.from({ length: 8 }, (_, i) => sshRow(20 + i, `Failed password for azureuser from 10.20.0.${10 + i} port 5${i}022 ssh2`)) },
      },
      {
        name: "successful log-ins are not probes",
        rows: { Syslog: Array.from({ length: 8 }, (_, i) => sshRow(20 + i, `Accepted publickey for azureuser from 198.51.100.${i + 1} port 5${i}022 ssh2: RSA SHA256:Xk1u0`)) },
      },
      { name: "allowlisted scanner addresses", parameters: { allowedIpAddresses: ["203.0.113.10", "203.0.113.11"] }, rows: { Syslog: probes(6) } },
      { name: "probes older than a day, ingested then (seen by the previous run)", rows: { Syslog: probes(6, 25 * 60) } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [sshProbing] };
