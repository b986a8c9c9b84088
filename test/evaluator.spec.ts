// Conformance suite for kusto/evaluate.ts. Expected values come from the Kusto documentation
// (MicrosoftDocs/dataexplorer-docs, data-explorer/kusto/query/<page>.md, = learn.microsoft.com/kusto/query/<page>),
// cited per group, or from the documented semantics where a page gives rules but no example.
// They were written from the docs, not by running the evaluator.
import { expect } from "chai";
import { evaluate, SUPPORTED, UnsupportedKqlError, SampleDataError, KqlQueryError, Row, Timespan } from "../kusto/evaluate";

const NOW = "2024-05-01T12:00:00Z";
const run = (query: string, tables: Record<string, Row[]> = {}) => evaluate(query, { now: NOW, tables });
/** One row from `print r = <expr>`. */
const scalar = (expr: string) => run(`print r = ${expr}`)[0].r;

// Order-insensitive row comparison (Kusto does not promise an order without sort/top).
const canon = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

interface Case { covers: string[]; query: string; tables?: Record<string, Row[]>; rows?: Row[]; ordered?: boolean; check?: (rows: Row[]) => void }

// X and Y from kusto/query/join-inner.md etc.
const XY = `let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'c',4];
let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40];
`;

const CASES: Record<string, Case> = {
  // ---- join-<kind>.md examples (X/Y tables); row sets as documented -------------------------------
  "join innerunique (default; join-innerunique.md)": {
    covers: ["join", "let", "datatable"],
    query: XY + "X | join Y on Key",
    rows: [{ Key: "b", Value1: 2, Key1: "b", Value2: 10 }, { Key: "c", Value1: 4, Key1: "c", Value2: 20 }, { Key: "c", Value1: 4, Key1: "c", Value2: 30 }],
  },
  "join kind=innerunique explicit (join-innerunique.md)": {
    covers: ["innerunique"],
    query: XY + "X | join kind=innerunique Y on Key | count",
    rows: [{ Count: 3 }],
  },
  "join kind=inner (join-inner.md, with k)": {
    covers: ["inner"],
    query: `let X = datatable(Key:string, Value1:long)['a',1,'b',2,'b',3,'k',5,'c',4];
let Y = datatable(Key:string, Value2:long)['b',10,'c',20,'c',30,'d',40,'k',50];
X | join kind=inner Y on Key`,
    rows: [
      { Key: "b", Value1: 3, Key1: "b", Value2: 10 }, { Key: "b", Value1: 2, Key1: "b", Value2: 10 },
      { Key: "c", Value1: 4, Key1: "c", Value2: 20 }, { Key: "c", Value1: 4, Key1: "c", Value2: 30 },
      { Key: "k", Value1: 5, Key1: "k", Value2: 50 },
    ],
  },
  "join kind=leftouter (join-leftouter.md; unmatched string cell is empty)": {
    covers: ["leftouter"],
    query: XY + "X | join kind=leftouter Y on Key",
    rows: [
      { Key: "a", Value1: 1, Key1: "", Value2: null }, { Key: "b", Value1: 2, Key1: "b", Value2: 10 },
      { Key: "b", Value1: 3, Key1: "b", Value2: 10 }, { Key: "c", Value1: 4, Key1: "c", Value2: 20 },
      { Key: "c", Value1: 4, Key1: "c", Value2: 30 },
    ],
  },
  "join kind=leftanti (join-leftanti.md)": { covers: ["leftanti"], query: XY + "X | join kind=leftanti Y on Key", rows: [{ Key: "a", Value1: 1 }] },
  "join kind=leftsemi (join-leftsemi.md)": {
    covers: ["leftsemi"], query: XY + "X | join kind=leftsemi Y on Key",
    rows: [{ Key: "b", Value1: 2 }, { Key: "b", Value1: 3 }, { Key: "c", Value1: 4 }],
  },
  "join kind=rightanti (join-rightanti.md)": { covers: ["rightanti"], query: XY + "X | join kind=rightanti Y on Key", rows: [{ Key: "d", Value2: 40 }] },
  "join kind=rightsemi (join-rightsemi.md)": {
    covers: ["rightsemi"], query: XY + "X | join kind=rightsemi Y on Key",
    rows: [{ Key: "b", Value2: 10 }, { Key: "c", Value2: 20 }, { Key: "c", Value2: 30 }],
  },
  "join kind=fullouter (join-fullouter.md)": {
    covers: ["fullouter"], query: XY + "X | join kind=fullouter Y on Key",
    rows: [
      { Key: "b", Value1: 3, Key1: "b", Value2: 10 }, { Key: "b", Value1: 2, Key1: "b", Value2: 10 },
      { Key: "c", Value1: 4, Key1: "c", Value2: 20 }, { Key: "c", Value1: 4, Key1: "c", Value2: 30 },
      { Key: "", Value1: null, Key1: "d", Value2: 40 }, { Key: "a", Value1: 1, Key1: "", Value2: null },
    ],
  },
  "join kind=rightouter (join-rightouter.md)": {
    covers: ["rightouter"], query: XY + "X | join kind=rightouter Y on Key | count", rows: [{ Count: 5 }],
  },
  "join on $left.A == $right.B with two keys (join-operator.md syntax)": {
    covers: ["join"],
    query: `let L = datatable(a:string, n:long)['x',1,'x',2,'y',1];
let R = datatable(b:string, m:long, v:string)['x',1,'one','x',2,'two','y',2,'nope'];
L | join kind=inner R on $left.a == $right.b, $left.n == $right.m | project a, n, v`,
    rows: [{ a: "x", n: 1, v: "one" }, { a: "x", n: 2, v: "two" }],
  },

  // ---- lookup-operator.md ------------------------------------------------------------------------
  "lookup leftouter default: keys not repeated, unmatched right cells empty (lookup-operator.md)": {
    covers: ["lookup"],
    query: `let FactTable=datatable(Row:string,Personal:string,Family:string)["1","Rowan","Murphy","2","Ellis","Turner","3","Ellis","Turner","4","Maya","Williams","5","Rowan","Murphy"];
let DimTable=datatable(Personal:string,Family:string,Alias:string)["Rowan","Murphy","Rowan Murphy","Ellis","Turner","Ellis Turner","Marshall","Mathers","Marshall Mathers"];
FactTable | lookup kind=leftouter DimTable on Personal, Family`,
    rows: [
      { Row: "1", Personal: "Rowan", Family: "Murphy", Alias: "Rowan Murphy" }, { Row: "2", Personal: "Ellis", Family: "Turner", Alias: "Ellis Turner" },
      { Row: "3", Personal: "Ellis", Family: "Turner", Alias: "Ellis Turner" }, { Row: "4", Personal: "Maya", Family: "Williams", Alias: "" },
      { Row: "5", Personal: "Rowan", Family: "Murphy", Alias: "Rowan Murphy" },
    ],
  },
  "lookup kind=inner drops unmatched (lookup-operator.md)": {
    covers: ["lookup"],
    query: `datatable(k:string, a:long)["x",1,"y",2] | lookup kind=inner (datatable(k:string, b:long)["x",10]) on k`,
    rows: [{ k: "x", a: 1, b: 10 }],
  },

  // ---- summarize-operator.md ---------------------------------------------------------------------
  "summarize on empty input without by: one row of defaults (summarize-operator.md)": {
    covers: ["summarize", "countif", "dcount", "dcountif", "sum", "sumif", "make_set", "make_list", "avg", "take_any"],
    query: "datatable(x:long)[] | summarize countif(x > 0), dcount(x), dcountif(x, x > 0), sum(x), sumif(x, x > 0), make_set(x), make_list(x), a = avg(x), any_x = take_any(x)",
    check: (rows) => {
      expect(rows).to.have.length(1);
      const r = rows[0];
      expect([r.countif_, r.dcount_x, r.dcountif_x, r.sum_x, r.sumif_x]).to.deep.equal([0, 0, 0, 0, 0]);
      expect(r.set_x).to.deep.equal([]);
      expect(r.list_x).to.deep.equal([]);
      expect(Number.isNaN(r.a as number)).to.equal(true);   // avg of nothing is NaN in the docs' output
      expect(r.any_x).to.equal(null);
    },
  },
  "summarize with by on empty input: no rows (summarize-operator.md)": {
    covers: ["summarize"], query: "datatable(x:long, k:string)[] | summarize count() by k", rows: [],
  },
  "sum/avg ignore nulls (summarize-operator.md: sum_y 15, avg_y 5)": {
    covers: ["sum", "avg", "iff", "real"],
    query: "datatable(x:long)[1,2,3,4] | extend y = iff(x == 1, real(null), real(5)) | summarize sum(y), avg(y)",
    rows: [{ sum_y: 15, avg_y: 5 }],
  },
  "make_set of an array column collects elements (make-set-aggregation-function.md)": {
    covers: ["make_set"],
    query: `datatable (Val: int, Arr1: dynamic)[1, dynamic(['A1', 'A2', 'A3']), 5, dynamic(['A2', 'C1']), 7, dynamic(['C2', 'A3']), 5, dynamic(['C2', 'A1'])]
| summarize Val_set=make_set(Val), Arr1_set=make_set(Arr1)`,
    check: (rows) => {
      expect((rows[0].Val_set as number[]).slice().sort()).to.deep.equal([1, 5, 7]);
      expect((rows[0].Arr1_set as string[]).slice().sort()).to.deep.equal(["A1", "A2", "A3", "C1", "C2"]);
    },
  },
  "arg_max(*) skips nulls, still returns a row when all are null (arg-max-aggregation-function.md)": {
    covers: ["arg_max"],
    query: `datatable(Fruit: string, Color: string, Version: int) ["Apple", "Red", 1, "Apple", "Green", int(null), "Banana", "Yellow", int(null), "Banana", "Green", int(null), "Pear", "Brown", 1, "Pear", "Green", 2]
| summarize arg_max(Version, *) by Fruit`,
    check: (rows) => {
      const by = Object.fromEntries(rows.map((r) => [r.Fruit, r]));
      expect(by.Apple).to.deep.equal({ Fruit: "Apple", Version: 1, Color: "Red" });
      expect(by.Pear).to.deep.equal({ Fruit: "Pear", Version: 2, Color: "Green" });
      expect(by.Banana.Version).to.equal(null);
    },
  },
  "arg_min with a column list, min/max, make_list, make_list_if, make_set_if, any": {
    covers: ["arg_min", "min", "max", "make_list", "make_list_if", "make_set_if", "any", "count", "dcount"],
    query: `datatable(k:string, t:long, v:string)["a",3,"x","a",1,"y","a",2,"y","b",5,"z"]
| summarize arg_min(t, v), lo = min(t), hi = max(t), l = make_list(v), li = make_list_if(v, t > 1), si = make_set_if(v, t < 3), a = any(k), n = count(), d = dcount(v) by k`,
    check: (rows) => {
      const a = rows.find((r) => r.k === "a")!;
      expect(a).to.deep.include({ t: 1, v: "y", lo: 1, hi: 3, a: "a", n: 3, d: 2 });
      expect(a.l).to.deep.equal(["x", "y", "y"]);
      expect(a.li).to.deep.equal(["x", "y"]);
      expect(a.si).to.deep.equal(["y"]);
    },
  },
  "take_any(*) and any(a, b) return whole rows (take-any-aggregation-function.md)": {
    covers: ["take_any", "any"],
    query: `datatable(a:long, b:string)[1, "x"] | summarize take_any(*), any(a, b) | extend one = toscalar(datatable(c:long)[7] | summarize take_any(*))`,
    rows: [{ a: 1, b: "x", any_a: 1, any_b: "x", one: 7 }],
  },
  "summarize by bin(datetime, 1h) (bin-function.md)": {
    covers: ["bin", "summarize", "count"],
    query: `datatable(t:datetime)[datetime(2024-01-01 10:05), datetime(2024-01-01 10:55), datetime(2024-01-01 11:00), datetime(2024-01-01 12:30)]
| summarize n = count() by h = bin(t, 1h) | order by h asc`,
    ordered: true,
    rows: [{ h: new Date("2024-01-01T10:00:00Z"), n: 2 }, { h: new Date("2024-01-01T11:00:00Z"), n: 1 }, { h: new Date("2024-01-01T12:00:00Z"), n: 1 }],
  },
  "bin and floor of numbers and timespans (bin-function.md: bin(4.5, 1) = 4, bin(1d+3h, 1d) = 1d)": {
    covers: ["bin", "floor"],
    query: "print a = bin(4.5, 1), b = bin(time(1d) + 3h, 1d), c = floor(7, 5), d = bin(long(-3), 2)",
    check: ([r]) => { expect(r.a).to.equal(4); expect(String(r.b)).to.equal("1.00:00:00"); expect(r.c).to.equal(5); expect(r.d).to.equal(-4); },
  },
  "conditional aggregates and comparisons (countif/minif/maxif/avgif/anyif/take_anyif/count_distinct -aggregation-function.md)": {
    covers: ["minif", "maxif", "avgif", "anyif", "take_anyif", "count_distinct", "<", "<=", ">="],
    query: `datatable(k:string, v:long)["a",1,"b",2,"c",3,"c",4]
| summarize mi = minif(v, v >= 2), ma = maxif(v, v < 4), av = avgif(v, v <= 2), an = anyif(k, v == 3), ta = take_anyif(k, v > 3), cd = count_distinct(k)`,
    rows: [{ mi: 2, ma: 3, av: 1.5, an: "c", ta: "c", cd: 3 }],
  },
  "count() counts rows, nulls included (summarize-operator.md: count_y = 2)": {
    covers: ["count", "summarize"],
    query: "datatable(y:real)[real(null), 5.0] | summarize count()",
    rows: [{ count_: 2 }],
  },

  // ---- null-values.md ------------------------------------------------------------------------------
  "null comparisons (null-values.md)": {
    covers: ["extend", ">", "==", "!=", "or", "isnull"],
    query: `datatable(val:int)[5, int(null)] | extend IsBiggerThan3 = val > 3 | extend IsBiggerThan3OrNull = val > 3 or isnull(val)
| extend IsEqualToNull = val == int(null) | extend IsNotEqualToNull = val != int(null)`,
    ordered: true,
    rows: [
      { val: 5, IsBiggerThan3: true, IsBiggerThan3OrNull: true, IsEqualToNull: false, IsNotEqualToNull: true },
      { val: null, IsBiggerThan3: null, IsBiggerThan3OrNull: true, IsEqualToNull: null, IsNotEqualToNull: null },
    ],
  },
  "where drops null predicates; != keeps null vs non-null (null-values.md)": {
    covers: ["where", "!="],
    query: `datatable(ival:int, sval:string)[5, "a", int(null), "b"] | where ival != 5`,
    rows: [{ ival: null, sval: "b" }],
  },
  "null is sticky in arithmetic (null-values.md)": {
    covers: ["+", "*"],
    query: "datatable(val:int)[5, int(null)] | extend Add = val + 10 | extend Multiply = val * 10",
    ordered: true,
    rows: [{ val: 5, Add: 15, Multiply: 50 }, { val: null, Add: null, Multiply: null }],
  },
  "strings are never null: isempty/isnull/tostring (null-values.md, isempty-function.md, tostring-function.md)": {
    covers: ["isempty", "isnotempty", "isnull", "isnotnull", "tostring", "strlen", "print"],
    query: `print a = isempty(""), b = isnull(""), c = isnotempty("x"), d = isnotnull(int(null)), e = tostring(int(null)), f = strlen(tostring(long(null))), g = isempty(int(null))`,
    rows: [{ a: true, b: false, c: true, d: false, e: "", f: 0, g: true }],
  },

  // ---- logical-operators.md: and binds tighter than or ------------------------------------------
  "precedence: a or b and c (logical-operators.md)": {
    covers: ["and", "or", "not"],
    query: "print a = true or false and false, b = (true or false) and false, c = not(false) and 1 + 2 * 3 == 7, d = iff(bool(null) and true, true, false)",
    rows: [{ a: true, b: false, c: true, d: false }],
  },

  // ---- datatypes-string-operators.md table: every "Example (yields true)" ---------------------------
  "string operator examples (datatypes-string-operators.md)": {
    covers: ["==", "!=", "=~", "!~", "contains", "!contains", "contains_cs", "!contains_cs", "endswith", "!endswith", "endswith_cs",
      "!endswith_cs", "has", "!has", "has_all", "has_any", "has_cs", "!has_cs", "hasprefix", "!hasprefix", "hasprefix_cs",
      "!hasprefix_cs", "hassuffix", "!hassuffix", "hassuffix_cs", "!hassuffix_cs", "in", "!in", "in~", "!in~", "matches regex",
      "startswith", "!startswith", "startswith_cs", "!startswith_cs"],
    query: `print r = pack_array(
"aBc" == "aBc", "abc" != "ABC", "abc" =~ "ABC", "aBc" !~ "xyz",
"FabriKam" contains "BRik", "Fabrikam" !contains "xyz", "FabriKam" contains_cs "Kam", "Fabrikam" !contains_cs "Kam",
"Fabrikam" endswith "Kam", "Fabrikam" !endswith "brik", "Fabrikam" endswith_cs "kam", "Fabrikam" !endswith_cs "brik",
"North America" has "america", "North America" !has "amer", "North and South America" has_all("south", "north"),
"North America" has_any("south", "north"), "North America" has_cs "America", "North America" !has_cs "amer",
"North America" hasprefix "ame", "North America" !hasprefix "mer", "North America" hasprefix_cs "Ame", "North America" !hasprefix_cs "CA",
"North America" hassuffix "ica", "North America" !hassuffix "americ", "North America" hassuffix_cs "ica", "North America" !hassuffix_cs "icA",
"abc" in ("123", "345", "abc"), "bca" !in ("123", "345", "abc"), "Abc" in~ ("123", "345", "abc"), "bCa" !in~ ("123", "345", "ABC"),
"Fabrikam" matches regex "b.*k", "Fabrikam" startswith "fab", "Fabrikam" !startswith "kam", "Fabrikam" startswith_cs "Fab",
"Fabrikam" !startswith_cs "fab")`,
    check: ([r]) => {
      const got = r.r as boolean[];
      expect(got).to.have.length(35);
      got.forEach((v, i) => expect(v, `example #${i + 1}`).to.equal(true));
    },
  },
  "has is term-based, contains is not (datatypes-string-operators.md)": {
    covers: ["has", "contains"],
    query: `print a = "North America" has "ame", b = "North America" contains "ame", c = "KustoExplorerQueryRun" has "Explorer",
d = "KustoExplorerQueryRun" contains "Explorer", e = "Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun" has "c1db",
f = "a.b.contoso.com" has "contoso.com", g = "a.b.contoso.com" has "ontoso.com", h = "a.b.contoso.com" has ".com"`,
    rows: [{ a: false, b: true, c: false, d: true, e: true, f: true, g: false, h: true }],
  },
  "== is case-sensitive, =~ is not; in~ with dynamic arrays (datatypes-string-operators.md)": {
    covers: ["==", "=~", "in~", "dynamic", "!in"],
    query: `print a = "Success" == "success", b = "Success" =~ "success", c = "SUCCEEDED" in~ (dynamic(["Success", "Succeeded"])), d = 4104 in (dynamic([4103, 4104])), e = "x" !in (dynamic(["x"]))`,
    rows: [{ a: false, b: true, c: true, d: true, e: false }],
  },
  "in with a tabular subquery (in-operator.md)": {
    covers: ["in", "project"],
    query: `let T = datatable(u:string)["a","b","c"]; T | where u in ((datatable(bad:string)["b","c","z"] | project bad))`,
    rows: [{ u: "b" }, { u: "c" }],
  },

  // ---- between-operator.md -------------------------------------------------------------------------
  "between numbers, datetimes and a timespan upper bound (between-operator.md)": {
    covers: ["between", "!between"],
    query: `print a = 50 between (50 .. 55), b = 56 between (50 .. 55), c = 56 !between (50 .. 55),
d = datetime(2007-07-29) between (datetime(2007-07-27) .. datetime(2007-07-30)),
e = datetime(2007-07-30 12:00) between (datetime(2007-07-27) .. 3d), f = datetime(2007-07-29) between (datetime(2007-07-27) .. 3d)`,
    rows: [{ a: true, b: false, c: true, d: true, e: false, f: true }],
  },

  // ---- datetime-timespan-arithmetic.md, datetime-diff-function.md, ago-function.md ------------------
  "datetime/timespan arithmetic (datetime-timespan-arithmetic.md)": {
    covers: ["/", "-", "*", "datetime"],
    query: `print a = 1d / 5h, b = 1h / 1s, c = 1.5 * 1h, d = (datetime(2019-01-07 21:45:31.0000000) - datetime(1970-01-01)) / 1s,
e = datetime(1970-01-01) + 1546897531 * 1sec, f = datetime(1997-06-25) - datetime(1910-06-11)`,
    check: ([r]) => {
      expect(r.a).to.equal(4.8);
      expect(r.b).to.equal(3600);
      expect(r.c).to.be.instanceOf(Timespan);
      expect(String(r.c)).to.equal("01:30:00");
      expect(r.d).to.equal(1546897531);
      expect(r.e).to.deep.equal(new Date("2019-01-07T21:45:31Z"));
      expect(r.f).to.be.instanceOf(Timespan);
    },
  },
  "datetime_diff (datetime-diff-function.md example)": {
    covers: ["datetime_diff"],
    query: `print year = datetime_diff('year',datetime(2017-01-01),datetime(2000-12-31)), quarter = datetime_diff('quarter',datetime(2017-07-01),datetime(2017-03-30)),
month = datetime_diff('month',datetime(2017-01-01),datetime(2015-12-30)), week = datetime_diff('week',datetime(2017-10-29 00:00),datetime(2017-09-30 23:59)),
day = datetime_diff('day',datetime(2017-10-29 00:00),datetime(2017-09-30 23:59)), hour = datetime_diff('hour',datetime(2017-10-31 01:00),datetime(2017-10-30 23:59)),
minute = datetime_diff('minute',datetime(2017-10-30 23:05:01),datetime(2017-10-30 23:00:59)), second = datetime_diff('second',datetime(2017-10-30 23:00:10.100),datetime(2017-10-30 23:00:00.900)),
millisecond = datetime_diff('millisecond',datetime(2017-10-30 23:00:00.200100),datetime(2017-10-30 23:00:00.100900))`,
    rows: [{ year: 17, quarter: 2, month: 13, week: 5, day: 29, hour: 2, minute: 5, second: 10, millisecond: 100 }],
  },
  "ago and now are relative to the fixed now (ago-function.md, now-function.md)": {
    covers: ["ago", "now", "startofday", "startofweek", "startofmonth"],
    query: "print a = ago(1h), b = now(), c = now(-1d), d = startofday(now()), e = startofweek(datetime(2024-05-01)), f = startofmonth(now())",
    rows: [{
      a: new Date("2024-05-01T11:00:00Z"), b: new Date("2024-05-01T12:00:00Z"), c: new Date("2024-04-30T12:00:00Z"),
      d: new Date("2024-05-01T00:00:00Z"), e: new Date("2024-04-28T00:00:00Z"), f: new Date("2024-05-01T00:00:00Z"),
    }],
  },
  "ingestion_time() is when the row was ingested (ingestion-time-function.md): _TimeReceived, else TimeGenerated": {
    covers: ["ingestion_time"],
    query: "AzureActivity | where ingestion_time() > ago(5m) | project Caller",
    tables: { AzureActivity: [
      { TimeGenerated: "2024-05-01T11:40:00Z", _TimeReceived: "2024-05-01T11:58:00Z", Caller: "late" },
      { TimeGenerated: "2024-05-01T11:58:00Z", Caller: "on-time" },
      { TimeGenerated: "2024-05-01T11:50:00Z", Caller: "old" },
    ] },
    rows: [{ Caller: "late" }, { Caller: "on-time" }],
  },
  "format_datetime, dayofweek, unixtime_seconds_todatetime (their -function.md pages)": {
    covers: ["format_datetime", "dayofweek", "unixtime_seconds_todatetime"],
    query: "print a = format_datetime(datetime(2015-12-14 02:03:04.12345), 'yyyy-MM-dd [HH:mm:ss.fff]'), b = dayofweek(datetime(1947-11-30 10:00:05)), c = unixtime_seconds_todatetime(1546300800)",
    check: ([r]) => { expect(r.a).to.equal("2015-12-14 [02:03:04.123]"); expect(String(r.b)).to.equal("00:00:00"); expect(r.c).to.deep.equal(new Date("2019-01-01T00:00:00Z")); },
  },

  // ---- conversions (tostring/toint/... -function.md) -----------------------------------------------
  "conversions": {
    covers: ["tostring", "toint", "tolong", "todouble", "toreal", "todecimal", "todatetime", "totimespan", "totime", "tobool", "toboolean", "toguid", "todynamic", "parse_json", "toobject"],
    query: `print a = tostring(123), b = toint("4104"), c = tolong(2.7), d = todouble("1.5"), e = toreal(2), f = todatetime("2015-12-24"), g = totimespan("0.00:01:00"),
h = tobool("TRUE"), i = toguid("74BE27DE-1E4E-49D9-B579-FE0B331D3642"), j = todynamic('{"a":1}').a, k = parse_json("[1,2]")[1], l = toint("abc"),
m = totime("01:00:00"), n = toboolean("false"), o = toobject('{"b":2}').b, p = todecimal("2.5")`,
    check: ([r]) => {
      expect(r).to.deep.include({ a: "123", b: 4104, c: 2, d: 1.5, e: 2, h: true, i: "74be27de-1e4e-49d9-b579-fe0b331d3642", j: 1, k: 2, l: null, n: false, o: 2, p: 2.5 });
      expect(r.f).to.deep.equal(new Date("2015-12-24T00:00:00Z"));
      expect(String(r.g)).to.equal("00:01:00");
      expect(String(r.m)).to.equal("01:00:00");
    },
  },

  // ---- string functions ------------------------------------------------------------------------------
  "string functions (tolower, toupper, trim, substring, strcat, split, replace_string, replace_regex, extract, extract_all, indexof)": {
    covers: ["tolower", "toupper", "trim", "trim_start", "trim_end", "substring", "strcat", "strcat_delim", "split", "replace_string", "replace_regex", "replace", "extract", "extract_all", "indexof", "strcat_array"],
    query: `print a = tolower("AbC"), b = toupper("abc"), c = trim(@"[\\s]+", "  x  "), d = trim_start("-", "--x-"), e = trim_end("-", "--x-"),
f = substring("123456", 1, 3), g = strcat("a", 1, "b"), h = strcat_delim("-", "a", "b"), i = split("aaa_bbb_ccc", "_", 1), j = split("a__b", "_"),
k = replace_string("A magic trick", "magic", "tricky"), l = replace_regex("Number is 42", @"is (\\d+)", @"was: \\1"), m = replace(@"is (\\d+)", @"was \\1", "it is 7"),
n = extract("x=([0-9.]+)", 1, "hello x=45.6|wo"), o = extract_all(@"(\\d+)", "a1b22c333"), p = indexof("abcdefg", "cde"), q = strcat_array(dynamic([1, 2, 3]), "->")`,
    check: ([r]) => {
      expect(r).to.deep.include({ a: "abc", b: "ABC", c: "x", d: "x-", e: "--x", f: "234", g: "a1b", h: "a-b", k: "A tricky trick", l: "Number was: 42", m: "it was 7", n: "45.6", p: 2, q: "1->2->3" });
      expect(r.i).to.deep.equal(["bbb"]);
      expect(r.j).to.deep.equal(["a", "", "b"]);
      expect(r.o).to.deep.equal(["1", "22", "333"]);
    },
  },
  "parse_url (parse-url-function.md)": {
    covers: ["parse_url"],
    query: `print u = parse_url("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment")`,
    check: ([r]) => expect(r.u).to.deep.equal({ Scheme: "scheme", Host: "host", Port: "1234", Path: "/this/is/a/path", Username: "username", Password: "password", "Query Parameters": { k1: "v1", k2: "v2" }, Fragment: "fragment" }),
  },

  // ---- conditionals, numbers ---------------------------------------------------------------------------
  "iff/iif/case/coalesce/column_ifexists (their -function.md pages)": {
    covers: ["iff", "iif", "case", "coalesce", "column_ifexists"],
    query: `datatable(a:long, s:string)[1, "", 5, "x"] | extend i = iif(a > 2, "big", "small"), c = case(a == 1, "one", a == 2, "two", "many"),
co = coalesce(s, iff(true, "fallback", "")), n = coalesce(long(null), a), ce = column_ifexists("s", "none"), cm = column_ifexists("Missing", "none")`,
    ordered: true,
    rows: [
      { a: 1, s: "", i: "small", c: "one", co: "fallback", n: 1, ce: "", cm: "none" },
      { a: 5, s: "x", i: "big", c: "many", co: "x", n: 5, ce: "x", cm: "none" },
    ],
  },
  "round/abs/max_of/min_of and integer vs real division (round-function.md, max-of-function.md)": {
    covers: ["round", "abs", "max_of", "min_of", "/", "%", "sqrt", "pow", "log10", "log", "exp"],
    query: `print a = round(2.98765, 3), b = round(2.15, 1), c = round(2.15), d = round(-50.55, -2), e = round(21.5, -1), f = abs(-5), g = max_of(10, 1, int(null)), h = min_of(10, 1),
i = 7 / 2, j = 7.0 / 2, k = -7 / 2, l = 7 % 3, m = sqrt(16.0), n = pow(2, 10), o = log10(1000.0), p = log(exp(1.0))`,
    rows: [{ a: 2.988, b: 2.2, c: 2, d: -100, e: 20, f: 5, g: 10, h: 1, i: 3, j: 3.5, k: -3, l: 1, m: 4, n: 1024, o: 3, p: 1 }],
  },
  "division by zero: real gives infinity (series-divide-function.md note on double division)": {
    covers: ["/"],
    query: "print a = 1.0 / 0, b = 2 / 0",
    check: ([r]) => { expect(r.a).to.equal(Infinity); expect(r.b).to.equal(null); },   // long / 0 -> null here (undocumented)
  },

  // ---- dynamic (scalar-data-types/dynamic.md and the array/bag -function.md pages) --------------------
  "dynamic access d.a.b, d['a b'], d[0], d[-1]; missing keys are null (dynamic.md)": {
    covers: ["dynamic"],
    query: `print d = dynamic({"a": {"b": 1}, "a b": "x", "arr": [10, 20, 30]}) | project ab = d.a.b, sp = d["a b"], a0 = d.arr[0], aLast = d.arr[-1], absent = d.nope.deeper, s = tostring(d.a)`,
    rows: [{ ab: 1, sp: "x", a0: 10, aLast: 30, absent: null, s: '{"b":1}' }],
  },
  "array and bag functions (array-length, bag-keys, set-has-element, array-index-of, pack-array, bag-pack)": {
    covers: ["array_length", "bag_keys", "bag_has_key", "set_has_element", "array_index_of", "pack_array", "bag_pack", "pack"],
    query: `let arr=dynamic(["this", "is", "an", "example", "an", "example"]);
print a = array_length(dynamic([1, 2, 3])), b = array_length(parse_json('{"a":1}')), c = bag_keys(dynamic({"a":1, "b":2})), d = set_has_element(dynamic(["this", "is"]), "is"),
idx1 = array_index_of(arr,"an"), idx2 = array_index_of(arr,"example",1,3), idx3 = array_index_of(arr,"example",1,2), idx6 = array_index_of(arr, "an", 1, -1, 2), idx8 = array_index_of(arr, "an", -3),
e = pack_array(1, "x"), f = bag_pack("k", 1, "l", "m"), g = pack("k", 2), h = bag_has_key(dynamic({"a":1}), "a")`,
    rows: [{ a: 3, b: null, c: ["a", "b"], d: true, idx1: 2, idx2: 3, idx3: -1, idx6: 4, idx8: 4, e: [1, "x"], f: { k: 1, l: "m" }, g: { k: 2 }, h: true }],
  },
  "array_concat and set functions (array-concat-, set-union-, set-intersect-, set-difference-function.md)": {
    covers: ["array_concat", "set_union", "set_intersect", "set_difference"],
    query: `print c = array_concat(dynamic([1, 2, 4]), dynamic([1, 2])), n = array_concat(dynamic([1]), parse_json('"x"')),
u = set_union(dynamic([1, 2, 3]), dynamic([3, 4]), dynamic([4, 5])), i = set_intersect(dynamic([1, 2, 3, 3]), dynamic([3, 2, 9])),
d = set_difference(dynamic([1, 2, 3, 4]), dynamic([2]), dynamic([4, 8])), s = set_intersect(dynamic(["a", "b"]), dynamic(["B"]))`,
    rows: [{ c: [1, 2, 4, 1, 2], n: null, u: [1, 2, 3, 4, 5], i: [2, 3], d: [1, 3], s: [] }],
  },
  "== between dynamic and string compares the value (dynamic.md)": {
    covers: ["==", "parse_json"],
    query: `print a = parse_json('{"s":"ok"}').s == "ok", b = parse_json('{"n":5}').n == 5, c = parse_json('{"n":5}').n > 4`,
    rows: [{ a: true, b: true, c: true }],
  },

  // ---- ipv4 functions ---------------------------------------------------------------------------------
  "ipv4_is_private / ipv4_is_in_range (their -function.md examples)": {
    covers: ["ipv4_is_private", "ipv4_is_in_range"],
    query: `print a = ipv4_is_private("192.168.1.1/24"), b = ipv4_is_private("10.1.2.3"), c = ipv4_is_private("202.1.2.3"), d = ipv4_is_private("127.0.0.1"), e = ipv4_is_private("not ip"),
f = ipv4_is_in_range("192.168.1.1", "192.168.1.1"), g = ipv4_is_in_range("192.168.1.1", "192.168.1.255/24"), h = ipv4_is_in_range("192.168.2.1", "192.168.1.0/24")`,
    rows: [{ a: true, b: true, c: false, d: false, e: null, f: true, g: true, h: false }],
  },

  // ---- tabular operators ----------------------------------------------------------------------------
  "mv-expand array (mv-expand-operator.md example) and null/empty rules": {
    covers: ["mv-expand"],
    query: `datatable (a: int, b: dynamic)[1, dynamic([10, 20]), 2, dynamic(['a', 'b']), 3, dynamic([]), 4, dynamic(null)] | mv-expand b`,
    ordered: true,
    rows: [{ a: 1, b: 10 }, { a: 1, b: 20 }, { a: 2, b: "a" }, { a: 2, b: "b" }, { a: 4, b: null }],
  },
  "mv-expand bag, kind=array, with_itemindex, to typeof (mv-expand-operator.md)": {
    covers: ["mv-expand"],
    query: `datatable (a: int, b: dynamic)[1, dynamic({"prop1": "a1", "prop2": "b1"})] | mv-expand kind=array with_itemindex=i b | extend k = tostring(b[0])
| union (datatable(c: dynamic)[dynamic([1, "x"])] | mv-expand c to typeof(long))`,
    check: (rows) => {
      expect(rows.filter((r) => r.k !== "").map((r) => [r.k, r.i])).to.deep.equal([["prop1", 0], ["prop2", 1]]);
      expect(rows.filter((r) => r.k === "").map((r) => r.c)).to.deep.equal([1, null]);
    },
  },
  "union with withsource and isfuzzy (union-operator.md)": {
    covers: ["union", "withsource", "isfuzzy"],
    query: `let A = datatable(x:long)[1]; let B = datatable(x:long, y:string)[2, "b"]; union isfuzzy=true withsource=Src A, B | order by x asc`,
    ordered: true,
    rows: [{ Src: "A", x: 1, y: "" }, { Src: "B", x: 2, y: "b" }],
  },
  "sort default desc; nulls first for asc, last for desc (sort-operator.md)": {
    covers: ["sort by", "order by", "nulls"],
    query: `let T = datatable(a:real)[1.0, real(null), 3.0]; T | sort by a | extend o = "desc" | union (T | order by a asc | extend o = "asc") | union (T | order by a asc nulls last | extend o = "asclast")`,
    ordered: true,
    rows: [
      { a: 3, o: "desc" }, { a: 1, o: "desc" }, { a: null, o: "desc" },
      { a: null, o: "asc" }, { a: 1, o: "asc" }, { a: 3, o: "asc" },
      { a: 1, o: "asclast" }, { a: 3, o: "asclast" }, { a: null, o: "asclast" },
    ],
  },
  "top N by (top-operator.md)": {
    covers: ["top"],
    query: "datatable(n:long, s:string)[3, 'c', 1, 'a', 2, 'b'] | top 2 by n",
    ordered: true,
    rows: [{ n: 3, s: "c" }, { n: 2, s: "b" }],
  },
  "take / limit / count / distinct (their -operator.md pages)": {
    covers: ["take", "limit", "count", "distinct"],
    query: `let T = datatable(a:string, b:long)["x", 1, "x", 1, "y", 2]; T | take 2 | count | extend c2 = toscalar(T | limit 1 | count), d = toscalar(T | distinct a, b | count), e = toscalar(T | distinct * | count)`,
    rows: [{ Count: 2, c2: 1, d: 2, e: 2 }],
  },
  "project family (project-operator.md, project-away/keep/rename/reorder)": {
    covers: ["project", "project-away", "project-keep", "project-rename", "project-reorder", "extend"],
    query: `datatable(a:long, b:string, c:real)[1, "x", 2.5] | extend d = a + 1, tolower(b) | project-away c | project-rename B = b | project-reorder d | project-keep d, B, Column1, a`,
    // project-keep keeps the input order, not the argument order (project-keep-operator.md).
    check: (rows) => expect(Object.entries(rows[0])).to.deep.equal([["d", 2], ["a", 1], ["B", "x"], ["Column1", "x"]]),
  },
  "let: scalar, tabular, toscalar, materialize (let-statement.md, toscalar-function.md, materialize-function.md)": {
    covers: ["let", "toscalar", "materialize"],
    query: `let n = 2; let t = materialize(datatable(v:long)[1, 2, 3]); let m = toscalar(t | summarize max(v)); t | where v >= n | extend m`,
    rows: [{ v: 2, m: 3 }, { v: 3, m: 3 }],
  },
};

