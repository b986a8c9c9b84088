// Pulumi's SDK captures `new Error().stack` for every promise it creates while a resource is
// declared (runtime/debuggable.ts: one per output property, ~30 per ScheduledQueryRule), eagerly
// formatted through source-map-support, which the Pulumi language host always installs. Those
// stacks are read only when PULUMI_DEBUG_PROMISE_LEAKS is set. For the full catalogue that is
// ~3,000 source-mapped stack traces: about 2.5-3 s of every `pulumi preview`/`up` (measured with
// tools/bench/pulumi-run.js; see README "Performance").
//
// Declaring resources with Error.stackTraceLimit = 0 skips that work. Unaffected: each resource's
// source position (Pulumi raises the limit itself for that), and any error thrown afterwards.
// Set PULUMI_DEBUG_PROMISE_LEAKS (Pulumi's own switch) or AZDETECT_FULL_STACKS=1 to keep them.
export function withoutPromiseStacks<T>(declare: () => T): T {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS || process.env.AZDETECT_FULL_STACKS) return declare();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return declare();
  } catch (e) {
    // An error thrown while declaring has no stack; say how to get one.
    if (e instanceof Error && !/\n\s+at /.test(e.stack ?? "")) e.stack = `${e.stack ?? e.message}\n    (stack omitted: set AZDETECT_FULL_STACKS=1 for it)`;
    throw e;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
