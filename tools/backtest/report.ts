// The backtest report for people: a text table for the terminal, and one self-contained HTML page
// (no request leaves it: styles, script and drawings inline) with a table sortable by any column and,
// per rule, a timeline of its alerts.
import type { BacktestReport, DetectionBacktest } from "../../planning/backtest";

const n = (x: number) => x.toLocaleString("en-US");
const days = (d: number) => `${d} ${d === 1 ? "day" : "days"}`;
const minute = (s?: string) => (s ? s.slice(0, 16).replace("T", " ") : "—");

/** Rules sorted noisiest first (alerts per day, then alerts, then key). */
export function byNoise(ds: DetectionBacktest[]): DetectionBacktest[] {
  return [...ds].sort((a, b) => b.alertsPerDay - a.alertsPerDay || b.alerts - a.alerts || a.key.localeCompare(b.key));
}

export function renderText(r: BacktestReport, stack: string): string {
  const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
  const out: string[] = [];
  out.push(`azdetect backtest for stack "${stack}": ${minute(r.from)} .. ${minute(r.to)} UTC (${days(r.days)}), ${n(rows)} rows in ${Object.keys(r.rows).length} ${Object.keys(r.rows).length === 1 ? "table" : "tables"}`);
  const noisy = r.detections.filter((d) => d.alerts > 0).length;
  out.push(`${r.detections.length} rules evaluated (${noisy} would alert, ${r.detections.length - noisy} quiet), ${r.notEvaluated.length} not evaluated${r.complete ? "" : " — INCOMPLETE: some rules failed, see below"}`);
  out.push("");
  out.push(`${"alerts/day".padStart(10)}  ${"alerts".padStart(7)}  ${"runs".padStart(6)}  ${"first alert".padEnd(16)}  ${"last alert".padEnd(16)}  rule`);
  for (const d of byNoise(r.detections)) {
    const warm = d.alertsInWarmUp ? ` (${d.alertsInWarmUp} in warm-up)` : "";
    out.push(`${d.alertsPerDay.toFixed(2).padStart(10)}  ${n(d.alerts).padStart(7)}  ${n(d.evaluations).padStart(6)}  ${minute(d.firstAlert).padEnd(16)}  ${minute(d.lastAlert).padEnd(16)}  ${d.key}${d.alertKind === "activityLog" ? " [activity-log alert]" : ""}${warm}`);
  }
  const withEntities = byNoise(r.detections).filter((d) => d.topEntities.length);
  if (withEntities.length) {
    out.push("", "Who is behind the alerts, and the stack config entry that would silence them:");
    for (const d of withEntities) {
      out.push(`  ${d.key} (${n(d.alerts)} alerts)`);
      for (const e of d.topEntities) {
        const fix = e.allowlist ? `${e.allowlist}${e.verified ? "" : " (unverified)"}` : "no allowlist parameter matches: tune or disable the rule";
        out.push(`    ${n(e.alerts).padStart(6)}  ${e.column} = ${e.value}  ->  ${fix}`);
      }
    }
  }
  if (r.notEvaluated.length) {
    out.push("", "Not evaluated:");
    for (const x of r.notEvaluated) out.push(`  ${x.key.padEnd(45)} ${x.reason}`);
  }
  out.push("", "Alerts in warm-up: runs whose query time range reached back before the first row; alerts/day counts the runs after it.");
  return out.join("\n") + "\n";
}

const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Alert counts per bin over [from, to]: the timeline's bars. */
export function timelineBins(d: DetectionBacktest, from: number, to: number, bins: number): number[] {
  const out = new Array(bins).fill(0);
  const width = Math.max(to - from, 1);
  for (const a of d.alertList) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor(((Date.parse(a.at) - from) / width) * bins)));
    out[i]++;
  }
  return out;
}

function timeline(d: DetectionBacktest, from: number, to: number): string {
  const bins = Math.max(1, Math.min(168, Math.ceil((to - from) / 36e5)));
  const counts = timelineBins(d, from, to, bins);
  const max = Math.max(1, ...counts);
  const W = 560, H = 36, w = W / bins;
  const bars = counts.map((c, i) => (c ? `<rect x="${(i * w).toFixed(2)}" y="${(H - (c / max) * H).toFixed(2)}" width="${Math.max(w - 0.5, 0.8).toFixed(2)}" height="${((c / max) * H).toFixed(2)}"><title>${esc(new Date(from + (i * (to - from)) / bins).toISOString().slice(0, 16).replace("T", " "))}: ${c} alert${c === 1 ? "" : "s"}</title></rect>` : "")).join("");
  const label = d.alerts ? `${d.alerts} alerts from ${minute(d.firstAlert)} to ${minute(d.lastAlert)} UTC` : "no alerts";
  // A faint line at every UTC midnight, so a bar can be read as a day and an hour.
  const days: string[] = [];
  for (let t = Math.ceil(from / 864e5) * 864e5; t < to; t += 864e5) {
    const x = (((t - from) / Math.max(to - from, 1)) * W).toFixed(2);
    days.push(`<line x1="${x}" y1="0" x2="${x}" y2="${H}" class="day"><title>${esc(new Date(t).toISOString().slice(0, 10))} 00:00 UTC</title></line>`);
  }
  return `<svg class="timeline" role="img" aria-label="${esc(label)}" viewBox="0 0 ${W} ${H + 1}" width="${W}" height="${H + 1}" data-bars="${counts.filter((c) => c > 0).length}">${days.join("")}<line x1="0" y1="${H + 0.5}" x2="${W}" y2="${H + 0.5}" class="axis"/>${bars}</svg>`;
}

