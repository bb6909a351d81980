/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which files of an image the catalog reads, and the parser of each: a
 * file is chosen by its path alone, so the catalog reads nothing else.
 */
#include <errno.h>
#include <string.h>

#include "scan/scan-internal.h"

#define DB_MAX	(64u << 20) /* a package database: dpkg's status of a large image is a few MB */
#define OS_MAX	(64u << 10)
#define PY_MAX	(4u << 20) /* a METADATA carries the long description */
#define NPM_MAX (1u << 20)

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The directory component that ends right before path's last '/' (path[dir..slash)). */
static bool parent_ends_with(const char *path, const char *base, const char *suffix)
{
	size_t n = (size_t)(base - path);
	if (n < 2)
		return false;
	const char *dir = path + n - 1; /* the '/' */
	size_t k = strlen(suffix);
	if ((size_t)(dir - path) < k)
		return false;
	return strncmp(dir - k, suffix, k) == 0;
}

/* node_modules/NAME/package.json or node_modules/@scope/NAME/package.json. */
static bool npm_installed(const char *path, const char *base)
{
	const char *nm = NULL;
	for (const char *p = path; (p = strstr(p, "node_modules/")); p++)
		if (p == path || p[-1] == '/')
			nm = p + strlen("node_modules/");
	if (!nm || nm >= base)
		return false;
	const char *slash = strchr(nm, '/');
	if (nm[0] == '@' && slash && slash + 1 < base)
		slash = strchr(slash + 1, '/');
	return slash && slash + 1 == base;
}

static enum scan_file_kind lang_kind_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if ((strcmp(base, "METADATA") == 0 && parent_ends_with(path, base, ".dist-info")) ||
	    (strcmp(base, "PKG-INFO") == 0 && parent_ends_with(path, base, ".egg-info")))
		return SCAN_FILE_PYTHON;
	if (strcmp(base, "package.json") == 0 && npm_installed(path, base))
		return SCAN_FILE_NPM_PACKAGE;
	if (strcmp(base, "package-lock.json") == 0 && !strstr(path, "node_modules/"))
		return SCAN_FILE_NPM_LOCK;
	return SCAN_FILE_NONE;
}

enum scan_file_kind scan_file_kind_of(const char *path, mode_t mode)
{
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
	enum scan_file_kind k = lang_kind_of(path);
	/* a binary's build info: only the ELF headers and the writable segments' start are read */
	if (k == SCAN_FILE_NONE && (mode & 0111))
		return SCAN_FILE_GO_BINARY;
	return k;
}

size_t scan_file_max(enum scan_file_kind kind)
{
	switch (kind) {
	case SCAN_FILE_OS_RELEASE:
		return OS_MAX;
	case SCAN_FILE_PYTHON:
		return PY_MAX;
	case SCAN_FILE_NPM_PACKAGE:
		return NPM_MAX;
	default:
		return DB_MAX;
	}
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
	case SCAN_FILE_PYTHON:
		return berth_scan_parse_python_metadata(what, data, len, ret, ret_n, err);
	case SCAN_FILE_NPM_PACKAGE:
		return berth_scan_parse_npm_package(what, data, len, ret, ret_n, err);
	case SCAN_FILE_NPM_LOCK:
		return berth_scan_parse_npm_lock(what, data, len, ret, ret_n, err);
	case SCAN_FILE_GO_BINARY: /* read as a stream by the catalog: berth_scan_read_go_binary */
	case SCAN_FILE_NONE:
		break;
	}
	return 0;
}
