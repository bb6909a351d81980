/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Images: references, media types, OCI and Docker schema2 documents, and the
 * image operations on a store (resolve, list, write, import, save, load).
 *
 * Everything parsed here may come from outside (a tarball, an archive, a
 * registry): sizes are bounded, digests verified, unknown media types are a
 * clear error (EINVAL), and manifests are kept byte-for-byte in the store
 * (their digest is their name).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/compress.h"
#include "core/digest.h"
#include "core/error.h"
#include "store/store.h"

/* ---- references (Docker's distribution/reference, normalised) ---- */

struct berth_image_ref {
	char *domain;	 /* "docker.io" */
	char *path;	 /* "library/busybox" */
	char *tag;	 /* "latest"; NULL when the reference has only a digest */
	bool has_digest; /* name@sha256:... */
	struct berth_digest digest;
};

/*
 * Parses s as Docker does: "busybox" is docker.io/library/busybox:latest,
 * "host:5000/a/b:tag", "name@sha256:<hex>". Invalid input is EINVAL with
 * Docker's message ("invalid reference format", "invalid reference format:
 * repository name must be lowercase", ...). Fields of *ret are the caller's.
 */
int berth_image_ref_parse(const char *s, struct berth_image_ref *ret, struct berth_error **err);
void berth_image_ref_release(struct berth_image_ref *r);
/*
 * s for an error message (owned): a "user:password@" before the domain
 * (`pull user:secret@host/x`, never a valid reference) becomes "<redacted>@",
 * so a password typed into a reference is not echoed back; "name@sha256:..."
 * and any other text stay as they are.
 */
char *berth_image_ref_redact(const char *s);
/* "docker.io/library/busybox:latest" (tag) or "...@sha256:..." (digest only): the store's name. */
char *berth_image_ref_name(const struct berth_image_ref *r);
/* "docker.io/library/busybox" */
char *berth_image_ref_repository(const struct berth_image_ref *r);
/* Docker's short form of a full name: "busybox", "host:5000/a/b", "user/app". */
char *berth_image_familiar_repository(const char *repository);
/*
 * Splits a full store name "repo:tag" or "repo@digest" into its familiar
 * repository and its tag (or "<none>"); both owned by the caller.
 */
void berth_image_name_split(const char *name, char **ret_repo, char **ret_tag);

/*
 * Does the familiar repo and tag (berth_image_name_split's) match a user's
 * REPOSITORY[:TAG] (`images REPO`, Docker's reference= filter)? A filter
 * without a tag matches every tag; NULL matches everything.
 */
bool berth_image_name_matches(const char *repo, const char *tag, const char *filter);

/* ---- media types ---- */

#define BERTH_MT_OCI_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define BERTH_MT_OCI_INDEX	   "application/vnd.oci.image.index.v1+json"
#define BERTH_MT_OCI_CONFIG	   "application/vnd.oci.image.config.v1+json"
#define BERTH_MT_OCI_LAYER	   "application/vnd.oci.image.layer.v1.tar"
#define BERTH_MT_OCI_LAYER_GZIP	   "application/vnd.oci.image.layer.v1.tar+gzip"
#define BERTH_MT_OCI_LAYER_ZSTD	   "application/vnd.oci.image.layer.v1.tar+zstd"
#define BERTH_MT_DOCKER_MANIFEST   "application/vnd.docker.distribution.manifest.v2+json"
#define BERTH_MT_DOCKER_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"
#define BERTH_MT_DOCKER_CONFIG	   "application/vnd.docker.container.image.v1+json"
#define BERTH_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define BERTH_MT_DOCKER_LAYER	   "application/vnd.docker.image.rootfs.diff.tar"
#define BERTH_MT_DOCKER_FOREIGN	   "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

enum berth_media_kind {
	BERTH_MEDIA_MANIFEST,
	BERTH_MEDIA_INDEX,
	BERTH_MEDIA_CONFIG,
	BERTH_MEDIA_LAYER,
};

/*
 * Classifies a media type; for layers *ret_compression says how the blob is
 * compressed (0 none, 1 gzip, 2 zstd: enum berth_compression). An unknown
 * type is EINVAL "unknown media type '<mt>'".
 */
int berth_media_type_classify(const char *mt, enum berth_media_kind *ret_kind, int *ret_compression,
			      struct berth_error **err);
/* Whether mt is an image index or a manifest list. */
bool berth_media_type_is_index(const char *mt);
/* The OCI layer media type for a compression (enum berth_compression). */
const char *berth_media_type_oci_layer(int compression);

