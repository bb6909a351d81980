/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "registry/internal.h"

/*
 * The descriptors of a manifest served by a registry: hostile input, so
 * every digest is parsed strictly, sizes must be non-negative and the
 * layer count is bounded.
 */

#define LAYERS_MAX 1000

void manifest_info_release(struct manifest_info *m)
{
	free(m->config.media_type);
	for (size_t i = 0; i < m->n_layers; i++)
		free(m->layers[i].media_type);
	free(m->layers);
	*m = (struct manifest_info){0};
}

bool media_type_is_index(const char *mt)
{
	return mt && (strcmp(mt, MEDIA_OCI_INDEX) == 0 || strcmp(mt, MEDIA_DOCKER_LIST) == 0);
}

static int parse_desc(json_t *j, const char *what, struct blob_desc *ret, struct berth_error **err)
{
	const char *d = NULL, *mt = NULL;
	int64_t size = -1;
	if (!json_is_object(j))
		return berth_error_set(err, EBADMSG, "manifest: %s is not an object", what);
	int r = berth_json_get_string(j, "digest", true, &d, err);
	if (r < 0)
		return berth_error_prefix(err, "manifest: %s", what);
	r = berth_json_get_int(j, "size", true, &size, err);
	if (r < 0)
		return berth_error_prefix(err, "manifest: %s", what);
	if (size < 0)
		return berth_error_set(err, EBADMSG, "manifest: %s has a negative size", what);
	(void)berth_json_get_string(j, "mediaType", false, &mt, NULL);
	r = berth_digest_parse(d, &ret->digest, err);
	if (r < 0)
		return berth_error_prefix(err, "manifest: %s", what);
	ret->size = (uint64_t)size;
	ret->media_type = berth_xstrdup(mt ? mt : "");
	return 0;
}

int manifest_info_parse(const char *data, size_t len, const char *media_type,
			struct manifest_info *ret, struct berth_error **err)
{
	if (strcmp(media_type, MEDIA_OCI_MANIFEST) != 0 &&
	    strcmp(media_type, MEDIA_DOCKER_MANIFEST) != 0) {
		if (strstr(media_type, "manifest.v1"))
			return berth_error_set(err, EINVAL,
					       "manifest: Docker schema 1 images are not supported "
					       "(media type '%s')",
					       media_type);
		return berth_error_set(err, EINVAL, "manifest: unknown media type '%s'",
				       media_type);
	}
	_cleanup_json_ json_t *j = NULL;
	int r = berth_json_parse(data, len, "manifest", &j, err);
	if (r < 0)
		return r;
	struct manifest_info m = {0};
	r = parse_desc(json_object_get(j, "config"), "config", &m.config, err);
	if (r < 0)
		return r;
	json_t *layers = json_object_get(j, "layers");
	if (!json_is_array(layers)) {
		manifest_info_release(&m);
		return berth_error_set(err, EBADMSG, "manifest: 'layers' is not an array");
	}
	size_t n = json_array_size(layers);
	if (n > LAYERS_MAX) {
		manifest_info_release(&m);
		return berth_error_set(err, EBADMSG, "manifest: more than %d layers", LAYERS_MAX);
	}
	m.layers = berth_xcalloc(n ? n : 1, sizeof(*m.layers));
	for (size_t i = 0; i < n; i++) {
		char what[32];
		snprintf(what, sizeof(what), "layer %zu", i);
		r = parse_desc(json_array_get(layers, i), what, &m.layers[i], err);
		if (r < 0) {
			manifest_info_release(&m);
			return r;
		}
		m.n_layers++;
	}
	*ret = m;
	return 0;
}
