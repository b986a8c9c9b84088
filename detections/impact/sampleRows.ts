// Sample-row builders shared by the Privilege Escalation and Impact detections. Each builder
// writes a row in the exact form Azure writes it (reference: /work/shared/reference/log-values.md,
// sections named per builder); callers override only the columns their case is about.
import { minutesAgo } from "../model";

export const SUB = "6f1a3c2e-0d4b-4c3f-9a53-2b1e6f0c9d11";
export const TENANT = "2f4a9e1c-7b3d-4c8e-a1f6-5d2b8c9e0a17";
export const ATTACKER_UPN = "mallory@contoso.onmicrosoft.com";
export const ATTACKER_IP = "203.0.113.45";

/** Lower-case ARM id as AzureActivity `_ResourceId` carries it (log-values.md 1.1). */
export function armId(rg: string, providerPath: string): string {
  return `/subscriptions/${SUB}/resourcegroups/${rg.toLowerCase()}/providers/${providerPath.toLowerCase()}`;
}

/** An AzureActivity row from diagnostic-settings export (log-values.md 1.1-1.4). */
export function activityRow(minutes: number, operation: string, resourceId: string, over: Record<string, unknown> = {}) {
  const provider = operation.split("/")[0];
  return {
    TimeGenerated: minutesAgo(minutes),
    CategoryValue: "Administrative",
    OperationNameValue: operation.toUpperCase(),
    ActivityStatusValue: "Success",
    ActivitySubstatusValue: "OK",
    ResourceProviderValue: provider.toUpperCase(),
    ResourceGroup: (resourceId.split("/")[4] ?? "").toUpperCase(),
    _ResourceId: resourceId,
    SubscriptionId: SUB,
    Caller: "Mallory@contoso.onmicrosoft.com",
    CallerIpAddress: ATTACKER_IP,
    CorrelationId: "0b9c8e7a-1f2d-4e3c-8b5a-6d7e8f9a0b1c",
    HTTPRequest: `{"clientIpAddress":"${ATTACKER_IP}"}`,
    ...over,
  };
}

/** The Start row of an asynchronous write: request body in Properties_d.requestbody (log-values.md 1.3). */
export function activityStartRow(minutes: number, operation: string, resourceId: string, requestbody: unknown, over: Record<string, unknown> = {}) {
  return activityRow(minutes, operation, resourceId, {
    ActivityStatusValue: "Start",
    ActivitySubstatusValue: "",
    Properties_d: { requestbody: typeof requestbody === "string" ? requestbody : JSON.stringify(requestbody), message: operation },
    ...over,
  });
}

