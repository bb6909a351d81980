/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI's network flag parsers and port printers (src/berth/net-opts.c). */
#include <netinet/in.h>

#include "unit.h"

#include "berth/net-opts.h"
#include "core/cleanup.h"
#include "core/strv.h"

static struct berth_port_map pm(const char *ip, unsigned host, unsigned ctr, int proto)
{
	struct berth_port_map m = {
		.host_port = (uint16_t)host, .container_port = (uint16_t)ctr, .proto = proto};
	snprintf(m.host_ip, sizeof(m.host_ip), "%s", ip);
	return m;
}

static void column(const struct berth_port_map *m, size_t n, const char *want)
{
	_cleanup_free_ char *s = net_ports_column(m, n);
	assert_string_equal(s, want);
}

static void test_ports_column(void **state)
{
	column(NULL, 0, "");
	const struct berth_port_map one[] = {pm("127.0.0.1", 18080, 8080, IPPROTO_TCP)};
	column(one, 1, "127.0.0.1:18080->8080/tcp");
	/* same host and container ports group into ranges; order by container port */
	const struct berth_port_map run[] = {
		pm("", 8002, 8002, IPPROTO_TCP),
		pm("", 8000, 8000, IPPROTO_TCP),
		pm("", 8001, 8001, IPPROTO_TCP),
		pm("", 0, 53, IPPROTO_UDP),
		pm("", 0, 80, IPPROTO_TCP),
		pm("", 0, 81, IPPROTO_TCP),
		pm("127.0.0.1", 9999, 90, IPPROTO_TCP),
	};
	column(run, 7,
	       "53/udp, 80-81/tcp, 0.0.0.0:8000-8002->8000-8002/tcp, 127.0.0.1:9999->90/tcp");
	/* a gap ends a run */
	const struct berth_port_map gap[] = {pm("", 0, 80, IPPROTO_TCP),
					     pm("", 0, 82, IPPROTO_TCP)};
	column(gap, 2, "80/tcp, 82/tcp");
}

static char *printed(const struct berth_port_map *m, size_t n, const char *filter, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct berth_error *err = NULL;
	*ret = net_ports_print(f, m, n, filter, "web", &err);
	if (*ret < 0) {
		assert_string_equal(err->msg, "no public port '9/tcp' published for web");
		berth_error_free(&err);
	}
	fclose(f);
	return buf;
}

static void test_port_print(void **state)
{
	const struct berth_port_map m[] = {
		pm("127.0.0.1", 18080, 8080, IPPROTO_TCP),
		pm("", 5353, 53, IPPROTO_UDP),
		pm("", 0, 22, IPPROTO_TCP), /* exposed only: not listed */
		pm("10.0.0.1", 18081, 8080, IPPROTO_TCP),
	};
	int r;
	_cleanup_free_ char *all = printed(m, 4, NULL, &r);
	assert_int_equal(r, 0);
	/* natural order: 53 before 8080 */
	assert_string_equal(all, "53/udp -> 0.0.0.0:5353\n"
				 "8080/tcp -> 10.0.0.1:18081\n"
				 "8080/tcp -> 127.0.0.1:18080\n");
	_cleanup_free_ char *one = printed(m, 4, "8080", &r);
	assert_string_equal(one, "10.0.0.1:18081\n127.0.0.1:18080\n");
	_cleanup_free_ char *udp = printed(m, 4, "53/udp", &r);
	assert_string_equal(udp, "0.0.0.0:5353\n");
	_cleanup_free_ char *none = printed(m, 4, "9", &r);
	assert_int_equal(r, -ENOENT);
	struct berth_error *err = NULL;
	assert_int_equal(net_ports_print(stdout, m, 4, "80/sctp", "web", &err), -EINVAL);
	berth_error_free(&err);
}

