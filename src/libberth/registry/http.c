/* SPDX-License-Identifier: Apache-2.0 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/log.h"
#include "core/progress.h"
#include "registry/internal.h"

/*
 * One HTTP exchange over libcurl. Easy handles are made per request; a
 * share handle keeps connections, DNS and TLS sessions across requests and
 * threads, so 50 small blobs do not cost 50 handshakes.
 *
 * TLS: the system CA store plus, per registry, <certs.d>/<host:port>/ca.crt
 * and client.cert/client.key (Docker's certs.d layout).
 */

#define ERROR_BODY_MAX (64u << 10)

static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *u)
{
	(void)h, (void)access, (void)u;
	pthread_mutex_lock(&share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *u)
{
	(void)h, (void)u;
	pthread_mutex_unlock(&share_locks[data]);
}

static void init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&share_locks[i], NULL);
	share = curl_share_init();
	if (!share)
		berth_oom();
	curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

void http_response_release(struct http_response *r)
{
	berth_buf_release(&r->body);
	free(r->www_authenticate);
	free(r->location);
	free(r->content_type);
	free(r->docker_content_digest);
	free(r->oci_subject);
	free(r->content_range);
	free(r->link);
	*r = (struct http_response){.body = BERTH_BUF_INIT, .content_length = -1};
}

struct xfer {
	const struct http_request *req;
	struct http_response *resp;
	struct berth_error *sink_err;
	int sink_r;
	bool started;
	uint64_t sent;
};

static void set_header(char **field, const char *v, size_t n)
{
	free(*field);
	*field = berth_xstrndup(v, n);
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or 100-continue): forget the old one */
		struct http_response *r = x->resp;
		long keep = r->status;
		http_response_release(r);
		r->status = keep;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	size_t nl = (size_t)(colon - data);
	const char *v = colon + 1;
	const char *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	size_t vl = (size_t)(end - v);
#define IS(name) (nl == strlen(name) && strncasecmp(data, name, nl) == 0)
	if (IS("www-authenticate")) {
		/* keep the first challenge: Bearer comes before Basic on registries that send both */
		if (!x->resp->www_authenticate)
			set_header(&x->resp->www_authenticate, v, vl);
	} else if (IS("location")) {
		set_header(&x->resp->location, v, vl);
	} else if (IS("content-type")) {
		set_header(&x->resp->content_type, v, vl);
	} else if (IS("docker-content-digest")) {
		set_header(&x->resp->docker_content_digest, v, vl);
	} else if (IS("oci-subject")) {
		set_header(&x->resp->oci_subject, v, vl);
	} else if (IS("link")) {
		if (!x->resp->link)
			set_header(&x->resp->link, v, vl);
	} else if (IS("content-range")) {
		set_header(&x->resp->content_range, v, vl);
	} else if (IS("content-length")) {
		char tmp[32];
		if (vl < sizeof(tmp)) {
			memcpy(tmp, v, vl);
			tmp[vl] = '\0';
			x->resp->content_length = strtoll(tmp, NULL, 10);
		}
	}
#undef IS
	return len;
}

struct write_ctx {
	struct xfer *x;
	CURL *h;
};

static size_t on_write_ctx(char *data, size_t size, size_t n, void *userdata)
{
	struct write_ctx *w = userdata;
	struct xfer *x = w->x;
	size_t len = size * n;
	long status = 0;
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	if (x->req->sink && status >= 200 && status < 300) {
		int r;
		if (!x->started && x->req->on_start) {
			r = x->req->on_start(x->req->sink_ctx, status, x->resp->content_range,
					     &x->sink_err);
			if (r < 0) {
				x->sink_r = r;
				return 0;
			}
		}
		x->started = true;
		r = x->req->sink(x->req->sink_ctx, data, len, &x->sink_err);
		if (r < 0) {
			x->sink_r = r;
			return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
		}
		x->resp->received += len;
		return len;
	}
	size_t max = x->req->sink ? ERROR_BODY_MAX : x->req->max_body;
	if (max == 0)
		max = ERROR_BODY_MAX;
	if (x->resp->body.len + len > max) {
		x->sink_r = berth_error_set(&x->sink_err, E2BIG,
					    "response from '%s' is larger than %zu bytes",
					    x->req->url, max);
		return 0;
	}
	berth_buf_add(&x->resp->body, data, len);
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	const struct http_request *req = x->req;
	size_t want = size * n;
	if (req->body_fd >= 0 && !req->body) {
		uint64_t left = req->body_fd_len - x->sent;
		if (want > left)
			want = (size_t)left;
		if (want == 0)
			return 0;
		ssize_t got;
		do
			got = pread(req->body_fd, buf, want, (off_t)(req->body_off + x->sent));
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			return CURL_READFUNC_ABORT;
		x->sent += (uint64_t)got;
		return (size_t)got;
	}
	size_t left = req->body_len - (size_t)x->sent;
	if (want > left)
		want = left;
	memcpy(buf, (const char *)req->body + x->sent, want);
	x->sent += want;
	return want;
}

