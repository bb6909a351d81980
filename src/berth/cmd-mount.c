/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image mount / image umount: an image's root filesystem as a read-only
 * overlay of its unpacked layers (podman's `image mount`).
 */
#include "berth/cli.h"

#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "image/image.h"
#include "store/store.h"

static const char mount_usage[] =
	"Usage:  berth image mount IMAGE [IMAGE...]\n"
	"\n"
	"Mount an image's root filesystem read-only and print its path, one line per image.\n"
	"Layers are unpacked once into the store's layer cache; mounting a mounted image\n"
	"prints the same path again.\n";

static const char umount_usage[] = "Usage:  berth image umount IMAGE [IMAGE...]\n"
				   "\n"
				   "Unmount images mounted by 'berth image mount'.\n";

/* The index of the first IMAGE operand; 0 after --help; -errno. */
static int operands(struct berth_cli *cli, const char *usage, int argc, char **argv,
		    struct berth_error **err)
{
	bool help;
	int r = cli_no_flags(cli, usage, NULL, argc, argv, &help, err);
	if (r < 0 || help)
		return r;
	if (optind >= argc)
		return cli_usage_error(cli, err, "requires at least 1 argument");
	return optind;
}

int cmd_image_mount(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	int first = operands(cli, mount_usage, argc, argv, err);
	if (first <= 0)
		return first;
	struct berth_store *s = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	for (int i = first; i < argc; i++) {
		_cleanup_free_ char *path = NULL;
		r = berth_image_mount(s, argv[i], &path, err);
		if (r < 0)
			return r;
		printf("%s\n", path);
	}
	return 0;
}

int cmd_image_umount(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	int first = operands(cli, umount_usage, argc, argv, err);
	if (first <= 0)
		return first;
	struct berth_store *s = NULL;
	int r = cli_store_open(cli, &s, err);
	if (r < 0)
		return r;
	for (int i = first; i < argc; i++) {
		r = berth_image_umount(s, argv[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
