/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "ignore/ignore.h"
#include "image/image.h"
#include "layer/layer.h"

/* Build args BuildKit lets through without an ARG and keeps out of history. */
static const char *const proxy_args[] = {
	"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
	"ftp_proxy",  "NO_PROXY",   "no_proxy",	   "ALL_PROXY",	  "all_proxy",
};

void builder_event(struct builder *b, enum berth_build_event_kind kind, int step, double seconds,
		   const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (!b->o->on_event)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		berth_oom();
	va_end(ap);
	struct berth_build_event ev = {
		.kind = kind, .step = step, .text = text, .seconds = seconds};
	pthread_mutex_lock(&b->lock);
	b->o->on_event(&ev, b->o->userdata);
	pthread_mutex_unlock(&b->lock);
	free(text);
}

int builder_error_at(struct builder *b, const struct berth_dockerfile_instruction *ins,
		     struct berth_error **err)
{
	if (b->config_only) /* the caller names the --change */
		return err && *err ? -berth_error_code(*err) : -EINVAL;
	size_t len = 0;
	const char *line = berth_dockerfile_line(b->df, ins->start_line, &len);
	const struct berth_error *e = err ? *err : NULL;
	_cleanup_free_ char *loc = berth_xasprintf("%s:%d", b->df->filename, ins->start_line);

	/* the parser's own messages already name the place */
	if (e && strncmp(berth_error_msg(e), loc, strlen(loc)) == 0)
		return -berth_error_code(e);
	if (!line)
		return berth_error_prefix(err, "%s", loc);
	while (len && isspace((unsigned char)*line))
		line++, len--;
	if (len > 120)
		return berth_error_prefix(err, "%s: '%.117s...'", loc, line);
	return berth_error_prefix(err, "%s: '%.*s'", loc, (int)len, line);
}

/* .dockerignore through ignore/: the walker asks about every entry once. */
static int ignore_cb(void *matcher, const char *path, bool is_dir, bool *ret_excluded,
		     bool *ret_descend, struct berth_error **err)
{
	struct berth_ignore *m = matcher;
	int r = berth_ignore_matches(m, path, err);
	if (r < 0)
		return r;
	*ret_excluded = r > 0;
	*ret_descend = r > 0 && is_dir && berth_ignore_must_descend(m, path);
	return 0;
}

static bool looks_like_tar(const unsigned char *d, size_t n)
{
	if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
		return true; /* gzip */
	if (n >= 4 && d[0] == 0x28 && d[1] == 0xb5 && d[2] == 0x2f && d[3] == 0xfd)
		return true; /* zstd */
	return n >= 262 && memcmp(d + 257, "ustar", 5) == 0;
}

/*
 * Opens the Dockerfile name below dir_fd (the context, or the directory -f
 * names) with berth_open_beneath(), as .dockerignore is opened: a Dockerfile
 * that is a symlink leading out of that directory is refused, naming it,
 * never followed to a file of the host. O_NONBLOCK: a FIFO planted as the
 * Dockerfile is refused below instead of blocking the open.
 */
static int open_dockerfile(int dir_fd, const char *name, const char *path, const char *where,
			   struct berth_error **err)
{
	int fd = berth_open_beneath(dir_fd, name, O_RDONLY | O_NONBLOCK, 0, err);
	if (fd == -EXDEV) {
		berth_error_free(err);
		return berth_error_set(err, EXDEV, "the Dockerfile '%s' is a symlink out of %s",
				       path, where);
	}
	if (fd < 0 && err && *err)
		berth_error_free(err); /* the caller says what could not be read */
	return fd;
}

