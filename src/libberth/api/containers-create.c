/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /containers/create's body into struct berth_run_options: Docker's
 * Config, HostConfig and NetworkingConfig fields mapped onto what `berth
 * create`'s flags fill. The string forms Docker's API keeps (Binds,
 * Tmpfs, SecurityOpt, a port binding) go through the same core/runspec and
 * network/ports parsers as the flags, so there is one grammar of each.
 */
#include "api/containers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"

/* A member that may be absent or null (both: *ret NULL, 0) but, when there, is a string. */
static int get_str(const json_t *o, const char *key, const char **ret, struct berth_error **err)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berth_error_set(err, EINVAL, "json: field '%s' must be a string", key);
	*ret = json_string_value(v);
	return 0;
}

static int get_bool(const json_t *o, const char *key, bool *ret, struct berth_error **err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return berth_error_set(err, EINVAL, "json: field '%s' must be a boolean", key);
	*ret = json_is_true(v);
	return 0;
}

/* An integer member; 0 (Docker's "unset") leaves *ret as it is. */
static int get_int(const json_t *o, const char *key, int64_t *ret, struct berth_error **err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return berth_error_set(err, EINVAL, "json: field '%s' must be an integer", key);
	if (json_integer_value(v) != 0)
		*ret = json_integer_value(v);
	return 0;
}

/*
 * A list of strings; Docker's strslice also takes one string (Cmd,
 * Entrypoint). *ret is NULL when absent or null, an empty strv for [].
 */
static int get_strv(const json_t *o, const char *key, bool one_string, char ***ret,
		    struct berth_error **err)
{
	json_t *v = json_object_get(o, key), *e;
	size_t i;
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (one_string && json_is_string(v)) {
		berth_strv_push(ret, json_string_value(v));
		return 0;
	}
	if (!json_is_array(v))
		return berth_error_set(err, EINVAL, "json: field '%s' must be a list of strings",
				       key);
	*ret = berth_xcalloc(1, sizeof(char *));
	json_array_foreach (v, i, e) {
		if (!json_is_string(e)) {
			berth_strv_free(*ret);
			*ret = NULL;
			return berth_error_set(err, EINVAL,
					       "json: field '%s' must be a list of strings", key);
		}
		berth_strv_push(ret, json_string_value(e));
	}
	return 0;
}

/* An object of string values ("Labels") as "K=V" strings; keys of other objects (ExposedPorts). */
static int get_map(const json_t *o, const char *key, bool keys_only, char ***ret,
		   struct berth_error **err)
{
	json_t *v = json_object_get(o, key), *e;
	const char *k;
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return berth_error_set(err, EINVAL, "json: field '%s' must be an object", key);
	json_object_foreach (v, k, e) {
		if (keys_only) {
			berth_strv_push(ret, k);
		} else if (json_is_string(e)) {
			berth_strv_consume(ret, berth_xasprintf("%s=%s", k, json_string_value(e)));
		} else {
			return berth_error_set(err, EINVAL, "json: field '%s.%s' must be a string",
					       key, k);
		}
	}
	return 0;
}

static void push_mount(struct api_create *c, const struct berth_mount_req *m)
{
	c->mounts = berth_xreallocarray(c->mounts, c->n_mounts + 1, sizeof(*c->mounts));
	c->mounts[c->n_mounts++] = *m;
}

