/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go build info comes from any executable of an image: the bytes are read
 * both as a .go.buildinfo blob and as a whole ELF file. Either parses into
 * packages with a name, a version and a package URL, lists nothing, or is
 * refused with a message; nothing is read out of bounds. Input: up to 1 MiB.
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
		if ((r != -EBADMSG && r != -EOPNOTSUPP) || !berth_error_msg(*err)[0] || p)
			__builtin_trap();
		berth_error_free(err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i].type != BERTH_PACKAGE_GO || !p[i].name || !*p[i].name || !p[i].version ||
		    !*p[i].version)
			__builtin_trap();
		_cleanup_free_ char *purl = berth_package_purl(&p[i], NULL);
		if (strncmp(purl, "pkg:golang/", 11) != 0 || strpbrk(purl, " \n\t"))
			__builtin_trap();
	}
	berth_packages_free(p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	struct berth_error *err = NULL;
	struct berth_package *p = NULL;
	size_t n = 0;
	int r = berth_scan_parse_go_buildinfo("f", data, size, &p, &n, &err);
	check(r, &err, p, n);
	p = NULL, n = 0;
	r = berth_scan_go_binary_mem("f", data, size, &p, &n, &err);
	check(r, &err, p, n);
	return 0;
}
