// Child process of `npm run bench`: static analysis of every catalogue query, cold and warm.
import { performance } from "perf_hooks";
import { DETECTIONS } from "../../detections";
import { defaultQuery } from "../../planning/checks";
import { lintQuery } from "../../kusto/lint";
import { clearAnalysisCache } from "../../kusto/language";

const queries = DETECTIONS.map(defaultQuery);
const t0 = performance.now();
lintQuery(queries[0]); // loads the parser, builds the schemas, first analysis (JIT)
const coldMs = performance.now() - t0;
const warm: number[] = [];
for (let pass = 0; pass < 3; pass++) {
  for (const q of queries) {
    clearAnalysisCache(); // time the analysis itself, not the memo
    const t = performance.now();
    lintQuery(q);
    warm.push(performance.now() - t);
  }
}
warm.sort((a, b) => a - b);
clearAnalysisCache();
const tTotal = performance.now();
for (const q of queries) lintQuery(q);
const totalMs = performance.now() - tTotal;
process.stdout.write(JSON.stringify({ queries: queries.length, coldMs, warmMedianMs: warm[Math.floor(warm.length / 2)], warmMaxMs: warm[warm.length - 1], totalWarmMs: totalMs }) + "\n");