/** An AuditLogs row (log-values.md 2.1): OperationName = ActivityDisplayName, Result lower case. */
export function auditRow(
  minutes: number,
  operation: string,
  over: { Category?: string; LoggedByService?: string; InitiatedBy?: unknown; TargetResources?: unknown[]; [k: string]: unknown } = {},
) {
  return {
    TimeGenerated: minutesAgo(minutes),
    ActivityDateTime: minutesAgo(minutes),
    OperationName: operation,
    ActivityDisplayName: operation,
    Category: "ApplicationManagement",
    LoggedByService: "Core Directory",
    Result: "success",
    ResultSignature: "None",
    ResultDescription: "",
    AADOperationType: "Add",
    OperationVersion: "1.0",
    Level: "4",
    SourceSystem: "Azure AD",
    Resource: "Microsoft.aadiam",
    ResourceGroup: "Microsoft.aadiam",
    ResourceProvider: "Microsoft.aadiam",
    Id: "Directory_4c1e9a2b-33d0-4f7e-9b61-0f2a7d5c8e90_QX7Z2_12345678",
    CorrelationId: "4c1e9a2b-33d0-4f7e-9b61-0f2a7d5c8e90",
    AADTenantId: TENANT,
    InitiatedBy: userInitiator(ATTACKER_UPN, ATTACKER_IP),
    TargetResources: [],
    AdditionalDetails: [{ key: "User-Agent", value: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" }],
    ...over,
  };
}

export function userInitiator(upn: string, ip: string) {
  return { user: { displayName: null, userPrincipalName: upn, ipAddress: ip, roles: [], id: "9d2f6c1a-5b7e-4a3c-8e0f-1b2c3d4e5f60" } };
}

export function appInitiator(displayName: string, appId: string, servicePrincipalId: string) {
  return { app: { displayName, appId, servicePrincipalId, ipAddress: null } };
}

/** A TargetResources entry; modifiedProperties values are JSON strings wrapped in quotes (log-values.md 2.1). */
export function target(type: string, displayName: string, modified: { displayName: string; oldValue?: string; newValue?: string }[] = [], extra: Record<string, unknown> = {}) {
  return {
    administrativeUnits: [],
    id: "5e8b1f3c-2a4d-4e6f-9a0b-7c1d2e3f4a5b",
    displayName,
    type,
    userPrincipalName: null,
    modifiedProperties: modified.map((m) => ({ oldValue: null, newValue: null, ...m })),
    ...extra,
  };
}

/** A StorageBlobLogs / StorageFileLogs request row (log-values.md 5): CallerIpAddress carries the port. */
export function storageRow(minutes: number, service: "blob" | "file", operation: string, objectPath: string, over: Record<string, unknown> = {}) {
  const account = "stcontosodata";
  const svcType = service === "blob" ? "blobServices" : "fileServices";
  return {
    TimeGenerated: minutesAgo(minutes),
    AccountName: account,
    Location: "westeurope",
    Protocol: "HTTPS",
    OperationName: operation,
    OperationVersion: "2021-08-06",
    Category: operation.startsWith("Get") || operation.startsWith("List") ? "StorageRead" : operation.startsWith("Delete") ? "StorageDelete" : "StorageWrite",
    StatusCode: "200",
    StatusText: "Success",
    AuthenticationType: "AccountKey",
    AuthenticationHash: "key1(3F2A9C0D1B7E4F55)",
    CallerIpAddress: `${ATTACKER_IP}:50514`,
    Uri: `https://${account}.${service}.core.windows.net:443/${objectPath}`,
    ObjectKey: `/${account}/${objectPath}`,
    ServiceType: service,
    Type: service === "blob" ? "StorageBlobLogs" : "StorageFileLogs",
    UserAgentHeader: "azsdk-net-Storage.Blobs/12.19.1 (.NET 8.0.4; Microsoft Windows 10.0.22631)",
    _ResourceId: armId("rg-data", `microsoft.storage/storageaccounts/${account}/${svcType}/default`),
    _SubscriptionId: SUB,
    ...over,
  };
}

/** An AzureDiagnostics Key Vault AuditEvent row (log-values.md 4.1): upper-case ResourceId, CallerIPAddress. */
export function keyVaultRow(minutes: number, operation: string, objectUri: string, over: Record<string, unknown> = {}) {
  return {
    TimeGenerated: minutesAgo(minutes),
    ResourceProvider: "MICROSOFT.KEYVAULT",
    ResourceType: "VAULTS",
    Category: "AuditEvent",
    Resource: "KV-PROD-SECRETS",
    ResourceId: `/SUBSCRIPTIONS/${SUB.toUpperCase()}/RESOURCEGROUPS/RG-SECURITY/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-PROD-SECRETS`,
    _ResourceId: armId("rg-security", "microsoft.keyvault/vaults/kv-prod-secrets"),
    SubscriptionId: SUB,
    OperationName: operation,
    OperationVersion: "7.4",
    ResultType: "Success",
    ResultSignature: "OK",
    httpStatusCode_d: 200,
    CallerIPAddress: ATTACKER_IP,
    requestUri_s: `https://kv-prod-secrets.vault.azure.net/${objectUri}?api-version=7.4`,
    id_s: `https://kv-prod-secrets.vault.azure.net/${objectUri}`,
    clientInfo_s: "PowerShell/7.4.2 Az.KeyVault/5.2.1",
    identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s: ATTACKER_UPN,
    identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g: "9d2f6c1a-5b7e-4a3c-8e0f-1b2c3d4e5f60",
    identity_claim_appid_g: "1950a258-227b-4e31-a9cf-717495945fc2",
    ...over,
  };
}

/** An AADManagedIdentitySignInLogs row (log-values.md 3.3): identity in ServicePrincipalName/AppId. */
export function managedIdentitySignInRow(minutes: number, servicePrincipalName: string, resource: string, over: Record<string, unknown> = {}) {
  return {
    TimeGenerated: minutesAgo(minutes),
    OperationName: "Sign-in activity",
    Category: "ManagedIdentitySignInLogs",
    ResultType: "0",
    ResultSignature: "None",
    ServicePrincipalName: servicePrincipalName,
    ServicePrincipalId: "7a3c5e1f-9b2d-4f6a-8c0e-2d4f6a8c0e1b",
    AppId: "c3e5a7b9-1d2f-4a6c-8e0b-3f5a7c9e1b2d",
    ResourceDisplayName: resource,
    ResourceIdentity: resource === "Microsoft Graph" ? "00000003-0000-0000-c000-000000000000" : "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    IPAddress: "",
    LocationDetails: "{}",
    CorrelationId: "1d3f5a7c-9e0b-4c2d-8f6a-0b2d4f6a8c1e",
    UniqueTokenIdentifier: "aBcDeFgHiJkLmNoPqRsTuV",
    ...over,
  };
}
