/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The store: content-addressed blobs and named references (tags).
 *
 * The store root is an OCI image layout (image-spec "image-layout"):
 *   oci-layout               {"imageLayoutVersion": "1.0.0"}
 *   index.json               an image index; each entry a manifest descriptor,
 *                            tagged ones carry "org.opencontainers.image.ref.name"
 *   blobs/sha256/<hex>       every blob, named by the sha256 of its bytes
 * so skopeo (oci:<root>:<name>) and umoci read it in place. Beside them, for
 * other subsystems: layers/, containers/, volumes/, cache/, tmp/ (temp files
 * of blob writes) and locks/.
 *
 * Every write is temp file + fsync + rename (+ fsync of the directory), so a
 * crash leaves the old or the new state, never a torn file. index.json is
 * rewritten under an exclusive flock of locks/index.lock, so concurrent berth
 * processes never lose an update. Blob writers hold a shared flock of
 * locks/gc.lock until the store is freed; garbage collection takes it
 * exclusively, so it never removes a blob a running writer has not yet
 * referenced.
 *
 * tmp/ holds the temp files of blob writes and the work dirs of builds;
 * each is flocked by the process using it, so after a crash (kill -9
 * included) the next write operation, gc and `system check --repair`
 * remove exactly the entries no live process owns (see docs/reliability.md).
 *
 * The store treats reference names as opaque strings; image/ parses and
 * normalises them (it stores "docker.io/library/busybox:latest").
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/error.h"

#define BERTH_REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"
/* berth's own annotations of a named index entry (berth_store_ref_annotate) */
#define BERTH_REF_TAG_TIME_ANNOTATION "io.berth.tag-time" /* when it was last tagged */
#define BERTH_REF_REPO_DIGEST_ANNOTATION                                                           \
	"io.berth.repo-digest" /* the registry's digest of the tag */
#define BERTH_MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"

struct berth_store;

/*
 * Opens (creating on first use) the store at root, a path of berth's own
 * (trusted; parents are created). *ret is owned by the caller.
 */
int berth_store_open(const char *root, struct berth_store **ret, struct berth_error **err);
void berth_store_free(struct berth_store *s);
static inline void berth_store_freep(struct berth_store **s)
{
	if (*s)
		berth_store_free(*s);
	*s = NULL;
}

/* The root path as given, and an O_PATH|O_DIRECTORY fd of it held by the store (borrowed). */
const char *berth_store_root_path(const struct berth_store *s);
int berth_store_root_fd(const struct berth_store *s);
/*
 * An O_PATH|O_DIRECTORY fd (borrowed, held by the store) of one of the
 * folders beside the layout: "layers", "containers", "volumes", "cache",
 * "tmp", "locks"; -1 for another name.
 */
int berth_store_dir_fd(const struct berth_store *s, const char *name);

/*
 * Makes the directory tmp/<prefix><random> for this process's scratch work
 * (a build's mounts and upper dirs): *ret_name (the caller's) is its name in
 * tmp/, *ret_fd an O_RDONLY|O_DIRECTORY fd of it that owns it: while that fd
 * (or a dup, or a child that inherited it) is open, no sweep removes it.
 * The caller removes the directory (then closes the fd); after a crash the
 * next sweep does (detaching mounts below it first).
 */
int berth_store_tmp_dir_create(struct berth_store *s, const char *prefix, char **ret_name,
			       int *ret_fd, struct berth_error **err);

/* ---- blobs ---- */

struct berth_blob_writer;

/*
 * Starts a streaming blob write: a temp file in tmp/, hashed as written.
 * The writer is finished with exactly one of _commit or _abort.
 */
int berth_store_blob_begin(struct berth_store *s, struct berth_blob_writer **ret,
			   struct berth_error **err);
int berth_blob_writer_write(struct berth_blob_writer *w, const void *data, size_t len,
			    struct berth_error **err);
/* Bytes written so far. */
uint64_t berth_blob_writer_size(const struct berth_blob_writer *w);
/*
 * The digest of what w wrote (what commit will name it), known before the
 * commit's fsync; nothing can be written after it.
 */
void berth_blob_writer_digest(struct berth_blob_writer *w, struct berth_digest *ret);
/*
 * A new read-only fd of the file w writes (the caller's to close), to read
 * what is written while the writer goes on: it stays valid after commit.
 */
