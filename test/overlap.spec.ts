// No two rules alert on the same row for the same reason (issue 14): where two detections read the
// same activities, each one's attack cases must leave the other quiet. And a consent logged as two
// rows (Consent to application + Add delegated permission grant) is one alert.
import { expect } from "chai";
import { detectionByKey } from "../detections";
import type { Detection, ParameterValues } from "../detections/model";
import { caseParameters, runCase } from "../planning/samples";

function detection(key: string): Detection {
  const d = detectionByKey(key);
  if (!d) throw new Error(`no detection ${key}`);
  return d;
}

/** Pairs that read the same activities and split them: [a, b, parameters of b for a's rows]. */
const PAIRS: [string, string, Record<string, unknown>?][] = [
  ["azt501-2-sp-credential-or-owner", "azt405-3-app-credential-added-by-user"],
  ["azt405-3-app-credential-added-by-user", "azt501-2-sp-credential-or-owner"],
  ["azt203-tenant-wide-consent", "azt405-2-privileged-api-permission-grant"],
  ["azt203-user-consent-risky-scopes", "azt405-2-privileged-api-permission-grant"],
  ["azt405-2-privileged-api-permission-grant", "azt203-tenant-wide-consent"],
  ["azt405-2-privileged-api-permission-grant", "azt203-user-consent-risky-scopes"],
  ["azt401-privileged-group-membership", "azt401-role-assigned-outside-pim", { privilegedRoles: ["Member", "Global Administrator"] }],
  ["azt401-privileged-group-membership", "azt401-pim-permanent-eligibility", { privilegedRoles: ["Member", "Global Administrator"] }],
  ["azt401-role-assigned-outside-pim", "azt401-privileged-group-membership", { privilegedGroups: ["Global Administrator", "Owner", "Privileged Role Administrator"] }],
  ["azt501-1-user-takeover", "azt501-1-privileged-user-mfa-self-registered", { privilegedUsers: ["cfo@contoso.onmicrosoft.com", "leaver@contoso.onmicrosoft.com"] }],
  ["azt501-1-privileged-user-mfa-self-registered", "azt501-1-user-takeover"],
];

describe("detections that read the same activities do not alert on the same rows", () => {
  for (const [aKey, bKey, bValues] of PAIRS) {
    it(`${aKey}'s attack cases leave ${bKey} quiet`, () => {
      const a = detection(aKey), b = detection(bKey);
      for (const c of a.samples.fires) {
        const p: ParameterValues = caseParameters(b, bValues);
        const r = runCase(b, { ...c, parameters: undefined }, p);
        expect(r.fired, `${bKey} fired on ${aKey}'s case "${c.name}": ${JSON.stringify(r.evaluation.groups).slice(0, 300)}`).to.equal(false);
      }
    });
  }
});

describe("a consent logged as two rows is one alert", () => {
  for (const key of ["azt203-tenant-wide-consent", "azt203-user-consent-risky-scopes"]) {
    it(key, () => {
      const d = detection(key);
      const both = d.samples.fires[0];
      expect(Object.values(both.rows).flat().map((r) => r.OperationName), "the case holds both rows").to.have.members(["Consent to application", "Add delegated permission grant"]);
      const r = runCase(d, both);
      expect(r.evaluation.groups.filter((g) => g.fired)).to.have.length(1);
      expect(r.evaluation.rows).to.have.length(1);
    });
  }
});
