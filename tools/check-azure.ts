// npm run check:azure [-- --stack-file <Pulumi.x.yaml> ...]
// Runs the program under Pulumi's mocks for each stack file (default: the example stack, and the
// full and the management-group estate stacks of test/fixtures) and checks every declared resource
// against Azure's own definitions (azure/conformance.ts): one line per resource type, the
// violations, and a last line
// `N resources validated against M schemas, K violations`. Exit code 1 if K > 0.
import * as path from "path";
import { checkResources, type ConformanceReport, type DeclaredResource } from "../azure/conformance";
import { runStack, type CallMocks } from "./mockStack";
import { readStackFile } from "./planning";

const root = path.join(__dirname, "..");
export const CONFORMANCE_STACKS = [path.join(root, "Pulumi.dev.yaml"), path.join(root, "test", "fixtures", "Pulumi.full.yaml"), path.join(root, "test", "fixtures", "Pulumi.estate.yaml")];

/**
 * Entra ID answers for stacks that mail an Entra group or users: every member is a user with a
 * mailbox. Offline there is no directory; the resources are shaped the same either way.
 */
export const ENTRA_MOCKS: CallMocks = {
  "azuread:index/getGroup:getGroup": () => ({ members: ["member-1", "member-2"] }),
  "azuread:index/getUsers:getUsers": (inputs: { objectIds?: string[]; userPrincipalNames?: string[] }) => ({
    users: [...(inputs.objectIds ?? []), ...(inputs.userPrincipalNames ?? [])].map((id, i) => {
      const local = id.replace(/@.*/, "");
      return { objectId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, userPrincipalName: id.includes("@") ? id : `${local}@contoso.com`, mail: `${local}@contoso.com` };
    }),
  }),
};

/** The custom resources a stack file declares (components skipped), as `pulumi up` would. */
export async function declaredResources(stackFile: string): Promise<DeclaredResource[]> {
  const stack = path.basename(stackFile).replace(/^Pulumi\.|\.yaml$/g, "");
  const run = await runStack(readStackFile(stackFile), { stack, calls: ENTRA_MOCKS, strictRouting: true });
  // Providers (one per listed subscription) are Pulumi's, not Azure resources.
  return run.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
}

/** The report of several stacks together: every resource of each, checked. */
export async function checkStacks(files: readonly string[]): Promise<{ file: string; report: ConformanceReport }[]> {
  const out: { file: string; report: ConformanceReport }[] = [];
  for (const file of files) out.push({ file, report: checkResources(await declaredResources(file)) });
  return out;
}

export function renderReports(reports: { file: string; report: ConformanceReport }[]): { text: string; violations: number } {
  const lines: string[] = [];
  const types = new Map<string, { apiVersion: string; resources: number; violations: number }>();
  const schemas = new Set<string>();
  let resources = 0, violations = 0;
  for (const { report } of reports) {
    resources += report.resources;
    violations += report.violations.length;
    for (const t of report.byType) {
      const key = `${t.armType} (${t.token.replace(/^azure-native:/, "")})`;
      const e = types.get(key) ?? { apiVersion: t.apiVersion, resources: 0, violations: 0 };
      e.resources += t.resources;
      e.violations += t.violations.length;
      types.set(key, e);
      schemas.add(`${t.token}@${t.apiVersion}`);
    }
  }
  for (const [key, t] of [...types].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${key.padEnd(92)} ${t.apiVersion.padEnd(19)} ${String(t.resources).padStart(4)} resources  ${t.violations} violation${t.violations === 1 ? "" : "s"}`);
  }
  for (const { file, report } of reports) {
    for (const v of report.violations) lines.push(`  ${path.basename(file)}: ${v.resource} (${v.armType}) ${v.property}: ${v.message} [${v.rule}]`);
  }
  lines.push(`${resources} resources validated against ${schemas.size} schemas, ${violations} violations`);
  return { text: lines.join("\n"), violations };
}

async function main(): Promise<number> {
  const files: string[] = [];
  for (let i = 2; i < process.argv.length; i++) if (process.argv[i] === "--stack-file") files.push(path.resolve(process.argv[++i]));
  const { text, violations } = renderReports(await checkStacks(files.length ? files : CONFORMANCE_STACKS));
  console.log(text);
  return violations ? 1 : 0;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (e) => {
    process.stderr.write(`check:azure: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
