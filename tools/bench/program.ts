// Child process of `npm run bench`: evaluates the program for the full stack under Pulumi's
// mocks and prints wall time since process start, peak RSS and the deploy shape as JSON.
import { performance } from "perf_hooks";
import * as path from "path";
import * as fs from "fs";
import { runStack } from "../mockStack";
import { deployShape } from "./graph";

(async () => {
  const { config, secretKeys } = JSON.parse(fs.readFileSync(path.join(__dirname, "full-stack.json"), "utf8"));
  const run = await runStack(config, { stack: "bench", secretKeys });
  const wallMs = performance.now(); // since this process started
  const shape = deployShape(run.resources, (r) => r.id);
  process.stdout.write(JSON.stringify({ wallMs, maxRssMB: process.resourceUsage().maxRSS / 1024, rules: run.program.detections.length, shape }) + "\n");
  process.exit(0);
})();
