/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go text/template semantics, case by case from the text/template and fmt
 * documentation, over the JSON a Go program would decode into interface{}.
 */
#include "unit.h"

#include "core/cleanup.h"
#include "core/json.h"
#include "core/template.h"

static const char *data_json =
	"{\"Name\":\"web\",\"Id\":\"abc123\",\"Count\":3,\"Zero\":0,\"Ratio\":1.5,\"Big\":1000000."
	"0,"
	"\"On\":true,\"Off\":false,\"Null\":null,\"Empty\":\"\",\"None\":[],"
	"\"List\":[\"a\",\"b\",\"c\"],\"Nums\":[1,2,3],"
	"\"Map\":{\"z\":1,\"a\":\"x\",\"m\":[true]},"
	"\"State\":{\"Status\":\"running\",\"Pid\":42,\"Health\":null},"
	"\"Config\":{\"Cmd\":[\"sh\",\"-c\",\"echo hi\"],\"Env\":[\"A=1\"],\"Labels\":{}},"
	"\"Mixed\":[1,\"two\",null,{\"k\":\"v\"}],\"Html\":\"<a&b>\"}";

static json_t *data(void)
{
	json_t *j = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_json_parse(data_json, strlen(data_json), "data", &j, &err), err);
	return j;
}

/* Runs tmpl over the test data; returns the output, or the error message prefixed "ERR:". */
static char *run(const char *tmpl)
{
	_cleanup_(berth_template_freep) struct berth_template *t = NULL;
	_cleanup_json_ json_t *d = data();
	struct berth_error *err = NULL;
	struct berth_buf out = BERTH_BUF_INIT;
	int r = berth_template_parse(tmpl, &t, &err);
	if (r >= 0)
		r = berth_template_execute(t, d, 0, &out, &err);
	if (r < 0) {
		berth_buf_reset(&out);
		berth_buf_addf(&out, "ERR:%s", berth_error_msg(err));
		berth_error_free(&err);
	}
	return berth_buf_detach(&out, NULL);
}

#define EXPECT(tmpl, want)                                                                         \
	do {                                                                                       \
		_cleanup_free_ char *got_ = run(tmpl);                                             \
		if (strcmp(got_, want) != 0)                                                       \
			fail_msg("template %s: got '%s', want '%s'", tmpl, got_, want);            \
	} while (0)

static void test_text_and_fields(void **state)
{
	EXPECT("plain text", "plain text");
	EXPECT("", "");
	EXPECT("{{.Name}}", "web");
	EXPECT("id={{.Id}} n={{.Count}}", "id=abc123 n=3");
	EXPECT("{{.State.Status}}/{{.State.Pid}}", "running/42");
	EXPECT("{{.Ratio}} {{.Big}} {{.On}} {{.Off}}", "1.5 1e+06 true false");
	/* a missing map key is Go's zero value of interface{}: no value */
	EXPECT("{{.Nope}}", "<no value>");
	EXPECT("{{.State.Nope}}", "<no value>");
	EXPECT("{{.Nope.Deeper}}", "<no value>");
	/* a pipeline of null yields no value; a field of null is a nil pointer */
	EXPECT("{{.Null}}", "<no value>");
	EXPECT("{{.State.Health.Status}}",
	       "ERR:template: :1:2: executing \"\" at <.State.Health.Status>: nil pointer "
	       "evaluating interface {}.Status");
	EXPECT("{{.Name.X}}", "ERR:template: :1:2: executing \"\" at <.Name.X>: can't evaluate "
			      "field X in type string");
	EXPECT("{{.}}",
	       "map[Big:1e+06 Config:map[Cmd:[sh -c echo hi] Env:[A=1] Labels:map[]] "
	       "Count:3 Empty: Html:<a&b> Id:abc123 List:[a b c] Map:map[a:x m:[true] z:1] "
	       "Mixed:[1 two <nil> map[k:v]] Name:web None:[] Null:<nil> Nums:[1 2 3] Off:false "
	       "On:true Ratio:1.5 State:map[Health:<nil> Pid:42 Status:running] Zero:0]");
}