int berth_blob_writer_open_read(const struct berth_blob_writer *w, struct berth_error **err);
/*
 * fsyncs the data and renames it to blobs/sha256/<digest>. When expected is
 * not NULL and the data's digest differs, returns -EBADMSG and leaves nothing
 * behind. Frees w in every case. ret_digest/ret_size may be NULL.
 */
int berth_blob_writer_commit(struct berth_blob_writer *w, const struct berth_digest *expected,
			     struct berth_digest *ret_digest, uint64_t *ret_size,
			     struct berth_error **err);
/* Removes the temp file and frees w; NULL-safe. */
void berth_blob_writer_abort(struct berth_blob_writer *w);
static inline void berth_blob_writer_abortp(struct berth_blob_writer **w)
{
	if (*w)
		berth_blob_writer_abort(*w);
	*w = NULL;
}
/* A berth_sink_fn (core/compress.h) writing to the berth_blob_writer in ctx. */
int berth_blob_writer_sink(void *ctx, const void *data, size_t len, struct berth_error **err);

/*
 * The shared gc lock a handle's blob writes take is held until the store is
 * freed (a CLI process) or released with berth_store_writes_done. A handle
 * shared by threads (the API service: pull, push, build, load at once)
 * brackets each operation with _begin and _done instead: the holds are
 * counted and the lock is released when the last one ends, so one
 * operation's end never releases another's hold. A gc of the same process
 * (berth_store_sweep, _check) waits for the other threads' holds to end,
 * as it waits for other processes' shared locks, and a new _begin of
 * another thread waits for that gc.
 *
 * _begin takes the lock (shared) when this handle does not hold it yet and
 * counts one hold; 0 or -errno.
 */
int berth_store_writes_begin(struct berth_store *s, struct berth_error **err);
/*
 * Ends one _begin hold; with no hold left (or none ever counted: a CLI
 * process that wrote without _begin), releases the lock. Call it once
 * everything written is referenced (tagged, or named by a gc root) when the
 * handle stays open for long (a running container, the service): until then
 * `rmi`/`image prune` of other processes wait for it.
 */
void berth_store_writes_done(struct berth_store *s);

/*
 * Many blobs made durable together (a pull of 50 layers): instead of two
 * fsyncs per blob, _add verifies a finished writer and starts the
 * writeback of its temp file, and _commit fsyncs every pending temp file,
 * renames them into blobs/sha256/ and fsyncs the directory once. A blob is
 * only ever visible under its digest after its bytes are durable. _add is
 * thread-safe; blobs not committed are removed by _free.
 */
struct berth_blob_batch;
struct berth_blob_batch *berth_blob_batch_new(struct berth_store *s);
/*
 * Like berth_blob_writer_commit (EBADMSG and nothing left behind on a
 * digest mismatch; frees w in every case), but the blob is published by
 * berth_blob_batch_commit.
 */
int berth_blob_batch_add(struct berth_blob_batch *b, struct berth_blob_writer *w,
			 const struct berth_digest *expected, struct berth_digest *ret_digest,
			 uint64_t *ret_size, struct berth_error **err);
int berth_blob_batch_commit(struct berth_blob_batch *b, struct berth_error **err);
/*
 * A pending (added, not committed) blob of the batch opened for reading
 * (its own fd and offset), or -ENOENT (no message) when d is not pending;
 * has: whether it is. A builder reads the layers it made before they are
 * committed at its end.
 */
int berth_blob_batch_open(struct berth_blob_batch *b, const struct berth_digest *d,
			  struct berth_error **err);
bool berth_blob_batch_has(struct berth_blob_batch *b, const struct berth_digest *d);
/* Removes the temp files of blobs not committed and frees b; NULL-safe. */
void berth_blob_batch_free(struct berth_blob_batch *b);
static inline void berth_blob_batch_freep(struct berth_blob_batch **b)
{
	if (*b)
		berth_blob_batch_free(*b);
	*b = NULL;
}

/* Writes a whole blob at once. */
int berth_store_blob_put(struct berth_store *s, const void *data, size_t len,
			 struct berth_digest *ret, struct berth_error **err);
/*
 * Opens a blob read-only: *ret_fd is the caller's. ENOENT when missing.
 * The bytes are not verified here (use berth_store_blob_read or hash them).
 */
