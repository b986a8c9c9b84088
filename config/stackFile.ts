// A Pulumi.<stack>.yaml read as the offline tools need it: the `azdetect:` values, unparsed.
// No Pulumi here: `npm run detect` and `npm run backtest` read a stack without loading the SDK.
import { CREDENTIAL_FIELDS } from "./index";
import { encryptedOtherProblem, plaintextCredentialProblem, readStackFileValues } from "./credentials";
import { ConfigError } from "./errors";
import { namespaceProblems } from "./namespace";
import { parseStackYaml } from "./stackYaml";

/**
 * Config values of a Pulumi.<stack>.yaml, keyed without the `azdetect:` prefix. An encrypted
 * credential becomes ENCRYPTED_PLACEHOLDER (the offline tools cannot decrypt it, nor need to); a
 * credential in plain text, or another encrypted value, is a ConfigError (config/credentials.ts).
 */
export function readStackFile(file: string): Record<string, unknown> {
  const doc = parseStackYaml(file);
  const misspelt = namespaceProblems(Object.keys(doc.config ?? {}));
  if (misspelt.length) throw new ConfigError(misspelt);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (!k.startsWith("azdetect:")) continue;
    out[k.slice("azdetect:".length)] = v;
  }
  const read = readStackFileValues(out, CREDENTIAL_FIELDS);
  const problems = [...read.plaintext.map(plaintextCredentialProblem), ...read.encryptedOther.map((p) => encryptedOtherProblem(p, CREDENTIAL_FIELDS))];
  if (problems.length) throw new ConfigError(problems);
  return read.values;
}