/* HostConfig.Tmpfs, Binds and Mounts, in --tmpfs, -v, --mount order as the CLI. */
static int parse_mounts(const json_t *hc, struct api_create *c, struct berth_error **err)
{
	struct berth_mount_req m;
	json_t *v, *e;
	const char *k;
	size_t i;
	int r;
	_cleanup_strv_free_ char **binds = NULL;

	v = json_object_get(hc, "Tmpfs");
	if (v && !json_is_null(v) && !json_is_object(v))
		return berth_error_set(err, EINVAL, "json: field 'Tmpfs' must be an object");
	json_object_foreach (v, k, e) {
		_cleanup_free_ char *spec =
			json_is_string(e) && *json_string_value(e)
				? berth_xasprintf("%s:%s", k, json_string_value(e))
				: berth_xstrdup(k);
		r = berth_runspec_parse_tmpfs(spec, &m, err);
		if (r < 0)
			return r;
		push_mount(c, &m);
	}
	r = get_strv(hc, "Binds", false, &binds, err);
	if (r < 0)
		return r;
	BERTH_STRV_FOREACH (b, binds) {
		r = berth_runspec_parse_volume(*b, &m, err);
		if (r < 0)
			return r;
		push_mount(c, &m);
	}
	v = json_object_get(hc, "Mounts");
	if (v && !json_is_null(v) && !json_is_array(v))
		return berth_error_set(err, EINVAL, "json: field 'Mounts' must be a list");
	json_array_foreach (v, i, e) {
		/* the object form as --mount's text, so one parser checks it */
		const char *type = json_string_value(json_object_get(e, "Type"));
		const char *src = json_string_value(json_object_get(e, "Source"));
		const char *dst = json_string_value(json_object_get(e, "Target"));
		if (!type || !dst)
			return berth_error_set(err, EINVAL,
					       "json: a mount needs 'Type' and 'Target'");
		_cleanup_free_ char *spec = berth_xasprintf(
			"type=%s%s%s,target=%s%s", type, src && *src ? ",source=" : "",
			src && *src ? src : "", dst,
			json_is_true(json_object_get(e, "ReadOnly")) ? ",readonly" : "");
		r = berth_runspec_parse_mount(spec, &m, err);
		if (r < 0)
			return r;
		push_mount(c, &m);
	}
	c->o.mounts = c->mounts;
	c->o.n_mounts = c->n_mounts;
	return 0;
}

/* HostConfig.PortBindings {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} as -p specs. */
static int parse_ports(const json_t *hc, struct api_create *c, struct berth_error **err)
{
	json_t *v = json_object_get(hc, "PortBindings"), *list, *b;
	const char *key;
	size_t i;
	if (v && !json_is_null(v) && !json_is_object(v))
		return berth_error_set(err, EINVAL, "json: field 'PortBindings' must be an object");
	json_object_foreach (v, key, list) {
		if (!json_is_array(list))
			continue;
		json_array_foreach (list, i, b) {
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *port = json_string_value(json_object_get(b, "HostPort"));
			bool v6 = ip && strchr(ip, ':');
			_cleanup_free_ char *spec = berth_xasprintf(
				"%s%s%s%s%s:%s", v6 ? "[" : "", ip ? ip : "", v6 ? "]" : "",
				ip && *ip ? ":" : "", port ? port : "", key);
			int r = berth_port_spec_parse(spec, &c->ports, &c->n_ports, err);
			if (r < 0)
				return r;
		}
	}
	c->o.ports = c->ports;
	c->o.n_ports = c->n_ports;
	return 0;
}

static int parse_resources(const json_t *hc, struct api_create *c, struct berth_error **err)
{
	json_t *rp = json_object_get(hc, "RestartPolicy");
	const char *policy = NULL;
	int64_t max = 0;
	int r = get_int(hc, "Memory", &c->o.memory, err);
	if (r >= 0)
		r = get_int(hc, "NanoCpus", &c->o.nano_cpus, err);
	if (r >= 0)
		r = get_int(hc, "PidsLimit", &c->o.pids_limit, err);
	if (r >= 0 && json_is_object(rp))
		r = get_str(rp, "Name", &policy, err);
	if (r >= 0 && json_is_object(rp))
		r = get_int(rp, "MaximumRetryCount", &max, err);
	if (r < 0 || !policy || !*policy)
		return r;
	_cleanup_free_ char *spec = max > 0 ? berth_xasprintf("%s:%lld", policy, (long long)max)
					    : berth_xstrdup(policy);
	return berth_runspec_parse_restart(spec, &c->o.restart, &c->o.restart_max, err);
}