int berth_store_blob_open(struct berth_store *s, const struct berth_digest *d, int *ret_fd,
			  uint64_t *ret_size, struct berth_error **err);
bool berth_store_blob_exists(struct berth_store *s, const struct berth_digest *d);
/*
 * Reads a whole blob of at most max bytes (E2BIG beyond) and verifies its
 * digest (EBADMSG on a mismatch). *ret is NUL-terminated and the caller's.
 */
int berth_store_blob_read(struct berth_store *s, const struct berth_digest *d, size_t max,
			  char **ret, size_t *ret_len, struct berth_error **err);
/* The size of a blob on disk, or -ENOENT. */
int berth_store_blob_size(struct berth_store *s, const struct berth_digest *d, uint64_t *ret,
			  struct berth_error **err);

/* ---- references: the entries of index.json ---- */

struct berth_store_ref {
	char *name; /* the ref.name annotation; NULL for an untagged (dangling) image */
	char *media_type;
	struct berth_digest digest;
	uint64_t size;
	char *tag_time; /* BERTH_REF_TAG_TIME_ANNOTATION, or NULL */
	/* BERTH_REF_REPO_DIGEST_ANNOTATION (pulled: the index's digest for a multi-platform tag) */
	struct berth_digest repo_digest;
	bool has_repo_digest;
};

struct berth_store_refs {
	struct berth_store_ref *items;
	size_t n;
};
void berth_store_refs_free(struct berth_store_refs *refs);
static inline void berth_store_refs_freep(struct berth_store_refs **r)
{
	if (*r)
		berth_store_refs_free(*r);
	*r = NULL;
}

/* Every entry of index.json in order (tagged and untagged). *ret is the caller's. */
int berth_store_ref_list(struct berth_store *s, struct berth_store_refs **ret,
			 struct berth_error **err);

/*
 * Resolves name to its descriptor (ret may be NULL to test presence; fields
 * of *ret are the caller's, release with berth_store_ref_release). ENOENT
 * when the name is not there.
 */
int berth_store_ref_resolve(struct berth_store *s, const char *name, struct berth_store_ref *ret,
			    struct berth_error **err);
void berth_store_ref_release(struct berth_store_ref *r);

/*
 * Points name at the manifest (media_type, digest, size), atomically under
 * the index lock. The image the name pointed to before stays in the index
 * untagged when no other entry names it (Docker's dangling "<none>" image).
 * The manifest blob must exist (ENOENT otherwise).
 */
int berth_store_ref_set(struct berth_store *s, const char *name, const char *media_type,
			const struct berth_digest *digest, uint64_t size, struct berth_error **err);

/*
 * Sets annotation key to value on the index entry named name (ENOENT when
 * there is none), under the index lock. A name pointed elsewhere by
 * berth_store_ref_set starts without them.
 */
int berth_store_ref_annotate(struct berth_store *s, const char *name, const char *key,
			     const char *value, struct berth_error **err);

/*
 * Adds an untagged entry for a manifest unless an entry with that digest is
 * already there.
 */
int berth_store_image_add(struct berth_store *s, const char *media_type,
			  const struct berth_digest *digest, uint64_t size,
			  struct berth_error **err);

/*
 * Removes the tag name. When keep_untagged and no other entry has the
 * digest, the entry stays without its name; otherwise it goes (rmi).
 * ENOENT when the name is not there.
 */
int berth_store_ref_remove(struct berth_store *s, const char *name, bool keep_untagged,
			   struct berth_error **err);

/* Removes every entry (tagged or not) whose digest is d; ENOENT when none is. */
int berth_store_image_remove(struct berth_store *s, const struct berth_digest *d,
			     struct berth_error **err);

/* Removes every untagged entry; returns how many went. */
int berth_store_remove_untagged(struct berth_store *s, struct berth_error **err);

/* ---- garbage collection and checks ---- */

struct berth_store_gc_result {
	size_t blobs_removed;
	uint64_t bytes_removed;
	size_t temps_removed;
};

/* Where berth_store_check reports each problem it finds (one line each). */
struct berth_store_problem_cb {
	void (*problem)(void *ctx, const char *msg);
	void *ctx;
};

/*
 * The blobs that are live, as the level that knows the image format says:
 * the store knows blobs and refs, not what a manifest refers to. A sorted
 * set of digests and the problems met while marking (a manifest that does
 * not parse, a blob a descriptor names that is missing).
 */
