/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

int cmd_images(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_tag(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_rmi(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_inspect(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_history(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_save(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_load(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_import(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_image_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}
