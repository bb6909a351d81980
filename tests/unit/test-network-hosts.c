/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "unit.h"

#include "core/buf.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "network/hosts.h"

#define DOCKER_DEFAULTS                                                                            \
	"127.0.0.1\tlocalhost\n"                                                                   \
	"::1\tlocalhost ip6-localhost ip6-loopback\n"                                              \
	"fe00::0\tip6-localnet\n"                                                                  \
	"ff00::0\tip6-mcastprefix\n"                                                               \
	"ff02::1\tip6-allnodes\n"                                                                  \
	"ff02::2\tip6-allrouters\n"

static void test_hosts_render(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_free_ char *self = berth_net_hosts_self_names("web", "example.org");
	assert_string_equal(self, "web.example.org web");
	const struct berth_hosts_entry e[] = {
		{"10.0.0.9", "db"},
		{"172.18.0.2", self},
		{"172.18.0.3", "api api-alias"},
	};
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	assert_ok(berth_net_hosts_render(e, 3, &b, &err), err);
	assert_string_equal(b.buf, DOCKER_DEFAULTS "10.0.0.9\tdb\n"
						   "172.18.0.2\tweb.example.org web\n"
						   "172.18.0.3\tapi api-alias\n");
}

static void test_self_names(void **state)
{
	char *s = berth_net_hosts_self_names("abc123", NULL);
	assert_string_equal(s, "abc123");
	free(s);
	s = berth_net_hosts_self_names("a.b.c", "");
	assert_string_equal(s, "a.b.c a");
	free(s);
}