/* Reads the Dockerfile named by -f (or the default one of the context). */
static int read_dockerfile(struct builder *b, int ctx_fd, const char *ctx_dir, const char *stdin_df,
			   size_t stdin_len, char **ret, size_t *ret_len, char **ret_name,
			   char **ret_path, struct berth_error **err)
{
	const char *f = b->o->dockerfile;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
	struct stat st;
	int r;

	if (stdin_df) {
		*ret = berth_xmemdup(stdin_df, stdin_len + 1);
		(*ret)[stdin_len] = '\0';
		*ret_len = stdin_len;
		*ret_name = berth_xstrdup("Dockerfile");
		*ret_path = NULL;
		return 0;
	}
	if (f && *f && b->o->dockerfile_in_context && ctx_fd >= 0) {
		/* the Engine API's dockerfile=: a path inside the context, never out of it */
		path = berth_xasprintf("%s/%s", ctx_dir, f);
		fd = open_dockerfile(ctx_fd, f, path, "the build context", err);
	} else if (f && *f) {
		/* the user's own file, named on the command line: its directory is
		 * opened as given, the file itself beneath it */
		path = berth_xstrdup(f);
		const char *slash = strrchr(path, '/');
		_cleanup_free_ char *dir = slash ? berth_xstrndup(path, (size_t)(slash - path) + 1)
						 : berth_xstrdup(".");
		dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0)
			return berth_error_syscall(err, errno, "unable to read Dockerfile '%s'",
						   path);
		fd = open_dockerfile(dir_fd, slash ? (slash[1] ? slash + 1 : ".") : path, path,
				     "its directory", err);
	} else if (ctx_fd >= 0) {
		path = berth_xasprintf("%s/Dockerfile", ctx_dir);
		fd = open_dockerfile(ctx_fd, "Dockerfile", path, "the build context", err);
		if (fd == -ENOENT) {
			_cleanup_free_ char *lower = berth_xasprintf("%s/dockerfile", ctx_dir);
			fd = open_dockerfile(ctx_fd, "dockerfile", lower, "the build context", err);
			if (fd >= 0 || fd == -EXDEV) {
				free(path);
				path = TAKE_PTR(lower);
			}
		}
	} else {
		return berth_error_set(err, EINVAL, "no Dockerfile: give one with -f");
	}
	if (fd == -EXDEV)
		return fd;
	if (fd < 0)
		return berth_error_syscall(err, -fd, "unable to read Dockerfile '%s'", path);
	if (fstat(fd, &st) < 0)
		return berth_error_syscall(err, errno, "stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return berth_error_set(err, EISDIR,
				       "the Dockerfile '%s' is a directory, not a file", path);
	if (!S_ISREG(st.st_mode))
		return berth_error_set(err, EINVAL, "the Dockerfile '%s' is not a regular file",
				       path);
	r = berth_read_fd(fd, BERTH_DOCKERFILE_MAX_SIZE, ret, ret_len, err);
	if (r < 0)
		return berth_error_prefix(err, "read Dockerfile '%s'", path);
	const char *base = strrchr(path, '/');
	*ret_name = berth_xstrdup(base ? base + 1 : path);
	*ret_path = TAKE_PTR(path);
	return 0;
}

/* Unpacks a context tar from stdin into dir_fd, with the layer unpacker's rules. */
static int unpack_context_tar(struct builder *b, const char *data, size_t len, int dir_fd,
			      struct berth_error **err)
{
	char name[] = "/tmp/berth-context-XXXXXX";
	_cleanup_close_ int fd = mkstemp(name);
	int r;
	(void)b;
	if (fd < 0)
		return berth_error_syscall(err, errno, "create a temp file");
	unlink(name);
	r = berth_write_all(fd, data, len, err);
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berth_error_syscall(err, errno, "seek");
	_cleanup_close_ int wfd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wfd < 0)
		return berth_error_syscall(err, errno, "open the context directory");
	r = berth_layer_unpack(fd, wfd, BERTH_LAYER_UNPACK_NO_DEVICES, NULL, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "unpack the build context from stdin");
	return 0;
}

static int parse_build_args(struct builder *b, struct berth_error **err)
{
	BERTH_STRV_FOREACH (a, b->o->build_args) {
		const char *eq = strchr(*a, '=');
		if (eq == *a || !**a)
			return berth_error_set(err, EINVAL, "invalid build arg '%s': no name", *a);
		if (eq) {
			_cleanup_free_ char *k = berth_xstrndup(*a, (size_t)(eq - *a));
			env_set(&b->build_args, k, eq + 1);
			continue;
		}
		return berth_error_set(err, EINVAL,
				       "build arg '%s' has no value: give one as %s=VALUE", *a, *a);
	}
	return 0;
}

