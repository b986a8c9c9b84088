// The backtest's HTML report in a real browser (headless Chromium, Debian's /usr/bin/chromium): a
// backtest of some of the dev stack's rules over a small generated tenant with attacks injected
// (tools/bench/tenant.ts), rendered by tools/backtest/report.ts, opened from disk. The table sorts
// by alerts/day (and by the other columns) when a header is clicked, each rule has a timeline whose
// bars are its alerts, and the page loads nothing from elsewhere; saved as artifacts/backtest.png.
// Run: npm run test:browser.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import type { Browser, Page } from "playwright-core";
import { openPage } from "./chromium";
import { parseStackConfig } from "../../config";
import { readStackFile } from "../../config/stackFile";
import { loadRows } from "../../kusto/rows";
import { backtest, columnsRead, tablesRead, type BacktestReport } from "../../planning/backtest";
import { resolveDetections } from "../../planning/resolve";
import { renderHtml, timelineBins } from "../../tools/backtest/report";
import { writeTenant } from "../../tools/bench/tenant";

const root = path.join(__dirname, "..", "..");

describe("backtest report in Chromium", function () {
  let browser: Browser;
  let page: Page;
  let out: string;
  let report: BacktestReport;
  const requests: string[] = [];

  before(async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-backtest-html-"));
    const tenant = writeTenant({ rows: 4000, days: 3, start: new Date("2025-06-01T00:00:00Z"), dir }, () => []);
    // Syslog left out of the export: its rules are "not evaluated (no rows for Syslog)".
    fs.rmSync(path.join(dir, "Syslog.jsonl"));
    const attacks = path.join(dir, "attacks.jsonl");
    fs.writeFileSync(attacks, fs.readFileSync(attacks, "utf8").split("\n").filter((l) => !l.startsWith('{"Type":"Syslog"')).join("\n"));
    const rules = resolveDetections(parseStackConfig(readStackFile(path.join(root, "Pulumi.dev.yaml")), "dev"));
    const injected = new Set(tenant.injected.map((i) => i.key));
    // Rules with an attack, "new IP" rules (the generated background trips some of them all day),
    // rules without alerts, and one whose table the tenant lacks.
    const noisy = [...rules.filter((r) => injected.has(r.key) && r.alertKind === "scheduledQuery").slice(0, 6), ...rules.filter((r) => /new-ip/.test(r.key))];
    const quiet = rules.filter((r) => !injected.has(r.key) && tablesRead(r.detection).every((t) => fs.existsSync(path.join(dir, `${t}.jsonl`)))).slice(0, 2);
    const absent = rules.filter((r) => tablesRead(r.detection).includes("Syslog")).slice(0, 1);
    const chosen = [...noisy, ...quiet, ...absent];
    const loaded = loadRows([dir], { columns: columnsRead(chosen) });
    report = backtest(chosen, loaded.tables);
    expect(report.detections.filter((d) => d.alerts > 0).length, "rules that alert").to.be.at.least(3);
    expect(report.notEvaluated.map((x) => x.reason)).to.deep.equal(["no rows for Syslog"]);
    expect(new Set(report.detections.map((d) => d.alertsPerDay)).size, "different alert rates to sort").to.be.at.least(3);
    out = path.join(dir, "backtest.html");
    fs.writeFileSync(out, renderHtml(report, "browser-test"));
    ({ browser, page } = await openPage(out, requests));
  });

  after(async () => {
    if (page) {
      fs.mkdirSync(path.join(root, "artifacts"), { recursive: true });
      await page.screenshot({ path: path.join(root, "artifacts", "backtest.png"), fullPage: true });
    }
    await browser?.close();
  });

  const alertsPerDay = () => page.$$eval("#rules tbody tr", (trs) => trs.map((tr) => Number((tr as unknown as { cells: { getAttribute(n: string): string }[] }).cells[3].getAttribute("data-value"))));
  const keys = () => page.$$eval("#rules tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-key")!));
  const header = (name: string) => page.locator("#rules thead th", { hasText: name });

  it("lists every evaluated rule, noisiest first, and the rules that could not be evaluated", async () => {
    expect((await keys()).sort()).to.deep.equal(report.detections.map((d) => d.key).sort());
    const rates = await alertsPerDay();
    expect(rates).to.deep.equal([...rates].sort((a, b) => b - a));
    expect(await header("Alerts/day").getAttribute("aria-sort")).to.equal("descending");
    const notEvaluated = await page.locator("#not-evaluated").innerText();
    for (const x of report.notEvaluated) expect(notEvaluated).to.include(x.key).and.include(x.reason);
  });

  it("sorts by alerts/day when its header is clicked, ascending then descending", async () => {
    await header("Alerts/day").locator("button").click();
    expect(await header("Alerts/day").getAttribute("aria-sort")).to.equal("ascending");
    const up = await alertsPerDay();
    expect(up).to.deep.equal([...up].sort((a, b) => a - b));
    expect(up[0]).to.be.below(up[up.length - 1]);
    await header("Alerts/day").locator("button").click();
    expect(await header("Alerts/day").getAttribute("aria-sort")).to.equal("descending");
    const down = await alertsPerDay();
    expect(down).to.deep.equal([...down].sort((a, b) => b - a));
  });

  it("sorts by another column too, from the keyboard", async () => {
    await header("Rule").locator("button").focus();
    await page.keyboard.press("Enter");
    expect(await header("Rule").getAttribute("aria-sort")).to.equal("descending");
    expect(await header("Alerts/day").getAttribute("aria-sort")).to.equal(null);
    const ks = await keys();
    expect(ks).to.deep.equal([...ks].sort().reverse());
  });

  it("draws each rule's alerts on its timeline: one bar per busy stretch, as many alerts as the rule raised", async () => {
    const from = Date.parse(report.from), to = Date.parse(report.to);
    const bins = Math.max(1, Math.min(168, Math.ceil((to - from) / 36e5)));
    for (const d of report.detections) {
      const svg = page.locator(`#rules tr[data-key="${d.key}"] svg.timeline`);
      expect(await svg.isVisible(), d.key).to.equal(true);
      const box = (await svg.boundingBox())!;
      expect(box.width, d.key).to.be.greaterThan(200);
      const bars = await svg.locator("rect").evaluateAll((rs) => rs.map((r) => ({ x: Number(r.getAttribute("x")), title: r.querySelector("title")!.textContent! })));
      const counts = timelineBins(d, from, to, bins);
      expect(bars.length, d.key).to.equal(counts.filter((c) => c > 0).length);
      expect(bars.reduce((s, b) => s + Number(/: (\d+) alert/.exec(b.title)![1]), 0), d.key).to.equal(d.alerts);
      expect(await svg.getAttribute("aria-label"), d.key).to.equal(d.alerts ? `${d.alerts} alerts from ${d.firstAlert!.slice(0, 16).replace("T", " ")} to ${d.lastAlert!.slice(0, 16).replace("T", " ")} UTC` : "no alerts");
      if (d.alerts) {
        // The first bar stands where the first alert fell on the time axis.
        const W = 560;
        const expectedX = Math.floor(((Date.parse(d.firstAlert!) - from) / (to - from)) * bins) * (W / bins);
        expect(Math.min(...bars.map((b) => b.x)), d.key).to.be.closeTo(Math.min(expectedX, W - W / bins), 0.01);
      }
    }
  });

  it("loads nothing but the page itself", () => {
    expect(requests.filter((u) => u !== pathToFileURL(out).href)).to.deep.equal([]);
  });
});
