/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Helpers the dockerfile unit tests share: the conformance data and parsing. */
#include "conformance.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "dockerfile/dockerfile.h"
#include "dockerfile/shell.h"

/* Reads a whole file; NULL when it does not exist. */
static inline char *read_file(const char *path, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct berth_error *err = NULL;
	char *data = NULL;

	if (fd < 0)
		return NULL;
	assert_ok(berth_read_fd(fd, 64 << 20, &data, ret_len, &err), err);
	return data;
}

/* The sorted names of the entries of a directory (no dot entries). */
static inline char **list_dir(const char *path)
{
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);
	char **v = NULL;

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.')
			berth_strv_push(&v, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return v;
}

/* Parses a NUL-terminated text that must parse. */
static inline struct berth_dockerfile *parse_ok(const char *text)
{
	struct berth_dockerfile *df = NULL;
	struct berth_error *err = NULL;
	assert_ok(berth_dockerfile_parse(text, strlen(text), "Dockerfile", &df, &err), err);
	return df;
}

/* Parses a text that must fail; returns the message (owned). */
static inline char *parse_fail(const char *text)
{
	struct berth_dockerfile *df = NULL;
	struct berth_error *err = NULL;
	int r = berth_dockerfile_parse(text, strlen(text), "Dockerfile", &df, &err);
	assert_true(r < 0);
	assert_null(df);
	char *m = berth_xstrdup(berth_error_msg(err));
	berth_error_free(&err);
	return m;
}

/* The dump of a text that must parse. */
static inline char *dump_of(const char *text)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = parse_ok(text);
	return berth_dockerfile_dump(df);
}

/* Expands a word that must expand to want. */
static inline void check_word(const char *in, char *const *env, char esc, const char *want)
{
	struct berth_error *err = NULL;
	_cleanup_free_ char *got = NULL;
	assert_ok(berth_shell_expand_word(in, env, esc, &got, &err), err);
	if (strcmp(got, want) != 0)
		fail_msg("'%s': got '%s', want '%s'", in, got, want);
}
