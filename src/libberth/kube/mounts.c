/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's mounts as pod volumes: a named volume is a
 * PersistentVolumeClaim of the same name (shared by the containers that
 * mount it), an anonymous one an emptyDir, a tmpfs an emptyDir in memory and
 * a bind mount a hostPath (with a warning: the node's path is not the
 * developer's).
 */
#include <errno.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/strv.h"
#include "kube/internal.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool is_anonymous(const json_t *record, const char *name)
{
	size_t i;
	json_t *x;
	json_array_foreach (json_object_get(record, "AnonymousVolumes"), i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), name) == 0)
			return true;
	return false;
}

/*
 * Adds the pod volume {name, source} under base (or base-2, base-3, ... when
 * a different volume holds the name) and returns the name it got (owned).
 * The same volume mounted by two containers is one pod volume.
 */
static char *add_volume(struct kube_pod *p, const char *base, const char *kind, json_t *source)
{
	for (unsigned n = 1;; n++) {
		_cleanup_free_ char *name =
			n == 1 ? berth_xstrdup(base) : berth_xasprintf("%.58s-%u", base, n);
		json_t *have = json_object_get(p->volumes, name);
		if (have && !json_equal(json_object_get(have, kind), source))
			continue;
		if (!have)
			json_object_set_new(p->volumes, name,
					    json_pack("{s:s, s:O}", "name", name, kind, source));
		json_decref(source);
		return TAKE_PTR(name);
	}
}

/* The pod volume of one mount of the record (owned name), NULL when it has none. */
static char *mount_volume(struct kube_pod *p, const json_t *m, const json_t *record,
			  const char *cname)
{
	const char *type = str(m, "Type"), *dest = str(m, "Destination");
	const char *name = str(m, "Name"), *src = str(m, "Source");
	_cleanup_free_ char *own = berth_xasprintf("%s-%s", cname, dest);
	_cleanup_free_ char *base = kube_dns_label(own);
	if (strcmp(type, "tmpfs") == 0)
		return add_volume(p, base, "emptyDir", json_pack("{s:s}", "medium", "Memory"));
	if (strcmp(type, "volume") == 0 && name && is_anonymous(record, name)) {
		kube_pod_warn(p,
			      "container '%s': the anonymous volume at '%s' becomes an emptyDir "
			      "(its data lives as long as the pod)",
			      cname, dest);
		return add_volume(p, base, "emptyDir", json_object());
	}
	if (strcmp(type, "volume") == 0 && name) {
		_cleanup_free_ char *claim = kube_dns_label(name);
		if (!berth_strv_contains(p->claims, claim))
			berth_strv_push(&p->claims, claim);
		return add_volume(p, claim, "persistentVolumeClaim",
				  json_pack("{s:s}", "claimName", claim));
	}
	if (strcmp(type, "bind") == 0 && src) {
		kube_pod_warn(p,
			      "container '%s': the bind mount of '%s' becomes a hostPath: the "
			      "path must exist on the node",
			      cname, src);
		return add_volume(p, base, "hostPath", json_pack("{s:s}", "path", src));
	}
	kube_pod_warn(p, "container '%s': the %s mount at '%s' is not mapped", cname, type, dest);
	return NULL;
}

int kube_pod_add_mounts(struct kube_pod *p, json_t *c, const json_t *record, const char *cname,
			struct berth_error **err)
{
	json_t *mounts = json_array();
	size_t i;
	json_t *m;
	json_array_foreach (json_object_get(record, "Mounts"), i, m) {
		if (!str(m, "Type") || !str(m, "Destination")) {
			json_decref(mounts);
			return berth_error_set(err, EBADMSG,
					       "container '%s': a mount without a type or a "
					       "destination in its record",
					       cname);
		}
		_cleanup_free_ char *vol = mount_volume(p, m, record, cname);
		if (!vol)
			continue;
		json_t *vm =
			json_pack("{s:s, s:s}", "name", vol, "mountPath", str(m, "Destination"));
		if (json_is_false(json_object_get(m, "RW")))
			json_object_set_new(vm, "readOnly", json_true());
		json_array_append_new(mounts, vm);
	}
	if (json_array_size(mounts))
		json_object_set_new(c, "volumeMounts", mounts);
	else
		json_decref(mounts);
	return 0;
}
