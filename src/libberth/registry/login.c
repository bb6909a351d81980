/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "registry/internal.h"

/* The domain a login/logout server argument names ("https://host/v1/" → "host"). */
static char *server_domain(const char *server)
{
	if (!server || !*server)
		return berth_xstrdup("docker.io");
	const char *p = server;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	char *d = berth_xstrndup(p, strcspn(p, "/"));
	if (strcmp(d, "index.docker.io") == 0 || strcmp(d, "registry-1.docker.io") == 0) {
		free(d);
		d = berth_xstrdup("docker.io");
	}
	return d;
}

/*
 * A refusal in the words of Docker's daemon (what `docker login` prints
 * after "Error response from daemon: "): the endpoint and the status.
 */
static int docker_refusal(const struct registry *r, long status, struct berth_error **err)
{
	berth_error_free(err);
	return berth_error_set(err, EACCES,
			       "login attempt to %s://%s/v2/ failed with status: %ld %s",
			       r->scheme ? r->scheme : "https", r->host, status,
			       status == 403 ? "Forbidden" : "Unauthorized");
}

/*
 * Checks the credentials the way the registry will use them: /v2/ with
 * basic auth, or a token from the realm the registry names. docker_words:
 * a refusal is said as Docker's daemon says it.
 */
static int verify(const char *domain, const char *user, const char *pass, bool docker_words,
		  struct berth_error **err)
{
	_cleanup_(registry_freep) struct registry *r = NULL;
	int res = registry_open(domain, NULL, &r, err);
	if (res < 0)
		return res;
	r->creds.username = berth_xstrdup(user);
	r->creds.password = berth_xstrdup(pass);
	r->creds_loaded = true;
	struct http_request req = {.method = "GET", .body_fd = -1, .max_body = 1 << 16};
	struct http_response resp = {0};
	res = registry_request(r, "pull", NULL, &req, "/v2/", &resp, err);
	if (res == -EACCES && docker_words)
		return docker_refusal(r, 401, err);
	if (res < 0)
		return res;
	long st = resp.status;
	if (st != 200) {
		res = registry_status_error(&resp, "login", err);
		http_response_release(&resp);
		if (res == -EACCES && docker_words)
			return docker_refusal(r, st, err);
		return res;
	}
	http_response_release(&resp);
	return 0;
}

static int check(const char *domain, const char *username, const char *password, bool docker_words,
		 struct berth_error **err)
{
	if (!username || !*username)
		return berth_error_set(err, EINVAL, "login: a username is required");
	if (!password || !*password)
		return berth_error_set(err, EINVAL, "login: a password is required");
	int r = verify(domain, username, password, docker_words, err);
	if (r == -EACCES && docker_words)
		return r;
	if (r < 0)
		return berth_error_prefix(err, "login to '%s'", domain);
	return 0;
}

int berth_registry_login_check(const char *server, const char *username, const char *password,
			       struct berth_error **err)
{
	_cleanup_free_ char *domain = server_domain(server);
	return check(domain, username, password, true, err);
}

int berth_registry_login(const char *server, const char *username, const char *password,
			 struct berth_error **err)
{
	_cleanup_free_ char *domain = server_domain(server);
	int r = check(domain, username, password, false, err);
	if (r < 0)
		return r;
	r = registry_creds_store(domain, username, password, err);
	if (r < 0)
		return berth_error_prefix(err, "login to '%s'", domain);
	return 0;
}

int berth_registry_logout(const char *server, struct berth_error **err)
{
	_cleanup_free_ char *domain = server_domain(server);
	return registry_creds_erase(domain, err);
}
