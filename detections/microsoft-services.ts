// Microsoft's own services that act in a customer tenant as themselves (app-only tokens), by
// application (client) id: what a rule excludes when routine service activity would drown the
// signal. Facts copied from Microsoft's documentation (CC BY 4.0), each with its source; an
// attacker cannot sign in as these service principals (their credentials live in Microsoft's tenant).

/**
 * The Microsoft service principals Microsoft lists as signing in to customer tenants. One row of
 * the page is left out: its app id is malformed there ("39d63e7-7fa3-4b2b-94ea-ee256fdb8c2f", 31 hex digits).
 */
export const MICROSOFT_SERVICE_APP_IDS: Record<string, string> = {
  "AAD App Management": "f0ae4899-d877-4d3c-ae25-679e38eea492",
  "AAD Applications ARM RP": "c8e14c19-0ae6-4966-bd07-17e5ffa8e4ce",
  "App Protection": "c6e44401-4d0a-4542-ab22-ecd4c90d28d7",
  "Azure AD Application Proxy": "47ee738b-3f1a-4fc7-ab11-37e4822b007e",
  "Azure ESTS Service / Azure HDInsight Cluster API": "fc03f97a-9db0-4627-a216-ec98ce54e018",
  "Azure Machine Learning": "0736f41a-0425-4b46-bdb5-1563eff02385",
  "Azure Security Insights (Microsoft Sentinel)": "98785600-1bb7-4fb9-b9fa-19afe2c8a360",
  "Azure SQL Managed Instance to Azure AD Resource Provider": "913c6de4-2a4a-4a61-a9ce-945d2b2ce2e0",
  "Bot Framework Dev Portal": "f3723d34-6ff5-4ceb-a148-d99dcd2511fc",
  "CPIM Service / Dynamics Lifecycle services": "bb2a2e3a-c5e7-4f0a-88e0-8e01fd3fc1f4",
  "Fabric Identity Management": "c0be6b4c-212d-4ca9-8a35-fd260fe22342",
  "MDATPNetworkScanAgent": "04687a56-4fc2-4e36-b274-b862fb649733",
  "Microsoft Rights Management Services": "00000012-0000-0000-c000-000000000000",
  "Microsoft Volume Licensing": "3ab9b3bc-762f-4d62-82f7-7e1d653ce29f",
  "Office 365 SharePoint Online": "00000003-0000-0ff1-ce00-000000000000",
  "Power Virtual Agents Service": "9d8f559b-5984-46a4-902a-ad4271e83efa",
  "Storage Resource Provider": "a6aa9161-5291-40bb-8c5c-923b567bee3b",
  "SubstrateActionService": "06dd8193-75af-46d0-84bb-9b9bcaa89e8b",
  "ZTNA Network Access Control Plane": "9d4afbbc-06a4-49e0-8005-4e5afd1d4fec",
};
export const MICROSOFT_SERVICE_APP_IDS_SOURCE =
  "MicrosoftDocs/entra-docs:docs/identity/monitoring-health/reference-service-principal-table.md@3164b3b5 " +
  "(Microsoft service principal sign-in logs table: application display name and id)";

/** The Azure Logic Apps service principal, which Logic Apps uses to act on resources in the tenant. */
export const AZURE_LOGIC_APPS_APP_ID = "7cd684f4-8a78-49b0-91ec-6a35d38739ba";
export const AZURE_LOGIC_APPS_APP_ID_SOURCE =
  "MicrosoftDocs/azure-docs:articles/logic-apps/logic-apps-enterprise-integration-certificates.md (the Logic Apps service " +
  "principal '7cd684f4-8a78-49b0-91ec-6a35d38739ba' given access to a key vault)";
