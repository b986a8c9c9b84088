// Pulumi names of a component's children, the Azure names of what a suite creates (config/names.ts
// StackNames) for an identity, and the tags on its rules.
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { StackNames } from "../config/names";
import type { ResolvedDetection } from "../planning/resolve";

/**
 * Pulumi names of a component's children: `<prefix><local name>`. A component's prefix defaults to
 * `<its name>-`, so two instances of a component (two suites in one program) never declare the same
 * URN; the stack program passes "" down to keep the names of stacks deployed before that default.
 */
export function childNamer(prefix: string): (local: string) => string {
  return (local) => `${prefix}${local}`;
}

/** Args every azdetect component takes besides its own. */
export interface ComponentNaming {
  /** The identity in Azure names and tags (azdetect-<stack>-...): the stack's name in the stack program. */
  stack: string;
  /** Prefix of the Pulumi names of the component's children (default `<component name>-`). */
  childNamePrefix?: string;
}

/**
 * The Azure names of a suite whose names carry `identity`, with the Pulumi organization and project
 * in the hash of the names that reach beyond its resource group (config/names.ts).
 */
export function stackNames(identity: string): StackNames {
  let organization = "organization";
  try {
    organization = pulumi.getOrganization();
  } catch {
    // Older CLIs (and mocks) pass no organization: "organization" is what self-managed backends use.
  }
  return new StackNames({ organization, project: pulumi.getProject(), stack: identity });
}

/** The subscription a component deploys to: the one given, else the provider's. */
export function deploySubscription(given: pulumi.Input<string> | undefined, parent: pulumi.Resource): pulumi.Output<string> {
  return given !== undefined ? pulumi.output(given) : authorization.getClientConfigOutput({ parent }).subscriptionId;
}

/** Tags on a detection's rule, on top of the stack's tags (config STACK_TAGS lists their names). */
export function detectionTags(d: ResolvedDetection, stack: string, base: Record<string, string>): Record<string, string> {
  return {
    ...base,
    "azdetect-stack": stack,
    "azdetect-detection": d.key,
    "azdetect-technique": d.detection.technique,
    "azdetect-tactic": d.detection.tactic,
  };
}

