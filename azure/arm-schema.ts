// Checks a request body against the vendored ARM template schema of its type and API version
// (azure/arm-schemas/, azure/arm-resources.ts). Template schemas describe a template resource
// ({name, type, apiVersion, location, properties, ...}); a request body is the same object without
// name/type/apiVersion, which are filled in from the request before checking. Two readings make
// the template schema a request schema, both applied here and nowhere else:
//   - template expressions ("[concat(...)]", the `expression` alternative beside every value) do
//     not exist in a REST request: the alternative is removed, so a value must match the real type;
//   - objects are read strictly (additionalProperties false where the schema lists properties and
//     says nothing else): a property the API version does not define is our mistake (a misspelt
//     name, a flattening the provider does not do), and Azure ignores or refuses it.
//   - `properties` is not required at the top: templates always carry it, a REST body may omit it
//     when every property is optional (a resource group with only location and tags).
// Validated with ajv's draft-04 class, the draft these schemas declare.
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv-draft-04";
import type { ErrorObject, ValidateFunction } from "ajv-draft-04";
import { schemaFileOf, toArmRequest, type ArmRequest, type ArmResourceType } from "./arm-resources";

type Json = any;
const DIR = path.join(__dirname, "arm-schemas");
const EXPRESSION_REF = "#/definitions/expression";

/** The vendored template schema of a type, as committed. */
export function templateSchema(t: ArmResourceType): Json {
  return JSON.parse(fs.readFileSync(path.join(DIR, schemaFileOf(t)), "utf8"));
}

const isExpression = (s: Json) => s && typeof s === "object" && s.$ref === EXPRESSION_REF;

/** The template schema read as a request-body schema (see the header). */
export function requestSchema(template: Json): Json {
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== "object") return node;
    let out: Json = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === "properties" && v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, walk(s)])) : walk(v);
    for (const key of ["oneOf", "anyOf"] as const) {
      if (!Array.isArray(out[key])) continue;
      const real = out[key].filter((s: Json) => !isExpression(s));
      if (real.length === out[key].length) continue;
      const { [key]: _dropped, ...rest } = out;
      out = real.length === 1 ? mergeSchema(rest, real[0]) : { ...rest, [key]: real };
    }
    // A discriminated union (shared properties beside a oneOf of subtypes, e.g. Daily/Weekly/Monthly
    // recurrences): each subtype is read with the shared properties, strictly; the shared level not.
    const branches = (out.oneOf ?? out.anyOf) as Json[] | undefined;
    if (Array.isArray(branches) && out.properties && branches.every((b) => b && typeof b === "object" && b.properties)) {
      const shared = out.properties;
      for (const b of branches) b.properties = { ...shared, ...b.properties };
      return out;
    }
    if (out.properties && typeof out.properties === "object" && out.additionalProperties === undefined && (out.type === "object" || out.type === undefined) && !out.$ref) {
      out.additionalProperties = false;
    }
    return out;
  };
  const { $comment: _c, $schema: _s, id: _id, definitions, ...root } = template;
  const schema = walk(root);
  schema.required = (schema.required ?? []).filter((r: string) => r !== "properties");
  return { ...schema, definitions: Object.fromEntries(Object.entries(definitions ?? {}).filter(([k]) => k !== "expression").map(([k, v]) => [k, walk(v)])) };
}

/** A wrapper ({description, oneOf: [X]}) merged with its only alternative; a $ref stays a $ref (draft-04 ignores siblings of $ref). */
function mergeSchema(outer: Json, inner: Json): Json {
  const { description, ...rest } = outer;
  if (Object.keys(rest).length === 0) return inner.$ref ? inner : { ...(description ? { description } : {}), ...inner };
  return { ...outer, allOf: [inner] };
}

// Formats (date-time of inputs this stack never sends) are not checked: that would need ajv-formats for nothing.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const validators = new Map<string, ValidateFunction>();
function validatorFor(t: ArmResourceType): ValidateFunction {
  const key = schemaFileOf(t);
  let v = validators.get(key);
  if (!v) validators.set(key, (v = ajv.compile(requestSchema(templateSchema(t)))));
  return v;
}