static int check_tag(const char *t, struct berth_error **err)
{
	/* the messages show the tag, never a password typed into it */
	_cleanup_free_ char *shown = berth_image_ref_redact(t);
	const char *last = strrchr(t, '/');
	const char *colon = strrchr(last ? last : t, ':');
	size_t namelen = colon ? (size_t)(colon - t) : strlen(t);
	if (!*t || namelen == 0)
		return berth_error_set(err, EINVAL, "invalid tag '%s': invalid reference format",
				       shown);
	for (size_t i = 0; i < namelen; i++) {
		char c = t[i];
		if (isupper((unsigned char)c) && (!strchr(t, '/') || t + i > strchr(t, '/')))
			return berth_error_set(err, EINVAL,
					       "invalid tag '%s': invalid reference format: "
					       "repository name must be lowercase",
					       shown);
		if (!isalnum((unsigned char)c) && !strchr("._-/:", c))
			return berth_error_set(err, EINVAL,
					       "invalid tag '%s': invalid reference format", shown);
	}
	if (colon) {
		const char *tag = colon + 1;
		size_t tl = strlen(tag);
		if (tl == 0 || tl > 128 || !(isalnum((unsigned char)tag[0]) || tag[0] == '_') ||
		    strspn(tag,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			    tl)
			return berth_error_set(err, EINVAL,
					       "invalid tag '%s': invalid reference format", shown);
	}
	return 0;
}

/* Parallel stages: each needed stage in its own thread, waiting for what it reads. */
struct stage_run {
	struct builder *b;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool failed;
	struct berth_error *err;
};

struct stage_thread {
	struct stage_run *run;
	struct bstage *st;
	bool done;
};

static struct stage_thread *threads_of;

static void *stage_main(void *arg)
{
	struct stage_thread *t = arg;
	struct stage_run *run = t->run;
	struct builder *b = run->b;
	struct berth_error *err = NULL;

	pthread_mutex_lock(&run->lock);
	for (;;) {
		bool ready = true;
		for (size_t d = 0; d < t->st->n_deps; d++)
			ready &= threads_of[t->st->deps[d]].done;
		if (ready || run->failed)
			break;
		pthread_cond_wait(&run->cond, &run->lock);
	}
	bool skip = run->failed;
	pthread_mutex_unlock(&run->lock);
	int r = skip ? -ECANCELED : builder_build_stage(b, t->st, &err);
	pthread_mutex_lock(&run->lock);
	if (r < 0 && !skip && !run->failed) {
		run->failed = true;
		run->err = err;
		err = NULL;
	}
	t->done = true;
	pthread_cond_broadcast(&run->cond);
	pthread_mutex_unlock(&run->lock);
	berth_error_free(&err);
	return NULL;
}

static int build_stages(struct builder *b, struct berth_error **err)
{
	size_t needed = 0;
	for (size_t i = 0; i < b->n_stages; i++)
		needed += b->stages[i].needed;
	if (needed <= 1 || b->o->serial) {
		for (size_t i = 0; i < b->n_stages; i++) {
			if (!b->stages[i].needed)
				continue;
			int r = builder_build_stage(b, &b->stages[i], err);
			if (r < 0)
				return r;
		}
		return 0;
	}
	struct stage_run run = {.b = b};
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.cond, NULL);
	struct stage_thread *ts = berth_xcalloc(b->n_stages, sizeof(*ts));
	pthread_t *tids = berth_xcalloc(b->n_stages, sizeof(*tids));
	threads_of = ts;
	for (size_t i = 0; i < b->n_stages; i++) {
		ts[i] = (struct stage_thread){.run = &run, .st = &b->stages[i], .done = true};
		if (b->stages[i].needed)
			ts[i].done = false;
	}
	for (size_t i = 0; i < b->n_stages; i++) {
		if (b->stages[i].needed && pthread_create(&tids[i], NULL, stage_main, &ts[i]) != 0)
			berth_oom();
	}
	for (size_t i = 0; i < b->n_stages; i++) {
		if (b->stages[i].needed)
			pthread_join(tids[i], NULL);
	}
	threads_of = NULL;
	free(ts);
	free(tids);
	pthread_mutex_destroy(&run.lock);
	pthread_cond_destroy(&run.cond);
	if (run.failed) {
		berth_error_free(err);
		*err = run.err;
		return -berth_error_code(run.err);
	}
	return 0;
}

