/* SPDX-License-Identifier: Apache-2.0 */
/* `container prune`: every container record that is not running goes. */
#include "container/container.h"
#include "store/store.h"

#include <errno.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/json.h"
#include "core/strv.h"

int berth_container_prune(struct berth_store *store, char ***ret_removed, uint64_t *ret_bytes,
			  struct berth_error **err)
{
	_cleanup_json_ json_t *list = NULL;
	int r = berth_container_list(store, &list, err);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **removed = NULL;
	uint64_t bytes = 0;
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c) {
		const char *id = json_string_value(json_object_get(c, "Id"));
		if (!id || json_is_true(json_object_get(json_object_get(c, "State"), "Running")))
			continue;
		/* Docker's SizeRw, as `system df` counts a container */
		uint64_t rw = berth_container_rw_size(store, c);
		/* not forced: one started since the list was read is kept, as Docker's */
		_cleanup_error_ struct berth_error *e = NULL;
		r = berth_container_remove(store, id, false, &e);
		if (r == -EBUSY || r == -ENOENT)
			continue;
		if (r < 0) {
			if (err)
				*err = TAKE_PTR(e);
			return r;
		}
		berth_strv_push(&removed, id);
		bytes += rw;
	}
	*ret_removed = TAKE_PTR(removed);
	if (ret_bytes)
		*ret_bytes = bytes;
	return 0;
}
