// The browser the page tests open their pages in: Debian's headless Chromium (CHROMIUM_PATH elsewhere),
// a laptop-sized window, every request the page makes recorded (a page must load nothing from elsewhere).
import { pathToFileURL } from "url";
import { chromium, type Browser, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Open a page from disk in a fresh browser; `requests` collects every URL it asks for. */
export async function openPage(file: string, requests: string[]): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  return { browser, page };
}
