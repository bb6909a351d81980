/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "dockerfile/shell.h"
#include "layer/layer.h"

double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char **sstate_env(struct sstate *ss)
{
	char **env = berth_strv_copy(ss->args);
	json_t *e = json_object_get(bimage_cfg(&ss->img), "Env");
	size_t i;
	json_t *v;
	json_array_foreach (e, i, v) {
		if (json_is_string(v))
			berth_strv_push(&env, json_string_value(v));
	}
	return env;
}

int sstate_expand(struct sstate *ss, const char *word, char **ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **env = sstate_env(ss);
	return berth_shell_expand_word(word, env, ss->b->df->escape, ret, err);
}

void sstate_history(struct sstate *ss, const char *created_by, bool empty_layer)
{
	const struct berth_build_options *o = ss->b->o;
	if (ss->b->config_only)
		return; /* Docker's --change adds no history entry */
	_cleanup_free_ char *created =
		berth_image_created_time(o->has_source_date_epoch ? &o->source_date_epoch : NULL);
	json_t *h = json_object_get(ss->img.config, "history");
	if (!json_is_array(h)) {
		h = json_array();
		json_object_set_new(ss->img.config, "history", h);
	}
	json_t *e = json_object();
	json_object_set_new(e, "created", json_string(created));
	json_object_set_new(e, "created_by", json_string(created_by));
	json_object_set_new(e, "comment", json_string("buildkit.dockerfile.v0"));
	if (empty_layer)
		json_object_set_new(e, "empty_layer", json_true());
	json_array_append_new(h, e);
	cache_keys_record(ss->img.config, &ss->key);
	json_object_set_new(ss->img.config, "created", json_string(created));
}

int step_begin(struct sstate *ss, const struct berth_dockerfile_instruction *ins, const char *text,
	       const void *extra, size_t extra_len, struct berth_error **err)
{
	struct builder *b = ss->b;
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	struct bimage hit;
	int r;

	berth_sha256_update(h, "berth-build-v1", 15);
	berth_sha256_update(h, ss->key.bytes, sizeof(ss->key.bytes));
	berth_sha256_update(h, text, strlen(text) + 1);
	if (extra)
		berth_sha256_update(h, extra, extra_len);
	berth_sha256_final(h, &ss->key);

	ss->source_hit = false;
	if (b->o->no_cache)
		return 0;
	r = bcache_get(b->store, &ss->key, &hit, err);
	if (r < 0)
		return r;
	if (r == 0) {
		/* --cache-from; a key made of the text alone may match by history */
		r = b->n_sources ? cachefrom_lookup(ss, ins, text, !extra || extra_len == 0, err)
				 : 0;
		if (r <= 0)
			return r;
	} else {
		bimage_release(&ss->img);
		ss->img = hit;
	}
	pthread_mutex_lock(&b->lock);
	b->cached++;
	pthread_mutex_unlock(&b->lock);
	builder_event(b, BERTH_BUILD_EVENT_CACHED, ss->step, 0, "CACHED");
	return 1;
}

int step_end(struct sstate *ss, struct berth_error **err)
{
	if (ss->b->config_only)
		return 0;
	int r = bcache_put(ss->b->store, &ss->key, &ss->img, err);
	if (r < 0)
		return r;
	if (ss->source_hit) {
		/* a metadata step a --cache-from image has: it ran here, as cheap as a hit */
		ss->source_hit = false;
		pthread_mutex_lock(&ss->b->lock);
		ss->b->cached++;
		pthread_mutex_unlock(&ss->b->lock);
		builder_event(ss->b, BERTH_BUILD_EVENT_CACHED, ss->step, 0, "CACHED");
		return 0;
	}
	builder_event(ss->b, BERTH_BUILD_EVENT_DONE, ss->step, now_seconds() - ss->started, "DONE");
	return 0;
}

