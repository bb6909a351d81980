/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `import`: a root filesystem tarball becomes a one-layer image. The input
 * is read once: decompressed (auto-detected), hashed for the diff ID,
 * recompressed with gzip straight into a blob writer, and walked by
 * libarchive so a truncated or corrupt tar fails before anything is tagged.
 * Also the --change instructions applied to a config.
 */
#include "image/image.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/compress.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/internal.h"

#define CHUNK (128 * 1024)

/* ---- --change ---- */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A JSON array of strings ("exec form"); EINVAL when it is not one. */
static int json_strv(const char *s, const char *what, char ***ret, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(s, strlen(s), what, &j, err);
	if (r < 0)
		return r;
	if (!json_is_array(j))
		return berth_error_set(err, EINVAL, "%s: expected a JSON array of strings", what);
	char **v = berth_xcalloc(json_array_size(j) + 1, sizeof(char *));
	size_t i;
	json_t *e;
	json_array_foreach (j, i, e) {
		if (!json_is_string(e)) {
			berth_strv_free(v);
			return berth_error_set(err, EINVAL, "%s: expected a JSON array of strings",
					       what);
		}
		v[i] = berth_xstrdup(json_string_value(e));
	}
	*ret = v;
	return 0;
}

/* Splits words, honouring "..." and '...' quotes and backslash escapes. */
static int split_words(const char *s, char ***ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **v = NULL;
	_cleanup_buf_ struct berth_buf w = BERTH_BUF_INIT;
	bool in_word = false;
	char quote = 0;
	for (const char *p = s;; p++) {
		char c = *p;
		if (c == '\0') {
			if (quote)
				return berth_error_set(err, EINVAL, "unterminated quote in '%s'",
						       s);
			if (in_word)
				berth_strv_push(&v, w.buf);
			break;
		}
		if (quote) {
			if (c == quote)
				quote = 0;
			else if (c == '\\' && quote == '"' && p[1])
				berth_buf_addch(&w, *++p);
			else
				berth_buf_addch(&w, c);
			continue;
		}
		if (isspace((unsigned char)c)) {
			if (in_word) {
				berth_strv_push(&v, w.buf);
				berth_buf_reset(&w);
				in_word = false;
			}
			continue;
		}
		in_word = true;
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '\\' && p[1])
			berth_buf_addch(&w, *++p);
		else
			berth_buf_addch(&w, c);
	}
	*ret = v ? TAKE_PTR(v) : berth_xcalloc(1, sizeof(char *));
	return 0;
}

/* ENV and LABEL: "k=v k2=v2" or the old "k v" form. */
static int key_values(const char *ins, const char *rest, char ***ret_k, char ***ret_v,
		      struct berth_error **err)
{
	_cleanup_strv_free_ char **words = NULL;
	_cleanup_strv_free_ char **k = NULL, **v = NULL;
	int r = split_words(rest, &words, err);
	if (r < 0)
		return r;
	if (!words[0])
		return berth_error_set(err, EINVAL, "%s requires at least one argument", ins);
	if (!strchr(words[0], '=')) {
		/* "ENV key value with spaces" */
		const char *sp = rest;
		while (*sp && !isspace((unsigned char)*sp))
			sp++;
		_cleanup_free_ char *val = berth_xstrdup(sp);
		berth_strv_push(&k, words[0]);
		berth_strv_push(&v, trim(val));
	} else {
		for (char **w = words; *w; w++) {
			char *eq = strchr(*w, '=');
			if (!eq || eq == *w)
				return berth_error_set(err, EINVAL, "%s: '%s' is not key=value",
						       ins, *w);
			*eq = '\0';
			berth_strv_push(&k, *w);
			berth_strv_push(&v, eq + 1);
		}
	}
	*ret_k = TAKE_PTR(k);
	*ret_v = TAKE_PTR(v);
	return 0;
}

static void env_set(struct berth_image_config *c, const char *key, const char *value)
{
	_cleanup_free_ char *kv = berth_xasprintf("%s=%s", key, value);
	berth_env_set(&c->env, kv);
}

static void keys_add(char ***v, const char *key)
{
	if (!berth_strv_contains(*v, key))
		berth_strv_push(v, key);
}

