/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a project as docker compose v2 does: the compose files (the -f
 * list, or compose.yaml / compose.yml / docker-compose.yaml /
 * docker-compose.yml found in the project directory or the nearest parent,
 * with its override file), the .env file, interpolation, extends (same file
 * and file:), the merge of the files in order, the project name, the
 * profiles, then the typed model and the depends_on graph.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compose/model.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/strv.h"

#define MAX_COMPOSE_FILE  (16 * 1024 * 1024)
#define MAX_EXTENDS_DEPTH 32

static const char *const default_names[] = {
	"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml", NULL,
};
static const char *const override_names[] = {
	"compose.override.yaml",
	"compose.override.yml",
	"docker-compose.override.yaml",
	"docker-compose.override.yml",
	NULL,
};

struct loader {
	berth_compose_lookup_fn lookup;
	void *userdata;
	char ***warnings;
	bool allow_files; /* extends: file: reads the disk */
	char **names;	  /* every file read: the nodes point at these strings */
	char **unset;	  /* variables reported unset */
};

struct environment {
	char *const *environ;
	char **dotenv;
};

static const char *lookup_environment(const char *name, void *userdata)
{
	const struct environment *e = userdata;
	const char *v = berth_env_get(e->environ, name);
	return v ? v : berth_env_get(e->dotenv, name);
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return berth_xstrdup("/");
	return berth_xstrndup(path, (size_t)(slash - path));
}

static const char *first_existing(const char *dir, const char *const *names, char **ret)
{
	for (const char *const *n = names; *n; n++) {
		_cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, *n);
		if (file_exists(p)) {
			*ret = TAKE_PTR(p);
			return *n;
		}
	}
	return NULL;
}

/* The compose file of dir or of its nearest parent that has one, and its override. */
static int discover(const char *start, char ***files, char ***warnings, struct berth_error **err)
{
	_cleanup_free_ char *dir = berth_xstrdup(start);
	for (;;) {
		_cleanup_free_ char *main_file = NULL, *override = NULL;
		const char *found = first_existing(dir, default_names, &main_file);
		if (found) {
			for (const char *const *n = default_names; *n; n++) {
				_cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, *n);
				if (*n != found && file_exists(p)) {
					berth_compose_warn(warnings,
							   "found multiple config files with "
							   "supported names: using %s",
							   main_file);
					break;
				}
			}
			berth_strv_push(files, main_file);
			if (first_existing(dir, override_names, &override))
				berth_strv_push(files, override);
			return 0;
		}
		if (strcmp(dir, "/") == 0)
			break;
		char *parent = dir_of(dir);
		free(dir);
		dir = parent;
	}
	return berth_error_set(err, ENOENT,
			       "no configuration file provided: no compose.yaml, compose.yml, "
			       "docker-compose.yaml or docker-compose.yml in '%s' or a parent "
			       "directory",
			       start);
}

static int read_document(struct loader *L, const char *path, struct berth_yaml_node **ret,
			 struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, MAX_COMPOSE_FILE, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "compose file '%s'", path);
	berth_strv_push(&L->names, path);
	const char *name = L->names[berth_strv_len(L->names) - 1];
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *doc = NULL;
	r = berth_yaml_parse(data, len, name, &doc, err);
	if (r < 0)
		return r;
	if (!doc)
		return berth_error_set(err, EINVAL, "%s: empty compose file", name);
	if (doc->kind != BERTH_YAML_MAP)
		return berth_error_set(err, EINVAL, "%s:%d: the top level must be a mapping", name,
				       doc->line);
	r = berth_compose_interpolate_tree(doc, name, L->lookup, L->userdata, &L->unset, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(doc);
	return 0;
}

static int resolve_extends(struct loader *L, struct berth_yaml_node *doc, const char *dir,
			   const char *name, int depth, struct berth_error **err);