static void test_hosts_refuses_injection(void **state)
{
	struct berth_error *err = NULL;
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	const struct berth_hosts_entry bad_name[] = {{"10.0.0.1", "x\n1.2.3.4 evil"}};
	assert_int_equal(berth_net_hosts_render(bad_name, 1, &b, &err), -EINVAL);
	berth_error_free(&err);
	const struct berth_hosts_entry bad_ip[] = {{"10.0.0.1 x", "ok"}};
	assert_int_equal(berth_net_hosts_render(bad_ip, 1, &b, &err), -EINVAL);
	berth_error_free(&err);
	const struct berth_hosts_entry empty[] = {{"10.0.0.1", "a  b"}};
	assert_int_equal(berth_net_hosts_render(empty, 1, &b, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(b.len, 0);
}

/* Rewritten in place: the inode a bind mount holds stays, a shorter file is truncated. */
static void test_hosts_write_keeps_inode(void **state)
{
	struct berth_error *err = NULL;
	char dir[] = "/tmp/berth-hosts-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const struct berth_hosts_entry many[] = {{"10.0.0.2", "a"},
						 {"10.0.0.3", "bbbbbbbbbbbbbbbb"}};
	assert_ok(berth_net_hosts_write(dfd, "hosts", many, 2, &err), err);
	struct stat st1, st2;
	assert_int_equal(fstatat(dfd, "hosts", &st1, 0), 0);
	assert_ok(berth_net_hosts_write(dfd, "hosts", many, 1, &err), err);
	assert_int_equal(fstatat(dfd, "hosts", &st2, 0), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	assert_ok(berth_read_file_at(dfd, "hosts", 4096, &text, &len, &err), err);
	assert_string_equal(text, DOCKER_DEFAULTS "10.0.0.2\ta\n");
	assert_int_equal(berth_net_hosts_write(dfd, "../x", many, 1, &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(symlinkat("/etc/passwd", dfd, "link"), 0);
	assert_int_equal(berth_net_hosts_write(dfd, "link", many, 1, &err), -ELOOP);
	berth_error_free(&err);
	assert_ok(berth_rm_rf_at(AT_FDCWD, dir, &err), err);
}

static void add_host_ok(const char *spec, const char *name, const char *ip)
{
	struct berth_error *err = NULL;
	_cleanup_free_ char *n = NULL, *i = NULL;
	assert_ok(berth_net_add_host_parse(spec, &n, &i, &err), err);
	assert_string_equal(n, name);
	assert_string_equal(i, ip);
}

static void add_host_bad(const char *spec, const char *msg)
{
	struct berth_error *err = NULL;
	char *n = NULL, *i = NULL;
	assert_int_equal(berth_net_add_host_parse(spec, &n, &i, &err), -EINVAL);
	assert_string_equal(err->msg, msg);
	assert_null(n);
	berth_error_free(&err);
}

static void test_add_host(void **state)
{
	add_host_ok("db:10.0.0.5", "db", "10.0.0.5");
	add_host_ok("db=10.0.0.5", "db", "10.0.0.5");
	add_host_ok("v6:::1", "v6", "::1");
	add_host_ok("v6=[2001:db8::1]", "v6", "2001:db8::1");
	add_host_ok("host.docker.internal:host-gateway", "host.docker.internal", "host-gateway");
	add_host_bad("db", "bad format for add-host: \"db\"");
	add_host_bad(":1.2.3.4", "bad format for add-host: \":1.2.3.4\"");
	add_host_bad("db:", "bad format for add-host: \"db:\"");
	add_host_bad("db:1.2.3", "invalid IP address in add-host: \"1.2.3\"");
	add_host_bad("a b:1.2.3.4", "bad format for add-host: \"a b:1.2.3.4\"");
}

static void resolv(const char *host, const struct berth_resolv_options *o, const char *want)
{
	struct berth_error *err = NULL;
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	assert_ok(berth_net_resolv_render(host, o, &b, &err), err);
	assert_string_equal(b.buf, want);
}

static void test_resolv(void **state)
{
	/* loopback resolvers are unreachable from the container: dropped */
	resolv("# comment\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 192.168.1.1\n"
	       "domain corp\nsearch a.example b.example\noptions edns0 trust-ad\n",
	       NULL,
	       "search a.example b.example\nnameserver 192.168.1.1\noptions edns0 trust-ad\n");
	/* none left: Docker's defaults */
	resolv("nameserver 127.0.0.53\noptions edns0\n", NULL,
	       "nameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0\n");
	resolv(NULL, NULL, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");

	_cleanup_strv_free_ char **dns = NULL, **search = NULL, **opts = NULL, **dot = NULL;
	berth_strv_push(&dns, "1.1.1.1");
	berth_strv_push(&dns, "2606:4700::1111");
	berth_strv_push(&search, "x.test");
	berth_strv_push(&opts, "ndots:2");
	struct berth_resolv_options o = {.dns = dns, .search = search, .options = opts};
	resolv("nameserver 192.168.1.1\nsearch corp\noptions edns0\n", &o,
	       "search x.test\nnameserver 1.1.1.1\nnameserver 2606:4700::1111\noptions ndots:2\n");
	/* --dns-search . : no search line; an explicit --dns 127.0.0.1 is kept */
	berth_strv_push(&dot, ".");
	_cleanup_strv_free_ char **lo = NULL;
	berth_strv_push(&lo, "127.0.0.1");
	struct berth_resolv_options o2 = {.dns = lo, .search = dot};
	resolv("nameserver 192.168.1.1\nsearch corp\n", &o2, "nameserver 127.0.0.1\n");

	struct berth_error *err = NULL;
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	_cleanup_strv_free_ char **bad = NULL;
	berth_strv_push(&bad, "ndots:1\nnameserver 6.6.6.6");
	struct berth_resolv_options o3 = {.options = bad};
	assert_int_equal(berth_net_resolv_render("", &o3, &b, &err), -EINVAL);
	berth_error_free(&err);
	_cleanup_strv_free_ char **badns = NULL;
	berth_strv_push(&badns, "dns.example");
	struct berth_resolv_options o4 = {.dns = badns};
	assert_int_equal(berth_net_resolv_render("", &o4, &b, &err), -EINVAL);
	berth_error_free(&err);
}

static void test_resolved_stub(void **state)
{
	assert_true(berth_net_resolv_is_resolved_stub("nameserver 127.0.0.53\noptions edns0\n"));
	assert_false(
		berth_net_resolv_is_resolved_stub("nameserver 127.0.0.53\nnameserver 1.1.1.1\n"));
	assert_false(berth_net_resolv_is_resolved_stub("nameserver 127.0.0.1\n"));
	assert_false(berth_net_resolv_is_resolved_stub(""));
}

static void test_resolv_write(void **state)
{
	struct berth_error *err = NULL;
	char dir[] = "/tmp/berth-resolv-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *host = berth_xasprintf("%s/host", dir);
	assert_ok(berth_write_file_atomic(dfd, "host", "nameserver 10.1.1.1\n", 20, 0644, &err),
		  err);
	assert_ok(berth_net_resolv_write(dfd, "resolv.conf", host, NULL, &err), err);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	assert_ok(berth_read_file_at(dfd, "resolv.conf", 4096, &text, &len, &err), err);
	assert_string_equal(text, "nameserver 10.1.1.1\n");
	_cleanup_free_ char *missing = berth_xasprintf("%s/none", dir);
	assert_ok(berth_net_resolv_write(dfd, "resolv.conf", missing, NULL, &err), err);
	free(text);
	text = NULL;
	assert_ok(berth_read_file_at(dfd, "resolv.conf", 4096, &text, &len, &err), err);
	assert_string_equal(text, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	assert_ok(berth_rm_rf_at(AT_FDCWD, dir, &err), err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts_render),
		cmocka_unit_test(test_self_names),
		cmocka_unit_test(test_hosts_refuses_injection),
		cmocka_unit_test(test_hosts_write_keeps_inode),
		cmocka_unit_test(test_add_host),
		cmocka_unit_test(test_resolv),
		cmocka_unit_test(test_resolved_stub),
		cmocka_unit_test(test_resolv_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
