// The coverage matrix in a real browser (headless Chromium, Debian's /usr/bin/chromium): the page
// for a test stack shows every ATRM leaf in the state the catalogue implies, the totals per tactic,
// the uncovered reason on hover and on click/keyboard, loads nothing from outside, and is saved as
// artifacts/matrix.png. Run: npm run test:browser (needs chromium; see the README).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL, fileURLToPath } from "url";
import type { Browser, Page } from "playwright-core";
import { openPage } from "./chromium";
import { parse } from "yaml";
import { ATRM, ATRM_LEAVES, atrmUrl } from "../../detections/atrm";
import { DETECTIONS, UNCOVERED } from "../../detections";
import { TACTICS } from "../../detections/model";
import { writeMatrix } from "../../tools/matrix";
import { readStackFile, runOffline } from "../../tools/planning";

const root = path.join(__dirname, "..", "..");
const fixture = path.join(root, "test", "fixtures", "Pulumi.matrix.yaml");

/**
 * What each leaf should show for the fixture stack, worked out here from the catalogue data, the
 * fixture's own settings and the stack's telemetryGaps output (the telemetry plan is tested on its own).
 */
function expectedStates(gaps: Record<string, string[]>): Map<string, string> {
  const cfg = (parse(fs.readFileSync(fixture, "utf8")) as { config: Record<string, any> }).config;
  const tactics: string[] = cfg["azdetect:tactics"];
  const disabled = Object.entries(cfg["azdetect:overrides"] ?? {}).filter(([, o]) => (o as { enabled?: boolean }).enabled === false).map(([id]) => id);
  const isDisabled = (d: (typeof DETECTIONS)[number]) => disabled.some((id) => id === d.key || id === d.technique || id === d.technique.split(".")[0]);
  const out = new Map<string, string>();
  for (const leaf of ATRM_LEAVES) {
    const ds = DETECTIONS.filter((d) => d.technique === leaf.id);
    if (UNCOVERED.some((u) => u.technique === leaf.id)) out.set(leaf.id, "not-detectable");
    else {
      const selected = ds.filter((d) => tactics.includes(d.tactic) && !isDisabled(d));
      if (selected.length === 0) out.set(leaf.id, "available-not-selected");
      else out.set(leaf.id, selected.every((d) => (gaps[d.key] ?? []).length > 0) ? "deployed-telemetry-missing" : "deployed");
    }
  }
  return out;
}

