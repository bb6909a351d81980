/* SPDX-License-Identifier: Apache-2.0 */
/* libseccomp, loaded on first use (see core/lazylib.h): only the commands
 * that start a container (or check a profile) need it, not `ps` or
 * `images`. The runtime loads it before it creates the container's process:
 * the filter is loaded after pivot_root, where the host's libraries are out
 * of reach. */
#include <seccomp.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(scmp_filter_ctx, seccomp_init, (uint32_t def_action), (def_action))                      \
	V(seccomp_release, (scmp_filter_ctx ctx), (ctx))                                           \
	F(uint32_t, seccomp_arch_resolve_name, (const char *arch_name), (arch_name))               \
	F(int, seccomp_arch_add, (scmp_filter_ctx ctx, uint32_t arch_token), (ctx, arch_token))    \
	F(int, seccomp_load, (const scmp_filter_ctx ctx), (ctx))                                   \
	F(int, seccomp_attr_set,                                                                   \
	  (scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value), (ctx, attr, value))   \
	F(int, seccomp_syscall_resolve_name, (const char *name), (name))                           \
	F(int, seccomp_rule_add_array,                                                             \
	  (scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,                \
	   const struct scmp_arg_cmp *arg_array),                                                  \
	  (ctx, action, syscall, arg_cnt, arg_array))

#define LAZYLIB_LIB BERTH_LIB_SECCOMP
LAZYLIB_MODULE(berth_lazy_seccomp, "seccomp", "libseccomp.so.2", SYMS)
