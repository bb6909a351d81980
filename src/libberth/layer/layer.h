/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Layers: writing reproducible tar layers (from a tree, from COPY entries,
 * from an overlayfs upper directory), unpacking hostile tars safely into the
 * unpacked-layer cache of the store (layers/<chain-id>/), and overlay mounts
 * of a stack of unpacked layers. docs/layers.md describes the formats and
 * the security rules.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/digest.h"
#include "core/error.h"

#define BERTH_MEDIA_TYPE_LAYER_TAR  "application/vnd.oci.image.layer.v1.tar"
#define BERTH_MEDIA_TYPE_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define BERTH_MEDIA_TYPE_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

/* Where layer bytes go: called with each chunk in order; returns >= 0 or -errno. */
typedef int (*berth_layer_sink_fn)(void *ctx, const void *data, size_t len,
				   struct berth_error **err);

enum berth_layer_compression {
	BERTH_LAYER_GZIP, /* the default */
	BERTH_LAYER_ZSTD,
	BERTH_LAYER_UNCOMPRESSED,
};

/* Parses "gzip", "zstd", "none"; -EINVAL otherwise. */
int berth_layer_compression_parse(const char *s, enum berth_layer_compression *ret,
				  struct berth_error **err);
const char *berth_layer_compression_media_type(enum berth_layer_compression c);

struct berth_layer_write_options {
	enum berth_layer_compression compression;
	int level; /* compression level; 0 means the compressor's default */
	/* When set, every mtime later than source_date_epoch is clamped to it. */
	bool clamp_mtime;
	int64_t source_date_epoch;
	/* Put as is before every entry's name ("./": docker cp's tar of SRC/.); NULL: none. */
	const char *name_prefix;
};

/*
 * Fills o with the defaults: gzip at its default level, no mtime clamp (the
 * caller sets it from SOURCE_DATE_EPOCH, which only the CLI reads).
 */
void berth_layer_write_options_default(struct berth_layer_write_options *o);

struct berth_layer_info {
	struct berth_digest diff_id; /* sha256 of the uncompressed tar */
	struct berth_digest digest;  /* sha256 of the blob as written to the sink */
	uint64_t size;		     /* bytes written to the sink */
	uint64_t tar_size;	     /* bytes of the uncompressed tar */
	const char *media_type;	     /* static string */
};

/*
 * A layer being written. Entries go out as PAX tar with numeric ids, no
 * user or group names, no atime/ctime, sorted names within each directory
 * added, hard links kept as links, xattrs (user.*, security.capability and
 * other security.* except selinux) kept, sockets skipped. The tar is hashed
 * (diffID), compressed, hashed again (digest) and handed to the sink as it
 * is produced: memory stays bounded whatever the size of the input.
 */
struct berth_layer_writer;

int berth_layer_writer_new(const struct berth_layer_write_options *o, berth_layer_sink_fn sink,
			   void *sink_ctx, struct berth_layer_writer **ret,
			   struct berth_error **err);

/*
 * Adds everything below dir_fd (not dir_fd itself), named dest_prefix/<rel>
 * in the layer ("" for the layer root). Symlinks are stored, never followed.
 */
int berth_layer_writer_add_tree(struct berth_layer_writer *w, int dir_fd, const char *dest_prefix,
				struct berth_error **err);

/*
 * An overlayfs upper directory as a layer diff: a character device 0:0
 * becomes a `.wh.<name>` whiteout, a directory with trusted.overlay.opaque=y
 * gets a `.wh..wh..opq` entry, overlay's own xattrs are dropped. No
 * comparison with the lower layers is made.
 */
int berth_layer_writer_add_upper(struct berth_layer_writer *w, int upper_fd,
				 struct berth_error **err);

