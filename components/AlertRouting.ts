// Alert routing: the action groups a stack manages (or references), which of them each rule
// notifies, and optional maintenance windows. Azure wiring only; the routing rules themselves
// are config (config/routing.ts) and are validated before anything is declared.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as alertsmanagement from "@pulumi/azure-native/alertsmanagement";
import type { Provider } from "@pulumi/azure-native/provider";
import { ALERT_PROCESSING_FILTER_VALUES } from "../azure/limits";
import { ConfigError, DeployTimeError, keyPath } from "../config/errors";
import { keyPrefix, type StackNames } from "../config/names";
import { actionGroupNamesFor, RECEIVER_LIMITS, routeProblems, type ActionGroupSpec, type MaintenanceWindow, type RoutingConfig } from "../config/routing";
import type { Severity, Tactic } from "../detections/model";
import type { ResolvedDetection } from "../planning/resolve";
import { groupRecipients, userRecipients, type EntraRecipient } from "./entraLookups";
import { childNamer, stackNames, type ComponentNaming } from "./names";

/**
 * Alert routing as the suite takes it: the stack config's routing (config's parseRouting gives one),
 * where an existing action group's id may be an Output of the embedding program, and the switches
 * are optional (default: every rule must be routed; no maintenance windows).
 */
export type SuiteRouting = Omit<RoutingConfig<pulumi.Input<string>>, "allowUnroutedAlerts" | "maintenanceWindows"> &
  Partial<Pick<RoutingConfig, "allowUnroutedAlerts" | "maintenanceWindows">>;

export interface AlertRoutingArgs extends ComponentNaming {
  routing: SuiteRouting;
  /** The rules the stack deploys: every one must be routed (unless allowed), windows name them. */
  detections: readonly ResolvedDetection[];
  resourceGroupName: pulumi.Input<string>;
  /** /subscriptions/<id>: maintenance windows apply to alerts on any resource of it. */
  subscriptionScope: pulumi.Input<string>;
  /**
   * Listed subscriptions where the stack deploys activity-log alerts (config `subscriptions`): an
   * activity-log alert fires on a resource of its own subscription, outside the deploying
   * subscription's scope, so each window is repeated there (through the subscription's provider,
   * in the stack's alert group, scoped to that subscription).
   */
  alertSubscriptions?: readonly { id: string; provider: Provider; resourceGroupName: pulumi.Input<string> }[];
  tags: Record<string, string>;
}

export class AlertRouting extends pulumi.ComponentResource {
  /** Action group resource id per configured name (managed and referenced). */
  public readonly actionGroupIds: pulumi.Output<Record<string, string>>;
  private readonly ids: Record<string, pulumi.Output<string>>;
  private readonly routing: RoutingConfig<pulumi.Input<string>>;

  constructor(name: string, args: AlertRoutingArgs, opts?: pulumi.ComponentResourceOptions) {
    const routing: RoutingConfig<pulumi.Input<string>> = { allowUnroutedAlerts: false, maintenanceWindows: [], ...args.routing };
    const names = stackNames(args.stack);
    const problems = [...routeProblems(routing, args.detections), ...routing.maintenanceWindows.flatMap((w, i) => windowConditions(w, i, args.detections, names).problems)];
    if (problems.length) throw new ConfigError(problems);
    super("azdetect:index:AlertRouting", name, {}, opts);
    this.routing = routing;
    const child = childNamer(args.childNamePrefix ?? `${name}-`);

    const used = new Set(routing.routes.flatMap((r) => r.actionGroups));
    this.ids = {};
    for (const g of Object.values(routing.actionGroups)) {
      if (!used.has(g.name)) pulumi.log.warn(`${keyPath(["actionGroups", g.name])} is not used by any route`, this);
      this.ids[g.name] = g.mode === "existing" ? pulumi.output(g.id) : this.declareActionGroup(child(`action-group-${g.name}`), g, args, names);
    }
    this.actionGroupIds = pulumi.output(this.ids) as pulumi.Output<Record<string, string>>;

    const windowScopes = [
      { key: "", scope: args.subscriptionScope, resourceGroupName: args.resourceGroupName, provider: undefined as Provider | undefined },
      ...(args.alertSubscriptions ?? []).map((t) => ({ key: `-${t.id}`, scope: `/subscriptions/${t.id}`, resourceGroupName: t.resourceGroupName, provider: t.provider })),
    ];
    routing.maintenanceWindows.forEach((w, i) => windowConditions(w, i, args.detections, names).conditions.forEach((conditions, part) => windowScopes.forEach((at) => {
      const suffix = part === 0 ? "" : `-${part + 1}`;
      new alertsmanagement.AlertProcessingRuleByName(child(`maintenance-${w.name}${suffix}${at.key}`), {
        alertProcessingRuleName: names.maintenanceWindow(`${w.name}${suffix}`),
        resourceGroupName: at.resourceGroupName,
        location: "Global",
        properties: {
          description: w.description ?? `azdetect ${args.stack}: no notifications from this stack's rules during this window`,
          enabled: w.enabled,
          scopes: [at.scope],
          conditions,
          actions: [{ actionType: "RemoveAllActionGroups" }],
          schedule: {
            timeZone: w.timeZone,
            effectiveFrom: w.effectiveFrom,
            effectiveUntil: w.effectiveUntil,
            recurrences: w.recurrences.map((r) => {
              const times = { startTime: r.startTime, endTime: r.endTime };
              return r.type === "Weekly" ? { recurrenceType: "Weekly" as const, daysOfWeek: r.daysOfWeek!, ...times }
                : r.type === "Monthly" ? { recurrenceType: "Monthly" as const, daysOfMonth: r.daysOfMonth!, ...times }
                : { recurrenceType: "Daily" as const, ...times };
            }),
          },
        },
        tags: args.tags,
      }, { parent: this, ...(at.provider ? { provider: at.provider } : {}) });
    })));

    this.registerOutputs({ actionGroupIds: this.actionGroupIds });
  }

