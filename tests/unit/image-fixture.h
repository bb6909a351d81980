/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared by the image unit tests: store-fixture.h's temp store and a small tar built in memory. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "image/image.h"
#include "store-fixture.h"

/* A memfd holding a tar with the files name=content pairs. */
static inline int make_tar(const char *const *files, size_t n)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t i = 0; i + 1 < n; i += 2) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, files[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(files[i + 1]));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, files[i + 1], strlen(files[i + 1]));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Imports a tar of one file as name; returns the image ID. */
static inline void import_one(struct fixture *f, const char *name, const char *content,
			      struct berth_digest *ret_id)
{
	struct berth_error *err = NULL;
	const char *files[] = {"etc/hello", content};
	int fd = make_tar(files, 2);
	assert_ok(berth_image_import(
			  f->s, fd,
			  &(struct berth_image_import_options){
				  .source = "-", .name = name, .changes = NULL, .message = NULL},
			  ret_id, &err),
		  err);
	close(fd);
}
