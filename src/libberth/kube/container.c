/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container record + its image -> a Kubernetes container spec: what run
 * added to the image (command overrides, env, ports, limits, security,
 * volumes, health check) becomes the matching field; what the image holds
 * already is left to the image, as the cluster runs the same image.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "kube/internal.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define NS_PER_S     1000000000LL

void kube_image_release(struct kube_image *img)
{
	free(img->reference);
	free(img->tag);
	berth_strv_free(img->env);
	berth_strv_free(img->entrypoint);
	berth_strv_free(img->cmd);
	free(img->workdir);
	free(img->user);
	memset(img, 0, sizeof(*img));
}

void kube_pod_init(struct kube_pod *p, const char *name)
{
	*p = (struct kube_pod){
		.name = kube_dns_label(name),
		.containers = json_array(),
		.volumes = json_object(),
		.annotations = json_object(),
		.service_ports = json_array(),
	};
}

void kube_pod_release(struct kube_pod *p)
{
	free(p->name);
	json_decref(p->containers);
	json_decref(p->volumes);
	json_decref(p->annotations);
	json_decref(p->service_ports);
	berth_strv_free(p->claims);
	berth_strv_free(p->warnings);
	memset(p, 0, sizeof(*p));
}

char *kube_dns_label(const char *s)
{
	char out[64];
	size_t n = 0;
	for (; *s && n < sizeof(out) - 1; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c))
			out[n++] = (char)tolower(c);
		else if (n && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return berth_xstrdup(n ? out : "berth");
}