/* Sets K=V in config.Env. */
static void config_env_set(json_t *cfg, const char *k, const char *v)
{
	json_t *env = json_object_get(cfg, "Env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
	size_t kl = strlen(k), i;
	json_t *e;
	_cleanup_free_ char *kv = berth_xasprintf("%s=%s", k, v);
	json_array_foreach (env, i, e) {
		const char *s = json_string_value(e);
		if (s && strncmp(s, k, kl) == 0 && s[kl] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

/* The stage's SHELL, or Docker's default. */
char **sstate_shell(struct sstate *ss)
{
	char **v = berth_json_to_strv(json_object_get(bimage_cfg(&ss->img), "Shell"));
	if (v)
		return v;
	berth_strv_push(&v, "/bin/sh");
	berth_strv_push(&v, "-c");
	return v;
}

/* exec form: the JSON array; shell form: SHELL + the text. */
static json_t *command_json(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    size_t from)
{
	if (ins->json) {
		json_t *a = json_array();
		for (size_t i = from; i < ins->n_args; i++)
			json_array_append_new(a, json_string(ins->args[i]));
		return a;
	}
	_cleanup_strv_free_ char **sh = sstate_shell(ss);
	json_t *a = berth_json_strv(sh);
	if (from < ins->n_args)
		json_array_append_new(a, json_string(ins->args[from]));
	return a;
}

static char *json_text(const json_t *j)
{
	return berth_json_dump(j, NULL);
}

static int flag_check(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		      const char *const *allowed, struct berth_error **err)
{
	for (size_t f = 0; f < ins->n_flags; f++) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= strcmp(*a, ins->flags[f].name) == 0;
		if (!ok) {
			berth_error_set(err, EINVAL, "unknown flag: --%s", ins->flags[f].name);
			return builder_error_at(ss->b, ins, err);
		}
	}
	return 0;
}

int parse_go_duration(const char *s, int64_t *ret, struct berth_error **err)
{
	const char *p = s;
	double total = 0;
	if (!*p)
		return berth_error_set(err, EINVAL, "invalid duration '%s'", s);
	if (strcmp(s, "0") == 0) {
		*ret = 0;
		return 0;
	}
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || v < 0)
			return berth_error_set(err, EINVAL, "invalid duration '%s'", s);
		p = end;
		double unit;
		if (strncmp(p, "ns", 2) == 0)
			unit = 1, p += 2;
		else if (strncmp(p, "us", 2) == 0 || strncmp(p, "\xc2\xb5s", 3) == 0)
			unit = 1e3, p += (*p == 'u') ? 2 : 3;
		else if (strncmp(p, "ms", 2) == 0)
			unit = 1e6, p += 2;
		else if (*p == 's')
			unit = 1e9, p += 1;
		else if (*p == 'm')
			unit = 60e9, p += 1;
		else if (*p == 'h')
			unit = 3600e9, p += 1;
		else
			return berth_error_set(err, EINVAL, "invalid duration '%s': missing unit",
					       s);
		total += v * unit;
	}
	if (total > 9.2e18)
		return berth_error_set(err, EINVAL, "invalid duration '%s'", s);
	*ret = (int64_t)total;
	return 0;
}

/* The key/value pairs of ENV and LABEL (triples key, value, sep), expanded. */
static int kv_pairs(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		    bool expand_keys, char ***ret_keys, char ***ret_vals, struct berth_error **err)
{
	_cleanup_strv_free_ char **keys = NULL, **vals = NULL;
	_cleanup_strv_free_ char **env = sstate_env(ss);
	int r;

	if (ins->n_args == 0 || ins->n_args % 3 != 0) {
		berth_error_set(err, EINVAL, "%s requires at least one argument",
				berth_dockerfile_keyword_name(ins->keyword));
		return builder_error_at(ss->b, ins, err);
	}
	for (size_t i = 0; i + 2 < ins->n_args; i += 3) {
		char *k = NULL, *v = NULL;
		if (expand_keys)
			r = berth_shell_expand_word(ins->args[i], env, ss->b->df->escape, &k, err);
		else
			k = berth_xstrdup(ins->args[i]), r = 0;
		if (r < 0)
			return builder_error_at(ss->b, ins, err);
		r = berth_shell_expand_word(ins->args[i + 1], env, ss->b->df->escape, &v, err);
		if (r < 0) {
			free(k);
			return builder_error_at(ss->b, ins, err);
		}
		if (!*k) {
			free(k);
			free(v);
			berth_error_set(err, EINVAL, "%s names can not be blank",
					berth_dockerfile_keyword_name(ins->keyword));
			return builder_error_at(ss->b, ins, err);
		}
		berth_strv_consume(&keys, k);
		berth_strv_consume(&vals, v);
	}
	*ret_keys = TAKE_PTR(keys);
	*ret_vals = TAKE_PTR(vals);
	return 0;
}

static int exec_env_label(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			  bool label, struct berth_error **err)
{
	_cleanup_strv_free_ char **keys = NULL, **vals = NULL;
	struct berth_buf text = BERTH_BUF_INIT;
	int r;

	r = kv_pairs(ss, ins, label, &keys, &vals, err);
	if (r < 0)
		return r;
	berth_buf_addstr(&text, label ? "LABEL" : "ENV");
	for (size_t i = 0; keys[i]; i++)
		berth_buf_addf(&text, " %s=%s", keys[i], vals[i]);
	r = step_begin(ss, ins, text.buf, NULL, 0, err);
	if (r != 0) {
		berth_buf_release(&text);
		return r < 0 ? r : 0;
	}
	json_t *cfg = bimage_cfg(&ss->img);
	for (size_t i = 0; keys[i]; i++) {
		if (label) {
			json_t *l = json_object_get(cfg, "Labels");
			if (!json_is_object(l)) {
				l = json_object();
				json_object_set_new(cfg, "Labels", l);
			}
			json_object_set_new(l, keys[i], json_string(vals[i]));
		} else {
			config_env_set(cfg, keys[i], vals[i]);
		}
	}
	sstate_history(ss, text.buf, true);
	berth_buf_release(&text);
	return step_end(ss, err);
}

static int exec_set_array(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			  const char *field, struct berth_error **err)
{
	const char *kw = berth_dockerfile_keyword_name(ins->keyword);
	_cleanup_json_ json_t *cmd = NULL;
	_cleanup_free_ char *js = NULL, *text = NULL, *created_by = NULL;
	int r;

	if (ins->keyword == BERTH_DOCKERFILE_SHELL && !ins->json) {
		berth_error_set(err, EINVAL, "SHELL requires the arguments to be in JSON form");
		return builder_error_at(ss->b, ins, err);
	}
	cmd = command_json(ss, ins, 0);
	js = json_text(cmd);
	text = berth_xasprintf("%s %s", kw, js);
	r = step_begin(ss, ins, text, NULL, 0, err);
	if (r != 0)
		return r < 0 ? r : 0;
	json_t *cfg = bimage_cfg(&ss->img);
	json_object_set(cfg, field, cmd);
	if (ins->keyword == BERTH_DOCKERFILE_CMD) {
		ss->cmd_set = true;
		/* BuildKit's dispatchCmd sets it for every CMD, for Docker's image spec */
		json_object_set_new(cfg, "ArgsEscaped", json_true());
	}
	if (ins->keyword == BERTH_DOCKERFILE_ENTRYPOINT && !ss->cmd_set)
		json_object_set_new(cfg, "Cmd", json_null()); /* BuildKit's CMD reset */
	/* BuildKit: CMD and ENTRYPOINT with %q, SHELL with %v */
	created_by = history_go_strings(kw, cmd, ins->keyword != BERTH_DOCKERFILE_SHELL);
	sstate_history(ss, created_by, true);
	return step_end(ss, err);
}

static int exec_words_set(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			  const char *field, struct berth_error **err)
{
	const char *kw = berth_dockerfile_keyword_name(ins->keyword);
	_cleanup_strv_free_ char **items = NULL;
	_cleanup_strv_free_ char **env = sstate_env(ss);
	struct berth_buf text = BERTH_BUF_INIT;
	int r;

	if (ins->n_args == 0) {
		berth_error_set(err, EINVAL, "%s requires at least one argument", kw);
		return builder_error_at(ss->b, ins, err);
	}
	for (size_t i = 0; i < ins->n_args; i++) {
		_cleanup_strv_free_ char **ws = NULL;
		r = berth_shell_expand_words(ins->args[i], env, ss->b->df->escape, &ws, err);
		if (r < 0)
			return builder_error_at(ss->b, ins, err);
		BERTH_STRV_FOREACH (w, ws) {
			if (ins->keyword == BERTH_DOCKERFILE_EXPOSE) {
				/* "80" is "80/tcp"; "8000-8002/udp" is three ports */
				_cleanup_free_ char *port = berth_xstrdup(*w);
				char *slash = strchr(port, '/');
				const char *proto = slash ? slash + 1 : "tcp";
				if (slash)
					*slash = '\0';
				char *end;
				long lo = strtol(port, &end, 10), hi = lo;
				if (*end == '-')
					hi = strtol(end + 1, &end, 10);
				if (*end || lo < 1 || hi > 65535 || hi < lo || hi - lo > 65535 ||
				    (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp") &&
				     strcasecmp(proto, "sctp"))) {
					berth_error_set(err, EINVAL, "invalid containerPort: %s",
							*w);
					berth_buf_release(&text);
					return builder_error_at(ss->b, ins, err);
				}
				for (long p = lo; p <= hi; p++) {
					char *s = berth_xasprintf("%ld/%s", p, proto);
					for (char *c = s; *c; c++)
						*c = (char)tolower((unsigned char)*c);
					berth_strv_consume(&items, s);
				}
			} else {
				if (!**w) {
					berth_error_set(err, EINVAL,
							"VOLUME specified can not be an empty "
							"string");
					berth_buf_release(&text);
					return builder_error_at(ss->b, ins, err);
				}
				berth_strv_push(&items, *w);
			}
		}
	}
	berth_buf_addstr(&text, kw);
	BERTH_STRV_FOREACH (it, items)
		berth_buf_addf(&text, " %s", *it);
	r = step_begin(ss, ins, text.buf, NULL, 0, err);
	if (r != 0) {
		berth_buf_release(&text);
		return r < 0 ? r : 0;
	}
	json_t *cfg = bimage_cfg(&ss->img);
	json_t *o = json_object_get(cfg, field);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(cfg, field, o);
	}
	BERTH_STRV_FOREACH (it, items)
		json_object_set_new(o, *it, json_object());
	_cleanup_free_ char *created_by = ins->keyword == BERTH_DOCKERFILE_EXPOSE
						  ? history_expose(items)
						  : history_volume(items);
	sstate_history(ss, created_by, true);
	berth_buf_release(&text);
	return step_end(ss, err);
}

