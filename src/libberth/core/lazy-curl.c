/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl, loaded on first use (see core/lazylib.h). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include "core/lazylib-shim.h"

#define SYMS(F, V, H)                                                                              \
	F(CURLcode, curl_global_init, (long f), (f))                                               \
	F(CURL *, curl_easy_init, (void), ())                                                      \
	F(CURLSH *, curl_share_init, (void), ())                                                   \
	F(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s))  \
	V(curl_slist_free_all, (struct curl_slist * l), (l))                                       \
	V(curl_easy_cleanup, (CURL * h), (h))                                                      \
	F(CURLcode, curl_easy_perform, (CURL * h), (h))                                            \
	F(char *, curl_easy_escape, (CURL * h, const char *s, int n), (h, s, n))                   \
	V(curl_free, (void *p), (p))                                                               \
	F(const char *, curl_easy_strerror, (CURLcode c), (c))                                     \
	H(curl_easy_setopt)                                                                        \
	H(curl_easy_getinfo)                                                                       \
	H(curl_share_setopt)

#define LAZYLIB_LIB BERTH_LIB_CURL
LAZYLIB_MODULE(berth_lazy_curl, "curl", "libcurl.so.4", SYMS)

/*
 * The variadic ones: the argument's type follows from the option number, as
 * libcurl itself reads it (curl.h: CURLOPTTYPE_*), and is passed on as that
 * type.
 */
typedef void (*anyfn)(void);

CURLcode(curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		r = LAZYLIB_FN(CURLcode(*)(CURL *, CURLoption, long), curl_easy_setopt)(h, opt, v);
	} else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
		void *v = va_arg(ap, void *);
		r = LAZYLIB_FN(CURLcode(*)(CURL *, CURLoption, void *), curl_easy_setopt)(h, opt,
											  v);
	} else if (opt < CURLOPTTYPE_OFF_T) {
		anyfn v = va_arg(ap, anyfn);
		r = LAZYLIB_FN(CURLcode(*)(CURL *, CURLoption, anyfn), curl_easy_setopt)(h, opt, v);
	} else if (opt < CURLOPTTYPE_BLOB) {
		curl_off_t v = va_arg(ap, curl_off_t);
		r = LAZYLIB_FN(CURLcode(*)(CURL *, CURLoption, curl_off_t),
			       curl_easy_setopt)(h, opt, v);
	} else {
		void *v = va_arg(ap, void *);
		r = LAZYLIB_FN(CURLcode(*)(CURL *, CURLoption, void *), curl_easy_setopt)(h, opt,
											  v);
	}
	va_end(ap);
	return r;
}

/* Every CURLINFO takes a pointer to the result. */
CURLcode(curl_easy_getinfo)(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	va_start(ap, info);
	void *p = va_arg(ap, void *);
	va_end(ap);
	return LAZYLIB_FN(CURLcode(*)(CURL *, CURLINFO, void *), curl_easy_getinfo)(h, info, p);
}

CURLSHcode curl_share_setopt(CURLSH *s, CURLSHoption opt, ...)
{
	va_list ap;
	CURLSHcode r;
	va_start(ap, opt);
	if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE) {
		int v = va_arg(ap, int);
		r = LAZYLIB_FN(CURLSHcode(*)(CURLSH *, CURLSHoption, int),
			       curl_share_setopt)(s, opt, v);
	} else if (opt == CURLSHOPT_LOCKFUNC || opt == CURLSHOPT_UNLOCKFUNC) {
		anyfn v = va_arg(ap, anyfn);
		r = LAZYLIB_FN(CURLSHcode(*)(CURLSH *, CURLSHoption, anyfn),
			       curl_share_setopt)(s, opt, v);
	} else {
		void *v = va_arg(ap, void *);
		r = LAZYLIB_FN(CURLSHcode(*)(CURLSH *, CURLSHoption, void *),
			       curl_share_setopt)(s, opt, v);
	}
	va_end(ap);
	return r;
}