export interface SchemaViolation {
  /** Where in the request body: properties.criteria.allOf[0].operator */
  property: string;
  message: string;
}

/** The template resource a request stands for: the body plus name, type and apiVersion. */
function asTemplateResource(r: ArmRequest): Json {
  return { ...r.body, name: r.name, type: r.type.armType, apiVersion: r.type.apiVersion };
}

function propertyPath(e: ErrorObject): string {
  const parts = e.instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : (out ? "." : "") + p;
  if (e.keyword === "additionalProperties") out += (out ? "." : "") + (e.params as { additionalProperty: string }).additionalProperty;
  if (e.keyword === "required") out += (out ? "." : "") + (e.params as { missingProperty: string }).missingProperty;
  return out || "(body)";
}

function describe(e: ErrorObject, value: unknown): string {
  switch (e.keyword) {
    case "enum": return `${JSON.stringify(value)} is not allowed — expected one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((x) => JSON.stringify(x)).join(", ")}`;
    case "additionalProperties": return "is not a property of this API version";
    case "required": return "is required";
    case "type": return `${JSON.stringify(value)} must be ${(e.params as { type: string }).type}`;
    default: return `${JSON.stringify(value)} ${e.message ?? "is invalid"}`;
  }
}

function valueAt(root: Json, instancePath: string): unknown {
  return instancePath.split("/").slice(1).reduce((v: Json, p) => (v == null ? v : v[p.replace(/~1/g, "/").replace(/~0/g, "~")]), root);
}

/**
 * A value that matches no alternative of a oneOf/anyOf gets the errors of every alternative; only
 * those of the closest one (fewest errors: for a discriminated union, the subtype it names) say
 * what is wrong.
 */
function closestBranchErrors(errors: ErrorObject[]): ErrorObject[] {
  let kept = errors;
  for (const u of errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf")) {
    const prefix = `${u.schemaPath}/`;
    const byBranch = new Map<string, ErrorObject[]>();
    for (const e of kept) {
      if (!e.schemaPath.startsWith(prefix) || !e.instancePath.startsWith(u.instancePath)) continue;
      const branch = e.schemaPath.slice(prefix.length).split("/")[0];
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
    }
    if (byBranch.size < 2) continue;
    const best = [...byBranch.values()].reduce((a, b) => (b.length < a.length ? b : a));
    const drop = new Set([...byBranch.values()].flat().filter((e) => !best.includes(e)));
    kept = kept.filter((e) => !drop.has(e));
  }
  return kept;
}

/** Schema violations of one request (none = the body matches its API version's schema). */
export function schemaViolations(r: ArmRequest): SchemaViolation[] {
  const resource = asTemplateResource(r);
  const validate = validatorFor(r.type);
  if (validate(resource)) return [];
  const seen = new Set<string>();
  const out: SchemaViolation[] = [];
  for (const e of closestBranchErrors(validate.errors ?? [])) {
    // A failing oneOf/anyOf repeats what its branches said; the branches are reported.
    if (e.keyword === "oneOf" || e.keyword === "anyOf" || e.keyword === "if") continue;
    const property = propertyPath(e);
    if (e.keyword === "enum" && r.type.openEnums?.some((o) => o.property === property.replace(/\[\d+\]/g, "[]"))) continue;
    const v: SchemaViolation = { property, message: describe(e, valueAt(resource, e.instancePath)) };
    const key = `${v.property}|${v.message}`;
    if (!seen.has(key)) (seen.add(key), out.push(v));
  }
  return out;
}

/** Schema violations of a declared resource from its Pulumi type and SDK inputs. */
export function sdkSchemaViolations(token: string, inputs: Record<string, unknown>): SchemaViolation[] {
  return schemaViolations(toArmRequest(token, inputs));
}