static int on_xferinfo(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = userdata;
	(void)dltotal, (void)dlnow, (void)ultotal;
	if (x->req->progress && x->req->progress_item >= 0 && ulnow > 0)
		berth_progress_update(x->req->progress, x->req->progress_item,
				      x->req->progress_base + (uint64_t)ulnow);
	return 0;
}

/* The URL without its query, for messages: upload URLs carry state tokens. */
static char *url_for_msg(const char *url)
{
	return berth_xstrndup(url, strcspn(url, "?"));
}

static int curl_code_to_errno(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return EPROTO;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return ECONNRESET;
	default:
		return EIO;
	}
}

bool http_error_is_transient(int r)
{
	return r == -ECONNREFUSED || r == -ECONNRESET || r == -ETIMEDOUT || r == -EHOSTUNREACH;
}

/* certs.d/<host:port>/ files for the host of url, when they exist. */
static void setup_tls(CURL *h, const char *url)
{
	const char *p = strstr(url, "://");
	if (!p || strncmp(url, "https", 5) != 0)
		return;
	p += 3;
	size_t n = strcspn(p, "/?");
	_cleanup_free_ char *host = berth_xstrndup(p, n);
	const char *dir = registry_settings()->certs_d;
	if (!dir || !*dir)
		dir = "/etc/berth/certs.d";
	_cleanup_free_ char *ca = berth_xasprintf("%s/%s/ca.crt", dir, host);
	_cleanup_free_ char *cert = berth_xasprintf("%s/%s/client.cert", dir, host);
	_cleanup_free_ char *key = berth_xasprintf("%s/%s/client.key", dir, host);
	struct stat st;
	if (stat(ca, &st) == 0) {
		/* the registry's CA in addition to the system store */
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
		curl_easy_setopt(h, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (stat(cert, &st) == 0 && stat(key, &st) == 0) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, key);
	}
}

int http_do(const struct http_request *req, struct http_response *ret, struct berth_error **err)
{
	pthread_once(&once, init_once);
	_cleanup_free_ char *msg_url = url_for_msg(req->url);
	CURL *h = curl_easy_init();
	if (!h)
		berth_oom();
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct http_response resp = {.body = BERTH_BUF_INIT, .content_length = -1};
	struct xfer x = {.req = req, .resp = &resp};
	struct write_ctx wc = {.x = &x, .h = h};
	_cleanup_free_ char *authz = NULL;

	curl_easy_setopt(h, CURLOPT_SHARE, share);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req->sink ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write_ctx);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &wc);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, req->progress ? 0L : 1L);
	setup_tls(h, req->url);

	for (char *const *line = req->headers; line && *line; line++)
		hdrs = curl_slist_append(hdrs, *line);
	if (req->authorization) {
		authz = berth_xasprintf("Authorization: %s", req->authorization);
		hdrs = curl_slist_append(hdrs, authz);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (req->has_body) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, &x);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)(req->body ? req->body_len
							: (req->body_fd >= 0 ? req->body_fd_len
									     : req->body_len)));
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	} else if (strcmp(req->method, "GET") != 0) {
		if (strcmp(req->method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		} else {
			curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, &x);
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		}
	}

	CURLcode c = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	if (authz)
		explicit_bzero(authz, strlen(authz));
	curl_easy_cleanup(h);
	resp.status = status;

	if (x.sink_r < 0) {
		if (err) {
			berth_error_free(err);
			*err = x.sink_err;
		} else {
			berth_error_free(&x.sink_err);
		}
		http_response_release(&resp);
		/* keep how far the transfer got for a resume */
		ret->received = x.resp->received;
		return x.sink_r;
	}
	if (c != CURLE_OK) {
		int e = curl_code_to_errno(c);
		berth_debug("%s %s: %s", req->method, msg_url,
			    errbuf[0] ? errbuf : curl_easy_strerror(c));
		ret->received = resp.received;
		http_response_release(&resp);
		return berth_error_set(err, e, "%s %s: %s", req->method, msg_url,
				       errbuf[0] ? errbuf : curl_easy_strerror(c));
	}
	berth_debug("%s %s: %ld", req->method, msg_url, status);
	*ret = resp;
	return 0;
}
