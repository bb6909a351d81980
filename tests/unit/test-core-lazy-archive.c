/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>

#include "core/lazylib.h"

struct mem {
	char buf[16384];
	size_t len;
};

static la_ssize_t mem_write(struct archive *a, void *data, const void *b, size_t n)
{
	struct mem *m = data;
	if (n > sizeof(m->buf) - m->len) {
		archive_set_error(a, ENOSPC, "full after %zu bytes", m->len);
		return -1;
	}
	memcpy(m->buf + m->len, b, n);
	m->len += n;
	return (la_ssize_t)n;
}

static la_ssize_t mem_read(struct archive *a, void *data, const void **b)
{
	struct mem *m = data;
	*b = m->buf;
	size_t n = m->len;
	m->len = 0;
	return (la_ssize_t)n;
}

/* A tar written and read back through the shims, the library loaded by the
 * first call; archive_set_error's format reaches the library. */
static void test_roundtrip(void **state)
{
	static struct mem m;
	assert_false(berth_lib_is_loaded(BERTH_LIB_ARCHIVE));
	struct archive *w = archive_write_new();
	assert_true(berth_lib_is_loaded(BERTH_LIB_ARCHIVE));
	assert_int_equal(archive_write_set_format_pax_restricted(w), ARCHIVE_OK);
	assert_int_equal(archive_write_open2(w, &m, NULL, mem_write, NULL, NULL), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "etc/motd");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0640);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_mtime(e, 1234567890, 5);
	archive_entry_set_size(e, 5);
	assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(w, "hello", 5), 5);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(w), ARCHIVE_OK);
	archive_write_free(w);

	struct archive *r = archive_read_new();
	archive_read_support_format_tar(r);
	assert_int_equal(archive_read_open(r, &m, NULL, mem_read, NULL), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(r, &e), ARCHIVE_OK);
	assert_string_equal(archive_entry_pathname(e), "etc/motd");
	assert_int_equal(archive_entry_perm(e), 0640);
	assert_int_equal(archive_entry_filetype(e), AE_IFREG);
	assert_int_equal(archive_entry_uid(e), 1000);
	assert_int_equal(archive_entry_mtime(e), 1234567890);
	assert_int_equal(archive_entry_size(e), 5);
	char data[8] = {0};
	assert_int_equal(archive_read_data(r, data, sizeof(data)), 5);
	assert_string_equal(data, "hello");
	archive_set_error(r, EBADMSG, "entry %d of '%s'", 1, "x.tar");
	assert_string_equal(archive_error_string(r), "entry 1 of 'x.tar'");
	assert_int_equal(archive_errno(r), EBADMSG);
	archive_read_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