/* One COPY source: src_path below src_dir_fd (resolved beneath it) to dest in the layer. */
struct berth_layer_entry {
	int src_dir_fd;
	const char *src_path; /* file or directory (copied whole); symlinks followed beneath */
	const char *dest;     /* relative path in the layer */
	uid_t uid;	      /* applied when set_owner */
	gid_t gid;
	bool set_owner;
	mode_t mode; /* permission bits applied when set_mode */
	bool set_mode;
	/*
	 * A symlink as src_path is stored as a symlink, not followed (entries
	 * inside a copied directory); its parents are still resolved beneath.
	 */
	bool nofollow;
};

/*
 * Adds COPY entries, sorted by destination; missing parent directories of a
 * destination are added as root-owned 0755 directories.
 */
int berth_layer_writer_add_entries(struct berth_layer_writer *w,
				   const struct berth_layer_entry *entries, size_t n,
				   struct berth_error **err);

struct berth_store;

/*
 * A writer whose blob goes straight into the store (a streaming blob write):
 * berth_layer_writer_finish commits it as blobs/sha256/<info.digest>;
 * freeing an unfinished writer leaves nothing in the store.
 */
int berth_layer_writer_new_store(struct berth_store *s, const struct berth_layer_write_options *o,
				 struct berth_layer_writer **ret, struct berth_error **err);

/* Ends the tar, flushes the compressor and fills ret. The writer can only be freed then. */
int berth_layer_writer_finish(struct berth_layer_writer *w, struct berth_layer_info *ret,
			      struct berth_error **err);
void berth_layer_writer_free(struct berth_layer_writer *w);
static inline void berth_layer_writer_freep(struct berth_layer_writer **w)
{
	if (*w)
		berth_layer_writer_free(*w);
}

/* Sink adapters: write to an fd. */
int berth_layer_sink_fd(void *ctx /* int * */, const void *data, size_t len,
			struct berth_error **err);

enum berth_layer_unpack_flags {
	/* Refuse device nodes (unpacking for an unprivileged user; implied when not root). */
	BERTH_LAYER_UNPACK_NO_DEVICES = 1 << 0,
	/* Do not chown (unprivileged unpack); ids are dropped. */
	BERTH_LAYER_UNPACK_NO_CHOWN = 1 << 1,
};

struct berth_layer_unpack_stats {
	struct berth_digest diff_id; /* sha256 of the uncompressed tar read */
	uint64_t tar_size;
	uint64_t entries;
	uint64_t reused_bytes; /* file bytes linked from an earlier layer, not written */
};

/*
 * Unpacks the layer read from fd (uncompressed, gzip or zstd, detected) into
 * the empty directory root_fd. Whiteouts become overlay whiteouts (char 0:0
 * and trusted.overlay.opaque=y). Hostile input is refused, never followed:
 * ".." components, absolute names, entries below a symlink, hard links to
 * anything not created earlier in this layer or below a symlink, duplicate
 * entries, sizes over the limit, overlong names, overlay xattrs; the error
 * (EXDEV escape, EINVAL malformed, EEXIST duplicate, EBADMSG corrupt) names
 * the entry. On failure root_fd holds a partial tree the caller removes.
 * When expect_diff_id is not NULL the sha256 of the whole tar must match
 * (EBADMSG otherwise).
 */
int berth_layer_unpack(int fd, int root_fd, unsigned flags,
		       const struct berth_digest *expect_diff_id,
		       struct berth_layer_unpack_stats *ret, struct berth_error **err);

/*
 * Archives as ADD sees them: a tar, uncompressed or gzip, bzip2, xz or zstd
 * compressed, recognised by content (a first tar header), never by name.
 * berth_layer_is_archive reads fd from its start and seeks it back to 0;
 * returns 1 for an archive, 0 otherwise (an empty tar is not one, as
 * Docker), -errno when fd cannot be read.
 */
int berth_layer_is_archive(int fd, struct berth_error **err);

struct berth_layer_extract_options {
	unsigned flags; /* enum berth_layer_unpack_flags */
	/* When set, every extracted node (and every directory made for one) gets these ids. */
	bool set_owner;
	uid_t uid;
	gid_t gid;
};

