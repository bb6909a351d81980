/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

int cmd_image_mount(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 3, err);
}

int cmd_image_umount(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 3, err);
}
