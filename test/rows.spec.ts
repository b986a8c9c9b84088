// The one reader of exported rows (kusto/rows.ts) that `npm run detect`, `npm run backtest` and the
// recordings replay share: every format, typed by the table schema, streamed; the stated ingestion
// lag; and the converters of events Azure publishes outside Log Analytics (azure/published-events.ts).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { detect } from "../tools/detect";
import { exportTime, loadRows, plainRows, rowsFromCsv, rowsFromData, RowsError, type ReadOptions } from "../kusto/rows";
import { UNBOUNDED } from "../kusto/tables";
import { activityLogEventRows, resourceLogRecordRows } from "../azure/published-events";

const root = path.join(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-rows-"));
const read = (data: unknown, opts: ReadOptions = {}) => plainRows(rowsFromData(data, opts).tables);
const csvRows = (text: string, opts: ReadOptions = {}) => { const r = rowsFromCsv(text, opts); return { tables: plainRows(r.tables), dropped: r.dropped }; };

describe("export reader (kusto/rows.ts)", () => {
  it("reads the portal's en-US time format as UTC, and ISO as it is", () => {
    expect(exportTime("6/2/2020, 12:00:00.000 PM")).to.equal("2020-06-02T12:00:00.000Z");
    expect(exportTime("6/2/2020, 12:00:00.000 AM")).to.equal("2020-06-02T00:00:00.000Z");
    expect(exportTime("4/28/2021, 2:32:14.029 PM")).to.equal("2021-04-28T14:32:14.029Z");
    expect(exportTime("12/31/2023, 11:59:59 PM")).to.equal("2023-12-31T23:59:59.000Z");
    expect(exportTime("2025-06-02T11:00:00.1234567Z")).to.equal("2025-06-02T11:00:00.123Z");
    expect(exportTime("2025-06-02 11:00:00")).to.equal("2025-06-02T11:00:00.000Z");
  });

  it("rejects a time in any other format, naming the value and the formats it takes", () => {
    expect(() => exportTime("28/04/2021 14:32:14", "AzureActivity row 1, column TimeGenerated [UTC]")).to.throw(RowsError, /AzureActivity row 1, column TimeGenerated \[UTC\]: "28\/04\/2021 14:32:14" is not a time in ISO-8601 or the portal's export format/);
    expect(() => exportTime("2/30/2021, 1:00:00.000 PM")).to.throw(/not a valid date/);
    expect(() => exportTime("13/1/2021, 1:00:00.000 PM")).to.throw(/not a valid time/);
    expect(() => csvRows('Type,TimeGenerated [UTC]\nAzureActivity,"28/04/2021 14:32:14"\n')).to.throw(/CSV row 1 \(AzureActivity\), column 'TimeGenerated': "28\/04\/2021 14:32:14" is not a time/);
  });

  it("types a CSV export by the table schema: [UTC] headers, $table, dynamic JSON, TRUE, union-suffixed columns", () => {
    const csv = [
      '$table,"TimeGenerated [UTC]",IsInteractive,Status_dynamic,DurationMs,ResultType,Extra,Empty',
      'SigninLogs,"4/28/2021, 2:08:45.221 PM",TRUE,"{""errorCode"":0}",3535,0,kept?,',
    ].join("\n");
    const { tables, dropped } = csvRows(csv);
    expect(tables).to.deep.equal({ SigninLogs: [{ TimeGenerated: "2021-04-28T14:08:45.221Z", IsInteractive: true, Status: { errorCode: 0 }, DurationMs: 3535, ResultType: "0" }] });
    expect(dropped).to.deep.equal(["SigninLogs.Extra"]);
    expect(() => csvRows('Type,TimeGenerated,Status,Status_dynamic\nSigninLogs,2021-04-28T14:08:45Z,{},{}\n')).to.throw(/column 'Status' given twice \('Status' and 'Status_dynamic'\)/);
  });

  it("takes the table from --table, a time column into a missing TimeGenerated, and fails clearly", () => {
    const csv = 'CreatedDateTime [UTC],UserPrincipalName\n"4/28/2021, 2:08:45.221 PM",a@b.c\n';
    expect(csvRows(csv, { table: "SigninLogs", timeColumn: "CreatedDateTime" }).tables.SigninLogs[0]).to.deep.equal({ CreatedDateTime: "2021-04-28T14:08:45.221Z", TimeGenerated: "2021-04-28T14:08:45.221Z", UserPrincipalName: "a@b.c" });
    expect(() => csvRows(csv)).to.throw(/CSV row 1: the row has no Type or \$table column naming its table — pass --table/);
    expect(() => csvRows(csv, { table: "SigninLogs", timeColumn: "Nope" })).to.throw(/CSV row 1 \(SigninLogs\): no column Nope to take TimeGenerated from/);
    expect(() => csvRows(csv, { table: "SigninLogs" })).to.throw(/CSV row 1 \(SigninLogs\): no TimeGenerated/);
    expect(() => csvRows("Type,TimeGenerated,IsInteractive\nSigninLogs,2021-04-28T14:08:45Z,maybe\n")).to.throw(/CSV row 1 \(SigninLogs\), column 'IsInteractive' \(bool\): cannot use "maybe"/);
    expect(() => csvRows("Type,TimeGenerated,DurationMs\nSigninLogs,2021-04-28T14:08:45Z,fast\n")).to.throw(/column 'DurationMs' \(long\): cannot use "fast"/);
    // A header-only export of a named table is that table, present and empty.
    const empty = rowsFromCsv("TimeGenerated,Caller\n", { table: "AzureActivity" });
    expect(empty.tables.has("AzureActivity")).to.equal(true);
    expect(empty.counts).to.deep.equal({ AzureActivity: 0 });
  });

  it("sets _TimeReceived (ingestion_time()) to TimeGenerated plus the stated lag, keeping one already given", () => {
    const { tables } = rowsFromData({ AzureActivity: [{ TimeGenerated: "2025-06-02T11:00:00.000Z" }, { TimeGenerated: "2025-06-02T11:00:00.000Z", _TimeReceived: "2025-06-02T11:01:00.000Z" }] }, { ingestionLagMs: 5 * 60_000 });
    expect(plainRows(tables).AzureActivity.map((r) => r._TimeReceived)).to.deep.equal(["2025-06-02T11:05:00.000Z", "2025-06-02T11:01:00.000Z"]);
    // A rule run sees only the rows ingested by then (the arrival bound the evaluator puts on the index).
    const by = (now: string) => tables.index("AzureActivity")!.select({ ...UNBOUNDED, ingHi: Date.parse(now) }).map((r) => (r._TimeReceived as Date).toISOString());
    expect(by("2025-06-02T11:02:00Z")).to.deep.equal(["2025-06-02T11:01:00.000Z"]);
    expect(by("2025-06-02T11:05:00Z")).to.have.length(2);
    // Without a lag, a row counts as ingested at its TimeGenerated and gets no _TimeReceived.
    expect(read({ AzureActivity: [{ TimeGenerated: "2025-06-02T11:00:00Z" }] }).AzureActivity[0]).to.not.have.property("_TimeReceived");
  });

  it("accepts the three JSON shapes in memory and drops columns the schema does not know", () => {
    const row = { Type: "AzureActivity", TimeGenerated: "2025-06-02T11:00:00Z", Caller: "a", Extra: 1 };
    const r = rowsFromData([row]);
    expect(plainRows(r.tables)).to.deep.equal({ AzureActivity: [{ Type: "AzureActivity", TimeGenerated: "2025-06-02T11:00:00.000Z", Caller: "a" }] });
    expect(r.dropped).to.deep.equal(["AzureActivity.Extra"]);
    expect(read({ AzureActivity: [{ Caller: "b", TimeGenerated: "2025-06-02T11:00:00Z" }] })).to.deep.equal({ AzureActivity: [{ Caller: "b", TimeGenerated: "2025-06-02T11:00:00.000Z" }] });
    const api = { tables: [{ name: "PrimaryResult", columns: [{ name: "Caller" }, { name: "TimeGenerated" }], rows: [["c", "2025-06-02T11:00:00Z"]] }] };
    expect(read(api, { table: "AzureActivity" })).to.deep.equal({ AzureActivity: [{ Caller: "c", TimeGenerated: "2025-06-02T11:00:00.000Z" }] });
    expect(() => rowsFromData([{ Caller: "x", TimeGenerated: "2025-06-02T11:00:00Z" }])).to.throw(/rows row 1: the row has no Type column naming its table — pass --table/);
    expect(() => rowsFromData({ Nope: [{}] })).to.throw(/unknown table 'Nope'/);
  });

  it("reads a JSON array, a tables object, a query API response, JSON Lines and CSV, in a folder", () => {
    const row = { Type: "AzureActivity", TimeGenerated: "2025-06-02T11:00:00Z", Caller: "a" };
    const dir = fs.mkdtempSync(path.join(tmp, "formats-"));
    fs.writeFileSync(path.join(dir, "a.json"), JSON.stringify([row, { ...row, Extra: 1 }]));
    fs.writeFileSync(path.join(dir, "b.json"), JSON.stringify({ SigninLogs: [{ TimeGenerated: "2025-06-02T11:00:00Z", UserPrincipalName: "u" }] }));
    fs.writeFileSync(path.join(dir, "c.json"), JSON.stringify({ tables: [{ name: "PrimaryResult", columns: [{ name: "Type" }, { name: "TimeGenerated" }], rows: [["AuditLogs", "2025-06-02T11:00:00Z"]] }] }));
    fs.writeFileSync(path.join(dir, "d.jsonl"), `${JSON.stringify(row)}\n\n${JSON.stringify(row)}\n`);
    fs.writeFileSync(path.join(dir, "e.csv"), `\uFEFFType,"TimeGenerated [UTC]",Caller\nAzureActivity,"6/2/2025, 11:00:00.000 AM",e\n`);
    fs.writeFileSync(path.join(dir, "notes.txt"), "not an export");
    const r = loadRows([dir]);
    expect(r.counts).to.deep.equal({ AzureActivity: 5, SigninLogs: 1, AuditLogs: 1 });
    expect(r.dropped).to.deep.equal(["AzureActivity.Extra"]);
    expect(r.files.map((f) => [path.basename(f.file), f.rows])).to.deep.equal([["a.json", 2], ["b.json", 1], ["c.json", 1], ["d.jsonl", 2], ["e.csv", 1]]);
    expect(plainRows(r.tables).AzureActivity.map((x) => x.Caller)).to.include("e");
  });

  it("streams a file in chunks: rows split across chunk boundaries, multi-byte characters included", () => {
    const n = 12_000;
    const name = "ünïcødé-" + "x".repeat(60);
    const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ Type: "AzureActivity", TimeGenerated: new Date(Date.UTC(2025, 5, 2) + i * 1000).toISOString(), Caller: `${name}${i}@contoso.com`, OperationNameValue: "x".repeat(60) }));
    const jsonl = path.join(tmp, "big.jsonl");
    fs.writeFileSync(jsonl, lines.join("\n"));
    const json = path.join(tmp, "big.json");
    fs.writeFileSync(json, `[${lines.join(",\n")}]`);
    const csv = path.join(tmp, "big.csv");
    fs.writeFileSync(csv, ["Type,TimeGenerated,Caller,OperationNameValue", ...lines.map((l) => { const o = JSON.parse(l); return `${o.Type},${o.TimeGenerated},${o.Caller},${o.OperationNameValue}`; })].join("\r\n"));
    for (const f of [jsonl, json, csv]) {
      expect(fs.statSync(f).size, f).to.be.greaterThan(1.5 * (1 << 20));
      const progress: number[] = [];
      const r = loadRows([f], { onBytes: (done) => progress.push(done) });
      expect(r.counts, f).to.deep.equal({ AzureActivity: n });
      expect(progress.length, `${f}: read in more than one chunk`).to.be.greaterThan(1);
      const rows = plainRows(r.tables).AzureActivity;
      expect(rows[n - 1].Caller, f).to.equal(`${name}${n - 1}@contoso.com`);
      expect(new Set(rows.map((x) => x.Caller)).size, f).to.equal(n);
    }
  });

  it("refuses a query API response that reports an error: its rows are a partial result", () => {
    const partial = {
      tables: [{ name: "PrimaryResult", columns: [{ name: "Type", type: "string" }, { name: "TimeGenerated", type: "datetime" }], rows: [["AzureActivity", "2025-06-02T11:00:00Z"]] }],
      error: { code: "PartialError", message: "There were some errors when processing your query.", details: [{ code: "EngineError", message: "Something went wrong processing your query on the server.", innererror: { code: "-2133196797", message: "Query result set has exceeded the internal record count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)" } }] },
    };
    const f = path.join(tmp, "partial.json");
    fs.writeFileSync(f, JSON.stringify(partial));
    expect(() => loadRows([f])).to.throw(RowsError, /partial\.json: the query API response carries an error \(PartialError: Query result set has exceeded the internal record count limit 500000.*partial result/);
    expect(() => rowsFromData(partial)).to.throw(RowsError, /partial result/);
  });

  it("names the file and row of a malformed CSV or JSON, and of a file that is neither", () => {
    const bad = path.join(tmp, "bad.csv");
    fs.writeFileSync(bad, 'Type,TimeGenerated,Caller\nAzureActivity,2025-06-02T11:00:00Z,a\nAzureActivity,2025-06-02T11:00:00Z,"unclosed\n');
    expect(() => loadRows([bad])).to.throw(RowsError, /bad\.csv: malformed CSV after row 1 \(Quote Not Closed/);
    const ragged = path.join(tmp, "ragged.csv");
    fs.writeFileSync(ragged, "Type,TimeGenerated,Caller\nAzureActivity,2025-06-02T11:00:00Z,a,extra\n");
    expect(() => loadRows([ragged])).to.throw(RowsError, /ragged\.csv: malformed CSV after row 0 \(Invalid Record Length/);
    const text = path.join(tmp, "text.json");
    fs.writeFileSync(text, "hello");
    expect(() => loadRows([text])).to.throw(RowsError, /text\.json: not a JSON export/);
    const empty = path.join(tmp, "empty.json");
    fs.writeFileSync(empty, "");
    expect(() => loadRows([empty])).to.throw(RowsError, /empty\.json: empty file/);
  });

  it("npm run detect reads the CSV export as it reads the same rows in JSON, and applies --lag", () => {
    const args = (file: string, ...more: string[]) => ["--detection", "azt301-1-runcommand", "--rows", path.join(root, "test/fixtures", file), "--now", "2025-06-02T12:00:00Z", ...more];
    const fromJson = detect(args("runcommand-export.json"));
    const fromCsv = detect(args("runcommand-export.csv"));
    expect(fromCsv.alerts).to.deep.equal(fromJson.alerts);
    expect((fromCsv.alerts as unknown[]).length).to.equal(2);
    expect(loadRows([path.join(root, "test/fixtures/runcommand-export.csv")]).dropped).to.deep.equal(["AzureActivity.SomeNewColumn"]);
    // Landing 30 minutes late, both rows arrive after this run: nothing to alert on yet.
    expect(detect(args("runcommand-export.csv", "--lag", "PT30M")).fired).to.equal(false);
    expect(() => detect(args("runcommand-export.csv", "--lag", "5 minutes"))).to.throw(/--lag "5 minutes" is not an ISO-8601 duration/);
    expect(() => detect(["--detection", "azt301-1-runcommand", "--rows", path.join(tmp, "nope.csv")])).to.throw(/nope\.csv: no such file or folder/);
  });
});

describe("events Azure publishes outside Log Analytics (azure/published-events.ts)", () => {
  const activity = (data: unknown) => read({ AzureActivity: activityLogEventRows(data) }).AzureActivity;

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
    const [row] = activity([event]);
    expect(row).to.deep.include({
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
    expect(row).to.not.have.property("ActivitySubstatusValue");   // empty, as exports leave it out
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
    const [row] = activity(streamed);
    expect(row).to.deep.include({
      TimeGenerated: "2019-01-21T22:14:26.979Z", OperationNameValue: "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", ActivityStatusValue: "Success",
      ActivitySubstatusValue: "Succeeded.OK", CategoryValue: "Administrative", Caller: "admin@contoso.com", CallerIpAddress: "203.0.113.9",
      SubscriptionId: "S1", ResourceGroup: "RG-2", ResourceProviderValue: "MICROSOFT.STORAGE", Authorization_d: { action: "Microsoft.Storage/storageAccounts/listKeys/action" },
    });
    const [dd] = activity({ evt: { category: "Administrative", outcome: "Start", name: "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE" }, time: "2022-06-18T19:57:27Z", resourceId: "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM/EXTENSIONS/CSE" });
    expect(dd).to.deep.include({ OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE", ActivityStatusValue: "Start", CategoryValue: "Administrative", _ResourceId: "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm/extensions/cse" });
    expect(() => activityLogEventRows({ records: ["not an event"] })).to.throw(/Activity Log event 1 is not a JSON object/);
  });

  it("flattens resource-log records into AzureDiagnostics columns with their type suffixes", () => {
    const record = {
      time: "2016-01-05T01:32:01.2691226Z",
      resourceId: "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1",
      operationName: "SecretGet", category: "AuditEvent", resultType: "Success", resultSignature: "OK", durationMs: "78", callerIpAddress: "104.40.82.76",
      identity: { claim: { appid: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "a@contoso.com", unknown_claim: "x" } },
      properties: { id: "https://kv1.vault.azure.net/secrets/s1", httpStatusCode: 200, isAccessPolicyMatch: true },
    };
    const r = rowsFromData({ AzureDiagnostics: resourceLogRecordRows({ records: [record] }) });
    expect(plainRows(r.tables).AzureDiagnostics[0]).to.deep.include({
      TimeGenerated: "2016-01-05T01:32:01.269Z", ResourceProvider: "MICROSOFT.KEYVAULT", ResourceType: "VAULTS", Resource: "KV1", ResourceGroup: "RG", SubscriptionId: "S1",
      _ResourceId: "/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1",
      OperationName: "SecretGet", Category: "AuditEvent", ResultType: "Success", ResultSignature: "OK", DurationMs: 78, CallerIPAddress: "104.40.82.76",
      identity_claim_appid_g: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
      identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s: "a@contoso.com",
      id_s: "https://kv1.vault.azure.net/secrets/s1", httpStatusCode_d: 200, isAccessPolicyMatch_b: true,
    });
    expect(r.dropped).to.deep.equal(["AzureDiagnostics.identity_claim_unknown_claim_s"]);
  });
});