/* Makes a relative path value absolute against dir (paths in a file: extends). */
static void rebase(struct berth_yaml_node *v, const char *dir)
{
	if (!v || v->kind != BERTH_YAML_SCALAR || v->value[0] == '/' || v->value[0] == '~' ||
	    strstr(v->value, "://"))
		return;
	char *abs = berth_xasprintf("%s/%s", dir, v->value);
	free(v->value);
	v->value = abs;
}

static void rebase_service(struct berth_yaml_node *svc, const char *dir)
{
	struct berth_yaml_node *build = berth_yaml_get(svc, "build");
	rebase(build && build->kind == BERTH_YAML_MAP ? berth_yaml_get(build, "context") : build,
	       dir);
	struct berth_yaml_node *env = berth_yaml_get(svc, "env_file");
	if (env && env->kind == BERTH_YAML_SEQ)
		for (size_t i = 0; i < env->n; i++)
			rebase(env->items[i]->kind == BERTH_YAML_MAP
				       ? berth_yaml_get(env->items[i], "path")
				       : env->items[i],
			       dir);
	else
		rebase(env, dir);
	struct berth_yaml_node *vols = berth_yaml_get(svc, "volumes");
	for (size_t i = 0; vols && vols->kind == BERTH_YAML_SEQ && i < vols->n; i++) {
		struct berth_yaml_node *m = vols->items[i];
		if (m->kind == BERTH_YAML_SCALAR && m->value[0] == '.') {
			char *abs = berth_xasprintf("%s/%s", dir, m->value);
			free(m->value);
			m->value = abs;
		} else if (m->kind == BERTH_YAML_MAP) {
			struct berth_yaml_node *t = berth_yaml_get(m, "type");
			if (t && t->kind == BERTH_YAML_SCALAR && strcmp(t->value, "bind") == 0)
				rebase(berth_yaml_get(m, "source"), dir);
		}
	}
}

/* The base service of `extends`, resolved itself, as a copy (rebased when from another file). */
static int extends_base(struct loader *L, struct berth_yaml_node *doc, const char *dir,
			const char *name, const struct berth_yaml_entry *ext, int depth,
			struct berth_yaml_node **ret, struct berth_error **err)
{
	const struct berth_yaml_node *v = ext->value;
	const char *file_of = v->file ? v->file : "compose file";
	const struct berth_yaml_node *svc_n = v, *file_n = NULL;
	if (v->kind == BERTH_YAML_MAP) {
		svc_n = berth_yaml_get(v, "service");
		file_n = berth_yaml_get(v, "file");
	}
	if (!svc_n || svc_n->kind != BERTH_YAML_SCALAR ||
	    (file_n && file_n->kind != BERTH_YAML_SCALAR))
		return berth_error_set(err, EINVAL,
				       "%s:%d: services.%s.extends: must be a service name or "
				       "{service, file}",
				       file_of, ext->line, name);
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *other = NULL;
	_cleanup_free_ char *other_dir = NULL;
	struct berth_yaml_node *from = doc;
	const char *from_dir = dir;
	if (file_n) {
		if (!L->allow_files)
			return berth_error_set(err, EINVAL,
					       "%s:%d: services.%s.extends.file: not read here",
					       file_of, ext->line, name);
		_cleanup_free_ char *path = file_n->value[0] == '/'
						    ? berth_xstrdup(file_n->value)
						    : berth_xasprintf("%s/%s", dir, file_n->value);
		int r = read_document(L, path, &other, err);
		if (r < 0)
			return berth_error_prefix(err, "%s:%d: services.%s.extends", file_of,
						  ext->line, name);
		other_dir = dir_of(path);
		from = other;
		from_dir = other_dir;
	}
	const char *base_name = svc_n->value;
	struct berth_yaml_node *base = berth_yaml_get(berth_yaml_get(from, "services"), base_name);
	if (!base || base->kind != BERTH_YAML_MAP)
		return berth_error_set(err, EINVAL,
				       "%s:%d: services.%s.extends: service '%s' not found",
				       file_of, ext->line, name, base_name);
	int r = resolve_extends(L, from, from_dir, base_name, depth + 1, err);
	if (r < 0)
		return r;
	base = berth_yaml_copy(berth_yaml_get(berth_yaml_get(from, "services"), base_name));
	if (file_n)
		rebase_service(base, from_dir);
	*ret = base;
	return 0;
}

