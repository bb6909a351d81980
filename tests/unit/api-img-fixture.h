/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
/*
 * Shared by the unit tests of the image, build, network and volume handlers
 * (test-api-images.c, -build.c, -networks.c, -volumes.c,
 * -images-registry.c): the service of api-fixture.h (svc_setup,
 * svc_teardown), with libcurl as the client (chunked streams decoded).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "api-fixture.h"
#include "core/buf.h"
#include "core/json.h"

/* the transport's own client (request()) is not used here: libcurl reads chunked replies */
static inline void api_img_fixture_unused(void)
{
	(void)request;
}

static size_t svc_collect(char *data, size_t size, size_t n, void *userdata)
{
	berth_buf_add(userdata, data, size * n);
	return size * n;
}

/*
 * One request: method, path (with its query), an optional body (a file
 * path with file, else bytes) and headers (NULL-terminated); the reply's
 * body in *ret_body (owned), the status returned.
 */
static inline long svc_call(struct service *s, const char *method, const char *path,
			    const char *body, bool file, const char *const *headers,
			    char **ret_body)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct berth_buf out = BERTH_BUF_INIT;
	_cleanup_free_ char *url = berth_xasprintf("http://d%s", path);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (body && file) {
		_cleanup_close_ int fd = open(body, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(berth_read_fd(fd, 1u << 28, &data, &len, NULL), 0);
	}
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, s->sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	h = curl_slist_append(h, file ? "Content-Type: application/x-tar"
				      : "Content-Type: application/json");
	for (size_t i = 0; headers && headers[i]; i++)
		h = curl_slist_append(h, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, file ? data : body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(file ? len : strlen(body)));
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, svc_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	*ret_body = berth_buf_detach(&out, NULL);
	return status;
}

/* svc_call with no body and no headers, the reply parsed as JSON (NULL when it is not). */
static inline long svc_get_json(struct service *s, const char *method, const char *path,
				json_t **ret)
{
	_cleanup_free_ char *body = NULL;
	long st = svc_call(s, method, path, NULL, false, NULL, &body);
	*ret = json_loads(body, JSON_DECODE_ANY, NULL);
	return st;
}

/*
 * Builds image tag through POST /build from a context of one file and
 * Dockerfile (FROM scratch, COPY, LABEL): a real image to list, inspect,
 * tag and remove. The stream is returned (owned).
 */
static inline char *svc_build(struct service *s, const char *tag, const char *query_extra)
{
	_cleanup_free_ char *dir = berth_xasprintf("%s/../ctx-%s", s->f->root, tag);
	_cleanup_free_ char *cmd = berth_xasprintf(
		"mkdir -p '%s' && cd '%s' && echo data > f && "
		"printf 'FROM scratch\\nCOPY f /f\\nLABEL made=test\\n' > Dockerfile && "
		"tar -cf ../ctx-%s.tar f Dockerfile",
		dir, dir, tag);
	assert_int_equal(system(cmd), 0);
	_cleanup_free_ char *tar = berth_xasprintf("%s.tar", dir);
	_cleanup_free_ char *path =
		berth_xasprintf("/v1.41/build?t=%s%s", tag, query_extra ? query_extra : "");
	char *out = NULL;
	assert_int_equal(svc_call(s, "POST", path, tar, true, NULL, &out), 200);
	return out;
}
