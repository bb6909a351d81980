/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/json.h"
#include "core/sort.h"

static int compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The string values of attrs, keys sorted (Go's encoding of a map). */
static json_t *sorted_attributes(const json_t *attrs)
{
	json_t *out = json_object();
	size_t n = json_object_size(attrs), i = 0;
	if (n == 0)
		return out;
	_cleanup_free_ const char **keys = berth_xcalloc(n, sizeof(*keys));
	const char *k;
	json_t *v;
	json_object_foreach ((json_t *)attrs, k, v)
		if (json_is_string(v))
			keys[i++] = k;
	berth_qsort(keys, i, sizeof(*keys), compare_keys);
	for (size_t j = 0; j < i; j++)
		json_object_set(out, keys[j], json_object_get(attrs, keys[j]));
	return out;
}

char *berth_event_line(const char *type, const char *action, const char *id, const json_t *attrs,
		       long long time_nano)
{
	_cleanup_json_ json_t *ev = json_object();
	json_object_set_new(ev, "Type", json_string(type));
	json_object_set_new(ev, "Action", json_string(action));
	json_object_set_new(ev, "Actor",
			    json_pack("{s:s, s:o}", "ID", id ? id : "", "Attributes",
				      sorted_attributes(attrs)));
	json_object_set_new(ev, "scope", json_string("local"));
	json_object_set_new(ev, "time", json_integer(time_nano / 1000000000));
	json_object_set_new(ev, "timeNano", json_integer(time_nano));
	size_t len;
	char *s = berth_json_dump(ev, &len);
	if (len <= BERTH_EVENTS_MAX_LINE)
		return s;
	free(s);
	json_object_set_new(json_object_get(ev, "Actor"), "Attributes", json_object());
	return berth_json_dump(ev, NULL);
}

/*
 * Moves a log past its bound aside. Only the writer that holds the lock on
 * the file it wrote to, and finds that file still under the log's name,
 * renames it: two writers that both saw it too big rename it once.
 */
static void rotate_if_full(int dfd, int fd)
{
	struct stat st, cur;
	if (fstat(fd, &st) < 0 || st.st_size <= BERTH_EVENTS_MAX_BYTES)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return;
	if (fstatat(dfd, BERTH_EVENTS_LOG, &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
	    cur.st_ino == st.st_ino && cur.st_dev == st.st_dev)
		(void)renameat(dfd, BERTH_EVENTS_LOG, dfd, BERTH_EVENTS_LOG_OLD);
	(void)flock(fd, LOCK_UN);
}

int berth_event_emit_json_at(int root_fd, const char *type, const char *action, const char *id,
			     const json_t *attrs)
{
	if (root_fd < 0 || !type || !action)
		return -EINVAL;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	_cleanup_free_ char *line = berth_event_line(
		type, action, id, attrs, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	size_t len = strlen(line);
	line = berth_xrealloc(line, len + 2);
	line[len++] = '\n';
	line[len] = '\0';
	_cleanup_close_ int fd =
		openat(root_fd, BERTH_EVENTS_LOG,
		       O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* one write() of the whole line: O_APPEND makes it land whole, after the others */
	ssize_t n = write(fd, line, len);
	if (n < 0)
		return -errno;
	rotate_if_full(root_fd, fd);
	return (size_t)n == len ? 0 : -EIO;
}

int berth_event_emit_json(const char *root, const char *type, const char *action, const char *id,
			  const json_t *attrs)
{
	if (!root)
		return -EINVAL;
	_cleanup_close_ int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	return berth_event_emit_json_at(dfd, type, action, id, attrs);
}

int berth_event_emit(const char *root, const char *type, const char *action, const char *id,
		     const char *const *attrs)
{
	_cleanup_json_ json_t *o = json_object();
	for (size_t i = 0; attrs && attrs[i]; i += 2)
		if (attrs[i + 1])
			json_object_set_new(o, attrs[i], json_string(attrs[i + 1]));
	return berth_event_emit_json(root, type, action, id, o);
}
