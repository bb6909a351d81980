/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Shared by the build unit tests: a temp dir holding a store and a build
 * context, a driver for berth_build(), and readers of what a build wrote
 * (the image config, the entries of its layer tars).
 */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder/builder.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "store/store.h"

struct bfix {
	char dir[64];
	char *store;		    /* <dir>/store */
	struct berth_store *handle; /* the store at store, for the library's calls */
	char *ctx;		    /* <dir>/ctx */
	char **events;
};

static inline void bfix_setup(struct bfix *f)
{
	*f = (struct bfix){0};
	/* builds mount views and RUN roots: a crash must not leave them on the host */
	if (geteuid() == 0)
		assert_int_equal(unit_private_mounts(), 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/berth-buildtest-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->store = berth_xasprintf("%s/store", f->dir);
	assert_int_equal(berth_store_open(f->store, &f->handle, NULL), 0);
	f->ctx = berth_xasprintf("%s/ctx", f->dir);
	assert_int_equal(mkdir(f->ctx, 0755), 0);
}

/* Detaches whatever a failed test left mounted below dir, deepest first. */
static inline void bfix_unmount_below(const char *dir)
{
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	char **targets = NULL, line[4096], mp[4096];
	size_t n = strlen(dir);

	if (!mi)
		return;
	while (fgets(line, sizeof(line), mi)) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strncmp(mp, dir, n) == 0 &&
		    mp[n] == '/')
			berth_strv_push(&targets, mp);
	}
	fclose(mi);
	berth_strv_sort(targets);
	for (size_t i = berth_strv_len(targets); i > 0; i--)
		(void)umount2(targets[i - 1], MNT_DETACH);
	berth_strv_free(targets);
}

/* The number of mounts below dir (a test that mounts checks it returns to 0). */
static inline size_t bfix_mounts_below(const char *dir)
{
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[4096];
	size_t n = strlen(dir), count = 0;

	assert_non_null(mi);
	while (fgets(line, sizeof(line), mi)) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strncmp(mp, dir, n) == 0 &&
		    mp[n] == '/')
			count++;
	}
	fclose(mi);
	return count;
}

static inline void bfix_teardown(struct bfix *f)
{
	berth_store_freep(&f->handle);
	bfix_unmount_below(f->dir);
	(void)berth_rm_rf_at(AT_FDCWD, f->dir, NULL);
	free(f->store);
	free(f->ctx);
	berth_strv_free(f->events);
	*f = (struct bfix){0};
}

/* cmocka setup and teardown for tests that need nothing but a bfix in *state. */
static inline int bfix_state_setup(void **state)
{
	struct bfix *f = berth_xcalloc(1, sizeof(*f));
	bfix_setup(f);
	*state = f;
	return 0;
}

static inline int bfix_state_teardown(void **state)
{
	struct bfix *f = *state;
	bfix_teardown(f);
	free(f);
	return 0;
}

