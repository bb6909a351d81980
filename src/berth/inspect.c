/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/inspect.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/format.h"
#include "container/container.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "image/image.h"
#include "network/network.h"
#include "store/store.h"

enum object_kind {
	OBJECT_CONTAINER = 1 << 0,
	OBJECT_IMAGE = 1 << 1,
	OBJECT_NETWORK = 1 << 2,
	OBJECT_VOLUME = 1 << 3,
	/* podman's, only by --type pod (and `pod inspect`): Docker's autodetection has none */
	OBJECT_POD = 1 << 4,
	OBJECT_ANY = OBJECT_CONTAINER | OBJECT_IMAGE | OBJECT_NETWORK | OBJECT_VOLUME,
};

static int parse_type(struct berth_cli *cli, const char *type, unsigned *ret,
		      struct berth_error **err)
{
	static const struct {
		const char *name;
		unsigned kinds;
	} types[] = {
		{"container", OBJECT_CONTAINER},
		{"image", OBJECT_IMAGE},
		{"network", OBJECT_NETWORK},
		{"volume", OBJECT_VOLUME},
		{"pod", OBJECT_POD},
	};
	if (!type || !*type) {
		*ret = OBJECT_ANY;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(types); i++)
		if (strcmp(type, types[i].name) == 0) {
			*ret = types[i].kinds;
			return 0;
		}
	/* Docker: "%q is not a valid value for --type" */
	return cli_usage_error(cli, err, "\"%s\" is not a valid value for --type", type);
}

static int inspect_container(struct berth_cli *cli, const char *name, json_t **ret,
			     struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_container_inspect(cli->store, name, ret, err);
}

static int inspect_image(struct berth_store *s, const char *name, json_t **ret,
			 struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	int r = berth_image_resolve(s, name, &img, err);
	if (r < 0)
		return r;
	return berth_image_inspect_json(s, img, ret, err);
}

static int inspect_volume(struct berth_cli *cli, const char *name, json_t **ret,
			  struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	struct berth_volume v = {0};
	r = berth_volume_get(cli->store, name, &v, err);
	if (r < 0)
		return r;
	*ret = berth_volume_to_json(&v);
	berth_volume_release(&v);
	return 0;
}

static int inspect_pod(struct berth_cli *cli, const char *name, json_t **ret,
		       struct berth_error **err)
{
	int r = cli_store_open(cli, NULL, err);
	if (r < 0)
		return r;
	return berth_pod_inspect(cli->store, name, ret, err);
}

/* The network named (or with the id) name as `network inspect` shows it, in *ret. */
static int inspect_network(struct berth_cli *cli, const char *name, json_t **ret,
			   struct berth_error **err)
{
	return berth_network_inspect(cli->root, name, ret, err);
}

/* What "not this kind of object" looks like: absent, or a name this kind cannot have. */
static bool is_not_found(int r)
{
	return r == -ENOENT || r == -EINVAL;
}

/*
 * The first object of kinds named name. With one kind its own error is
 * kept ("no such image: 'x'"); with several, a name none of them has is
 * Docker's "no such object".
 */
static int inspect_one(struct berth_cli *cli, struct berth_store *s, unsigned kinds,
		       const char *name, json_t **ret, struct berth_error **err)
{
	bool single = (kinds & (kinds - 1)) == 0;
	int r = -ENOENT;
	/* Docker's order of autodetection: container, image, network, volume */
	for (unsigned k = OBJECT_CONTAINER; k <= OBJECT_POD; k <<= 1) {
		if (!(kinds & k))
			continue;
		_cleanup_error_ struct berth_error *e = NULL;
		if (k == OBJECT_CONTAINER)
			r = inspect_container(cli, name, ret, &e);
		else if (k == OBJECT_IMAGE)
			r = inspect_image(s, name, ret, &e);
		else if (k == OBJECT_NETWORK)
			r = inspect_network(cli, name, ret, &e);
		else if (k == OBJECT_VOLUME)
			r = inspect_volume(cli, name, ret, &e);
		else
			r = inspect_pod(cli, name, ret, &e);
		if (r >= 0)
			return r;
		if (single || !is_not_found(r)) {
			if (err)
				*err = TAKE_PTR(e);
			return r;
		}
	}
	return berth_error_set(err, ENOENT, "no such object: %s", name);
}

int cli_inspect(struct berth_cli *cli, const char *type, char *const *names, const char *format,
		struct berth_error **err)
{
	unsigned kinds = 0;
	int r = parse_type(cli, type, &kinds, err);
	if (r < 0)
		return r;
	struct berth_store *s = NULL;
	if (kinds & OBJECT_IMAGE) {
		r = cli_store_open(cli, &s, err);
		if (r < 0)
			return r;
	}
	_cleanup_json_ json_t *all = json_array();
	_cleanup_strv_free_ char **missing = NULL;
	for (char *const *n = names; *n; n++) {
		json_t *o = NULL;
		_cleanup_error_ struct berth_error *e = NULL;
		r = inspect_one(cli, s, kinds, *n, &o, &e);
		if (r >= 0) {
			json_array_append_new(all, o);
			continue;
		}
		if (r != -ENOENT) {
			if (err)
				*err = TAKE_PTR(e);
			return r;
		}
		/* as Docker, the objects found are printed before the names that were not */
		berth_strv_push(&missing, berth_error_msg(e));
	}
	r = cli_format_inspect(format, all, err);
	if (r < 0)
		return r;
	fflush(stdout);
	BERTH_STRV_FOREACH (m, missing)
		fprintf(stderr, "berth: %s\n", *m);
	return missing ? 1 : 0;
}

int cli_inspect_command(struct berth_cli *cli, const char *usage, const char *type,
			const char *const *unsupported, int argc, char **argv,
			struct berth_error **err)
{
	const char *format;
	bool help;
	int r = cli_format_flag_only(cli, usage, unsupported, argc, argv, &format, &help, err);
	if (r < 0 || help)
		return r;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	return cli_inspect(cli, type, argv + optind, format, err);
}