describe("evaluate(): conformance with the Kusto documentation", () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(name, () => {
      const rows = run(c.query, c.tables);
      if (c.rows) {
        if (c.ordered) expect(rows).to.deep.equal(c.rows);
        else expect(canon(rows)).to.deep.equal(canon(c.rows));
      }
      if (c.check) c.check(rows);
      if (!c.rows && !c.check) throw new Error("case has no expectation");
    });
  }

  it("every supported operator, function and join kind is covered by a case", () => {
    const covered = new Set(Object.values(CASES).flatMap((c) => c.covers));
    const all = [...SUPPORTED.tabularOperators, ...SUPPORTED.joinKinds, ...SUPPORTED.scalarOperators, ...SUPPORTED.functions, ...SUPPORTED.aggregates, ...SUPPORTED.statements.filter((s) => s !== "expression statement")];
    const missing = all.filter((n) => !covered.has(n));
    expect(missing, "supported names without a conformance case").to.deep.equal([]);
  });

  it("a case only claims constructs its query uses", () => {
    for (const [name, c] of Object.entries(CASES)) {
      for (const cov of c.covers) {
        const word = cov.replace(/ by$/, "");
        expect(c.query.toLowerCase().includes(word.toLowerCase()), `${name} claims '${cov}'`).to.equal(true);
      }
    }
  });
});