static void warn_unused_args(struct builder *b)
{
	struct berth_buf m = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (a, b->build_args) {
		_cleanup_free_ char *k = berth_xstrndup(*a, strcspn(*a, "="));
		bool proxy = false;
		for (size_t i = 0; i < ELEMENTSOF(proxy_args); i++)
			proxy |= strcmp(k, proxy_args[i]) == 0;
		if (proxy || berth_strv_contains(b->used_args, k))
			continue;
		berth_buf_addf(&m, "%s%s", m.len ? " " : "", k);
	}
	if (m.len)
		builder_event(b, BERTH_BUILD_EVENT_WARNING, 0, 0,
			      "one or more build-args [%s] were not consumed", m.buf);
	berth_buf_release(&m);
}

static void builder_release(struct builder *b)
{
	for (size_t i = 0; i < b->n_stages; i++) {
		struct bstage *st = &b->stages[i];
		free(st->name);
		free(st->label);
		free(st->base);
		free(st->deps);
		bimage_release(&st->img);
		pthread_mutex_destroy(&st->lock);
	}
	free(b->stages);
	builder_free_cache_sources(b);
	berth_dockerfile_free(b->df);
	bctx_free(b->ctx);
	berth_strv_free(b->build_args);
	berth_strv_free(b->global_args);
	berth_strv_free(b->used_args);
	if (b->tmp_path) {
		/* nothing may stay mounted or left below it, even after a failure */
		berth_unmount_below(b->tmp_path);
		const char *base = strrchr(b->tmp_path, '/') + 1;
		(void)berth_rm_rf_at(bstore_tmp_fd(b->store), base, NULL);
		free(b->tmp_path);
	}
	/* only now: this fd's lock is what keeps a sweeper off the dir */
	if (b->tmp_fd >= 0)
		close(b->tmp_fd);
	/* a failed build: the layers and cache entries of the steps that completed stay */
	if (b->store)
		(void)bstore_sync(b->store, NULL);
	bstore_free(b->store);
	pthread_mutex_destroy(&b->lock);
}

static int make_tmp(struct builder *b, struct berth_error **err)
{
	_cleanup_free_ char *name = NULL;
	int r = bstore_tmp_dir(b->store, "build-", &name, &b->tmp_fd, err);
	if (r < 0)
		return r;
	b->tmp_path = berth_xasprintf("%s/tmp/%s", bstore_root_path(b->store), name);
	return 0;
}

/*
 * The context directory (ctx_fd, taken) with its .dockerignore, which must
 * not exclude a Dockerfile -f names inside it; the stat cache of
 * cache/build speeds up hashing a directory context.
 */