/* ---- documents ---- */

struct berth_descriptor {
	char *media_type;
	struct berth_digest digest;
	uint64_t size;
	char *os, *architecture, *variant; /* platform, in index entries; NULL when absent */
	bool foreign;			   /* has urls: a foreign layer fetched elsewhere */
	char *artifact_type;		   /* "artifactType" (image-spec 1.1), or NULL */
};
void berth_descriptor_release(struct berth_descriptor *d);
/* Parses one descriptor object; what names it in errors. */
int berth_descriptor_parse(const json_t *j, const char *what, struct berth_descriptor *ret,
			   struct berth_error **err);

/* An image manifest, OCI or Docker schema2. */
struct berth_manifest {
	char *media_type;
	struct berth_descriptor config;
	struct berth_descriptor *layers;
	size_t n_layers;
};
/*
 * Parses a manifest. media_type is what the descriptor or the registry said
 * (NULL: use the document's mediaType). A media type that is not a manifest
 * is EINVAL; every referenced media type must be known.
 */
int berth_manifest_parse(const char *data, size_t len, const char *media_type,
			 struct berth_manifest **ret, struct berth_error **err);
void berth_manifest_free(struct berth_manifest *m);
static inline void berth_manifest_freep(struct berth_manifest **m)
{
	if (*m)
		berth_manifest_free(*m);
	*m = NULL;
}

/* An image index, OCI or Docker manifest list. */
struct berth_index {
	char *media_type;
	struct berth_descriptor *manifests;
	size_t n_manifests;
};
int berth_index_parse(const char *data, size_t len, const char *media_type,
		      struct berth_index **ret, struct berth_error **err);
void berth_index_free(struct berth_index *i);
static inline void berth_index_freep(struct berth_index **i)
{
	if (*i)
		berth_index_free(*i);
	*i = NULL;
}
/* The entry for os/architecture (the host's when NULL); ENOENT when none. */
int berth_index_pick(const struct berth_index *i, const char *os, const char *arch,
		     const struct berth_descriptor **ret, struct berth_error **err);

struct berth_history {
	char *created; /* RFC 3339, or NULL */
	char *created_by;
	char *comment;
	char *author;
	bool empty_layer;
};

/*
 * An image config (OCI config / Docker container.image.v1). The typed fields
 * are parsed from json, which keeps the whole document (fields berth does not
 * know survive a rewrite). Lists are NULL-terminated string vectors, NULL
 * when the field is absent (an empty vector when it is []).
 */
struct berth_image_config {
	json_t *json; /* owned */
	char *architecture, *os, *variant, *created, *author;
	char **env, **cmd, **entrypoint, **shell, **onbuild;
	char *working_dir, *user, *stop_signal;
	char **exposed_ports; /* keys: "80/tcp" */
	char **volumes;	      /* keys: "/data" */
	char **label_keys, **label_values;
	json_t *healthcheck; /* borrowed from json, or NULL */
	struct berth_history *history;
	size_t n_history;
	struct berth_digest *diff_ids;
	size_t n_diff_ids;
};
int berth_image_config_parse(const char *data, size_t len, struct berth_image_config **ret,
			     struct berth_error **err);
/* A new config for os/arch (the host's when NULL) with no layers. */
struct berth_image_config *berth_image_config_new(const char *os, const char *arch);
void berth_image_config_free(struct berth_image_config *c);
static inline void berth_image_config_freep(struct berth_image_config **c)
{
	if (*c)
		berth_image_config_free(*c);
	*c = NULL;
}
/* Appends a layer's diff ID and its history entry (history may be NULL). */
void berth_image_config_add_layer(struct berth_image_config *c, const struct berth_digest *diff_id,
				  const struct berth_history *history);
/* Appends a history entry of an instruction that made no layer (empty_layer). */
void berth_image_config_add_history(struct berth_image_config *c, const struct berth_history *h);
/*
 * Serialises the typed fields over json (keeping unknown fields); the result
 * is the caller's. Deterministic: same fields, same bytes.
 */
char *berth_image_config_serialize(const struct berth_image_config *c, size_t *ret_len);
/* Sets a label (replacing one with the same key). */
void berth_image_config_set_label(struct berth_image_config *c, const char *key, const char *value);

/*
 * What applies `--change` Dockerfile instructions to a config. The
 * Dockerfile front end is above image/ (DESIGN.md), so import and commit
 * take it from their caller: the CLI passes berth_builder_apply_changes.
 */
