// Which Microsoft Graph (and other API) permissions are high risk, as Microsoft's own consent-grant
// report ranks them: the permission table of MSIdentityTools' Export-MsIdAppConsentGrantReport.
// Data copied (not code) from AzureAD/MSIdentityTools:assets/aadconsentgrantpermissiontable.csv at
// commit d32cf4ca216ad4d5173c4a286ef90da86b87db86 (identical at f5d0ca77, 2025-11-18), MIT licence,
// Copyright (c) Microsoft Corporation.
//
// How the table reads (as the report applies it): a row whose permission has a dot names one
// permission (User.ReadWrite.All); a row without one names a family (Mail = Mail.Read, Mail.Send,
// Mail.ReadWrite ...), unless a more specific row ranks a member lower (Mail.ReadBasic is Medium).
// For application permissions the report also ranks High any unlisted permission whose name holds
// "Write".
import * as kql from "./kql";

export const PERMISSION_RISK_SOURCE =
  "AzureAD/MSIdentityTools:assets/aadconsentgrantpermissiontable.csv@d32cf4ca (Privilege High rows; Mail.ReadBasic Medium) and " +
  "src/Export-MsIdAppConsentGrantReport.ps1@f5d0ca77 (exact match, then the family before the first dot; unlisted application " +
  "permissions containing Write ranked High)";

/** Delegated permissions ranked High (Phishing, BroadImpact). */
export const HIGH_RISK_DELEGATED = [
  "Mail", "Contacts", "MailboxSettings", "People", "Files", "AllSites", "Notes", "Policy",
  "AppRoleAssignment.ReadWrite.All", "Directory.AccessAsUser.All", "user_impersonation",
  "Application.ReadWrite.All", "Directory.ReadWrite.All", "Domain.ReadWrite.All", "EduRoster.ReadWrite.All", "Group.ReadWrite.All",
  "Member.Read.Hidden", "RoleManagement.ReadWrite.Directory", "RoleAssignmentSchedule.ReadWrite.Directory",
  "RoleEligibilitySchedule.ReadWrite.Directory", "User.ReadWrite.All", "User.ManageCreds.All", "User.Export.All",
];

/** Application permissions ranked High (Phishing, BroadImpact, SensitiveData). */
export const HIGH_RISK_APPLICATION = [
  "Mail", "Contacts", "MailboxSettings", "People", "Files", "Sites", "AllSites", "Notes", "Policy",
  "PrivilegedAccess", "PrivilegedAssignmentSchedule", "PrivilegedEligibilitySchedule",
  "AppRoleAssignment.ReadWrite.All", "Directory.AccessAsUser.All", "user_impersonation", "Application.ReadWrite.All",
  "Directory.ReadWrite.All", "Domain.ReadWrite.All", "EduRoster.ReadWrite.All", "Group.ReadWrite.All", "Member.Read.Hidden",
  "UserAuthenticationMethod.ReadWrite.All", "RoleManagement.ReadWrite.Directory", "User.ReadWrite.All", "User.ManageCreds.All",
  "CallRecords.Read.All",
];

/** Members of a High family that the table ranks lower. */
export const LOWER_RISK_DELEGATED = ["Mail.ReadBasic"];

/**
 * KQL condition: the string column `column` (one permission) is high risk. `high` entries with a dot
 * match that permission, entries without one the whole family; `lower` entries never match;
 * `writeIsHigh` ranks any permission holding "Write" high (application permissions). Case-insensitive.
 */
export function highRiskPermission(column: string, high: readonly string[], lower: readonly string[], writeIsHigh: boolean): string {
  kql.identifier(column);
  const exact = high.filter((p) => p.includes("."));
  const families = high.filter((p) => !p.includes("."));
  const listed = [
    ...(exact.length ? [`${column} in~ ${kql.strList(exact)}`] : []),
    ...(families.length ? [`tostring(split(${column}, ".")[0]) in~ ${kql.strList(families)}`] : []),
    ...(writeIsHigh ? [`indexof(tolower(${column}), "write") >= 0`] : []),
  ];
  if (listed.length === 0) return "false";
  const high_ = listed.length === 1 ? listed[0] : `(${listed.join(" or ")})`;
  return lower.length ? `${high_} and ${column} !in~ ${kql.strList(lower)}` : high_;
}