static int load_context(struct builder *b, int ctx_fd_in, const char *ctx_dir, const char *df_path,
			struct berth_error **err)
{
	const struct berth_build_options *o = b->o;
	_cleanup_close_ int ctx_fd = ctx_fd_in;
	_cleanup_strv_free_ char **patterns = NULL;
	_cleanup_(berth_ignore_freep) struct berth_ignore *matcher = NULL;
	_cleanup_free_ char *abs = NULL;
	_cleanup_close_ int rfd = openat(ctx_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (rfd < 0)
		return berth_error_syscall(err, errno, "open context '%s'", ctx_dir);
	r = berth_ignore_load(rfd, df_path, &patterns, NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "read .dockerignore");
	if (patterns && *patterns) {
		r = berth_ignore_new(patterns, &matcher, err);
		if (r < 0)
			return berth_error_prefix(err, ".dockerignore");
	}
	/* -f naming a file of the context that .dockerignore excludes */
	if (matcher && o->dockerfile && *o->dockerfile && df_path) {
		_cleanup_free_ char *real_ctx = realpath(ctx_dir, NULL);
		_cleanup_free_ char *real_df = realpath(df_path, NULL);
		size_t l = real_ctx ? strlen(real_ctx) : 0;
		if (real_ctx && real_df && strncmp(real_df, real_ctx, l) == 0 &&
		    real_df[l] == '/') {
			r = berth_ignore_matches(matcher, real_df + l + 1, err);
			if (r < 0)
				return r;
			if (r > 0)
				return berth_error_set(
					err, EINVAL,
					"the Dockerfile '%s' is excluded by .dockerignore",
					o->dockerfile);
		}
	}
	abs = realpath(ctx_dir, NULL);
	_cleanup_close_ int cache_fd =
		openat(bstore_root_fd(b->store), "cache/build", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cache_fd < 0 && errno == ENOENT) {
		(void)mkdirat(bstore_root_fd(b->store), "cache/build", 0700);
		cache_fd = openat(bstore_root_fd(b->store), "cache/build",
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	r = bctx_load(TAKE_FD(ctx_fd), ctx_dir, matcher ? ignore_cb : NULL, matcher,
		      strcmp(o->context, "-") == 0 ? -EBADF : cache_fd, abs ? abs : ctx_dir,
		      &b->ctx, err);
	return r < 0 ? r : 0;
}

static int load_inputs(struct builder *b, struct berth_error **err)
{
	const struct berth_build_options *o = b->o;
	_cleanup_free_ char *stdin_data = NULL, *df_data = NULL, *df_name = NULL, *df_path = NULL;
	_cleanup_free_ char *ctx_dir = NULL;
	_cleanup_close_ int ctx_fd = -EBADF;
	size_t stdin_len = 0, df_len = 0;
	bool stdin_df = false;
	int r;

	if (!o->context || !*o->context)
		return berth_error_set(err, EINVAL, "no build context given");
	if (strcmp(o->context, "-") == 0 && o->dockerfile && strcmp(o->dockerfile, "-") == 0)
		return berth_error_set(
			err, EINVAL, "the context and the Dockerfile cannot both come from stdin");
	if (strcmp(o->context, "-") == 0) {
		r = berth_read_fd(o->stdin_fd, 1u << 31, &stdin_data, &stdin_len, err);
		if (r < 0)
			return berth_error_prefix(err, "read the build context from stdin");
		if (looks_like_tar((const unsigned char *)stdin_data, stdin_len)) {
			/* a tar context: unpacked below the build's tmp dir */
			if (mkdirat(b->tmp_fd, "context", 0755) < 0)
				return berth_error_syscall(err, errno, "create the context dir");
			ctx_fd = openat(b->tmp_fd, "context", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (ctx_fd < 0)
				return berth_error_syscall(err, errno, "open the context dir");
			r = unpack_context_tar(b, stdin_data, stdin_len, ctx_fd, err);
			if (r < 0)
				return r;
			ctx_dir = berth_xasprintf("%s/context", b->tmp_path);
			free(stdin_data);
			stdin_data = NULL;
		} else {
			if (o->dockerfile && *o->dockerfile && strcmp(o->dockerfile, "-") != 0)
				return berth_error_set(err, EINVAL,
						       "with a Dockerfile on stdin, -f must not "
						       "name another one");
			stdin_df = true;
		}
	} else {
		struct stat st;
		ctx_dir = berth_xstrdup(o->context);
		if (stat(ctx_dir, &st) < 0)
			return berth_error_syscall(err, errno,
						   "unable to prepare context: path '%s' not found",
						   ctx_dir);
		if (!S_ISDIR(st.st_mode))
			return berth_error_set(err, ENOTDIR,
					       "unable to prepare context: '%s' is not a directory",
					       ctx_dir);
		ctx_fd = open(ctx_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ctx_fd < 0)
			return berth_error_syscall(err, errno, "open context '%s'", ctx_dir);
	}
	if (o->dockerfile && strcmp(o->dockerfile, "-") == 0 && !stdin_df) {
		r = berth_read_fd(o->stdin_fd, BERTH_DOCKERFILE_MAX_SIZE, &stdin_data, &stdin_len,
				  err);
		if (r < 0)
			return berth_error_prefix(err, "read the Dockerfile from stdin");
		stdin_df = true;
	}
	r = read_dockerfile(b, ctx_fd, ctx_dir, stdin_df ? stdin_data : NULL, stdin_len, &df_data,
			    &df_len, &df_name, &df_path, err);
	if (r < 0)
		return r;

	if (ctx_fd >= 0) {
		r = load_context(b, TAKE_FD(ctx_fd), ctx_dir, df_path, err);
		if (r < 0)
			return r;
	} else {
		b->ctx = bctx_new_empty();
	}

	r = berth_dockerfile_parse(df_data, df_len, df_name, &b->df, err);
	if (r < 0)
		return r;
	r = berth_dockerfile_validate(b->df, err);
	if (r < 0)
		return r;
	return 0;
}

int berth_build(struct berth_store *store, const struct berth_build_options *o,
		struct berth_build_result *ret, struct berth_error **err)
{
	struct builder b = {.o = o, .tmp_fd = -EBADF};
	struct bimage final = {0};
	int r;

	pthread_mutex_init(&b.lock, NULL);
	(void)builder_interrupt_fd(); /* made now, not in a signal handler */
	BERTH_STRV_FOREACH (t, o->tags) {
		r = check_tag(*t, err);
		if (r < 0)
			goto out_early;
	}
	if (o->network && strcmp(o->network, "default") && strcmp(o->network, "host") &&
	    strcmp(o->network, "none")) {
		r = berth_error_set(err, EINVAL,
				    "network mode '%s' is not supported (default, host, none)",
				    o->network);
		goto out_early;
	}
	r = parse_build_args(&b, err);
	if (r < 0)
		goto out_early;
	r = bstore_open(store, &b.store, err);
	if (r < 0)
		goto out_early;
	r = builder_load_cache_sources(&b, err);
	if (r < 0)
		goto out;
	r = make_tmp(&b, err);
	if (r < 0)
		goto out;
	r = load_inputs(&b, err);
	if (r < 0)
		goto out;
	r = builder_make_stages(&b, err);
	if (r < 0)
		goto out;
	r = build_stages(&b, err);
	if (r < 0)
		goto out;
	r = builder_check_interrupt(err);
	if (r < 0)
		goto out;
	warn_unused_args(&b);

	bimage_copy(&final, &b.stages[b.target].img);
	if (o->labels) {
		json_t *cfg = bimage_cfg(&final);
		json_t *l = json_object_get(cfg, "Labels");
		if (!json_is_object(l)) {
			l = json_object();
			json_object_set_new(cfg, "Labels", l);
		}
		BERTH_STRV_FOREACH (kv, o->labels) {
			const char *eq = strchr(*kv, '=');
			_cleanup_free_ char *k =
				eq ? berth_xstrndup(*kv, (size_t)(eq - *kv)) : berth_xstrdup(*kv);
			json_object_set_new(l, k, json_string(eq ? eq + 1 : ""));
		}
	}
	{
		double t0 = now_seconds();
		char id[BERTH_DIGEST_STRLEN + 1];
		int step;
		pthread_mutex_lock(&b.lock);
		step = (int)++b.next_step;
		pthread_mutex_unlock(&b.lock);
		builder_event(&b, BERTH_BUILD_EVENT_STEP, step, 0, "exporting to image");
		/* the layers first, durable and in blobs/, then the image naming them */
		r = bstore_sync(b.store, err);
		if (r < 0)
			goto out;
		r = bstore_commit_image(b.store, &final, o->tags, &ret->image_id, &ret->manifest,
					err);
		if (r < 0)
			goto out;
		builder_event(&b, BERTH_BUILD_EVENT_INFO, step, 0, "writing image %s done",
			      berth_digest_fmt(&ret->image_id, id));
		BERTH_STRV_FOREACH (t, o->tags)
			builder_event(&b, BERTH_BUILD_EVENT_INFO, step, 0, "naming to %s done", *t);
		builder_event(&b, BERTH_BUILD_EVENT_DONE, step, now_seconds() - t0, "DONE");
	}
	ret->steps = b.steps;
	ret->cached = b.cached;
	ret->context_files = b.ctx->n_entries;
	ret->hashed_bytes = b.ctx->hashed_bytes;
	builder_event(&b, BERTH_BUILD_EVENT_INFO, 0, 0,
		      "context: %zu entries, %llu bytes read to hash contents", b.ctx->n_entries,
		      (unsigned long long)b.ctx->hashed_bytes);
	bctx_save_stat_cache(b.ctx);
	r = 0;
out:
	bimage_release(&final);
	builder_release(&b);
	return r;
out_early:
	berth_strv_free(b.build_args);
	pthread_mutex_destroy(&b.lock);
	return r;
}