typedef int (*berth_image_changes_fn)(struct berth_image_config *c, char *const *changes,
				      struct berth_error **err);
/* apply(c, changes); EINVAL when there are changes and no apply. */
int berth_image_config_apply_changes(struct berth_image_config *c, char *const *changes,
				     berth_image_changes_fn apply, struct berth_error **err);

/*
 * The "created" time of a new image or history entry, RFC 3339 in UTC
 * (owned): *fixed (SOURCE_DATE_EPOCH, which the CLI reads) when fixed is
 * not NULL, else now.
 */
char *berth_image_created_time(const int64_t *fixed);

/* ---- images in a store ---- */

#define BERTH_MAX_MANIFEST_SIZE (4u << 20)
#define BERTH_MAX_CONFIG_SIZE	(8u << 20)

/* A resolved image: the manifest (chosen for the host from an index) and its config. */
struct berth_image {
	struct berth_digest id;		/* the config's digest: Docker's image ID */
	struct berth_digest top_digest; /* the digest the index.json entry names */
	char *top_media_type;		/* and its media type and size */
	uint64_t top_size;
	struct berth_digest manifest_digest; /* the image manifest (== top unless an index) */
	uint64_t manifest_size;
	char *manifest_media_type;
	struct berth_manifest *manifest;
	struct berth_image_config *config;
	char **names; /* every store name of the top digest ("docker.io/library/x:1"), sorted */
	/* Docker's RepoDigests: "<repo>@<the registry's digest>" of the names pulled */
	char **repo_digests;
	char *last_tag_time; /* RFC 3339 UTC of the latest tag of names, or NULL: never tagged */
};
void berth_image_free(struct berth_image *img);
static inline void berth_image_freep(struct berth_image **i)
{
	if (*i)
		berth_image_free(*i);
	*i = NULL;
}

/*
 * Finds an image by reference ("busybox", "x@sha256:..."), by full or
 * short image ID ("sha256:ab12...", "ab12") or by manifest digest. ENOENT
 * "no such image: '<what>'" when nothing matches; EINVAL for an ambiguous
 * short ID or an invalid reference. Verifies manifest and config digests.
 */
int berth_image_resolve(struct berth_store *s, const char *what, struct berth_image **ret,
			struct berth_error **err);
/*
 * Opens the blob of layer i (0 = bottom, as the manifest lists them) of an
 * image of the store read-only, unverified (the reader hashes it);
 * *ret_fd is the caller's. EINVAL when the image has no layer i.
 */
int berth_image_layer_open(struct berth_store *s, const struct berth_image *img, size_t i,
			   int *ret_fd, struct berth_error **err);
/* Loads the image an index.json entry names. */
int berth_image_load_digest(struct berth_store *s, const struct berth_digest *top,
			    struct berth_image **ret, struct berth_error **err);

/*
 * Docker's size of layer i (0 = bottom) of an image: the bytes of its
 * uncompressed tar, the same however the image arrived (recorded once per
 * layer: berth_layer_store_tar_size). berth_image_size sums them all.
 */
int berth_image_layer_size(struct berth_store *s, const struct berth_image *img, size_t i,
			   uint64_t *ret, struct berth_error **err);
/*
 * Docker's history sizes: for each entry of img's config history, the size
 * of the layer it made (0 for an empty_layer entry, and for entries past
 * the manifest's layers). *ret is owned, n_history entries.
 */
int berth_image_history_sizes(struct berth_store *s, const struct berth_image *img, uint64_t **ret,
			      struct berth_error **err);
int berth_image_size(struct berth_store *s, const struct berth_image *img, uint64_t *ret,
		     struct berth_error **err);

/*
 * Layers kept uncompressed in the store (a build's: media type
 * application/vnd.oci.image.layer.v1.tar, blob digest = diff ID) leave the
 * machine compressed (compressed.c): the compressed form of each is
 * recorded per diff ID and compression (gzip or zstd) in
 * cache/compressed/, so it is computed once.
 */
struct berth_compressed_layer {
	struct berth_digest digest;
	uint64_t size;
	const char *media_type; /* static: ...layer.v1.tar+gzip or +zstd */
};
/*
 * The recorded compressed form of the layer diff_id; -ENOENT (no message)
 * when none is recorded, EBADMSG for a damaged record. The compressed blob
 * itself may be gone from the store (gc removes it: nothing references it).
 */
