// Child process of `npm run bench`: runs every detection's sample cases (fires and quiet) through
// the offline evaluator with Azure's alert semantics, as test/samples.spec.ts does, and prints
// {cases, totalMs, loadMs}. totalMs includes each query's first parse and analysis; loadMs is the
// parser load and schema build before the first case, timed separately.
import { performance } from "perf_hooks";
import { DETECTIONS } from "../../detections";
import { runCase } from "../../planning/samples";
import { workspaceGlobals } from "../../kusto/language";

const t0 = performance.now();
workspaceGlobals();
const loadMs = performance.now() - t0;
let cases = 0;
const t1 = performance.now();
for (const d of DETECTIONS) {
  for (const c of [...d.samples.fires, ...d.samples.quiet]) {
    runCase(d, c);
    cases++;
  }
}
const totalMs = performance.now() - t1;
process.stdout.write(JSON.stringify({ cases, totalMs, loadMs }) + "\n");
