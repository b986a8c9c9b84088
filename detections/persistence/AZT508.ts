// AZT508 Azure Policy: a DeployIfNotExists/Modify policy re-deploys the attacker's resources (or
// settings) with its own managed identity, every time the scope is evaluated.
import type { Detection, TechniqueModule } from "../model";
import { atrmPage, ATTACKER, SUB, activityRow, requestBodyParts, startRow } from "./shared";

const ASSIGNMENT_WRITE = "Microsoft.Authorization/policyAssignments/write";
const DEFINITION_WRITE = "Microsoft.Authorization/policyDefinitions/write";
const ASSIGNMENT = `/subscriptions/${SUB}/providers/microsoft.authorization/policyassignments/deploy-diag-agent`;
const DEFINITION = `/subscriptions/${SUB}/providers/microsoft.authorization/policydefinitions/deploy-diag-agent`;
const POLICY_DOCS = "https://learn.microsoft.com/azure/governance/policy/concepts/effect-deploy-if-not-exists";

const assignmentBody = (identity: unknown) => ({
  location: "westeurope",
  identity,
  properties: {
    displayName: "Deploy diagnostics agent",
    policyDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/deploy-diag-agent`,
    enforcementMode: "Default",
  },
});

const assignmentWithIdentity: Detection = {
  key: "azt508-policy-assignment-identity",
  technique: "AZT508",
  tactic: "Persistence",
  name: "Policy assigned with a managed identity (DeployIfNotExists/Modify)",
  description:
    "A policy assignment was written with a managed identity. Only DeployIfNotExists and Modify policies need one: the " +
    "identity deploys or changes resources whenever a resource in scope is created or evaluated, so an attacker's template " +
    "(a VM extension, a role assignment, a runbook) keeps coming back after it is removed. Assignments at management-group " +
    "scope are written to the tenant activity log, not to a subscription's, and are not seen here.",
  falsePositives: ["Governance teams assigning built-in DINE/Modify initiatives (Defender for Cloud, monitoring agents; allowlist them)."],
  triage: [
    "Read RequestBody: policyDefinitionId and parameters; open the definition to see the template its `then.details.deployment` deploys.",
    "Check the role assignments given to the assignment's identity (a following roleAssignments/write by the same caller).",
    "If unexpected: delete the assignment and its identity's role assignments, and remove what it already deployed " +
      "(Microsoft.Authorization/policies/deployIfNotExists/action events, category Policy).",
  ],
  references: [atrmPage("AZT508"), POLICY_DOCS, "https://learn.microsoft.com/azure/governance/policy/how-to/remediate-resources"],
  severity: 2,
  ...requestBodyParts([ASSIGNMENT_WRITE], "assign DeployIfNotExists/Modify policies", [
    '| where RequestBody has_any ("SystemAssigned", "UserAssigned")',
    "| extend PolicyDefinitionId = tostring(coalesce(parse_json(RequestBody).properties.policyDefinitionId, parse_json(RequestBody).Properties.PolicyDefinitionId))",
  ], ["PolicyDefinitionId"], "PT15M"),
  samples: {
    source: "log-values.md 1.3 (request body on the Start row), 1.5 (policyAssignments/write is Administrative); " +
      "policy assignment REST schema (identity.type SystemAssigned/UserAssigned); ATRM AZT508",
    fires: [
      { name: "assignment with a system-assigned identity", rows: { AzureActivity: [startRow(5, ASSIGNMENT_WRITE, ASSIGNMENT, assignmentBody({ type: "SystemAssigned" }))] } },
    ],
    quiet: [
      { name: "audit-only assignment without identity", rows: { AzureActivity: [startRow(5, ASSIGNMENT_WRITE, ASSIGNMENT, assignmentBody(undefined))] } },
      { name: "allowlisted governance pipeline", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [startRow(5, ASSIGNMENT_WRITE, ASSIGNMENT, assignmentBody({ type: "SystemAssigned" }))] } },
      { name: "Success row (no body)", rows: { AzureActivity: [activityRow(5, ASSIGNMENT_WRITE, ASSIGNMENT)] } },
    ],
  },
};

const definitionBody = (effect: string) => ({
  properties: {
    mode: "Indexed",
    displayName: "Deploy diagnostics agent",
    description: "Ensures every VM runs the agent.",
    policyRule: {
      if: { field: "type", equals: "Microsoft.Compute/virtualMachines" },
      then: { effect, details: { type: "Microsoft.Compute/virtualMachines/extensions", roleDefinitionIds: ["/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"] } },
    },
  },
});

const deployingDefinition: Detection = {
  key: "azt508-policy-definition-deploy",
  technique: "AZT508",
  tactic: "Persistence",
  name: "Custom policy definition with a DeployIfNotExists or Modify effect written",
  description:
    "A custom policy definition whose rule uses the DeployIfNotExists or Modify effect was created or updated. It is the " +
    "carrier of a policy backdoor: its embedded ARM template (or modify operations) is applied to every matching resource " +
    "once assigned.",
  falsePositives: ["Platform teams authoring DINE/Modify policies in a policy-as-code pipeline (allowlist it)."],
  triage: [
    "Read the definition's policyRule.then: the deployment template, the roleDefinitionIds it asks for, and what it deploys.",
    "Look for its assignments (policyAssignments/write with this definition id) and the identities they received.",
    "If unexpected: delete the definition and its assignments, and investigate the caller.",
  ],
  references: [atrmPage("AZT508"), POLICY_DOCS, "https://learn.microsoft.com/azure/governance/policy/concepts/effect-modify"],
  severity: 2,
  ...requestBodyParts([DEFINITION_WRITE], "author DeployIfNotExists/Modify policies", [
    "// Effects as JSON string values; a parameterised effect carries them as allowedValues/defaultValue.",
    '| where RequestBody contains \'"deployIfNotExists"\' or RequestBody contains \'"modify"\'',
  ], [], "PT15M"),
  samples: {
    source: "log-values.md 1.3 (Start row request body); Azure Policy definition structure docs (policyRule.then.effect); " +
      "ATRM AZT508 (its query matches MICROSOFT.AUTHORIZATION/POLICYDEFINITIONS/WRITE)",
    fires: [
      { name: "DeployIfNotExists definition", rows: { AzureActivity: [startRow(4, DEFINITION_WRITE, DEFINITION, definitionBody("DeployIfNotExists"))] } },
      { name: "Modify definition", rows: { AzureActivity: [startRow(4, DEFINITION_WRITE, DEFINITION, definitionBody("Modify"))] } },
    ],
    quiet: [
      { name: "audit definition whose description mentions modify", rows: { AzureActivity: [startRow(4, DEFINITION_WRITE, DEFINITION, { properties: { ...definitionBody("Audit").properties, description: "Flags VMs that modify their agents." } })] } },
      { name: "allowlisted policy pipeline", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [startRow(4, DEFINITION_WRITE, DEFINITION, definitionBody("DeployIfNotExists"))] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [assignmentWithIdentity, deployingDefinition] };