static int exec_string_set(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			   json_t *obj_parent, const char *field, struct berth_error **err)
{
	const char *kw = berth_dockerfile_keyword_name(ins->keyword);
	_cleanup_free_ char *v = NULL, *text = NULL;
	int r;

	if (ins->n_args != 1) {
		berth_error_set(err, EINVAL, "%s requires exactly one argument", kw);
		return builder_error_at(ss->b, ins, err);
	}
	if (ins->keyword == BERTH_DOCKERFILE_MAINTAINER)
		v = berth_xstrdup(ins->args[0]);
	else if (sstate_expand(ss, ins->args[0], &v, err) < 0)
		return builder_error_at(ss->b, ins, err);
	if (ins->keyword == BERTH_DOCKERFILE_STOPSIGNAL) {
		const char *s = v;
		if (strncasecmp(s, "SIG", 3) == 0)
			s += 3;
		bool num = *s && strspn(s, "0123456789") == strlen(s);
		bool name = *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == strlen(s);
		if (!num && !name) {
			berth_error_set(err, EINVAL, "invalid signal: %s", v);
			return builder_error_at(ss->b, ins, err);
		}
	}
	text = berth_xasprintf("%s %s", kw, v);
	r = step_begin(ss, ins, text, NULL, 0, err);
	if (r != 0)
		return r < 0 ? r : 0;
	json_t *parent = obj_parent ? ss->img.config : bimage_cfg(&ss->img);
	json_object_set_new(parent, field, json_string(v));
	sstate_history(ss, text, true);
	return step_end(ss, err);
}

