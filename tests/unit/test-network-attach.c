/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Networks of a store, for real: the test process unshares its own network
 * and mount namespaces first (root only; skipped otherwise), so bridges,
 * veths and namespace files never touch the machine's.
 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "network/network.h"

static char root[256];
static bool isolated;

static int setup(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 0;
	snprintf(root, sizeof(root), "/tmp/berth-net-test-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	isolated = true;
	return 0;
}

static int teardown(void **state)
{
	if (isolated)
		berth_rm_rf_at(AT_FDCWD, root, NULL);
	return 0;
}

static const char *cid(char c)
{
	static char ids[4][65];
	static int k;
	char *id = ids[k++ % 4];
	memset(id, c, 64);
	id[64] = '\0';
	return id;
}

/* Whether interface ifname exists in the namespace file path. */
static bool has_link_in(const char *path, const char *ifname)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct berth_nl *nl = NULL;
	if (berth_nl_open(fd, &nl, NULL) < 0)
		return false;
	bool ok = berth_link_index(nl, ifname) > 0;
	berth_nl_close(nl);
	return ok;
}

static bool has_link(const char *ifname)
{
	struct berth_nl *nl = NULL;
	if (berth_nl_open(-1, &nl, NULL) < 0)
		return false;
	bool ok = berth_link_index(nl, ifname) > 0;
	berth_nl_close(nl);
	return ok;
}

