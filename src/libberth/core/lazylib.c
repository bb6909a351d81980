/* SPDX-License-Identifier: Apache-2.0 */
#include "core/lazylib.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"

static const struct berth_lazylib_desc *const descs[_BERTH_LIB_MAX] = {
	[BERTH_LIB_ARCHIVE] = &berth_lazy_archive,
	[BERTH_LIB_CURL] = &berth_lazy_curl,
	[BERTH_LIB_CRYPTO] = &berth_lazy_crypto,
	[BERTH_LIB_ZSTD] = &berth_lazy_zstd,
	[BERTH_LIB_Z] = &berth_lazy_z,
	[BERTH_LIB_NFTABLES] = &berth_lazy_nftables,
	[BERTH_LIB_YAML] = &berth_lazy_yaml,
	[BERTH_LIB_MNL] = &berth_lazy_mnl,
	[BERTH_LIB_MICROHTTPD] = &berth_lazy_microhttpd,
	[BERTH_LIB_SECCOMP] = &berth_lazy_seccomp,
	[BERTH_LIB_CAP] = &berth_lazy_cap,
	[BERTH_LIB_DEFLATE] = &berth_lazy_deflate,
};

/* 0 not tried yet, 1 loaded, -1 failed (message in failure[]). Written once
 * under lock, with release order so that a reader that sees 1 sees the table. */
static atomic_int state[_BERTH_LIB_MAX];
static char *failure[_BERTH_LIB_MAX];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static berth_lib_unavailable_fn unavailable;

void berth_lib_set_unavailable_handler(berth_lib_unavailable_fn fn)
{
	unavailable = fn;
}

const char *berth_lib_soname(enum berth_lib lib)
{
	return descs[lib]->soname;
}

const char *berth_lib_name(enum berth_lib lib)
{
	return descs[lib]->name;
}

int berth_lazylib_open(const char *soname, const char *const *names, size_t n, void **ret_table,
		       struct berth_error **err)
{
	/* RTLD_LOCAL: the library's symbols do not join the global scope, so
	 * they cannot interpose on anything loaded later; RTLD_LAZY: only the
	 * functions berth calls get bound. */
	void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		if (!why)
			why = "cannot be loaded";
		if (strstr(why, soname))
			return berth_error_set(err, ELIBACC, "%s", why);
		return berth_error_set(err, ELIBACC, "%s: %s", soname, why);
	}
	_cleanup_free_ void **t = berth_xcalloc(n, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		t[i] = dlsym(h, names[i]);
		if (!t[i]) {
			dlclose(h);
			return berth_error_set(err, ELIBACC, "%s: symbol '%s' missing", soname,
					       names[i]);
		}
	}
	memcpy(ret_table, t, n * sizeof(*t));
	return 0;
}

int berth_lib_load(enum berth_lib lib, struct berth_error **err)
{
	int s = atomic_load_explicit(&state[lib], memory_order_acquire);
	if (s == 0) {
		pthread_mutex_lock(&lock);
		s = atomic_load_explicit(&state[lib], memory_order_relaxed);
		if (s == 0) {
			const struct berth_lazylib_desc *d = descs[lib];
			struct berth_error *e = NULL;
			s = 1;
			if (berth_lazylib_open(d->soname, d->names, d->n, d->table, &e) < 0) {
				failure[lib] =
					berth_xasprintf("%s: %s", d->name, berth_error_msg(e));
				berth_error_free(&e);
				s = -1;
			}
			atomic_store_explicit(&state[lib], s, memory_order_release);
		}
		pthread_mutex_unlock(&lock);
	}
	if (s < 0)
		return berth_error_set(err, ELIBACC, "%s", failure[lib]);
	return 0;
}

bool berth_lib_is_loaded(enum berth_lib lib)
{
	return atomic_load_explicit(&state[lib], memory_order_acquire) == 1;
}

void *berth_lib_sym(enum berth_lib lib, size_t i)
{
	if (__builtin_expect(atomic_load_explicit(&state[lib], memory_order_acquire) != 1, 0)) {
		struct berth_error *e = NULL;
		if (berth_lib_load(lib, &e) < 0) {
			/* The caller cannot get an error back from a library
			 * function: the program decides (berth reports and
			 * exits); nothing can go on without the library. */
			if (unavailable)
				unavailable(e);
			abort();
		}
	}
	return descs[lib]->table[i];
}