/*
 * Extracts the archive read from fd into the directory dir_fd (empty, or
 * holding nothing the archive names): the hostile-input rules of
 * berth_layer_unpack (no "..", absolute names, writes through symlinks,
 * hard links outside, duplicates) without whiteout semantics: a ".wh."
 * name is refused (EINVAL). Ownership is the archive's unless o->set_owner.
 * On failure dir_fd holds a partial tree the caller removes.
 */
int berth_layer_extract(int fd, int dir_fd, const struct berth_layer_extract_options *o,
			struct berth_error **err);

/*
 * Reading a layer's tar (uncompressed, gzip or zstd, detected) entry by
 * entry without unpacking it (`berth analyze`, `berth sbom`): fn gets each
 * entry as the tar names it, unchecked ("./a", "a/../b", ".wh.x": the
 * caller treats it as hostile), and may read the entry's data with
 * berth_layer_walk_read before returning; a negative return stops the walk.
 */
struct berth_layer_tar_entry {
	const char *path;
	mode_t type;	      /* AE_IFREG, AE_IFDIR, ... (S_IF*); 0 for a hard link */
	mode_t mode;	      /* permission bits */
	int64_t size;	      /* the data's size, 0 when unset */
	const char *hardlink; /* a hard link's target, else NULL */
};
struct berth_layer_walk;
typedef int (*berth_layer_entry_fn)(void *ctx, const struct berth_layer_tar_entry *e,
				    struct berth_layer_walk *w, struct berth_error **err);
/* what names the layer in messages ("read layer <what>: ..."). */
int berth_layer_walk_fd(int fd, const char *what, berth_layer_entry_fn fn, void *ctx,
			struct berth_error **err);
/* Reads the current entry's data: bytes read, 0 at its end, -EBADMSG. */
ssize_t berth_layer_walk_read(struct berth_layer_walk *w, void *buf, size_t len,
			      struct berth_error **err);
/* The current entry's data (NUL-terminated, owned); EFBIG past max bytes. */
int berth_layer_walk_read_all(struct berth_layer_walk *w, size_t max, char **ret, size_t *ret_len,
			      struct berth_error **err);

/* OCI chain id: parent NULL gives diff_id, else sha256("<parent> <diff_id>"). */
void berth_layer_chain_id(const struct berth_digest *parent, const struct berth_digest *diff_id,
			  struct berth_digest *ret);

/*
 * The unpacked-layer cache: layers/<chain-id-hex>/diff below the store root
 * store_fd. When it is missing, the layer is unpacked once from blob_fd
 * (compressed or not; its tar must hash to diff_id) into a temp directory
 * under a per-layer lock, marked complete and renamed into place, so
 * concurrent callers wait and a crash never leaves a half layer that looks
 * complete. blob_fd may be -EBADF when the caller knows the layer is present
 * (ENOENT otherwise). *ret_path (owned) is the absolute path of the diff
 * directory, usable as an overlay lower dir.
 */
int berth_layer_cache_ensure(int store_fd, const struct berth_digest *chain_id,
			     const struct berth_digest *diff_id, int blob_fd, unsigned flags,
			     char **ret_path, struct berth_error **err);

/*
 * Docker's size of a layer: the bytes of its uncompressed tar (the content
 * diff_id names), whatever its blob's compression, so an image shows one
 * size however it arrived. Recorded per diff ID in cache/layer-sizes/<hex>:
 * berth_layer_size_record when a layer is written or unpacked;
 * berth_layer_store_tar_size returns the record, or measures the blob
 * (decompressing it; its tar must hash to diff_id, EBADMSG otherwise) and
 * records the result.
 */
int berth_layer_size_record(int store_fd, const struct berth_digest *diff_id, uint64_t size,
			    struct berth_error **err);