describe("evaluate(): unsupported constructs and bad input fail loudly", () => {
  const unsupportedCases: [string, string, RegExp][] = [
    ["evaluate bag_unpack", "AzureActivity | evaluate bag_unpack(Properties_d)", /EvaluateOperator/],
    ["make-series", "Event | make-series count() on TimeGenerated step 1h", /MakeSeriesOperator/],
    ["parse", `Event | parse RenderedDescription with * "text" rest`, /ParseOperator/],
    ["unsupported function, even with no rows", `Event | extend g = geo_info_from_ip_address("1.1.1.1")`, /function 'geo_info_from_ip_address'/],
    ["user-defined function", "let f = (x:long) { x + 1 }; print f(1)", /user-defined function/],
    ["union kind=inner", "union kind=inner Event, Syslog", /union parameter 'kind'/],
    ["serialize", "Event | serialize", /SerializeOperator/],
    ["search", `search "x"`, /SearchOperator|SearchExpression/],
  ];
  for (const [name, query, re] of unsupportedCases) {
    it(`${name} -> UnsupportedKqlError`, () => {
      let err: unknown;
      try { run(query); } catch (e) { err = e; }
      expect(err, "expected an error").to.be.instanceOf(UnsupportedKqlError);
      expect((err as Error).message).to.match(re);
      expect((err as Error).message).to.match(/line \d+, column \d+/);
    });
  }

  it("unknown column in a sample row -> SampleDataError naming column and table", () => {
    expect(() => run("Event", { Event: [{ Computr: "vm1" }] })).to.throw(SampleDataError, /'Computr'.*Event/);
  });
  it("unknown table -> SampleDataError", () => {
    expect(() => run("Event", { Evnt: [{}] })).to.throw(SampleDataError, /Evnt/);
  });
  it("value not convertible to the column type -> SampleDataError", () => {
    expect(() => run("Event", { Event: [{ EventID: "x4104" }] })).to.throw(SampleDataError, /EventID/);
    expect(() => run("SigninLogs", { SigninLogs: [{ ResultType: 0 }] })).to.throw(SampleDataError, /ResultType/);
    expect(() => run("Event", { Event: [{ TimeGenerated: "yesterday" }] })).to.throw(SampleDataError, /TimeGenerated/);
  });
  it("a query the analyser rejects -> KqlQueryError", () => {
    expect(() => run("Event | where Foo == 1")).to.throw(KqlQueryError, /KS142/);
  });
  it("more than one result -> KqlQueryError", () => {
    expect(() => run("print 1; print 2")).to.throw(KqlQueryError, /exactly one result/);
  });
});

