/* SPDX-License-Identifier: Apache-2.0 */
/* libarchive, loaded on first use (see core/lazylib.h). */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/lazylib-shim.h"

typedef struct archive A;
typedef struct archive_entry E;
typedef struct archive_entry_linkresolver L;

#define SYMS(F, V, H)                                                                              \
	F(A *, archive_read_new, (void), ())                                                       \
	F(A *, archive_write_new, (void), ())                                                      \
	F(E *, archive_entry_new, (void), ())                                                      \
	F(L *, archive_entry_linkresolver_new, (void), ())                                         \
	V(archive_entry_linkresolver_free, (L * l), (l))                                           \
	V(archive_entry_linkresolver_set_strategy, (L * l, int f), (l, f))                         \
	V(archive_entry_linkify, (L * l, E * *e, E * *f), (l, e, f))                               \
	V(archive_entry_free, (E * e), (e))                                                        \
	F(mode_t, archive_entry_filetype, (E * e), (e))                                            \
	F(la_int64_t, archive_entry_gid, (E * e), (e))                                             \
	F(const char *, archive_entry_hardlink, (E * e), (e))                                      \
	F(time_t, archive_entry_mtime, (E * e), (e))                                               \
	F(int, archive_entry_mtime_is_set, (E * e), (e))                                           \
	F(long, archive_entry_mtime_nsec, (E * e), (e))                                            \
	F(const char *, archive_entry_pathname, (E * e), (e))                                      \
	F(mode_t, archive_entry_perm, (E * e), (e))                                                \
	F(dev_t, archive_entry_rdevmajor, (E * e), (e))                                            \
	F(dev_t, archive_entry_rdevminor, (E * e), (e))                                            \
	F(la_int64_t, archive_entry_size, (E * e), (e))                                            \
	F(int, archive_entry_size_is_set, (E * e), (e))                                            \
	F(const char *, archive_entry_symlink, (E * e), (e))                                       \
	F(la_int64_t, archive_entry_uid, (E * e), (e))                                             \
	V(archive_entry_set_dev, (E * e, dev_t v), (e, v))                                         \
	V(archive_entry_set_filetype, (E * e, unsigned int v), (e, v))                             \
	V(archive_entry_set_gid, (E * e, la_int64_t v), (e, v))                                    \
	V(archive_entry_set_ino64, (E * e, la_int64_t v), (e, v))                                  \
	V(archive_entry_set_mode, (E * e, mode_t v), (e, v))                                       \
	V(archive_entry_set_mtime, (E * e, time_t s, long ns), (e, s, ns))                         \
	V(archive_entry_set_nlink, (E * e, unsigned int v), (e, v))                                \
	V(archive_entry_set_pathname, (E * e, const char *v), (e, v))                              \
	V(archive_entry_set_perm, (E * e, mode_t v), (e, v))                                       \
	V(archive_entry_set_rdevmajor, (E * e, dev_t v), (e, v))                                   \
	V(archive_entry_set_rdevminor, (E * e, dev_t v), (e, v))                                   \
	V(archive_entry_set_size, (E * e, la_int64_t v), (e, v))                                   \
	V(archive_entry_set_symlink, (E * e, const char *v), (e, v))                               \
	V(archive_entry_set_uid, (E * e, la_int64_t v), (e, v))                                    \
	V(archive_entry_xattr_add_entry, (E * e, const char *n, const void *v, size_t s),          \
	  (e, n, v, s))                                                                            \
	F(int, archive_entry_xattr_next, (E * e, const char **n, const void **v, size_t *s),       \
	  (e, n, v, s))                                                                            \
	F(int, archive_entry_xattr_reset, (E * e), (e))                                            \
	F(int, archive_errno, (A * a), (a))                                                        \
	F(const char *, archive_error_string, (A * a), (a))                                        \
	H(archive_set_error)                                                                       \
	F(la_ssize_t, archive_read_data, (A * a, void *b, size_t n), (a, b, n))                    \
	F(int, archive_read_data_block, (A * a, const void **b, size_t *n, la_int64_t *o),         \
	  (a, b, n, o))                                                                            \
	F(int, archive_read_data_skip, (A * a), (a))                                               \
	F(int, archive_read_free, (A * a), (a))                                                    \
	F(int, archive_read_next_header, (A * a, E * *e), (a, e))                                  \
	F(int, archive_read_open,                                                                  \
	  (A * a, void *d, archive_open_callback *o, archive_read_callback *r,                     \
	   archive_close_callback *c),                                                             \
	  (a, d, o, r, c))                                                                         \
	F(int, archive_read_open_fd, (A * a, int fd, size_t bs), (a, fd, bs))                      \
	F(int, archive_read_open_memory, (A * a, const void *b, size_t n), (a, b, n))              \
	F(int, archive_read_support_filter_all, (A * a), (a))                                      \
	F(int, archive_read_support_filter_bzip2, (A * a), (a))                                    \
	F(int, archive_read_support_filter_gzip, (A * a), (a))                                     \
	F(int, archive_read_support_filter_xz, (A * a), (a))                                       \
	F(int, archive_read_support_filter_zstd, (A * a), (a))                                     \
	F(int, archive_read_support_format_empty, (A * a), (a))                                    \
	F(int, archive_read_support_format_gnutar, (A * a), (a))                                   \
	F(int, archive_read_support_format_tar, (A * a), (a))                                      \
	F(int, archive_read_support_format_zip_seekable, (A * a), (a))                             \
	F(int, archive_write_close, (A * a), (a))                                                  \
	F(la_ssize_t, archive_write_data, (A * a, const void *b, size_t n), (a, b, n))             \
	F(int, archive_write_finish_entry, (A * a), (a))                                           \
	F(int, archive_write_free, (A * a), (a))                                                   \
	F(int, archive_write_header, (A * a, E * e), (a, e))                                       \
	F(int, archive_write_open2,                                                                \
	  (A * a, void *d, archive_open_callback *o, archive_write_callback *w,                    \
	   archive_close_callback *c, archive_free_callback *f),                                   \
	  (a, d, o, w, c, f))                                                                      \
	F(int, archive_write_open_fd, (A * a, int fd), (a, fd))                                    \
	F(int, archive_write_set_bytes_in_last_block, (A * a, int n), (a, n))                      \
	F(int, archive_write_set_format_pax_restricted, (A * a), (a))                              \
	F(int, archive_write_set_options, (A * a, const char *o), (a, o))

#define LAZYLIB_LIB BERTH_LIB_ARCHIVE
LAZYLIB_MODULE(berth_lazy_archive, "archive", "libarchive.so.13", SYMS)

/* libarchive has no va_list variant: format here, hand over the text. */
void archive_set_error(A *a, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	LAZYLIB_FN(void (*)(A *, int, const char *, ...), archive_set_error)(a, code, "%s", msg);
}
