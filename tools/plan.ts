// npm run plan [-- --stack <name>] [--format text|json]
// What `pulumi up` would deploy for a stack, computed offline: reads Pulumi.<stack>.yaml (default
// dev), runs the program under Pulumi's mocks, and prints the rules per tactic, the alert routing,
// the telemetry resources, the telemetry gaps and the estimated monthly cost. Bad config fails
// exactly as `pulumi up` would.
import * as fs from "fs";
import * as path from "path";
import { REPOSITORY, runTool, toolError } from "./cli";
import { buildPlan, renderPlan, readStackFile } from "./planning";

/** The plan for argv, as the text to print; throws ConfigError or Error on bad input. */
export async function planCommand(argv: string[], root = REPOSITORY): Promise<string> {
  const opt = (name: string, dflt: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
  const stack = opt("--stack", "dev");
  const format = opt("--format", "text");
  if (!["text", "json"].includes(format)) throw new Error(`unknown --format ${JSON.stringify(format)} — expected text or json`);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.basename(file)} — create it (see Pulumi.dev.yaml) or pass --stack <name>`);
  const plan = await buildPlan(readStackFile(file), stack);
  return format === "json" ? JSON.stringify(plan, null, 2) + "\n" : renderPlan(plan);
}

/** What the command prints on stderr for an error. */
export function planError(e: unknown): string {
  return toolError("plan", e);
}

/** The command as `npm run plan` runs it (tools/launch.js). */
export function main(argv: string[]): void {
  runTool("plan", () => planCommand(argv));
}

if (require.main === module) main(process.argv.slice(2));