describe("evaluate(): realistic detection shapes", () => {
  const activity = (over: Row): Row => ({
    TimeGenerated: "2024-05-01T11:30:00Z", OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
    ActivityStatusValue: "Success", Caller: "alice@contoso.com", _ResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
    Properties_d: { resource: "vm1" }, ...over,
  });

  it("RunCommand: =~ on the upper-case operation name and in~ on the status", () => {
    const q = `AzureActivity | where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action" and ActivityStatusValue in~ ("Success", "Succeeded")
| project TimeGenerated, Caller, Vm = tostring(Properties_d.resource)`;
    const rows = run(q, { AzureActivity: [activity({}), activity({ ActivityStatusValue: "Start" }), activity({ OperationNameValue: "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE" })] });
    expect(rows).to.deep.equal([{ TimeGenerated: new Date("2024-05-01T11:30:00Z"), Caller: "alice@contoso.com", Vm: "vm1" }]);
  });

  it("RunCommand joined to PowerShell 4104 on the VM within a bounded time difference", () => {
    const q = `AzureActivity
| where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action" and ActivityStatusValue in~ ("Success", "Succeeded")
| extend Vm = tolower(tostring(split(_ResourceId, "/")[-1]))
| join kind=inner (Event | where Source == "Microsoft-Windows-PowerShell" and EventID == 4104 | extend Vm = tolower(tostring(split(Computer, ".")[0]))) on Vm
| where TimeGenerated1 between (TimeGenerated - 10m .. TimeGenerated + 30m)
| where abs(datetime_diff("minute", TimeGenerated1, TimeGenerated)) <= 30
| project TimeGenerated, Caller, Computer, RenderedDescription`;
    const ev = (t: string, computer: string, id = 4104) => ({ TimeGenerated: t, Source: "Microsoft-Windows-PowerShell", EventID: id, Computer: computer, RenderedDescription: "Creating Scriptblock text (1 of 1): whoami" });
    const rows = run(q, {
      AzureActivity: [activity({})],
      Event: [ev("2024-05-01T11:35:00Z", "VM1.contoso.local"), ev("2024-05-01T13:00:00Z", "vm1"), ev("2024-05-01T11:36:00Z", "vm2"), ev("2024-05-01T11:37:00Z", "vm1", 4103)],
    });
    expect(rows.map((r) => r.Computer)).to.deep.equal(["VM1.contoso.local"]);
  });

  it("baseline: countif last 24h vs previous 24h", () => {
    const q = `AzureActivity
| where TimeGenerated > ago(2d)
| summarize Recent = countif(TimeGenerated > ago(1d)), Previous = countif(TimeGenerated <= ago(1d)) by Caller
| extend Rise = iff(Previous == 0, real(null), 100.0 * (Recent - Previous) / Previous)
| where Recent > Previous`;
    const rows = run(q, {
      AzureActivity: [
        activity({ TimeGenerated: "2024-05-01T10:00:00Z" }), activity({ TimeGenerated: "2024-05-01T09:00:00Z" }), activity({ TimeGenerated: "2024-05-01T08:00:00Z" }),
        activity({ TimeGenerated: "2024-04-30T08:00:00Z" }),
        activity({ TimeGenerated: "2024-04-28T08:00:00Z" }),      // older than 2d: ignored
        activity({ Caller: "bob", TimeGenerated: "2024-05-01T10:00:00Z" }), activity({ Caller: "bob", TimeGenerated: "2024-04-30T10:00:00Z" }),
      ],
    });
    expect(rows).to.deep.equal([{ Caller: "alice@contoso.com", Recent: 3, Previous: 1, Rise: 200 }]);
  });
});
