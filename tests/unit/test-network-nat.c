/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "netns-fixture.h"
#include "nft-listing.h"

#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "network/nat.h"
#include "network/ports.h"

static int listen_on(const char *ip, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &sa.sin_addr);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* connect() to ip:port; 0 or -errno. */
static int connect_to(const char *ip, uint16_t port, int *ret_fd)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* 127.0.0.1:18080 -> 127.0.0.2:8080 carries a byte, then is gone. */
static int body_dnat(void *data)
{
	struct berth_error *err = NULL;
	struct berth_port_map m = {.host_ip = "127.0.0.1",
				   .host_port = 18080,
				   .container_port = 8080,
				   .proto = IPPROTO_TCP};
	NETNS_CHECK_OK(berth_net_nat_ports_add("c0ffee", "127.0.0.2", &m, 1, true, &err), err);
	/* idempotent: the second setup replaces the first */
	NETNS_CHECK_OK(berth_net_nat_ports_add("c0ffee", "127.0.0.2", &m, 1, true, &err), err);
	_cleanup_free_ char *rules = ruleset();
	NETNS_CHECK(rules);
	/* one element, looked up by the rules of prerouting and output */
	NETNS_CHECK(count(rules,
			  "tcp . 127.0.0.1 . 18080 comment \"port:c0ffee\" : 127.0.0.2 . 8080") ==
		    1);
	NETNS_CHECK(count(rules,
			  "dnat ip to meta l4proto . ip daddr . th dport map @publish-addr") == 2);

	_cleanup_close_ int srv = listen_on("127.0.0.2", 8080);
	NETNS_CHECK(srv >= 0);
	_cleanup_close_ int cli = -EBADF;
	NETNS_CHECK(connect_to("127.0.0.1", 18080, &cli) == 0);
	_cleanup_close_ int conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	NETNS_CHECK(conn >= 0);
	NETNS_CHECK(write(cli, "x", 1) == 1);
	char c = 0;
	NETNS_CHECK(read(conn, &c, 1) == 1 && c == 'x');

	NETNS_CHECK_OK(berth_net_nat_ports_remove("c0ffee", &err), err);
	NETNS_CHECK_OK(berth_net_nat_ports_remove("c0ffee", &err), err); /* nothing left: 0 */
	free(rules);
	rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "c0ffee") && !strstr(rules, "127.0.0.2"));
	int fd = -EBADF;
	NETNS_CHECK(connect_to("127.0.0.1", 18080, &fd) == -ECONNREFUSED);
	return 0;
}

static void test_dnat_loopback_setup_teardown(void **state)
{
	netns_run(body_dnat, NULL);
}

/* An owner's rules go, another's stay. */
static int body_two_owners(void *data)
{
	struct berth_error *err = NULL;
	struct berth_port_map a = {.host_port = 18081, .container_port = 80, .proto = IPPROTO_TCP};
	struct berth_port_map b = {.host_port = 18082, .container_port = 53, .proto = IPPROTO_UDP};
	NETNS_CHECK_OK(berth_net_nat_ports_add("aaa", "10.1.0.2", &a, 1, true, &err), err);
	NETNS_CHECK_OK(berth_net_nat_ports_add("bbb", "10.1.0.3", &b, 1, true, &err), err);
	NETNS_CHECK_OK(berth_net_nat_ports_remove("aaa", &err), err);
	_cleanup_free_ char *rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "port:aaa") && !strstr(rules, "10.1.0.2"));
	NETNS_CHECK(strstr(rules, "udp . 18082 comment \"port:bbb\" : 10.1.0.3 . 53"));
	NETNS_CHECK(count(rules, "port:bbb") == 1);
	return 0;
}

static void test_teardown_is_per_owner(void **state)
{
	netns_run(body_two_owners, NULL);
}

