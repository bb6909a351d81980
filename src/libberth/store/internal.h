/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the files of store/ share: the handle, the blob writer and the
 * helpers of more than one file. Nothing outside store/ includes this.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/digest.h"
#include "core/error.h"
#include "core/sha256.h"
#include "store/store.h"

/* Manifests and indexes are small; anything bigger is not one. */
#define MAX_INDEX_SIZE	  (64u << 20)
#define MAX_MANIFEST_SIZE (8u << 20)

#define STORE_SIDE_DIRS 6

struct berth_store {
	char *root;
	int root_fd;		       /* O_PATH|O_DIRECTORY */
	int blobs_fd;		       /* blobs/sha256 */
	int side_fds[STORE_SIDE_DIRS]; /* store.c: side_dirs */
	int gc_lock_fd;		       /* shared flock held once this process writes blobs */
	pthread_mutex_t gc_hold_lock;  /* guards gc_lock_fd and the counts below */
	pthread_cond_t gc_hold_cond;   /* a hold or a gc of this process ended */
	unsigned gc_holds;	       /* berth_store_writes_begin holds not yet done, and gcs */
	unsigned gc_exempt;	       /* of those, the running gcs' and their threads' own */
	unsigned gc_running;	       /* gcs of this process running */
	bool gc_opened;		       /* a gc opened gc_lock_fd: it closes it after */
	atomic_bool tmp_swept;	       /* this handle swept tmp/ before its first temp file */
	bool root_swept; /* ... and the store root's temp files before its first index write */
};

struct berth_blob_writer {
	struct berth_store *s;
	int fd;
	char tmp_name[40];
	struct berth_sha256 *hash;
	uint64_t size;
	bool hashed; /* digest holds the final hash: no write after it */
	struct berth_digest digest;
	uint64_t flushed; /* bytes whose writeback was started (see berth_blob_writer_write) */
};
/* store.c */
/* tmp/ (O_PATH, borrowed). */
int store_tmp_fd(const struct berth_store *s);
/* Opens (creating when missing) the directory name below dfd: O_PATH, owned. */
int store_open_subdir(int dfd, const char *name, struct berth_error **err);
/* An flock (op) on locks/<name>: the fd, owned. */
int store_lock_file(struct berth_store *s, const char *name, int op, struct berth_error **err);
/*
 * The gc lock exclusively, for a sweep or a check (blobs.c): waits for the
 * holds of this process's other threads to end (the calling thread's own do
 * not count: nothing of its is in flight while it collects), then converts
 * the handle's shared lock (flock: waits for other processes). New
 * operations (berth_store_writes_begin) of other threads wait for _end.
 */
int store_gc_exclusive_begin(struct berth_store *s, struct berth_error **err);
void store_gc_exclusive_end(struct berth_store *s);
/* Marks the tmp/ entry name (open as fd) as this process's: see store.c. */
int store_tmp_own(struct berth_store *s, int fd, const char *name, struct berth_error **err);
/* Counts tmp/ entries by owner alive or dead, removing the dead when remove. */
int store_tmp_scan(struct berth_store *s, bool remove, size_t *ret_dead, size_t *ret_live,
		   struct berth_error **err);
/* Removes dead tmp/ entries, once per handle, before its first temp file. */
void store_tmp_sweep_once(struct berth_store *s);
/* berth_remove_dead_atomic_temps on the root, once per handle, before its first index write. */
void store_root_sweep_once(struct berth_store *s);

/* refs.c: index.json */
int store_index_load(struct berth_store *s, json_t **ret, struct berth_error **err);
/* The org.opencontainers.image.ref.name of an index.json entry, or NULL. */
const char *store_entry_name(json_t *e);
/* An edit of the manifests array: < 0 fails, 0 changes nothing, > 0 saves it. */
typedef int (*index_edit_fn)(json_t *manifests, void *ctx, struct berth_error **err);
/* Loads, edits and saves index.json under the index lock. */
int store_index_modify(struct berth_store *s, index_edit_fn edit, void *ctx,
		       struct berth_error **err);

/* The entry e of index.json as a ref (-EBADMSG when berth cannot read it). */
int store_entry_parse(json_t *e, struct berth_store_ref *ret, struct berth_error **err);

/* reach.c: the live set and the gc roots */
/* Reports each entry of index.json berth cannot read as a problem of m. */
void store_mark_index_problems(struct berth_store *s, struct berth_store_marks *m);