int berth_image_layer_compressed_lookup(struct berth_store *s, const struct berth_digest *diff_id,
					enum berth_compression c,
					struct berth_compressed_layer *ret,
					struct berth_error **err);
/*
 * Compresses the uncompressed layer blob diff_id of the store into a new
 * store blob (gzip level 1, or zstd level 3: fixed, so the same layer
 * always gives the same bytes) and records the mapping.
 */
int berth_image_layer_compress(struct berth_store *s, const struct berth_digest *diff_id,
			       enum berth_compression c, struct berth_compressed_layer *ret,
			       struct berth_error **err);
/*
 * Who watches a compression as it goes (a push uploading the bytes while
 * they are made), called from the compressing thread: started(ctx, fd)
 * once, fd a read-only fd of the blob being written (the watcher's to
 * close, valid after the call returns), then written(ctx, n) each time the
 * blob has grown, n its size so far, and whole(ctx, l) when it is complete
 * (before it is fsynced and recorded).
 */
struct berth_compress_watch {
	void (*started)(void *ctx, int fd);
	void (*written)(void *ctx, uint64_t n);
	void (*whole)(void *ctx, const struct berth_compressed_layer *l);
	void *ctx;
};
/* berth_image_layer_compress telling watch (NULL: nobody) how far it is. */
int berth_image_layer_compress_watched(struct berth_store *s, const struct berth_digest *diff_id,
				       enum berth_compression c,
				       const struct berth_compress_watch *watch,
				       struct berth_compressed_layer *ret,
				       struct berth_error **err);
/* How many layers berth_image_layer_compress compressed in this process (tests). */
uint64_t berth_image_layers_compressed(void);

/*
 * Writes a new image from config bytes as they are (a builder keeps the
 * whole config document): the config blob, an OCI manifest naming it and
 * the layers (blobs already in the store), tagged with each of names
 * (references as the user typed them, all checked before anything is
 * written; NULL or empty leaves it untagged). ret_manifest and ret_id may
 * be NULL.
 */
int berth_image_commit(struct berth_store *s, const char *config, size_t config_len,
		       const struct berth_descriptor *layers, size_t n_layers, char *const *names,
		       struct berth_digest *ret_manifest, struct berth_digest *ret_id,
		       struct berth_error **err);
/*
 * Writes a new image: the config (serialised), an OCI manifest naming it and
 * the layers (blobs already in the store), and tags it as name (a reference
 * as the user typed it; NULL leaves it untagged). Returns the manifest
 * digest and the image ID (either may be NULL).
 */
int berth_image_write(struct berth_store *s, const struct berth_image_config *config,
		      const struct berth_descriptor *layers, size_t n_layers, const char *name,
		      struct berth_digest *ret_manifest, struct berth_digest *ret_id,
		      struct berth_error **err);

/*
 * Mounts the root filesystem of what (anything berth_image_resolve takes)
 * read-only at layers/mnt/<image-id-hex>/ of the store, unpacking its
 * layers as needed (`berth image mount`; already mounted is success).
 * *ret_path is owned.
 */
int berth_image_mount(struct berth_store *s, const char *what, char **ret_path,
		      struct berth_error **err);
/* Unmounts what berth_image_mount mounted; ENOENT when it is not mounted. */
int berth_image_umount(struct berth_store *s, const char *what, struct berth_error **err);

/* Tags what (anything berth_image_resolve takes) as name (a reference). */
/*
 * Records now as the tag time of the store name full (Docker's
 * Metadata.LastTagTime): tag, build -t, import, commit; not pull or load,
 * as Docker.
 */
int berth_image_mark_tagged(struct berth_store *s, const char *full, struct berth_error **err);
int berth_image_tag(struct berth_store *s, const char *what, const char *name,
		    struct berth_error **err);

struct berth_image_list_item {
	char *name; /* full store name, NULL for an untagged image */
	struct berth_digest top_digest;
	struct berth_digest id;
	char *created;
	uint64_t size;
	/* Docker's `images --digests`: the RepoDigests digest of the name's repository */
	struct berth_digest repo_digest;
	bool has_repo_digest;
};
struct berth_image_list {
	struct berth_image_list_item *items;
	size_t n;
};
void berth_image_list_free(struct berth_image_list *l);
static inline void berth_image_list_freep(struct berth_image_list **l)
{
	if (*l)
		berth_image_list_free(*l);
	*l = NULL;
}
/* Every entry of the store, newest first. Unreadable entries are skipped. */
int berth_image_list(struct berth_store *s, struct berth_image_list **ret,
		     struct berth_error **err);

