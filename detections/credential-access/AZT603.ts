// AZT603 Service Principal Secret Reveal: Function App settings (connection strings, client secrets).
import type { Detection, SampleRow, TechniqueModule } from "../model";
import { arrivalWindow } from "../patterns/arrival";
import {
  ACTIVITY_ADMIN, ATRM, ATTACKER, DISTINCT_TARGETS_ENTITIES, DISTINCT_TARGETS_SCHEDULE, DISTINCT_TARGETS_TRIGGER, activityRow, callersParam, countParam,
  distinctTargetsQuery, list, num, operationMatchParts, rid,
} from "./shared";

const SITE = (n: number) => rid("rg-apps", `microsoft.web/sites/func-app-${n}`);
const CONFIG_LIST = "MICROSOFT.WEB/SITES/CONFIG/LIST/ACTION";
const PUBLISHXML = "MICROSOFT.WEB/SITES/PUBLISHXML/ACTION";
const settingsRead = (m: number, n: number, over: SampleRow = {}) => activityRow(m, CONFIG_LIST, `${SITE(n)}/config/appsettings`, over);
const reads = (count: number, start: number, over: SampleRow = {}) => Array.from({ length: count }, (_, i) => settingsRead(start + i, i + 1, over));

const REFS = [
  "https://learn.microsoft.com/azure/app-service/configure-common",
  "https://learn.microsoft.com/rest/api/appservice/web-apps/list-application-settings",
];

const settingsSweep: Detection = {
  key: "azt603-1-app-settings-many-apps",
  technique: "AZT603.1",
  tactic: "Credential Access",
  name: "Application settings or keys of many Function/Web Apps read by one caller",
  description:
    "One caller read the application settings, connection strings, publishing credentials or host keys of many distinct " +
    "App Service / Function apps within an hour (POST actions Microsoft.Web/sites/config/list/action, publishxml/action, " +
    "host/listkeys/action, functions/listkeys/action, and their slot forms). App settings commonly hold service principal " +
    "client secrets, storage connection strings and API keys. The portal's Configuration blade uses the same list action, " +
    "so one app is routine; a sweep over many apps is not. The GETs ATRM also lists (sites/read, functions/read) are never " +
    "logged. config/list/action is a POST and follows the rule that actions are logged; a real row is (unverified).",
  falsePositives: [
    "Administrators reviewing configuration of several apps in the portal.",
    "Configuration-drift, inventory or backup tooling (allowlist its caller).",
  ],
  triage: [
    "Check the caller, IP and Targets; ask whether the caller manages these apps.",
    "Look at what the settings contain (secrets, connection strings, client secrets) and rotate them if the read was not expected; move secrets to Key Vault references.",
    "Search AADServicePrincipalSignInLogs for sign-ins of service principals whose secrets were in those settings from new IPs.",
  ],
  references: [`${ATRM}/AZT603/AZT603-1/`, ...REFS],
  severity: 2,
  ...DISTINCT_TARGETS_SCHEDULE,
  parameters: {
    minApps: countParam("Distinct apps whose settings or keys one caller must read within the window to alert.", 5),
    allowedCallers: callersParam("read app settings and keys"),
  },
  signal: {
    kind: "query",
    query: (p) =>
      distinctTargetsQuery({
        operations: [
          "Microsoft.Web/sites/config/list/action",
          "Microsoft.Web/sites/slots/config/list/action",
          "Microsoft.Web/sites/publishxml/action",
          "Microsoft.Web/sites/slots/publishxml/action",
          "Microsoft.Web/sites/host/listkeys/action",
          "Microsoft.Web/sites/functions/listkeys/action",
        ],
        // The app (or slot), not the config sub-resource the action was called on.
        target: 'tolower(coalesce(extract(@"(?i)^(.*/providers/microsoft\\.web/sites/[^/]+(/slots/[^/]+)?)", 1, _ResourceId), _ResourceId))',
        minTargets: num(p, "minApps"),
        allowedCallers: list(p, "allowedCallers"),
      }),
    trigger: DISTINCT_TARGETS_TRIGGER,
  },
  requires: [ACTIVITY_ADMIN],
  entities: DISTINCT_TARGETS_ENTITIES,
  samples: {
    source: "log-values.md 1.2-1.3, 1.5 (config/list/action POST, MICROSOFT.WEB/SITES/PUBLISHXML/ACTION real streamed row); ATRM AZT603.1",
    fires: [
      { name: "app settings of five function apps", rows: { AzureActivity: reads(5, 5) } },
      {
        name: "settings of three apps and publishing profiles of two others",
        rows: { AzureActivity: [...reads(3, 5), activityRow(20, PUBLISHXML, SITE(4)), activityRow(21, PUBLISHXML, SITE(5))] },
      },
    ],
    quiet: [
      { name: "four apps", rows: { AzureActivity: reads(4, 5) } },
      {
        name: "one app: appsettings, connectionstrings and publishing credentials",
        rows: { AzureActivity: ["appsettings", "connectionstrings", "publishingcredentials", "authsettings", "metadata"].map((c, i) => activityRow(5 + i, CONFIG_LIST, `${SITE(1)}/config/${c}`)) },
      },
      { name: "five apps, requests failed", rows: { AzureActivity: reads(5, 5, { ActivityStatusValue: "Failure" }) } },
      { name: "five apps restarted instead", rows: { AzureActivity: reads(5, 5, { OperationNameValue: "MICROSOFT.WEB/SITES/RESTART/ACTION" }) } },
      { name: "allowlisted inventory tool", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: reads(5, 5) } },
    ],
  },
};

