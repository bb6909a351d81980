/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Advisory feeds are zips users download and hand to --db-import: any bytes
 * must be read and checked, or refused with a message naming the feed,
 * without crashing, whatever the zip's members, names, sizes or records.
 * Input: a zip, up to 1 MiB.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "scan/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	struct berth_error *err = NULL;
	int r = berth_scan_db_check_zip(data, size, "feed.zip", &err);
	if (r < 0 && (!err || !strstr(berth_error_msg(err), "feed.zip")))
		__builtin_trap();
	if (r >= 0 && err)
		__builtin_trap();
	berth_error_free(&err);
	return 0;
}
