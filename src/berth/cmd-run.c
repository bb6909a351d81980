/* SPDX-License-Identifier: Apache-2.0 */
#include "berth/cli.h"

int cmd_run(struct berth_cli *cli, int argc, char **argv, struct berth_error **err)
{
	return cli_not_implemented(cli, 5, err);
}