  /** Ids of the action groups of every route matching a severity and tactic. */
  actionGroupIdsFor(severity: Severity, tactic: Tactic): pulumi.Output<string>[] {
    return actionGroupNamesFor(this.routing, severity, tactic).map((n) => this.ids[n]);
  }

  private declareActionGroup(logicalName: string, g: Extract<ActionGroupSpec, { mode: "managed" }>, args: AlertRoutingArgs, names: StackNames): pulumi.Output<string> {
    const invokeOpts = { parent: this };
    const entra = pulumi.all([
      g.entraGroup ? groupRecipients(g.entraGroup, ["actionGroups", g.name], invokeOpts) : pulumi.output([] as EntraRecipient[]),
      userRecipients(g.entraUsers, ["actionGroups", g.name, "entraUsers"], invokeOpts),
    ]).apply(([a, b]) => [...a, ...b]);
    const otherReceivers = g.sms.length + g.runbooks.length + g.webhooks.length + g.logicApps.length;
    const emails = g.entraGroup || g.entraUsers.length
      ? entra.apply((people) => {
          const r = emailReceivers(g.name, g.emails, people, otherReceivers);
          if (r.withoutMail.length) pulumi.log.warn(`${keyPath(["actionGroups", g.name])}: no mail address for ${r.withoutMail.join(", ")} — they receive nothing`, this);
          return r.receivers;
        })
      : pulumi.output(emailReceivers(g.name, g.emails, [], otherReceivers).receivers);

    return new monitor.ActionGroup(logicalName, {
      actionGroupName: names.actionGroup(g.name),
      resourceGroupName: args.resourceGroupName,
      location: "Global",
      groupShortName: g.shortName,
      enabled: g.enabled,
      emailReceivers: emails,
      // SMS has no payload schema.
      smsReceivers: g.sms.map((s) => ({ name: s.name, countryCode: s.countryCode, phoneNumber: s.phoneNumber })),
      // Service URIs and callback URLs carry credentials: secrets whether or not config marked them.
      automationRunbookReceivers: g.runbooks.map((r) => ({
        name: r.name,
        automationAccountId: r.automationAccountId,
        runbookName: r.runbookName,
        webhookResourceId: r.webhookResourceId,
        isGlobalRunbook: r.isGlobalRunbook,
        serviceUri: pulumi.secret(r.serviceUri),
        useCommonAlertSchema: true,
      })),
      webhookReceivers: g.webhooks.map((w) => ({
        name: w.name,
        serviceUri: pulumi.secret(w.serviceUri),
        useCommonAlertSchema: true,
        useAadAuth: w.useAadAuth,
        ...(w.useAadAuth ? { objectId: w.objectId, identifierUri: w.identifierUri, tenantId: w.tenantId } : {}),
      })),
      logicAppReceivers: g.logicApps.map((l) => ({
        name: l.name,
        resourceId: l.resourceId,
        callbackUrl: pulumi.secret(l.callbackUrl),
        useCommonAlertSchema: true,
      })),
      tags: args.tags,
    }, { parent: this }).id;
  }
}

