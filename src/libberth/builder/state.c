/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"

void bimage_release(struct bimage *im)
{
	if (im->config)
		json_decref(im->config);
	for (size_t i = 0; i < im->n_layers; i++)
		free(im->layers[i].media_type);
	free(im->layers);
	*im = (struct bimage){0};
}

void bimage_add_layer(struct bimage *im, const struct blayer *l)
{
	char d[BERTH_DIGEST_STRLEN + 1];
	im->layers = berth_xreallocarray(im->layers, im->n_layers + 1, sizeof(*im->layers));
	im->layers[im->n_layers] = *l;
	im->layers[im->n_layers].media_type = berth_xstrdup(l->media_type);
	im->n_layers++;
	json_t *rootfs = json_object_get(im->config, "rootfs");
	if (!json_is_object(rootfs)) {
		rootfs = json_object();
		json_object_set_new(rootfs, "type", json_string("layers"));
		json_object_set_new(rootfs, "diff_ids", json_array());
		json_object_set_new(im->config, "rootfs", rootfs);
	}
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids)) {
		ids = json_array();
		json_object_set_new(rootfs, "diff_ids", ids);
	}
	json_array_append_new(ids, json_string(berth_digest_fmt(&l->diff_id, d)));
}

void bimage_copy(struct bimage *dst, const struct bimage *src)
{
	*dst = (struct bimage){0};
	dst->config = json_deep_copy(src->config);
	if (src->n_layers) {
		dst->layers = berth_xreallocarray(NULL, src->n_layers, sizeof(*dst->layers));
		for (size_t i = 0; i < src->n_layers; i++) {
			dst->layers[i] = src->layers[i];
			dst->layers[i].media_type = berth_xstrdup(src->layers[i].media_type);
		}
	}
	dst->n_layers = src->n_layers;
}

json_t *bimage_cfg(struct bimage *im)
{
	json_t *c = json_object_get(im->config, "config");
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(im->config, "config", c);
	}
	return c;
}

void bimage_default_path(struct bimage *im)
{
	json_t *cfg = bimage_cfg(im);
	json_t *env = json_object_get(cfg, "Env");
	size_t i;
	json_t *e;
	json_array_foreach (env, i, e) {
		const char *s = json_string_value(e);
		if (s && strncmp(s, "PATH=", 5) == 0)
			return;
	}
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(cfg, "Env", env);
	}
	json_array_append_new(
		env,
		json_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
}

static const char *go_arch(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	if (strncmp(u.machine, "arm", 3) == 0)
		return "arm";
	if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
		return "386";
	if (strcmp(u.machine, "ppc64le") == 0)
		return "ppc64le";
	if (strcmp(u.machine, "s390x") == 0)
		return "s390x";
	if (strcmp(u.machine, "riscv64") == 0)
		return "riscv64";
	return "amd64";
}

const char *builder_arch(void)
{
	return go_arch();
}

void bimage_init_scratch(struct bimage *im)
{
	*im = (struct bimage){0};
	im->config = json_object();
	json_object_set_new(im->config, "architecture", json_string(go_arch()));
	json_object_set_new(im->config, "os", json_string("linux"));
	bimage_default_path(im);
	json_t *rootfs = json_object();
	json_object_set_new(rootfs, "type", json_string("layers"));
	json_object_set_new(rootfs, "diff_ids", json_array());
	json_object_set_new(im->config, "rootfs", rootfs);
	json_object_set_new(im->config, "history", json_array());
}

json_t *bimage_to_json(const struct bimage *im)
{
	char d[BERTH_DIGEST_STRLEN + 1];
	json_t *j = json_object();
	json_object_set(j, "config", im->config);
	json_t *ls = json_array();
	for (size_t i = 0; i < im->n_layers; i++) {
		json_t *l = json_object();
		json_object_set_new(l, "digest",
				    json_string(berth_digest_fmt(&im->layers[i].digest, d)));
		json_object_set_new(l, "diff_id",
				    json_string(berth_digest_fmt(&im->layers[i].diff_id, d)));
		json_object_set_new(l, "size", json_integer((json_int_t)im->layers[i].size));
		json_object_set_new(l, "mediaType", json_string(im->layers[i].media_type));
		json_array_append_new(ls, l);
	}
	json_object_set_new(j, "layers", ls);
	return j;
}

int bimage_from_json(const json_t *j, struct bimage *ret, struct berth_error **err)
{
	struct bimage im = {0};
	json_t *cfg = NULL, *ls = NULL;
	int r;

	r = berth_json_get_object(j, "config", true, &cfg, err);
	if (r < 0)
		return r;
	r = berth_json_get_array(j, "layers", true, &ls, err);
	if (r < 0)
		return r;
	im.config = json_deep_copy(cfg);
	size_t i;
	json_t *l;
	json_array_foreach (ls, i, l) {
		struct blayer bl = {0};
		const char *dg, *di, *mt;
		int64_t size;
		if ((r = berth_json_get_string(l, "digest", true, &dg, err)) < 0 ||
		    (r = berth_json_get_string(l, "diff_id", true, &di, err)) < 0 ||
		    (r = berth_json_get_string(l, "mediaType", true, &mt, err)) < 0 ||
		    (r = berth_json_get_int(l, "size", true, &size, err)) < 0 ||
		    (r = berth_digest_parse(dg, &bl.digest, err)) < 0 ||
		    (r = berth_digest_parse(di, &bl.diff_id, err)) < 0) {
			bimage_release(&im);
			return r;
		}
		bl.size = (uint64_t)size;
		im.layers = berth_xreallocarray(im.layers, im.n_layers + 1, sizeof(*im.layers));
		bl.media_type = berth_xstrdup(mt);
		im.layers[im.n_layers++] = bl;
	}
	*ret = im;
	return 0;
}
