// What compiled scalar and tabular code share: the state of one evaluation, and the shapes of the
// functions a query compiles to. A query is compiled once per text (kusto/evaluate.ts); every
// evaluation then runs plain closures over plain rows, without touching the parser's objects.
import type { TimeBounds, WorkspaceTables } from "../tables";
import { Table, Value } from "./values";

export type R = Record<string, Value>;

/** One evaluation of a compiled query. */
export interface Ctx {
  /** Different for every evaluation (a per-evaluation value is kept with the id it was computed for). */
  id: number;
  now: Date;
  /** let-bound values of this evaluation. */
  vars: Map<string, Binding>;
  tables: WorkspaceTables;
  /** The input rows this evaluation may see (the query time range and arrival; UNBOUNDED without a range). */
  visible: TimeBounds;
  /** Rows of the summarize group being aggregated (aggregate functions read them), else null. */
  group: R[] | null;
  /**
   * Values that are the same for every row of one evaluation (a subquery's rows in `x in (T | ...)`,
   * toscalar()), computed at their first use.
   */
  once: Map<object, unknown>;
}

/** A compiled scalar expression: its value for a row (null where no row is in scope: let, print, toscalar). */
export type Scalar = (row: R | null, ctx: Ctx) => Value;
/** A compiled tabular expression. */
export type Tabular = (ctx: Ctx) => Table;

export type Binding = { kind: "scalar"; value: Value } | { kind: "table"; table: Table };