export function renderHtml(r: BacktestReport, stack: string): string {
  const from = Date.parse(r.from), to = Date.parse(r.to);
  const rowsTotal = Object.values(r.rows).reduce((a, b) => a + b, 0);
  const body = byNoise(r.detections).map((d) => {
    const entities = d.topEntities.slice(0, 3).map((e) => `<li><span class="count">${n(e.alerts)}</span> ${esc(e.column)} = <code>${esc(e.value)}</code>${e.allowlist ? ` <span class="fix">→ <code>${esc(e.allowlist)}</code></span>` : ` <span class="nofix">(no allowlist parameter)</span>`}</li>`).join("");
    return `<tr data-key="${esc(d.key)}">
<td class="key"><a href="#${esc(d.key)}" id="${esc(d.key)}">${esc(d.key)}</a><div class="name">${esc(d.name)}</div></td>
<td>${esc(d.tactic)}</td><td class="num" data-value="${d.severity}">${d.severity}</td>
<td class="num" data-value="${d.alertsPerDay}">${d.alertsPerDay.toFixed(2)}</td>
<td class="num" data-value="${d.alerts}">${n(d.alerts)}</td>
<td class="num" data-value="${d.evaluations}">${n(d.evaluations)}</td>
<td>${timeline(d, from, to)}${entities ? `<ul class="entities">${entities}</ul>` : ""}</td>
</tr>`;
  }).join("\n");
  const notEvaluated = r.notEvaluated.map((x) => `<li><code>${esc(x.key)}</code>: ${esc(x.reason)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>azdetect backtest — ${esc(stack)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fff}
h1{font-size:1.3rem;margin:0 0 .3rem}
p.summary{margin:.2rem 0 1rem;color:#333}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ccc;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f0f0f0;position:sticky;top:0}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:#0b3d91;text-decoration:underline}
th[aria-sort=descending] button::after{content:" ▼"} th[aria-sort=ascending] button::after{content:" ▲"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.name{color:#444;font-size:.9em}
svg.timeline rect{fill:#b3261e} svg.timeline .axis{stroke:#777} svg.timeline .day{stroke:#ddd}
ul.entities{margin:.3rem 0 0;padding-left:1.1rem;font-size:.9em}
.count{font-variant-numeric:tabular-nums;font-weight:600}
.nofix{color:#555}
code{font-size:.95em;background:#f4f4f4;padding:0 .2em}
.incomplete{color:#b3261e;font-weight:600}
</style></head>
<body>
<h1>Backtest of stack “${esc(stack)}”</h1>
<p class="summary">${esc(minute(r.from))} to ${esc(minute(r.to))} UTC (${days(r.days)}), ${n(rowsTotal)} rows in ${Object.keys(r.rows).length} ${Object.keys(r.rows).length === 1 ? "table" : "tables"}. ${r.detections.length} rules evaluated, ${r.detections.filter((d) => d.alerts > 0).length} would alert; ${r.notEvaluated.length} not evaluated.${r.complete ? "" : ` <span class="incomplete">Incomplete: some rules failed (listed below).</span>`}</p>
<table id="rules">
<thead><tr>
<th scope="col" data-type="text"><button type="button">Rule</button></th>
<th scope="col" data-type="text"><button type="button">Tactic</button></th>
<th scope="col" data-type="num"><button type="button">Severity</button></th>
<th scope="col" data-type="num" aria-sort="descending"><button type="button">Alerts/day</button></th>
<th scope="col" data-type="num"><button type="button">Alerts</button></th>
<th scope="col" data-type="num"><button type="button">Runs</button></th>
<th scope="col">Alert timeline (${esc(minute(r.from))} to ${esc(minute(r.to))} UTC, a bar per ${r.days > 7 ? "stretch" : "hour"} with alerts, a line at each midnight) and top entities</th>
</tr></thead>
<tbody>
${body}
</tbody></table>
${notEvaluated ? `<h2>Not evaluated</h2><ul id="not-evaluated">${notEvaluated}</ul>` : ""}
<script>
(function () {
  var table = document.getElementById("rules");
  var heads = table.tHead.rows[0].cells;
  function cellValue(row, i, type) {
    var c = row.cells[i];
    return type === "num" ? Number(c.getAttribute("data-value")) : c.textContent.trim().toLowerCase();
  }
  Array.prototype.forEach.call(heads, function (th, i) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var type = th.getAttribute("data-type");
      var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = cellValue(a, i, type), y = cellValue(b, i, type);
        var c = x < y ? -1 : x > y ? 1 : 0;
        return dir === "ascending" ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
})();
</script>
</body></html>
`;
}