int berth_image_config_apply_change(struct berth_image_config *c, const char *change,
				    struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(change);
	char *s = trim(copy);
	char *rest = s;
	while (*rest && !isspace((unsigned char)*rest))
		rest++;
	if (*rest)
		*rest++ = '\0';
	rest = trim(rest);
	for (char *p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	int r;

	if (strcmp(s, "CMD") == 0 || strcmp(s, "ENTRYPOINT") == 0) {
		char **v = NULL;
		if (rest[0] == '[') {
			r = json_strv(rest, s, &v, err);
			if (r < 0)
				return r;
		} else {
			/* shell form, as Docker: the image's SHELL or /bin/sh -c */
			if (c->shell)
				v = berth_strv_copy(c->shell);
			else {
				berth_strv_push(&v, "/bin/sh");
				berth_strv_push(&v, "-c");
			}
			berth_strv_push(&v, rest);
		}
		char ***dst = strcmp(s, "CMD") == 0 ? &c->cmd : &c->entrypoint;
		berth_strv_free(*dst);
		*dst = v;
		/* ENTRYPOINT resets the CMD inherited before it, as in a Dockerfile */
		return 0;
	}
	if (strcmp(s, "SHELL") == 0) {
		char **v = NULL;
		r = json_strv(rest, s, &v, err);
		if (r < 0)
			return r;
		berth_strv_free(c->shell);
		c->shell = v;
		return 0;
	}
	if (strcmp(s, "ENV") == 0 || strcmp(s, "LABEL") == 0) {
		_cleanup_strv_free_ char **k = NULL, **v = NULL;
		r = key_values(s, rest, &k, &v, err);
		if (r < 0)
			return r;
		for (size_t i = 0; k[i]; i++) {
			if (s[0] == 'E')
				env_set(c, k[i], v[i]);
			else
				berth_image_config_set_label(c, k[i], v[i]);
		}
		return 0;
	}
	if (strcmp(s, "EXPOSE") == 0 || strcmp(s, "VOLUME") == 0) {
		_cleanup_strv_free_ char **w = NULL;
		if (s[0] == 'V' && rest[0] == '[')
			r = json_strv(rest, s, &w, err);
		else
			r = split_words(rest, &w, err);
		if (r < 0)
			return r;
		if (!w[0])
			return berth_error_set(err, EINVAL, "%s requires at least one argument", s);
		for (char **x = w; *x; x++) {
			if (s[0] == 'V') {
				keys_add(&c->volumes, *x);
				continue;
			}
			_cleanup_free_ char *port =
				strchr(*x, '/') ? berth_xstrdup(*x) : berth_xasprintf("%s/tcp", *x);
			char *end;
			long n = strtol(port, &end, 10);
			if (end == port || *end != '/' || n < 0 || n > 65535 ||
			    (strcmp(end, "/tcp") != 0 && strcmp(end, "/udp") != 0 &&
			     strcmp(end, "/sctp") != 0))
				return berth_error_set(err, EINVAL, "invalid port '%s'", *x);
			keys_add(&c->exposed_ports, port);
		}
		return 0;
	}
	if (strcmp(s, "WORKDIR") == 0 || strcmp(s, "USER") == 0 || strcmp(s, "STOPSIGNAL") == 0) {
		if (!*rest)
			return berth_error_set(err, EINVAL, "%s requires exactly one argument", s);
		if (s[0] == 'W') {
			char *wd;
			if (rest[0] == '/' || !c->working_dir)
				wd = berth_xasprintf("%s%s", rest[0] == '/' ? "" : "/", rest);
			else
				wd = berth_xasprintf("%s/%s", c->working_dir, rest);
			free(c->working_dir);
			c->working_dir = wd;
		} else if (s[0] == 'U') {
			free(c->user);
			c->user = berth_xstrdup(rest);
		} else {
			free(c->stop_signal);
			c->stop_signal = berth_xstrdup(rest);
		}
		return 0;
	}
	if (strcmp(s, "ONBUILD") == 0) {
		if (!*rest)
			return berth_error_set(err, EINVAL, "ONBUILD requires an instruction");
		berth_strv_push(&c->onbuild, rest);
		if (!c->onbuild)
			c->onbuild = berth_xcalloc(1, sizeof(char *));
		return 0;
	}
	return berth_error_set(err, EINVAL,
			       "--change: '%s' is not supported (use CMD, ENTRYPOINT, ENV, EXPOSE, "
			       "LABEL, ONBUILD, SHELL, STOPSIGNAL, USER, VOLUME or WORKDIR)",
			       s);
}

/* ---- import ---- */

struct tee {
	struct berth_decompress_reader *in;
	struct berth_sha256 *hash;
	struct berth_compressor *out;
	uint64_t size;
	char *buf;
	struct berth_error *err; /* the first error of a callback */
	int code;
};

/* libarchive's read callback: every byte it sees is hashed and compressed too. */
static la_ssize_t tee_read(struct archive *a, void *ctx, const void **ret)
{
	struct tee *t = ctx;
	ssize_t n = berth_decompress_reader_read(t->in, t->buf, CHUNK, &t->err);
	if (n < 0) {
		t->code = (int)n;
		archive_set_error(a, EIO, "%s", berth_error_msg(t->err));
		return -1;
	}
	if (n > 0) {
		berth_sha256_update(t->hash, t->buf, (size_t)n);
		int r = berth_compressor_write(t->out, t->buf, (size_t)n, &t->err);
		if (r < 0) {
			t->code = r;
			archive_set_error(a, EIO, "%s", berth_error_msg(t->err));
			return -1;
		}
		t->size += (uint64_t)n;
	}
	*ret = t->buf;
	return n;
}

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
	*a = NULL;
}

