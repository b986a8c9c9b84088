// Events as Azure publishes them outside Log Analytics (documentation examples, attack-simulation
// write-ups), converted to the rows Log Analytics would hold, by a stated mapping. These are not
// exports of a workspace (kusto/rows.ts reads those): the rows come out untyped, in the table's
// column names, and are then read like any export (typed by the schema, unknown columns reported).
// - Activity Log events (activityLogEventRows): the REST/portal form (operationName.value,
//   status.value, ...) and the resource-log form a diagnostic setting streams to storage or Event
//   Hubs (operationName, resultType, identity.claims, ...), into AzureActivity.
// - Resource-log records of a service in Azure diagnostics mode (resourceLogRecordRows), into
//   AzureDiagnostics: fixed fields to their columns, identity and properties flattened to
//   <path>_<type suffix> columns.
// Values are kept as the event writes them (no casing or spelling normalised), so a replay shows
// whether a detection also matches the form Microsoft documents.

/** A row in a table's column names, values as the event has them. */
export type PublishedRow = Record<string, unknown>;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);
/** The items of an events file: an array, a {records: [...]} or {value: [...]} envelope, or one event. */
function eventsIn(data: unknown, what: string): Json[] {
  const list = Array.isArray(data) ? data : isObject(data) && Array.isArray(data.records) ? data.records : isObject(data) && Array.isArray(data.value) ? data.value : [data];
  return list.map((e, i) => {
    if (!isObject(e)) throw new Error(`${what} ${i + 1} is not a JSON object`);
    return e;
  });
}
const valueOf = (v: unknown): unknown => (isObject(v) ? v.value : v);
const text = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === "string" ? v : JSON.stringify(v));

/** Subscription, resource group and provider read from a resource id (the resource-log form has no fields for them). */
function resourceIdParts(id: string | undefined): { SubscriptionId?: string; ResourceGroup?: string; ResourceProvider?: string; Resource?: string; ResourceType?: string } {
  if (!id) return {};
  const m = /\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?(?:\/providers\/([^/]+)\/(.+))?$/i.exec(id);
  const rest = m?.[4]?.split("/") ?? [];
  return {
    SubscriptionId: m?.[1],
    ResourceGroup: m?.[2] ?? /\/resourcegroups\/([^/]+)/i.exec(id)?.[1],
    ResourceProvider: m?.[3] ?? /\/providers\/([^/]+)\//i.exec(id)?.[1],
    ResourceType: rest.length >= 2 ? rest.filter((_, i) => i % 2 === 0).join("/") : undefined,
    Resource: rest.length >= 2 ? rest[rest.length - 1] : undefined,
  };
}

const UPN_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

/**
 * Activity Log events to AzureActivity rows. Two forms (MicrosoftDocs azure-monitor-docs
 * activity-log-schema.md): the REST/portal form, and the resource-log form streamed by a diagnostic
 * setting, whose mapping that page tables (time = eventTimestamp, operationName = operationName.value,
 * resultType = status.value, resultSignature = subStatus.value, callerIpAddress =
 * httpRequest.clientIpAddress, identity = claims and authorization; category is
 * properties.eventCategory, Administrative when absent; subscription and resource group are read from
 * resourceId). An `evt` object (Datadog's log pipeline) carries the resource-log operationName,
 * resultType and category as evt.name, evt.outcome and evt.category. Column per field: the AzureActivity
 * table reference; _ResourceId lower-cased as Log Analytics writes it (recorded export azureActivity_adele.csv).
 */
