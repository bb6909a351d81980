/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container events for berth's event log (core/events.h), with the
 * attributes Docker's daemon gives them: the container's labels, its image
 * as it was named, its name, and what the action adds (exitCode, signal).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/events.h"
#include "core/json.h"
#include "core/strv.h"

/* Docker's attributes of a container event: labels, image, name, then extra. */
static json_t *event_attributes(const json_t *st, const char *const *extra)
{
	json_t *attrs = json_deep_copy(json_object_get(json_object_get(st, "Config"), "Labels"));
	if (!json_is_object(attrs)) {
		json_decref(attrs);
		attrs = json_object();
	}
	const char *image = json_string_value(json_object_get(st, "ImageRef"));
	if (!image || !*image)
		image = json_string_value(json_object_get(st, "Image"));
	if (!image || !*image)
		image = json_string_value(json_object_get(st, "Rootfs"));
	if (image)
		json_object_set_new(attrs, "image", json_string(image));
	const char *name = json_string_value(json_object_get(st, "Name"));
	if (name)
		json_object_set_new(attrs, "name", json_string(name));
	for (size_t i = 0; extra && extra[i]; i += 2)
		if (extra[i + 1])
			json_object_set_new(attrs, extra[i], json_string(extra[i + 1]));
	return attrs;
}

void berth_container_event_st(struct berth_store *store, const json_t *st, const char *action,
			      const char *const *extra)
{
	_cleanup_json_ json_t *attrs = event_attributes(st, extra);
	(void)berth_event_emit_json_at(berth_store_root_fd(store), "container", action,
				       json_string_value(json_object_get(st, "Id")), attrs);
}

void berth_container_event(struct berth_store *store, const char *id, const char *action,
			   const char *const *extra)
{
	_cleanup_json_ json_t *st =
		berth_container_state_read(berth_store_dir_fd(store, "containers"), id);
	if (st)
		berth_container_event_st(store, st, action, extra);
}

void berth_container_event_at_root(const char *store_root, const char *id, const char *action,
				   const char *const *extra)
{
	_cleanup_close_ int root = open(store_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return;
	_cleanup_close_ int cdir =
		openat(root, "containers", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_json_ json_t *st = cdir >= 0 ? berth_container_state_read(cdir, id) : NULL;
	if (!st)
		return;
	_cleanup_json_ json_t *attrs = event_attributes(st, extra);
	(void)berth_event_emit_json_at(root, "container", action, id, attrs);
}

void berth_container_exec_event(struct berth_store *store, const json_t *st, const char *phase,
				char *const *cmd, const char *exec_id, const int *exit_code)
{
	/* Docker's action names the command: "exec_start: sh -c true" */
	_cleanup_buf_ struct berth_buf action = BERTH_BUF_INIT;
	berth_buf_addstr(&action, phase);
	if (strcmp(phase, "exec_die") != 0) {
		berth_buf_addch(&action, ':');
		BERTH_STRV_FOREACH (a, cmd)
			berth_buf_addf(&action, " %s", *a);
	}
	char code[16];
	if (exit_code)
		snprintf(code, sizeof(code), "%d", *exit_code);
	berth_container_event_st(
		store, st, action.buf,
		(const char *[]){"execID", exec_id, "exitCode", exit_code ? code : NULL, NULL});
}
