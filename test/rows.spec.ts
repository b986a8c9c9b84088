// The export converter (planning/rows.ts) that `npm run detect`, the recordings replay and the
// backtest share: the portal's CSV export typed by the table schema, and the stated ingestion lag.
import { expect } from "chai";
import * as path from "path";
import { detect } from "../tools/detect";
import { exportTime, ingestedBy, readRowsFile, rowsFromActivityLogEvents, rowsFromCsv, rowsFromResourceLogRecords, withIngestionLag } from "../planning/rows";

const root = path.join(__dirname, "..");

describe("export converter (planning/rows.ts)", () => {
  it("reads the portal's en-US time format as UTC, and ISO as it is", () => {
    expect(exportTime("6/2/2020, 12:00:00.000 PM")).to.equal("2020-06-02T12:00:00.000Z");
    expect(exportTime("6/2/2020, 12:00:00.000 AM")).to.equal("2020-06-02T00:00:00.000Z");
    expect(exportTime("4/28/2021, 2:32:14.029 PM")).to.equal("2021-04-28T14:32:14.029Z");
    expect(exportTime("12/31/2023, 11:59:59 PM")).to.equal("2023-12-31T23:59:59.000Z");
    expect(exportTime("2025-06-02T11:00:00.1234567Z")).to.equal("2025-06-02T11:00:00.123Z");
    expect(exportTime("2025-06-02 11:00:00")).to.equal("2025-06-02T11:00:00.000Z");
  });

  it("rejects a time in any other format, naming the value and the formats it takes", () => {
    expect(() => exportTime("28/04/2021 14:32:14", "AzureActivity row 1, column TimeGenerated [UTC]")).to.throw(/AzureActivity row 1, column TimeGenerated \[UTC\]: "28\/04\/2021 14:32:14" is not a time in ISO-8601 or the portal's export format/);
    expect(() => exportTime("2/30/2021, 1:00:00.000 PM")).to.throw(/not a valid date/);
    expect(() => exportTime("13/1/2021, 1:00:00.000 PM")).to.throw(/not a valid time/);
  });

  it("types a CSV export by the table schema: [UTC] headers, $table, dynamic JSON, TRUE, union-suffixed columns", () => {
    const csv = [
      '$table,"TimeGenerated [UTC]",IsInteractive,Status_dynamic,DurationMs,ResultType,Extra,Empty',
      'SigninLogs,"4/28/2021, 2:08:45.221 PM",TRUE,"{""errorCode"":0}",3535,0,kept?,',
    ].join("\n");
    const { tables, dropped } = rowsFromCsv(csv);
    expect(tables).to.deep.equal({ SigninLogs: [{ TimeGenerated: "2021-04-28T14:08:45.221Z", IsInteractive: true, Status: { errorCode: 0 }, DurationMs: 3535, ResultType: "0" }] });
    expect(dropped).to.deep.equal(["SigninLogs.Extra"]);
  });

  it("takes the table from --table, a time column into a missing TimeGenerated, and fails clearly", () => {
    const csv = 'CreatedDateTime [UTC],UserPrincipalName\n"4/28/2021, 2:08:45.221 PM",a@b.c\n';
    expect(rowsFromCsv(csv, { table: "SigninLogs", timeColumn: "CreatedDateTime" }).tables.SigninLogs[0]).to.deep.equal({ CreatedDateTime: "2021-04-28T14:08:45.221Z", TimeGenerated: "2021-04-28T14:08:45.221Z", UserPrincipalName: "a@b.c" });
    expect(() => rowsFromCsv(csv)).to.throw(/CSV row 1 has no Type or \$table column: pass --table/);
    expect(() => rowsFromCsv(csv, { table: "SigninLogs", timeColumn: "Nope" })).to.throw(/no column Nope/);
    expect(() => rowsFromCsv("Type,IsInteractive\nSigninLogs,maybe\n")).to.throw(/SigninLogs row 1, column IsInteractive: "maybe" is not a bool/);
    expect(() => rowsFromCsv("Type,DurationMs\nSigninLogs,fast\n")).to.throw(/is not a number/);
  });

  it("sets _TimeReceived (ingestion_time()) to TimeGenerated plus the stated lag, keeping one already given", () => {
    const t = withIngestionLag({ AzureActivity: [{ TimeGenerated: "2025-06-02T11:00:00.000Z" }, { TimeGenerated: "2025-06-02T11:00:00.000Z", _TimeReceived: "2025-06-02T11:01:00.000Z" }] }, 5 * 60_000);
    expect(t.AzureActivity.map((r) => r._TimeReceived)).to.deep.equal(["2025-06-02T11:05:00.000Z", "2025-06-02T11:01:00.000Z"]);
    // A rule run sees only the rows ingested by then.
    expect(ingestedBy(t, "2025-06-02T11:02:00Z").AzureActivity.map((r) => r._TimeReceived)).to.deep.equal(["2025-06-02T11:01:00.000Z"]);
    expect(ingestedBy(t, "2025-06-02T11:05:00Z").AzureActivity).to.have.length(2);
  });

  it("npm run detect reads the CSV export as it reads the same rows in JSON, and applies --lag", () => {
    const args = (file: string, ...more: string[]) => ["--detection", "azt301-1-runcommand", "--rows", path.join(root, "test/fixtures", file), "--now", "2025-06-02T12:00:00Z", ...more];
    const fromJson = detect(args("runcommand-export.json"));
    const fromCsv = detect(args("runcommand-export.csv"));
    expect(fromCsv.alerts).to.deep.equal(fromJson.alerts);
    expect((fromCsv.alerts as unknown[]).length).to.equal(2);
    expect(readRowsFile(path.join(root, "test/fixtures/runcommand-export.csv")).dropped).to.deep.equal(["AzureActivity.SomeNewColumn"]);
    // Landing 30 minutes late, both rows arrive after this run: nothing to alert on yet.
    expect(detect(args("runcommand-export.csv", "--lag", "PT30M")).fired).to.equal(false);
    expect(() => detect(args("runcommand-export.csv", "--lag", "5 minutes"))).to.throw(/--lag "5 minutes" is not an ISO-8601 duration/);
  });

  it("converts an Activity Log event in the REST/portal form to an AzureActivity row, values as published", () => {
    const event = {
      eventTimestamp: "2022-06-01T11:39:35.6986539Z",
      operationName: { value: "Microsoft.Compute/virtualMachines/runCommand/action", localizedValue: "Run Command on Virtual Machine" },
      status: { value: "Succeeded" },
      subStatus: { value: "" },
      category: { value: "Administrative" },
      caller: "you@domain.tld",
      httpRequest: { clientIpAddress: "203.0.113.5", method: "POST" },
      resourceGroupName: "rg-1",
      resourceProviderName: { value: "Microsoft.Compute" },
      resourceId: "/subscriptions/S1/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/VM-1",
      claims: { appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46" },
      properties: { message: "Microsoft.Compute/virtualMachines/runCommand/action" },
    };
    const { tables } = rowsFromActivityLogEvents([event]);
    expect(tables.AzureActivity[0]).to.deep.include({
      TimeGenerated: "2022-06-01T11:39:35.698Z",
      OperationNameValue: "Microsoft.Compute/virtualMachines/runCommand/action",
      ActivityStatusValue: "Succeeded",
      CategoryValue: "Administrative",
      Caller: "you@domain.tld",
      CallerIpAddress: "203.0.113.5",
      HTTPRequest: '{"clientIpAddress":"203.0.113.5","method":"POST"}',
      ResourceGroup: "rg-1",
      ResourceProviderValue: "Microsoft.Compute",
      _ResourceId: "/subscriptions/s1/resourcegroups/rg-1/providers/microsoft.compute/virtualmachines/vm-1",
      Claims_d: { appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46" },
    });
    expect(tables.AzureActivity[0]).to.not.have.property("ActivitySubstatusValue");   // empty, as exports leave it out
  });

  it("converts the streamed (resource-log) form, and Datadog's evt names for it, to AzureActivity rows", () => {
    const streamed = {
      records: [{
        time: "2019-01-21T22:14:26.9792776Z",
        resourceId: "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG-2/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/SA1",
        operationName: "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION",
        resultType: "Success",
        resultSignature: "Succeeded.OK",
        callerIpAddress: "203.0.113.9",
        identity: { authorization: { action: "Microsoft.Storage/storageAccounts/listKeys/action" }, claims: { "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "admin@contoso.com" } },
        properties: { statusCode: "OK" },
      }],
    };
    const [row] = rowsFromActivityLogEvents(streamed).tables.AzureActivity;
    expect(row).to.deep.include({
      TimeGenerated: "2019-01-21T22:14:26.979Z", OperationNameValue: "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", ActivityStatusValue: "Success",
      ActivitySubstatusValue: "Succeeded.OK", CategoryValue: "Administrative", Caller: "admin@contoso.com", CallerIpAddress: "203.0.113.9",
      SubscriptionId: "S1", ResourceGroup: "RG-2", ResourceProviderValue: "MICROSOFT.STORAGE", Authorization_d: { action: "Microsoft.Storage/storageAccounts/listKeys/action" },
    });
    const [dd] = rowsFromActivityLogEvents({ evt: { category: "Administrative", outcome: "Start", name: "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE" }, time: "2022-06-18T19:57:27Z", resourceId: "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM/EXTENSIONS/CSE" }).tables.AzureActivity;
    expect(dd).to.deep.include({ OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE", ActivityStatusValue: "Start", CategoryValue: "Administrative", _ResourceId: "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm/extensions/cse" });
    expect(() => rowsFromActivityLogEvents({ records: ["not an event"] })).to.throw(/Activity Log event 1 is not a JSON object/);
  });

  it("flattens resource-log records into AzureDiagnostics columns with their type suffixes", () => {
    const record = {
      time: "2016-01-05T01:32:01.2691226Z",
      resourceId: "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1",
      operationName: "SecretGet", category: "AuditEvent", resultType: "Success", resultSignature: "OK", durationMs: "78", callerIpAddress: "104.40.82.76",
      identity: { claim: { appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "a@contoso.com", unknown_claim: "x" } },
      properties: { id: "https://kv1.vault.azure.net/secrets/s1", httpStatusCode: 200, isAccessPolicyMatch: true },
    };
    const { tables, dropped } = rowsFromResourceLogRecords({ records: [record] });
    expect(tables.AzureDiagnostics[0]).to.deep.include({
      TimeGenerated: "2016-01-05T01:32:01.269Z", ResourceProvider: "MICROSOFT.KEYVAULT", ResourceType: "VAULTS", Resource: "KV1", ResourceGroup: "RG", SubscriptionId: "S1",
      _ResourceId: "/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1",
      OperationName: "SecretGet", Category: "AuditEvent", ResultType: "Success", ResultSignature: "OK", DurationMs: 78, CallerIPAddress: "104.40.82.76",
      identity_claim_appid_g: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s: "a@contoso.com",
      id_s: "https://kv1.vault.azure.net/secrets/s1", httpStatusCode_d: 200, isAccessPolicyMatch_b: true,
    });
    expect(dropped).to.deep.equal(["AzureDiagnostics.identity_claim_unknown_claim_s"]);
  });
});
