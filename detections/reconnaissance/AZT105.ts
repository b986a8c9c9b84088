// AZT105 Gather Application Information: enumeration of app registrations, service principals and
// their delegated grants.
import type { TechniqueModule } from "../model";
import { graphEnumeration, sampleGuid } from "./graph";

const appEnumeration = graphEnumeration({
  key: "azt105-graph-app-enumeration",
  technique: "AZT105",
  name: "Burst of Entra application and service principal reads through Microsoft Graph",
  what: "app registrations, service principals, their credentials' metadata and delegated permission grants",
  terms: ["applications", "servicePrincipals", "oauth2PermissionGrants"],
  paths: [
    "applications", "applications/delta", "serviceprincipals", "serviceprincipals/delta", "oauth2permissiongrants",
    "applications/\\{id\\}", "serviceprincipals/\\{id\\}",
    "applications\\(appid='\\{id\\}'\\)", "serviceprincipals\\(appid='\\{id\\}'\\)",
    "applications/\\{id\\}/(extensionproperties|federatedidentitycredentials|tokenissuancepolicies|tokenlifetimepolicies)",
    "serviceprincipals/\\{id\\}/(oauth2permissiongrants|delegatedpermissionclassifications|claimsmappingpolicies)",
  ],
  minCount: 30,
  risePercent: 300,
  atrm: "https://microsoft.github.io/Azure-Threat-Research-Matrix/Reconnaissance/AZT105/AZT105/",
  references: ["https://learn.microsoft.com/graph/api/application-list", "https://learn.microsoft.com/graph/api/serviceprincipal-list"],
  falsePositives: [
    "Application inventory, CSPM or secret-expiry monitoring tools (allowlist their AppId).",
    "Administrators reviewing enterprise applications in bulk.",
  ],
  triage: [
    "Read Endpoints: per-object reads of every application or service principal (and their oauth2PermissionGrants) show someone mapping which apps hold which permissions — the first step to abusing an over-privileged app (AZT405, AZT501).",
  ],
  sampleUri: (i) => `https://graph.microsoft.com/beta/servicePrincipals/${sampleGuid(i)}/oauth2PermissionGrants`,
  otherUri: "https://graph.microsoft.com/v1.0/me/memberOf",
});

export const technique: TechniqueModule = { detections: [appEnumeration] };
