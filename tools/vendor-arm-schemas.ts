// npm run vendor:arm-schemas -- --git-dir <clone of Azure/azure-resource-manager-schemas>[/.git] [--commit <sha>]
// Extracts, for every type in azure/arm-resources.ts, its resource definition and the definitions it
// references (transitively) from schemas/<apiVersion>/<file> at one commit, into
// azure/arm-schemas/<apiVersion>/<file>.<section>.<resource>.json, and writes SOURCES.md and the
// repository's LICENSE beside them. Nothing else is changed: references into the same file become
// local (#/definitions/X), the template-expression definition of schemas/common/definitions.json is
// copied in as #/definitions/expression. Run it again to move to a newer commit or API version.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ARM_RESOURCE_TYPES, schemaFileOf, type ArmResourceType } from "../azure/arm-resources";

const REPO = "Azure/azure-resource-manager-schemas";
const OUT = path.join(__dirname, "..", "azure", "arm-schemas");
const COMMON = "https://schema.management.azure.com/schemas/common/definitions.json#/definitions/";
type Json = any;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function extract(read: (repoPath: string) => Json, t: ArmResourceType): Json {
  const fileUrl = (file: string) => `https://schema.management.azure.com/schemas/${t.apiVersion}/${file}#/definitions/`;
  const files: Record<string, Json> = {};
  const load = (file: string) => (files[file] ??= read(`schemas/${t.apiVersion}/${file}`));
  const main = load(t.schema.file);
  const resource = JSON.parse(JSON.stringify(main[t.schema.section]?.[t.schema.resource] ?? null));
  if (!resource) throw new Error(`${t.token}: no ${t.schema.section}.${t.schema.resource} in schemas/${t.apiVersion}/${t.schema.file}`);
  if (t.schema.properties) resource.properties.properties = { $ref: `${fileUrl(t.schema.properties.file)}${t.schema.properties.definition}` };

  const definitions: Record<string, Json> = {};
  const queue: { file: string; name: string }[] = [];
  // Rewrites every $ref to a local one and queues the definition it names.
  const relink = (node: Json, file: string): Json => {
    if (Array.isArray(node)) return node.map((x) => relink(x, file));
    if (!node || typeof node !== "object") return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") {
        let target: { file: string; name: string } | undefined;
        if (v.startsWith("#/definitions/")) target = { file, name: v.slice("#/definitions/".length) };
        else if (v.startsWith(COMMON)) target = { file: "common", name: v.slice(COMMON.length) };
        else {
          const m = /^https:\/\/schema\.management\.azure\.com\/schemas\/([^/]+)\/([^#]+)#\/definitions\/(.+)$/.exec(v);
          if (!m || m[1] !== t.apiVersion) throw new Error(`${t.token}: unexpected reference ${v}`);
          target = { file: m[2], name: m[3] };
        }
        const local = target.file === "common" ? target.name : target.file === t.schema.file ? target.name : `${target.file.replace(/\.json$/, "")}.${target.name}`;
        if (!(local in definitions) && !queue.some((q) => q.file === target!.file && q.name === target!.name)) queue.push(target);
        out[k] = `#/definitions/${local}`;
      } else out[k] = relink(v, file);
    }
    return out;
  };
  const root = relink(resource, t.schema.file);
  while (queue.length) {
    const { file, name } = queue.shift()!;
    const local = file === "common" ? name : file === t.schema.file ? name : `${file.replace(/\.json$/, "")}.${name}`;
    if (local in definitions) continue;
    const source = file === "common" ? read("schemas/common/definitions.json") : load(file);
    const def = source.definitions?.[name];
    if (!def) throw new Error(`${t.token}: ${file} has no definition ${name}`);
    definitions[local] = null; // reserve: cycles
    definitions[local] = relink(def, file === "common" ? "common" : file);
  }
  return {
    $comment: `Extracted from ${REPO} schemas/${t.apiVersion}/${t.schema.file} (${t.schema.section}.${t.schema.resource}) by tools/vendor-arm-schemas.ts; see SOURCES.md`,
    ...root,
    definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
  };
}

function main(): void {
  const gitDir = arg("--git-dir");
  if (!gitDir) throw new Error("usage: --git-dir <clone of Azure/azure-resource-manager-schemas> [--commit <sha>]");
  const git = (...a: string[]) => execFileSync("git", ["--git-dir", gitDir, ...a], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const commit = git("rev-parse", arg("--commit") ?? "HEAD").trim();
  const read = (p: string) => JSON.parse(git("show", `${commit}:${p}`));
  fs.rmSync(OUT, { recursive: true, force: true });
  const rows: string[] = [];
  for (const t of ARM_RESOURCE_TYPES) {
    const file = path.join(OUT, schemaFileOf(t));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(extract(read, t), null, 2) + "\n");
    const from = [`schemas/${t.apiVersion}/${t.schema.file}`, ...(t.schema.properties ? [`schemas/${t.apiVersion}/${t.schema.properties.file} (${t.schema.properties.definition})`] : [])];
    rows.push(`| ${t.armType} | ${t.apiVersion} | \`${t.token}\` | ${from.map((f) => `\`${f}\``).join(", ")} | \`${t.schema.section}.${t.schema.resource}\` | \`${schemaFileOf(t)}\` |`);
  }
  fs.writeFileSync(path.join(OUT, "LICENSE"), git("show", `${commit}:LICENSE`));
  fs.writeFileSync(path.join(OUT, "SOURCES.md"), [
    "# ARM template schemas (vendored)",
    "",
    `Source: https://github.com/${REPO} at commit \`${commit}\`, licence MIT (LICENSE beside this file).`,
    "Extracted by `npm run vendor:arm-schemas -- --git-dir <clone>`: per resource type, its resource definition and the",
    "definitions it references, nothing else changed except that references become local (`#/definitions/X`; a definition",
    "of another file of the same API version is prefixed with that file's name) and the template-expression definition of",
    "`schemas/common/definitions.json` is copied in as `#/definitions/expression`. azure/arm-schema.ts reads them as a request body",
    "is checked (see there: template expressions are removed, objects are read strictly).",
    "",
    "| ARM type | API version | SDK class (@pulumi/azure-native 3.28.0) | read from | resource definition | vendored file |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"));
  console.log(`${ARM_RESOURCE_TYPES.length} resource types from ${REPO}@${commit} -> ${path.relative(process.cwd(), OUT)}`);
}

if (require.main === module) main();
