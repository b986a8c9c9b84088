// KQL fragments over the resource-specific storage tables (StorageBlobLogs, StorageFileLogs),
// shared by the storage detections of Impact and Privilege Escalation.

/**
 * CallerIp without the port: storage logs write `10.50.0.204:38208` (log-values.md 5). Only an
 * IPv4 address followed by a port is cut, so IPv6 callers keep their colons.
 */
export const CALLER_IP =
  `| extend CallerIp = iff(CallerIpAddress matches regex @"^\\d+\\.\\d+\\.\\d+\\.\\d+:\\d+$", tostring(split(CallerIpAddress, ":")[0]), CallerIpAddress)`;

/** Who made the request: the Entra identity for OAuth, otherwise the key or SAS hash. */
export const REQUESTER = "| extend Requester = coalesce(RequesterUpn, RequesterObjectId, AuthenticationHash)";

/** Requests the service answered with success (StatusText names every failure class ...Error). */
export const SUCCEEDED = `| where StatusText !contains "Error"`;