int berth_layer_store_tar_size(struct berth_store *s, const struct berth_digest *diff_id,
			       const struct berth_digest *blob, uint64_t *ret,
			       struct berth_error **err);

/* True when layers/<chain-id>/ is present and complete. */
bool berth_layer_cache_has(int store_fd, const struct berth_digest *chain_id);

/*
 * `system check` of the unpacked-layer cache (verify.c): every complete
 * layers/<chain-id>/ whose tree no longer matches the listing written when
 * it was unpacked (layers/<chain-id>/files: mode, owner, size, mtime of
 * every entry) is reported to cb, one line each; with repair it is removed
 * (unpacked again from its blob when next needed) unless a running
 * container or build holds it. Layers unpacked without a listing are not
 * compared. *ret_layers counts the layers seen, *ret_problems the reports.
 */
struct berth_store_problem_cb;
int berth_layer_cache_check(int store_fd, bool repair, const struct berth_store_problem_cb *cb,
			    size_t *ret_layers, size_t *ret_problems, struct berth_error **err);

/* Removes layers/<chain-id>/ (ENOENT is success). */
int berth_layer_cache_remove(int store_fd, const struct berth_digest *chain_id,
			     struct berth_error **err);

/*
 * A process keeps a shared lock on every layer it prepared (through
 * berth_layer_cache_ensure or the stack functions) until it exits, so a gc
 * of another process never removes a layer under a running container, a
 * build step or a mount being made (a detached container's monitor, a fork,
 * shares the locks). release_all drops them; held tells whether this process
 * holds chain_id.
 */
void berth_layer_cache_release_all(void);
bool berth_layer_cache_held(const struct berth_digest *chain_id);

struct berth_layer_gc_result {
	size_t removed; /* unpacked layers removed */
	size_t in_use; /* needed by nothing recorded but locked (in use, or being unpacked): kept */
	size_t kept;   /* needed by an image, a mount or the caller */
	uint64_t bytes;		/* disk bytes the removed layers held */
	uint64_t bytes_present; /* dry run only: disk bytes of every unpacked layer */
};

/*
 * Removes the unpacked layers (layers/<chain-id>/) of the store that nothing
 * needs. A layer stays when it is one of keep[0..n_keep) (the roots: chain
 * IDs the caller knows are used, by images and container records; see
 * berth_system_layer_gc), a chain of an image mounted with
 * berth_layer_image_mount, or when its lock is held: a process using it
 * (see above) or unpacking it. Leftovers of crashed unpacks go too.
 */
int berth_layer_store_gc(struct berth_store *s, const struct berth_digest *keep, size_t n_keep,
			 struct berth_layer_gc_result *ret, struct berth_error **err);
/*
 * What berth_layer_store_gc would do with the same keep, nothing removed
 * (`system df`): removed and bytes as it would count them, bytes_present
 * the disk bytes of every unpacked layer, kept or not.
 */
int berth_layer_store_gc_dry_run(struct berth_store *s, const struct berth_digest *keep,
				 size_t n_keep, struct berth_layer_gc_result *ret,
				 struct berth_error **err);

/* The chain ID of an unpacked layer's lower dir (".../layers/<hex>/diff"); -EINVAL for another path. */
int berth_layer_chain_of_lowerdir(const char *path, struct berth_digest *ret);

/* Opens the blob of layer i (0 = bottom) of a stack; returns an fd or -errno. */
typedef int (*berth_layer_open_fn)(void *ctx, size_t i, struct berth_error **err);

/*
 * Makes sure every layer of an image (diff_ids bottom first) is unpacked in
 * the cache and returns the overlay lower dirs, bottom first, as a
 * NULL-terminated string vector (owned; free with berth_strv_free). open_blob
 * is called only for layers not cached yet.
 */
int berth_layer_stack_prepare(int store_fd, const struct berth_digest *diff_ids, size_t n,
			      berth_layer_open_fn open_blob, void *ctx, unsigned flags,
			      char ***ret_lowerdirs, struct berth_error **err);

