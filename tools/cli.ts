// How the offline tools end on an error: one line on stderr, exit code 1. A config problem is the
// program's own ConfigError (one line per problem, each naming its key); anything else is
// `<tool>: <message>`. No stack trace unless AZDETECT_FULL_STACKS=1 (for a bug in the tool itself).
import * as path from "path";
import { ConfigError } from "../config/errors";

/**
 * The repository a tool runs in (its stack files, docs/): above tools/ in the sources, above
 * bin/tools/ when compiled (tools/launch.js runs bin/ when the build is current).
 */
export const REPOSITORY = path.join(__dirname, path.basename(path.dirname(__dirname)) === "bin" ? "../.." : "..");

export function toolError(tool: string, e: unknown): string {
  if (e instanceof ConfigError) return e.message + "\n";
  const message = e instanceof Error ? e.message : String(e);
  const stack = process.env.AZDETECT_FULL_STACKS && e instanceof Error && e.stack ? `\n${e.stack}` : "";
  return `${tool}: ${message}${stack}\n`;
}

/** Run a tool's main, print what it returns, and exit 0; on any error print toolError and exit 1. */
export function runTool(tool: string, main: () => Promise<string> | string): void {
  Promise.resolve().then(main).then(
    (out) => {
      process.stdout.write(out);
      process.exit(0);
    },
    (e) => {
      process.stderr.write(toolError(tool, e));
      process.exit(1);
    },
  );
}
