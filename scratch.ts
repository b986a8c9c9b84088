import { DETECTIONS } from "./detections";
import { triggerOf } from "./planning/resolve";
const seen = new Map<string, number>();
for (const d of DETECTIONS) {
  const ps = Object.entries(d.parameters ?? {}).filter(([, p]) => p.type === "stringList").map(([n, p]) => `${n}${(p as any).allowlist ? "<" + (p as any).allowlist : ""}`);
  const line = `${JSON.stringify(d.entities)} dims=${(triggerOf(d).dimensions ?? []).join(",")} params=${ps.join(",")}`;
  seen.set(line, (seen.get(line) ?? 0) + 1);
}
for (const [l, n] of seen) console.log(n, l);