struct berth_store_marks {
	struct berth_digest *d;
	size_t n, alloc;
	size_t problems;
	const struct berth_store_problem_cb *cb; /* may be NULL */
};
/* Marks d live; false when it was marked already. */
bool berth_store_mark(struct berth_store_marks *m, const struct berth_digest *d);
bool berth_store_marked(const struct berth_store_marks *m, const struct berth_digest *d);
/* Counts a problem and hands its line to m->cb. */
void berth_store_mark_problem(struct berth_store_marks *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void berth_store_marks_release(struct berth_store_marks *m);

/*
 * Marks every blob that is live in m, starting from the entries of
 * index.json (berth_store_ref_list) and the gc roots
 * (berth_store_gc_root_list). Called with the gc and index locks held: no
 * tag nor blob write can come in between the marking and the sweep.
 */
typedef int (*berth_store_mark_fn)(struct berth_store *s, struct berth_store_marks *m, void *ctx,
				   struct berth_error **err);

/*
 * Removes every blob mark did not mark, and the entries of tmp/ that no live
 * process owns, under the store's locks. Waits for running blob writers of
 * other processes to finish. When the marking met problems (or an entry of
 * index.json is unreadable), nothing is removed (-EBADMSG): an unreadable
 * manifest hides what it refers to. image/ (berth_image_gc) is the caller.
 */
int berth_store_sweep(struct berth_store *s, berth_store_mark_fn mark, void *ctx,
		      struct berth_store_gc_result *ret, struct berth_error **err);

/*
 * Blobs other subsystems keep alive (the build cache, a pull in progress):
 * the roots of owner ([a-z0-9._-]+) are replaced by roots[0..n) (digest and
 * media type; names ignored). Manifests and indexes among them keep what
 * they refer to alive too. Stored as cache/gc-roots/<owner>.
 */
int berth_store_gc_root_set(struct berth_store *s, const char *owner,
			    const struct berth_store_ref *roots, size_t n,
			    struct berth_error **err);
/* Drops owner's roots; no error when it had none. */
int berth_store_gc_root_remove(struct berth_store *s, const char *owner, struct berth_error **err);
/*
 * Every owner's roots, in one list (name: the owner; roots whose line does
 * not parse are skipped). Takes the roots lock shared while reading.
 */
int berth_store_gc_root_list(struct berth_store *s, struct berth_store_refs **ret,
			     struct berth_error **err);

struct berth_store_check_result {
	size_t blobs;	   /* blobs on disk */
	size_t problems;   /* problems reported */
	size_t orphans;	   /* blobs nothing refers to */
	size_t temps;	   /* partial writes crashed processes left in tmp/ (not problems) */
	size_t temps_live; /* entries of tmp/ that live processes own (not problems) */
	uint64_t bytes;	   /* bytes of all blobs */
};

/*
 * Verifies the layout: oci-layout and index.json parse, every blob's bytes
 * match its name, and what mark reports (a referenced blob missing or of
 * another size than its descriptor says: image/ knows descriptors). Each
 * problem goes to cb. Blobs mark did not mark (orphans) and the partial
 * writes crashed processes left in tmp/ are counted, not problems. With
 * repair, they and blobs whose bytes do not match are removed (entries of
 * index.json whose manifest is missing are dropped). Returns 0 when the
 * walk ran (problems counted in *ret), -errno when it could not.
 * berth_image_store_check is the caller.
 */
int berth_store_check(struct berth_store *s, bool repair, berth_store_mark_fn mark, void *ctx,
		      const struct berth_store_problem_cb *cb, struct berth_store_check_result *ret,
		      struct berth_error **err);

/*
 * Calls fn with the digest and byte count (st_size, as the sweep counts
 * what it removes) of every blob; a non-zero return of fn stops the walk
 * and is returned. What a reader needs to say what a sweep would free
 * (berth_image_blob_usage), without removing anything.
 */
typedef int (*berth_store_blob_size_fn)(void *ctx, const struct berth_digest *d, uint64_t size);
int berth_store_blob_foreach_size(struct berth_store *s, berth_store_blob_size_fn fn, void *ctx,
				  struct berth_error **err);

/* Blob count and bytes on disk. */
int berth_store_blob_usage(struct berth_store *s, size_t *ret_count, uint64_t *ret_bytes,
			   struct berth_error **err);
