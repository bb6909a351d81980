/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Package databases, os-release, Python metadata and npm's package.json
 * and lockfiles come from the image: any bytes must
 * parse or be refused with a message, and what parses has a name and a
 * version, and a package URL. Input: the file, up to 64 KiB.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "scan/scan.h"

static void check(int r, struct berth_error **err, struct berth_package *p, size_t n)
{
	if (r < 0) {
		if (r != -EINVAL || !berth_error_msg(*err)[0] || p)
			__builtin_trap();
		berth_error_free(err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!p[i].name || !*p[i].name || !p[i].version || !*p[i].version)
			__builtin_trap();
		_cleanup_free_ char *purl = berth_package_purl(&p[i], NULL);
		if (strncmp(purl, "pkg:", 4) != 0 || strpbrk(purl, " \n"))
			__builtin_trap();
	}
	berth_packages_free(p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	const char *text = (const char *)data;
	struct berth_error *err = NULL;
	struct berth_package *p = NULL;
	size_t n = 0;
	/* the parse first: an argument list has no order of evaluation */
	for (int status = 0; status < 2; status++) {
		p = NULL, n = 0;
		int r = berth_scan_parse_dpkg("f", text, size, status, &p, &n, &err);
		check(r, &err, p, n);
	}
	p = NULL, n = 0;
	int r = berth_scan_parse_apk("f", text, size, &p, &n, &err);
	check(r, &err, p, n);
	int (*lang[])(const char *, const char *, size_t, struct berth_package **, size_t *,
		      struct berth_error **) = {berth_scan_parse_python_metadata,
						berth_scan_parse_npm_package,
						berth_scan_parse_npm_lock};
	for (size_t i = 0; i < sizeof(lang) / sizeof(*lang); i++) {
		p = NULL, n = 0;
		r = lang[i]("f", text, size, &p, &n, &err);
		check(r, &err, p, n);
	}
	struct berth_os_release os;
	r = berth_scan_parse_os_release(text, size, &os);
	if (r < 0 && (r != -ENOENT || os.id))
		__builtin_trap();
	berth_os_release_free(&os);
	return 0;
}