static int exec_healthcheck(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    struct berth_error **err)
{
	_cleanup_json_ json_t *hc = json_object();
	_cleanup_free_ char *text = NULL, *js = NULL, *created_by = NULL;
	int r;

	if (ins->n_args == 0) {
		berth_error_set(err, EINVAL, "HEALTHCHECK requires an argument");
		return builder_error_at(ss->b, ins, err);
	}
	if (strcasecmp(ins->args[0], "NONE") == 0) {
		if (ins->n_args > 1 || ins->n_flags) {
			berth_error_set(err, EINVAL, "HEALTHCHECK NONE takes no arguments");
			return builder_error_at(ss->b, ins, err);
		}
		json_t *t = json_array();
		json_array_append_new(t, json_string("NONE"));
		json_object_set_new(hc, "Test", t);
	} else if (strcasecmp(ins->args[0], "CMD") == 0) {
		if (ins->n_args < 2) {
			berth_error_set(err, EINVAL, "Missing command after HEALTHCHECK CMD");
			return builder_error_at(ss->b, ins, err);
		}
		json_t *t = json_array();
		if (ins->json) {
			json_array_append_new(t, json_string("CMD"));
			for (size_t i = 1; i < ins->n_args; i++)
				json_array_append_new(t, json_string(ins->args[i]));
		} else {
			json_array_append_new(t, json_string("CMD-SHELL"));
			json_array_append_new(t, json_string(ins->args[1]));
		}
		json_object_set_new(hc, "Test", t);
		static const char *const durs[] = {"interval", "timeout", "start-period",
						   "start-interval"};
		static const char *const keys[] = {"Interval", "Timeout", "StartPeriod",
						   "StartInterval"};
		for (size_t i = 0; i < 4; i++) {
			const struct berth_dockerfile_flag *f =
				berth_dockerfile_instruction_flag(ins, durs[i]);
			if (!f || !f->value)
				continue;
			int64_t ns;
			r = parse_go_duration(f->value, &ns, err);
			if (r < 0)
				return builder_error_at(ss->b, ins, err);
			json_object_set_new(hc, keys[i], json_integer(ns));
		}
		const struct berth_dockerfile_flag *f =
			berth_dockerfile_instruction_flag(ins, "retries");
		if (f && f->value) {
			char *end;
			long v = strtol(f->value, &end, 10);
			if (*end || v < 0) {
				berth_error_set(err, EINVAL, "invalid --retries value '%s'",
						f->value);
				return builder_error_at(ss->b, ins, err);
			}
			json_object_set_new(hc, "Retries", json_integer(v));
		}
	} else {
		berth_error_set(err, EINVAL, "Unknown type \"%s\" in HEALTHCHECK (try CMD)",
				ins->args[0]);
		return builder_error_at(ss->b, ins, err);
	}
	js = json_text(hc);
	text = berth_xasprintf("HEALTHCHECK %s", js);
	r = step_begin(ss, ins, text, NULL, 0, err);
	if (r != 0)
		return r < 0 ? r : 0;
	json_object_set(bimage_cfg(&ss->img), "Healthcheck", hc);
	created_by = history_healthcheck(hc);
	sstate_history(ss, created_by, true);
	return step_end(ss, err);
}