static int body_masquerade(void *data)
{
	struct berth_error *err = NULL;
	/* lo stands in for the bridge: the rules only name it */
	NETNS_CHECK_OK(berth_net_nat_setup("lo", "10.99.0.0/24", false, &err), err);
	NETNS_CHECK_OK(berth_net_nat_setup("lo", "10.99.0.0/24", false, &err), err);
	_cleanup_free_ char *rules = ruleset();
	NETNS_CHECK(rules);
	NETNS_CHECK(count(rules, "ip saddr 10.99.0.0/24 oifname != \"lo\" masquerade") == 1);
	NETNS_CHECK(count(rules, "ip saddr 127.0.0.0/8 oifname \"lo\" masquerade") == 1);
	NETNS_CHECK(count(rules,
			  "ip saddr 10.99.0.0/24 oifname \"lo\" ct status dnat masquerade") == 1);
	NETNS_CHECK(count(rules, "comment \"bridge:lo\"") == 1);
	NETNS_CHECK(!strstr(rules, "drop"));

	_cleanup_free_ char *fwd = NULL;
	size_t len = 0;
	NETNS_CHECK_OK(berth_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/conf/lo/route_localnet", 16,
					  &fwd, &len, &err),
		       err);
	NETNS_CHECK(fwd[0] == '1');

	/* internal: no masquerade out, forwarding across the bridge dropped */
	NETNS_CHECK_OK(berth_net_nat_setup("lo", "10.99.0.0/24", true, &err), err);
	free(rules);
	rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "oifname != \"lo\" masquerade"));
	NETNS_CHECK(count(rules, "iifname \"lo\" oifname != \"lo\" drop") == 1);
	NETNS_CHECK(count(rules, "comment \"bridge:lo\"") == 2);

	NETNS_CHECK_OK(berth_net_nat_teardown("lo", &err), err);
	NETNS_CHECK_OK(berth_net_nat_teardown("lo", &err), err);
	free(rules);
	rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "bridge:lo") && !strstr(rules, "masquerade") &&
		    !strstr(rules, "drop") && !strstr(rules, "post-lo"));
	return 0;
}

static void test_masquerade_setup_teardown(void **state)
{
	netns_run(body_masquerade, NULL);
}

/* Runs cmds with libnftables directly (not through the code under test). */
static int nft(const char *cmds)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -1;
	nft_ctx_buffer_error(ctx);
	int r = nft_run_cmd_from_buffer(ctx, cmds);
	nft_ctx_free(ctx);
	return r;
}

/* What berth before the port maps made per container is still found and removed. */
static int body_old_chains(void *data)
{
	struct berth_error *err = NULL;
	NETNS_CHECK(
		nft("add table ip berth\n"
		    "add chain ip berth prerouting { type nat hook prerouting priority -100; }\n"
		    "add chain ip berth pre-old\n"
		    "add rule ip berth pre-old tcp dport 18080 dnat to 10.1.0.9:80\n"
		    "add rule ip berth prerouting jump pre-old comment \"port:old\"\n") == 0);
	struct berth_port_map m = {.host_port = 18081, .container_port = 80, .proto = IPPROTO_TCP};
	NETNS_CHECK_OK(berth_net_nat_ports_add("new", "10.1.0.2", &m, 1, false, &err), err);
	char **owners = NULL;
	NETNS_CHECK_OK(berth_net_nat_owners("port", &owners, &err), err);
	NETNS_CHECK(berth_strv_len(owners) == 2 && berth_strv_contains(owners, "old") &&
		    berth_strv_contains(owners, "new"));
	berth_strv_free(owners);
	NETNS_CHECK_OK(berth_net_nat_ports_remove("old", &err), err);
	NETNS_CHECK_OK(berth_net_nat_ports_remove("new", &err), err);
	_cleanup_free_ char *rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "pre-old") && !strstr(rules, "port:") &&
		    !strstr(rules, "10.1.0."));
	return 0;
}

static void test_old_chains_removed(void **state)
{
	netns_run(body_old_chains, NULL);
}

/*
 * A listing whose elements are not what berth adds gives no owner and no
 * command: only validated protocol names, addresses and ports reach the
 * removal it writes.
 */
