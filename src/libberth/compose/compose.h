/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The Compose model: a project loaded from one or more compose files
 * (the Compose Specification, with docker compose v2 as the reference
 * behaviour), interpolated, merged, checked and normalised. Everything in a
 * compose file and in an .env file is untrusted input: invalid values are
 * errors naming file:line and the key; unknown keys are warnings returned
 * to the caller (the library never prints).
 *
 * The environment is handed in (the library never calls getenv()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"

/* A ports entry, short or long syntax; a short-syntax range gives one entry per port. */
struct berth_compose_port {
	char *host_ip;		 /* NULL: every address */
	char *host_port;	 /* "8080", a range "8000-8010", or NULL: an ephemeral port */
	uint16_t container_port; /* the target */
	char *proto;		 /* "tcp", "udp" or "sctp" */
	char *mode;		 /* "ingress" (the default) or "host" */
	char *name, *app_protocol;
};

enum berth_compose_mount_type {
	BERTH_COMPOSE_MOUNT_BIND,
	BERTH_COMPOSE_MOUNT_VOLUME,
	BERTH_COMPOSE_MOUNT_TMPFS,
};

/* A volumes entry, short or long syntax. */
struct berth_compose_mount {
	enum berth_compose_mount_type type;
	char *source; /* absolute host path (bind), volume key (volume; NULL: anonymous), NULL (tmpfs) */
	char *target; /* absolute container path */
	bool read_only;
	bool create_host_path; /* bind: create a missing source (the short syntax does) */
	bool nocopy;	       /* volume: do not copy the image's content up */
	char *propagation;     /* bind: "rprivate"...; NULL: default */
	char *selinux;	       /* bind: "z" or "Z"; NULL: none */
	int64_t tmpfs_size;    /* bytes; 0: default */
	uint32_t tmpfs_mode;   /* 0: default */
};

enum berth_compose_condition {
	BERTH_COMPOSE_SERVICE_STARTED,
	BERTH_COMPOSE_SERVICE_HEALTHY,
	BERTH_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY,
};

const char *berth_compose_condition_name(enum berth_compose_condition c);

struct berth_compose_dependency {
	char *service;
	enum berth_compose_condition condition;
	bool restart;
	bool required; /* default true */
};

/* Durations are nanoseconds, as Go's time.Duration; -1: not set. */
struct berth_compose_healthcheck {
	char **test; /* ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]; NULL: the image's */
	int64_t interval, timeout, start_period, start_interval;
	int64_t retries; /* -1: not set */
	bool disable;
};

struct berth_compose_ulimit {
	char *name;
	int64_t soft, hard;
	bool single; /* written as one number (soft == hard) */
};

struct berth_compose_build {
	char *context;	  /* absolute path, or a URL as written */
	char *dockerfile; /* default "Dockerfile" */
	char **args;	  /* "KEY=VALUE" or bare "KEY" (no value) */
	char *target;
	char **cache_from;
	char **labels; /* "KEY=VALUE" */
};

struct berth_compose_service_network {
	char *name; /* the key in the top-level networks */
	char **aliases;
	char *ipv4_address, *ipv6_address;
};

struct berth_compose_service {
	char *name;
	char **profiles;
	struct berth_compose_build *build; /* NULL: none */
	char **cap_add, **cap_drop;
	char **command; /* NULL: the image's; an empty vector: cleared */
	char *container_name;
	struct berth_compose_dependency *depends_on;
	size_t n_depends_on;
	/* deploy.resources.limits */
	char *cpus;	      /* as written ("0.5"); NULL: none */
	int64_t memory_limit; /* bytes; 0: none */
	int64_t pids_limit;   /* 0: none */
	char **entrypoint;
	char **environment; /* "KEY=VALUE", or a bare "KEY" for a variable with no value */
	char **env_files;   /* absolute paths, already read into environment */
	char **environment_from_files; /* while loading only */
	char **expose;
	char *hostname;
	struct berth_compose_healthcheck *healthcheck; /* NULL: the image's */
	char *image;
	int init;      /* -1: not set, 0/1 */
	char **labels; /* "KEY=VALUE", sorted by key */
	struct berth_compose_service_network *networks;
	size_t n_networks;
	struct berth_compose_port *ports;
	size_t n_ports;
	bool read_only;
	char *restart;
	int64_t stop_grace_period; /* -1: not set */
	char *stop_signal;
	struct berth_compose_ulimit *ulimits;
	size_t n_ulimits;
	char *user;
	struct berth_compose_mount *volumes;
	size_t n_volumes;
	char *working_dir;
};

struct berth_compose_network {
	char *key;  /* the name used in the file */
	char *name; /* the engine's name: PROJECT_KEY, or the key/name when external */
	char *driver;
	bool external;
	bool internal;
	char **labels;
};

struct berth_compose_volume {
	char *key;
	char *name; /* PROJECT_KEY, or the key/name when external */
	char *driver;
	bool external;
	char **labels;
};

struct berth_compose_project {
	char *name;
	char *working_dir;			/* absolute project directory */
	char **files;				/* the compose files read, absolute, in order */
	struct berth_compose_service *services; /* sorted by name */
	size_t n_services;
	struct berth_compose_network *networks; /* sorted by key */
	size_t n_networks;
	struct berth_compose_volume *volumes; /* sorted by key */
	size_t n_volumes;
	char **disabled_profiles_services; /* services left out by --profile, sorted */
};

void berth_compose_project_free(struct berth_compose_project *p);
static inline void berth_compose_project_freep(struct berth_compose_project **p)
{
	berth_compose_project_free(*p);
	*p = NULL;
}

/*
 * Interpolation lookup: the value of name, or NULL when it is unset.
 * The loader's lookup reads the environment handed in, then the .env file.
 */
typedef const char *(*berth_compose_lookup_fn)(const char *name, void *userdata);

/*
 * Interpolates $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?message}, ${VAR?message}, ${VAR:+alt}, ${VAR+alt} and $$ (a
 * literal $) in text; defaults are interpolated too. *ret is owned by the
 * caller. -EINVAL for a malformed reference, or for ${VAR:?msg} with VAR
 * unset or empty (${VAR?msg}: unset), with the message.
 */
int berth_compose_interpolate(const char *text, berth_compose_lookup_fn lookup, void *userdata,
			      char **ret, struct berth_error **err);

struct berth_compose_load_options {
	char *const *files;	  /* -f FILE in order; NULL/empty: found in the project directory */
	const char *project_name; /* -p; NULL: COMPOSE_PROJECT_NAME, the name key, the directory */
	const char *project_dir;  /* --project-directory; NULL: the first file's directory */
	char *const *profiles;	  /* --profile; NULL: COMPOSE_PROFILES */
	char *const *env_files;	  /* --env-file; NULL: PROJECT_DIR/.env when present */
	char *const *environ;	  /* the caller's environment, "KEY=VALUE" */
	const char *cwd;	  /* absolute; relative paths above are relative to it */
};

/*
 * Loads a project. *ret_project is owned by the caller; *ret_warnings (may be
 * NULL) gets a NULL-terminated vector of warning lines ("compose.yaml:12:
 * unknown key 'x' in service 'web', ignored"), set on success and on failure.
 */
int berth_compose_load(const struct berth_compose_load_options *o,
		       struct berth_compose_project **ret_project, char ***ret_warnings,
		       struct berth_error **err);

/*
 * Parses one compose document from memory with lookup for
 * interpolation; it reads no file (extends with file: and env_file are
 * errors), for tests and the fuzzer. file names the document in messages; dir is the project directory.
 */
int berth_compose_load_data(const char *data, size_t len, const char *file, const char *dir,
			    const char *project_name, berth_compose_lookup_fn lookup,
			    void *userdata, struct berth_compose_project **ret_project,
			    char ***ret_warnings, struct berth_error **err);

/* The service named name, or NULL. */
struct berth_compose_service *berth_compose_find_service(const struct berth_compose_project *p,
							 const char *name);

/*
 * The services in start order (every service after the services it
 * depends on; ties by name). *ret is an array of n_services pointers into
 * p, owned by the caller. -EINVAL naming an unknown dependency or the cycle
 * ("a -> b -> a").
 */
int berth_compose_start_order(const struct berth_compose_project *p,
			      struct berth_compose_service ***ret, struct berth_error **err);

/* Names as docker compose v2 gives them; owned by the caller. */
char *berth_compose_container_name(const struct berth_compose_project *p,
				   const struct berth_compose_service *s, unsigned index);
char *berth_compose_image_name(const struct berth_compose_project *p,
			       const struct berth_compose_service *s);

/*
 * The services named in names (all of them when names is NULL or empty),
 * in start order; *ret is an array of *ret_n pointers into p, owned by
 * the caller. -ENOENT naming a name that is no service.
 */
int berth_compose_select_services(const struct berth_compose_project *p, char *const *names,
				  struct berth_compose_service ***ret, size_t *ret_n,
				  struct berth_error **err);

struct berth_store;
struct berth_progress;

/*
 * `compose pull`: pulls the image of each selected service that has one
 * (each image once). A failure fails the command, naming the service,
 * unless ignore_failures or the service has a build section (it can be
 * built): then it is a warning line in *warnings.
 */
int berth_compose_pull(struct berth_store *store, const struct berth_compose_project *p,
		       char *const *services, bool ignore_failures, struct berth_progress *progress,
		       char ***warnings, struct berth_error **err);

/*
 * `compose push`: pushes the image of each selected service that has both
 * build and image (as docker compose); failures as for pull.
 */
int berth_compose_push(struct berth_store *store, const struct berth_compose_project *p,
		       char *const *services, bool ignore_failures, struct berth_progress *progress,
		       char ***warnings, struct berth_error **err);

#define BERTH_COMPOSE_LABEL_PROJECT	 "com.docker.compose.project"
#define BERTH_COMPOSE_LABEL_SERVICE	 "com.docker.compose.service"
#define BERTH_COMPOSE_LABEL_CONFIG_HASH	 "com.docker.compose.config-hash"
#define BERTH_COMPOSE_LABEL_NUMBER	 "com.docker.compose.container-number"
#define BERTH_COMPOSE_LABEL_ONEOFF	 "com.docker.compose.oneoff"
#define BERTH_COMPOSE_LABEL_NETWORK	 "com.docker.compose.network"
#define BERTH_COMPOSE_LABEL_VOLUME	 "com.docker.compose.volume"
#define BERTH_COMPOSE_LABEL_WORKING_DIR	 "com.docker.compose.project.working_dir"
#define BERTH_COMPOSE_LABEL_CONFIG_FILES "com.docker.compose.project.config_files"
#define BERTH_COMPOSE_LABEL_IMAGE	 "com.docker.compose.image"
#define BERTH_COMPOSE_LABEL_DEPENDS_ON	 "com.docker.compose.depends_on"
#define BERTH_COMPOSE_LABEL_VERSION	 "com.docker.compose.version"

/* A container of a project, as its record and labels tell it (containers.c). */
struct berth_compose_container {
	char *id;	   /* full id */
	char *name;	   /* PROJECT-SERVICE-N, or the service's container_name */
	char *service;	   /* com.docker.compose.service */
	unsigned number;   /* com.docker.compose.container-number (0: none) */
	char *config_hash; /* com.docker.compose.config-hash ("" when none) */
	char *state;	   /* State.Status: "created", "running", "paused", "exited"... */
	char *health;	   /* "starting", "healthy", "unhealthy"; NULL: no health check */
	int exit_code;	   /* the last exit's */
	bool oneoff;	   /* com.docker.compose.oneoff=True (`compose run`) */
	char *image;	   /* the image as it was named */
	char *image_id;	   /* the image's id ("sha256:...") at create */
};

void berth_compose_containers_free(struct berth_compose_container *c, size_t n);

/*
 * The containers labelled com.docker.compose.project=project (and
 * com.docker.compose.service=service unless service is NULL), sorted by
 * service, then one-off last, then number, then name. *ret is an array of
 * *ret_n entries (NULL when none), owned by the caller.
 */
int berth_compose_project_containers(struct berth_store *store, const char *project,
				     const char *service, struct berth_compose_container **ret,
				     size_t *ret_n, struct berth_error **err);

/* A row of `compose images` (project-images.c). */
struct berth_compose_image {
	char *container;	/* the container's name */
	char *repository, *tag; /* of the image's first name; "<none>" when it has none */
	char id[80];		/* "sha256:..." */
	uint64_t size;		/* as `berth images` counts it */
};

void berth_compose_images_free(struct berth_compose_image *v, size_t n);

/*
 * The image of each container of the project (of the services named, all
 * when services is NULL or empty), in the containers' order; *ret is an
 * array of *ret_n rows owned by the caller. -ENOENT naming a name that is
 * no service.
 */
int berth_compose_images(struct berth_store *store, const struct berth_compose_project *p,
			 char *const *services, struct berth_compose_image **ret, size_t *ret_n,
			 struct berth_error **err);

/*
 * Orders cs (from berth_compose_project_containers) by their services'
 * start order, dependencies first, or with reverse dependents first (as
 * docker compose stops them); containers of services no longer in p come
 * last, first with reverse. A service's containers keep their order.
 */
int berth_compose_order_containers(const struct berth_compose_project *p,
				   struct berth_compose_container *cs, size_t n, bool reverse,
				   struct berth_error **err);

/*
 * The id (owned by the caller) of the running container number index of
 * service in project, not a one-off: what `compose exec --index` acts on.
 * -ENOENT "service "web" is not running" when there is none.
 */
int berth_compose_service_container(struct berth_store *store, const char *project,
				    const char *service, unsigned index, char **ret_id,
				    struct berth_error **err);

enum berth_compose_format {
	BERTH_COMPOSE_FORMAT_YAML,
	BERTH_COMPOSE_FORMAT_JSON,
};

/* The normalised model, as `docker compose config` prints it; owned by the caller. */
int berth_compose_emit(const struct berth_compose_project *p, enum berth_compose_format format,
		       char **ret, struct berth_error **err);

/*
 * doc as one YAML document (no "---" line), in the style of Go's YAML encoder
 * as compose and kubectl print it: keys in doc's order, sequences indented
 * under their key, strings a reader would take for another type quoted.
 * The text is owned by the caller. kube/ prints its objects with it too.
 */
int berth_compose_yaml_from_json(json_t *doc, char **ret, struct berth_error **err);

/*
 * The service's config hash (the com.docker.compose.config-hash label):
 * docker compose's ServiceHash, the sha256 (64 hex digits) of compose-go's
 * JSON of the service without build, pull_policy, depends_on and profiles
 * (hash.c); ret holds 65 bytes.
 */
void berth_compose_service_hash(const struct berth_compose_service *s, char ret[65]);

/*
 * The project's lifecycle (up.c, down.c), as docker compose v2 runs it.
 * Progress goes to on_event: kind "Network", "Volume", "Image" or
 * "Container", the object's name and what happened ("Created", "Started",
 * "Running", "Recreated", "Healthy", "Built", "Pulled", "Stopped",
 * "Removed"...).
 */
typedef void (*berth_compose_event_fn)(const char *kind, const char *name, const char *status,
				       void *userdata);

struct berth_compose_build_options {
	char *const *services;		 /* NULL/empty: all (those without build: are skipped) */
	bool no_cache, pull;		 /* --no-cache, --pull */
	char *const *build_args;	 /* --build-arg "K=V", over the services' args */
	berth_compose_event_fn on_event; /* "Image" NAME "Building" / "Built" */
	void *userdata;
};

/*
 * `compose build`: builds each selected service that has a build section,
 * in start order, tagged with berth_compose_image_name(). -ENOENT naming
 * a name that is no service; a build failure names the service.
 */
int berth_compose_build(struct berth_store *store, const struct berth_compose_project *p,
			const struct berth_compose_build_options *o, struct berth_error **err);

/* One service's build, as above (the services field of o is not read); up --build uses it. */
int berth_compose_build_service(struct berth_store *store, const struct berth_compose_project *p,
				const struct berth_compose_service *s,
				const struct berth_compose_build_options *o,
				struct berth_error **err);

struct berth_compose_up_options {
	char *const *services; /* NULL/empty: all */
	bool build;	       /* --build: build the services with build: first */
	bool no_build;	       /* --no-build: never build (a missing image is an error) */
	bool force_recreate, no_recreate, no_deps, wait, remove_orphans;
	/* compose run: networks, volumes, images and the dependencies, not the named services */
	bool dependencies_only;
	berth_compose_event_fn on_event;
	void *userdata;
};

/*
 * Networks, volumes, images, then the containers in dependency order, each
 * started once its dependencies' conditions hold; a container whose config
 * hash (or image) changed is recreated, an unchanged one left running. On
 * failure what this call created is removed again (containers stopped and
 * removed, networks and volumes it made removed) and *err says why.
 */
int berth_compose_up(struct berth_store *store, const struct berth_compose_project *p,
		     const struct berth_compose_up_options *o, struct berth_error **err);

struct berth_run_result;

/* `compose run SERVICE [CMD...]` (run.c); NULL/false fields keep the service's config. */
struct berth_compose_run_oneoff_options {
	const char *service;
	char *const *cmd;	/* replaces the service's command */
	const char *entrypoint; /* --entrypoint ("" clears) */
	char *const *env;	/* "K=V", over the service's environment */
	char *const *labels;	/* "K=V", added */
	const char *name, *user, *workdir;
	bool rm, detach, no_deps, service_ports, tty, interactive;
	berth_compose_event_fn on_event; /* the dependencies' progress */
	void *userdata;
};

/*
 * Starts the service's dependencies (not with no_deps) as `up` does, then
 * a one-off container of the service, PROJECT-SERVICE-run-<12 hex> (or
 * o->name), labelled com.docker.compose.oneoff=True, without the service's
 * ports unless service_ports, never restarted: in the foreground (its exit
 * code in ret->exit_code; removed after with rm) or, with detach, started
 * and left running (ret->id).
 */
int berth_compose_run(struct berth_store *store, const struct berth_compose_project *p,
		      const struct berth_compose_run_oneoff_options *o,
		      struct berth_run_result *ret, struct berth_error **err);

struct berth_compose_down_options {
	bool volumes;	     /* -v: the project's named volumes (not external) too */
	const char *rmi;     /* NULL, "local" (images without image:) or "all" */
	bool remove_orphans; /* containers of services no longer in the model too */
	int timeout_s;	     /* -t; < 0: the services' stop_grace_period or 10 s */
	berth_compose_event_fn on_event;
	void *userdata;
};

/* Stops and removes the project's containers, then its networks (not external). */
int berth_compose_down(struct berth_store *store, const struct berth_compose_project *p,
		       const struct berth_compose_down_options *o, struct berth_error **err);

/* The stop timeout of service (its stop_grace_period, else Docker's 10 s). */
int berth_compose_stop_timeout(const struct berth_compose_project *p, const char *service);

/* A container whose log `compose logs` shows (logs.c). */
struct berth_compose_log_source {
	char *id;
	char *name; /* PROJECT-SERVICE-N (or container_name), the prefix */
	char *service;
};
void berth_compose_log_sources_free(struct berth_compose_log_source *s, size_t n);

/*
 * The service containers (not one-offs) of project, of the named services
 * (all when services is NULL or empty), sorted as
 * berth_compose_project_containers; *ret (NULL when none) is the caller's.
 */
int berth_compose_log_sources(struct berth_store *store, const char *project, char *const *services,
			      struct berth_compose_log_source **ret, size_t *ret_n,
			      struct berth_error **err);

struct berth_log_record;

struct berth_compose_logs_options {
	long tail;		   /* the last lines of each log; < 0: all */
	const char *since, *until; /* times as berth_compose_log_time gives them; NULL: none */
	bool follow;		   /* then what they write, until all have stopped */
	/* each record, in time order (ties: the earlier source); source is an index */
	void (*on_record)(size_t source, const struct berth_log_record *rec, void *userdata);
	/* follow: source stopped (its exit code; -1: removed) and all it wrote was shown */
	void (*on_exit)(size_t source, int exit_code, void *userdata);
	/* follow: asked between reads; true ends the stream */
	bool (*stop)(void *userdata);
	void *userdata;
};

/*
 * The records of the sources' logs merged in time order (the times the
 * log records); with o->follow the records as they come, until every
 * source has stopped or o->stop says so.
 */
int berth_compose_logs(struct berth_store *store, const struct berth_compose_log_source *src,
		       size_t n, const struct berth_compose_logs_options *o,
		       struct berth_error **err);

/*
 * --since/--until as docker takes them: RFC 3339 (Z or an offset; a date
 * alone), Unix seconds with a fraction, or a Go duration before now_ns
 * ("10m"); into ret as the logs write times. -EINVAL on anything else.
 */
int berth_compose_log_time(const char *s, int64_t now_ns, char ret[40], struct berth_error **err);
