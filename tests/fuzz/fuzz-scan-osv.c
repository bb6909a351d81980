/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OSV records come from feeds berth downloads and users hand it: any bytes
 * must parse or be refused with a message, and a parsed record must match
 * or refuse any version without crashing. Input: one record, up to 64 KiB.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/json.h"
#include "scan/scan.h"

static void match_all(const struct berth_osv *o, const char *version)
{
	size_t i;
	const json_t *a;
	json_array_foreach (json_object_get(o->json, "affected"), i, a) {
		const json_t *pkg = json_object_get(a, "package");
		bool affected = false;
		const char *fixed = NULL;
		struct berth_error *err = NULL;
		int r = berth_osv_match(o, json_string_value(json_object_get(pkg, "ecosystem")),
					json_string_value(json_object_get(pkg, "name")), version,
					&affected, &fixed, &err);
		if (r < 0 && (r != -EINVAL || !berth_error_msg(err)[0]))
			__builtin_trap();
		if (r >= 0 && (err || (fixed && !affected)))
			__builtin_trap();
		berth_error_free(&err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct berth_osv o;
	struct berth_error *err = NULL;
	int r = berth_osv_parse("f", (const char *)data, size, &o, &err);
	if (r < 0) {
		if (r != -EINVAL || !berth_error_msg(err)[0] || o.json)
			__builtin_trap();
		berth_error_free(&err);
		return 0;
	}
	static const char *const versions[] = {"0",	  "1.0",	"v1.2.3",
					       "1:2.3-4", "1.0_rc1-r2", "1.0.post1"};
	for (size_t i = 0; i < sizeof(versions) / sizeof(*versions); i++)
		match_all(&o, versions[i]);
	if (!o.id[0] || !o.severity[0])
		__builtin_trap();
	berth_osv_release(&o);
	return 0;
}
