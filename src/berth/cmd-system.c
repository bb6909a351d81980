/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

int cmd_system_df(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}

int cmd_system_check(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 2, err);
}
