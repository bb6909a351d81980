/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes YAML comes from clusters and repositories one did not write:
 * parse the input as kube play's manifest (documents split, YAML tree,
 * model). A failure must carry a message naming the file; a success must
 * give objects whose required fields are there.
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "kube/play.h"

static void check(const struct kube_manifest *m)
{
	for (size_t i = 0; i < m->n_pods; i++) {
		const struct kube_podspec *p = &m->pods[i];
		if (!p->name || !p->object || !p->n_containers)
			__builtin_trap();
		for (size_t j = 0; j < p->n_containers; j++)
			if (!p->containers[j].name || !p->containers[j].image)
				__builtin_trap();
		for (size_t j = 0; j < p->n_volumes; j++)
			if (!p->volumes[j].name)
				__builtin_trap();
	}
	for (size_t i = 0; i < m->n_data; i++)
		for (size_t j = 0; j < m->data[i].n_blobs; j++)
			if (!m->data[i].blobs[j].data)
				__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	struct kube_manifest m = {0};
	struct berth_error *err = NULL;
	if (kube_manifest_parse(&m, (const char *)data, size, "k.yaml", &err) < 0) {
		if (!err || strncmp(berth_error_msg(err), "k.yaml", 6) != 0)
			__builtin_trap();
		berth_error_free(&err);
	} else {
		check(&m);
	}
	kube_manifest_release(&m);
	return 0;
}
