// What scalar and tabular evaluation share: the evaluation environment and the row scope.
// Tabular evaluation is reached from scalar code (toscalar, `in (subquery)`) through env.evalTabular,
// which keeps scalar.ts free of an import cycle with tabular.ts.
import { SNode } from "./syntax";
import { Table, Value } from "./values";

export interface Env {
  now: Date;
  /** let-bound names. */
  vars: Map<string, Binding>;
  /** A database table by name, typed from the schemas (empty when no rows were given). */
  table(name: string, at: SNode): Table;
  evalTabular(n: SNode, env: Env): Table;
  /**
   * The rows of a pipeline when they can be taken from a cache of its row-wise start over an
   * indexed table (prefix.ts), else undefined.
   */
  pipeline?(n: SNode): Table | undefined;
}

export interface Scope {
  env: Env;
  /** The current row; null where no row is in scope (let, print, toscalar). */
  row: Record<string, Value> | null;
  /** Rows of the current summarize group: makes aggregate functions callable. */
  group?: Record<string, Value>[];
}

export type Binding = { kind: "scalar"; value: Value } | { kind: "table"; table: Table };