static int resolve_extends(struct loader *L, struct berth_yaml_node *doc, const char *dir,
			   const char *name, int depth, struct berth_error **err)
{
	struct berth_yaml_node *services = berth_yaml_get(doc, "services");
	struct berth_yaml_entry *se = berth_yaml_entry(services, name);
	if (!se || se->value->kind != BERTH_YAML_MAP)
		return 0;
	struct berth_yaml_entry *ext = berth_yaml_entry(se->value, "extends");
	if (!ext)
		return 0;
	if (depth > MAX_EXTENDS_DEPTH)
		return berth_error_set(err, EINVAL,
				       "%s:%d: services.%s.extends: extends nested deeper than %d "
				       "(a cycle?)",
				       se->value->file ? se->value->file : "compose file",
				       ext->line, name, MAX_EXTENDS_DEPTH);
	struct berth_yaml_node *base = NULL;
	int r = extends_base(L, doc, dir, name, ext, depth, &base, err);
	if (r < 0)
		return r;
	berth_yaml_remove(base, "extends");
	/* se may have moved if the base's resolution added entries: look it up again */
	se = berth_yaml_entry(berth_yaml_get(doc, "services"), name);
	struct berth_yaml_node *own = se->value;
	berth_yaml_remove(own, "extends");
	se->value = base;
	berth_compose_merge_service(base, own);
	return 0;
}