static void test_go_printing(void **state)
{
	EXPECT("{{.Config.Cmd}}", "[sh -c echo hi]");
	EXPECT("{{.Map}}", "map[a:x m:[true] z:1]");
	EXPECT("{{.Mixed}}", "[1 two <nil> map[k:v]]");
	EXPECT("{{.None}} {{.Config.Labels}}", "[] map[]");
	EXPECT("{{0.000012}} {{123456.0}} {{1234567.0}} {{-2.50}}",
	       "1.2e-05 123456 1.234567e+06 -2.5");
}

static void test_json(void **state)
{
	EXPECT("{{json .Config}}",
	       "{\"Cmd\":[\"sh\",\"-c\",\"echo hi\"],\"Env\":[\"A=1\"],\"Labels\":{}}");
	EXPECT("{{json .Name}}", "\"web\"");
	EXPECT("{{json .Nope}}", "null");
	EXPECT("{{json .Null}}", "null");
	/* docker turns off HTML escaping */
	EXPECT("{{json .Html}}", "\"<a&b>\"");
	EXPECT("{{.Config.Env | json}}", "[\"A=1\"]");
}

static void test_trim_and_comments(void **state)
{
	EXPECT("a  {{- .Name -}}  b", "awebb");
	EXPECT("a \n {{- .Name}} \n b", "aweb \n b");
	EXPECT("{{/* a comment */}}x", "x");
	EXPECT("a {{- /* c */ -}} b", "ab");
	EXPECT("{{-3}}", "-3");
	EXPECT("{{/* open", "ERR:template: :1: unclosed comment");
	EXPECT("{{/* c */ }}", "ERR:template: :1: comment ends before closing delimiter");
}

static void test_literals(void **state)
{
	EXPECT("{{\"quoted\\tstr\"}}|{{`raw\\t`}}", "quoted\tstr|raw\\t");
	EXPECT("{{\"\\x41\\u00e9\\101\"}}", "A\xc3\xa9"
					    "A");
	EXPECT("{{'a'}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{1e3}}",
	       "97 31 15 15 5 1000 1000");
	EXPECT("{{true}} {{false}}", "true false");
	EXPECT("{{nil}}", "ERR:template: :1:2: executing \"\" at <nil>: nil is not a command");
	EXPECT("{{08}}", "ERR:template: :1: bad number syntax: \"08\"");
	EXPECT("{{1i}}", "ERR:template: :1: bad number syntax: \"1i\"");
}

static void test_if(void **state)
{
	EXPECT("{{if .On}}yes{{end}}", "yes");
	EXPECT("{{if .Off}}yes{{else}}no{{end}}", "no");
	EXPECT("{{if .Zero}}a{{else if .Empty}}b{{else if .None}}c{{else if "
	       ".Null}}d{{else}}e{{end}}",
	       "e");
	EXPECT("{{if .Nope}}a{{else if .Count}}b{{end}}", "b");
	EXPECT("{{if .Map}}m{{end}}{{if .Config.Labels}}l{{end}}{{if .Ratio}}r{{end}}", "mr");
	EXPECT("{{if and .On .Count}}both{{end}}", "both");
	EXPECT("{{and .On .Zero .Nope}}|{{or .Zero .Empty .Name}}|{{or .Zero .Empty}}", "0|web|");
	EXPECT("{{not .On}} {{not .Null}} {{not .Nope}}", "false true true");
	/* and/or stop at the first result: the failing index is never evaluated */
	EXPECT("{{if or .On (index .List 9)}}ok{{end}}", "ok");
	EXPECT("{{if}}", "ERR:template: :1: missing value for if");
	EXPECT("{{if .On}}x", "ERR:template: :1: unexpected EOF");
	EXPECT("{{end}}", "ERR:template: :1: unexpected {{end}}");
	EXPECT("{{range .List}}{{else if .X}}{{end}}",
	       "ERR:template: :1: unexpected {{else if}} in range");
}