static int exec_onbuild(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	const char *body;
	int r;

	if (!ins->sub) {
		berth_error_set(err, EINVAL, "ONBUILD requires at least one argument");
		return builder_error_at(ss->b, ins, err);
	}
	if (ins->sub->keyword == BERTH_DOCKERFILE_ONBUILD ||
	    ins->sub->keyword == BERTH_DOCKERFILE_FROM ||
	    ins->sub->keyword == BERTH_DOCKERFILE_MAINTAINER) {
		berth_error_set(err, EINVAL, "%s isn't allowed as an ONBUILD trigger",
				berth_dockerfile_keyword_name(ins->sub->keyword));
		return builder_error_at(ss->b, ins, err);
	}
	/* the trigger is kept as written, after the ONBUILD word */
	body = ins->original;
	while (*body && !isspace((unsigned char)*body))
		body++;
	while (isspace((unsigned char)*body))
		body++;
	text = berth_xasprintf("ONBUILD %s", body);
	r = step_begin(ss, ins, text, NULL, 0, err);
	if (r != 0)
		return r < 0 ? r : 0;
	json_t *cfg = bimage_cfg(&ss->img);
	json_t *ob = json_object_get(cfg, "OnBuild");
	if (!json_is_array(ob)) {
		ob = json_array();
		json_object_set_new(cfg, "OnBuild", ob);
	}
	json_array_append_new(ob, json_string(body));
	/* BuildKit's dispatchOnbuild writes no history entry */
	return step_end(ss, err);
}