static int load_file(struct loader *L, const char *path, const char *dir,
		     struct berth_yaml_node **ret, struct berth_error **err)
{
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *doc = NULL;
	int r = read_document(L, path, &doc, err);
	if (r < 0)
		return r;
	struct berth_yaml_node *services = berth_yaml_get(doc, "services");
	for (size_t i = 0; services && services->kind == BERTH_YAML_MAP && i < services->n; i++) {
		_cleanup_free_ char *name = berth_xstrdup(services->entries[i].key);
		r = resolve_extends(L, doc, dir, name, 0, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

/* docker compose's normalisation of a directory name: lowercase, [a-z0-9_-] kept. */
static char *normalize_project_name(const char *s)
{
	struct berth_buf b = BERTH_BUF_INIT;
	for (const char *p = s; *p; p++) {
		char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
			if (b.len || (c != '_' && c != '-'))
				berth_buf_addch(&b, c);
	}
	return berth_buf_detach(&b, NULL);
}

static bool project_name_is_valid(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(s);
}

static int project_name(const char *flag, const char *env, const struct berth_yaml_node *doc,
			const char *dir, char **ret, struct berth_error **err)
{
	const struct berth_yaml_node *key = berth_yaml_get(doc, "name");
	const char *name = flag && *flag					  ? flag
			   : env && *env					  ? env
			   : key && key->kind == BERTH_YAML_SCALAR && *key->value ? key->value
										  : NULL;
	if (name) {
		if (!project_name_is_valid(name))
			return berth_error_set(
				err, EINVAL,
				"invalid project name '%s': lowercase letters, "
				"digits, '_' and '-', starting with a letter or digit",
				name);
		*ret = berth_xstrdup(name);
		return 0;
	}
	const char *base = strrchr(dir, '/');
	_cleanup_free_ char *n = normalize_project_name(base ? base + 1 : dir);
	if (!*n)
		return berth_error_set(err, EINVAL,
				       "cannot take a project name from the directory '%s': use -p",
				       dir);
	*ret = TAKE_PTR(n);
	return 0;
}

static bool service_enabled(const struct berth_yaml_node *svc, char *const *profiles)
{
	const struct berth_yaml_node *p = berth_yaml_get(svc, "profiles");
	if (!p || p->kind != BERTH_YAML_SEQ || p->n == 0)
		return true;
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i]->kind == BERTH_YAML_SCALAR &&
		    (berth_strv_contains(profiles, p->items[i]->value) ||
		     berth_strv_contains(profiles, "*")))
			return true;
	return false;
}

/* Removes the services no active profile enables; their names go to *ret_disabled. */
static void filter_profiles(struct berth_yaml_node *doc, char *const *profiles,
			    char ***ret_disabled)
{
	struct berth_yaml_node *services = berth_yaml_get(doc, "services");
	if (!services || services->kind != BERTH_YAML_MAP)
		return;
	for (size_t i = 0; i < services->n;) {
		if (service_enabled(services->entries[i].value, profiles)) {
			i++;
			continue;
		}
		berth_strv_push(ret_disabled, services->entries[i].key);
		_cleanup_free_ char *k = berth_xstrdup(services->entries[i].key);
		berth_yaml_remove(services, k);
	}
	if (*ret_disabled)
		berth_strv_sort(*ret_disabled);
}

static char **split_list(const char *s, const char *sep)
{
	char **v = berth_xcalloc(1, sizeof(char *));
	_cleanup_free_ char *copy = berth_xstrdup(s ? s : "");
	for (char *p = copy, *save = NULL;; p = NULL) {
		char *t = strtok_r(p, sep, &save);
		if (!t)
			return v;
		berth_strv_push(&v, t);
	}
}

/* The model of the merged document, and the depends_on graph checked. */
static int finish(struct loader *L, struct berth_yaml_node *doc, const char *first_file,
		  const char *dir, const char *name, char *const *profiles,
		  struct berth_compose_project **ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **disabled = NULL;
	filter_profiles(doc, profiles, &disabled);
	BERTH_STRV_FOREACH (u, L->unset)
		berth_compose_warn(L->warnings,
				   "the \"%s\" variable is not set, defaulting to a blank string",
				   *u);
	struct berth_compose_model_ctx ctx = {
		.file = first_file,
		.dir = dir,
		.project_name = name,
		.lookup = L->lookup,
		.userdata = L->userdata,
		.warnings = L->warnings,
		.read_files = L->allow_files,
	};
	_cleanup_(berth_compose_project_freep) struct berth_compose_project *p = NULL;
	int r = berth_compose_model_build(&ctx, doc, &p, err);
	if (r < 0)
		return r;
	p->disabled_profiles_services = TAKE_PTR(disabled);
	_cleanup_free_ struct berth_compose_service **order = NULL;
	r = berth_compose_start_order(p, &order, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int berth_compose_load_data(const char *data, size_t len, const char *file, const char *dir,
			    const char *project, berth_compose_lookup_fn lookup, void *userdata,
			    struct berth_compose_project **ret_project, char ***ret_warnings,
			    struct berth_error **err)
{
	_cleanup_strv_free_ char **warnings = NULL;
	struct loader L = {.lookup = lookup, .userdata = userdata, .warnings = &warnings};
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *doc = NULL;
	_cleanup_free_ char *name = NULL;
	int r = berth_yaml_parse(data, len, file, &doc, err);
	if (r >= 0 && (!doc || doc->kind != BERTH_YAML_MAP))
		r = berth_error_set(err, EINVAL, "%s: the top level must be a mapping", file);
	if (r >= 0)
		r = berth_compose_interpolate_tree(doc, file, lookup, userdata, &L.unset, err);
	struct berth_yaml_node *services = berth_yaml_get(doc, "services");
	for (size_t i = 0;
	     r >= 0 && services && services->kind == BERTH_YAML_MAP && i < services->n; i++) {
		_cleanup_free_ char *svc = berth_xstrdup(services->entries[i].key);
		r = resolve_extends(&L, doc, dir, svc, 0, err);
	}
	if (r >= 0)
		r = project_name(project, NULL, doc, dir, &name, err);
	if (r >= 0)
		r = finish(&L, doc, file, dir, name, NULL, ret_project, err);
	berth_strv_free(L.names);
	berth_strv_free(L.unset);
	if (ret_warnings)
		*ret_warnings = TAKE_PTR(warnings);
	return r;
}

static char *absolute(const char *cwd, const char *path)
{
	return path[0] == '/' ? berth_xstrdup(path) : berth_xasprintf("%s/%s", cwd, path);
}

/* --env-file files, or PROJECT_DIR/.env when it exists; later files win. */
static int read_dotenv(const struct berth_compose_load_options *o, const char *dir, char ***ret,
		       struct berth_error **err)
{
	_cleanup_strv_free_ char **paths = NULL;
	if (o->env_files && *o->env_files) {
		BERTH_STRV_FOREACH (f, o->env_files)
			berth_strv_consume(&paths, absolute(o->cwd, *f));
	} else {
		_cleanup_free_ char *p = berth_xasprintf("%s/.env", dir);
		if (file_exists(p))
			berth_strv_push(&paths, p);
	}
	BERTH_STRV_FOREACH (p, paths) {
		_cleanup_strv_free_ char **kv = NULL;
		int r = berth_compose_read_env_file(*p, &kv, err);
		if (r < 0)
			return r;
		BERTH_STRV_FOREACH (e, kv)
			berth_env_set(ret, *e);
	}
	return 0;
}

int berth_compose_load(const struct berth_compose_load_options *o,
		       struct berth_compose_project **ret_project, char ***ret_warnings,
		       struct berth_error **err)
{
	_cleanup_strv_free_ char **warnings = NULL, **files = NULL, **dotenv = NULL,
				 **profiles = NULL;
	_cleanup_free_ char *dir = NULL, *name = NULL;
	struct environment env = {.environ = o->environ};
	struct loader L = {.lookup = lookup_environment,
			   .userdata = &env,
			   .warnings = &warnings,
			   .allow_files = true};
	_cleanup_(berth_yaml_freep) struct berth_yaml_node *doc = NULL;
	int r = 0;

	if (o->files && *o->files) {
		BERTH_STRV_FOREACH (f, o->files)
			berth_strv_consume(&files, berth_compose_abs_path(o->cwd, *f));
	} else {
		_cleanup_free_ char *start =
			absolute(o->cwd, o->project_dir ? o->project_dir : ".");
		_cleanup_free_ char *clean = berth_compose_abs_path("/", start);
		r = discover(clean, &files, &warnings, err);
	}
	if (r >= 0) {
		dir = o->project_dir ? berth_compose_abs_path(o->cwd, o->project_dir)
				     : dir_of(files[0]);
		r = read_dotenv(o, dir, &dotenv, err);
		env.dotenv = dotenv;
	}
	BERTH_STRV_FOREACH (f, r >= 0 ? files : NULL) {
		struct berth_yaml_node *one = NULL;
		r = load_file(&L, *f, dir, &one, err);
		if (r < 0)
			break;
		if (!doc)
			doc = one;
		else
			berth_compose_merge_document(doc, one);
	}
	if (r >= 0)
		r = project_name(o->project_name, lookup_environment("COMPOSE_PROJECT_NAME", &env),
				 doc, dir, &name, err);
	if (r >= 0) {
		profiles = o->profiles && *o->profiles
				   ? berth_strv_copy(o->profiles)
				   : split_list(lookup_environment("COMPOSE_PROFILES", &env), ",");
		r = finish(&L, doc, files[0], dir, name, profiles, ret_project, err);
	}
	if (r >= 0)
		(*ret_project)->files = TAKE_PTR(files);
	berth_strv_free(L.names);
	berth_strv_free(L.unset);
	if (ret_warnings)
		*ret_warnings = TAKE_PTR(warnings);
	return r;
}
