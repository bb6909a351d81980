/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

int cmd_pull(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 7, err);
}

int cmd_push(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 7, err);
}

int cmd_login(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 7, err);
}

int cmd_logout(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 7, err);
}
