/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Shared libraries that only some commands need, loaded on first use.
 *
 * berth is one binary, but `run` needs neither libarchive (tar), libcurl
 * (registries), libcrypto (large digests), libzstd/zlib (compression),
 * libyaml (compose, kube) nor, with `--network none`, libnftables and libmnl
 * (NAT, links); `ps`, `images` and the like need neither libseccomp nor
 * libcap either (libcap's constructor alone made a prctl per capability bit
 * at every start).
 * Linked at link time they and their own dependencies (about 40 objects:
 * gnutls, krb5, ldap, xml2, icu, libstdc++, ...) are mapped, relocated and
 * initialised on every start, which cost `run` more time and memory than
 * everything else it does. So berth does not link them: core/lazy-<lib>.c
 * defines each function berth calls from <lib> with the library's own
 * prototype (checked against its header), and that definition dlopen()s the
 * library once and calls through a table of resolved symbols. The rest of the
 * code calls the usual API.
 *
 * If a library cannot be loaded when one of its functions is first called,
 * that function has no way to return the error: the handler the program set
 * with berth_lib_set_unavailable_handler() gets it (berth's main prints
 * one line, "berth: nftables: libnftables.so.1: cannot open shared object
 * file: No such file or directory", and exits 127, as the dynamic
 * loader does at start for a missing library: the package depends on these
 * libraries); without one, or if it returns, the process aborts. The library
 * itself never prints nor exits. Code that can report the failure as an error
 * calls berth_lib_load() first.
 *
 * Using one more function of these libraries: add it to the SYMS list of its
 * lazy-<lib>.c (the link fails with "undefined reference" until then). A
 * test that calls more of a library than berth does links the library
 * (`lazy_link_deps` in tests/unit/meson.build).
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

enum berth_lib {
	BERTH_LIB_ARCHIVE,    /* libarchive.so.13 */
	BERTH_LIB_CURL,	      /* libcurl.so.4 */
	BERTH_LIB_CRYPTO,     /* libcrypto.so.3 */
	BERTH_LIB_ZSTD,	      /* libzstd.so.1 */
	BERTH_LIB_Z,	      /* libz.so.1 */
	BERTH_LIB_NFTABLES,   /* libnftables.so.1 */
	BERTH_LIB_YAML,	      /* libyaml-0.so.2 */
	BERTH_LIB_MNL,	      /* libmnl.so.0 */
	BERTH_LIB_MICROHTTPD, /* libmicrohttpd.so.12 */
	BERTH_LIB_SECCOMP,    /* libseccomp.so.2 */
	BERTH_LIB_CAP,	      /* libcap.so.2 */
	BERTH_LIB_DEFLATE,    /* libdeflate.so.0 */
	_BERTH_LIB_MAX,
};

/* The soname berth loads for lib (static storage). */
const char *berth_lib_soname(enum berth_lib lib);

/* The short name errors give lib ("nftables", "seccomp"; static storage). */
const char *berth_lib_name(enum berth_lib lib);

/* Loads lib and resolves every symbol berth uses from it, once per process
 * (thread-safe; later calls return the first result). 0 on success; -ELIBACC
 * with "<name>: <what berth_lazylib_open says>" when the library or one of
 * the symbols is missing. */
int berth_lib_load(enum berth_lib lib, struct berth_error **err);

/* True when lib has been loaded successfully in this process. */
bool berth_lib_is_loaded(enum berth_lib lib);

/* The generic part, for the lazy-<lib>.c modules and their tests: dlopen()s
 * soname (RTLD_LAZY|RTLD_LOCAL) and resolves the n symbols names[] into
 * ret_table[]. 0 on success (the handle stays open for the life of the
 * process); -ELIBACC otherwise, ret_table then untouched, with the loader's
 * own words ("<soname>: cannot open shared object file: No such file or
 * directory"; the soname put first when they do not name it) or
 * "<soname>: symbol '<name>' missing". */
int berth_lazylib_open(const char *soname, const char *const *names, size_t n, void **ret_table,
		       struct berth_error **err);

/* What a lazy-<lib>.c module declares: the symbols it resolves, in the order
 * of its table. */
struct berth_lazylib_desc {
	const char *name; /* for errors: "nftables" */
	const char *soname;
	const char *const *names;
	size_t n;
	void **table;
};
extern const struct berth_lazylib_desc berth_lazy_archive, berth_lazy_curl, berth_lazy_crypto,
	berth_lazy_zstd, berth_lazy_z, berth_lazy_nftables, berth_lazy_yaml, berth_lazy_mnl,
	berth_lazy_microhttpd, berth_lazy_seccomp, berth_lazy_cap, berth_lazy_deflate;

/* Used by the shims: the resolved symbol i of lib, loading lib first; hands
 * the error to the unavailable handler when lib cannot be loaded (see above). */
void *berth_lib_sym(enum berth_lib lib, size_t i);

/* Gets the error of a library that cannot be loaded at the first call of one
 * of its functions; must not return (the program's policy: report and exit).
 * Set once, before any thread starts; NULL: abort. */
typedef void (*berth_lib_unavailable_fn)(const struct berth_error *e);
void berth_lib_set_unavailable_handler(berth_lib_unavailable_fn fn);
