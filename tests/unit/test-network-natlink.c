/* SPDX-License-Identifier: Apache-2.0 */
#include <netinet/in.h>

#include "netns-fixture.h"
#include "nft-listing.h"

#include "core/cleanup.h"
#include "core/lazylib.h"
#include "network/nat.h"
#include "network/natlink.h"
#include "network/ports.h"
/* Makes the table (and its port maps) in a child, so that this process never loads libnftables. */
static int make_table_elsewhere(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct berth_error *err = NULL;
		_exit(berth_net_nat_setup("lo", "10.99.0.0/24", false, &err) < 0 ? 1 : 0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const struct berth_port_map one_addr = {
	.host_ip = "127.0.0.1", .host_port = 18080, .container_port = 80, .proto = IPPROTO_TCP};
static const struct berth_port_map one_any = {
	.host_port = 18081, .container_port = 53, .proto = IPPROTO_UDP};

/* Without the table: -ENOENT, which nat.c answers by making it. */
static int body_no_table(void *data)
{
	struct berth_error *err = NULL;
	NETNS_CHECK(berth_natlink_elems(true, "a", "10.1.0.2", &one_addr, 1, &err) == -ENOENT);
	NETNS_CHECK(berth_error_code(err) == ENOENT);
	berth_error_free(&err);
	NETNS_CHECK(berth_natlink_elems(false, "a", NULL, &one_addr, 1, &err) == -ENOENT);
	berth_error_free(&err);
	return 0;
}

static void test_no_table(void **state)
{
	netns_run(body_no_table, NULL);
}

/*
 * Publishing and releasing with the table in place: elements of both maps
 * in one batch, their comment naming the owner, and libnftables never loaded.
 */
static int body_add_delete(void *data)
{
	struct berth_error *err = NULL;
	NETNS_CHECK(make_table_elsewhere() == 0);
	NETNS_CHECK(!berth_lib_is_loaded(BERTH_LIB_NFTABLES));
	struct berth_port_map both[2] = {one_addr, one_any};
	NETNS_CHECK_OK(berth_net_nat_ports_add("c0ffee", "10.1.0.2", both, 2, false, &err), err);
	NETNS_CHECK(!berth_lib_is_loaded(BERTH_LIB_NFTABLES));
	NETNS_CHECK_OK(berth_net_nat_ports_delete("c0ffee", both, 2, &err), err);
	NETNS_CHECK(!berth_lib_is_loaded(BERTH_LIB_NFTABLES));

	/* (this test's listing loads it: what the two did is looked at now) */
	NETNS_CHECK_OK(berth_net_nat_ports_add("c0ffee", "10.1.0.2", both, 2, false, &err), err);
	_cleanup_free_ char *rules = ruleset();
	NETNS_CHECK(rules);
	NETNS_CHECK(
		strstr(rules, "tcp . 127.0.0.1 . 18080 comment \"port:c0ffee\" : 10.1.0.2 . 80"));
	NETNS_CHECK(strstr(rules, "udp . 18081 comment \"port:c0ffee\" : 10.1.0.2 . 53"));
	NETNS_CHECK_OK(berth_natlink_elems(false, "c0ffee", NULL, both, 2, &err), err);
	free(rules);
	rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "c0ffee") && !strstr(rules, "10.1.0.2"));
	/* the structure stays for the next container */
	NETNS_CHECK(strstr(rules, "map @publish-any"));
	return 0;
}

static void test_add_delete_without_libnftables(void **state)
{
	netns_run(body_add_delete, NULL);
}

/* An element already there is not taken over, and a failed batch adds nothing. */
static int body_exists(void *data)
{
	struct berth_error *err = NULL;
	NETNS_CHECK(make_table_elsewhere() == 0);
	NETNS_CHECK_OK(berth_natlink_elems(true, "a", "10.1.0.2", &one_addr, 1, &err), err);
	struct berth_port_map both[2] = {one_any, one_addr};
	NETNS_CHECK(berth_natlink_elems(true, "b", "10.1.0.3", both, 2, &err) == -EEXIST);
	berth_error_free(&err);
	NETNS_CHECK(berth_net_nat_ports_add("b", "10.1.0.3", both, 2, false, &err) == -EADDRINUSE);
	NETNS_CHECK(strstr(berth_error_msg(err), "no record"));
	berth_error_free(&err);
	_cleanup_free_ char *rules = ruleset();
	NETNS_CHECK(rules && strstr(rules, "\"port:a\" : 10.1.0.2 . 80"));
	NETNS_CHECK(!strstr(rules, "port:b") && !strstr(rules, "10.1.0.3"));

	/* deleting a missing element fails the batch: a's stays */
	NETNS_CHECK(berth_natlink_elems(false, "a", NULL, both, 2, &err) == -ENOENT);
	berth_error_free(&err);
	free(rules);
	rules = ruleset();
	NETNS_CHECK(rules && strstr(rules, "\"port:a\""));
	/* nat.c then finds what is left by listing */
	NETNS_CHECK_OK(berth_net_nat_ports_delete("a", both, 2, &err), err);
	free(rules);
	rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "port:a"));
	return 0;
}

static void test_existing_element(void **state)
{
	netns_run(body_exists, NULL);
}

/* A port range is one batch of many elements. */
static int body_many(void *data)
{
	struct berth_error *err = NULL;
	NETNS_CHECK(make_table_elsewhere() == 0);
	enum {
		N = 2000
	};
	struct berth_port_map *maps = calloc(N, sizeof(*maps));
	NETNS_CHECK(maps);
	for (int i = 0; i < N; i++)
		maps[i] = (struct berth_port_map){.host_port = (uint16_t)(20000 + i),
						  .container_port = (uint16_t)(20000 + i),
						  .proto = i % 2 ? IPPROTO_UDP : IPPROTO_TCP};
	char owner[129];
	memset(owner, 'f', 128);
	owner[128] = '\0';
	int r = berth_net_nat_ports_add(owner, "10.1.0.4", maps, N, false, &err);
	if (r == 0) {
		_cleanup_free_ char *rules = ruleset();
		r = rules && count(rules, "comment \"port:ffff") == N ? 0 : -1;
	}
	/* by the keys, not the listing nat.c falls back to */
	if (r == 0)
		r = berth_natlink_elems(false, owner, NULL, maps, N, &err);
	free(maps);
	NETNS_CHECK_OK(r, err);
	_cleanup_free_ char *rules = ruleset();
	NETNS_CHECK(rules && !strstr(rules, "10.1.0.4"));
	return 0;
}

static void test_many_elements(void **state)
{
	netns_run(body_many, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_table),
		cmocka_unit_test(test_add_delete_without_libnftables),
		cmocka_unit_test(test_existing_element),
		cmocka_unit_test(test_many_elements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