/** Receiver name of an email resolved from Entra ID: stable while the address is (membership order does not matter). */
export function entraReceiverName(address: string): string {
  return `entra-${createHash("sha256").update(address.toLowerCase()).digest("hex").slice(0, 12)}`;
}

/**
 * A group's email receivers: configured addresses first, then Entra ID recipients not already
 * listed (case-insensitive). Runs at deploy time for groups with Entra lookups, so its errors
 * fail the deployment rather than the config parse.
 */
export function emailReceivers(
  group: string,
  configured: readonly { name: string; address: string }[],
  people: readonly EntraRecipient[],
  otherReceivers: number,
): { receivers: { name: string; emailAddress: string; useCommonAlertSchema: boolean }[]; withoutMail: string[] } {
  const receivers = configured.map((e) => ({ name: e.name, emailAddress: e.address, useCommonAlertSchema: true }));
  const seen = new Set(configured.map((e) => e.address.toLowerCase()));
  const withoutMail: string[] = [];
  for (const p of [...people].sort((a, b) => a.mail.toLowerCase().localeCompare(b.mail.toLowerCase()))) {
    if (!p.mail) {
      withoutMail.push(p.userPrincipalName || p.objectId);
      continue;
    }
    if (seen.has(p.mail.toLowerCase())) continue;
    seen.add(p.mail.toLowerCase());
    receivers.push({ name: entraReceiverName(p.mail), emailAddress: p.mail, useCommonAlertSchema: true });
  }
  const where = keyPath(["actionGroups", group]);
  if (receivers.length > RECEIVER_LIMITS.emails) {
    throw new DeployTimeError(`${where}: ${receivers.length} email receivers after resolving Entra ID recipients — Azure allows at most ${RECEIVER_LIMITS.emails} per action group; use a smaller group or a distribution list address`);
  }
  if (receivers.length === 0 && otherReceivers === 0) {
    throw new DeployTimeError(`${where}: resolved to no receivers — its Entra ID group/users have no member with a mail address, so alerts routed here would reach nobody`);
  }
  return { receivers, withoutMail };
}

type Condition = { field: "Description"; operator: "Contains"; values: string[] };

/**
 * The filters of the alert processing rule(s) of a window. Every rule's description ends in
 * markers of this stack's token with its configured severity and key prefix, in both orders
 * (config/names.ts ruleMarkers): `azdetect-<token>-` selects every rule of this stack and no
 * other's, `...-s2-` its severity-2 rules, `...-azt3-` its Execution rules, `...-s2-azt3` both.
 * Configured severities, not Azure's: activity-log alerts show as Sev4. A filter's values are ORed,
 * at most 5: a window needing more becomes several rules with the same schedule.
 */
export function windowConditions(w: MaintenanceWindow, index: number, detections: readonly ResolvedDetection[], names: StackNames): { conditions: Condition[][]; problems: string[] } {
  const where = keyPath(["maintenanceWindows", index]);
  const matched = detections.filter((d) => (!w.severities || w.severities.includes(d.severity)) && (!w.tactics || w.tactics.includes(d.detection.tactic)));
  if (matched.length === 0) return { conditions: [], problems: [`${where}: matches no deployed rule (severities ${JSON.stringify(w.severities ?? "all")}, tactics ${JSON.stringify(w.tactics ?? "all")}) — widen it or remove it`] };
  let prefixes: string[] = [];
  if (w.tactics) {
    prefixes = [...new Set(detections.filter((d) => w.tactics!.includes(d.detection.tactic)).map((d) => keyPrefix(d.key)))].sort();
    const shared = detections.find((d) => !w.tactics!.includes(d.detection.tactic) && prefixes.includes(keyPrefix(d.key)));
    if (shared) return { conditions: [], problems: [`${where}.tactics: ${shared.key} (${shared.detection.tactic}) shares its key prefix with the window's tactics, so the window cannot tell them apart — remove tactics from the window`] };
  }
  const severities = w.severities ? [...new Set(w.severities)].sort().map((n) => `s${n}`) : [];
  const values = severities.length && prefixes.length ? severities.flatMap((s) => prefixes.map((p) => names.marker(s, p)))
    : severities.length ? severities.map((s) => names.marker(s) + "-")
    : prefixes.length ? prefixes.map((p) => names.marker(p) + "-")
    : [names.marker() + "-"];
  const conditions: Condition[][] = [];
  for (let i = 0; i < values.length; i += ALERT_PROCESSING_FILTER_VALUES) conditions.push([{ field: "Description", operator: "Contains", values: values.slice(i, i + ALERT_PROCESSING_FILTER_VALUES) }]);
  return { conditions, problems: [] };
}
