/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The shape of a core/lazy-<lib>.c module (see core/lazylib.h). The module
 * lists its symbols once, as
 *   #define SYMS(F, V, H) F(ret, name, (params), (args)) V(name, (params), (args)) H(name)
 * F for a function returning a value, V for a void one, H for one the module
 * writes by hand (variadic ones), then says
 *   #define LAZYLIB_LIB BERTH_LIB_X
 *   LAZYLIB_MODULE(berth_lazy_x, "x", "libx.so.1", SYMS)
 * which makes the symbol table, the descriptor and a definition of every F
 * and V function that calls the library's own through the table. The
 * definitions are compiled against the library's header, so a prototype that
 * differs from the library's fails to build. They keep default visibility:
 * berth links no library that uses them, so it exports none of them and a
 * loaded library binds to its own functions. A unit test that links the real
 * library as well (lazy_link_deps) exports them to it; they then forward to
 * that same object through dlsym. (Hidden ones fail to link there: "hidden
 * symbol referenced by DSO" under the sanitizer build's link flags.)
 */

#include "core/lazylib.h"

#define LAZYLIB_ENUM_F(ret, name, params, args) LAZY_##name,
#define LAZYLIB_ENUM_V(name, params, args)	LAZY_##name,
#define LAZYLIB_ENUM_H(name)			LAZY_##name,
#define LAZYLIB_NAME_F(ret, name, params, args) #name,
#define LAZYLIB_NAME_V(name, params, args)	#name,
#define LAZYLIB_NAME_H(name)			#name,
#define LAZYLIB_DEF_F(ret, name, params, args)                                                     \
	ret name params                                                                            \
	{                                                                                          \
		return ((ret(*) params)berth_lib_sym(LAZYLIB_LIB, LAZY_##name))args;               \
	}
#define LAZYLIB_DEF_V(name, params, args)                                                          \
	void name params                                                                           \
	{                                                                                          \
		((void(*) params)berth_lib_sym(LAZYLIB_LIB, LAZY_##name)) args;                    \
	}
#define LAZYLIB_NONE_H(name)
#define LAZYLIB_NONE_F(ret, name, params, args)
#define LAZYLIB_NONE_V(name, params, args)

/* The function pointer of symbol name, for the hand-written shims. */
#define LAZYLIB_FN(type, name) ((type)berth_lib_sym(LAZYLIB_LIB, LAZY_##name))

#define LAZYLIB_MODULE(desc_, name_, soname_, SYMS)                                                \
	enum {                                                                                     \
		SYMS(LAZYLIB_ENUM_F, LAZYLIB_ENUM_V, LAZYLIB_ENUM_H) LAZY_N_                       \
	};                                                                                         \
	static const char *const lazy_names_[] = {                                                 \
		SYMS(LAZYLIB_NAME_F, LAZYLIB_NAME_V, LAZYLIB_NAME_H)};                             \
	static void *lazy_table_[LAZY_N_];                                                         \
	const struct berth_lazylib_desc desc_ = {name_, soname_, lazy_names_, LAZY_N_,             \
						 lazy_table_};                                     \
	SYMS(LAZYLIB_DEF_F, LAZYLIB_NONE_V, LAZYLIB_NONE_H)                                        \
	SYMS(LAZYLIB_NONE_F, LAZYLIB_DEF_V, LAZYLIB_NONE_H)
