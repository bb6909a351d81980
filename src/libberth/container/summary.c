/* SPDX-License-Identifier: Apache-2.0 */
/*
 * summary.json beside each container's state.json: the fields `ps` lists
 * and filters on, a third of the record's bytes, stamped with the inode,
 * size and mtime of the state.json it was made from, so that listing 100
 * containers parses 100 small files and never a record. It is a cache:
 * best effort, never fsynced, and one that is missing, damaged, unreadable
 * by berth_json_parse_fast or stamped for another state.json only sends
 * the reader to the record.
 *
 * A record write writes the summary first and renames state.json last:
 * whoever acts once a record says a container exited (wait, rm) finds its
 * writer done with the directory.
 *
 * "Thawed": the summary of a run's start, whose cgroup is new: nothing has
 * frozen it (pause needs the record to say running, which comes after the
 * summary), so `ps` shows it not paused without reading the freezer.
 * pause takes the claim away before it freezes (berth_container_summary_forget);
 * every other write leaves it out, and the freezer is read as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json-fast.h"
#include "core/json.h"

/* The top-level fields of a record that its summary keeps whole. */
static const char *const summary_keys[] = {
	"Id",		"Name",	  "Created", "Path",  "Args",	"Image",
	"ImageRef",	"Rootfs", "Pod",     "State", "Mounts", "NetworkSettings",
	"RestartCount", NULL,
};

/* Copies key of from into to (a new object under name) when from has it. */
static void summary_take(json_t *to, const char *name, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);
	if (!v)
		return;
	json_t *o = json_object_get(to, name);
	if (!o)
		json_object_set_new(to, name, o = json_object());
	json_object_set(o, key, v);
}

json_t *berth_container_summary_of(const json_t *st)
{
	json_t *sum = json_object();
	for (const char *const *k = summary_keys; *k; k++) {
		json_t *v = json_object_get(st, *k);
		if (v)
			json_object_set(sum, *k, v);
	}
	summary_take(sum, "Config", json_object_get(st, "Config"), "Labels");
	summary_take(sum, "Config", json_object_get(st, "Config"), "Healthcheck");
	summary_take(sum, "HostConfig", json_object_get(st, "HostConfig"), "NetworkMode");
	summary_take(sum, "HostConfig", json_object_get(st, "HostConfig"), "AutoRemove");
	json_t *paths = json_object_get(st, "CgroupPaths"), *keep = json_array(), *v;
	size_t i;
	json_array_foreach (paths, i, v) {
		const char *p = json_string_value(v);
		if (p && (json_array_size(paths) == 1 || strstr(p, "/freezer/")))
			json_array_append(keep, v);
	}
	json_object_set_new(sum, "CgroupPaths", keep);
	return sum;
}

/*
 * The stamp of the state.json that st describes: its inode, size and mtime
 * in one string, one value to parse where an object of four took five.
 */
#define STAMP_MAX 96
static const char *stamp_of(const struct stat *st, char buf[static STAMP_MAX])
{
	snprintf(buf, STAMP_MAX, "%llu %lld %lld.%09ld", (unsigned long long)st->st_ino,
		 (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	return buf;
}

void berth_container_summary_write(int dfd, const json_t *state, const struct stat *st, bool thawed)
{
	_cleanup_json_ json_t *sum = berth_container_summary_of(state);
	json_object_del(sum, "Id"); /* the directory's name, 70 bytes fewer to parse */
	if (thawed)
		json_object_set_new(sum, "Thawed", json_true());
	char stamp[STAMP_MAX];
	json_object_set_new(sum, "RecordStamp", json_string(stamp_of(st, stamp)));
	_cleanup_free_ char *s = berth_json_dump(sum, NULL);
	if (berth_write_file_replace(dfd, "summary.json", s, strlen(s), 0600, NULL) < 0)
		unlinkat(dfd, "summary.json", 0);
}

int berth_container_summary_parse(const char *data, size_t len, const struct stat *st, json_t **ret,
				  bool *ret_thawed)
{
	json_t *sum = NULL;
	if (berth_json_parse_fast(data, len, &sum, NULL) < 0)
		return -EBADMSG;
	_cleanup_json_ json_t *ref = sum;
	char want[STAMP_MAX];
	const char *stamp = json_string_value(json_object_get(sum, "RecordStamp"));
	if (!json_is_object(sum) || !stamp || strcmp(stamp, stamp_of(st, want)) != 0)
		return -ESTALE;
	*ret_thawed = json_is_true(json_object_get(sum, "Thawed"));
	json_object_del(sum, "RecordStamp");
	json_object_del(sum, "Thawed");
	*ret = TAKE_PTR(ref);
	return 0;
}

/*
 * containers/<id>/summary.json checked against st. A summary is a few
 * hundred bytes: one read into the stack, the heap only for a larger one
 * (labels). A short read that was not the end only makes the text invalid.
 */
static json_t *summary_load(int cdir, const char *id, const struct stat *st, bool *ret_thawed)
{
	char name[128], stackbuf[8192];
	if ((size_t)snprintf(name, sizeof(name), "%s/summary.json", id) >= sizeof(name))
		return NULL;
	_cleanup_close_ int fd = openat(cdir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, stackbuf, sizeof(stackbuf));
	if (n < 0)
		return NULL;
	json_t *sum = NULL;
	if ((size_t)n < sizeof(stackbuf)) {
		if (berth_container_summary_parse(stackbuf, (size_t)n, st, &sum, ret_thawed) < 0)
			return NULL;
		return sum;
	}
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    berth_read_fd(fd, BERTH_CONTAINER_RECORD_MAX, &data, &len, NULL) < 0 ||
	    berth_container_summary_parse(data, len, st, &sum, ret_thawed) < 0)
		return NULL;
	return sum;
}

json_t *berth_container_summary_read(int cdir, const char *id, bool *ret_thawed)
{
	char rec[128];
	struct stat st;
	*ret_thawed = false;
	if ((size_t)snprintf(rec, sizeof(rec), "%s/state.json", id) >= sizeof(rec) ||
	    fstatat(cdir, rec, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return NULL;
	json_t *sum = summary_load(cdir, id, &st, ret_thawed);
	if (sum) {
		json_object_set_new(sum, "Id", json_string(id));
		return sum;
	}
	_cleanup_json_ json_t *full = berth_container_state_read(cdir, id);
	return full ? berth_container_summary_of(full) : NULL;
}

void berth_container_summary_forget(struct berth_store *store, const json_t *st)
{
	const char *id = json_string_value(json_object_get(st, "Id"));
	_cleanup_close_ int cdir = berth_container_dir_open(store, NULL);
	if (!id || strlen(id) != 64 || cdir < 0)
		return;
	char name[128];
	snprintf(name, sizeof(name), "%s/summary.json", id);
	(void)unlinkat(cdir, name, 0);
}
