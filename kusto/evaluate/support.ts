// Static check of the whole syntax tree before any row is evaluated: an unsupported operator or
// function must fail the test even when the sample rows never reach it (an empty table would
// otherwise skip a `where` that calls an unknown function and "pass" with no rows).
import { FUNCTIONS } from "./functions";
import { AGGREGATES } from "./aggregates";
import { SNode, kindOf, unsupported } from "./syntax";

export const SUPPORTED_OPERATOR_KINDS = new Set([
  "FilterOperator", "ExtendOperator", "ProjectOperator", "ProjectAwayOperator", "ProjectKeepOperator", "ProjectRenameOperator",
  "ProjectReorderOperator", "SummarizeOperator", "JoinOperator", "LookupOperator", "UnionOperator", "DistinctOperator",
  "TopOperator", "SortOperator", "TakeOperator", "CountOperator", "MvExpandOperator", "PrintOperator",
]);

export const SUPPORTED_EXPRESSION_KINDS = new Set([
  // literals
  "BooleanLiteralExpression", "IntLiteralExpression", "LongLiteralExpression", "RealLiteralExpression", "DecimalLiteralExpression",
  "DateTimeLiteralExpression", "TimespanLiteralExpression", "GuidLiteralExpression", "StringLiteralExpression", "NullLiteralExpression",
  "CompoundStringLiteralExpression", "TokenLiteralExpression", "TypeOfLiteralExpression", "PrimitiveTypeExpression",
  "DynamicExpression", "JsonObjectExpression", "JsonArrayExpression",
  // structure
  "ParenthesizedExpression", "PathExpression", "ElementExpression", "BracketedExpression", "SimpleNamedExpression",
  "FunctionCallExpression", "ToScalarExpression", "PipeExpression", "DataTableExpression", "StarExpression",
  "MvExpandExpression", "OrderedExpression", "MaterializeExpression",
  // operators
  "UnaryMinusExpression", "UnaryPlusExpression", "AddExpression", "SubtractExpression", "MultiplyExpression", "DivideExpression",
  "ModuloExpression", "LessThanExpression", "LessThanOrEqualExpression", "GreaterThanExpression", "GreaterThanOrEqualExpression",
  "EqualExpression", "NotEqualExpression", "AndExpression", "OrExpression", "InExpression", "InCsExpression", "NotInExpression",
  "NotInCsExpression", "BetweenExpression", "NotBetweenExpression", "EqualTildeExpression", "BangTildeExpression",
  "HasExpression", "HasCsExpression", "NotHasExpression", "NotHasCsExpression", "HasPrefixExpression", "HasPrefixCsExpression",
  "NotHasPrefixExpression", "NotHasPrefixCsExpression", "HasSuffixExpression", "HasSuffixCsExpression", "NotHasSuffixExpression",
  "NotHasSuffixCsExpression", "ContainsExpression", "ContainsCsExpression", "NotContainsExpression", "NotContainsCsExpression",
  "StartsWithExpression", "StartsWithCsExpression", "NotStartsWithExpression", "NotStartsWithCsExpression", "EndsWithExpression",
  "EndsWithCsExpression", "NotEndsWithExpression", "NotEndsWithCsExpression", "MatchesRegexExpression", "HasAnyExpression",
  "HasAllExpression",
]);

const SUPPORTED_STATEMENTS = new Set(["LetStatement", "ExpressionStatement"]);
const SUPPORTED_CLAUSES = new Set(["JoinOnClause", "SummarizeByClause", "OrderingClause", "OrderingNullsClause", "ToTypeOfClause", "MvExpandRowLimitClause"]);

function insideSummarizeAggregates(n: SNode): boolean {
  for (let p = n.Parent as SNode | null; p; p = p.Parent as SNode | null) {
    if (kindOf(p) === "SummarizeOperator") return true;
  }
  return false;
}

/** Throws UnsupportedKqlError at the first construct outside the supported subset. */
export function checkSupported(root: SNode, letNames: Set<string>): void {
  const visit = (n: SNode): void => {
    const k = kindOf(n);
    if (k.endsWith("Operator") && !SUPPORTED_OPERATOR_KINDS.has(k)) throw unsupported(n);
    if (k.endsWith("Statement") && !SUPPORTED_STATEMENTS.has(k)) throw unsupported(n);
    if (k.endsWith("Expression") && !SUPPORTED_EXPRESSION_KINDS.has(k)) throw unsupported(n);
    if (k.endsWith("Clause") && !SUPPORTED_CLAUSES.has(k)) throw unsupported(n);
    if (k === "FunctionDeclaration") throw unsupported(n, "user-defined function");
    if (k === "FunctionCallExpression") {
      const name = String(n.Name.SimpleName);
      if (letNames.has(name)) throw unsupported(n, `call of user-defined function '${name}'`);
      if (AGGREGATES.has(name)) {
        if (!insideSummarizeAggregates(n)) throw unsupported(n, `aggregate function '${name}' outside summarize`);
      } else if (!FUNCTIONS.has(name)) {
        throw unsupported(n, `function '${name}'`);
      }
    }
    for (let i = 0; i < n.ChildCount; i++) {
      const c = n.GetChild(i) as SNode | null;
      if (c && !c.IsToken) visit(c);
    }
  };
  visit(root);
}