/** WCAG contrast ratio of two rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe("coverage matrix in Chromium", function () {
  let browser: Browser;
  let page: Page;
  let out: string;
  const requests: string[] = [];
  let expected: Map<string, string>;

  before(async function () {
    const run = await runOffline(readStackFile(fixture), "matrix-test");
    expected = expectedStates(run.outputs.telemetryGaps);
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-matrix-")), "coverage.html");
    await writeMatrix(fixture, "matrix-test", out);
    ({ browser, page } = await openPage(out, requests));
  });

  after(async () => {
    if (page) {
      // The CI artifact: the page as first opened, with one uncovered reason unfolded.
      await page.goto(pathToFileURL(out).href);
      await page.locator(`li.cell[data-technique="${UNCOVERED[0].technique}"] summary`).click();
      fs.mkdirSync(path.join(root, "artifacts"), { recursive: true });
      await page.screenshot({ path: path.join(root, "artifacts", "matrix.png") });
    }
    await browser?.close();
  });

  it("the fixture exercises every state the stack can produce", () => {
    expect(new Set(expected.values())).to.deep.equal(new Set(["deployed", "deployed-telemetry-missing", "available-not-selected", "not-detectable"]));
  });

  it("shows one cell per ATRM leaf, in the state the catalogue implies, with the state as text", async () => {
    const cells = await page.$$eval("li.cell", (els) => els.map((e) => ({ id: e.getAttribute("data-technique")!, state: e.getAttribute("data-state")!, text: (e as unknown as { innerText: string }).innerText })));
    expect(cells.map((c) => c.id).sort()).to.deep.equal(ATRM_LEAVES.map((l) => l.id).sort());
    const labels: Record<string, string> = { deployed: "DEPLOYED", "deployed-telemetry-missing": "TELEMETRY MISSING", "available-not-selected": "NOT SELECTED", "not-detectable": "NOT DETECTABLE" };
    for (const c of cells) {
      expect(c.state, c.id).to.equal(expected.get(c.id));
      expect(c.text, c.id).to.include(labels[c.state]);
    }
  });

  it("lays the tactics out as columns in matrix order, techniques in id order under them", async () => {
    const columns = await page.$$eval("section.tactic", (els) => els.map((e) => ({ tactic: e.getAttribute("data-tactic"), cells: [...e.querySelectorAll("li.cell")].map((c) => c.getAttribute("data-technique")), x: e.getBoundingClientRect().x })));
    expect(columns.map((c) => c.tactic)).to.deep.equal([...TACTICS]);
    for (let i = 1; i < columns.length; i++) expect(columns[i].x, columns[i].tactic!).to.be.greaterThan(columns[i - 1].x);
    for (const c of columns) expect(c.cells, c.tactic!).to.deep.equal(ATRM_LEAVES.filter((l) => l.tactic === c.tactic).map((l) => l.id));
  });

  it("totals each tactic's leaves per state", async () => {
    for (const tactic of TACTICS) {
      const shown = await page.$$eval(`section.tactic[data-tactic="${tactic}"] .totals [data-total]`, (els) => Object.fromEntries(els.map((e) => [e.getAttribute("data-total"), Number(e.querySelector("b")!.textContent)])));
      const leaves = ATRM_LEAVES.filter((l) => l.tactic === tactic);
      const count = (s: string) => leaves.filter((l) => expected.get(l.id) === s).length;
      expect(shown, tactic).to.deep.equal({
        leaves: leaves.length,
        deployed: count("deployed"),
        "deployed-telemetry-missing": count("deployed-telemetry-missing"),
        "available-not-selected": count("available-not-selected"),
        "not-detectable": count("not-detectable"),
      });
    }
  });

  it("links each leaf to its ATRM page and each detection to the catalogue", async () => {
    const links = await page.$$eval("li.cell", (els) => els.map((e) => ({ id: e.getAttribute("data-technique")!, atrm: e.querySelector("a.id")!.getAttribute("href"), docs: [...e.querySelectorAll("details li a")].map((a) => (a as unknown as { href: string }).href) })));
    for (const l of links) {
      expect(l.atrm, l.id).to.equal(atrmUrl(l.id));
      const keys = DETECTIONS.filter((d) => d.technique === l.id);
      expect(l.docs.length, l.id).to.equal(keys.length);
      for (const href of l.docs) expect(fs.existsSync(fileURLToPath(href.split("#")[0])), href).to.equal(true);
    }
    const parents = await page.$$eval("li.parent", (els) => els.map((e) => e.getAttribute("data-parent")));
    expect(parents).to.deep.equal(ATRM.filter((e) => e.pageKind !== "technique" && e.parentId === null).map((e) => e.id).sort((a, b) => TACTICS.indexOf(ATRM.find((x) => x.id === a)!.tactic) - TACTICS.indexOf(ATRM.find((x) => x.id === b)!.tactic) || a.localeCompare(b)));
  });

  for (const u of UNCOVERED) {
    it(`shows why ${u.technique} is not detectable on hover, on click and from the keyboard`, async () => {
      const cell = page.locator(`li.cell[data-technique="${u.technique}"]`);
      await cell.hover();
      expect(await cell.getAttribute("title")).to.include(u.reason);
      const reason = cell.locator("details p").first();
      expect(await reason.isVisible()).to.equal(false);
      await cell.locator("summary").click();
      expect(await reason.isVisible()).to.equal(true);
      expect(await reason.innerText()).to.equal(u.reason);
      await cell.locator("summary").click(); // closed again
      expect(await reason.isVisible()).to.equal(false);
      await cell.locator("summary").focus();
      await page.keyboard.press("Enter");
      expect(await reason.isVisible()).to.equal(true);
    });
  }

  it("has a legend naming every state it uses", async () => {
    const legend = await page.locator("ul.legend").innerText();
    for (const label of ["Deployed", "Telemetry missing", "Not selected", "Not detectable"]) expect(legend).to.include(label);
  });

  it("names the missing telemetry of a cell whose detections all miss it", async () => {
    const id = [...expected].find(([, s]) => s === "deployed-telemetry-missing")![0];
    const cell = page.locator(`li.cell[data-technique="${id}"]`);
    await cell.locator("summary").click();
    expect(await cell.locator("details").innerText()).to.match(/missing: /);
  });

  it("keeps text readable: contrast of at least 4.5:1 in every cell state", async () => {
    // In-page code: the project compiles without the DOM library, so the browser global is declared here.
    const colours = await page.$$eval("li.cell .state", (els) => {
      const style = (globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string } }).getComputedStyle;
      return els.map((e) => ({ state: e.closest("li")!.getAttribute("data-state"), fg: style(e).color, bg: style(e.closest("li")!).backgroundColor }));
    });
    for (const c of colours) expect(contrast(c.fg, c.bg), c.state!).to.be.at.least(4.5);
  });

  it("loads nothing but the page itself: no scripts, stylesheets or fonts from elsewhere", async () => {
    expect(requests.filter((u) => u !== pathToFileURL(out).href)).to.deep.equal([]);
    expect(await page.locator("script, link[rel=stylesheet], link[rel=preload]").count()).to.equal(0);
  });

  it("fits a 1366x768 laptop screen, scrolling sideways only inside the matrix", async () => {
    const widths = await page.evaluate(() => {
      const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return { doc: w.document.documentElement.scrollWidth, view: w.innerWidth };
    });
    expect(widths.doc).to.be.at.most(widths.view);
  });
});