export function activityLogEventRows(data: unknown): PublishedRow[] {
  return eventsIn(data, "Activity Log event").map((e): PublishedRow => {
    const rest = isObject(e.operationName);
    const evt = isObject(e.evt) ? e.evt : {};
    const identity = isObject(e.identity) ? e.identity : {};
    const claims = (rest ? e.claims : identity.claims) as Json | undefined;
    const properties = isObject(e.properties) ? e.properties : undefined;
    const resourceId = typeof e.resourceId === "string" ? e.resourceId : undefined;
    const parts = resourceIdParts(resourceId);
    const http = isObject(e.httpRequest) ? e.httpRequest : undefined;
    const row: PublishedRow = rest
      ? {
          TimeGenerated: e.eventTimestamp,
          OperationNameValue: valueOf(e.operationName),
          ActivityStatusValue: valueOf(e.status),
          ActivitySubstatusValue: valueOf(e.subStatus),
          CategoryValue: valueOf(e.category) ?? properties?.eventCategory,
          Caller: e.caller,
          CallerIpAddress: http?.clientIpAddress,
          HTTPRequest: text(http),
          ResourceGroup: e.resourceGroupName ?? parts.ResourceGroup,
          ResourceProviderValue: valueOf(e.resourceProviderName) ?? parts.ResourceProvider,
          SubscriptionId: e.subscriptionId ?? parts.SubscriptionId,
          TenantId: e.tenantId,
          EventDataId: e.eventDataId,
          OperationId: e.operationId,
          EventSubmissionTimestamp: e.submissionTimestamp,
          Authorization_d: e.authorization,
          Authorization: text(e.authorization),
        }
      : {
          TimeGenerated: e.time,
          OperationNameValue: e.operationName ?? evt.name,
          ActivityStatusValue: e.resultType ?? evt.outcome,
          ActivitySubstatusValue: e.resultSignature,
          CategoryValue: properties?.eventCategory ?? evt.category ?? "Administrative",
          Caller: isObject(claims) ? claims[UPN_CLAIM] : undefined,
          CallerIpAddress: e.callerIpAddress,
          ResourceGroup: parts.ResourceGroup,
          ResourceProviderValue: parts.ResourceProvider,
          SubscriptionId: parts.SubscriptionId,
          OperationId: properties?.operationId,
          Authorization_d: identity.authorization,
          Authorization: text(identity.authorization),
        };
    Object.assign(row, {
      Level: e.level,
      CorrelationId: e.correlationId,
      _ResourceId: resourceId?.toLowerCase(),
      Claims_d: claims,
      Claims: text(claims),
      Properties_d: properties,
      Properties: text(properties),
      Hierarchy: properties?.hierarchy,
    });
    return row;
  });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An AzureDiagnostics column name: the path with every run of other characters made "_", and the type suffix. */
function diagnosticsColumn(path: string, v: unknown): string {
  const base = path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  const suffix = typeof v === "number" ? "d" : typeof v === "boolean" ? "b" : typeof v === "string" && GUID.test(v) ? "g" : "s";
  return `${base}_${suffix}`;
}
function flatten(prefix: string, v: unknown, into: PublishedRow): void {
  if (isObject(v)) for (const [k, x] of Object.entries(v)) flatten(prefix ? `${prefix}_${k}` : k, x, into);
  else if (v !== null && v !== undefined) into[diagnosticsColumn(prefix, v)] = Array.isArray(v) ? JSON.stringify(v) : v;
}

/**
 * Resource-log records (the storage / Event Hubs form, MicrosoftDocs azure-monitor-docs
 * resource-logs-schema.md) of a service in Azure diagnostics mode, to AzureDiagnostics rows: the
 * top-level fields to their columns (time TimeGenerated, operationName OperationName, resultType
 * ResultType, callerIpAddress CallerIPAddress, ...; resource provider, type, group, name and
 * subscription read from the upper-case resourceId as AzureDiagnostics writes them), identity and
 * properties flattened into one column per leaf named by its path with a type suffix (_s string,
 * _d number, _b boolean, _g GUID), the names AzureDiagnostics carries (identity_claim_appid_g,
 * httpStatusCode_d, requestUri_s, isAccessPolicyMatch_b).
 */
export function resourceLogRecordRows(data: unknown): PublishedRow[] {
  return eventsIn(data, "resource-log record").map((e): PublishedRow => {
    const resourceId = typeof e.resourceId === "string" ? e.resourceId : undefined;
    const parts = resourceIdParts(resourceId);
    const row: PublishedRow = {
      TimeGenerated: e.time,
      ResourceId: resourceId,
      _ResourceId: resourceId?.toLowerCase(),
      SubscriptionId: parts.SubscriptionId,
      ResourceGroup: parts.ResourceGroup,
      ResourceProvider: parts.ResourceProvider,
      ResourceType: parts.ResourceType,
      Resource: parts.Resource,
      OperationName: e.operationName,
      OperationVersion: e.operationVersion,
      Category: e.category,
      ResultType: e.resultType,
      ResultSignature: e.resultSignature,
      ResultDescription: e.resultDescription,
      DurationMs: e.durationMs,
      CallerIPAddress: e.callerIpAddress,
      CorrelationId: e.correlationId,
      Level: e.level,
    };
    flatten("identity", e.identity, row);
    flatten("", e.properties, row);
    return row;
  });
}