/* BuildKit's "ARG K=default K2": the defaults as expanded, not the values given. */
static int arg_history_text(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
			    char **ret, struct berth_error **err)
{
	struct berth_buf text = BERTH_BUF_INIT;
	berth_buf_addstr(&text, "ARG");
	for (size_t i = 0; i < ins->n_args; i++) {
		const char *eq = strchr(ins->args[i], '=');
		_cleanup_free_ char *def = NULL;
		if (!eq) {
			berth_buf_addf(&text, " %s", ins->args[i]);
			continue;
		}
		if (sstate_expand(ss, eq + 1, &def, err) < 0) {
			berth_buf_release(&text);
			return builder_error_at(ss->b, ins, err);
		}
		berth_buf_addf(&text, " %.*s=%s", (int)(eq - ins->args[i]), ins->args[i], def);
	}
	*ret = berth_buf_detach(&text, NULL);
	return 0;
}

static int exec_arg(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		    struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	int r;
	if (ins->n_args == 0) {
		berth_error_set(err, EINVAL, "ARG requires at least one argument");
		return builder_error_at(ss->b, ins, err);
	}
	/* the history shows the defaults in the environment before the ARG */
	r = arg_history_text(ss, ins, &text, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ins->n_args; i++) {
		_cleanup_strv_free_ char **env = sstate_env(ss);
		r = builder_declare_arg(ss->b, ins->args[i], &ss->args, env, ss->b->global_args,
					err);
		if (r < 0)
			return builder_error_at(ss->b, ins, err);
		berth_strv_consume(&ss->arg_names,
				   berth_xstrndup(ins->args[i], strcspn(ins->args[i], "=")));
	}
	/* ARG values are not in the config; the steps that see them hash them */
	r = step_begin(ss, ins, text, NULL, 0, err);
	if (r != 0)
		return r < 0 ? r : 0;
	sstate_history(ss, text, true);
	return step_end(ss, err);
}

int exec_instruction(struct sstate *ss, const struct berth_dockerfile_instruction *ins,
		     struct berth_error **err)
{
	static const char *const none[] = {NULL};
	static const char *const hc_flags[] = {"interval",	 "timeout", "start-period",
					       "start-interval", "retries", NULL};
	int r;