static void test_flags(void **state)
{
	_cleanup_(net_opts_release) struct net_opts o = {0};
	struct berth_error *err = NULL;
	assert_ok(net_opts_publish(&o, "127.0.0.1:18080:80", &err), err);
	assert_ok(net_opts_publish(&o, "53/udp", &err), err);
	assert_int_equal(net_opts_publish(&o, "x", &err), -EINVAL);
	assert_string_equal(err->msg, "invalid containerPort: x");
	berth_error_free(&err);
	assert_int_equal(o.n_ports, 2);

	/* -P adds what -p did not publish, on ephemeral ports */
	_cleanup_strv_free_ char **exposed = NULL;
	berth_strv_push(&exposed, "80/tcp");
	berth_strv_push(&exposed, "443/tcp");
	berth_strv_push(&exposed, "80/udp");
	assert_ok(net_opts_publish_exposed(&o, exposed, &err), err);
	assert_int_equal(o.n_ports, 4);
	assert_int_equal(o.ports[2].container_port, 443);
	assert_int_equal(o.ports[2].host_port, 0);
	assert_int_equal(o.ports[3].container_port, 80);
	assert_int_equal(o.ports[3].proto, IPPROTO_UDP);

	assert_ok(net_opts_add_host(&o, "db:10.0.0.2", &err), err);
	assert_ok(net_opts_add_host(&o, "gw=host-gateway", &err), err);
	assert_int_equal(net_opts_add_host(&o, "nope", &err), -EINVAL);
	assert_string_equal(err->msg,
			    "invalid argument \"nope\" for \"--add-host\" flag: bad format "
			    "for add-host: \"nope\"");
	berth_error_free(&err);
	assert_string_equal(o.add_host_name[1], "gw");
	assert_string_equal(o.add_host_ip[1], "host-gateway");
	assert_null(o.add_host_ip[2]);

	assert_null(o.dns.dns);
	assert_ok(net_opts_dns(&o, "1.1.1.1", &err), err);
	assert_int_equal(net_opts_dns(&o, "one.one", &err), -EINVAL);
	assert_string_equal(err->msg,
			    "invalid argument \"one.one\" for \"--dns\" flag: one.one is not an ip "
			    "address");
	berth_error_free(&err);
	assert_ok(net_opts_dns_search(&o, "example.org", &err), err);
	assert_ok(net_opts_dns_option(&o, "ndots:3", &err), err);
	assert_int_equal(net_opts_dns_option(&o, "a b", &err), -EINVAL);
	berth_error_free(&err);
	assert_string_equal(o.dns.options[0], "ndots:3");
	assert_null(o.dns.options[1]);
}

static void test_expose_and_discard(void **state)
{
	(void)state;
	struct net_opts o = {0};
	struct berth_error *err = NULL;
	assert_int_equal(net_opts_expose(&o, "8080", &err), 0);
	assert_int_equal(net_opts_expose(&o, "9000-9001/udp", &err), 0);
	/* a key given twice is kept once */
	assert_int_equal(net_opts_expose(&o, "8080/tcp", &err), 0);
	assert_int_equal(berth_strv_len(o.expose), 3);
	assert_string_equal(o.expose[0], "8080/tcp");
	assert_string_equal(o.expose[1], "9000/udp");
	assert_string_equal(o.expose[2], "9001/udp");
	assert_int_equal(net_opts_expose(&o, "80:80", &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(net_opts_expose(&o, "90-80", &err), -EINVAL);
	berth_error_free(&err);
	assert_int_equal(net_opts_expose(&o, "", &err), -EINVAL);
	berth_error_free(&err);
	/* -P publishes them */
	o.publish_all = true;
	assert_int_equal(net_opts_publish_exposed(&o, o.expose, &err), 0);
	assert_int_equal(o.n_ports, 3);
	/* kept on a bridge, dropped on host (with the warning) and none */
	assert_null(net_opts_discard_ports(&o, "bridge"));
	assert_int_equal(o.n_ports, 3);
	assert_string_equal(net_opts_discard_ports(&o, "host"),
			    "Published ports are discarded when using host network mode");
	assert_int_equal(o.n_ports, 0);
	assert_false(o.publish_all);
	assert_null(net_opts_discard_ports(&o, "host"));
	assert_int_equal(net_opts_publish(&o, "18080:80", &err), 0);
	assert_null(net_opts_discard_ports(&o, "none"));
	assert_int_equal(o.n_ports, 0);
	net_opts_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_column),
		cmocka_unit_test(test_port_print),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_expose_and_discard),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