static void test_listing_scan_hostile(void **state)
{
	static const char listing[] =
		"{\"nftables\": [{\"map\": {\"name\": \"publish-addr\", \"elem\": ["
		"[{\"elem\": {\"val\": {\"concat\": [\"tcp\", \"127.0.0.1\", 18080]}, "
		"\"comment\": \"port:ab\"}}, {\"concat\": [\"10.0.0.2\", 80]}],"
		"[{\"elem\": {\"val\": {\"concat\": [\"tcp\", \"1.2.3.4 } ; flush ruleset\", 1]}, "
		"\"comment\": \"port:ab\"}}, 0],"
		"[{\"elem\": {\"val\": {\"concat\": [\"sctp\", \"1.2.3.4\", 1]}, "
		"\"comment\": \"port:ab\"}}, 0],"
		"[{\"elem\": {\"val\": {\"concat\": [\"udp\", \"1.2.3.4\", 65536]}, "
		"\"comment\": \"port:ab\"}}, 0],"
		"[{\"elem\": {\"val\": {\"concat\": [\"udp\", 5]}, \"comment\": \"port:ab\"}}, 0],"
		"[{\"elem\": {\"val\": {\"concat\": [\"udp\", \"1.2.3.4\", 7]}, "
		"\"comment\": \"port:x y\"}}, 0],"
		"[{\"elem\": {\"val\": {\"concat\": [\"udp\", \"1.2.3.4\", 7]}, \"comment\": 3}}, "
		"0],"
		"{\"concat\": [\"tcp\", \"127.0.0.1\", 9]}, 7, null]}},"
		"{\"map\": {\"name\": \"publish-any\", \"elem\": ["
		"[{\"elem\": {\"val\": {\"concat\": [\"udp\", 53]}, \"comment\": \"port:cd\"}}, 0],"
		"[{\"elem\": {\"val\": {\"concat\": [\"udp\", \"1.2.3.4\", 53]}, "
		"\"comment\": \"port:ab\"}}, 0]]}},"
		"{\"map\": {\"name\": \"other\", \"elem\": ["
		"[{\"elem\": {\"val\": {\"concat\": [\"udp\", 54]}, \"comment\": \"port:ef\"}}, "
		"0]]}},"
		"{\"rule\": {\"chain\": \"prerouting\", \"handle\": 4, \"comment\": \"port:ab\"}},"
		"{\"rule\": {\"chain\": \"a b\", \"handle\": 5, \"comment\": \"port:ab\"}},"
		"{\"rule\": {\"chain\": \"output\", \"handle\": \"6\", \"comment\": "
		"\"port:ab\"}}]}";
	struct berth_error *err = NULL;
	char **owners = NULL;
	char *removal = NULL;
	assert_int_equal(
		berth_net_nat_listing_scan(listing, strlen(listing), "ab", &owners, &removal, &err),
		0);
	assert_int_equal(berth_strv_len(owners), 2);
	assert_true(berth_strv_contains(owners, "ab") && berth_strv_contains(owners, "cd"));
	assert_string_equal(removal,
			    "delete rule ip berth prerouting handle 4\n"
			    "delete element ip berth publish-addr { tcp . 127.0.0.1 . 18080 }\n");
	berth_strv_free(owners);
	free(removal);
	assert_int_equal(berth_net_nat_listing_scan("{", 1, "ab", &owners, &removal, &err),
			 -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_net_nat_listing_scan("{}", 2, "a\"b", &owners, &removal, &err),
			 -EINVAL);
	berth_error_free(&err);
}

/* Nothing reaches nftables that could add commands of its own. */
static void test_rejects_hostile_values(void **state)
{
	struct berth_error *err = NULL;
	assert_int_equal(berth_net_nat_setup("br0;flush ruleset", "10.0.0.0/24", false, &err),
			 -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_net_nat_setup("berth0", "10.0.0.0/33", false, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_net_nat_setup("berth0", "10.0.0/24", false, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_net_nat_setup("averylonginterfacename", "10.0.0.0/24", false, &err),
			 -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_net_nat_teardown("..", &err), -EINVAL);
	berth_error_free(&err);
	struct berth_port_map m = {.host_port = 1, .container_port = 1, .proto = IPPROTO_TCP};
	assert_int_equal(berth_net_nat_ports_add("a\"b", "10.0.0.2", &m, 1, true, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_net_nat_ports_add("ab", "10.0.0.2 ; x", &m, 1, true, &err), -EINVAL);
	berth_error_free(&err);
	snprintf(m.host_ip, sizeof(m.host_ip), "1.2.3.4 accept");
	assert_int_equal(berth_net_nat_ports_add("ab", "10.0.0.2", &m, 1, true, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(berth_net_nat_ports_remove("", &err), -EINVAL);
	berth_error_free(&err);
	assert_true(berth_word_is_valid("berth0", 15));
	assert_false(berth_word_is_valid("a b", 15));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnat_loopback_setup_teardown),
		cmocka_unit_test(test_teardown_is_per_owner),
		cmocka_unit_test(test_masquerade_setup_teardown),
		cmocka_unit_test(test_rejects_hostile_values),
		cmocka_unit_test(test_old_chains_removed),
		cmocka_unit_test(test_listing_scan_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