/*
 * Removes what: a reference drops that tag (the image goes with its last
 * tag); an ID removes the image when it has at most one tag, or with force
 * every tag. Then unreferenced blobs are collected. *ret_untagged /
 * *ret_deleted (may be NULL) get the lines Docker prints ("Untagged: x",
 * "Deleted: sha256:...").
 */
int berth_image_remove(struct berth_store *s, const char *what, bool force, char ***ret_lines,
		       struct berth_error **err);

/*
 * Removes untagged images (every image when all) except those whose ID is in
 * keep (the images containers use), then collects blobs. *ret_lines get
 * Docker's "untagged: x" / "deleted: sha256:..." lines.
 */
int berth_image_prune(struct berth_store *s, bool all, const struct berth_digest *keep,
		      size_t n_keep, char ***ret_lines, uint64_t *ret_reclaimed,
		      struct berth_error **err);

/*
 * Removes every blob no image reaches: the manifests and indexes of
 * index.json and what the gc roots pin, with the configs, layers and child
 * manifests they refer to, and keep[0..n_keep) (blobs the caller keeps
 * alive as they are); and the entries of tmp/ no live process owns
 * (berth_store_sweep, under the store's locks). EBADMSG, removing nothing,
 * when a manifest cannot be read.
 */
int berth_image_gc(struct berth_store *s, const struct berth_digest *keep, size_t n_keep,
		   struct berth_store_gc_result *ret, struct berth_error **err);

/*
 * What the blobs of the store hold, without removing anything (`system df`):
 * images: the bytes of every blob except those only the gc roots (the build
 * cache, a pull in progress) reach; unused: of those, what
 * berth_image_prune(all, keep) and its gc would remove (blobs neither an
 * image whose ID is in keep nor a gc root reaches); roots_only: the bytes of
 * the blobs only the gc roots reach. Sizes as the sweep counts them.
 */
struct berth_image_blob_usage {
	uint64_t images;
	uint64_t unused;
	uint64_t roots_only;
};
int berth_image_blob_usage(struct berth_store *s, const struct berth_digest *keep, size_t n_keep,
			   struct berth_image_blob_usage *ret, struct berth_error **err);

/*
 * berth_store_check with the images' reachability: a blob a manifest names
 * that is missing or of another size is a problem; what nothing reaches is
 * an orphan.
 */
int berth_image_store_check(struct berth_store *s, bool repair,
			    const struct berth_store_problem_cb *cb,
			    struct berth_store_check_result *ret, struct berth_error **err);

/* docker image inspect's JSON object for img (*ret owned by the caller). */
int berth_image_inspect_json(struct berth_store *s, const struct berth_image *img, json_t **ret,
			     struct berth_error **err);

/* ---- artifacts and their referrers (image-spec 1.1 subject, distribution-spec 1.1) ---- */

#define BERTH_MT_OCI_EMPTY	"application/vnd.oci.empty.v1+json"
#define BERTH_MT_SPDX_JSON	"application/spdx+json"
#define BERTH_MT_CYCLONEDX_JSON "application/vnd.cyclonedx+json"

/*
 * An artifact manifest: an OCI image manifest whose subject names the
 * manifest it is about (an SBOM of an image). artifact_type is its
 * artifactType, else its config's media type; config and layers may be of
 * any media type (they are no image's filesystem).
 */
struct berth_artifact {
	char *artifact_type;
	struct berth_descriptor config;
	struct berth_descriptor *layers;
	size_t n_layers;
	struct berth_descriptor subject;
};
/* Parses outside input: EINVAL naming the field when it is no artifact (no subject…). */
int berth_artifact_parse(const char *data, size_t len, struct berth_artifact **ret,
			 struct berth_error **err);
void berth_artifact_free(struct berth_artifact *a);
static inline void berth_artifact_freep(struct berth_artifact **a)
{
	if (*a)
		berth_artifact_free(*a);
	*a = NULL;
}

/*
 * The artifact manifest (owned, *ret_len its length) of one document doc
 * (size bytes) of media type artifact_type about subject: artifactType and
 * its one layer artifact_type, the config the empty descriptor ({}).
 */
char *berth_artifact_manifest_new(const struct berth_descriptor *subject, const char *artifact_type,
				  const struct berth_digest *doc, uint64_t size, size_t *ret_len);
