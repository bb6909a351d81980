/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer tars come from registries and archives: the unpacker must refuse or
 * unpack any input without crashing, and never write outside its root.
 * Each input is unpacked (devices refused) into a fresh directory below a
 * per-process sandbox; a sentinel beside that directory must survive.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/fs.h"
#include "layer/layer.h"

static int sandbox_fd = -1;
static char sandbox[] = "/tmp/berth-fuzz-layer-XXXXXX";

static void remove_sandbox(void)
{
	int tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp >= 0)
		berth_rm_rf_at(tmp, sandbox + 5, NULL);
}

static void init_sandbox(void)
{
	char *dir = sandbox;
	if (!mkdtemp(dir))
		abort();
	atexit(remove_sandbox);
	sandbox_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = openat(sandbox_fd, "sentinel", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (sandbox_fd < 0 || fd < 0)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	if (sandbox_fd < 0)
		init_sandbox();
	_cleanup_close_ int in = memfd_create("layer", MFD_CLOEXEC);
	if (in < 0 || (size && write(in, data, size) != (ssize_t)size) ||
	    lseek(in, 0, SEEK_SET) < 0)
		abort();
	berth_rm_rf_at(sandbox_fd, "root", NULL);
	if (mkdirat(sandbox_fd, "root", 0755) < 0)
		abort();
	_cleanup_close_ int root = openat(sandbox_fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct berth_error *err = NULL;
	int r = berth_layer_unpack(in, root, BERTH_LAYER_UNPACK_NO_DEVICES, NULL, NULL, &err);
	if (r < 0 && (!err || !err->msg[0]))
		__builtin_trap(); /* every failure says why */
	berth_error_free(&err);
	struct stat st;
	if (fstatat(sandbox_fd, "sentinel", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		__builtin_trap(); /* something escaped the root */
	return 0;
}
