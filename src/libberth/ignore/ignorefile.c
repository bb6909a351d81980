/* SPDX-License-Identifier: Apache-2.0 */
#include "ignore/ignore.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/strv.h"
#include "core/utf8.h"
#include "ignore/internal.h"

/* Go's bufio.Scanner refuses a line that does not fit its 64 KiB buffer. */
#define MAX_LINE (64 * 1024)
/* An ignore file bigger than this is refused rather than read into memory. */
#define MAX_FILE (16 * 1024 * 1024)

char *berth_ignore_clean(const char *path)
{
	size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
	bool rooted = n > 0 && path[0] == '/';
	char *out = berth_xmalloc(n + 2);

	if (n == 0) {
		free(out);
		return berth_xstrdup(".");
	}
	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0) {
		free(out);
		return berth_xstrdup(".");
	}
	out[w] = '\0';
	return out;
}

const char *berth_ignore_trim_space(const char *s, size_t *len)
{
	size_t start = 0, end = *len;
	uint32_t cp;

	while (start < end) {
		size_t w = berth_utf8_decode(s + start, end - start, &cp);
		if (!berth_unicode_is_space(cp) || (cp == BERTH_UTF8_REPLACEMENT && w == 1))
			break;
		start += w;
	}
	while (end > start) {
		/* the code point ending at end: back over continuation bytes, then check */
		size_t b = end - 1;
		while (b > start && end - b < 4 && ((unsigned char)s[b] & 0xC0) == 0x80)
			b--;
		size_t w = berth_utf8_decode(s + b, end - b, &cp);
		if (b + w != end || !berth_unicode_is_space(cp))
			break;
		end = b;
	}
	*len = end - start;
	return s + start;
}

int berth_ignore_parse(const char *data, size_t len, char ***ret, struct berth_error **err)
{
	_cleanup_strv_free_ char **v = berth_xcalloc(1, sizeof(char *));
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *line = data + pos;
		size_t llen = end - pos;

		pos = nl ? end + 1 : len;
		if (llen >= MAX_LINE)
			return berth_error_set(err, E2BIG, "line %zu is longer than %d bytes",
					       lineno + 1, MAX_LINE);
		/* bufio.ScanLines drops the CR of a CRLF ending */
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (lineno++ == 0 && llen >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
			line += 3;
			llen -= 3;
		}
		/* a pattern with a NUL byte can match no file name */
		if (memchr(line, '\0', llen))
			continue;
		if (llen > 0 && line[0] == '#')
			continue;
		line = berth_ignore_trim_space(line, &llen);
		if (llen == 0)
			continue;
		bool invert = line[0] == '!';
		if (invert) {
			line++;
			llen--;
			line = berth_ignore_trim_space(line, &llen);
		}
		struct berth_buf b = BERTH_BUF_INIT;
		if (invert)
			berth_buf_addch(&b, '!');
		if (llen > 0) {
			_cleanup_free_ char *raw = berth_xstrndup(line, llen);
			_cleanup_free_ char *clean = berth_ignore_clean(raw);
			const char *c = clean;
			if (strlen(c) > 1 && c[0] == '/')
				c++;
			berth_buf_addstr(&b, c);
		}
		berth_strv_consume(&v, berth_buf_detach(&b, NULL));
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/*
 * Reads an optional file: 0 and *ret NULL when it is absent or not a
 * regular file. fd was opened with O_NONBLOCK, so a FIFO planted under the
 * name cannot stall the build before fstat() rejects it.
 */
static int read_optional(int fd, const char *name, char **ret, size_t *ret_len,
			 struct berth_error **err)
{
	struct stat st;
	int r;

	*ret = NULL;
	*ret_len = 0;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0)
		return berth_error_syscall(err, errno, "stat '%s'", name);
	if (!S_ISREG(st.st_mode))
		return 0;
	r = berth_read_fd(fd, MAX_FILE, ret, ret_len, err);
	if (r < 0)
		return berth_error_prefix(err, "read '%s'", name);
	return 0;
}

static bool absent(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -EISDIR;
}

int berth_ignore_load(int context_fd, const char *dockerfile_path, char ***ret, char **ret_name,
		      struct berth_error **err)
{
	_cleanup_free_ char *data = NULL, *name = NULL;
	size_t len = 0;
	int r;

	if (dockerfile_path && *dockerfile_path) {
		/*
		 * The Dockerfile's neighbour is opened as the Dockerfile is: its
		 * directory as the user named it, the file beneath it, so a
		 * Dockerfile.dockerignore that is a symlink leading out of that
		 * directory is refused like .dockerignore, not followed.
		 */
		name = berth_xasprintf("%s.dockerignore", dockerfile_path);
		const char *slash = strrchr(name, '/');
		_cleanup_free_ char *dir = slash ? berth_xstrndup(name, (size_t)(slash - name) + 1)
						 : berth_xstrdup(".");
		_cleanup_close_ int dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd < 0 && !absent(-errno))
			return berth_error_syscall(err, errno, "open '%s'", dir);
		_cleanup_close_ int fd =
			dir_fd < 0 ? -ENOENT
				   : berth_open_beneath(dir_fd, slash ? slash + 1 : name,
							O_RDONLY | O_NONBLOCK, 0, err);
		if (fd < 0 && !absent(fd))
			return berth_error_prefix(err, "open '%s'", name);
		if (fd < 0 && err)
			berth_error_free(err);
		r = read_optional(fd, name, &data, &len, err);
		if (r < 0)
			return r;
		if (!data) {
			free(name);
			name = NULL;
		}
	}
	if (!data) {
		/* The context is untrusted: .dockerignore must resolve inside it. */
		_cleanup_close_ int fd = berth_open_beneath(context_fd, ".dockerignore",
							    O_RDONLY | O_NONBLOCK, 0, err);
		if (fd < 0 && !absent(fd))
			return berth_error_prefix(err, "open '.dockerignore'");
		if (fd < 0)
			berth_error_free(err);
		r = read_optional(fd, ".dockerignore", &data, &len, err);
		if (r < 0)
			return r;
		if (data)
			name = berth_xstrdup(".dockerignore");
	}
	_cleanup_strv_free_ char **patterns = NULL;
	r = berth_ignore_parse(data ? data : "", len, &patterns, err);
	if (r < 0)
		return berth_error_prefix(err, "failed parsing '%s'", name);
	*ret = TAKE_PTR(patterns);
	if (ret_name)
		*ret_name = name ? TAKE_PTR(name) : berth_xstrdup("");
	return 0;
}
