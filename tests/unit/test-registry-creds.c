/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "registry/internal.h"
#include "registry/registry.h"

static char tmpdir[] = "/tmp/berth-test-creds-XXXXXX";
static char *authfile, *docker_config;

static int setup(void **state)
{
	assert_non_null(mkdtemp(tmpdir));
	authfile = berth_xasprintf("%s/cfg/auth.json", tmpdir);
	_cleanup_free_ char *docker = berth_xasprintf("%s/docker", tmpdir);
	_cleanup_free_ char *bin = berth_xasprintf("%s/bin", tmpdir);
	mkdir(docker, 0700);
	mkdir(bin, 0700);
	_cleanup_free_ char *path = berth_xasprintf("%s:/usr/bin:/bin", bin);
	setenv("PATH", path, 1);
	/* the settings borrow it: freed in teardown */
	docker_config = berth_xasprintf("%s/config.json", docker);
	struct berth_registry_settings s = {.auth_file = authfile, .docker_config = docker_config};
	berth_registry_configure(&s);
	/* Docker's file: an auths entry in URL form and a helper for one registry */
	_cleanup_free_ char *cfg = berth_xasprintf("%s/config.json", docker);
	FILE *f = fopen(cfg, "w");
	fputs("{\"auths\":{\"https://docker.example:5000/v1/\":{\"auth\":\"ZHU6ZHA=\"},"
	      "\"tok.example\":{\"identitytoken\":\"idt\"},"
	      "\"url.example\":{\"auth\":\"dTpwPz8-fg\"},"
	      "\"bad.example\":{\"auth\":\"ZHU6ZHA=ZHU6\"}},"
	      "\"credHelpers\":{\"helped.example\":\"berthtest\"}}",
	      f);
	fclose(f);
	/* a docker-credential helper that answers for helped.example */
	_cleanup_free_ char *helper = berth_xasprintf("%s/docker-credential-berthtest", bin);
	f = fopen(helper, "w");
	fputs("#!/bin/sh\nread host\n[ \"$1\" = get ] && [ \"$host\" = helped.example ] && "
	      "echo '{\"ServerURL\":\"helped.example\",\"Username\":\"hu\",\"Secret\":\"hs\"}' "
	      "&& exit 0\necho 'credentials not found in native keychain'\nexit 1\n",
	      f);
	fclose(f);
	chmod(helper, 0755);
	return 0;
}

static int teardown(void **state)
{
	berth_rm_rf_at(AT_FDCWD, tmpdir, NULL);
	free(authfile);
	free(docker_config);
	return 0;
}

static void test_store_lookup_erase(void **state)
{
	_cleanup_error_ struct berth_error *err = NULL;
	struct registry_creds c = {0};
	assert_ok(registry_creds_lookup("reg.example:5000", &c, &err), err);
	assert_null(c.username);
	assert_ok(registry_creds_store("reg.example:5000", "alice", "pw:with:colons", &err), err);
	struct stat st;
	assert_int_equal(stat(authfile, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_ok(registry_creds_lookup("reg.example:5000", &c, &err), err);
	assert_string_equal(c.username, "alice");
	assert_string_equal(c.password, "pw:with:colons");
	registry_creds_release(&c);
	/* the password is not in the file in clear */
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	assert_ok(berth_read_file_at(AT_FDCWD, authfile, 1 << 20, &data, &len, &err), err);
	assert_null(strstr(data, "pw:with"));
	assert_non_null(strstr(data, "\"auths\""));
	/* docker.io is stored under Docker's key */
	assert_ok(registry_creds_store("docker.io", "bob", "x", &err), err);
	free(data);
	data = NULL;
	assert_ok(berth_read_file_at(AT_FDCWD, authfile, 1 << 20, &data, &len, &err), err);
	assert_non_null(strstr(data, "https://index.docker.io/v1/"));
	assert_ok(registry_creds_erase("reg.example:5000", &err), err);
	assert_ok(registry_creds_lookup("reg.example:5000", &c, &err), err);
	assert_null(c.username);
	assert_int_equal(registry_creds_erase("reg.example:5000", &err), -ENOENT);
	assert_non_null(strstr(err->msg, "not logged in"));
}

static void test_docker_config(void **state)
{
	_cleanup_error_ struct berth_error *err = NULL;
	struct registry_creds c = {0};
	assert_ok(registry_creds_lookup("docker.example:5000", &c, &err), err);
	assert_string_equal(c.username, "du");
	assert_string_equal(c.password, "dp");
	registry_creds_release(&c);
	assert_ok(registry_creds_lookup("tok.example", &c, &err), err);
	assert_string_equal(c.username, "<token>");
	assert_string_equal(c.password, "idt");
	registry_creds_release(&c);
	/* "auth" read leniently: the URL alphabet, padding left out */
	assert_ok(registry_creds_lookup("url.example", &c, &err), err);
	assert_string_equal(c.username, "u");
	assert_string_equal(c.password, "p?\?>~");
	registry_creds_release(&c);
	/* but nothing after the padding */
	assert_int_equal(registry_creds_lookup("bad.example", &c, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "invalid 'auth' entry for 'bad.example'"));
	assert_null(strstr(err->msg, "ZHU6"));
	berth_error_free(&err);
	assert_ok(registry_creds_lookup("helped.example", &c, &err), err);
	assert_string_equal(c.username, "hu");
	assert_string_equal(c.password, "hs");
	registry_creds_release(&c);
}

static void test_bad_file(void **state)
{
	_cleanup_error_ struct berth_error *err = NULL;
	int fd = open(authfile, O_WRONLY | O_TRUNC | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[1]", 3), 3);
	close(fd);
	struct registry_creds c = {0};
	assert_int_equal(registry_creds_lookup("x.example", &c, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "not a JSON object"));
	unlink(authfile);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_lookup_erase),
		cmocka_unit_test(test_docker_config),
		cmocka_unit_test(test_bad_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
