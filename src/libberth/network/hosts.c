/* SPDX-License-Identifier: Apache-2.0 */
#include "network/hosts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/names.h"
#include "core/fs.h"
#include "core/strv.h"
#include "network/nat.h"

#define RESOLV_MAX (1 << 20)
/* systemd-resolved's list of the upstream servers its stub forwards to */
#define RESOLVED_UPSTREAM "/run/systemd/resolve/resolv.conf"

static const struct berth_hosts_entry default_hosts[] = {
	{"127.0.0.1", "localhost"},  {"::1", "localhost ip6-localhost ip6-loopback"},
	{"fe00::0", "ip6-localnet"}, {"ff00::0", "ip6-mcastprefix"},
	{"ff02::1", "ip6-allnodes"}, {"ff02::2", "ip6-allrouters"},
};

static bool ip_is_valid(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];
	return s && (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1);
}

bool berth_net_dns_is_valid(const char *s)
{
	return ip_is_valid(s);
}

/* Names separated by single spaces, each a valid host name (RFC 1123 letters plus '_'). */
static bool names_are_valid(const char *names)
{
	if (!names || !*names)
		return false;
	_cleanup_free_ char *copy = berth_xstrdup(names);
	char *save = NULL;
	size_t count = 0;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), count++)
		if (!berth_word_is_valid(w, 253))
			return false;
	/* no leading, trailing or doubled spaces: they would hide empty names */
	return count > 0 && names[0] != ' ' && names[strlen(names) - 1] != ' ' &&
	       !strstr(names, "  ");
}

int berth_net_hosts_render(const struct berth_hosts_entry *e, size_t n, struct berth_buf *out,
			   struct berth_error **err)
{
	for (size_t i = 0; i < n; i++) {
		if (!ip_is_valid(e[i].ip))
			return berth_error_set(err, EINVAL, "hosts entry: invalid IP address '%s'",
					       e[i].ip ? e[i].ip : "");
		if (!names_are_valid(e[i].names))
			return berth_error_set(err, EINVAL, "hosts entry: invalid host name '%s'",
					       e[i].names ? e[i].names : "");
	}
	for (size_t i = 0; i < sizeof(default_hosts) / sizeof(default_hosts[0]); i++)
		berth_buf_addf(out, "%s\t%s\n", default_hosts[i].ip, default_hosts[i].names);
	for (size_t i = 0; i < n; i++)
		berth_buf_addf(out, "%s\t%s\n", e[i].ip, e[i].names);
	return 0;
}

/*
 * Rewrites dirfd/name with data without replacing the inode: the file is
 * bind-mounted into a running container, and a rename would leave the
 * container on the old one. Held under flock so concurrent writers (peers
 * joining a network) do not interleave.
 */
