// The coverage matrix as one self-contained HTML page: no scripts, fonts or stylesheets from
// anywhere else, so it opens offline and as a CI artifact. Every text is escaped.
import type { CoverageState } from "../../planning/coverage";
import type { Matrix, MatrixCell, MatrixColumn, MatrixTechnique } from "../../planning/matrix";

/** What the matrix page shows. */
export interface MatrixPage {
  /** The page's title: the stack's name (and the subscription, when it shows one). */
  stack: string;
  matrix: Matrix;
  /** Link to the catalogue's detection list (docs/detections.md), relative to the page or absolute. */
  docsHref: string;
  /** One line of cost, e.g. "72.50 USD/month for the rules (exact) + 505.12 estimated ingestion". */
  costLine?: string;
}

/** Escape text for HTML element content and double-quoted attributes. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Label, symbol and meaning of each state: the text carries the state, colour only repeats it. */
export const STATE_LABELS: Record<CoverageState, { symbol: string; label: string; meaning: string }> = {
  deployed: { symbol: "✓", label: "Deployed", meaning: "at least one detection is deployed with the telemetry it reads" },
  "deployed-telemetry-missing": { symbol: "!", label: "Telemetry missing", meaning: "selected, but every selected detection misses telemetry it reads (the list in the cell names it)" },
  "available-not-selected": { symbol: "○", label: "Not selected", meaning: "in the catalogue, but its tactic is not selected or overrides disable it" },
  "not-detectable": { symbol: "✕", label: "Not detectable", meaning: "Azure telemetry cannot see it; the reason is in the cell" },
};

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 16px; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #111; background: #fff; }
h1 { font-size: 18px; margin: 0 0 4px; }
.meta { margin: 0 0 8px; color: #333; }
.legend-title { font-size: 13px; margin: 0 0 4px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; list-style: none; padding: 0; margin: 0 0 10px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; min-width: 7.5em; padding: 2px 6px; border-radius: 3px; font-weight: 600; }
.scroll { overflow-x: auto; padding-bottom: 8px; }
.matrix { display: grid; grid-template-columns: repeat(7, minmax(172px, 1fr)); gap: 8px; min-width: 1250px; }
.tactic h2 { font-size: 14px; margin: 0; padding: 6px 8px; background: #1b2a41; color: #fff; border-radius: 4px 4px 0 0; }
.tactic.unselected h2 { background: #4a5568; }
.totals { margin: 0 0 6px; padding: 4px 8px; background: #eef1f5; font-size: 12px; border-radius: 0 0 4px 4px; }
.totals span { white-space: nowrap; }
ul.techniques, ul.subs { list-style: none; margin: 0; padding: 0; }
.technique { margin: 0 0 6px; }
.parent { border: 1px solid #9aa5b1; border-radius: 4px; padding: 4px; }
.parent > .name { font-weight: 600; margin: 0 0 4px; }
.parent > .name a { color: #0b3a75; }
.cell { overflow-wrap: anywhere; border-radius: 4px; padding: 4px 6px; margin: 0 0 4px; border-left: 6px solid; }
.cell:last-child { margin-bottom: 0; }
.cell .state { font-weight: 700; font-size: 11px; text-transform: uppercase; letter-spacing: .02em; }
.cell .id { font-weight: 700; }
.cell a { color: inherit; }
.cell details { margin-top: 2px; }
.cell summary { cursor: pointer; text-decoration: underline; }
.cell summary:focus-visible, .cell a:focus-visible { outline: 3px solid #000; outline-offset: 1px; }
.cell ul { margin: 2px 0 0; padding-left: 16px; }
.cell .off { opacity: 1; font-style: italic; }
.s-deployed { background: #d7f0dc; color: #0a3316; border-left-color: #1e7b34; border-left-style: solid; }
.s-deployed-telemetry-missing { background: #fff1c7; color: #3d2c00; border-left-color: #a36b00; border-left-style: dashed; }
.s-available-not-selected { background: #e6eaf0; color: #1f2a37; border-left-color: #5b6b7f; border-left-style: dotted; }
.s-not-detectable { background: #f8dada; color: #4a0b0b; border-left-color: #b3261e; border-left-style: double; }
footer { margin-top: 8px; color: #333; font-size: 12px; }
`;

function stateBadge(state: CoverageState): string {
  const s = STATE_LABELS[state];
  return `<span class="state"><span aria-hidden="true">${esc(s.symbol)}</span> ${esc(s.label)}</span>`;
}

function cellHtml(c: MatrixCell, page: MatrixPage): string {
  const title = c.reason ? ` title="${esc(`${STATE_LABELS[c.state].label}: ${c.reason}`)}"` : ` title="${esc(STATE_LABELS[c.state].label)}"`;
  const head = `${stateBadge(c.state)}<br><a class="id" href="${esc(c.url)}">${esc(c.id)}</a> ${esc(c.name)}`;
  let body = "";
  if (c.state === "not-detectable") {
    body = `<details class="reason"><summary>Why not detectable</summary><p>${esc(c.reason ?? "")}</p><p><a href="${esc(page.docsHref)}#uncovered-techniques">All uncovered techniques</a></p></details>`;
  } else {
    const deployed = c.detections.filter((d) => d.deployed).length;
    const items = c.detections.map((d) => {
      const status = d.deployed ? `${d.alertKind === "activityLog" ? "activity log" : "log search"}, sev ${d.severity}` : d.skippedForTelemetry ? "not deployed: telemetry missing" : "not deployed";
      const gaps = d.gaps.length ? ` — missing: ${d.gaps.join("; ")}` : "";
      return `<li><a href="${esc(page.docsHref)}"><code>${esc(d.key)}</code></a> ${esc(d.name)} <span class="${d.deployed ? "on" : "off"}">(${esc(status)}${esc(gaps)})</span></li>`;
    });
    body = `<details><summary>${esc(`${deployed} of ${c.detections.length} detection${c.detections.length === 1 ? "" : "s"} deployed`)}</summary><ul>${items.join("")}</ul></details>`;
  }
  return `<li class="cell s-${c.state}" data-technique="${esc(c.id)}" data-state="${esc(c.state)}"${title}>${head}${body}</li>`;
}

function techniqueHtml(t: MatrixTechnique, page: MatrixPage): string {
  if (t.cell) return `<li class="technique"><ul class="subs">${cellHtml(t.cell, page)}</ul></li>`;
  return `<li class="technique parent" data-parent="${esc(t.id)}"><p class="name"><a href="${esc(t.url)}">${esc(t.id)}</a> ${esc(t.name)}</p><ul class="subs">${t.subTechniques.map((c) => cellHtml(c, page)).join("")}</ul></li>`;
}

function totalsHtml(totals: MatrixColumn["totals"]): string {
  const parts = (Object.keys(STATE_LABELS) as CoverageState[]).map((s) => `<span data-total="${esc(s)}">${esc(STATE_LABELS[s].symbol)} ${esc(STATE_LABELS[s].label)}: <b>${totals[s]}</b></span>`);
  return `<span data-total="leaves">Leaves: <b>${totals.leaves}</b></span> · ${parts.join(" · ")}`;
}

function columnHtml(col: MatrixColumn, page: MatrixPage): string {
  const id = `tactic-${col.tactic.toLowerCase().replace(/\s+/g, "-")}`;
  return `<section class="tactic${col.selected ? "" : " unselected"}" data-tactic="${esc(col.tactic)}" aria-labelledby="${esc(id)}">` +
    `<h2 id="${esc(id)}">${esc(col.tactic)}${col.selected ? "" : " (not selected)"}</h2>` +
    `<p class="totals">${totalsHtml(col.totals)}</p>` +
    `<ul class="techniques">${col.techniques.map((t) => techniqueHtml(t, page)).join("")}</ul></section>`;
}

/** The coverage matrix as one self-contained HTML page (no scripts; every text escaped). */
export function renderMatrixHtml(page: MatrixPage): string {
  const m = page.matrix;
  const legend = (Object.keys(STATE_LABELS) as CoverageState[])
    .filter((s) => s !== "deployed-telemetry-missing" || m.telemetryKnown)
    .map((s) => `<li><span class="swatch s-${s}">${esc(STATE_LABELS[s].symbol)} ${esc(STATE_LABELS[s].label)}</span> ${esc(STATE_LABELS[s].meaning)}</li>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`azdetect ATRM coverage — stack ${page.stack}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(`ATRM coverage of stack "${page.stack}"`)}</h1>
<p class="meta" id="summary">${totalsHtml(m.totals)}${page.costLine ? ` · Estimated cost: ${esc(page.costLine)}` : ""}</p>
<h2 class="legend-title">Legend</h2>
<ul class="legend">${legend}</ul>
${m.telemetryKnown ? "" : `<p class="meta">This stack reports no telemetry gaps, so no cell can show "Telemetry missing": check that the logs the detections read reach the workspace (npm run plan lists them).</p>`}
</header>
<main class="scroll">
<div class="matrix">
${m.columns.map((c) => columnHtml(c, page)).join("\n")}
</div>
</main>
<footer>Technique ids link to the Azure Threat Research Matrix; detection keys link to the catalogue (docs/detections.md). Generated offline by <code>npm run matrix</code>.</footer>
</body>
</html>
`;
}