static int parse_security(const json_t *hc, struct api_create *c, struct berth_error **err)
{
	int r = get_strv(hc, "SecurityOpt", false, &c->security_opts, err);
	BERTH_STRV_FOREACH (s, c->security_opts) {
		if (r >= 0)
			r = berth_runspec_parse_security_opt(*s, &c->sec, err);
	}
	if (r >= 0)
		r = get_strv(hc, "CapAdd", false, &c->cap_add, err);
	if (r >= 0)
		r = get_strv(hc, "CapDrop", false, &c->cap_drop, err);
	if (r >= 0)
		r = get_bool(hc, "Privileged", &c->o.privileged, err);
	if (r >= 0)
		r = get_bool(hc, "ReadonlyRootfs", &c->o.read_only, err);
	c->o.cap_add = c->cap_add;
	c->o.cap_drop = c->cap_drop;
	c->o.no_new_privileges = c->sec.no_new_privileges;
	c->o.seccomp_unconfined = c->sec.seccomp_unconfined;
	c->o.seccomp_profile = c->sec.seccomp_profile;
	return r;
}

static int parse_network(const json_t *body, const json_t *hc, struct api_create *c,
			 struct berth_error **err)
{
	const char *mode = NULL;
	json_t *eps = json_object_get(json_object_get(body, "NetworkingConfig"), "EndpointsConfig");
	int r = get_str(hc, "NetworkMode", &mode, err);
	if (r < 0)
		return r;
	/* "default" is the daemon's default network: berth's bridge */
	c->o.network = mode && *mode && strcmp(mode, "default") != 0 ? mode : NULL;
	json_t *ep = c->o.network ? json_object_get(eps, c->o.network) : NULL;
	if (json_is_object(ep)) {
		json_t *ipam = json_object_get(ep, "IPAMConfig");
		r = get_strv(ep, "Aliases", false, &c->aliases, err);
		if (r >= 0 && json_is_object(ipam))
			r = get_str(ipam, "IPv4Address", &c->o.ip, err);
		if (r < 0)
			return r;
		if (c->o.ip && !*c->o.ip)
			c->o.ip = NULL;
		c->o.network_aliases = c->aliases;
	}
	r = get_strv(hc, "ExtraHosts", false, &c->extra_hosts, err);
	if (r >= 0)
		r = get_strv(hc, "Dns", false, &c->dns.dns, err);
	if (r >= 0)
		r = get_strv(hc, "DnsSearch", false, &c->dns.search, err);
	if (r >= 0)
		r = get_strv(hc, "DnsOptions", false, &c->dns.options, err);
	c->o.extra_hosts = c->extra_hosts;
	c->o.dns = &c->dns;
	return r < 0 ? r : parse_ports(hc, c, err);
}

static int parse_host_config(const json_t *body, struct api_create *c, struct berth_error **err)
{
	json_t *hc = json_object_get(body, "HostConfig");
	if (hc && !json_is_null(hc) && !json_is_object(hc))
		return berth_error_set(err, EINVAL, "json: field 'HostConfig' must be an object");
	bool init = false;
	int r = get_bool(hc, "AutoRemove", &c->o.rm, err);
	if (r >= 0)
		r = get_bool(hc, "Init", &init, err);
	c->o.init = init;
	if (r >= 0)
		r = parse_mounts(hc, c, err);
	if (r >= 0)
		r = parse_resources(hc, c, err);
	if (r >= 0)
		r = parse_security(hc, c, err);
	if (r >= 0)
		r = parse_network(body, hc, c, err);
	return r;
}

/*
 * Entrypoint and Cmd: the library takes Docker's --entrypoint (one word,
 * "" clears), so an entrypoint of several words puts the rest before Cmd,
 * which is where Docker's merge puts them too.
 */
