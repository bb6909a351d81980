/* SPDX-License-Identifier: Apache-2.0 */
/* libcap, loaded on first use (see core/lazylib.h): only the commands that
 * start a container or list the capabilities need it. Linked, its
 * constructor probed the kernel's last capability (a prctl per bit) at every
 * start of berth. The runtime loads it before it creates the container's
 * process, which sets its capabilities after pivot_root. */
#include <sys/capability.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(cap_value_t, cap_max_bits, (void), ())                                                   \
	F(int, cap_free, (void *obj), (obj))                                                       \
	F(cap_t, cap_init, (void), ())                                                             \
	F(int, cap_set_flag,                                                                       \
	  (cap_t caps, cap_flag_t flag, int n, const cap_value_t *values, cap_flag_value_t set),   \
	  (caps, flag, n, values, set))                                                            \
	F(int, cap_set_proc, (cap_t caps), (caps))                                                 \
	F(int, cap_from_name, (const char *name, cap_value_t *value), (name, value))               \
	F(char *, cap_to_name, (cap_value_t value), (value))

#define LAZYLIB_LIB BERTH_LIB_CAP
LAZYLIB_MODULE(berth_lazy_cap, "cap", "libcap.so.2", SYMS)