/*
 * The artifact manifest data with its subject replaced by subject (a push
 * whose image manifest went out with other digests). Owned result.
 */
int berth_artifact_resubject(const char *data, size_t len, const struct berth_descriptor *subject,
			     char **ret, size_t *ret_len, struct berth_error **err);

/*
 * A referrers list, the image index distribution-spec 1.1 serves at
 * /v2/<name>/referrers/<digest> and keeps under the tag sha256-<hex> where
 * a registry has no referrers API; berth's store keeps one per subject too.
 * Adds entry (its media type, digest, size and artifact_type) to the index
 * data (NULL: an empty index) unless an entry has its digest: 1 when added
 * (*ret the new index, owned), 0 when it was there (*ret NULL). Other
 * entries and fields are kept. EINVAL when data is no image index.
 */
int berth_referrers_index_add(const char *data, size_t len, const struct berth_descriptor *entry,
			      char **ret, size_t *ret_len, struct berth_error **err);

/*
 * The referrers of subject stored in s (cache/referrers/<hex>): *ret (the
 * caller's) lists the artifact manifests whose blobs are present, with
 * their artifact types; empty when there are none.
 */
int berth_image_referrers(struct berth_store *s, const struct berth_digest *subject,
			  struct berth_index **ret, struct berth_error **err);
/*
 * Stores the artifact manifest data (its config and layer blobs already in
 * s) as a referrer of its subject, which must be in s (ENOENT "its subject
 * … is not in the store" otherwise). *ret_digest (may be NULL) is the
 * manifest's digest. Storing it again changes nothing.
 */
int berth_image_referrer_put(struct berth_store *s, const char *data, size_t len,
			     struct berth_digest *ret_digest, struct berth_error **err);
/*
 * Attaches the document doc (len bytes of media type artifact_type: an
 * SBOM) to the image img of s: the document, the empty config and the
 * artifact manifest whose subject is img's top manifest, stored as its
 * referrer. The artifact lives while img's manifest does; gc drops it
 * with it. *ret_digest (may be NULL): the artifact manifest's digest.
 */
int berth_image_attach(struct berth_store *s, const struct berth_image *img,
		       const char *artifact_type, const void *doc, size_t len,
		       struct berth_digest *ret_digest, struct berth_error **err);
/*
 * The newest stored document of artifact_type attached to img (the last
 * referrer of that type), its bytes verified; ENOENT when none is.
 */
int berth_image_attached(struct berth_store *s, const struct berth_image *img,
			 const char *artifact_type, char **ret, size_t *ret_len,
			 struct berth_error **err);
/* ---- import, save, load ---- */

/*
 * Imports a root filesystem tarball (plain, gzip or zstd) read from fd as a
 * one-layer image: the layer is stored uncompressed (its blob is the tar,
 * its digest the diff ID; push compresses it), and the tar is checked whole (a truncated
 * or corrupt tar is EBADMSG and leaves the store unchanged). changes are
 * Dockerfile instructions applied to the config by apply_changes before
 * the input is read.
 */
struct berth_image_import_options {
	const char *source;   /* names the input in history ("-" for stdin) */
	const char *name;     /* the tag, or NULL */
	char *const *changes; /* --change instructions, or NULL */
	berth_image_changes_fn apply_changes;
	const char *message; /* the history comment, or NULL */
	/* SOURCE_DATE_EPOCH: when set, the image's created time */
	bool has_source_date_epoch;
	int64_t source_date_epoch;
};
int berth_image_import(struct berth_store *s, int fd, const struct berth_image_import_options *o,
		       struct berth_digest *ret_id, struct berth_error **err);

enum berth_archive_format {
	BERTH_ARCHIVE_DOCKER,
	BERTH_ARCHIVE_OCI,
};
int berth_archive_format_parse(const char *s, enum berth_archive_format *ret,
			       struct berth_error **err);

/* Writes the images whats (references or IDs) as a tar archive to fd. */
int berth_image_save(struct berth_store *s, char *const *whats, enum berth_archive_format format,
		     int fd, struct berth_error **err);

/*
 * Loads a docker-archive or oci-archive (detected; plain, gzip or zstd) from
 * fd. Every blob is verified (digest, layer diff IDs); on any error nothing
 * new is tagged. *ret_lines gets "Loaded image: x" / "Loaded image ID: ...".
 */
int berth_image_load(struct berth_store *s, int fd, char ***ret_lines, struct berth_error **err);