	if (ins->keyword != BERTH_DOCKERFILE_RUN && ins->keyword != BERTH_DOCKERFILE_COPY &&
	    ins->keyword != BERTH_DOCKERFILE_ADD) {
		r = flag_check(ss, ins,
			       ins->keyword == BERTH_DOCKERFILE_HEALTHCHECK ? hc_flags : none, err);
		if (r < 0)
			return r;
	}
	switch (ins->keyword) {
	case BERTH_DOCKERFILE_ENV:
		return exec_env_label(ss, ins, false, err);
	case BERTH_DOCKERFILE_LABEL:
		return exec_env_label(ss, ins, true, err);
	case BERTH_DOCKERFILE_CMD:
		return exec_set_array(ss, ins, "Cmd", err);
	case BERTH_DOCKERFILE_ENTRYPOINT:
		return exec_set_array(ss, ins, "Entrypoint", err);
	case BERTH_DOCKERFILE_SHELL:
		return exec_set_array(ss, ins, "Shell", err);
	case BERTH_DOCKERFILE_EXPOSE:
		return exec_words_set(ss, ins, "ExposedPorts", err);
	case BERTH_DOCKERFILE_VOLUME:
		return exec_words_set(ss, ins, "Volumes", err);
	case BERTH_DOCKERFILE_USER:
		return exec_string_set(ss, ins, NULL, "User", err);
	case BERTH_DOCKERFILE_STOPSIGNAL:
		return exec_string_set(ss, ins, NULL, "StopSignal", err);
	case BERTH_DOCKERFILE_MAINTAINER:
		return exec_string_set(ss, ins, ss->img.config, "author", err);
	case BERTH_DOCKERFILE_HEALTHCHECK:
		return exec_healthcheck(ss, ins, err);
	case BERTH_DOCKERFILE_ONBUILD:
		return exec_onbuild(ss, ins, err);
	case BERTH_DOCKERFILE_ARG:
		return exec_arg(ss, ins, err);
	case BERTH_DOCKERFILE_WORKDIR:
		return exec_workdir(ss, ins, err);
	case BERTH_DOCKERFILE_COPY:
		return exec_copy(ss, ins, false, err);
	case BERTH_DOCKERFILE_ADD:
		return exec_copy(ss, ins, true, err);
	case BERTH_DOCKERFILE_RUN:
		return exec_run(ss, ins, err);
	case BERTH_DOCKERFILE_FROM:
	default:
		berth_error_set(err, EINVAL, "unknown instruction: %s", ins->name);
		return builder_error_at(ss->b, ins, err);
	}
}

static void digest_of_config(const json_t *config, struct berth_digest *ret)
{
	char *s = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		berth_oom();
	berth_digest_of(s, strlen(s), ret);
	free(s);
}

static void begin_step(struct sstate *ss, const char *what)
{
	struct builder *b = ss->b;
	pthread_mutex_lock(&b->lock);
	ss->step = (int)++b->next_step;
	b->steps++;
	pthread_mutex_unlock(&b->lock);
	ss->started = now_seconds();
	builder_event(b, BERTH_BUILD_EVENT_STEP, ss->step, 0, "[%s %u/%u] %s", ss->st->label,
		      ss->stepi, ss->st->n_steps, what);
}