static void test_range(void **state)
{
	EXPECT("{{range .List}}[{{.}}]{{end}}", "[a][b][c]");
	EXPECT("{{range $i, $e := .List}}{{$i}}={{$e}} {{end}}", "0=a 1=b 2=c ");
	EXPECT("{{range $e := .Nums}}{{$e}}{{end}}", "123");
	/* maps range in sorted key order */
	EXPECT("{{range $k, $v := .Map}}{{$k}}:{{$v}};{{end}}", "a:x;m:[true];z:1;");
	EXPECT("{{range .None}}x{{else}}empty{{end}}", "empty");
	EXPECT("{{range .Nope}}x{{else}}none{{end}}", "none");
	EXPECT("{{range .Null}}x{{end}}.", ".");
	EXPECT("{{range 3}}{{.}}{{end}}", "012");
	EXPECT("{{range .Nums}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", "13");
	EXPECT("{{range .Nums}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}", "1");
	/* range variables live until {{end}}; dot is restored after it; a null element is no value */
	EXPECT("{{range $x := .List}}{{end}}{{$x}}", "ERR:template: :1: undefined variable \"$x\"");
	EXPECT("{{range .State}}{{.}},{{end}}{{.Name}}", "<no value>,42,running,web");
	EXPECT("{{range .List}}{{with $.State}}{{if eq .Pid 42}}{{break}}{{end}}{{end}}x{{end}}.",
	       ".");
	EXPECT("{{range $i, $e := 2}}{{end}}",
	       "ERR:template: :1:8: executing \"\" at <range>: "
	       "can't use 2 to iterate over more than one variable");
	EXPECT("{{range .Name}}{{end}}",
	       "ERR:template: :1:8: executing \"\" at <range>: range can't iterate over web");
	EXPECT("{{break}}", "ERR:template: :1: {{break}} outside {{range}}");
	/* $ is the data everywhere */
	EXPECT("{{range .List}}{{$.Name}}{{end}}", "webwebweb");
}

