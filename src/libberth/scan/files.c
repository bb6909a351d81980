/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which files of an image the catalog reads, and the parser of each: a
 * file is chosen by its path alone, so the catalog reads nothing else.
 */
#include <errno.h>
#include <string.h>

#include "scan/scan-internal.h"

#define DB_MAX (64u << 20) /* a package database: dpkg's status of a large image is a few MB */
#define OS_MAX (64u << 10)

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

enum scan_file_kind scan_file_kind_of(const char *path, mode_t mode)
{
	(void)mode;
	if (strcmp(path, "etc/os-release") == 0 || strcmp(path, "usr/lib/os-release") == 0)
		return SCAN_FILE_OS_RELEASE;
	if (strcmp(path, "var/lib/dpkg/status") == 0)
		return SCAN_FILE_DPKG_STATUS;
	/* status.d/ holds one control file per package, and their .md5sums */
	if (has_prefix(path, "var/lib/dpkg/status.d/") &&
	    !strchr(path + strlen("var/lib/dpkg/status.d/"), '/') && !has_suffix(path, ".md5sums"))
		return SCAN_FILE_DPKG_STATUS_D;
	if (strcmp(path, "lib/apk/db/installed") == 0)
		return SCAN_FILE_APK;
	return SCAN_FILE_NONE;
}

size_t scan_file_max(enum scan_file_kind kind)
{
	return kind == SCAN_FILE_OS_RELEASE ? OS_MAX : DB_MAX;
}

int scan_file_parse(enum scan_file_kind kind, const char *what, const char *data, size_t len,
		    struct berth_package **ret, size_t *ret_n, struct berth_os_release *ret_os,
		    struct berth_error **err)
{
	*ret = NULL;
	*ret_n = 0;
	switch (kind) {
	case SCAN_FILE_OS_RELEASE: {
		int r = berth_scan_parse_os_release(data, len, ret_os);
		return r == -ENOENT ? 0 : r;
	}
	case SCAN_FILE_DPKG_STATUS:
		return berth_scan_parse_dpkg(what, data, len, true, ret, ret_n, err);
	case SCAN_FILE_DPKG_STATUS_D:
		return berth_scan_parse_dpkg(what, data, len, false, ret, ret_n, err);
	case SCAN_FILE_APK:
		return berth_scan_parse_apk(what, data, len, ret, ret_n, err);
	case SCAN_FILE_NONE:
		break;
	}
	return 0;
}