static int from_base(struct sstate *ss, struct berth_error **err)
{
	struct builder *b = ss->b;
	struct bstage *st = ss->st;
	const struct berth_dockerfile_instruction *from = &b->df->instructions[st->first];
	struct berth_digest cd;
	int r;

	if (st->base_stage >= 0) {
		struct bstage *base = &b->stages[st->base_stage];
		bimage_copy(&ss->img, &base->img);
		ss->key = base->key;
		return 0;
	}
	if (strcasecmp(st->base, "scratch") == 0) {
		bimage_init_scratch(&ss->img);
		berth_digest_of("scratch", 7, &ss->key);
		return 0;
	}
	r = b->o->pull ? -ENOENT : bstore_resolve(b->store, st->base, &ss->img, err);
	if (r == -ENOENT) {
		/* missing (or --pull): ask its registry, then look again */
		berth_error_free(err);
		builder_event(b, BERTH_BUILD_EVENT_INFO, ss->step, 0, "pulling %s", st->base);
		r = bstore_pull(b->store, st->base, err);
		if (r < 0) {
			berth_error_prefix(err,
					   "base image '%s' is not in the store (load it with "
					   "'berth load' or 'berth import')",
					   st->base);
			return builder_error_at(b, from, err);
		}
		r = bstore_resolve(b->store, st->base, &ss->img, err);
	}
	if (r < 0)
		return builder_error_at(b, from, err);
	digest_of_config(ss->img.config, &cd);
	_cleanup_(berth_sha256_freep) struct berth_sha256 *h = berth_sha256_new();
	berth_sha256_update(h, "image", 6);
	berth_sha256_update(h, cd.bytes, sizeof(cd.bytes));
	berth_sha256_final(h, &ss->key);
	/* after the key: the base image's digest alone names the start of the stage */
	bimage_default_path(&ss->img);
	return 0;
}

static int run_onbuild_triggers(struct sstate *ss, struct berth_error **err)
{
	json_t *cfg = bimage_cfg(&ss->img);
	_cleanup_json_ json_t *triggers = json_incref(json_object_get(cfg, "OnBuild"));
	size_t i;
	json_t *t;
	int r;

	if (!json_is_array(triggers) || json_array_size(triggers) == 0)
		return 0;
	json_object_del(cfg, "OnBuild");
	json_array_foreach (triggers, i, t) {
		const char *text = json_string_value(t);
		_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
		if (!text)
			continue;
		r = berth_dockerfile_parse(text, strlen(text), "ONBUILD trigger", &df, err);
		if (r < 0)
			return berth_error_prefix(err, "base image '%s'", ss->st->base);
		/* a trigger runs inside the stage: its instructions alone, no FROM before them */
		for (size_t k = 0; k < df->n_instructions && r >= 0; k++)
			r = berth_dockerfile_validate_instruction(df, &df->instructions[k], err);
		if (r < 0)
			return berth_error_prefix(err, "base image '%s'", ss->st->base);
		for (size_t k = 0; k < df->n_instructions; k++) {
			_cleanup_free_ char *what = berth_xasprintf("ONBUILD %s", text);
			begin_step(ss, what);
			r = exec_instruction(ss, &df->instructions[k], err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int builder_build_stage(struct builder *b, struct bstage *st, struct berth_error **err)
{
	struct sstate ss = {.b = b, .st = st, .view_fd = -EBADF};
	const struct berth_dockerfile *df = b->df;
	int r;

	ss.stepi = 1;
	{
		_cleanup_free_ char *what = berth_xasprintf("FROM %s", st->base);
		begin_step(&ss, what);
	}
	r = from_base(&ss, err);
	if (r < 0)
		goto out;
	builder_event(b, BERTH_BUILD_EVENT_DONE, ss.step, now_seconds() - ss.started, "DONE");
	r = run_onbuild_triggers(&ss, err);
	if (r < 0)
		goto out;
	for (size_t i = st->first + 1; i < st->end; i++) {
		const struct berth_dockerfile_instruction *ins = &df->instructions[i];
		ss.stepi = (unsigned)(i - st->first + 1);
		r = builder_check_interrupt(err);
		if (r < 0)
			goto out;
		begin_step(&ss, ins->original);
		r = exec_instruction(&ss, ins, err);
		if (r < 0) {
			builder_event(b, BERTH_BUILD_EVENT_ERROR, ss.step,
				      now_seconds() - ss.started, "ERROR");
			goto out;
		}
	}
	st->img = ss.img;
	ss.img = (struct bimage){0};
	st->key = ss.key;
	st->built = true;
	r = 0;
out:
	sstate_unmount(&ss);
	bimage_release(&ss.img);
	berth_strv_free(ss.args);
	berth_strv_free(ss.arg_names);
	return r;
}