const publishProfile: Detection = {
  key: "azt603-1-publish-profile",
  technique: "AZT603.1",
  tactic: "Credential Access",
  name: "Publishing profile of an App Service / Function app downloaded",
  description:
    "A caller downloaded an app's publishing profile (Microsoft.Web/sites/publishxml/action). The profile holds the " +
    "app's deployment credentials (Kudu/FTP/Web Deploy user and password): with them anyone can read the app's " +
    "environment and settings through Kudu and deploy code that runs as the app's managed identity, without any further " +
    "Azure role.",
  falsePositives: ["Setting up a CI/CD pipeline that deploys with a publishing profile (GitHub Actions, Visual Studio publish)."],
  triage: [
    "Ask the caller why the profile was downloaded; check the caller's sign-in from CallerIpAddress.",
    "Check AppServiceAuditLogs for publishing logins (FTP/Kudu) to the app afterwards.",
    "If not expected: reset the publishing profile (resetpublishingprofile), disable basic publishing credentials (FTP/SCM basic auth), and rotate secrets in the app settings.",
  ],
  references: [
    `${ATRM}/AZT603/AZT603-1/`,
    "https://learn.microsoft.com/azure/app-service/deploy-configure-credentials",
    "https://stratus-red-team.cloud/attack-techniques/azure/azure.credential-access.app-service-publishing-credentials/",
  ],
  severity: 3,
  evaluationFrequency: "PT15M",
  windowSize: arrivalWindow("PT15M"),
  ...operationMatchParts("Microsoft.Web/sites/publishxml/action", "download publishing profiles"),
  samples: {
    source: "log-values.md 1.2 (real streamed row MICROSOFT.WEB/SITES/PUBLISHXML/ACTION) and 1.3",
    fires: [{ name: "publishing profile downloaded", rows: { AzureActivity: [activityRow(5, PUBLISHXML, SITE(1))] } }],
    quiet: [
      { name: "download failed", rows: { AzureActivity: [activityRow(5, PUBLISHXML, SITE(1), { ActivityStatusValue: "Failure" })] } },
      { name: "app settings listed (other detection)", rows: { AzureActivity: [settingsRead(5, 1)] } },
      { name: "downloaded 20 minutes ago", rows: { AzureActivity: [activityRow(20, PUBLISHXML, SITE(1))] } },
      { name: "allowlisted pipeline owner", parameters: { allowedCallers: [ATTACKER] }, rows: { AzureActivity: [activityRow(5, PUBLISHXML, SITE(1))] } },
    ],
  },
};

export const technique: TechniqueModule = { detections: [settingsSweep, publishProfile] };
