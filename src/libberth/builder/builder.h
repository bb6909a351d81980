/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The builder: a Dockerfile and a context in, an image in the store out
 * (DESIGN.md, "build"). berth_build() loads the context once (.dockerignore
 * applied, every read through berth_open_beneath), parses the Dockerfile,
 * builds the stage graph (ARG scoping, --target pruning), executes each
 * instruction or reuses a cached result, writes the image and tags it.
 *
 * The library never prints: step lines, RUN output and warnings go through
 * the event callback of the options.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/digest.h"
#include "core/error.h"

struct berth_store;

enum berth_build_event_kind {
	BERTH_BUILD_EVENT_STEP,	   /* a step starts: text is "[stage 2/5] RUN make" */
	BERTH_BUILD_EVENT_CACHED,  /* the step was a cache hit */
	BERTH_BUILD_EVENT_DONE,	   /* the step finished; seconds is its duration */
	BERTH_BUILD_EVENT_OUTPUT,  /* one line of RUN output (without the newline) */
	BERTH_BUILD_EVENT_WARNING, /* text is a warning, e.g. an unused build arg */
	BERTH_BUILD_EVENT_ERROR,   /* the step failed; text is the reason */
	BERTH_BUILD_EVENT_INFO,	   /* other progress ("writing image", "naming to") */
};

struct berth_build_event {
	enum berth_build_event_kind kind;
	int step; /* 1-based number of the step in this build, 0 for none */
	const char *text;
	double seconds; /* for DONE: the step's duration; for OUTPUT: time since the step began */
};

typedef void (*berth_build_event_fn)(const struct berth_build_event *ev, void *userdata);

struct berth_build_options {
	const char *context;	/* a directory, or "-": stdin holds a Dockerfile or a tar */
	const char *dockerfile; /* -f: NULL = "Dockerfile" in the context, "-" = stdin */
	/* dockerfile is a path inside the context (the Engine API's), not the caller's own */
	bool dockerfile_in_context;
	char **tags;	     /* NULL-terminated or NULL: every -t */
	const char *target;  /* --target or NULL: the last stage */
	char **build_args;   /* "K=V" (the CLI takes a bare K's value from its environment) */
	char **labels;	     /* --label K=V, applied to the final image */
	char **cache_from;   /* --cache-from references */
	char **secrets;	     /* --secret id=X,src=F */
	const char *network; /* --network: NULL or "default", "host", "none" */
	bool no_cache;
	bool pull;
	bool serial; /* stages one after another, never in parallel (BERTH_BUILD_SERIAL) */
	/*
	 * SOURCE_DATE_EPOCH (the CLI reads it): when set, history entries are
	 * created at it and layer mtimes later than it are clamped to it.
	 */
	bool has_source_date_epoch;
	int64_t source_date_epoch;
	int stdin_fd; /* where "-" reads from (0 normally) */
	berth_build_event_fn on_event;
	void *userdata;
};

struct berth_build_result {
	struct berth_digest image_id; /* digest of the image config, Docker's image id */
	struct berth_digest manifest; /* digest of the manifest stored for the tags */
	unsigned steps, cached;	      /* steps run in total, and how many were cache hits */
	size_t context_files;	      /* entries of the context after .dockerignore */
	uint64_t hashed_bytes; /* bytes read to hash contents (0 when the stat cache knew all) */
};

/*
 * Builds. On success the image is in the store, every tag of o->tags points
 * to it and *ret is filled. On failure *err names the Dockerfile line and
 * quotes it when the fault is in one instruction; nothing is left behind
 * but the cache entries of the steps that completed.
 */
int berth_build(struct berth_store *store, const struct berth_build_options *o,
		struct berth_build_result *ret, struct berth_error **err);

/*
 * Interrupts the builds of this process; async-signal-safe, for the CLI's
 * SIGINT/SIGTERM handler. A running RUN step's container is killed, the
 * long loops (context hashing, layer writing) stop, and berth_build()
 * unwinds through its normal cleanup and fails with -EINTR "build
 * interrupted": no mounts, cgroups, processes or temp files stay, and the
 * cache entries of the steps that completed remain. The flag stays set.
 */
void berth_build_interrupt(void);
bool berth_build_interrupted(void);

/*
 * Removes build cache entries: all of them with all, else those not used
 * by any tagged image; with keep_storage > 0, the least recently used until
 * the cache holds at most that many bytes. Layers no longer referenced by a
 * cache entry or an image are removed with them. *ret_reclaimed is the
 * number of bytes freed, *ret_entries the number of entries removed.
 */
int berth_builder_prune(struct berth_store *store, bool all, uint64_t keep_storage,
			uint64_t *ret_reclaimed, unsigned *ret_entries, struct berth_error **err);

/*
 * Applies Dockerfile instructions to an image config as Docker's `import
 * --change` and `commit --change` do: each change is one instruction
 * (continuation lines allowed) of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,
 * ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR, parsed by the Dockerfile
 * front end and executed by the builder's code for it (JSON and shell forms,
 * $VAR expanded from the config's Env); no history entry is added. A
 * refused or invalid change is -EINVAL "--change 'X': why", c unchanged.
 */
struct berth_image_config;
int berth_builder_apply_changes(struct berth_image_config *c, char *const *changes,
				struct berth_error **err);

/*
 * Disk bytes of the RUN --mount=type=cache directories, which `builder
 * prune -a` removes (and counts in *ret_reclaimed) with the entries.
 */
uint64_t berth_builder_mounts_size(struct berth_store *s);
