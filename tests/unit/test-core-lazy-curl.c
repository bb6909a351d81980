/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <curl/curl.h>
#include <unistd.h>

#include "core/lazylib.h"

struct sink {
	char buf[64];
	size_t len;
};

static size_t sink_write(char *p, size_t size, size_t n, void *data)
{
	struct sink *s = data;
	size_t len = size * n;
	if (len > sizeof(s->buf) - 1 - s->len)
		return 0;
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	return len;
}

/* A file:// transfer through the shims: curl_easy_setopt forwards a long, a
 * string, a function pointer, a data pointer and a curl_off_t, each as
 * libcurl reads it; getinfo and the share options too. */
static void test_file_transfer(void **state)
{
	char path[] = "/tmp/berth-lazy-curl-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello over curl", 15), 15);
	close(fd);

	assert_false(berth_lib_is_loaded(BERTH_LIB_CURL));
	assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	assert_true(berth_lib_is_loaded(BERTH_LIB_CURL));
	static CURLSH *sh; /* kept for the process, as the registry client keeps its share */
	sh = curl_share_init();
	assert_non_null(sh);
	assert_int_equal(curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS), CURLSHE_OK);
	CURL *h = curl_easy_init();
	assert_non_null(h);
	char url[64];
	snprintf(url, sizeof(url), "file://%s", path);
	struct sink s = {0};
	assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, url), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEDATA, &s), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)1 << 20),
			 CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_SHARE, sh), CURLE_OK);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_string_equal(s.buf, "hello over curl");
	curl_off_t got = 0;
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &got), CURLE_OK);
	assert_int_equal(got, 15);

	/* a curl_off_t offset arrives intact: the transfer resumes there */
	memset(&s, 0, sizeof(s));
	assert_int_equal(curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)6), CURLE_OK);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	assert_string_equal(s.buf, "over curl");
	assert_string_equal(curl_easy_strerror(CURLE_OK), "No error");

	char *esc = curl_easy_escape(h, "a b/c", 0);
	assert_string_equal(esc, "a%20b%2Fc");
	curl_free(esc);
	struct curl_slist *l = curl_slist_append(NULL, "Accept: x");
	assert_non_null(l);
	curl_slist_free_all(l);
	curl_easy_cleanup(h);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_transfer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
