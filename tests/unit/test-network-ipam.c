/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include "core/error.h"
#include "network/network.h"

static void test_subnet_parse(void **state)
{
	struct berth_subnet s;
	struct berth_error *err = NULL;
	assert_ok(berth_subnet_parse("172.18.0.0/16", &s, &err), err);
	assert_int_equal(s.net, (172u << 24) | (18u << 16));
	assert_int_equal(s.prefix, 16);
	assert_int_equal(berth_subnet_parse("172.18.0.1/16", &s, &err), -EINVAL);
	assert_non_null(strstr(berth_error_msg(err), "172.18.0.0/16"));
	berth_error_free(&err);
	assert_int_equal(berth_subnet_parse("172.18.0.0", &s, NULL), -EINVAL);
	assert_int_equal(berth_subnet_parse("172.18.0.0/33", &s, NULL), -EINVAL);
	assert_int_equal(berth_subnet_parse("172.18.0.0/", &s, NULL), -EINVAL);
	assert_int_equal(berth_subnet_parse("172.18.0.0/1x", &s, NULL), -EINVAL);
	assert_int_equal(berth_subnet_parse("999.18.0.0/16", &s, NULL), -EINVAL);
	assert_int_equal(berth_subnet_parse("1111111111111111.1/8", &s, NULL), -EINVAL);
	assert_int_equal(berth_subnet_parse(NULL, &s, NULL), -EINVAL);
}

static void test_overlaps(void **state)
{
	struct berth_subnet a, b, c;
	assert_int_equal(berth_subnet_parse("10.0.0.0/8", &a, NULL), 0);
	assert_int_equal(berth_subnet_parse("10.88.1.0/24", &b, NULL), 0);
	assert_int_equal(berth_subnet_parse("192.168.0.0/20", &c, NULL), 0);
	assert_true(berth_subnet_overlaps(&a, &b));
	assert_true(berth_subnet_overlaps(&b, &a));
	assert_false(berth_subnet_overlaps(&a, &c));
	assert_true(berth_subnet_contains(&b, (10u << 24) | (88u << 16) | (1u << 8) | 7));
	assert_false(berth_subnet_contains(&b, (10u << 24) | (88u << 16) | (2u << 8) | 7));
}

static void test_choose_subnet(void **state)
{
	struct berth_subnet s;
	struct berth_error *err = NULL;
	char buf[16];
	/* nothing taken: Docker's first pool */
	assert_ok(berth_ipam_choose_subnet((char *[]){NULL}, &s, &err), err);
	berth_ipv4_format(s.net, buf);
	assert_string_equal(buf, "172.17.0.0");
	assert_int_equal(s.prefix, 16);
	/* a host address inside 172.17 and a route over 172.18-19 push it to 172.20 */
	assert_ok(
		berth_ipam_choose_subnet(
			(char *[]){"172.17.5.4/32", "172.18.0.0/15", "10.0.0.0/8", NULL}, &s, &err),
		err);
	berth_ipv4_format(s.net, buf);
	assert_string_equal(buf, "172.20.0.0");
	/* a default-like wide route over all of 172.16/12 moves to 192.168 */
	assert_ok(berth_ipam_choose_subnet((char *[]){"172.16.0.0/12", "192.168.1.1/32", NULL}, &s,
					   &err),
		  err);
	berth_ipv4_format(s.net, buf);
	assert_string_equal(buf, "192.168.16.0");
	assert_int_equal(s.prefix, 20);
	/* everything taken */
	assert_int_equal(berth_ipam_choose_subnet((char *[]){"128.0.0.0/1", NULL}, &s, &err),
			 -ENOSPC);
	berth_error_free(&err);
}

static void test_next_free(void **state)
{
	struct berth_subnet s;
	struct berth_error *err = NULL;
	uint32_t gw, a;
	assert_int_equal(berth_subnet_parse("10.1.2.0/29", &s, NULL), 0);
	assert_int_equal(berth_ipv4_parse("10.1.2.1", &gw, NULL), 0);
	assert_ok(berth_ipam_next_free(&s, gw, NULL, 0, &a, &err), err);
	assert_int_equal(a, gw + 1);
	uint32_t used[] = {gw + 1, gw + 3};
	assert_ok(berth_ipam_next_free(&s, gw, used, 2, &a, &err), err);
	assert_int_equal(a, gw + 2);
	/* .2 .. .6 are the hosts; .7 is the broadcast and never handed out */
	uint32_t full[] = {gw + 1, gw + 2, gw + 3, gw + 4, gw + 5};
	assert_int_equal(berth_ipam_next_free(&s, gw, full, 5, &a, &err), -ENOSPC);
	berth_error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subnet_parse),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_choose_subnet),
		cmocka_unit_test(test_next_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