/* Walks the whole tar through the tee; then drains what follows its end marker. */
static int walk_tar(struct tee *t, struct berth_error **err)
{
	_cleanup_(archive_freep) struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r;
	size_t entries = 0;
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open(a, t, NULL, tee_read, NULL) != ARCHIVE_OK)
		goto bad;
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			goto bad;
		entries++;
		const char *p = archive_entry_pathname(e);
		if (!p || !*p)
			return berth_error_set(err, EBADMSG, "tar entry %zu has no name", entries);
		if (archive_read_data_skip(a) < ARCHIVE_WARN)
			goto bad;
	}
	/* the rest (zero blocks, record padding) belongs to the layer's bytes too */
	for (;;) {
		const void *buf;
		la_ssize_t n = tee_read(a, t, &buf);
		if (n < 0)
			goto bad;
		if (n == 0)
			break;
	}
	if (t->size == 0)
		return berth_error_set(err, EBADMSG, "the input is empty, not a tar archive");
	return 0;
bad:
	if (t->code < 0) {
		int code = t->code;
		if (err) {
			berth_error_free(err);
			*err = TAKE_PTR(t->err);
		}
		return code;
	}
	return berth_error_set(err, EBADMSG, "not a valid tar archive: %s",
			       archive_error_string(a) ? archive_error_string(a) : "read failed");
}

int berth_image_import(struct berth_store *s, int fd, const struct berth_image_import_options *o,
		       struct berth_digest *ret_id, struct berth_error **err)
{
	const char *name = o->name, *message = o->message, *source = o->source;
	char *const *changes = o->changes;
	_cleanup_(berth_image_config_freep) struct berth_image_config *c =
		berth_image_config_new(NULL, NULL);
	_cleanup_(berth_decompress_reader_freep) struct berth_decompress_reader *in = NULL;
	_cleanup_(berth_blob_writer_abortp) struct berth_blob_writer *w = NULL;
	_cleanup_(berth_compressor_freep) struct berth_compressor *k = NULL;
	_cleanup_(berth_sha256_freep) struct berth_sha256 *hash = berth_sha256_new();
	_cleanup_free_ char *buf = berth_xmalloc(CHUNK);
	struct berth_digest diff_id;
	struct berth_descriptor layer = {0};
	int r;

	/* check the name and the changes before reading anything */
	if (name) {
		struct berth_image_ref ref;
		r = berth_image_ref_parse(name, &ref, err);
		if (r < 0)
			return r;
		berth_image_ref_release(&ref);
	}
	for (char *const *ch = changes; ch && *ch; ch++) {
		r = berth_image_config_apply_change(c, *ch, err);
		if (r < 0)
			return berth_error_prefix(err, "--change '%s'", *ch);
	}

	r = berth_decompress_reader_open(fd, &in, err);
	if (r < 0)
		return berth_error_prefix(err, "import '%s'", source);
	r = berth_store_blob_begin(s, &w, err);
	if (r < 0)
		return r;
	r = berth_compressor_new(BERTH_COMPRESSION_GZIP, -1, berth_blob_writer_sink, w, &k, err);
	if (r < 0)
		return r;
	struct tee t = {.in = in, .hash = hash, .out = k, .buf = buf};
	r = walk_tar(&t, err);
	berth_error_free(&t.err);
	if (r < 0)
		return berth_error_prefix(err, "import '%s'", source);
	r = berth_compressor_finish(k, err);
	if (r < 0)
		return r;
	berth_sha256_final(hash, &diff_id);
	r = berth_blob_writer_commit(TAKE_PTR(w), NULL, &layer.digest, &layer.size, err);
	if (r < 0)
		return r;
	layer.media_type = (char *)BERTH_MT_OCI_LAYER_GZIP;

	_cleanup_free_ char *created =
		berth_image_created_time(o->has_source_date_epoch ? &o->source_date_epoch : NULL);
	_cleanup_free_ char *comment = message && *message
					       ? berth_xstrdup(message)
					       : berth_xasprintf("Imported from %s", source);
	c->created = berth_xstrdup(created);
	struct berth_history h = {.created = created, .comment = comment};
	berth_image_config_add_layer(c, &diff_id, &h);
	struct berth_digest id;
	r = berth_image_write(s, c, &layer, 1, name, NULL, &id, err);
	if (r < 0)
		return r;
	image_event_id(s, "import", &id);
	if (ret_id)
		*ret_id = id;
	return r;
}