static void test_with_and_variables(void **state)
{
	EXPECT("{{with .State}}{{.Status}}{{end}}", "running");
	EXPECT("{{with .Nope}}x{{else}}no{{end}}", "no");
	EXPECT("{{with .Zero}}x{{else with .Name}}{{.}}{{end}}", "web");
	EXPECT("{{with $s := .State.Status}}{{$s}}{{end}}", "running");
	EXPECT("{{$x := .Count}}{{$x}}", "3");
	EXPECT("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2");
	EXPECT("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "21");
	EXPECT("{{$x.A}}", "ERR:template: :1: undefined variable \"$x\"");
	EXPECT("{{if true}}{{$y := 1}}{{end}}{{$y}}",
	       "ERR:template: :1: undefined variable \"$y\"");
	EXPECT("{{$m := .Map}}{{$m.a}}", "x");
	/* declared by the range but not bound while its pipeline runs (Go: an exec error) */
	EXPECT("{{range $k, $v := $k}}{{$v}}{{end}}",
	       "ERR:template: :1:18: executing \"\" at <$k>: undefined variable: $k");
	EXPECT("{{(.State).Status}} {{(index .Mixed 3).k}}", "running v");
}

static void test_index_len_slice(void **state)
{
	EXPECT("{{index .List 1}} {{index .Map \"a\"}} {{index .Map \"nope\"}}", "b x <no value>");
	EXPECT("{{index .Map \"m\" 0}} {{index .Name 0}}", "true 119");
	EXPECT("{{index .List 5}}", "ERR:template: :1:2: executing \"\" at <index .List 5>: error "
				    "calling index: index out of range: 5");
	EXPECT("{{index .Map 1}}", "ERR:template: :1:2: executing \"\" at <index .Map 1>: error "
				   "calling index: value has type int; should be string");
	EXPECT("{{len .List}} {{len .Map}} {{len .Name}} {{len .None}}", "3 3 3 0");
	EXPECT("{{index .List -1}}", "ERR:template: :1:2: executing \"\" at <index .List -1>: "
				     "error calling index: index out of range: -1");
	EXPECT("{{slice .Name 1 10}}", "ERR:template: :1:2: executing \"\" at <slice .Name 1 10>: "
				       "error calling slice: index out of range: 10");
	EXPECT("{{len \"h\u00e9\"}}", "3");
	EXPECT("{{len .Count}}",
	       "ERR:template: :1:2: executing \"\" at <len .Count>: error calling "
	       "len: len of type int");
	EXPECT("{{slice .List 1}} {{slice .Name 1 2}} {{slice .Nums 0 0}}", "[b c] e []");
	EXPECT("{{slice .List 2 1}}", "ERR:template: :1:2: executing \"\" at <slice .List 2 1>: "
				      "error calling slice: invalid slice index: 2 > 1");
}

static void test_comparisons(void **state)
{
	EXPECT("{{eq .Name \"web\"}} {{eq .Count 3}} {{eq .Count 1 2 3}} {{ne .Count 3}}",
	       "true true true false");
	EXPECT("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}", "true true true false");
	EXPECT("{{eq .Nope \"x\"}} {{eq .Null .Nope}}", "false true");
	EXPECT("{{eq .Count \"3\"}}", "ERR:template: :1:2: executing \"\" at <eq .Count \"3\">: "
				      "error calling eq: incompatible types for comparison");
	EXPECT("{{lt .On .Off}}", "ERR:template: :1:2: executing \"\" at <lt .On .Off>: error "
				  "calling lt: invalid type for comparison");
	EXPECT("{{eq 1}}", "ERR:template: :1:2: executing \"\" at <eq 1>: error calling eq: "
			   "missing argument for comparison");
	EXPECT("{{ne 1}}", "ERR:template: :1:2: executing \"\" at <ne 1>: wrong number of args for "
			   "ne: want 2 got 1");
}

static void test_docker_functions(void **state)
{
	EXPECT("{{join .List \", \"}}", "a, b, c");
	EXPECT("{{join .Config.Cmd \" \"}}", "sh -c echo hi");
	EXPECT("{{lower \"MiXeD\"}} {{upper .Name}} {{title \"hello big-world_x\"}}",
	       "mixed WEB Hello Big-World_x");
	EXPECT("{{split \"a:b::c\" \":\"}} {{len (split \"\" \",\")}} {{split \"ab\" \"\"}}",
	       "[a b  c] 1 [a b]");
	EXPECT("{{pad .Name 2 1}}|{{pad \"\" 2 2}}|{{truncate .Id 3}}|{{truncate .Id 10}}",
	       "  web ||abc|abc123");
	EXPECT("{{.Name | upper | printf \"%s!\"}}", "WEB!");
	EXPECT("{{join .Name \",\"}}", "ERR:template: :1:2: executing \"\" at <join .Name \",\">: "
				       "wrong type for value; expected []string; got string");
	EXPECT("{{upper .Count}}", "ERR:template: :1:2: executing \"\" at <upper .Count>: wrong "
				   "type for value; expected string; got int");
	EXPECT("{{nope}}", "ERR:template: :1: function \"nope\" not defined");
	EXPECT("{{template \"x\"}}", "ERR:template: :1: {{template}} is not supported");
}

static void test_print_functions(void **state)
{
	/* Sprint: a space between operands when neither is a string */
	EXPECT("{{print \"a\" 1 2 \"b\" .On 3}}", "a1 2btrue 3");
	EXPECT("{{println .Name .Count}}", "web 3\n");
	EXPECT("{{printf \"%s-%d-%v-%q-%5.1f|%-4s|%04d|%x|%X|%t|%%\" .Name .Count .List .Name "
	       ".Ratio "
	       "\"ab\" 7 255 \"hi\" .On}}",
	       "web-3-[a b c]-\"web\"-  1.5|ab  |0007|ff|6869|true|%");
	EXPECT("{{printf \"%d\" .Name}}", "%!d(string=web)");
	EXPECT("{{printf \"%s %s\" .Name}}", "web %!s(MISSING)");
	EXPECT("{{printf \"%s\" .Name 1}}", "web%!(EXTRA int=1)");
	EXPECT("{{printf \"%.2s|%6.2f|%e|%g|%c|%U\" \"héllo\" 3.14159 1.5 0.1 9731 9731}}",
	       "hé|  3.14|1.500000e+00|0.1|\xe2\x98\x83|U+2603");
	EXPECT("{{printf \"%*d|%-*d|\" 4 1 3 2}}", "   1|2  |");
	EXPECT("{{printf \"%v %v\" .Nope .Null}}", "<nil> <nil>");
	EXPECT("{{printf \"%99999999d\" 1}}", "%!(BADWIDTH)1");
	EXPECT("{{printf \"%T %T %T %T %T %T\" .Name .Count .Ratio .List .Map .On}}",
	       "string int float64 []interface {} map[string]interface {} bool");
	EXPECT("{{printf \"%+d|% d|%#x|%#o|%b|%08.3f|%-6.2e|\" 5 5 255 8 5 3.14159 1234.5}}",
	       "+5| 5|0xff|010|101|0003.142|1.23e+03|");
}

static void test_pipelines_and_errors(void **state)
{
	EXPECT("{{.Config.Cmd | len}}", "3");
	EXPECT("{{\"x\" | printf \"%s%s\" \"y\"}}", "yx");
	EXPECT("{{.Name | .State}}",
	       "ERR:template: :1:10: executing \"\" at <.State>: State is not "
	       "a method but has arguments");
	EXPECT("{{.Name 1}}", "ERR:template: :1:2: executing \"\" at <.Name>: Name is not a method "
			      "but has arguments");
	/* as Go, a field of no value takes arguments silently; of a map it cannot */
	EXPECT("{{.Nope.X 1}}", "<no value>");
	EXPECT("{{$m := .Map}}{{$m.a 1}}",
	       "ERR:template: :1:16: executing \"\" at <$m.a>: a is not a "
	       "method but has arguments");
	EXPECT("{{. 1}}", "ERR:template: :1:2: executing \"\" at <. 1>: can't give argument to "
			  "non-function .");
	EXPECT("{{.Name | 1}}", "ERR:template: :1: non executable command in pipeline stage 2");
	EXPECT("{{}}", "ERR:template: :1: missing value for command");
	EXPECT("{{.Name", "ERR:template: :1: unclosed action");
	EXPECT("{{.Name )}}", "ERR:template: :1: unexpected \")\" in operand");
	EXPECT("{{(.Name}}", "ERR:template: :1: unclosed left paren");
	EXPECT("a\nb\n{{.Name.X}}", "ERR:template: :3:2: executing \"\" at <.Name.X>: can't "
				    "evaluate field X in type string");
	EXPECT("{{.Name @}}", "ERR:template: :1: bad character @");
}

static void test_limits(void **state)
{
	_cleanup_free_ char *deep = calloc(1, 1000);
	memcpy(deep, "{{", 2);
	for (int i = 0; i < 200; i++)
		deep[2 + i] = '(';
	_cleanup_free_ char *got = run(deep);
	assert_non_null(strstr(got, "max expression depth exceeded"));
	_cleanup_free_ char *spin = run("{{range 100000000}}{{end}}");
	assert_non_null(strstr(spin, "more than"));
	_cleanup_free_ char *grow = run("{{$s := \"xxxxxxxxxxxxxxxx\"}}{{range 40}}{{$s = printf "
					"\"%s%s\" $s $s}}{{end}}");
	assert_non_null(strstr(grow, "longer than"));
}

static void test_missingkey_error(void **state)
{
	_cleanup_(berth_template_freep) struct berth_template *t = NULL;
	_cleanup_json_ json_t *d = data();
	struct berth_error *err = NULL;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	assert_ok(berth_template_parse("{{.State.Status}} {{index .Map \"nope\"}} {{.State.Nope}}",
				       &t, &err),
		  err);
	assert_int_equal(berth_template_execute(t, d, BERTH_TEMPLATE_MISSINGKEY_ERROR, &out, &err),
			 -EINVAL);
	assert_string_equal(berth_error_msg(err),
			    "template: :1:42: executing \"\" at <.State.Nope>: "
			    "map has no entry for key \"Nope\"");
	berth_error_free(&err);
	/* what came before the failing action is written, as Go does */
	assert_string_equal(out.buf, "running <no value> ");
}

static void test_header_mode(void **state)
{
	_cleanup_(berth_template_freep) struct berth_template *t = NULL;
	_cleanup_json_ json_t *hdr = json_pack("{s:s,s:s}", "ID", "CONTAINER ID", "Names", "NAMES");
	struct berth_error *err = NULL;
	_cleanup_buf_ struct berth_buf out = BERTH_BUF_INIT;
	assert_ok(berth_template_parse(
			  "{{.ID}}\t{{lower .Names}}\t{{json .ID}}\t{{pad .Names 1 1}}", &t, &err),
		  err);
	assert_ok(berth_template_execute(t, hdr, BERTH_TEMPLATE_HEADER, &out, &err), err);
	/* Docker's header functions: pad alone still works, to keep columns aligned */
	assert_string_equal(out.buf, "CONTAINER ID\tNAMES\tCONTAINER ID\t NAMES ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_fields),
		cmocka_unit_test(test_go_printing),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_trim_and_comments),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_if),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_with_and_variables),
		cmocka_unit_test(test_index_len_slice),
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_docker_functions),
		cmocka_unit_test(test_print_functions),
		cmocka_unit_test(test_pipelines_and_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_missingkey_error),
		cmocka_unit_test(test_header_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
