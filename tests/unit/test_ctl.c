/* daemon/ctl-request.c: control requests are parsed strictly and bounded. */
#include <check.h>
#include <string.h>

#include "common/ctlproto.h"
#include "common/util.h"
#include "tests/unit/testutil.h"
#include "daemon/ctl.h"

static int parse(const char *s, struct ctl_request *req, const char **why)
{
	return ctl_request_parse(s, strlen(s), req, why);
}

START_TEST(test_good)
{
	struct ctl_request req;
	const char *why = NULL;

	ck_assert_int_eq(parse("{\"command\":\"status\"}\n", &req, &why), 0);
	ck_assert_int_eq(req.command, CTL_CMD_STATUS);
	ck_assert_int_eq(parse("{\"command\":\"switchover\",\"to\":\"db2\"}", &req, &why), 0);
	ck_assert_int_eq(req.command, CTL_CMD_SWITCHOVER);
	ck_assert_str_eq(req.to, "db2");
	ck_assert_int_eq(parse("{\"command\":\"reload\"}\r\n", &req, &why), 0);
	ck_assert_int_eq(req.command, CTL_CMD_RELOAD);
	ck_assert_str_eq(ctl_command_name(CTL_CMD_METRICS), "metrics");
}
END_TEST

static const struct {
	const char *text, *why;
} bad[] = {
	{"", "empty request"},
	{"\n", "empty request"},
	{"status", "request is not one JSON object"},
	{"{\"command\":\"status\"", "request is not one JSON object"},
	{"{\"command\":\"status\"} {}", "request is not one JSON object"},
	{"[1,2]", "request has no \"command\" string"},
	{"{\"command\":7}", "request has no \"command\" string"},
	{"{}", "request has no \"command\" string"},
	{"{\"command\":\"reboot\"}", "unknown command"},
	{"{\"command\":\"status\",\"x\":1}", "unknown field in request"},
	{"{\"command\":\"status\",\"to\":\"db2\"}", "unknown field in request"},
	{"{\"command\":\"switchover\",\"to\":5}", "\"to\" must be a string"},
	{"{\"command\":\"switchover\",\"to\":\"\"}", "\"to\" must be a node name of 1 to 63 characters"},
};

START_TEST(test_bad)
{
	struct ctl_request req;
	const char *why = NULL;

	ck_assert_int_lt(parse(bad[_i].text, &req, &why), 0);
	ck_assert_str_eq(why, bad[_i].why);
}
END_TEST

START_TEST(test_bounds)
{
	struct ctl_request req;
	const char *why = NULL;
	char *big = xmalloc(CTL_MAX_REQUEST + 10);
	char nul[] = "{\"command\":\"status\"}";

	memset(big, ' ', CTL_MAX_REQUEST + 9);
	big[CTL_MAX_REQUEST + 9] = '\0';
	ck_assert_int_lt(ctl_request_parse(big, strlen(big), &req, &why), 0);
	ck_assert_str_eq(why, "request too large");
	free(big);
	nul[5] = '\0';
	ck_assert_int_lt(ctl_request_parse(nul, sizeof(nul) - 1, &req, &why), 0);
	ck_assert_str_eq(why, "request contains a NUL byte");
	/* deep nesting is refused by the tokenizer's depth limit, not by the stack */
	big = xmalloc(3000);
	memset(big, '[', 2999);
	big[2999] = '\0';
	ck_assert_int_lt(ctl_request_parse(big, strlen(big), &req, &why), 0);
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_good);
	tcase_add_loop_test(tc, test_bad, 0, (int)ARRAY_SIZE(bad));
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
