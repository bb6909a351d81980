/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kube play`'s model, the pod part: a v1 Pod's or an apps/v1 Deployment's
 * pod spec (containers, volumes, probes) and a v1 Service's ports.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "kube/play-parse.h"

#define IS(e, k) (strcmp((e)->key, (k)) == 0)

/* "128Mi", "1G", "512": bytes; -EINVAL otherwise. */
static int parse_memory(const char *s, int64_t *ret)
{
	static const struct {
		const char *suffix;
		double factor;
	} units[] = {
		{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
		{"k", 1e3},	{"M", 1e6},	   {"G", 1e9},		 {"T", 1e12},
		{"", 1}};
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !(v > 0) || !isfinite(v))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		double b = v * units[i].factor;
		if (b > 9e18)
			return -EINVAL;
		*ret = (int64_t)b;
		return 0;
	}
	return -EINVAL;
}

/* "500m", "2", "0.5": nano CPUs; -EINVAL otherwise. */
static int parse_cpu(const char *s, int64_t *ret)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !(v > 0) || !isfinite(v) || v > 1e6)
		return -EINVAL;
	if (strcmp(end, "m") == 0)
		v /= 1000;
	else if (*end)
		return -EINVAL;
	*ret = (int64_t)(v * 1e9);
	return *ret > 0 ? 0 : -EINVAL;
}

static int parse_resources(const struct kube_ctx *c, const struct berth_yaml_entry *res,
			   const char *where, struct kube_container *k)
{
	char w[300];
	int r = kube_expect(c, res->value, BERTH_YAML_MAP, res->line, where);
	for (size_t i = 0; r >= 0 && i < res->value->n; i++) {
		const struct berth_yaml_entry *e = &res->value->entries[i];
		if (IS(e, "requests"))
			continue; /* a scheduling hint: nothing to reserve on one host */
		if (!IS(e, "limits")) {
			kube_unsupported(c, e->line, where, e->key);
			continue;
		}
		kube_where(w, sizeof(w), "%s.limits", where);
		r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, w);
		for (size_t j = 0; r >= 0 && j < e->value->n; j++) {
			const struct berth_yaml_entry *l = &e->value->entries[j];
			_cleanup_free_ char *v = NULL;
			kube_where(w, sizeof(w), "%s.limits.%s", where, l->key);
			bool mem = IS(l, "memory");
			if (!mem && !IS(l, "cpu")) {
				kube_unsupported(c, l->line, w, "");
				continue;
			}
			r = kube_get_str(c, l->value, l->line, w, &v);
			if (r >= 0 &&
			    (mem ? parse_memory(v, &k->memory) : parse_cpu(v, &k->nano_cpus)) < 0)
				r = kube_fail(c, l->line, w, "\"%s\" is not a quantity", v);
		}
	}
	return r;
}

static int parse_capabilities(const struct kube_ctx *c, const struct berth_yaml_entry *caps,
			      const char *where, struct kube_container *k)
{
	char w[300];
	int r = kube_expect(c, caps->value, BERTH_YAML_MAP, caps->line, where);
	for (size_t i = 0; r >= 0 && i < caps->value->n; i++) {
		const struct berth_yaml_entry *e = &caps->value->entries[i];
		kube_where(w, sizeof(w), "%s.%s", where, e->key);
		if (IS(e, "add"))
			r = kube_get_strv(c, e->value, w, &k->cap_add);
		else if (IS(e, "drop"))
			r = kube_get_strv(c, e->value, w, &k->cap_drop);
		else
			kube_unsupported(c, e->line, where, e->key);
	}
	return r;
}

static int parse_security(const struct kube_ctx *c, const struct berth_yaml_entry *sc,
			  const char *where, struct kube_container *k)
{
	char w[300];
	int64_t uid = -1, gid = -1;
	bool non_root = false;
	int r = kube_expect(c, sc->value, BERTH_YAML_MAP, sc->line, where);
	for (size_t i = 0; r >= 0 && i < sc->value->n; i++) {
		const struct berth_yaml_entry *e = &sc->value->entries[i];
		kube_where(w, sizeof(w), "%s.%s", where, e->key);
		bool priv = false;
		if (IS(e, "runAsUser"))
			r = kube_get_int(c, e->value, w, 0, 4294967294LL, &uid);
		else if (IS(e, "runAsGroup"))
			r = kube_get_int(c, e->value, w, 0, 4294967294LL, &gid);
		else if (IS(e, "runAsNonRoot"))
			r = kube_get_bool(c, e->value, w, &non_root);
		else if (IS(e, "readOnlyRootFilesystem"))
			r = kube_get_bool(c, e->value, w, &k->read_only);
		else if (IS(e, "capabilities"))
			r = parse_capabilities(c, e, w, k);
		else if (IS(e, "privileged") || IS(e, "allowPrivilegeEscalation")) {
			r = kube_get_bool(c, e->value, w, &priv);
			if (r >= 0 && priv && IS(e, "privileged"))
				r = kube_fail(c, e->line, w, "privileged containers are refused");
		} else
			kube_unsupported(c, e->line, where, e->key);
	}
	if (r < 0)
		return r;
	if (non_root && uid == 0)
		return kube_fail(c, sc->line, where, "runAsNonRoot with runAsUser 0");
	if (gid >= 0 && uid < 0)
		uid = 0; /* berth's --user takes the group after a user */
	if (uid >= 0)
		k->user = berth_xasprintf(gid >= 0 ? "%lld:%lld" : "%lld", (long long)uid,
					  (long long)gid);
	return 0;
}

/* A probe: its exec form as the health check; the first of liveness, readiness, startup. */
static int parse_probe(const struct kube_ctx *c, const struct berth_yaml_entry *pe,
		       const char *where, struct kube_container *k)
{
	char w[300];
	struct kube_probe p = {.period_s = 10,
			       .timeout_s = 1,
			       .failure_threshold = 3,
			       .liveness = IS(pe, "livenessProbe")};
	int r = kube_expect(c, pe->value, BERTH_YAML_MAP, pe->line, where);
	bool exec = false;
	for (size_t i = 0; r >= 0 && i < pe->value->n; i++) {
		const struct berth_yaml_entry *e = &pe->value->entries[i];
		kube_where(w, sizeof(w), "%s.%s", where, e->key);
		if (IS(e, "exec")) {
			r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, w);
			const struct berth_yaml_node *cmd =
				r < 0 ? NULL : berth_yaml_get(e->value, "command");
			char w2[340];
			kube_where(w2, sizeof(w2), "%s.command", w);
			if (r >= 0)
				r = cmd ? kube_get_strv(c, cmd, w2, &p.exec)
					: kube_fail(c, e->line, w2, "is required");
			if (r >= 0 && (!p.exec || !p.exec[0]))
				r = kube_fail(c, e->line, w2, "must not be empty");
			exec = true;
		} else if (IS(e, "periodSeconds"))
			r = kube_get_int(c, e->value, w, 1, 86400, &p.period_s);
		else if (IS(e, "timeoutSeconds"))
			r = kube_get_int(c, e->value, w, 1, 86400, &p.timeout_s);
		else if (IS(e, "initialDelaySeconds"))
			r = kube_get_int(c, e->value, w, 0, 86400, &p.initial_delay_s);
		else if (IS(e, "failureThreshold"))
			r = kube_get_int(c, e->value, w, 1, 1000, &p.failure_threshold);
		else if (!IS(e, "successThreshold"))
			kube_unsupported(c, e->line, where, e->key);
	}
	if (r < 0 || !exec || k->probe) {
		if (r >= 0 && k->probe)
			kube_unsupported(c, pe->line, "", where);
		berth_strv_free(p.exec);
		return r;
	}
	k->probe = berth_xmemdup(&p, sizeof(p));
	return 0;
}

static int parse_env_ref(const struct kube_ctx *c, const struct berth_yaml_entry *from,
			 const char *where, struct kube_env *env)
{
	char w[300];
	int r = kube_expect(c, from->value, BERTH_YAML_MAP, from->line, where);
	for (size_t i = 0; r >= 0 && i < from->value->n; i++) {
		const struct berth_yaml_entry *e = &from->value->entries[i];
		if (!IS(e, "configMapKeyRef") && !IS(e, "secretKeyRef")) {
			kube_unsupported(c, e->line, where, e->key);
			continue;
		}
		kube_where(w, sizeof(w), "%s.%s", where, e->key);
		env->ref_secret = IS(e, "secretKeyRef");
		r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, w);
		for (size_t j = 0; r >= 0 && j < e->value->n; j++) {
			const struct berth_yaml_entry *f = &e->value->entries[j];
			char w2[340];
			kube_where(w2, sizeof(w2), "%s.%s", w, f->key);
			if (IS(f, "name"))
				r = kube_get_str(c, f->value, f->line, w2, &env->ref_name);
			else if (IS(f, "key"))
				r = kube_get_str(c, f->value, f->line, w2, &env->ref_key);
			else if (IS(f, "optional"))
				r = kube_get_bool(c, f->value, w2, &env->optional);
			else
				kube_unsupported(c, f->line, w, f->key);
		}
		if (r >= 0 && (!env->ref_name || !env->ref_key))
			r = kube_fail(c, e->line, w, "name and key are required");
	}
	return r;
}

static int parse_env_item(const struct kube_ctx *c, const struct berth_yaml_node *it, const char *w,
			  void *userdata)
{
	struct kube_container *k = userdata;
	int r = 0;
	k->env = berth_xreallocarray(k->env, k->n_env + 1, sizeof(*k->env));
	struct kube_env *env = &k->env[k->n_env++];
	*env = (struct kube_env){.line = it->line};
	for (size_t j = 0; r >= 0 && j < it->n; j++) {
		const struct berth_yaml_entry *e = &it->entries[j];
		char w2[340];
		kube_where(w2, sizeof(w2), "%s.%s", w, e->key);
		if (IS(e, "name"))
			r = kube_get_str(c, e->value, e->line, w2, &env->name);
		else if (IS(e, "value"))
			r = kube_get_str(c, e->value, e->line, w2, &env->value);
		else if (IS(e, "valueFrom"))
			r = parse_env_ref(c, e, w2, env);
		else
			kube_unsupported(c, e->line, w, e->key);
	}
	if (r >= 0 && (!env->name || !*env->name || strchr(env->name, '=')))
		r = kube_fail(c, it->line, w, "a name (without '=') is required");
	if (r >= 0 && !env->value && !env->ref_name)
		env->value = berth_xstrdup("");
	return r;
}

static int parse_env(const struct kube_ctx *c, const struct berth_yaml_entry *list,
		     const char *where, struct kube_container *k)
{
	return kube_each_item(c, list, where, parse_env_item, k);
}

static int parse_env_from_item(const struct kube_ctx *c, const struct berth_yaml_node *it,
			       const char *w, void *userdata)
{
	struct kube_container *k = userdata;
	int r = 0;
	k->env_from = berth_xreallocarray(k->env_from, k->n_env_from + 1, sizeof(*k->env_from));
	struct kube_env_from *ef = &k->env_from[k->n_env_from++];
	*ef = (struct kube_env_from){.line = it->line};
	for (size_t j = 0; r >= 0 && j < it->n; j++) {
		const struct berth_yaml_entry *e = &it->entries[j];
		char w2[340];
		kube_where(w2, sizeof(w2), "%s.%s", w, e->key);
		if (IS(e, "prefix")) {
			r = kube_get_str(c, e->value, e->line, w2, &ef->prefix);
		} else if (IS(e, "configMapRef") || IS(e, "secretRef")) {
			ef->secret = IS(e, "secretRef");
			r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, w2);
			const struct berth_yaml_node *n =
				r < 0 ? NULL : berth_yaml_get(e->value, "name");
			const struct berth_yaml_node *o =
				r < 0 ? NULL : berth_yaml_get(e->value, "optional");
			if (r >= 0)
				r = kube_get_str(c, n, e->line, w2, &ef->name);
			if (r >= 0 && o)
				r = kube_get_bool(c, o, w2, &ef->optional);
		} else {
			kube_unsupported(c, e->line, w, e->key);
		}
	}
	if (r >= 0 && !ef->name)
		r = kube_fail(c, it->line, w, "configMapRef or secretRef is required");
	return r;
}

static int parse_env_from(const struct kube_ctx *c, const struct berth_yaml_entry *list,
			  const char *where, struct kube_container *k)
{
	return kube_each_item(c, list, where, parse_env_from_item, k);
}

static int parse_ports_item(const struct kube_ctx *c, const struct berth_yaml_node *it,
			    const char *w, void *userdata)
{
	struct kube_container *k = userdata;
	int r = 0;
	int64_t cport = 0, hport = 0;
	int proto = IPPROTO_TCP;
	for (size_t j = 0; r >= 0 && j < it->n; j++) {
		const struct berth_yaml_entry *e = &it->entries[j];
		char w2[340];
		kube_where(w2, sizeof(w2), "%s.%s", w, e->key);
		if (IS(e, "containerPort"))
			r = kube_get_int(c, e->value, w2, 1, 65535, &cport);
		else if (IS(e, "hostPort"))
			r = kube_get_int(c, e->value, w2, 0, 65535, &hport);
		else if (IS(e, "protocol")) {
			const char *v = e->value->kind == BERTH_YAML_SCALAR ? e->value->value : "";
			if (strcmp(v, "UDP") == 0)
				proto = IPPROTO_UDP;
			else if (strcmp(v, "TCP") != 0)
				r = kube_fail(c, e->line, w2, "TCP or UDP");
		} else if (!IS(e, "name"))
			kube_unsupported(c, e->line, w, e->key);
	}
	if (r >= 0 && !cport)
		r = kube_fail(c, it->line, w, "containerPort is required");
	if (r < 0)
		return r;
	k->ports = berth_xreallocarray(k->ports, k->n_ports + 1, sizeof(*k->ports));
	k->ports[k->n_ports++] = (struct kube_port){(uint16_t)cport, (uint16_t)hport, proto};
	return r;
}

static int parse_ports(const struct kube_ctx *c, const struct berth_yaml_entry *list,
		       const char *where, struct kube_container *k)
{
	return kube_each_item(c, list, where, parse_ports_item, k);
}

static int parse_mounts_item(const struct kube_ctx *c, const struct berth_yaml_node *it,
			     const char *w, void *userdata)
{
	struct kube_container *k = userdata;
	int r = 0;
	k->mounts = berth_xreallocarray(k->mounts, k->n_mounts + 1, sizeof(*k->mounts));
	struct kube_vmount *vm = &k->mounts[k->n_mounts++];
	*vm = (struct kube_vmount){.line = it->line};
	for (size_t j = 0; r >= 0 && j < it->n; j++) {
		const struct berth_yaml_entry *e = &it->entries[j];
		char w2[340];
		kube_where(w2, sizeof(w2), "%s.%s", w, e->key);
		if (IS(e, "name"))
			r = kube_get_str(c, e->value, e->line, w2, &vm->name);
		else if (IS(e, "mountPath"))
			r = kube_get_str(c, e->value, e->line, w2, &vm->path);
		else if (IS(e, "subPath"))
			r = kube_get_str(c, e->value, e->line, w2, &vm->sub_path);
		else if (IS(e, "readOnly"))
			r = kube_get_bool(c, e->value, w2, &vm->read_only);
		else
			kube_unsupported(c, e->line, w, e->key);
	}
	if (r >= 0 && (!vm->name || !vm->path || vm->path[0] != '/' || !vm->path[1]))
		r = kube_fail(c, it->line, w, "name and an absolute mountPath are required");
	if (r >= 0 && vm->sub_path &&
	    (vm->sub_path[0] == '/' || strstr(vm->sub_path, "..") || !vm->sub_path[0]))
		r = kube_fail(c, it->line, w, "subPath must be a relative path without \"..\"");
	return r;
}

static int parse_mounts(const struct kube_ctx *c, const struct berth_yaml_entry *list,
			const char *where, struct kube_container *k)
{
	return kube_each_item(c, list, where, parse_mounts_item, k);
}

static int parse_pull(const struct kube_ctx *c, const struct berth_yaml_entry *e, const char *w,
		      struct kube_container *k)
{
	const char *v = e->value->kind == BERTH_YAML_SCALAR ? e->value->value : "";
	if (strcmp(v, "Always") == 0)
		k->pull = KUBE_PULL_ALWAYS;
	else if (strcmp(v, "Never") == 0)
		k->pull = KUBE_PULL_NEVER;
	else if (strcmp(v, "IfNotPresent") == 0)
		k->pull = KUBE_PULL_IF_NOT_PRESENT;
	else
		return kube_fail(c, e->line, w, "Always, IfNotPresent or Never");
	return 0;
}

static int parse_container_field(const struct kube_ctx *c, const struct berth_yaml_entry *e,
				 const char *where, struct kube_container *k)
{
	char w[300];
	kube_where(w, sizeof(w), "%s.%s", where, e->key);
	if (IS(e, "name"))
		return kube_get_str(c, e->value, e->line, w, &k->name);
	if (IS(e, "image"))
		return kube_get_str(c, e->value, e->line, w, &k->image);
	if (IS(e, "imagePullPolicy"))
		return parse_pull(c, e, w, k);
	if (IS(e, "command"))
		return kube_get_strv(c, e->value, w, &k->command);
	if (IS(e, "args"))
		return kube_get_strv(c, e->value, w, &k->args);
	if (IS(e, "workingDir"))
		return kube_get_str(c, e->value, e->line, w, &k->workdir);
	if (IS(e, "env"))
		return parse_env(c, e, w, k);
	if (IS(e, "envFrom"))
		return parse_env_from(c, e, w, k);
	if (IS(e, "ports"))
		return parse_ports(c, e, w, k);
	if (IS(e, "volumeMounts"))
		return parse_mounts(c, e, w, k);
	if (IS(e, "resources"))
		return parse_resources(c, e, w, k);
	if (IS(e, "securityContext"))
		return parse_security(c, e, w, k);
	if (IS(e, "livenessProbe") || IS(e, "readinessProbe") || IS(e, "startupProbe"))
		return parse_probe(c, e, w, k);
	if (!IS(e, "terminationMessagePath") && !IS(e, "terminationMessagePolicy"))
		kube_unsupported(c, e->line, where, e->key);
	return 0;
}

static int parse_containers(const struct kube_ctx *c, const struct berth_yaml_entry *list,
			    const char *where, struct kube_podspec *p)
{
	char w[300];
	int r = kube_expect(c, list->value, BERTH_YAML_SEQ, list->line, where);
	if (r >= 0 && list->value->n == 0)
		r = kube_fail(c, list->line, where, "at least one container is required");
	for (size_t i = 0; r >= 0 && i < list->value->n; i++) {
		const struct berth_yaml_node *it = list->value->items[i];
		kube_where(w, sizeof(w), "%s[%zu]", where, i);
		r = kube_expect(c, it, BERTH_YAML_MAP, it->line, w);
		if (r < 0)
			break;
		p->containers = berth_xreallocarray(p->containers, p->n_containers + 1,
						    sizeof(*p->containers));
		struct kube_container *k = &p->containers[p->n_containers++];
		*k = (struct kube_container){.line = it->line, .memory = -1, .nano_cpus = -1};
		for (size_t j = 0; r >= 0 && j < it->n; j++)
			r = parse_container_field(c, &it->entries[j], w, k);
		if (r >= 0 && (!k->name || !kube_name_is_valid(k->name) || strchr(k->name, '.')))
			r = kube_fail(c, it->line, w, "name: a DNS label is required");
		if (r >= 0 && (!k->image || !*k->image))
			r = kube_fail(c, it->line, w, "image is required");
		for (size_t j = 0; r >= 0 && j < i; j++)
			if (strcmp(p->containers[j].name, k->name) == 0)
				r = kube_fail(c, it->line, w, "name \"%s\" given twice", k->name);
	}
	return r;
}

/* A file mode: 0644 and 0o644 octal (YAML 1.1 and 1.2), 420 decimal (JSON's form). */
static int get_mode(const struct kube_ctx *c, const struct berth_yaml_node *v, const char *where,
		    int *ret)
{
	const char *s = v && v->kind == BERTH_YAML_SCALAR ? v->value : "";
	bool octal = s[0] == '0' && s[1];
	if (octal && s[1] == 'o')
		s += 2;
	char *end = NULL;
	errno = 0;
	long m = *s ? strtol(s, &end, octal ? 8 : 10) : -1;
	if (errno || !end || *end || m < 0 || m > 0777)
		return kube_fail(c, v ? v->line : 0, where, "must be a file mode (0 to 0777)");
	*ret = (int)m;
	return 0;
}

static int parse_items_item(const struct kube_ctx *c, const struct berth_yaml_node *it,
			    const char *w, void *userdata)
{
	struct kube_volume *v = userdata;
	int r = 0;
	v->items = berth_xreallocarray(v->items, v->n_items + 1, sizeof(*v->items));
	struct kube_item *item = &v->items[v->n_items++];
	*item = (struct kube_item){.mode = -1};
	const struct berth_yaml_node *mode = berth_yaml_get(it, "mode");
	r = kube_get_str(c, berth_yaml_get(it, "key"), it->line, w, &item->key);
	if (r >= 0)
		r = kube_get_str(c, berth_yaml_get(it, "path"), it->line, w, &item->path);
	if (r >= 0 && mode)
		r = get_mode(c, mode, w, &item->mode);
	/* one file name in the volume: a path with directories is not made */
	if (r >= 0 && (strchr(item->path, '/') || !item->path[0] || strcmp(item->path, ".") == 0 ||
		       strcmp(item->path, "..") == 0))
		r = kube_fail(c, it->line, w, "path: a file name (no '/') is required");
	return r;
}

static int parse_items(const struct kube_ctx *c, const struct berth_yaml_entry *list,
		       const char *where, struct kube_volume *v)
{
	return kube_each_item(c, list, where, parse_items_item, v);
}

/* configMap / secret: the object's name, items, defaultMode, optional. */
static int parse_data_source(const struct kube_ctx *c, const struct berth_yaml_entry *src,
			     const char *where, struct kube_volume *v)
{
	char w[340];
	bool secret = IS(src, "secret");
	v->kind = secret ? KUBE_VOLUME_SECRET : KUBE_VOLUME_CONFIGMAP;
	v->default_mode = 0644;
	int r = kube_expect(c, src->value, BERTH_YAML_MAP, src->line, where);
	for (size_t i = 0; r >= 0 && i < src->value->n; i++) {
		const struct berth_yaml_entry *e = &src->value->entries[i];
		kube_where(w, sizeof(w), "%s.%s", where, e->key);
		if (IS(e, secret ? "secretName" : "name"))
			r = kube_get_str(c, e->value, e->line, w, &v->source);
		else if (IS(e, "items"))
			r = parse_items(c, e, w, v);
		else if (IS(e, "optional"))
			r = kube_get_bool(c, e->value, w, &v->optional);
		else if (IS(e, "defaultMode"))
			r = get_mode(c, e->value, w, &v->default_mode);
		else
			kube_unsupported(c, e->line, where, e->key);
	}
	if (r >= 0 && !v->source)
		r = kube_fail(c, src->line, where, "%s is required",
			      secret ? "secretName" : "name");
	return r;
}

static int parse_volume_source(const struct kube_ctx *c, const struct berth_yaml_entry *e,
			       const char *w, struct kube_volume *v)
{
	int r = 0;
	if (IS(e, "configMap") || IS(e, "secret"))
		return parse_data_source(c, e, w, v);
	if (IS(e, "emptyDir")) {
		v->kind = KUBE_VOLUME_EMPTYDIR;
		const struct berth_yaml_node *medium = berth_yaml_get(e->value, "medium");
		_cleanup_free_ char *m = NULL;
		if (e->value->kind != BERTH_YAML_NULL)
			r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, w);
		if (r >= 0 && medium)
			r = kube_get_str(c, medium, e->line, w, &m);
		if (r >= 0 && m && strcmp(m, "Memory") != 0 && *m)
			r = kube_fail(c, medium->line, w, "medium: \"\" or Memory");
		v->memory = m && strcmp(m, "Memory") == 0;
		return r;
	}
	if (IS(e, "hostPath") || IS(e, "persistentVolumeClaim")) {
		bool host = IS(e, "hostPath");
		v->kind = host ? KUBE_VOLUME_HOSTPATH : KUBE_VOLUME_CLAIM;
		r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, w);
		if (r >= 0)
			r = kube_get_str(c, berth_yaml_get(e->value, host ? "path" : "claimName"),
					 e->line, w, &v->source);
		if (r >= 0 && host && v->source[0] != '/')
			r = kube_fail(c, e->line, w, "path must be absolute");
		return r;
	}
	kube_unsupported(c, e->line, w, "");
	return 1; /* not a source berth makes */
}

static int parse_volumes_item(const struct kube_ctx *c, const struct berth_yaml_node *it,
			      const char *w, void *userdata)
{
	struct kube_podspec *p = userdata;
	int r = 0;
	struct kube_volume v = {.line = it->line};
	bool have_source = false;
	for (size_t j = 0; r >= 0 && j < it->n; j++) {
		const struct berth_yaml_entry *e = &it->entries[j];
		char w2[340];
		kube_where(w2, sizeof(w2), "%s.%s", w, e->key);
		if (IS(e, "name")) {
			r = kube_get_str(c, e->value, e->line, w2, &v.name);
			continue;
		}
		if (have_source) {
			r = kube_fail(c, e->line, w2, "a volume has one source");
			break;
		}
		r = parse_volume_source(c, e, w2, &v);
		have_source = r == 0;
		r = r > 0 ? 0 : r;
	}
	p->volumes = berth_xreallocarray(p->volumes, p->n_volumes + 1, sizeof(*p->volumes));
	p->volumes[p->n_volumes++] = v;
	if (r >= 0 && (!v.name || !have_source))
		r = kube_fail(c, it->line, w, "a name and a supported source are required");
	return r;
}

static int parse_volumes(const struct kube_ctx *c, const struct berth_yaml_entry *list,
			 const char *where, struct kube_podspec *p)
{
	return kube_each_item(c, list, where, parse_volumes_item, p);
}

static int parse_restart(const struct kube_ctx *c, const struct berth_yaml_entry *e,
			 struct kube_podspec *p)
{
	_cleanup_free_ char *v = NULL;
	int r = kube_get_str(c, e->value, e->line, "spec.restartPolicy", &v);
	if (r < 0)
		return r;
	const char *mapped = strcmp(v, "Always") == 0	   ? "always"
			     : strcmp(v, "OnFailure") == 0 ? "on-failure"
			     : strcmp(v, "Never") == 0	   ? "no"
							   : NULL;
	if (!mapped)
		return kube_fail(c, e->line, "spec.restartPolicy", "Always, OnFailure or Never");
	free(p->restart);
	p->restart = berth_xstrdup(mapped);
	return 0;
}

static int parse_podspec(const struct kube_ctx *c, const struct berth_yaml_node *spec,
			 const char *where, struct kube_podspec *p)
{
	char w[300];
	int r = 0;
	bool containers = false;
	if (!spec) /* the callers check it is a mapping first */
		return kube_fail(c, 0, where, "is required");
	for (size_t i = 0; r >= 0 && i < spec->n; i++) {
		const struct berth_yaml_entry *e = &spec->entries[i];
		kube_where(w, sizeof(w), "%s.%s", where, e->key);
		if (IS(e, "containers")) {
			r = parse_containers(c, e, w, p);
			containers = true;
		} else if (IS(e, "volumes"))
			r = parse_volumes(c, e, w, p);
		else if (IS(e, "restartPolicy"))
			r = parse_restart(c, e, p);
		else if (IS(e, "hostname"))
			r = kube_get_str(c, e->value, e->line, w, &p->hostname);
		else
			kube_unsupported(c, e->line, where, e->key);
	}
	if (r >= 0 && !containers)
		r = kube_fail(c, spec->line, where, "containers is required");
	/* every mount names a volume of the pod */
	for (size_t i = 0; r >= 0 && i < p->n_containers; i++)
		for (size_t j = 0; r >= 0 && j < p->containers[i].n_mounts; j++) {
			const struct kube_vmount *vm = &p->containers[i].mounts[j];
			bool found = false;
			for (size_t k = 0; k < p->n_volumes; k++)
				found |= strcmp(p->volumes[k].name, vm->name) == 0;
			if (!found)
				r = kube_fail(c, vm->line, "volumeMounts",
					      "no volume \"%s\" in the pod", vm->name);
		}
	return r;
}

/* A Deployment's spec: replicas and the template (metadata.labels, spec). */
static int parse_deployment_spec(const struct kube_ctx *c, const struct berth_yaml_node *spec,
				 struct kube_podspec *p)
{
	int r = 0;
	const struct berth_yaml_node *tspec = NULL;
	int tline = spec->line;
	for (size_t i = 0; r >= 0 && i < spec->n; i++) {
		const struct berth_yaml_entry *e = &spec->entries[i];
		int64_t n = 1;
		if (IS(e, "replicas")) {
			r = kube_get_int(c, e->value, "spec.replicas", 0, 64, &n);
			p->replicas = (unsigned)n;
		} else if (IS(e, "template")) {
			tline = e->line;
			r = kube_expect(c, e->value, BERTH_YAML_MAP, e->line, "spec.template");
			const struct berth_yaml_node *meta =
				r < 0 ? NULL : berth_yaml_get(e->value, "metadata");
			if (meta)
				r = kube_expect(c, meta, BERTH_YAML_MAP, e->line,
						"spec.template.metadata");
			if (r >= 0 && meta)
				r = kube_parse_object_meta(c, meta, "spec.template.metadata", NULL,
							   &p->labels);
			if (r >= 0)
				tspec = berth_yaml_get(e->value, "spec");
		} else if (!IS(e, "selector")) {
			kube_unsupported(c, e->line, "spec", e->key);
		}
	}
	if (r >= 0)
		r = kube_expect(c, tspec, BERTH_YAML_MAP, tline, "spec.template.spec");
	if (r >= 0)
		r = parse_podspec(c, tspec, "spec.template.spec", p);
	return r;
}

int kube_parse_pod(const struct kube_ctx *c, const struct berth_yaml_node *doc, bool deployment)
{
	struct kube_manifest *m = c->m;
	m->pods = berth_xreallocarray(m->pods, m->n_pods + 1, sizeof(*m->pods));
	struct kube_podspec *p = &m->pods[m->n_pods++];
	*p = (struct kube_podspec){.replicas = 1, .deployment = deployment, .line = doc->line};
	int r = kube_parse_object_meta_of(c, doc, &p->name, deployment ? NULL : &p->labels);
	const struct berth_yaml_entry *spec = berth_yaml_entry(doc, "spec");
	if (r >= 0 && !spec)
		return kube_fail(c, doc->line, "spec", "is required");
	if (r >= 0)
		r = kube_expect(c, spec->value, BERTH_YAML_MAP, spec->line, "spec");
	if (r >= 0)
		r = deployment ? parse_deployment_spec(c, spec->value, p)
			       : parse_podspec(c, spec->value, "spec", p);
	for (size_t i = 0; r >= 0 && i < doc->n; i++)
		if (!IS(&doc->entries[i], "apiVersion") && !IS(&doc->entries[i], "kind") &&
		    !IS(&doc->entries[i], "metadata") && !IS(&doc->entries[i], "spec") &&
		    !IS(&doc->entries[i], "status"))
			kube_unsupported(c, doc->entries[i].line, "", doc->entries[i].key);
	if (r < 0)
		return r;
	p->object = berth_xasprintf("%s/%s", deployment ? "Deployment" : "Pod", p->name);
	for (size_t i = 0; i + 1 < m->n_pods; i++)
		if (strcmp(m->pods[i].object, p->object) == 0)
			return kube_fail(c, doc->line, "metadata.name", "%s defined twice",
					 p->object);
	return 0;
}

static int parse_service_port(const struct kube_ctx *c, const struct berth_yaml_node *it,
			      const char *w, struct kube_service *s)
{
	int64_t port = 0, target = 0, node = 0;
	int proto = IPPROTO_TCP;
	int r = kube_expect(c, it, BERTH_YAML_MAP, it->line, w);
	for (size_t j = 0; r >= 0 && j < it->n; j++) {
		const struct berth_yaml_entry *e = &it->entries[j];
		char w2[340];
		kube_where(w2, sizeof(w2), "%s.%s", w, e->key);
		if (IS(e, "port"))
			r = kube_get_int(c, e->value, w2, 1, 65535, &port);
		else if (IS(e, "targetPort"))
			r = kube_get_int(c, e->value, w2, 1, 65535, &target);
		else if (IS(e, "nodePort"))
			r = kube_get_int(c, e->value, w2, 1, 65535, &node);
		else if (IS(e, "protocol"))
			proto = e->value->kind == BERTH_YAML_SCALAR &&
						strcmp(e->value->value, "UDP") == 0
					? IPPROTO_UDP
					: IPPROTO_TCP;
		else if (!IS(e, "name"))
			kube_unsupported(c, e->line, w, e->key);
	}
	if (r >= 0 && !port)
		r = kube_fail(c, it->line, w, "port is required");
	if (r < 0)
		return r;
	s->ports = berth_xreallocarray(s->ports, s->n_ports + 1, sizeof(*s->ports));
	s->ports[s->n_ports++] = (struct kube_service_port){
		(uint16_t)port, (uint16_t)(target ? target : port), (uint16_t)node, proto};
	return 0;
}

int kube_parse_service(const struct kube_ctx *c, const struct berth_yaml_node *doc)
{
	struct kube_manifest *m = c->m;
	m->services = berth_xreallocarray(m->services, m->n_services + 1, sizeof(*m->services));
	struct kube_service *s = &m->services[m->n_services++];
	*s = (struct kube_service){.line = doc->line};
	int r = kube_parse_object_meta_of(c, doc, &s->name, NULL);
	const struct berth_yaml_node *spec = berth_yaml_get(doc, "spec");
	if (r >= 0)
		r = kube_expect(c, spec, BERTH_YAML_MAP, doc->line, "spec");
	for (size_t i = 0; r >= 0 && i < spec->n; i++) {
		const struct berth_yaml_entry *e = &spec->entries[i];
		char w[300];
		kube_where(w, sizeof(w), "spec.%s", e->key);
		if (IS(e, "selector")) {
			r = kube_parse_string_map(c, e->value, e->line, w, &s->selector);
		} else if (IS(e, "ports")) {
			r = kube_expect(c, e->value, BERTH_YAML_SEQ, e->line, w);
			for (size_t j = 0; r >= 0 && j < e->value->n; j++) {
				char w2[340];
				kube_where(w2, sizeof(w2), "%s[%zu]", w, j);
				r = parse_service_port(c, e->value->items[j], w2, s);
			}
		} else if (!IS(e, "type")) {
			kube_unsupported(c, e->line, "spec", e->key);
		}
	}
	return r;
}

static void container_release(struct kube_container *k)
{
	free(k->name);
	free(k->image);
	berth_strv_free(k->command);
	berth_strv_free(k->args);
	free(k->workdir);
	for (size_t i = 0; i < k->n_env; i++) {
		free(k->env[i].name);
		free(k->env[i].value);
		free(k->env[i].ref_name);
		free(k->env[i].ref_key);
	}
	free(k->env);
	for (size_t i = 0; i < k->n_env_from; i++) {
		free(k->env_from[i].name);
		free(k->env_from[i].prefix);
	}
	free(k->env_from);
	free(k->ports);
	for (size_t i = 0; i < k->n_mounts; i++) {
		free(k->mounts[i].name);
		free(k->mounts[i].path);
		free(k->mounts[i].sub_path);
	}
	free(k->mounts);
	free(k->user);
	berth_strv_free(k->cap_add);
	berth_strv_free(k->cap_drop);
	if (k->probe)
		berth_strv_free(k->probe->exec);
	free(k->probe);
}

static void podspec_release(struct kube_podspec *p)
{
	free(p->name);
	free(p->object);
	free(p->restart);
	free(p->hostname);
	berth_strv_free(p->labels);
	for (size_t i = 0; i < p->n_containers; i++)
		container_release(&p->containers[i]);
	free(p->containers);
	for (size_t i = 0; i < p->n_volumes; i++) {
		struct kube_volume *v = &p->volumes[i];
		free(v->name);
		free(v->source);
		for (size_t j = 0; j < v->n_items; j++) {
			free(v->items[j].key);
			free(v->items[j].path);
		}
		free(v->items);
	}
	free(p->volumes);
}

void kube_manifest_release(struct kube_manifest *m)
{
	for (size_t i = 0; i < m->n_pods; i++)
		podspec_release(&m->pods[i]);
	free(m->pods);
	for (size_t i = 0; i < m->n_data; i++) {
		free(m->data[i].name);
		for (size_t j = 0; j < m->data[i].n_blobs; j++) {
			free(m->data[i].blobs[j].key);
			free(m->data[i].blobs[j].data);
		}
		free(m->data[i].blobs);
	}
	free(m->data);
	for (size_t i = 0; i < m->n_services; i++) {
		free(m->services[i].name);
		berth_strv_free(m->services[i].selector);
		free(m->services[i].ports);
	}
	free(m->services);
	berth_strv_free(m->claims);
	berth_strv_free(m->warnings);
	*m = (struct kube_manifest){0};
}
