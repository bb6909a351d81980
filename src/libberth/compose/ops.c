/* SPDX-License-Identifier: Apache-2.0 */
/* The containers `compose exec` and `compose top` act on, found by their labels. */
#include <errno.h>
#include <string.h>

#include "compose/compose.h"
#include "core/alloc.h"

int berth_compose_service_container(struct berth_store *store, const char *project,
				    const char *service, unsigned index, char **ret_id,
				    struct berth_error **err)
{
	struct berth_compose_container *c = NULL;
	size_t n = 0;
	int r = berth_compose_project_containers(store, project, service, &c, &n, err);
	if (r < 0)
		return r;
	const struct berth_compose_container *found = NULL;
	for (size_t i = 0; i < n && !found; i++)
		if (!c[i].oneoff && c[i].number == index && strcmp(c[i].state, "running") == 0)
			found = &c[i];
	if (found)
		*ret_id = berth_xstrdup(found->id);
	berth_compose_containers_free(c, n);
	if (!found)
		/* docker compose v2's words */
		return index == 1 ? berth_error_set(err, ENOENT, "service \"%s\" is not running",
						    service)
				  : berth_error_set(err, ENOENT,
						    "service \"%s\" is not running container #%u",
						    service, index);
	return 0;
}
