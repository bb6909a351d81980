/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec` (oci.h): a process in a running OCI container. Its process is
 * the bundle's config.json process with what the flags change, or the
 * whole process object of --process; the container's namespaces, seccomp
 * and cgroup apply (berth_runtime_exec_start).
 */
#include "runtime/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "runtime/internal.h"

#define CONFIG_MAX (16 << 20)

/* -u "uid[:gid]" (numbers) or a name resolved in the container. */
static json_t *user_object(const char *user)
{
	char *end;
	unsigned long uid = strtoul(user, &end, 10);
	if (end != user && (*end == '\0' || *end == ':')) {
		unsigned long gid = *end == ':' ? strtoul(end + 1, NULL, 10) : 0;
		return json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
	}
	return json_pack("{s:s}", "username", user);
}

/* The process of the config changed as the flags say; proc is borrowed from config. */
static void apply_flags(json_t *proc, const struct berth_oci_exec_options *o)
{
	json_object_set_new(proc, "args", berth_json_strv(o->args));
	json_object_set_new(proc, "terminal", json_boolean(o->tty));
	if (o->env) {
		json_t *env = json_object_get(proc, "env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(proc, "env", env);
		}
		BERTH_STRV_FOREACH (e, o->env)
			json_array_append_new(env, json_string(*e));
	}
	if (o->cwd)
		json_object_set_new(proc, "cwd", json_string(o->cwd));
	if (o->user)
		json_object_set_new(proc, "user", user_object(o->user));
	if (o->caps) {
		json_t *caps = json_object_get(proc, "capabilities");
		if (!json_is_object(caps)) {
			caps = json_object();
			json_object_set_new(proc, "capabilities", caps);
		}
		static const char *const sets[] = {"bounding", "effective", "permitted"};
		for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
			json_t *set = json_object_get(caps, sets[i]);
			if (!json_is_array(set)) {
				set = json_array();
				json_object_set_new(caps, sets[i], set);
			}
			BERTH_STRV_FOREACH (c, o->caps)
				json_array_append_new(set, json_string(*c));
		}
	}
}

/* The spec of the exec: the container's config.json with the new process. */
static int exec_spec(const struct berth_oci_state *st, const struct berth_oci_exec_options *o,
		     struct berth_spec *spec, struct berth_error **err)
{
	_cleanup_close_ int fd = open(st->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_json_ json_t *config = NULL;
	if (fd < 0)
		return berth_error_syscall(err, errno, "bundle '%s'", st->bundle);
	int r = berth_json_read_at(fd, "config.json", CONFIG_MAX, &config, err);
	if (r < 0)
		return berth_error_prefix(err, "'%s/config.json'", st->bundle);
	if (!json_is_object(config))
		return berth_error_set(err, EINVAL, "'%s/config.json' is not an object",
				       st->bundle);
	if (o->process) {
		json_object_set(config, "process", o->process);
	} else {
		if (berth_strv_len(o->args) == 0)
			return berth_error_set(err, EINVAL, "exec needs a command (or --process)");
		json_t *proc = json_object_get(config, "process");
		if (!json_is_object(proc)) {
			proc = json_object();
			json_object_set_new(config, "process", proc);
		}
		apply_flags(proc, o);
	}
	r = berth_spec_from_json(config, spec, err);
	if (r < 0)
		return berth_error_prefix(err, "%s", o->process ? "--process" : "exec");
	return 0;
}

int berth_oci_exec(const struct berth_oci_exec_options *o, struct berth_runtime_result *ret_result,
		   struct berth_error **err)
{
	_cleanup_(berth_oci_state_release) struct berth_oci_state st = {0};
	_cleanup_(berth_spec_release) struct berth_spec spec;
	struct berth_runtime_process p;
	char buf[32];

	berth_spec_init(&spec);
	ret_result->exit_code = 1;
	int r = berth_oci_load(o->root, o->id, &st, err);
	if (r < 0)
		return r;
	if (st.status != BERTH_OCI_RUNNING && st.status != BERTH_OCI_CREATED)
		return berth_error_set(err, EINVAL, "cannot exec in a container that is %s",
				       berth_oci_status_name(st.status));
	r = berth_runtime_check_preserved_fds(o->preserve_fds, err);
	if (r < 0)
		return berth_error_prefix(err, "--preserve-fds");
	r = exec_spec(&st, o, &spec, err);
	if (r < 0)
		return r;
	struct berth_runtime_exec_config cfg = {
		.spec = &spec,
		.pid = st.pid,
		.id = o->id,
		.stdio = {o->stdio[0], o->stdio[1], o->stdio[2]},
		.cgroup_dirs = st.cgroup.dirs,
		.preserve_fds = o->preserve_fds,
	};
	r = berth_runtime_exec_start(&cfg, &p, ret_result, err);
	if (r < 0)
		return r;
	if (o->pid_file) {
		int n = snprintf(buf, sizeof(buf), "%d", (int)p.pid);
		_cleanup_close_ int fd =
			open(o->pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || berth_write_all(fd, buf, (size_t)n, NULL) < 0)
			r = berth_error_syscall(err, errno, "write pid file '%s'", o->pid_file);
	}
	if (r >= 0 && p.pty_master >= 0 && o->console_socket) {
		r = berth_oci_send_console(o->console_socket, p.pty_master, err);
		berth_closep(&p.pty_master);
	}
	if (r < 0) {
		berth_runtime_process_release(&p, NULL);
		return r;
	}
	if (!o->detach)
		return berth_runtime_attach(cfg.stdio, &p, ret_result, err);
	/* detached: it runs on, our child until we exit (then the subreaper's) */
	berth_closep(&p.pidfd);
	berth_closep(&p.pty_master);
	berth_strv_free(p.cgroup.dirs);
	ret_result->exit_code = 0;
	return 0;
}
