/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared by the files of src/libberth/scan; not part of the public API. */

#include <sys/types.h>

#include "scan/scan.h"

/* The files of an image a cataloger reads (files.c). */
enum scan_file_kind {
	SCAN_FILE_NONE,
	SCAN_FILE_OS_RELEASE,	 /* etc/os-release, usr/lib/os-release */
	SCAN_FILE_DPKG_STATUS,	 /* var/lib/dpkg/status */
	SCAN_FILE_DPKG_STATUS_D, /* var/lib/dpkg/status.d/NAME (distroless) */
	SCAN_FILE_APK,		 /* lib/apk/db/installed */
	SCAN_FILE_PYTHON,	 /* *.dist-info/METADATA, *.egg-info/PKG-INFO */
	SCAN_FILE_NPM_PACKAGE,	 /* node_modules/[@scope/]NAME/package.json */
	SCAN_FILE_NPM_LOCK,	 /* package-lock.json outside node_modules */
	SCAN_FILE_GO_BINARY,	 /* any other file with an executable bit: maybe Go's ELF */
};

/* The kind of the regular file at path (clean, relative) with permission bits mode. */
enum scan_file_kind scan_file_kind_of(const char *path, mode_t mode);
/* The most bytes read of a file of the kind. */
size_t scan_file_max(enum scan_file_kind kind);
/* Parses a file of the kind: packages, or the os-release (ret_os). what names it. */
int scan_file_parse(enum scan_file_kind kind, const char *what, const char *data, size_t len,
		    struct berth_package **ret, size_t *ret_n, struct berth_os_release *ret_os,
		    struct berth_error **err);
