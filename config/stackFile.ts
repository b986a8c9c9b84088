// A Pulumi.<stack>.yaml read as the offline tools need it: the `azdetect:` values, unparsed.
// No Pulumi here: `npm run detect` and `npm run backtest` read a stack without loading the SDK.
import * as fs from "fs";
import { parse } from "yaml";

/** Config values of a Pulumi.<stack>.yaml, keyed without the `azdetect:` prefix. */
export function readStackFile(file: string): Record<string, unknown> {
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (!k.startsWith("azdetect:")) continue;
    const secret = securePath(v, k);
    if (secret) throw new Error(`${secret} is an encrypted secret; the offline plan cannot decrypt it — use a stack file with placeholder values for secrets (e.g. https://example.invalid/hook)`);
    out[k.slice("azdetect:".length)] = v;
  }
  return out;
}

/** The key path of the first `secure:` (encrypted) value inside a config value, if any. */
function securePath(v: unknown, path: string): string | undefined {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = securePath(v[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (v && typeof v === "object") {
    if ("secure" in v && Object.keys(v).length === 1) return path;
    for (const [k, x] of Object.entries(v)) {
      const p = securePath(x, `${path}.${k}`);
      if (p) return p;
    }
  }
  return undefined;
}