static int parse_command(const json_t *body, struct api_create *c, struct berth_error **err)
{
	_cleanup_strv_free_ char **ep = NULL, **cmd = NULL;
	int r = get_strv(body, "Entrypoint", true, &ep, err);
	if (r >= 0)
		r = get_strv(body, "Cmd", true, &cmd, err);
	if (r < 0)
		return r;
	if (ep) {
		c->entrypoint = berth_xstrdup(ep[0] ? ep[0] : "");
		c->o.entrypoint = c->entrypoint;
		for (size_t i = ep[0] ? 1 : 0; ep[i]; i++)
			berth_strv_push(&c->cmd, ep[i]);
	}
	BERTH_STRV_FOREACH (a, cmd)
		berth_strv_push(&c->cmd, *a);
	c->o.cmd = c->cmd && c->cmd[0] ? c->cmd : NULL;
	return 0;
}

int api_create_parse(const json_t *body, const char *name, struct api_create *c,
		     const char **ret_image, struct berth_error **err)
{
	const char *image = NULL, *stop_signal = NULL;
	int r;

	berth_run_options_init(&c->o);
	c->sec = (struct berth_security_opts)BERTH_SECURITY_OPTS_INIT;
	if (!json_is_object(body))
		return berth_error_set(err, EINVAL,
				       "config cannot be empty in order to create a "
				       "container");
	c->o.create_only = true;
	c->o.detach = true;
	if (name && *name) {
		c->name = berth_xstrdup(name[0] == '/' ? name + 1 : name);
		c->o.name = c->name;
	}
	r = get_str(body, "Image", &image, err);
	if (r >= 0 && (!image || !*image))
		r = berth_error_set(err, EINVAL, "no image was specified");
	if (r >= 0)
		r = get_str(body, "User", &c->o.user, err);
	if (r >= 0)
		r = get_str(body, "WorkingDir", &c->o.workdir, err);
	if (r >= 0)
		r = get_str(body, "Hostname", &c->o.hostname, err);
	if (r >= 0)
		r = get_str(body, "Domainname", &c->o.domainname, err);
	if (r >= 0)
		r = get_bool(body, "Tty", &c->o.tty, err);
	if (r >= 0)
		r = get_bool(body, "OpenStdin", &c->o.interactive, err);
	if (r >= 0)
		r = get_bool(body, "StdinOnce", &c->o.stdin_once, err);
	if (r >= 0)
		r = get_strv(body, "Env", false, &c->env, err);
	if (r >= 0)
		r = get_map(body, "Labels", false, &c->labels, err);
	if (r >= 0)
		r = get_map(body, "ExposedPorts", true, &c->expose, err);
	if (r >= 0)
		r = get_str(body, "StopSignal", &stop_signal, err);
	if (r >= 0 && stop_signal && *stop_signal &&
	    (c->o.stop_signal = berth_runspec_parse_signal(stop_signal)) < 0)
		r = berth_error_set(err, EINVAL, "invalid signal: %s", stop_signal);
	if (r >= 0)
		r = parse_command(body, c, err);
	if (r >= 0)
		r = parse_host_config(body, c, err);
	if (r < 0)
		return r;
	/* empty strings are Docker's "unset" */
	if (c->o.user && !*c->o.user)
		c->o.user = NULL;
	if (c->o.workdir && !*c->o.workdir)
		c->o.workdir = NULL;
	if (c->o.hostname && !*c->o.hostname)
		c->o.hostname = NULL;
	c->o.env = c->env;
	c->o.labels = c->labels;
	c->o.expose = c->expose;
	*ret_image = image;
	return 0;
}

void api_create_release(struct api_create *c)
{
	if (c->have_img)
		berth_container_image_release(&c->img);
	free(c->name);
	free(c->entrypoint);
	berth_strv_free(c->cmd);
	berth_strv_free(c->env);
	berth_strv_free(c->labels);
	berth_strv_free(c->cap_add);
	berth_strv_free(c->cap_drop);
	berth_strv_free(c->extra_hosts);
	berth_strv_free(c->expose);
	berth_strv_free(c->aliases);
	berth_strv_free(c->security_opts);
	berth_strv_free(c->dns.dns);
	berth_strv_free(c->dns.search);
	berth_strv_free(c->dns.options);
	berth_mount_reqs_free(c->mounts, c->n_mounts);
	free(c->ports);
	*c = (struct api_create){0};
}
