/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>

#include <nftables/libnftables.h>

#include "netns-fixture.h"

#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "network/nat.h"
#include "network/ports.h"

/* ---- -p parsing: Docker's nat.ParsePortSpec ---- */

static size_t parse(const char *spec, struct berth_port_map **maps)
{
	struct berth_error *err = NULL;
	size_t n = 0;
	*maps = NULL;
	int r = berth_port_spec_parse(spec, maps, &n, &err);
	assert_ok(r, err);
	return n;
}

static void expect_error(const char *spec, const char *msg)
{
	struct berth_error *err = NULL;
	struct berth_port_map *maps = NULL;
	size_t n = 0;
	assert_int_equal(berth_port_spec_parse(spec, &maps, &n, &err), -EINVAL);
	assert_string_equal(err->msg, msg);
	assert_int_equal(n, 0);
	assert_null(maps);
	berth_error_free(&err);
}

static void test_spec_forms(void **state)
{
	_cleanup_free_ struct berth_port_map *m = NULL;
	assert_int_equal(parse("8080", &m), 1);
	assert_string_equal(m[0].host_ip, "");
	assert_int_equal(m[0].host_port, 0);
	assert_int_equal(m[0].container_port, 8080);
	assert_int_equal(m[0].proto, IPPROTO_TCP);
	free(m);

	assert_int_equal(parse("127.0.0.1:18080:8080/udp", &m), 1);
	assert_string_equal(m[0].host_ip, "127.0.0.1");
	assert_int_equal(m[0].host_port, 18080);
	assert_int_equal(m[0].container_port, 8080);
	assert_int_equal(m[0].proto, IPPROTO_UDP);
	free(m);

	assert_int_equal(parse("127.0.0.1::80", &m), 1); /* IP, ephemeral host port */
	assert_string_equal(m[0].host_ip, "127.0.0.1");
	assert_int_equal(m[0].host_port, 0);
	free(m);

	assert_int_equal(parse("8000-8002:9000-9002/TCP", &m), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(m[i].host_port, 8000 + i);
		assert_int_equal(m[i].container_port, 9000 + i);
		assert_int_equal(m[i].host_port_end, 0);
	}
	free(m);

	/* a host range for one container port: publish picks one of them */
	assert_int_equal(parse("8000-8009:80", &m), 1);
	assert_int_equal(m[0].host_port, 8000);
	assert_int_equal(m[0].host_port_end, 8009);
	free(m);

	assert_int_equal(parse("80/", &m), 1); /* SplitProtoPort: empty proto is tcp */
	assert_int_equal(m[0].proto, IPPROTO_TCP);
	free(m);

	/* appends to what is there */
	size_t n = 0;
	struct berth_error *err = NULL;
	m = NULL;
	assert_ok(berth_port_spec_parse("1", &m, &n, &err), err);
	assert_ok(berth_port_spec_parse("2-3", &m, &n, &err), err);
	assert_int_equal(n, 3);
	assert_int_equal(m[2].container_port, 3);
}

static void test_spec_errors(void **state)
{
	expect_error("", "no port specified: <empty>");
	expect_error("1.2.3.4::", "no port specified: 1.2.3.4::<empty>");
	expect_error("foo", "invalid containerPort: foo");
	expect_error("80-70", "invalid containerPort: 80-70");
	expect_error("65536", "invalid containerPort: 65536");
	expect_error("+80", "invalid containerPort: +80");
	expect_error("x:80", "invalid hostPort: x");
	expect_error("1.2.3:80:80", "invalid IP address: 1.2.3");
	expect_error("80/icmp", "invalid proto: icmp");
	expect_error("8000-8001:80-82",
		     "invalid ranges specified for container and host Ports: 80-82 "
		     "and 8000-8001");
	expect_error("[::1:80:80", "invalid IP address [::1");
	expect_error("[::1]:80:80", "invalid IP address: ::1 (berth publishes IPv4 only)");
}

static void test_exposed(void **state)
{
	struct berth_error *err = NULL;
	struct berth_port_map m;
	assert_ok(berth_port_exposed_parse("53/udp", &m, &err), err);
	assert_int_equal(m.container_port, 53);
	assert_int_equal(m.proto, IPPROTO_UDP);
	assert_int_equal(m.host_port, 0);
	assert_int_equal(berth_port_exposed_parse("1:2", &m, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_port_exposed_parse("x/tcp", &m, &err), -EINVAL);
	berth_error_free(&err);
}

/* ---- allocation, in a private netns ---- */

static bool rules_mention(const char *what)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	bool found = nft_run_cmd_from_buffer(ctx, "list ruleset") == 0 &&
		     strstr(nft_ctx_get_output_buffer(ctx), what);
	nft_ctx_free(ctx);
	return found;
}

static int publish(const char *dir, const char *owner, const char *spec, struct berth_port_map *ret,
		   struct berth_error **err)
{
	struct berth_port_map *maps = NULL;
	size_t n = 0;
	int r = berth_port_spec_parse(spec, &maps, &n, err);
	if (r == 0)
		r = berth_net_ports_publish(dir, owner, "10.88.0.5", maps, n, err);
	if (r == 0 && ret)
		*ret = maps[0];
	free(maps);
	return r;
}

static bool only_alive_b(const char *owner, void *data)
{
	(*(int *)data)++;
	return strcmp(owner, "b") == 0;
}

