/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: the container's record (state.json: its main process; config.json:
 * the spec it runs with) plus the exec options become the spec of one more
 * process, which the runtime starts inside the running container.
 */
#include "container/container.h"
#include "container/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/runtime.h"

int berth_container_load_spec(const char *store_root, const char *id, struct berth_spec *spec,
			      struct berth_error **err)
{
	_cleanup_free_ char *path = berth_xasprintf("%s/containers/%s/config.json", store_root, id);
	_cleanup_free_ char *data = NULL;
	_cleanup_json_ json_t *j = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, BERTH_CONTAINER_RECORD_MAX, &data, &len, err);
	if (r >= 0)
		r = berth_json_parse(data, len, path, &j, err);
	if (r >= 0)
		r = berth_spec_from_json(j, spec, err);
	return r;
}

int berth_container_exec(struct berth_store *store, const char *what,
			 const struct berth_exec_options *o, struct berth_run_result *ret,
			 struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_json_ json_t *st = NULL;
	_cleanup_free_ char *id = NULL;
	struct berth_spec spec;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (berth_strv_len(o->cmd) == 0)
		return berth_error_set(err, EINVAL, "exec: no command given");
	r = berth_container_find(store, what, &id, err);
	if (r < 0)
		return r;
	r = berth_container_inspect(store, id, &st, err);
	if (r < 0)
		return r;
	snprintf(ret->id, sizeof(ret->id), "%s", id);
	json_t *state = json_object_get(st, "State");
	json_int_t pid = json_integer_value(json_object_get(state, "Pid"));
	if (!json_is_true(json_object_get(state, "Running")) || pid <= 0)
		return berth_error_set(err, EINVAL, "exec '%s': container is not running", what);
	/* joining a frozen cgroup would freeze the exec'd process too: Docker refuses it */
	if (json_is_true(json_object_get(state, "Paused")))
		return berth_error_set(err, EINVAL,
				       "exec '%s': container is paused, unpause the container "
				       "before exec",
				       what);

	berth_spec_init(&spec);
	r = berth_container_load_spec(store_root, id, &spec, err);
	if (r < 0) {
		berth_spec_release(&spec);
		return berth_error_prefix(err, "exec '%s'", what);
	}
	berth_strv_free(spec.args);
	spec.args = berth_strv_copy(o->cmd);
	BERTH_STRV_FOREACH (e, o->env)
		berth_env_set(&spec.env, *e);
	if (o->workdir) {
		if (o->workdir[0] != '/') {
			berth_spec_release(&spec);
			return berth_error_set(err, EINVAL,
					       "exec: the working directory '%s' is not absolute",
					       o->workdir);
		}
		free(spec.cwd);
		spec.cwd = berth_xstrdup(o->workdir);
	}
	if (o->user && *o->user) {
		free(spec.username);
		spec.username = berth_xstrdup(o->user);
	}
	spec.terminal = o->tty;
	if (o->privileged) {
		berth_strv_free(spec.capabilities);
		spec.capabilities = berth_runtime_bounding_capabilities();
		spec.cap_sets_given = false;
	}

	struct berth_runtime_exec_config cfg = {
		.spec = &spec,
		.pid = (pid_t)pid,
		.id = id,
		.stdio = {o->interactive && !o->detach ? STDIN_FILENO : -1,
			  o->detach ? -1 : STDOUT_FILENO, o->detach ? -1 : STDERR_FILENO},
	};
	struct berth_runtime_result res = {0};
	char exec_id[65];
	berth_random_hex(exec_id, 32);
	berth_container_exec_event(store, st, "exec_create", o->cmd, exec_id, NULL);
	berth_container_exec_event(store, st, "exec_start", o->cmd, exec_id, NULL);
	r = berth_runtime_exec(&cfg, o->detach, &res, err);
	if (r >= 0 && !o->detach)
		berth_container_exec_event(store, st, "exec_die", o->cmd, exec_id, &res.exit_code);
	berth_spec_release(&spec);
	ret->exit_code = res.exit_code;
	ret->exec_errno = res.exec_errno;
	if (r == -ESRCH)
		return berth_error_set(err, EINVAL, "exec '%s': container is not running", what);
	if (r < 0)
		return berth_error_prefix(err, "exec '%s'", what);
	return 0;
}
