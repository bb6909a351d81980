/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * scan/: packages in an image and the advisories that name them. The
 * version orderings (version.c) are the ecosystems' own, because an
 * advisory's range ("introduced 0, fixed 7.88.1-10+deb12u5") means nothing
 * without the ordering of the package manager that installed the package.
 */

#include <stdbool.h>

#include "core/error.h"

enum berth_version_scheme {
	BERTH_VERSION_DPKG,   /* Debian, Ubuntu: [epoch:]upstream[-revision], '~' before all */
	BERTH_VERSION_APK,    /* Alpine: 1.2.3a_rc1_p2-r4 */
	BERTH_VERSION_SEMVER, /* semver.org 2.0.0, an optional leading 'v' (Go, npm) */
	BERTH_VERSION_PEP440, /* Python: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local] */
};

/* The scheme's name as OSV spells the ecosystem's ordering ("dpkg", "apk", "semver", "pep440"). */
const char *berth_version_scheme_name(enum berth_version_scheme s);

/* Whether v is a version of the scheme. */
bool berth_version_valid(enum berth_version_scheme s, const char *v);

/*
 * Orders a against b by the scheme: *ret < 0, 0 or > 0. -EINVAL with *err
 * naming the version when either is not one of the scheme.
 */
int berth_version_compare(enum berth_version_scheme s, const char *a, const char *b, int *ret,
			  struct berth_error **err);
