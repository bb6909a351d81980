/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `import --change` and `commit --change`: Dockerfile instructions applied
 * to an image config by the builder's own instruction code, as Docker
 * applies them (its BuildFromConfig dispatches them with its builder). Each
 * change is parsed by the Dockerfile front end as one instruction and run
 * on a config-only stage: no cache, no history, no layer, no rootfs.
 */
#include <errno.h>
#include <string.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "image/image.h"

/* What the parser calls the text of a change in its messages. */
#define CHANGE_FILE "--change"

/* Docker's list (moby builder/dockerfile/builder.go validCommitCommands). */
static bool change_allowed(enum berth_dockerfile_keyword k)
{
	switch (k) {
	case BERTH_DOCKERFILE_CMD:
	case BERTH_DOCKERFILE_ENTRYPOINT:
	case BERTH_DOCKERFILE_ENV:
	case BERTH_DOCKERFILE_EXPOSE:
	case BERTH_DOCKERFILE_LABEL:
	case BERTH_DOCKERFILE_ONBUILD:
	case BERTH_DOCKERFILE_STOPSIGNAL:
	case BERTH_DOCKERFILE_USER:
	case BERTH_DOCKERFILE_VOLUME:
	case BERTH_DOCKERFILE_WORKDIR:
		return true;
	default:
		return false;
	}
}

/*
 * The parser's message names the place and quotes the line below it
 * ("--change:1:1: ENV must have two arguments\n 1 | ENV A"): the caller
 * quotes the change already, so only the reason stays, on one line.
 */
static int parse_error(int r, struct berth_error **err)
{
	if (!err || !*err)
		return r;
	const char *m = berth_error_msg(*err);
	if (strncmp(m, CHANGE_FILE ":", strlen(CHANGE_FILE ":")) == 0) {
		m += strlen(CHANGE_FILE ":");
		m += strspn(m, "0123456789:");
		m += strspn(m, " ");
	}
	_cleanup_free_ char *why = berth_xstrndup(m, strcspn(m, "\n"));
	return berth_error_set(err, -r, "%s", why);
}

/* Parses one change and runs it on the stage ss (whose builder's df it becomes). */
static int apply_change(struct sstate *ss, const char *change, struct berth_error **err)
{
	_cleanup_dockerfile_ struct berth_dockerfile *df = NULL;
	int r = berth_dockerfile_parse(change, strlen(change), CHANGE_FILE, &df, err);
	if (r < 0)
		return parse_error(r, err);
	if (df->n_instructions != 1)
		return berth_error_set(err, EINVAL, "one instruction per --change, not %zu",
				       df->n_instructions);
	const struct berth_dockerfile_instruction *ins = &df->instructions[0];
	if (!change_allowed(ins->keyword))
		return berth_error_set(err, EINVAL,
				       "'%s' is not supported (use CMD, ENTRYPOINT, ENV, EXPOSE, "
				       "LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)",
				       ins->name);
	ss->b->df = df;
	r = exec_instruction(ss, ins, err);
	ss->b->df = NULL;
	return r;
}

/* The change as the error shows it: its line breaks as \n, so the error is one line. */
static char *one_line(const char *change)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (const char *p = change; *p; p++) {
		if (*p == '\n')
			berth_buf_addstr(&b, "\\n");
		else
			berth_buf_addch(&b, *p);
	}
	return berth_buf_detach(&b, NULL);
}

/* Replaces *c's fields with those of config (an OCI image config document). */
static int config_replace(struct berth_image_config *c, const json_t *config,
			  struct berth_error **err)
{
	size_t len = 0;
	_cleanup_free_ char *data = berth_json_dump(config, &len);
	struct berth_image_config *n = NULL;
	int r = berth_image_config_parse(data, len, &n, err);
	if (r < 0)
		return r;
	struct berth_image_config old = *c;
	*c = *n;
	*n = old;
	berth_image_config_free(n);
	return 0;
}

int berth_builder_apply_changes(struct berth_image_config *c, char *const *changes,
				struct berth_error **err)
{
	if (!changes || !*changes)
		return 0;
	const struct berth_build_options o = {.no_cache = true};
	struct builder b = {.o = &o, .config_only = true, .tmp_fd = -EBADF};
	struct sstate ss = {.b = &b, .view_fd = -EBADF};
	size_t len = 0;
	_cleanup_free_ char *data = berth_image_config_serialize(c, &len);
	int r = berth_json_parse(data, len, "image config", &ss.img.config, err);
	if (r < 0)
		return r;
	for (char *const *ch = changes; *ch; ch++) {
		r = apply_change(&ss, *ch, err);
		if (r < 0) {
			bimage_release(&ss.img);
			_cleanup_free_ char *shown = one_line(*ch);
			return berth_error_prefix(err, "--change '%s'", shown);
		}
	}
	r = config_replace(c, ss.img.config, err);
	bimage_release(&ss.img);
	return r;
}
