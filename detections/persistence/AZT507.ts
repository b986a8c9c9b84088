// AZT507 External Entity Access: trust handed to someone outside the tenant (Lighthouse, partners,
// another directory, a federated domain).
import * as kql from "../kql";
import { ARRIVAL_PROJECTION, NEW_EVIDENCE, arrivalWindow, ingestedSinceLastRun, ingestionSchedule, withLateArrival } from "../patterns/arrival";
import type { Detection, TechniqueModule } from "../model";
import { minutesAgo } from "../model";
import {
  AUDIT_SCHEDULE,
  ADMIN, atrmPage, ATTACKER, ATTACKER_IP, AUDIT_ENTITIES, AUDIT_TRIGGER, ENTRA_AUDIT, SUB, TENANT,
  activityRow, auditActivityQuery, auditRow, byUser, initiatorAllowlists, operationMatchParts, operationQuietCases,
} from "./shared";

const AUDIT_DOCS = "https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities";

// ---------------------------------------------------------------------------------------------
// AZT507.1 Azure Lighthouse

const LIGHTHOUSE = [
  "Microsoft.ManagedServices/registrationDefinitions/write",
  "Microsoft.ManagedServices/registrationAssignments/write",
];
const ASSIGNMENT = `/subscriptions/${SUB}/providers/microsoft.managedservices/registrationassignments/8d3b1f5c-7a2e-4c9d-b6e0-1f4a3c5d7e9b`;