static void test_predefined_and_create(void **state)
{
	if (!isolated)
		skip();
	struct berth_error *err = NULL;
	struct berth_network *nets = NULL;
	size_t n = 0;
	assert_ok(berth_network_list(root, &nets, &n, &err), err);
	assert_int_equal(n, 3);
	assert_string_equal(nets[0].name, "bridge");
	assert_string_equal(nets[0].subnet, "172.17.0.0/16");
	assert_string_equal(nets[0].gateway, "172.17.0.1");
	assert_string_equal(nets[0].bridge, "berth0");
	assert_string_equal(nets[1].name, "host");
	assert_string_equal(nets[2].driver, "null");
	for (size_t i = 0; i < n; i++)
		berth_network_release(&nets[i]);
	free(nets);

	struct berth_network_create_options o = {.name = "app"};
	struct berth_network app;
	assert_ok(berth_network_create(root, &o, &app, &err), err);
	/* the next pool: 172.17 is the default bridge's */
	assert_string_equal(app.subnet, "172.18.0.0/16");
	berth_network_release(&app);
	assert_int_equal(berth_network_create(root, &o, NULL, &err), -EEXIST);
	berth_error_free(&err);
	struct berth_network_create_options clash = {.name = "clash", .subnet = "172.18.5.0/24"};
	assert_int_equal(berth_network_create(root, &clash, NULL, &err), -EADDRINUSE);
	berth_error_free(&err);
	struct berth_network_create_options bad = {.name = "-bad"};
	assert_int_equal(berth_network_create(root, &bad, NULL, &err), -EINVAL);
	berth_error_free(&err);
	struct berth_network_create_options gw = {
		.name = "gw", .subnet = "10.9.0.0/24", .gateway = "10.9.1.1"};
	assert_int_equal(berth_network_create(root, &gw, NULL, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_attach_detach(void **state)
{
	if (!isolated)
		skip();
	struct berth_error *err = NULL;
	const char *a = cid('a'), *b = cid('b');
	int la = -1, lb = -1;
	assert_ok(berth_network_container_lock(root, a, &la, &err), err);
	assert_ok(berth_network_container_lock(root, b, &lb, &err), err);
	char hosts_a[300];
	snprintf(hosts_a, sizeof(hosts_a), "%s/hosts-a", root);
	int fd = open(hosts_a, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	struct stat before, after;
	assert_int_equal(stat(hosts_a, &before), 0);

	struct berth_attach_options oa = {.container_id = a,
					  .container_name = "web",
					  .hostname = "aaaa",
					  .hosts_path = hosts_a,
					  .aliases = (char *[]){"www", NULL}};
	struct berth_attach_options ob = {
		.container_id = b, .container_name = "db", .ip = "172.18.0.77"};
	struct berth_endpoint ea, eb;
	assert_ok(berth_network_attach(root, "app", &oa, &ea, &err), err);
	assert_ok(berth_network_attach(root, "app", &ob, &eb, &err), err);
	assert_string_equal(ea.ip, "172.18.0.2");
	assert_string_equal(eb.ip, "172.18.0.77");
	assert_string_equal(ea.mac, "02:42:ac:12:00:02");
	assert_string_equal(ea.ifname, "eth0");
	assert_true(has_link(ea.host_veth));
	assert_true(has_link("br-") == false);
	assert_true(has_link_in(ea.netns, "eth0"));
	/* a second attach to the same network is refused */
	assert_int_equal(berth_network_attach(root, "app", &oa, NULL, &err), -EEXIST);
	berth_error_free(&err);
	/* taken address */
	struct berth_attach_options oc = {.container_id = cid('c'), .ip = "172.18.0.77"};
	int lc = -1;
	assert_ok(berth_network_container_lock(root, oc.container_id, &lc, &err), err);
	assert_int_equal(berth_network_attach(root, "app", &oc, NULL, &err), -EADDRINUSE);
	berth_error_free(&err);

	/* a's hosts file names b, rewritten in place (same inode: a bind mount sees it) */
	_cleanup_free_ char *hosts = NULL;
	size_t len = 0;
	assert_ok(berth_read_file_at(AT_FDCWD, hosts_a, 1 << 16, &hosts, &len, &err), err);
	assert_non_null(strstr(hosts, "172.18.0.2\taaaa web www\n"));
	assert_non_null(strstr(hosts, "172.18.0.77\tdb\n"));
	assert_int_equal(stat(hosts_a, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);

	/* the network is in use */
	assert_int_equal(berth_network_remove(root, "app", &err), -EBUSY);
	assert_non_null(strstr(berth_error_msg(err), "has active endpoints"));
	berth_error_free(&err);

	/* b leaves: a's hosts file forgets it */
	assert_ok(berth_network_detach(root, "app", b, &err), err);
	free(hosts);
	hosts = NULL;
	assert_ok(berth_read_file_at(AT_FDCWD, hosts_a, 1 << 16, &hosts, &len, &err), err);
	assert_null(strstr(hosts, "db"));

	/* a's owner dies (its lock goes): the next operation reclaims veth, address, netns */
	char *veth = berth_xstrdup(ea.host_veth);
	char *ns = berth_xstrdup(ea.netns);
	close(la);
	size_t reclaimed = 0;
	assert_ok(berth_network_reclaim(root, true, &reclaimed, &err), err);
	assert_int_equal(reclaimed, 2); /* the endpoint and the namespace file */
	assert_true(has_link(veth));
	assert_ok(berth_network_reclaim(root, false, &reclaimed, &err), err);
	assert_false(has_link(veth));
	assert_int_equal(access(ns, F_OK), -1);
	struct berth_endpoint *eps = NULL;
	size_t n = 0;
	struct berth_network app;
	assert_ok(berth_network_get(root, "app", &app, &err), err);
	assert_ok(berth_network_endpoints(root, app.id, &eps, &n, &err), err);
	assert_int_equal(n, 0);
	free(eps);
	assert_ok(berth_network_remove(root, "app", &err), err);
	assert_false(has_link(app.bridge));
	berth_network_release(&app);
	assert_int_equal(berth_network_remove(root, "bridge", &err), -EPERM);
	berth_error_free(&err);
	/* b's namespace file goes with detach_all */
	assert_ok(berth_network_detach_all(root, b, &err), err);
	_cleanup_free_ char *nsb = berth_network_netns_path(root, b);
	assert_int_equal(access(nsb, F_OK), -1);
	free(veth);
	free(ns);
	berth_endpoint_release(&ea);
	berth_endpoint_release(&eb);
	close(lb);
	close(lc);
}

static void test_distinct_addresses(void **state)
{
	if (!isolated)
		skip();
	struct berth_error *err = NULL;
	enum {
		N = 20
	};
	pid_t pids[N];
	int pipes[N][2], hold[2];
	/* 20 owners attach at once; each reports its address and lives until told */
	assert_int_equal(pipe(hold), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char id[65];
			snprintf(id, sizeof(id), "%064x", i + 1);
			int lock;
			struct berth_endpoint e;
			struct berth_attach_options o = {.container_id = id, .container_name = id};
			if (berth_network_container_lock(root, id, &lock, NULL) < 0 ||
			    berth_network_attach(root, "bridge", &o, &e, NULL) < 0)
				_exit(1);
			dprintf(pipes[i][1], "%s", e.ip);
			close(pipes[i][1]);
			close(hold[1]);
			char c;
			while (read(hold[0], &c, 1) > 0)
				;
			_exit(0);
		}
		close(pipes[i][1]);
	}
	close(hold[0]);
	char ips[N][32];
	for (int i = 0; i < N; i++) {
		ssize_t k = read(pipes[i][0], ips[i], sizeof(ips[i]) - 1);
		assert_true(k > 0);
		ips[i][k] = '\0';
		close(pipes[i][0]);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ips[i], ips[j]);
	}
	close(hold[1]);
	for (int i = 0; i < N; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	/* all their owners are gone now: all reclaimed */
	size_t reclaimed = 0;
	assert_ok(berth_network_reclaim(root, false, &reclaimed, &err), err);
	assert_int_equal(reclaimed, 2 * N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_predefined_and_create),
		cmocka_unit_test(test_attach_detach),
		cmocka_unit_test(test_distinct_addresses),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
