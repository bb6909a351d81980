/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/* Shared by tests/unit/test-kube-*.c: records written as JSON, a web image, a pod. */

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"
#include "kube/internal.h"

/* A JSON text the test wrote: it must parse (new reference). */
static inline json_t *fixture_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad fixture JSON at %d: %s", e.position, e.text);
	return j;
}

/* The image every record is made from: ENTRYPOINT none, CMD httpd, PATH and A=1. */
static inline void fixture_image(struct kube_image *img)
{
	*img = (struct kube_image){
		.reference = berth_xstrdup("docker.io/library/web@sha256:abc"),
		.tag = berth_xstrdup("docker.io/library/web:1"),
		.workdir = NULL,
	};
	berth_strv_push(&img->env, "PATH=/usr/bin:/bin");
	berth_strv_push(&img->env, "A=1");
	berth_strv_push(&img->cmd, "httpd");
	berth_strv_push(&img->cmd, "-f");
}

/* The container spec kube_pod_add_container makes of record_text in a fresh pod p. */
static inline json_t *fixture_container(struct kube_pod *p, const char *record_text)
{
	struct kube_image img;
	fixture_image(&img);
	_cleanup_json_ json_t *rec = fixture_json(record_text);
	kube_pod_init(p, "web");
	assert_int_equal(kube_pod_add_container(p, rec, &img, NULL), 0);
	kube_image_release(&img);
	return json_array_get(p->containers, 0);
}

/* Asserts j (may be NULL) equals the JSON text want, printing both when not. */
static inline void assert_json(const json_t *j, const char *want)
{
	_cleanup_json_ json_t *w = fixture_json(want);
	if (!json_equal((json_t *)j, w)) {
		_cleanup_free_ char *got = j ? json_dumps(j, JSON_COMPACT) : NULL;
		fail_msg("got %s\nwant %s", got ? got : "(null)", want);
	}
}
