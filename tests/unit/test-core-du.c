/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/du.h"

static void write_file(int dfd, const char *name, size_t len)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	while (len > 0) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		len -= n;
	}
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static uint64_t blocks_of(int dfd, const char *name)
{
	struct stat st;
	assert_int_equal(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return (uint64_t)st.st_blocks * 512;
}

static int make_tmp(char *tmpl)
{
	assert_non_null(mkdtemp(tmpl));
	int root = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	return root;
}

static void remove_tmp(int root, const char *tmpl)
{
	close(root);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	assert_int_equal(system(cmd), 0);
}

/* Everything below counts, the top directory does not, links are not followed. */
static void test_du(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/berth-du-XXXXXX";
	int root = make_tmp(tmpl);
	assert_int_equal(mkdirat(root, "top", 0755), 0);
	assert_int_equal(berth_du_at(root, "top"), 0);
	assert_int_equal(mkdirat(root, "top/sub", 0755), 0);
	write_file(root, "top/a", 100000);
	write_file(root, "top/sub/b", 5000);
	write_file(root, "big", 300000);
	assert_int_equal(symlinkat("../big", root, "top/link"), 0);
	uint64_t want = blocks_of(root, "top/sub") + blocks_of(root, "top/a") +
			blocks_of(root, "top/sub/b") + blocks_of(root, "top/link");
	assert_true(want >= 100000);
	assert_int_equal(berth_du_at(root, "top"), want);
	/* a missing path or a plain file: nothing below it */
	assert_int_equal(berth_du_at(root, "nope"), 0);
	assert_int_equal(berth_du_at(root, "big"), 0);
	remove_tmp(root, tmpl);
}

/* Content bytes of files and links (Docker's SizeRw), directories none, a hard link once. */
static void test_content_size(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/berth-du-XXXXXX";
	int root = make_tmp(tmpl);
	assert_int_equal(mkdirat(root, "top", 0755), 0);
	assert_int_equal(berth_content_size_at(root, "top"), 0);
	assert_int_equal(mkdirat(root, "top/sub", 0755), 0);
	write_file(root, "top/a", 2);
	write_file(root, "top/sub/b", 5000);
	assert_int_equal(linkat(root, "top/sub/b", root, "top/b-again", 0), 0);
	assert_int_equal(symlinkat("../a", root, "top/sub/link"), 0);
	/* 2 + 5000 (once) + the link's 4 bytes of target */
	assert_int_equal(berth_content_size_at(root, "top"), 5006);
	assert_int_equal(berth_content_size_at(root, "nope"), 0);
	remove_tmp(root, tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_du),
		cmocka_unit_test(test_content_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