void kube_pod_warn(struct kube_pod *p, const char *fmt, ...)
{
	struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	berth_strv_consume(&p->warnings, berth_buf_detach(&b, NULL));
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool strv_equal(char *const *a, char *const *b)
{
	size_t na = berth_strv_len(a), nb = berth_strv_len(b);
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/*
 * command/args from what run overrode: --entrypoint X is the command (and,
 * as with Docker, drops the image's CMD), a command after the image is
 * args, --entrypoint "" makes the whole process the command. A record made
 * before RunOverrides was kept: the whole process, when it is not the
 * image's own.
 */
static void set_command(json_t *c, const json_t *record, const struct kube_image *img)
{
	const json_t *ov = json_object_get(record, "RunOverrides");
	_cleanup_strv_free_ char **process =
		berth_json_to_strv(json_object_get(json_object_get(record, "Config"), "Cmd"));
	if (!json_is_object(ov)) {
		_cleanup_strv_free_ char **image = berth_strv_copy(img->entrypoint);
		BERTH_STRV_FOREACH (s, img->cmd)
			berth_strv_push(&image, *s);
		if (!strv_equal(process, image))
			json_object_set_new(c, "command", berth_json_strv(process));
		return;
	}
	const json_t *ep = json_object_get(ov, "Entrypoint"), *cmd = json_object_get(ov, "Cmd");
	if (ep && json_array_size(ep) == 0) {
		json_object_set_new(c, "command", berth_json_strv(process));
		return;
	}
	if (ep)
		json_object_set(c, "command", (json_t *)ep);
	if (cmd)
		json_object_set(c, "args", (json_t *)cmd);
}

/*
 * The env run added: entries the image does not hold as they are, without
 * the HOSTNAME berth sets and the default PATH it adds to an image without
 * one (the cluster does both).
 */
static void set_env(json_t *c, const json_t *record, const struct kube_image *img)
{
	json_t *env = json_array();
	size_t i;
	json_t *x;
	json_array_foreach (json_object_get(json_object_get(record, "Config"), "Env"), i, x) {
		const char *kv = json_string_value(x);
		const char *eq = kv ? strchr(kv, '=') : NULL;
		if (!eq || berth_strv_contains(img->env, kv) || strncmp(kv, "HOSTNAME=", 9) == 0 ||
		    strcmp(kv, DEFAULT_PATH) == 0)
			continue;
		_cleanup_free_ char *name = berth_xstrndup(kv, (size_t)(eq - kv));
		json_array_append_new(env, json_pack("{s:s, s:s}", "name", name, "value", eq + 1));
	}
	if (json_array_size(env))
		json_object_set_new(c, "env", env);
	else
		json_decref(env);
}

static const char *proto_upper(const char *p)
{
	return strcmp(p, "udp") == 0 ? "UDP" : strcmp(p, "sctp") == 0 ? "SCTP" : "TCP";
}

/* "8080/tcp" -> 8080 and "tcp"; false when it is no port. */
static bool parse_port_key(const char *key, unsigned *ret_port, const char **ret_proto)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(key, &end, 10);
	if (errno || end == key || v == 0 || v > 65535)
		return false;
	*ret_port = (unsigned)v;
	*ret_proto = *end == '/' ? end + 1 : "tcp";
	return *end == '/' || *end == '\0';
}

/* A published port: the first binding's host port (0: an ephemeral one not chosen yet). */
static unsigned host_port(const json_t *bindings, const char **ret_ip)
{
	const json_t *b = json_array_get(bindings, 0);
	const char *hp = str(b, "HostPort"), *ip = str(b, "HostIp");
	*ret_ip = ip && *ip && strcmp(ip, "0.0.0.0") != 0 && strcmp(ip, "::") != 0 ? ip : NULL;
	unsigned long v = hp ? strtoul(hp, NULL, 10) : 0;
	return v <= 65535 ? (unsigned)v : 0;
}

static bool has_service_port(const struct kube_pod *p, const char *name)
{
	size_t i;
	json_t *sp;
	json_array_foreach (p->service_ports, i, sp)
		if (strcmp(str(sp, "name"), name) == 0)
			return true;
	return false;
}

/* The port key ("8080/tcp") to c's ports, and to the Service's when b (its bindings) publishes it. */
static void add_port(struct kube_pod *p, json_t *ports, const char *key, const json_t *b)
{
	unsigned port;
	const char *proto, *ip = NULL;
	if (!parse_port_key(key, &port, &proto))
		return;
	_cleanup_free_ char *name = berth_xasprintf("%s-%u", proto, port);
	/* a pod's port is published once, on its first container (a hostPort is the pod's) */
	if (has_service_port(p, name))
		b = NULL;
	json_t *pj = json_pack("{s:i}", "containerPort", (int)port);
	unsigned hp = json_array_size(b) ? host_port(b, &ip) : 0;
	if (hp)
		json_object_set_new(pj, "hostPort", json_integer(hp));
	if (ip)
		json_object_set_new(pj, "hostIP", json_string(ip));
	if (strcmp(proto, "tcp") != 0)
		json_object_set_new(pj, "protocol", json_string(proto_upper(proto)));
	json_array_append_new(ports, pj);
	if (json_array_size(b))
		json_array_append_new(p->service_ports,
				      json_pack("{s:s, s:s, s:i, s:i}", "name", name, "protocol",
						proto_upper(proto), "port", (int)(hp ? hp : port),
						"targetPort", (int)port));
}

/* c's "ports", created when it has none. */
static json_t *ports_of(json_t *c)
{
	json_t *ports = json_object_get(c, "ports");
	if (!ports) {
		ports = json_array();
		json_object_set_new(c, "ports", ports);
	}
	return ports;
}

/* The ports the container exposes; published by its own bindings or, in a pod, by the pod's. */
static void set_ports(struct kube_pod *p, json_t *c, const json_t *record)
{
	const json_t *exposed = json_object_get(json_object_get(record, "Config"), "ExposedPorts");
	const json_t *bound =
		p->pod_bindings
			? p->pod_bindings
			: json_object_get(json_object_get(record, "HostConfig"), "PortBindings");
	const char *key;
	json_t *v;
	json_object_foreach ((json_t *)exposed, key, v)
		add_port(p, ports_of(c), key, json_object_get(bound, key));
	if (!json_array_size(json_object_get(c, "ports")))
		json_object_del(c, "ports");
}

void kube_pod_add_unexposed_ports(struct kube_pod *p)
{
	json_t *first = json_array_get(p->containers, 0);
	const char *key;
	json_t *b;
	if (!first)
		return;
	json_object_foreach ((json_t *)p->pod_bindings, key, b) {
		unsigned port;
		const char *proto;
		if (!parse_port_key(key, &port, &proto))
			continue;
		_cleanup_free_ char *name = berth_xasprintf("%s-%u", proto, port);
		if (!has_service_port(p, name))
			add_port(p, ports_of(first), key, b);
	}
}

/* Seconds of a duration in nanoseconds, rounded up (Kubernetes counts whole seconds, >= 1). */
static json_int_t seconds(int64_t ns, int64_t dflt)
{
	if (ns <= 0)
		ns = dflt;
	json_int_t s = (json_int_t)((ns + NS_PER_S - 1) / NS_PER_S);
	return s < 1 ? 1 : s;
}

/*
 * HEALTHCHECK -> an exec probe with its interval, timeout, retries and start
 * period (Docker's defaults where unset): the same object serves as
 * livenessProbe and readinessProbe. NULL when there is no check that runs.
 */
static json_t *probe_json(const json_t *record)
{
	const json_t *config = json_object_get(record, "Config");
	const json_t *hc = json_object_get(config, "Healthcheck");
	_cleanup_strv_free_ char **test = berth_json_to_strv(json_object_get(hc, "Test"));
	if (!test || !test[0] || !test[1])
		return NULL;
	json_t *cmd;
	if (strcmp(test[0], "CMD") == 0) {
		cmd = berth_json_strv(test + 1);
	} else if (strcmp(test[0], "CMD-SHELL") == 0) {
		_cleanup_strv_free_ char **shell =
			berth_json_to_strv(json_object_get(config, "Shell"));
		cmd = shell ? berth_json_strv(shell) : json_pack("[s, s]", "/bin/sh", "-c");
		json_array_append_new(cmd, json_string(test[1]));
	} else {
		return NULL;
	}
	json_int_t retries = json_integer_value(json_object_get(hc, "Retries"));
	json_t *probe = json_pack(
		"{s:{s:o}, s:I, s:I, s:I}", "exec", "command", cmd, "periodSeconds",
		seconds(json_integer_value(json_object_get(hc, "Interval")), 30 * NS_PER_S),
		"timeoutSeconds",
		seconds(json_integer_value(json_object_get(hc, "Timeout")), 30 * NS_PER_S),
		"failureThreshold", retries > 0 ? retries : (json_int_t)3);
	json_int_t start = json_integer_value(json_object_get(hc, "StartPeriod"));
	if (start > 0)
		json_object_set_new(probe, "initialDelaySeconds", json_integer(seconds(start, 0)));
	return probe;
}

/*
 * A failing livenessProbe restarts the container (--health-on-failure
 * restart): kill and stop have no Kubernetes equivalent.
 */
static void warn_on_failure(struct kube_pod *p, const json_t *record, const char *cname)
{
	const char *a = str(json_object_get(record, "Config"), "HealthcheckOnFailureAction");
	if (a && (strcmp(a, "kill") == 0 || strcmp(a, "stop") == 0))
		kube_pod_warn(p,
			      "container '%s': --health-on-failure %s: Kubernetes has no such "
			      "action, a failing livenessProbe restarts the container",
			      cname, a);
}

/* A memory size as a Kubernetes quantity: "64Mi", "12Ki" or plain bytes. */
static char *memory_quantity(json_int_t bytes)
{
	if (bytes % (1 << 20) == 0)
		return berth_xasprintf("%" JSON_INTEGER_FORMAT "Mi", bytes >> 20);
	if (bytes % 1024 == 0)
		return berth_xasprintf("%" JSON_INTEGER_FORMAT "Ki", bytes >> 10);
	return berth_xasprintf("%" JSON_INTEGER_FORMAT, bytes);
}

/* 1e9 per CPU -> "2" or millicores "500m" (Kubernetes' finest unit). */
static char *cpu_quantity(json_int_t nano)
{
	if (nano % NS_PER_S == 0)
		return berth_xasprintf("%" JSON_INTEGER_FORMAT, nano / NS_PER_S);
	json_int_t milli = nano / 1000000;
	return berth_xasprintf("%" JSON_INTEGER_FORMAT "m", milli > 0 ? milli : 1);
}

static void set_resources(json_t *c, const json_t *record)
{
	const json_t *hc = json_object_get(record, "HostConfig");
	json_int_t mem = json_integer_value(json_object_get(hc, "Memory"));
	json_int_t cpus = json_integer_value(json_object_get(hc, "NanoCpus"));
	if (mem <= 0 && cpus <= 0)
		return;
	json_t *limits = json_object();
	if (cpus > 0) {
		_cleanup_free_ char *q = cpu_quantity(cpus);
		json_object_set_new(limits, "cpu", json_string(q));
	}
	if (mem > 0) {
		_cleanup_free_ char *q = memory_quantity(mem);
		json_object_set_new(limits, "memory", json_string(q));
	}
	json_object_set_new(c, "resources", json_pack("{s:o}", "limits", limits));
}

static bool parse_id(const char *s, size_t len, json_int_t *ret)
{
	if (!len || len > 10)
		return false;
	json_int_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return v <= UINT32_MAX;
}

static bool is_root(const char *user)
{
	return strcmp(user, "0") == 0 || strcmp(user, "root") == 0 || strcmp(user, "0:0") == 0;
}

/*
 * USER "uid[:gid]" -> runAsUser/runAsGroup/runAsNonRoot; a name cannot be
 * mapped. The root an image without USER runs as is the cluster's default too.
 */
static void set_user(struct kube_pod *p, json_t *sc, const char *cname, const char *user,
		     const struct kube_image *img)
{
	if (!user || !*user || (is_root(user) && (!img->user || !*img->user)))
		return;
	const char *colon = strchr(user, ':');
	size_t ulen = colon ? (size_t)(colon - user) : strlen(user);
	json_int_t uid, gid;
	if (strcmp(user, "root") == 0) {
		uid = 0;
	} else if (!parse_id(user, ulen, &uid)) {
		kube_pod_warn(p,
			      "container '%s': user '%s' is a name, Kubernetes needs a numeric "
			      "runAsUser: not mapped (the image's USER applies)",
			      cname, user);
		return;
	}
	json_object_set_new(sc, "runAsUser", json_integer(uid));
	if (colon && parse_id(colon + 1, strlen(colon + 1), &gid))
		json_object_set_new(sc, "runAsGroup", json_integer(gid));
	json_object_set_new(sc, "runAsNonRoot", json_boolean(uid != 0));
}

/* "CAP_NET_ADMIN" and "net_admin" -> "NET_ADMIN" (Kubernetes' spelling); "ALL" stays. */
static json_t *caps_json(const json_t *caps)
{
	json_t *a = json_array();
	size_t i;
	json_t *x;
	json_array_foreach (caps, i, x) {
		const char *c = json_string_value(x);
		if (!c)
			continue;
		if (strncasecmp(c, "CAP_", 4) == 0)
			c += 4;
		_cleanup_free_ char *up = berth_xstrdup(c);
		for (char *q = up; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		json_array_append_new(a, json_string(up));
	}
	return a;
}

static void set_security(struct kube_pod *p, json_t *c, const json_t *record, const char *cname,
			 const struct kube_image *img)
{
	const json_t *hc = json_object_get(record, "HostConfig");
	json_t *sc = json_object();
	set_user(p, sc, cname, str(json_object_get(record, "Config"), "User"), img);
	if (json_is_true(json_object_get(hc, "ReadonlyRootfs")))
		json_object_set_new(sc, "readOnlyRootFilesystem", json_true());
	const json_t *add = json_object_get(hc, "CapAdd"), *drop = json_object_get(hc, "CapDrop");
	if (json_array_size(add) || json_array_size(drop)) {
		json_t *caps = json_object();
		if (json_array_size(add))
			json_object_set_new(caps, "add", caps_json(add));
		if (json_array_size(drop))
			json_object_set_new(caps, "drop", caps_json(drop));
		json_object_set_new(sc, "capabilities", caps);
	}
	if (json_object_size(sc))
		json_object_set_new(c, "securityContext", sc);
	else
		json_decref(sc);
}

/* "no" -> Never, "on-failure[:N]" -> OnFailure (N is not mapped), "always"/"unless-stopped" -> Always. */
static const char *restart_policy(struct kube_pod *p, const char *cname, const char *docker)
{
	if (!docker || strcmp(docker, "no") == 0 || !*docker)
		return "Never";
	if (strncmp(docker, "on-failure", 10) == 0) {
		if (docker[10] == ':')
			kube_pod_warn(
				p,
				"container '%s': restart policy '%s': Kubernetes has no retry "
				"count, OnFailure restarts it without a limit",
				cname, docker);
		return "OnFailure";
	}
	return "Always";
}

static void set_restart(struct kube_pod *p, const json_t *record, const char *cname)
{
	const char *policy = restart_policy(
		p, cname, str(json_object_get(record, "HostConfig"), "RestartPolicy"));
	if (!p->restart)
		p->restart = policy;
	else if (strcmp(p->restart, policy) != 0)
		kube_pod_warn(
			p,
			"container '%s': restart policy %s differs from the pod's %s (the first "
			"container's): the pod's applies",
			cname, policy, p->restart);
}

static void set_workdir(json_t *c, const json_t *record, const struct kube_image *img)
{
	const char *wd = str(json_object_get(record, "Config"), "WorkingDir");
	const char *image_wd = img->workdir && *img->workdir ? img->workdir : "/";
	if (wd && *wd && strcmp(wd, image_wd) != 0)
		json_object_set_new(c, "workingDir", json_string(wd));
}

int kube_pod_add_container(struct kube_pod *p, const json_t *record, const struct kube_image *img,
			   struct berth_error **err)
{
	const char *rname = str(record, "Name");
	if (!rname || !*rname)
		return berth_error_set(err, EBADMSG, "container record without a name");
	_cleanup_free_ char *cname = kube_dns_label(rname);
	size_t i;
	json_t *other;
	json_array_foreach (p->containers, i, other)
		if (strcmp(json_string_value(json_object_get(other, "name")), cname) == 0)
			return berth_error_set(err, EINVAL,
					       "container '%s': a container of the pod is named "
					       "'%s' already (names are made DNS-1123 labels)",
					       rname, cname);
	json_t *c = json_pack("{s:s, s:s}", "name", cname, "image", img->reference);
	set_command(c, record, img);
	set_env(c, record, img);
	set_workdir(c, record, img);
	set_ports(p, c, record);
	set_resources(c, record);
	set_security(p, c, record, rname, img);
	json_t *probe = probe_json(record);
	if (probe) {
		json_object_set(c, "livenessProbe", probe);
		json_object_set_new(c, "readinessProbe", probe);
		warn_on_failure(p, record, rname);
	}
	int r = kube_pod_add_mounts(p, c, record, rname, err);
	if (r < 0) {
		json_decref(c);
		return r;
	}
	set_restart(p, record, rname);
	if (img->tag) {
		_cleanup_free_ char *key = berth_xasprintf("image.berth.io/%s", cname);
		json_object_set_new(p->annotations, key, json_string(img->tag));
	}
	json_array_append_new(p->containers, c);
	return 0;
}
