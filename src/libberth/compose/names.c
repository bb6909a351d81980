/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names docker compose v2 gives a project's objects: containers
 * PROJECT-SERVICE-N (or container_name), images of built services
 * PROJECT-SERVICE (or image). Networks and volumes are named in the model
 * (PROJECT_KEY).
 */
#include "compose/compose.h"
#include "core/alloc.h"

char *berth_compose_container_name(const struct berth_compose_project *p,
				   const struct berth_compose_service *s, unsigned index)
{
	if (s->container_name)
		return berth_xstrdup(s->container_name);
	return berth_xasprintf("%s-%s-%u", p->name, s->name, index);
}

char *berth_compose_image_name(const struct berth_compose_project *p,
			       const struct berth_compose_service *s)
{
	if (s->image)
		return berth_xstrdup(s->image);
	return berth_xasprintf("%s-%s", p->name, s->name);
}

const char *berth_compose_condition_name(enum berth_compose_condition c)
{
	switch (c) {
	case BERTH_COMPOSE_SERVICE_HEALTHY:
		return "service_healthy";
	case BERTH_COMPOSE_SERVICE_COMPLETED_SUCCESSFULLY:
		return "service_completed_successfully";
	default:
		return "service_started";
	}
}
