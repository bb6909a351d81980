/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

int cmd_build(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 6, err);
}

int cmd_builder_prune(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 6, err);
}