static inline void ctx_write_mode(struct bfix *f, const char *rel, const char *content, mode_t mode)
{
	char *p = berth_xasprintf("%s/%s", f->ctx, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static inline void ctx_write(struct bfix *f, const char *rel, const char *content)
{
	ctx_write_mode(f, rel, content, 0644);
}

static inline void ctx_mkdir(struct bfix *f, const char *rel)
{
	char *p = berth_xasprintf("%s/%s", f->ctx, rel);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static inline void ctx_symlink(struct bfix *f, const char *target, const char *rel)
{
	char *p = berth_xasprintf("%s/%s", f->ctx, rel);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

/* Sets the mtime of a context file (to show what must not change a cache key). */
static inline void ctx_touch(struct bfix *f, const char *rel, time_t when)
{
	char *p = berth_xasprintf("%s/%s", f->ctx, rel);
	struct timespec ts[2] = {{.tv_sec = when}, {.tv_sec = when}};
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
	free(p);
}

static const char *const bfix_kinds[] = {"STEP",    "CACHED", "DONE", "OUTPUT",
					 "WARNING", "ERROR",  "INFO"};

static inline void bfix_on_event(const struct berth_build_event *ev, void *userdata)
{
	struct bfix *f = userdata;
	berth_strv_consume(&f->events,
			   berth_xasprintf("%s %d %s", bfix_kinds[ev->kind], ev->step, ev->text));
}

/* The number of events of kind whose text contains needle (NULL: all of that kind). */
static inline size_t bfix_count_events(struct bfix *f, const char *kind, const char *needle)
{
	size_t n = 0, kl = strlen(kind);
	BERTH_STRV_FOREACH (e, f->events) {
		if (strncmp(*e, kind, kl) == 0 && (*e)[kl] == ' ' &&
		    (!needle || strstr(*e + kl + 1, needle)))
			n++;
	}
	return n;
}

/* Whether the step whose line ends with what (e.g. "] COPY . /app") was a cache hit. */
static inline bool bfix_step_cached(struct bfix *f, const char *what)
{
	int step = -1;
	size_t wl = strlen(what);
	BERTH_STRV_FOREACH (e, f->events) {
		size_t el = strlen(*e);
		if (strncmp(*e, "STEP ", 5) == 0 && el >= wl && strcmp(*e + el - wl, what) == 0) {
			if (step >= 0)
				fail_msg("two steps end with '%s'", what);
			step = atoi(*e + 5);
		}
	}
	if (step < 0)
		fail_msg("no step ends with '%s'", what);
	char *want = berth_xasprintf("CACHED %d CACHED", step);
	bool hit = berth_strv_contains(f->events, want);
	free(want);
	return hit;
}

/*
 * Builds the Dockerfile text with the context of f, tagged test:latest
 * unless o names tags. o may be NULL (the defaults); its context,
 * on_event and userdata are set here.
 */
static inline int bfix_build(struct bfix *f, const char *dockerfile,
			     const struct berth_build_options *o, struct berth_build_result *ret,
			     struct berth_error **err)
{
	static char *default_tags[] = {"test:latest", NULL};
	struct berth_build_options opts = o ? *o : (struct berth_build_options){0};
	char *df = berth_xasprintf("%s/Dockerfile", f->ctx);
	int fd = open(df, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, dockerfile, strlen(dockerfile)), (ssize_t)strlen(dockerfile));
	close(fd);
	free(df);
	opts.context = f->ctx;
	if (!opts.tags)
		opts.tags = default_tags;
	opts.on_event = bfix_on_event;
	opts.userdata = f;
	berth_strv_free(f->events);
	f->events = NULL;
	*ret = (struct berth_build_result){0};
	return berth_build(f->handle, &opts, ret, err);
}

/* Builds and expects success. */
static inline void bfix_build_ok(struct bfix *f, const char *dockerfile,
				 const struct berth_build_options *o,
				 struct berth_build_result *ret)
{
	struct berth_error *err = NULL;
	assert_ok(bfix_build(f, dockerfile, o, ret, &err), err);
}

/* Builds, expects failure with code and a message containing want. */
static inline void bfix_build_fails(struct bfix *f, const char *dockerfile,
				    const struct berth_build_options *o, int code, const char *want)
{
	struct berth_error *err = NULL;
	struct berth_build_result res;
	int r = bfix_build(f, dockerfile, o, &res, &err);
	if (r >= 0)
		fail_msg("build succeeded, expected '%s'", want);
	if (!strstr(berth_error_msg(err), want))
		fail_msg("error '%s' does not contain '%s'", berth_error_msg(err), want);
	assert_int_equal(r, -code);
	berth_error_free(&err);
}

static inline struct berth_image *bfix_image(struct bfix *f, const char *ref)
{
	struct berth_store *s = NULL;
	struct berth_image *img = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_store_open(f->store, &s, &err), err);
	assert_ok(berth_image_resolve(s, ref, &img, &err), err);
	berth_store_free(s);
	return img;
}

/* The image config of ref, as JSON (the caller's). */
static inline json_t *bfix_config(struct bfix *f, const char *ref)
{
	struct berth_image *img = bfix_image(f, ref);
	struct berth_store *s = NULL;
	struct berth_error *err = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len;
	int fd;
	json_t *j = NULL;

	assert_ok(berth_store_open(f->store, &s, &err), err);
	assert_ok(berth_store_blob_open(s, &img->id, &fd, NULL, &err), err);
	assert_ok(berth_read_fd(fd, 1 << 24, &data, &len, &err), err);
	close(fd);
	assert_ok(berth_json_parse(data, len, "config", &j, &err), err);
	berth_store_free(s);
	berth_image_free(img);
	return j;
}

static inline size_t bfix_n_layers(struct bfix *f, const char *ref)
{
	struct berth_image *img = bfix_image(f, ref);
	size_t n = img->manifest->n_layers;
	berth_image_free(img);
	return n;
}

/*
 * The entries of layer i of ref, one string each:
 *   "path type mode uid:gid" plus " =content" for files, " ->target" for links
 * where type is f, d, l (symlink) or h (hard link).
 */
static inline char **bfix_layer(struct bfix *f, const char *ref, size_t i)
{
	struct berth_image *img = bfix_image(f, ref);
	struct berth_store *s = NULL;
	struct berth_error *err = NULL;
	struct archive_entry *e;
	char **out = NULL;
	int fd;

	assert_true(i < img->manifest->n_layers);
	assert_ok(berth_store_open(f->store, &s, &err), err);
	assert_ok(berth_store_blob_open(s, &img->manifest->layers[i].digest, &fd, NULL, &err), err);
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_fd(a, fd, 65536), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		struct berth_buf b = BERTH_BUF_INIT;
		mode_t t = archive_entry_filetype(e);
		const char *hl = archive_entry_hardlink(e);
		char type = hl ? 'h' : t == AE_IFDIR ? 'd' : t == AE_IFLNK ? 'l' : 'f';
		berth_buf_addf(&b, "%s %c %04o %lld:%lld", archive_entry_pathname(e), type,
			       (unsigned)(archive_entry_perm(e) & 07777),
			       (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
		if (hl) {
			berth_buf_addf(&b, " ->%s", hl);
		} else if (type == 'l') {
			berth_buf_addf(&b, " ->%s", archive_entry_symlink(e));
		} else if (type == 'f') {
			char data[4096];
			la_ssize_t n = archive_read_data(a, data, sizeof(data) - 1);
			assert_true(n >= 0);
			data[n] = '\0';
			berth_buf_addf(&b, " =%s", data);
		}
		berth_strv_consume(&out, berth_buf_detach(&b, NULL));
	}
	archive_read_free(a);
	close(fd);
	berth_store_free(s);
	berth_image_free(img);
	return out;
}

/* Fails with the whole list when no entry of v equals want. */
static inline void assert_has(char **v, const char *want)
{
	if (berth_strv_contains(v, want))
		return;
	struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (s, v)
		berth_buf_addf(&b, "\n  %s", *s);
	fail_msg("no entry '%s' in:%s", want, b.buf);
}

/* Fails when some entry of v starts with prefix. */
static inline void assert_no_prefix(char **v, const char *prefix)
{
	BERTH_STRV_FOREACH (s, v) {
		if (strncmp(*s, prefix, strlen(prefix)) == 0)
			fail_msg("unexpected entry '%s'", *s);
	}
}
