/* SPDX-License-Identifier: Apache-2.0 */
/* ADD's URL sources: downloads over libcurl, and the names they give. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "builder/internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/sha256.h"

bool builder_is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

struct url_sink {
	int fd;
	struct berth_sha256 *hash;
	int errno_;
};

static size_t on_url_data(char *p, size_t size, size_t n, void *ctx)
{
	struct url_sink *u = ctx;
	size_t len = size * n;
	if (berth_build_interrupted())
		return 0;
	if (berth_write_all(u->fd, p, len, NULL) < 0) {
		u->errno_ = errno ? errno : EIO;
		return 0;
	}
	berth_sha256_update(u->hash, p, len);
	return len;
}

/* Also called while the transfer stalls: an interrupt aborts it. */
static int on_url_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			   curl_off_t ulnow)
{
	(void)ctx, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return berth_build_interrupted() ? 1 : 0;
}

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * ADD <url>: downloads url into dir_fd/data (0600), its mtime the
 * Last-Modified the server sent; *ret is the sha256 of the bytes.
 */
int builder_fetch_url(const char *url, int dir_fd, struct berth_digest *ret,
		      struct berth_error **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char errbuf[CURL_ERROR_SIZE] = "";
	_cleanup_close_ int fd = -EBADF;
	struct url_sink u = {.fd = -EBADF};
	long status = 0;
	curl_off_t filetime = -1;
	int r = 0;

	pthread_once(&once, curl_init_once);
	fd = openat(dir_fd, "data", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_syscall(err, errno, "create the download file");
	CURL *h = curl_easy_init();
	if (!h)
		return berth_error_set(err, ENOMEM, "fetch '%s': cannot start libcurl", url);
	u.fd = fd;
	u.hash = berth_sha256_new();
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
	curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_url_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &u);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_url_progress);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	CURLcode c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_FILETIME_T, &filetime);
	curl_easy_cleanup(h);
	if (c != CURLE_OK && berth_build_interrupted()) {
		r = builder_check_interrupt(err);
	} else if (c != CURLE_OK) {
		r = u.errno_ ? berth_error_syscall(err, u.errno_, "write the download of '%s'", url)
			     : berth_error_set(err, EIO, "fetch '%s': %s", url,
					       *errbuf ? errbuf : curl_easy_strerror(c));
	} else if (status >= 400) {
		r = berth_error_set(err, ENOENT, "fetch '%s': HTTP status %ld", url, status);
	} else {
		berth_sha256_final(u.hash, ret);
		if (filetime >= 0) {
			struct timespec ts[2] = {{.tv_sec = (time_t)filetime},
						 {.tv_sec = (time_t)filetime}};
			if (futimens(fd, ts) < 0)
				r = berth_error_syscall(err, errno, "set the mtime of '%s'", url);
		}
	}
	berth_sha256_free(u.hash);
	return r;
}

/* The file name a URL gives when the destination is a directory: its path's last component. */
int builder_url_basename(const char *url, char **ret, struct berth_error **err)
{
	const char *p = strstr(url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	size_t len = p ? strcspn(p, "?#") : 0;
	const char *end = p ? p + len : NULL, *start = end;
	while (start && start > p && start[-1] != '/')
		start--;
	if (!start || start == end || (end - start == 1 && *start == '.') ||
	    (end - start == 2 && start[0] == '.' && start[1] == '.'))
		return berth_error_set(err, EINVAL, "cannot determine a file name from url '%s'",
				       url);
	*ret = berth_xstrndup(start, (size_t)(end - start));
	return 0;
}
