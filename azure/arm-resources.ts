// Every Azure resource type the program declares, as the pinned azure-native provider (3.28.0)
// sends it: the ARM type, the API version of the SDK class (its .d.ts says "Uses Azure REST API
// version ..."), the ARM template schema it is checked against (azure/arm-schemas/, vendored by
// tools/vendor-arm-schemas.ts) and how the SDK's inputs map onto the request body.
//
// The mapping (pulumi/pulumi-azure-native provider/pkg/resources/convert.go,
// SdkPropertiesToRequestBody): the provider's metadata gives every body property a container path
// and, rarely, an SDK name that differs from the wire name. For the REST APIs here the spec marks
// `properties` as flattened (x-ms-client-flatten), so:
//   - inputs that are path parameters (resourceGroupName, ruleName, scope, resourceUri, ...) form
//     the URL and never reach the body;
//   - the envelope properties of the resource (location, tags, kind, identity, ...) stay top-level;
//   - every other input goes, under its own name, into `properties`.
// Where the SDK does not flatten (AlertProcessingRuleByName has an explicit `properties` input),
// `properties` is simply a top-level input. test/arm-schemas.spec.ts proves the table against the
// schemas: every top-level key exists at the top of the type's schema, and (schemas read strictly)
// every other key exists inside its `properties`.

export interface ArmResourceType {
  /** Pulumi type token of the SDK class. */
  token: string;
  /** ARM resource type. */
  armType: string;
  /** REST API version the SDK class uses. */
  apiVersion: string;
  /** Where the schema comes from in Azure/azure-resource-manager-schemas. */
  schema: {
    /** schemas/<apiVersion>/<file> */
    file: string;
    /** The section of resource definitions: resourceDefinitions, subscription_resourceDefinitions, extension_resourceDefinitions, tenant_resourceDefinitions. */
    section: string;
    /** Key of the resource definition in that section. */
    resource: string;
    /**
     * For Compute extensions only: the template schema's `properties` is an anyOf of hand-written
     * per-publisher schemas (Microsoft.Compute.Extensions.json) whose generic one requires
     * `settings`, which the REST API does not; the REST-generated definition named here (from
     * `propertiesFile`) is used for `properties` instead.
     */
    properties?: { file: string; definition: string };
  };
  /** SDK inputs that are URL path parameters (never in the body). The last one names the resource. */
  pathParams: string[];
  /** SDK inputs sent at the top level of the body; every other input goes into `properties`. */
  topLevel: string[];
  /**
   * Enums the REST API leaves open (x-ms-enum modelAsString: the pinned SDK types the input
   * `string | Enum`, checked by test/arm-schemas.spec.ts) while the template schema closes them: a
   * value outside the schema's list is not a schema violation. The value is checked instead against
   * the documented list in azure/limits.ts. `property` is the body path with [] for array items;
   * `sdk` the input type and field in @pulumi/azure-native's types/input.d.ts.
   */
  openEnums?: { property: string; sdk: { module: string; type: string; field: string } }[];
}