/*
 * berth_layer_stack_prepare with the blobs of a store: blobs[i] is the
 * digest of layer i's blob (from the manifest), diff_ids[i] its diffID
 * (from the config). The store's root is the cache's root.
 */
int berth_layer_store_stack(struct berth_store *s, const struct berth_digest *diff_ids,
			    const struct berth_digest *blobs, size_t n, unsigned flags,
			    char ***ret_lowerdirs, struct berth_error **err);

enum berth_overlay_flags {
	BERTH_OVERLAY_RDONLY = 1 << 0,
	/* device nodes in it can be opened (a container's rootfs); else nodev */
	BERTH_OVERLAY_DEVICES = 1 << 1,
};

/*
 * The overlay berth_overlay_mount makes, as a detached mount (an fd of a
 * mount tree in no mount namespace): attach it with move_mount(fd, "",
 * dir_fd, path, MOVE_MOUNT_F_EMPTY_PATH), e.g. inside a container's new
 * mount namespace; the kernel takes it down when its last fd closes
 * without that. Returns the fd (O_CLOEXEC).
 */
int berth_overlay_open(char *const *lowerdirs, const char *upper, const char *work, unsigned flags,
		       struct berth_error **err);

/* An overlay to make later, e.g. at each start of a container. */
struct berth_overlay {
	char *const *lowerdirs; /* bottom first */
	const char *upper, *work;
	unsigned flags;
};
/*
 * berth_overlay_open of the struct berth_overlay ov points to: the shape of
 * the runtime's open_rootfs, so a container's or a RUN step's rootfs is
 * this overlay, made for each start.
 */
int berth_overlay_open_cb(void *ov, struct berth_error **err);

/*
 * Mounts an overlay of lowerdirs (bottom first, any number: each is passed
 * with fsconfig "lowerdir+", so no option string and no page-size limit)
 * at target. upper and work may be NULL for a read-only view; with no upper
 * and a single lower dir it is a read-only bind mount.
 */
int berth_overlay_mount(char *const *lowerdirs, const char *upper, const char *work,
			const char *target, unsigned flags, struct berth_error **err);

/*
 * A throwaway writable view of the directory lower_fd (any fd of it, O_PATH
 * is enough): an overlay with lower_fd as its only lower dir and upper and
 * work dirs created below scratch_fd (<name>.upper, <name>.work), mounted
 * at scratch_fd/<name> (created). Writes land in the upper dir and never in
 * lower_fd's tree, whatever the mounts of lower_fd allow. Returns an O_PATH
 * fd of the mounted root and the mount point in *ret_path (owned: unmount
 * it, e.g. with _cleanup_umount_, before removing scratch_fd's tree).
 */
int berth_overlay_scratch_mount(int lower_fd, int scratch_fd, const char *name, char **ret_path,
				struct berth_error **err);

/*
 * The read-only rootfs of an image at layers/mnt/<id-hex>/ of the store:
 * prepares the layers, creates the directory and mounts it (already mounted
 * is success). *ret_path is owned.
 */
int berth_layer_image_mount(int store_fd, const struct berth_digest *image_id,
			    const struct berth_digest *diff_ids, size_t n,
			    berth_layer_open_fn open_blob, void *ctx, char **ret_path,
			    struct berth_error **err);

/* Unmounts and removes layers/mnt/<id-hex>/; ENOENT when it is not mounted. */
int berth_layer_image_umount(int store_fd, const struct berth_digest *image_id,
			     struct berth_error **err);

/*
 * berth_layer_image_mount with the blobs of a store, as
 * berth_layer_store_stack takes them (berth_image_mount resolves the image).
 */
int berth_layer_store_image_mount(struct berth_store *s, const struct berth_digest *image_id,
				  const struct berth_digest *diff_ids,
				  const struct berth_digest *blobs, size_t n, char **ret_path,
				  struct berth_error **err);
