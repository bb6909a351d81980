/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The distribution-spec client (OCI distribution v1.1 and Docker registry
 * API v2) over libcurl: references, authentication (anonymous, basic, bearer
 * tokens cached per scope), credentials (`login`/`logout` files in the
 * format of ~/.docker/config.json, docker-credential-* helpers), TLS with
 * per-registry certs.d, and the two transfers, pull into the store and push
 * from it.
 *
 * Credentials never reach an error message, a log line or --debug output.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/compress.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/progress.h"

struct berth_store;

/* Process-wide settings, set once by the CLI before any transfer (the
 * library reads no environment: the CLI fills them from its flags and
 * $BERTH_CERTS_D, $BERTH_CONFIG, $DOCKER_CONFIG, $HOME). Strings borrowed. */
struct berth_registry_settings {
	char **insecure_registries; /* "host[:port]" allowed over plain HTTP */
	const char *certs_d;	    /* per-registry TLS files; NULL: /etc/berth/certs.d */
	const char *auth_file;	    /* berth's credentials file; NULL: none (login refused) */
	const char *docker_config; /* Docker's config.json, also read for credentials; NULL: none */
	unsigned parallel;	   /* concurrent blob transfers; 0: 4 */
	unsigned retries;	   /* attempts per request on a network error; 0: 3 */
	/* push: upload every blob larger than this in PATCH chunks of this size;
	 * 0: chunks of 64 MiB for blobs over 256 MiB */
	uint64_t chunk_size;
};
void berth_registry_configure(const struct berth_registry_settings *s);

/*
 * References are parsed by image/ (berth_image_ref_parse: Docker's grammar,
 * docker.io and library/ normalisation); registry/ adds only what the API
 * needs on top: docker.io's API host and its credentials key.
 */

/* The host's platform, "linux/amd64" or "linux/arm64/v8"…; static storage. */
const char *berth_registry_host_platform(void);

/*
 * Credentials for one operation, given by the caller in place of the
 * stored ones (the API's X-Registry-Auth: the client keeps its logins and
 * sends them with each request). username and password, or identity_token
 * alone (an OAuth2 refresh token a login answered with), or
 * registry_token alone (a bearer token sent to the registry as it is, with
 * no token server asked: Docker's RegistryToken, only for a registry that
 * asks for a bearer token). Strings borrowed; nothing here is ever written
 * to a credentials file. An operation without them (a NULL pointer) looks
 * the stored ones up, as `berth pull` does.
 */
struct berth_registry_credentials {
	const char *username;
	const char *password;
	const char *identity_token;
	const char *registry_token;
};

/*
 * Pulls ref into store: picks platform ("os/arch[/variant]", NULL: the
 * host's) from an index, fetches the config and missing layers in parallel
 * with their digests verified as they stream, then writes the manifest
 * byte-for-byte and tags it. On success *ret_digest (may be NULL) is the
 * digest of the image manifest stored. Nothing is tagged on failure, and a
 * blob that failed verification is never kept.
 */
int berth_registry_pull(struct berth_store *store, const char *ref, const char *platform,
			struct berth_progress *progress, struct berth_digest *ret_digest,
			struct berth_error **err);

/*
 * berth_registry_pull with options: with_sbom also fetches the image
 * manifest's referrers of SBOM type (application/spdx+json,
 * application/vnd.cyclonedx+json), by the referrers API or else the
 * referrers tag sha256-<hex>, into the store as attached to the image
 * (berth_image_attached); none there is no error.
 */
struct berth_registry_pull_options {
	bool with_sbom;
	const struct berth_registry_credentials *credentials; /* NULL: the stored ones */
};
int berth_registry_pull_with(struct berth_store *store, const char *ref, const char *platform,
			     const struct berth_registry_pull_options *o,
			     struct berth_progress *progress, struct berth_digest *ret_digest,
			     struct berth_error **err);

/*
 * Pushes the local image src (a reference in store) to dest (NULL: src):
 * blobs the registry has are skipped (HEAD), blobs of another repository of
 * the same registry are mounted, the rest uploaded in parallel; the
 * manifest goes last. *ret_digest is the pushed manifest's digest. Then
 * the image's referrers (berth_image_attach: its SBOM) go, with the pushed
 * manifest as subject; where the registry has no referrers API, listed in
 * the referrers tag sha256-<hex> (distribution-spec 1.1's fallback).
 */
int berth_registry_push(struct berth_store *store, const char *src, const char *dest,
			struct berth_progress *progress, struct berth_digest *ret_digest,
			struct berth_error **err);

/*
 * A layer the store keeps uncompressed (media type
 * application/vnd.oci.image.layer.v1.tar: what builds write) is pushed
 * compressed, as Docker pushes, and the manifest pushed (so the digest
 * returned, and RepoDigests) names the compressed blobs; the local image
 * keeps its manifest. The compressed form is recorded per layer
 * (berth_image_layer_compressed_lookup): a second push compresses nothing.
 * Layers stored compressed (pulled ones) go as they are.
 */
struct berth_registry_push_options {
	/* BERTH_COMPRESSION_GZIP (berth_registry_push's), _ZSTD, or _NONE: as stored */
	enum berth_compression compression;
	const struct berth_registry_credentials *credentials; /* NULL: the stored ones */
};
/* berth_registry_push with options (NULL: the defaults). */
int berth_registry_push_with(struct berth_store *store, const char *src, const char *dest,
			     const struct berth_registry_push_options *o,
			     struct berth_progress *progress, struct berth_digest *ret_digest,
			     struct berth_error **err);

/*
 * A remote image without its layers, for `build --cache-from`: the manifest
 * (bytes as served, platform already selected) and the config blob, both
 * verified against their digests.
 */
struct berth_registry_image {
	char *manifest;
	size_t manifest_len;
	char *media_type;
	struct berth_digest manifest_digest;
	char *config;
	size_t config_len;
	struct berth_digest config_digest;
};
int berth_registry_fetch_image(const char *ref, const char *platform,
			       struct berth_registry_image **ret, struct berth_error **err);
void berth_registry_image_free(struct berth_registry_image *img);

/* Fetches one blob of the repository of ref into store (digest verified). */
int berth_registry_fetch_blob(struct berth_store *store, const char *ref,
			      const struct berth_digest *digest, struct berth_progress *progress,
			      struct berth_error **err);

/*
 * Tags of the repository of ref, sorted as served; a NULL-terminated owned
 * vector. creds: as the pull options' (NULL: the stored ones).
 */
int berth_registry_list_tags(const char *ref, const struct berth_registry_credentials *creds,
			     char ***ret, struct berth_error **err);

/*
 * login: checks username/password against the registry (its /v2/ endpoint,
 * through the token flow when it asks for one) and stores them in the auth
 * file (mode 0600, ~/.docker/config.json format) or the credsStore helper
 * configured there. server is a registry host[:port] (NULL: docker.io).
 */
int berth_registry_login(const char *server, const char *username, const char *password,
			 struct berth_error **err);
/*
 * The check of login alone, nothing stored (the API's POST /auth: the client
 * stores). Refused credentials are -EACCES in Docker's words, "login attempt
 * to https://HOST/v2/ failed with status: 401 Unauthorized", what docker
 * login prints.
 */
int berth_registry_login_check(const char *server, const char *username, const char *password,
			       struct berth_error **err);
/* Removes the stored credentials of server; ENOENT when there were none. */
int berth_registry_logout(const char *server, struct berth_error **err);
