/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays a fuzz target's corpus without libFuzzer, so every normal build
 * runs each checked-in input (and every crash once fixed) as a test.
 * Arguments are files or directories of inputs; prints a TAP line per input.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("not ok %d - %s: cannot open\n", ++n, path);
		exit(1);
	}
	size_t alloc = 4096, len = 0;
	uint8_t *buf = malloc(alloc);
	size_t got;
	while ((got = fread(buf + len, 1, alloc - len, f)) > 0) {
		len += got;
		if (len == alloc)
			buf = realloc(buf, alloc *= 2);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			printf("not ok %d - %s: missing\n", ++n, argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			run_file(argv[i]);
			continue;
		}
		struct dirent **list;
		int m = scandir(argv[i], &list, NULL, by_name);
		for (int j = 0; j < m; j++) {
			if (list[j]->d_name[0] != '.') {
				char p[4096];
				snprintf(p, sizeof(p), "%s/%s", argv[i], list[j]->d_name);
				run_file(p);
			}
			free(list[j]);
		}
		free(list);
	}
	printf("1..%d\n", n);
	return 0;
}