static int write_in_place(int dirfd, const char *name, const char *data, size_t len,
			  struct berth_error **err)
{
	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return berth_error_set(err, EINVAL, "invalid file name '%s'", name ? name : "");
	_cleanup_close_ int fd =
		openat(dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return berth_error_syscall(err, errno, "lock '%s'", name);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berth_error_syscall(err, errno, "seek '%s'", name);
	int r = berth_write_all(fd, data, len, err);
	if (r < 0)
		return berth_error_prefix(err, "write '%s'", name);
	if (ftruncate(fd, (off_t)len) < 0)
		return berth_error_syscall(err, errno, "truncate '%s'", name);
	return 0;
}

int berth_net_hosts_write(int dirfd, const char *name, const struct berth_hosts_entry *e, size_t n,
			  struct berth_error **err)
{
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	int r = berth_net_hosts_render(e, n, &b, err);
	if (r < 0)
		return r;
	return write_in_place(dirfd, name, b.buf, b.len, err);
}

char *berth_net_hosts_self_names(const char *hostname, const char *domainname)
{
	_cleanup_free_ char *fqdn = domainname && *domainname
					    ? berth_xasprintf("%s.%s", hostname, domainname)
					    : berth_xstrdup(hostname);
	const char *dot = strchr(fqdn, '.');
	if (!dot)
		return TAKE_PTR(fqdn);
	return berth_xasprintf("%s %.*s", fqdn, (int)(dot - fqdn), fqdn);
}

int berth_net_add_host_parse(const char *spec, char **ret_name, char **ret_ip,
			     struct berth_error **err)
{
	if (!spec)
		spec = "";
	/* Docker splits at the first '=' if any, else the first ':' (an IPv6
	 * address keeps its colons) */
	const char *sep = strchr(spec, '=');
	if (!sep)
		sep = strchr(spec, ':');
	if (!sep || sep == spec || !sep[1])
		return berth_error_set(err, EINVAL, "bad format for add-host: \"%s\"", spec);
	_cleanup_free_ char *name = berth_xstrndup(spec, (size_t)(sep - spec));
	_cleanup_free_ char *ip = berth_xstrdup(sep + 1);
	size_t l = strlen(ip);
	if (l > 2 && ip[0] == '[' && ip[l - 1] == ']') {
		memmove(ip, ip + 1, l - 2);
		ip[l - 2] = '\0';
	}
	if (!berth_word_is_valid(name, 253))
		return berth_error_set(err, EINVAL, "bad format for add-host: \"%s\"", spec);
	if (strcmp(ip, BERTH_HOST_GATEWAY) != 0 && !ip_is_valid(ip))
		return berth_error_set(err, EINVAL, "invalid IP address in add-host: \"%s\"",
				       sep + 1);
	*ret_name = TAKE_PTR(name);
	*ret_ip = TAKE_PTR(ip);
	return 0;
}

/* ---- resolv.conf ---- */

static bool nameserver_is_loopback(const char *ip)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, ip, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

struct resolv {
	char **ns;
	char **search;
	char **options;
};

static void resolv_release(struct resolv *r)
{
	berth_strv_free(r->ns);
	berth_strv_free(r->search);
	berth_strv_free(r->options);
}

/* Splits a "keyword words..." line's words into *v (replacing it when replace). */
static void take_words(char *rest, char ***v, bool replace)
{
	if (replace) {
		berth_strv_free(*v);
		*v = NULL;
	}
	char *save = NULL;
	for (char *w = strtok_r(rest, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		berth_strv_push(v, w);
}

/* What resolv.conf(5) readers take from the host's file. */
static void resolv_parse(const char *text, struct resolv *r)
{
	_cleanup_free_ char *copy = berth_xstrdup(text ? text : "");
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strpbrk(line, "#;");
		if (hash)
			*hash = '\0';
		char *kw = line + strspn(line, " \t");
		size_t kl = strcspn(kw, " \t");
		char *rest = kw + kl;
		if (*rest)
			*rest++ = '\0';
		if (strcmp(kw, "nameserver") == 0) {
			char *ip = rest + strspn(rest, " \t");
			ip[strcspn(ip, " \t")] = '\0';
			if (ip_is_valid(ip))
				berth_strv_push(&r->ns, ip);
		} else if (strcmp(kw, "search") == 0 || strcmp(kw, "domain") == 0) {
			/* the last search or domain line wins */
			take_words(rest, &r->search, true);
		} else if (strcmp(kw, "options") == 0) {
			take_words(rest, &r->options, false);
		}
	}
}

/* A value of --dns-search or --dns-option: non-empty, no blanks, no newline. */
static bool word_is_valid(const char *s)
{
	return s && *s && !strpbrk(s, " \t\r\n#;");
}

static int check_options(const struct berth_resolv_options *o, struct berth_error **err)
{
	BERTH_STRV_FOREACH (s, o->dns)
		if (!ip_is_valid(*s))
			return berth_error_set(err, EINVAL, "invalid --dns address '%s'", *s);
	BERTH_STRV_FOREACH (s, o->search)
		if (!word_is_valid(*s))
			return berth_error_set(err, EINVAL, "invalid --dns-search value '%s'", *s);
	BERTH_STRV_FOREACH (s, o->options)
		if (!word_is_valid(*s))
			return berth_error_set(err, EINVAL, "invalid --dns-option value '%s'", *s);
	return 0;
}

int berth_net_resolv_render(const char *host_resolv, const struct berth_resolv_options *o,
			    struct berth_buf *out, struct berth_error **err)
{
	static const struct berth_resolv_options none = {0};
	if (!o)
		o = &none;
	int r = check_options(o, err);
	if (r < 0)
		return r;
	_cleanup_(resolv_release) struct resolv h = {0};
	resolv_parse(host_resolv, &h);

	char *const *search = o->search ? o->search : h.search;
	/* Docker: a search list of just "." means none */
	if (search && search[0] && strcmp(search[0], ".") == 0 && !search[1])
		search = NULL;
	if (search && search[0]) {
		berth_buf_addstr(out, "search");
		BERTH_STRV_FOREACH (s, search)
			berth_buf_addf(out, " %s", *s);
		berth_buf_addch(out, '\n');
	}
	size_t written = 0;
	if (o->dns) {
		BERTH_STRV_FOREACH (s, o->dns)
			berth_buf_addf(out, "nameserver %s\n", *s), written++;
	} else {
		BERTH_STRV_FOREACH (s, h.ns)
			if (!nameserver_is_loopback(*s))
				berth_buf_addf(out, "nameserver %s\n", *s), written++;
	}
	if (written == 0)
		berth_buf_addstr(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	char *const *options = o->options ? o->options : h.options;
	if (options && options[0]) {
		berth_buf_addstr(out, "options");
		BERTH_STRV_FOREACH (s, options)
			berth_buf_addf(out, " %s", *s);
		berth_buf_addch(out, '\n');
	}
	return 0;
}

bool berth_net_resolv_is_resolved_stub(const char *text)
{
	_cleanup_(resolv_release) struct resolv h = {0};
	resolv_parse(text, &h);
	return h.ns && !h.ns[1] && strcmp(h.ns[0], "127.0.0.53") == 0;
}

/* The host's file as Docker picks it (resolvconf.Path()). */
static int read_host_resolv(const char *host_path, char **ret, struct berth_error **err)
{
	const char *path = host_path ? host_path : "/etc/resolv.conf";
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, RESOLV_MAX, ret, &len, err);
	if (r < 0 || host_path || !berth_net_resolv_is_resolved_stub(*ret))
		return r;
	char *upstream = NULL;
	if (berth_read_file_at(AT_FDCWD, RESOLVED_UPSTREAM, RESOLV_MAX, &upstream, &len, NULL) < 0)
		return 0;
	free(*ret);
	*ret = upstream;
	return 0;
}

int berth_net_resolv_write(int dirfd, const char *name, const char *host_path,
			   const struct berth_resolv_options *o, struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ struct berth_error *e = NULL;
	int r = read_host_resolv(host_path, &text, &e);
	if (r < 0 && r != -ENOENT) {
		if (err) {
			*err = e;
			e = NULL;
		}
		return r;
	}
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	r = berth_net_resolv_render(text, o, &b, err);
	if (r < 0)
		return r;
	return write_in_place(dirfd, name, b.buf, b.len, err);
}
