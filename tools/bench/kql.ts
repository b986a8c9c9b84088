// Child process of `npm run bench`: static analysis of every catalogue query, cold and warm.
import { performance } from "perf_hooks";
import { DETECTIONS } from "../../detections";
import { defaultQuery } from "../../detections/checks";
import { lintQuery } from "../../kusto/lint";

const queries = DETECTIONS.map(defaultQuery);
const t0 = performance.now();
lintQuery(queries[0]); // loads the parser, builds the schemas, first analysis (JIT)
const coldMs = performance.now() - t0;
const warm: number[] = [];
for (let pass = 0; pass < 3; pass++) {
  for (const q of queries) {
    const t = performance.now();
    lintQuery(q);
    warm.push(performance.now() - t);
  }
}
warm.sort((a, b) => a - b);
const tTotal = performance.now();
for (const q of queries) lintQuery(q);
const totalMs = performance.now() - tTotal;
process.stdout.write(JSON.stringify({ queries: queries.length, coldMs, warmMedianMs: warm[Math.floor(warm.length / 2)], warmMaxMs: warm[warm.length - 1], totalWarmMs: totalMs }) + "\n");
