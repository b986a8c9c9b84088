// The export converter (planning/rows.ts) that `npm run detect`, the recordings replay and the
// backtest share: the portal's CSV export typed by the table schema, and the stated ingestion lag.
import { expect } from "chai";
import * as path from "path";
import { detect } from "../tools/detect";
import { exportTime, ingestedBy, readRowsFile, rowsFromCsv, withIngestionLag } from "../planning/rows";

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
});
