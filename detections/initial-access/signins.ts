// Sign-in facts and sample rows shared by the Initial Access detections (and AZT104/AZT107).
// Values: log-values.md section 3 (ResultType is a string; first-party app ids; resource ids).
import type { SampleRow } from "../model";
import { minutesAgo } from "../model";

/** First-party client app ids (log-values.md 3.1). */
export const APP = {
  azurePortal: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
  azureCli: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
  azurePowerShell: "1950a258-227b-4e31-a9cf-717495945fc2",
} as const;

/** Windows Azure Service Management API (Azure Resource Manager) as ResourceIdentity. */
export const ARM_RESOURCE_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013";

/**
 * ResultType codes of a wrong password (log-values.md 3.2): 50126 invalid username or password,
 * 50056 invalid or null password. 50053 (locked / malicious IP) is a result of guessing too.
 */
export const BAD_PASSWORD_CODES = ["50126", "50056", "50053"];

/**
 * ResultType codes that are only reached once the password was right: success, expired password,
 * MFA required / not passed / registration required, external challenge, Conditional Access block
 * and MFA denied (log-values.md 3.2). An attacker who reaches one of them holds a valid password.
 */
export const PASSWORD_ACCEPTED_CODES = ["0", "50055", "50072", "50074", "50076", "50079", "50158", "53003", "530032", "500121"];

export const SAMPLE_DOMAIN = "contoso.onmicrosoft.com";
export const SPRAY_IP = "45.153.160.2";
export const HOME_IP = "81.2.69.160";

/** A SigninLogs row in the form of the real rows of log-values.md 3.1. */
export function signinRow(minutes: number, over: SampleRow = {}): SampleRow {
  const ok = (over.ResultType ?? "0") === "0";
  return {
    TimeGenerated: minutesAgo(minutes),
    OperationName: "Sign-in activity",
    Category: "SignInLogs",
    ResultType: "0",
    ResultSignature: "None",
    ResultDescription: ok ? "" : "Invalid username or password or Invalid on-premise username or password.",
    Status: ok ? { errorCode: 0 } : { errorCode: Number(over.ResultType), failureReason: "Invalid username or password or Invalid on-premise username or password." },
    UserPrincipalName: `adelev@${SAMPLE_DOMAIN}`,
    UserDisplayName: "Adele Vance",
    Identity: "Adele Vance",
    UserId: "6e7b768e-07e2-4810-8459-485f84f8f204",
    UserType: "Member",
    AppDisplayName: "Azure Portal",
    AppId: APP.azurePortal,
    ResourceDisplayName: "Windows Azure Service Management API",
    ResourceIdentity: ARM_RESOURCE_ID,
    IPAddress: HOME_IP,
    Location: "GB",
    LocationDetails: { countryOrRegion: "GB", state: "London", city: "London" },
    ClientAppUsed: "Browser",
    UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    AuthenticationRequirement: "singleFactorAuthentication",
    ConditionalAccessStatus: "notApplied",
    TokenIssuerType: "AzureAD",
    IsInteractive: true,
    RiskLevelDuringSignIn: "none",
    RiskLevelAggregated: "none",
    RiskState: "none",
    RiskDetail: "none",
    CorrelationId: "5f0c6e1b-2d3a-4b7c-9e8f-1a2b3c4d5e6f",
    UniqueTokenIdentifier: "kq7Xz3Dq1EqvYb2m9Qb1AA",
    ...over,
  };
}

/** An AADNonInteractiveUserSignInLogs row: the same as SigninLogs but with string JSON columns. */
export function nonInteractiveRow(minutes: number, over: SampleRow = {}): SampleRow {
  const row = signinRow(minutes, { IsInteractive: false, Category: "NonInteractiveUserSignInLogs", ...over });
  return { ...row, Status: JSON.stringify(row.Status), LocationDetails: JSON.stringify(row.LocationDetails) };
}

/** An AADServicePrincipalSignInLogs row (log-values.md 3.3: LocationDetails is a string, no UPN). */
export function spSigninRow(minutes: number, over: SampleRow = {}): SampleRow {
  return {
    TimeGenerated: minutesAgo(minutes),
    OperationName: "Sign-in activity",
    Category: "ServicePrincipalSignInLogs",
    ResultType: "0",
    ResultSignature: "None",
    ResultDescription: "",
    AppId: "2c7f9e4d-8a1b-4c3d-9e5f-6a7b8c9d0e1f",
    ServicePrincipalId: "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    ServicePrincipalName: "app-deploy-pipeline",
    ServicePrincipalCredentialKeyId: "e1d2c3b4-a5f6-4e7d-8c9b-0a1b2c3d4e5f",
    ServicePrincipalCredentialThumbprint: "",
    ResourceDisplayName: "Windows Azure Service Management API",
    ResourceIdentity: ARM_RESOURCE_ID,
    IPAddress: "20.50.2.10",
    Location: "NL",
    LocationDetails: JSON.stringify({ city: "Amsterdam", state: "Noord-Holland", countryOrRegion: "NL" }),
    ConditionalAccessStatus: "notApplied",
    CorrelationId: "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
    UniqueTokenIdentifier: "Zm9vYmFyYmF6cXV4MTIzNA",
    ...over,
  };
}