const lighthouse: Detection = {
  key: "azt507-1-lighthouse-delegation",
  technique: "AZT507.1",
  tactic: "Persistence",
  name: "Azure Lighthouse delegation created",
  description:
    "A Lighthouse registration definition or assignment was written: principals of another tenant now hold roles on this " +
    "subscription or resource group, and sign in with their own tenant's credentials. No guest account, no sign-in in this " +
    "tenant's logs: a quiet, durable backdoor.",
  falsePositives: ["Onboarding of a managed service provider under contract (allowlist the onboarding identity for that window)."],
  triage: [
    "List delegations (Get-AzManagedServicesAssignment, portal 'Service providers'): the managing tenant id, the authorized " +
      "principals and their roles.",
    "Confirm the managing tenant is a contracted provider; Owner/User Access Administrator in a delegation is a red flag.",
    "If unexpected: delete the registration assignment (and definition), then review what the managing tenant's principals " +
      "did (AzureActivity Caller values that are not from this tenant).",
  ],
  references: [atrmPage("AZT507.1"), "https://learn.microsoft.com/azure/lighthouse/how-to/onboard-customer"],
  severity: 1,
  evaluationFrequency: "PT5M",
  windowSize: arrivalWindow("PT5M"),
  ...operationMatchParts(LIGHTHOUSE, "onboard Lighthouse service providers"),
  samples: {
    source: "log-values.md 1.1-1.3, 1.5 (`registrationAssignments/Write` logged, rule); ATRM AZT507.1",
    fires: [{ name: "delegation assigned", rows: { AzureActivity: [activityRow(3, LIGHTHOUSE[1], ASSIGNMENT, { ActivitySubstatusValue: "Created" })] } }],
    quiet: [
      ...operationQuietCases(LIGHTHOUSE[1], ASSIGNMENT, 5),
      { name: "delegation removed", rows: { AzureActivity: [activityRow(3, "Microsoft.ManagedServices/registrationAssignments/delete", ASSIGNMENT)] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT507.2 Microsoft partners

/** DAP acceptance and cross-tenant partner additions (log-values.md 2.2; GDAP activity names unverified). */
const PARTNER_ACTIVITIES = ["Add partner to company", "Add a partner to cross-tenant access setting"];
const PARTNER_TENANT = "c5a1e3f7-9b2d-4e6a-8c0f-3d5b7a9e1c2f";

const partnerAdded: Detection = {
  key: "azt507-2-partner-added",
  technique: "AZT507.2",
  tactic: "Persistence",
  name: "Partner relationship or cross-tenant partner added",
  description:
    "A delegated-admin partner was added to the company (DAP), or a partner organization was added to cross-tenant access " +
    "settings. A partner with delegated admin rights administers the tenant with its own accounts; a cross-tenant partner " +
    "entry can relax inbound trust (MFA, device claims) for users of that tenant.",
  falsePositives: ["Planned onboarding of a CSP partner or a B2B collaboration partner (allowlist the identity admins who do it)."],
  triage: [
    "Identify the partner tenant (Changes: tenantId) and check it against contracted partners (Microsoft 365 admin center > Partner relationships).",
    "For cross-tenant settings: review the inbound trust and B2B direct-connect settings granted to that tenant.",
    "If unexpected: remove the partner relationship or cross-tenant entry, and investigate the initiator.",
  ],
  references: [
    atrmPage("AZT507.2"), AUDIT_DOCS,
    "https://learn.microsoft.com/entra/external-id/cross-tenant-access-settings-b2b-collaboration",
  ],
  severity: 2,
  ...AUDIT_SCHEDULE,
  parameters: initiatorAllowlists("add partners and cross-tenant access entries"),
  signal: { kind: "query", query: auditActivityQuery(PARTNER_ACTIVITIES), trigger: AUDIT_TRIGGER },
  requires: [ENTRA_AUDIT],
  entities: AUDIT_ENTITIES,
  samples: {
    source: "log-values.md 2.2 (partners row: `Add partner to company`; `Add a partner to cross-tenant access setting`, target " +
      "type Policy, property tenantId); ATRM AZT507.2",
    fires: [
      {
        name: "cross-tenant partner added",
        rows: {
          AuditLogs: [auditRow(6, "Add a partner to cross-tenant access setting", "CrossTenantAccessSettings", byUser(ATTACKER), [{
            type: "Policy", displayName: null,
            modifiedProperties: [{ displayName: "tenantId", oldValue: null, newValue: `"${PARTNER_TENANT}"` }],
          }])],
        },
      },
      {
        name: "delegated admin partner added",
        rows: { AuditLogs: [auditRow(6, "Add partner to company", "DirectoryManagement", byUser(ATTACKER), [{ type: "Other", displayName: "Contoso IT Services" }])] },
      },
    ],
    quiet: [
      { name: "partner removed", rows: { AuditLogs: [auditRow(6, "Remove partner from company", "DirectoryManagement", byUser(ATTACKER), [{ type: "Other", displayName: "Contoso IT Services" }])] } },
      {
        name: "allowlisted identity administrator",
        parameters: { allowedInitiatorUpns: [ADMIN] },
        rows: { AuditLogs: [auditRow(6, "Add partner to company", "DirectoryManagement", byUser(ADMIN), [{ type: "Other", displayName: "Contoso IT Services" }])] },
      },
    ],
  },
};

/** Partner sign-ins: hourly, over the sign-ins ingested since the previous run. */
const SIGNIN_FREQUENCY = "PT1H";

/** A SigninLogs row of a partner technician (log-values.md 3.1 values; CrossTenantAccessType value unverified). */
function partnerSignin(minutes: number, over: Record<string, unknown> = {}) {
  return {
    TimeGenerated: minutesAgo(minutes),
    OperationName: "Sign-in activity",
    Category: "SignInLogs",
    ResultType: "0",
    UserPrincipalName: "tech@partner-csp.onmicrosoft.com",
    UserType: "Member",
    HomeTenantId: PARTNER_TENANT,
    ResourceTenantId: TENANT,
    AADTenantId: TENANT,
    CrossTenantAccessType: "serviceProvider",
    AppDisplayName: "Azure Portal",
    AppId: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
    ResourceDisplayName: "Windows Azure Service Management API",
    IPAddress: ATTACKER_IP,
    Location: "NL",
    ...over,
  };
}

const serviceProviderSignin: Detection = {
  key: "azt507-2-service-provider-signin",
  technique: "AZT507.2",
  tactic: "Persistence",
  name: "Sign-in through a service-provider (partner) relationship from an unlisted tenant",
  description:
    "A user from another tenant signed in to this tenant through a service-provider relationship (DAP/GDAP partner " +
    "access). ATRM's detection advice for partners: look for sign-ins by accounts whose home tenant is not this one. " +
    "Partner tenants on the known list are ignored.",
  falsePositives: ["Technicians of contracted partners before their tenant id is added to knownPartnerTenantIds."],
  triage: [
    "Identify the home tenant (HomeTenantId) and the technician (UserPrincipalName); confirm the tenant is a contracted partner.",
    "Review what the session did: AzureActivity and AuditLogs for the same user and IP.",
    "If the partner is unknown or unexpected: remove its delegated admin relationship and review changes made through it.",
  ],
  references: [
    atrmPage("AZT507.2"),
    "https://learn.microsoft.com/graph/api/resources/signin",
    "https://learn.microsoft.com/partner-center/customers/gdap-introduction",
  ],
  severity: 2,
  ...ingestionSchedule(SIGNIN_FREQUENCY, SIGNIN_FREQUENCY, "entraId"),
  parameters: {
    knownPartnerTenantIds: {
      type: "stringList",
      description: "Home tenant ids of contracted partners whose technicians are expected to sign in.",
      default: [],
    },
  },
  signal: {
    kind: "query",
    query: (p) => [
      "SigninLogs",
      ingestedSinceLastRun(SIGNIN_FREQUENCY),
      '| where CrossTenantAccessType =~ "serviceProvider"',
      '| where ResultType == "0"',
      "| where HomeTenantId != ResourceTenantId",
    ].join("\n") +
      kql.excludeIn("HomeTenantId", p.knownPartnerTenantIds as string[]) +
      `\n${NEW_EVIDENCE.extend}` +
      `\n| summarize FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated), SignIns = count(), Apps = make_set(AppDisplayName, 10), ${NEW_EVIDENCE.aggregate} by UserPrincipalName, HomeTenantId, IPAddress` +
      `\n| project ${NEW_EVIDENCE.output("FirstSeen")}, UserPrincipalName, HomeTenantId, IPAddress, FirstSeen, LastSeen, SignIns, Apps`,
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["UserPrincipalName", "HomeTenantId", "IPAddress"] },
  },
  requires: [{ source: "entraId", categories: ["SignInLogs"] }],
  entities: { account: "UserPrincipalName", ip: "IPAddress", resource: "HomeTenantId" },
  samples: {
    source: "log-values.md 3.1 (SigninLogs values, ResultType string); Graph signIn resource (crossTenantAccessType enum " +
      "value serviceProvider; its form in SigninLogs is unverified); ATRM AZT507.2",
    fires: [{ name: "technician of an unlisted partner tenant", rows: { SigninLogs: [partnerSignin(20)] } }],
    quiet: [
      { name: "known partner tenant", parameters: { knownPartnerTenantIds: [PARTNER_TENANT] }, rows: { SigninLogs: [partnerSignin(20)] } },
      { name: "B2B guest sign-in", rows: { SigninLogs: [partnerSignin(20, { CrossTenantAccessType: "b2bCollaboration", UserType: "Guest" })] } },
      { name: "failed partner sign-in", rows: { SigninLogs: [partnerSignin(20, { ResultType: "50126" })] } },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT507.3 Subscription hijack

const UPDATE_TENANT = "Microsoft.Subscription/updateTenant/action";
const OTHER_TENANT = "e1f3a5c7-2b4d-4f6a-8c9e-0a1b3c5d7e9f";

const subscriptionMoved: Detection = {
  key: "azt507-3-subscription-tenant-change",
  technique: "AZT507.3",
  tactic: "Persistence",
  name: "Subscription moved to another Entra tenant",
  description:
    "The subscription's directory was changed (Microsoft.Subscription/updateTenant/action): every RBAC assignment of this " +
    "tenant is dropped and the new directory's principals own the subscription and its billing. The event may be the " +
    "last one this workspace receives from the subscription, so keep the workspace in a different subscription.",
  falsePositives: ["Planned tenant consolidation (mergers), rare and announced."],
  triage: [
    "Read the source and destination tenant ids (SourceTenant, DestinationTenant) and the caller.",
    "Contact Microsoft support at once if the move was not planned; the subscription's owner in the old tenant can no longer act on it.",
    "Set subscription policies that block subscriptions leaving the directory, and review who held Owner on the subscription.",
  ],
  references: [
    atrmPage("AZT507.3"),
    "https://learn.microsoft.com/azure/role-based-access-control/transfer-subscription",
    "https://learn.microsoft.com/azure/cost-management-billing/manage/manage-azure-subscription-policy",
  ],
  severity: 1,
  ...ingestionSchedule("PT5M"),
  signal: {
    kind: "query",
    query: () => [
      "AzureActivity",
      ingestedSinceLastRun("PT5M"),
      `| where OperationNameValue =~ ${kql.str(UPDATE_TENANT)}`,
      "// Category reported as Security by Microsoft's own rule (unverified); Administrative kept in case.",
      '| where CategoryValue in~ ("Security", "Administrative")',
      "| extend Message = tostring(Properties_d.message)",
      '| extend SourceTenant = extract(@"moved from tenant ([0-9a-fA-F-]{36})", 1, Message), DestinationTenant = extract(@"to tenant ([0-9a-fA-F-]{36})", 1, Message)',
      `| project ${ARRIVAL_PROJECTION}, Caller, CallerIpAddress, OperationNameValue, ActivityStatusValue, SubscriptionId, _ResourceId, SourceTenant, DestinationTenant, Message, CorrelationId`,
    ].join("\n"),
    trigger: { operator: "GreaterThan", threshold: 0, timeAggregation: "Count", dimensions: ["Caller", "SubscriptionId", "DestinationTenant"] },
  },
  requires: [{ source: "activityLog", categories: ["Administrative", "Security"] }],
  entities: { account: "Caller", ip: "CallerIpAddress", resource: "SubscriptionId" },
  samples: {
    source: "Microsoft Sentinel rule 'Subscription moved to another tenant' (OperationNameValue Microsoft.Subscription/updateTenant/action, " +
      "Properties_d.message 'moved from tenant <id> to tenant <id>', Security category); log-values.md 1.2 (casing)",
    fires: [
      {
        name: "subscription moved",
        rows: {
          AzureActivity: [activityRow(2, UPDATE_TENANT, `/subscriptions/${SUB}`, {
            CategoryValue: "Security", ResourceGroup: "", ResourceProviderValue: "MICROSOFT.SUBSCRIPTION",
            Properties_d: { message: `Subscription ${SUB} moved from tenant ${TENANT} to tenant ${OTHER_TENANT}`, eventCategory: "Security" },
          })],
        },
      },
    ],
    quiet: [
      { name: "subscription renamed", rows: { AzureActivity: [activityRow(2, "Microsoft.Subscription/rename/action", `/subscriptions/${SUB}`)] } },
      {
        name: "moved outside the window",
        rows: {
          AzureActivity: [activityRow(9, UPDATE_TENANT, `/subscriptions/${SUB}`, {
            CategoryValue: "Security", Properties_d: { message: `Subscription ${SUB} moved from tenant ${TENANT} to tenant ${OTHER_TENANT}` },
          })],
        },
      },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// AZT507.4 Domain trust modification

const DOMAIN_TARGET = (props: { displayName: string; oldValue: string | null; newValue: string | null }[] = []) =>
  [{ type: "Other", displayName: "login.contoso-partner.com", modifiedProperties: props }];

const federationChanged: Detection = {
  key: "azt507-4-domain-federation",
  technique: "AZT507.4",
  tactic: "Persistence",
  name: "Domain federation set or domain switched to federated authentication",
  description:
    "Federation settings were set on a domain, or a domain's authentication was switched to Federated. Whoever holds the " +
    "federation's token-signing key can then mint tokens for any user of that domain, MFA claims included (the AADInternals " +
    "and Solorigate backdoor).",
  falsePositives: ["Planned federation with AD FS or a third-party IdP, or signing-certificate rollover (allowlist the admins doing it)."],
  triage: [
    "Identify the domain and read Changes: issuer URI, signing certificate, and LiveType.",
    "Compare with the identity team's change plan; an unknown issuer or certificate is an incident.",
    "If unexpected: convert the domain back to managed (or restore the previous federation settings), then hunt for sign-ins " +
      "with tokens issued by the rogue issuer.",
  ],
  references: [atrmPage("AZT507.4"), AUDIT_DOCS, "https://o365blog.com/post/aadbackdoor/"],
  severity: 1,
  ...AUDIT_SCHEDULE,
  parameters: initiatorAllowlists("change domain federation"),
  signal: {
    kind: "query",
    query: auditActivityQuery(["Set federation settings on domain", "Set domain authentication"], [
      "// The new value of LiveType, not the old one: switching back to Managed must stay quiet.",
      "| extend NewLiveType = extract(@'\"displayName\":\"LiveType\"[^}]*\"newValue\":([^}]*)', 1, tostring(TargetResources[0].modifiedProperties))",
      '| where OperationName =~ "Set federation settings on domain" or NewLiveType has "Federated"',
    ], ["NewLiveType"]),
    trigger: AUDIT_TRIGGER,
  },
  requires: [ENTRA_AUDIT],
  entities: AUDIT_ENTITIES,
  samples: {
    source: "log-values.md 2.2 (domain trust row: `Set federation settings on domain`, `Set domain authentication` with LiveType " +
      "Federated, DirectoryManagement; no trailing period unlike the Office 365 audit log); ATRM AZT507.4",
    fires: [
      { name: "federation settings set", rows: { AuditLogs: [auditRow(5, "Set federation settings on domain", "DirectoryManagement", byUser(ATTACKER), DOMAIN_TARGET())] } },
      {
        name: "domain switched to federated",
        rows: {
          AuditLogs: [auditRow(5, "Set domain authentication", "DirectoryManagement", byUser(ATTACKER), DOMAIN_TARGET([
            { displayName: "LiveType", oldValue: "[\"Managed\"]", newValue: "[\"Federated\"]" },
          ]))],
        },
      },
    ],
    quiet: [
      {
        name: "domain switched back to managed",
        rows: {
          AuditLogs: [auditRow(5, "Set domain authentication", "DirectoryManagement", byUser(ATTACKER), DOMAIN_TARGET([
            { displayName: "LiveType", oldValue: "[\"Federated\"]", newValue: "[\"Managed\"]" },
          ]))],
        },
      },
      {
        name: "Office 365 spelling with a trailing period is not an AuditLogs value",
        rows: { AuditLogs: [auditRow(5, "Set federation settings on domain.", "DirectoryManagement", byUser(ATTACKER), DOMAIN_TARGET())] },
      },
      {
        name: "allowlisted identity administrator",
        parameters: { allowedInitiatorUpns: [ADMIN] },
        rows: { AuditLogs: [auditRow(5, "Set federation settings on domain", "DirectoryManagement", byUser(ADMIN), DOMAIN_TARGET())] },
      },
    ],
  },
};

const domainAdded: Detection = {
  key: "azt507-4-domain-added",
  technique: "AZT507.4",
  tactic: "Persistence",
  name: "Domain added to or verified in the tenant",
  description:
    "An unverified domain was added or a domain was verified. Adding and verifying an attacker-owned domain is the first step " +
    "of a federation backdoor (the domain is then federated to the attacker's IdP).",
  falsePositives: ["New brands, acquisitions, or mail domains being onboarded (allowlist the identity admins)."],
  triage: [
    "Identify the domain (Target) and who owns it (WHOIS, DNS); check the change plan.",
    "Watch for a following `Set domain authentication`/`Set federation settings on domain` on it (azt507-4-domain-federation).",
    "If unexpected: remove the domain and investigate the initiator.",
  ],
  references: [atrmPage("AZT507.4"), AUDIT_DOCS],
  severity: 2,
  ...AUDIT_SCHEDULE,
  parameters: initiatorAllowlists("add and verify domains"),
  signal: { kind: "query", query: auditActivityQuery(["Add unverified domain", "Verify domain"]), trigger: AUDIT_TRIGGER },
  requires: [ENTRA_AUDIT],
  entities: AUDIT_ENTITIES,
  samples: {
    source: "log-values.md 2.2 (`Add unverified domain`, `Verify domain`, DirectoryManagement); ATRM AZT507.4",
    fires: [{ name: "attacker domain verified", rows: { AuditLogs: [auditRow(4, "Verify domain", "DirectoryManagement", byUser(ATTACKER), DOMAIN_TARGET())] } }],
    quiet: [
      { name: "domain updated", rows: { AuditLogs: [auditRow(4, "Update domain", "DirectoryManagement", byUser(ATTACKER), DOMAIN_TARGET())] } },
      { name: "verification failed", rows: { AuditLogs: [auditRow(4, "Verify domain", "DirectoryManagement", byUser(ATTACKER), DOMAIN_TARGET(), { Result: "failure" })] } },
    ],
  },
};

export const technique: TechniqueModule = {
  detections: [lighthouse, ...[partnerAdded, serviceProviderSignin].map((d) => withLateArrival(d)), subscriptionMoved, ...[federationChanged, domainAdded].map((d) => withLateArrival(d))],
};