static int body_allocation(void *data)
{
	char dir[] = "/tmp/berth-ports-XXXXXX";
	NETNS_CHECK(mkdtemp(dir));
	struct berth_error *err = NULL;
	struct berth_port_map m;

	NETNS_CHECK_OK(publish(dir, "a", "127.0.0.1:18080:8080", &m, &err), err);
	NETNS_CHECK(rules_mention("tcp . 127.0.0.1 . 18080 comment \"port:a\" : 10.88.0.5 . 8080"));

	/* taken by another owner, on the same address or every address */
	NETNS_CHECK(publish(dir, "b", "127.0.0.1:18080:80", NULL, &err) == -EADDRINUSE);
	NETNS_CHECK(strcmp(err->msg, "port 127.0.0.1:18080 is already allocated") == 0);
	berth_error_free(&err);
	NETNS_CHECK(publish(dir, "b", "18080:80", NULL, &err) == -EADDRINUSE);
	NETNS_CHECK(strcmp(err->msg, "port 0.0.0.0:18080 is already allocated") == 0);
	berth_error_free(&err);
	/* all or nothing: the first map was free, the second is not */
	struct berth_port_map two[2] = {
		{.host_port = 18085, .container_port = 1, .proto = IPPROTO_TCP},
		{.host_ip = "127.0.0.1",
		 .host_port = 18080,
		 .container_port = 2,
		 .proto = IPPROTO_TCP},
	};
	NETNS_CHECK(berth_net_ports_publish(dir, "b", "10.88.0.6", two, 2, &err) == -EADDRINUSE);
	berth_error_free(&err);
	NETNS_CHECK(!rules_mention("port:b") && !rules_mention("18085"));
	/* udp is another port */
	NETNS_CHECK_OK(publish(dir, "b", "127.0.0.1:18080:80/udp", NULL, &err), err);

	/* bound by a process of the host */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(18090)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	NETNS_CHECK(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(s, 1) == 0);
	NETNS_CHECK(publish(dir, "c", "18090:80", NULL, &err) == -EADDRINUSE);
	NETNS_CHECK(strcmp(err->msg, "port 0.0.0.0:18090 is already allocated") == 0);
	berth_error_free(&err);
	/* a range skips it */
	NETNS_CHECK_OK(publish(dir, "c", "127.0.0.1:18090-18091:80", &m, &err), err);
	NETNS_CHECK(m.host_port == 18091 && m.host_port_end == 0);
	close(s);

	/* ephemeral: from ip_local_port_range */
	NETNS_CHECK_OK(publish(dir, "d", "80", &m, &err), err);
	unsigned lo = 0, hi = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	NETNS_CHECK(f && fscanf(f, "%u %u", &lo, &hi) == 2);
	fclose(f);
	NETNS_CHECK(m.host_port >= lo && m.host_port <= hi);
	struct berth_port_map *list = NULL;
	size_t n = 0;
	NETNS_CHECK_OK(berth_net_ports_list(dir, "d", &list, &n, &err), err);
	NETNS_CHECK(n == 1 && list[0].host_port == m.host_port);
	free(list);

	/* unpublish releases: b can take a's port now */
	NETNS_CHECK_OK(berth_net_ports_unpublish(dir, "a", &err), err);
	NETNS_CHECK_OK(berth_net_ports_unpublish(dir, "a", &err), err);
	NETNS_CHECK(!rules_mention("port:a"));
	NETNS_CHECK_OK(publish(dir, "b", "127.0.0.1:18080:80", NULL, &err), err);
	/* publishing b again replaced its udp port */
	NETNS_CHECK(!rules_mention("udp . 127.0.0.1 . 18080"));

	/* rules no allocation accounts for: e's are found by owner */
	struct berth_port_map stray = {
		.host_port = 18099, .container_port = 80, .proto = IPPROTO_TCP};
	NETNS_CHECK_OK(berth_net_nat_ports_add("e", "10.88.0.9", &stray, 1, true, &err), err);
	char **owners = NULL;
	NETNS_CHECK_OK(berth_net_nat_owners("port", &owners, &err), err);
	NETNS_CHECK(owners && berth_strv_len(owners) == 4); /* b c d e */
	NETNS_CHECK(berth_strv_contains(owners, "e") && !berth_strv_contains(owners, "a"));
	berth_strv_free(owners);

	/* reclaim: c, d (allocated) and e (rules only) are dead */
	int calls = 0;
	int r = berth_net_ports_reclaim(dir, only_alive_b, &calls, true, &err);
	NETNS_CHECK_OK(r, err);
	NETNS_CHECK(r == 3 && calls >= 4);
	NETNS_CHECK(!rules_mention("port:e"));
	NETNS_CHECK(!rules_mention("port:c") && !rules_mention("port:d") &&
		    rules_mention("port:b"));
	NETNS_CHECK_OK(berth_net_ports_list(dir, "c", &list, &n, &err), err);
	NETNS_CHECK(n == 0);
	free(list);
	NETNS_CHECK_OK(berth_rm_rf_at(AT_FDCWD, dir, &err), err);
	return 0;
}

static void test_allocation(void **state)
{
	netns_run(body_allocation, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_forms),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_exposed),
		cmocka_unit_test(test_allocation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