export const ARM_RESOURCE_TYPES: readonly ArmResourceType[] = [
  {
    token: "azure-native:resources:ResourceGroup", armType: "Microsoft.Resources/resourceGroups", apiVersion: "2024-03-01",
    schema: { file: "Microsoft.Resources.json", section: "subscription_resourceDefinitions", resource: "resourceGroups" },
    pathParams: ["resourceGroupName"], topLevel: ["location", "tags", "managedBy"],
  },
  {
    token: "azure-native:operationalinsights:Workspace", armType: "Microsoft.OperationalInsights/workspaces", apiVersion: "2023-09-01",
    schema: { file: "Microsoft.OperationalInsights.json", section: "resourceDefinitions", resource: "workspaces" },
    pathParams: ["resourceGroupName", "workspaceName"], topLevel: ["location", "tags", "identity", "etag"],
  },
  {
    token: "azure-native:monitor:ScheduledQueryRule", armType: "Microsoft.Insights/scheduledQueryRules", apiVersion: "2025-01-01-preview",
    schema: { file: "Microsoft.Insights.json", section: "resourceDefinitions", resource: "scheduledQueryRules" },
    pathParams: ["resourceGroupName", "ruleName"], topLevel: ["location", "tags", "kind", "identity"],
  },
  {
    token: "azure-native:monitor:ActivityLogAlert", armType: "Microsoft.Insights/activityLogAlerts", apiVersion: "2020-10-01",
    schema: { file: "Microsoft.Insights.json", section: "resourceDefinitions", resource: "activityLogAlerts" },
    pathParams: ["resourceGroupName", "activityLogAlertName"], topLevel: ["location", "tags"],
  },
  {
    token: "azure-native:monitor:ActionGroup", armType: "Microsoft.Insights/actionGroups", apiVersion: "2024-10-01-preview",
    schema: { file: "Microsoft.Insights.json", section: "resourceDefinitions", resource: "actionGroups" },
    pathParams: ["resourceGroupName", "actionGroupName"], topLevel: ["location", "tags", "identity"],
  },
  {
    token: "azure-native:alertsmanagement:AlertProcessingRuleByName", armType: "Microsoft.AlertsManagement/actionRules", apiVersion: "2021-08-08",
    schema: { file: "Microsoft.AlertsManagement.json", section: "resourceDefinitions", resource: "actionRules" },
    pathParams: ["resourceGroupName", "alertProcessingRuleName"], topLevel: ["location", "tags", "properties"],
  },
  {
    token: "azure-native:monitor:DiagnosticSetting", armType: "Microsoft.Insights/diagnosticSettings", apiVersion: "2021-05-01-preview",
    schema: { file: "Microsoft.Insights.json", section: "extension_resourceDefinitions", resource: "diagnosticSettings" },
    pathParams: ["resourceUri", "name"], topLevel: [],
  },
  {
    token: "azure-native:monitor:SubscriptionDiagnosticSetting", armType: "Microsoft.Insights/diagnosticSettings", apiVersion: "2021-05-01-preview",
    schema: { file: "Microsoft.Insights.json", section: "subscription_resourceDefinitions", resource: "diagnosticSettings" },
    pathParams: ["name"], topLevel: [],
  },
  {
    token: "azure-native:aadiam:DiagnosticSetting", armType: "microsoft.aadiam/diagnosticSettings", apiVersion: "2017-04-01",
    schema: { file: "microsoft.aadiam.json", section: "tenant_resourceDefinitions", resource: "diagnosticSettings" },
    pathParams: ["name"], topLevel: [],
    // The template schema knows only AuditLogs and SignInLogs; the REST spec types category as a
    // free string (azure-rest-api-specs Microsoft.Aadiam/stable/2017-04-01 LogSettings.category).
    openEnums: [{ property: "properties.logs[].category", sdk: { module: "aadiam", type: "LogSettingsArgs", field: "category" } }],
  },
  {
    token: "azure-native:monitor:DataCollectionRule", armType: "Microsoft.Insights/dataCollectionRules", apiVersion: "2022-06-01",
    schema: { file: "Microsoft.Insights.json", section: "resourceDefinitions", resource: "dataCollectionRules" },
    pathParams: ["resourceGroupName", "dataCollectionRuleName"], topLevel: ["location", "tags", "kind", "identity"],
    // Known*Streams are extensible enums: Microsoft-SecurityEvent is a stream the service takes
    // (with Microsoft Sentinel on the workspace) that the lists do not name.
    openEnums: [
      { property: "properties.dataSources.windowsEventLogs[].streams[]", sdk: { module: "monitor", type: "WindowsEventLogDataSourceArgs", field: "streams" } },
      { property: "properties.dataFlows[].streams[]", sdk: { module: "monitor", type: "DataFlowArgs", field: "streams" } },
    ],
  },
  {
    token: "azure-native:monitor:DataCollectionRuleAssociation", armType: "Microsoft.Insights/dataCollectionRuleAssociations", apiVersion: "2022-06-01",
    schema: { file: "Microsoft.Insights.json", section: "extension_resourceDefinitions", resource: "dataCollectionRuleAssociations" },
    pathParams: ["resourceUri", "associationName"], topLevel: [],
  },
  {
    token: "azure-native:compute:VirtualMachineExtension", armType: "Microsoft.Compute/virtualMachines/extensions", apiVersion: "2024-11-01",
    schema: {
      file: "Microsoft.Compute.Extensions.json", section: "resourceDefinitions", resource: "virtualMachines_extensions",
      properties: { file: "Microsoft.Compute.json", definition: "VirtualMachineExtensionProperties" },
    },
    pathParams: ["resourceGroupName", "vmName", "vmExtensionName"], topLevel: ["location", "tags"],
  },
  {
    token: "azure-native:authorization:PolicyAssignment", armType: "Microsoft.Authorization/policyAssignments", apiVersion: "2025-01-01",
    schema: { file: "Microsoft.Authorization.json", section: "subscription_resourceDefinitions", resource: "policyAssignments" },
    pathParams: ["scope", "policyAssignmentName"], topLevel: ["location", "identity"],
  },
  {
    token: "azure-native:policyinsights:RemediationAtManagementGroup", armType: "Microsoft.PolicyInsights/remediations", apiVersion: "2024-10-01",
    schema: { file: "Microsoft.PolicyInsights.json", section: "managementGroup_resourceDefinitions", resource: "remediations" },
    pathParams: ["managementGroupsNamespace", "managementGroupId", "remediationName"], topLevel: [],
  },
  {
    token: "azure-native:authorization:RoleAssignment", armType: "Microsoft.Authorization/roleAssignments", apiVersion: "2022-04-01",
    schema: { file: "Microsoft.Authorization.json", section: "subscription_resourceDefinitions", resource: "roleAssignments" },
    pathParams: ["scope", "roleAssignmentName"], topLevel: [],
  },
];

/** The vendored schema file of a type, relative to azure/arm-schemas/. */
export function schemaFileOf(t: ArmResourceType): string {
  return `${t.apiVersion}/${t.schema.file.replace(/\.json$/, "")}.${t.schema.section}.${t.schema.resource}.json`;
}

export function armResourceType(token: string): ArmResourceType | undefined {
  return ARM_RESOURCE_TYPES.find((t) => t.token === token);
}

/** An SDK resource as the provider sends it: the URL's resource name and the request body. */
export interface ArmRequest {
  type: ArmResourceType;
  /** The resource's own name (the last path parameter). */
  name: string;
  body: Record<string, unknown>;
}

/** The request body the provider builds from a resource's SDK inputs (see the mapping above). */
export function toArmRequest(token: string, inputs: Record<string, unknown>): ArmRequest {
  const type = armResourceType(token);
  if (!type) throw new Error(`${token}: not in ARM_RESOURCE_TYPES — add its ARM type, API version, schema and mapping (azure/arm-resources.ts)`);
  const body: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (v === undefined || type.pathParams.includes(k)) continue;
    if (type.topLevel.includes(k)) body[k] = v;
    else properties[k] = v;
  }
  if (Object.keys(properties).length) body.properties = properties;
  const name = inputs[type.pathParams[type.pathParams.length - 1]];
  return { type, name: typeof name === "string" ? name : "", body };
}
