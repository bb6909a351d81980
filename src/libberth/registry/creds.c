/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/base64.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "registry/internal.h"

/*
 * Credentials live in files of the ~/.docker/config.json format: berth's
 * own ($BERTH_CONFIG or ~/.config/berth/auth.json, mode 0600), then
 * Docker's ($DOCKER_CONFIG/config.json or ~/.docker/config.json), each with
 * "auths" (base64 user:password), "credHelpers" (per registry) and
 * "credsStore" (default helper), helpers being docker-credential-<name>
 * programs. Secrets are never logged; errors name the file, not its values.
 */

#define AUTH_FILE_MAX (1u << 20)

void registry_creds_release(struct registry_creds *c)
{
	if (c->password)
		explicit_bzero(c->password, strlen(c->password));
	free(c->username);
	free(c->password);
	*c = (struct registry_creds){0};
}

int registry_auth_file_path(const char **ret, struct berth_error **err)
{
	const char *path = registry_settings()->auth_file;
	if (!path || !*path)
		return berth_error_set(err, EINVAL, "no credentials file configured");
	*ret = path;
	return 0;
}

const char *registry_auth_key(const char *domain)
{
	if (strcmp(domain, "docker.io") == 0)
		return "https://index.docker.io/v1/";
	return domain;
}

/* Reads a config file; ENOENT when it does not exist. */
static int load_config(const char *path, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, path, AUTH_FILE_MAX, &data, &len, err);
	if (r < 0)
		return r;
	r = berth_json_parse(data, len, path, ret, err);
	explicit_bzero(data, len);
	if (r < 0)
		return r;
	if (!json_is_object(*ret)) {
		json_decref(*ret);
		*ret = NULL;
		return berth_error_set(err, EINVAL, "credentials file '%s' is not a JSON object",
				       path);
	}
	return 0;
}

/*
 * Runs docker-credential-<helper> <verb> with input on stdin and collects
 * stdout. The helper's stderr is left alone: it never sees the secret on
 * its command line.
 */
static int run_helper(const char *helper, const char *verb, const char *input, char **ret,
		      struct berth_error **err)
{
	_cleanup_free_ char *prog = berth_xasprintf("docker-credential-%s", helper);
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	if (pipe2(in, O_CLOEXEC) < 0)
		return berth_error_syscall(err, errno, "pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return berth_error_syscall(err, e, "pipe");
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return berth_error_syscall(err, e, "fork");
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execlp(prog, prog, verb, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	sigset_t pipeset, old;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	(void)berth_write_all(in[1], input, strlen(input), NULL);
	close(in[1]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_fd(out[0], 1u << 20, &data, &len, NULL);
	close(out[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return berth_error_set(err, ENOENT, "credential helper '%s' not found", prog);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* "credentials not found in native keychain" is the helpers' ENOENT */
		if (r >= 0 && data && strstr(data, "not found"))
			return berth_error_set(err, ENOENT, "no credentials in '%s'", prog);
		return berth_error_set(err, EIO, "credential helper '%s %s' failed", prog, verb);
	}
	if (r < 0)
		return berth_error_set(err, EIO, "reading from credential helper '%s'", prog);
	*ret = TAKE_PTR(data);
	return 0;
}

static int helper_get(const char *helper, const char *key, struct registry_creds *ret,
		      struct berth_error **err)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *j = NULL;
	int r = run_helper(helper, "get", key, &out, err);
	if (r < 0)
		return r;
	r = berth_json_parse(out, strlen(out), "credential helper output", &j, err);
	explicit_bzero(out, strlen(out));
	if (r < 0)
		return r;
	const char *user = NULL, *secret = NULL;
	if (berth_json_get_string(j, "Username", false, &user, NULL) < 0 ||
	    berth_json_get_string(j, "Secret", true, &secret, NULL) < 0)
		return berth_error_set(err, EINVAL,
				       "credential helper '%s' gave no Username/Secret", helper);
	ret->username = berth_xstrdup(user ? user : "");
	ret->password = berth_xstrdup(secret);
	return 0;
}

/* The entry for domain in "auths", trying the URL forms Docker writes too. */
static json_t *find_auth_entry(json_t *auths, const char *domain)
{
	const char *key = registry_auth_key(domain);
	json_t *e = json_object_get(auths, key);
	if (e)
		return e;
	const char *k;
	json_t *v;
	json_object_foreach (auths, k, v) {
		const char *h = k;
		if (strncmp(h, "https://", 8) == 0)
			h += 8;
		else if (strncmp(h, "http://", 7) == 0)
			h += 7;
		size_t n = strcspn(h, "/");
		if (strlen(domain) == n && strncmp(h, domain, n) == 0)
			return v;
	}
	return NULL;
}

static int lookup_in(const char *path, const char *domain, struct registry_creds *ret,
		     struct berth_error **err)
{
	_cleanup_json_ json_t *cfg = NULL;
	int r = load_config(path, &cfg, err);
	if (r == -ENOENT) {
		berth_error_free(err);
		return 0;
	}
	if (r < 0)
		return r;
	const char *key = registry_auth_key(domain);
	json_t *helpers = json_object_get(cfg, "credHelpers");
	const char *helper = json_string_value(json_object_get(helpers, key));
	if (!helper)
		helper = json_string_value(json_object_get(helpers, domain));
	if (!helper)
		helper = json_string_value(json_object_get(cfg, "credsStore"));
	if (helper && *helper) {
		r = helper_get(helper, key, ret, err);
		if (r >= 0)
			return 1;
		if (r != -ENOENT)
			return r;
		berth_error_free(err);
	}
	json_t *e = find_auth_entry(json_object_get(cfg, "auths"), domain);
	if (!e)
		return 0;
	const char *auth = json_string_value(json_object_get(e, "auth"));
	const char *idtok = json_string_value(json_object_get(e, "identitytoken"));
	if (auth && *auth) {
		_cleanup_free_ char *dec = NULL;
		size_t len = 0;
		if (berth_base64_decode(auth, strlen(auth), BERTH_BASE64_LENIENT, &dec, &len,
					NULL) < 0 ||
		    !memchr(dec, ':', len) || strlen(dec) != len) {
			if (dec)
				explicit_bzero(dec, len);
			return berth_error_set(err, EINVAL, "invalid 'auth' entry for '%s' in '%s'",
					       domain, path);
		}
		char *colon = strchr(dec, ':');
		ret->username = berth_xstrndup(dec, (size_t)(colon - dec));
		ret->password = berth_xstrdup(colon + 1);
		explicit_bzero(dec, len);
		return 1;
	}
	if (idtok && *idtok) {
		ret->username = berth_xstrdup("<token>");
		ret->password = berth_xstrdup(idtok);
		return 1;
	}
	return 0;
}

int registry_creds_lookup(const char *domain, struct registry_creds *ret, struct berth_error **err)
{
	const char *own = registry_settings()->auth_file;
	const char *docker = registry_settings()->docker_config;
	struct registry_creds c = {0};
	int r = own && *own ? lookup_in(own, domain, &c, err) : 0;
	if (r == 0 && docker && *docker)
		r = lookup_in(docker, domain, &c, err);
	if (r < 0) {
		registry_creds_release(&c);
		return r;
	}
	*ret = c;
	if (r > 0)
		berth_debug("using stored credentials for '%s'", domain);
	return 0;
}

/* Writes cfg to path with mode 0600 (temp file + rename), creating its directory 0700. */
static int save_config(const char *path, json_t *cfg, struct berth_error **err)
{
	_cleanup_free_ char *dir = berth_xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *base = path;
	_cleanup_close_ int dfd = -EBADF;
	if (slash) {
		*slash = '\0';
		base = slash + 1;
		if (*dir) {
			int r = berth_mkdir_p(dir, 0700, err);
			if (r < 0)
				return r;
		}
		dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open directory of '%s'", path);
	char *data = json_dumps(cfg, JSON_INDENT(8));
	if (!data)
		berth_oom();
	size_t len = strlen(data);
	int r = berth_write_file_atomic(dfd, base, data, len, 0600, err);
	explicit_bzero(data, len);
	free(data);
	if (r < 0)
		return berth_error_prefix(err, "write credentials file '%s'", path);
	/* an existing file keeps its mode through rename; make sure it is private */
	if (fchmodat(dfd, base, 0600, 0) < 0)
		return berth_error_syscall(err, errno, "chmod '%s'", path);
	return 0;
}

int registry_creds_store(const char *domain, const char *user, const char *pass,
			 struct berth_error **err)
{
	const char *path = NULL;
	int r = registry_auth_file_path(&path, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *cfg = NULL;
	r = load_config(path, &cfg, err);
	if (r == -ENOENT) {
		berth_error_free(err);
		cfg = json_object();
	} else if (r < 0) {
		return r;
	}
	const char *key = registry_auth_key(domain);
	const char *helper =
		json_string_value(json_object_get(json_object_get(cfg, "credHelpers"), key));
	if (!helper)
		helper = json_string_value(json_object_get(cfg, "credsStore"));
	if (helper && *helper) {
		_cleanup_json_ json_t *in = json_pack("{s:s,s:s,s:s}", "ServerURL", key, "Username",
						      user, "Secret", pass);
		char *s = json_dumps(in, JSON_COMPACT);
		_cleanup_free_ char *out = NULL;
		r = run_helper(helper, "store", s, &out, err);
		explicit_bzero(s, strlen(s));
		free(s);
		return r;
	}
	json_t *auths = json_object_get(cfg, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(cfg, "auths", auths);
	}
	size_t ul = strlen(user), pl = strlen(pass);
	_cleanup_free_ char *pair = berth_xmalloc(ul + pl + 2);
	memcpy(pair, user, ul);
	pair[ul] = ':';
	memcpy(pair + ul + 1, pass, pl + 1);
	_cleanup_free_ char *b64 = berth_base64_encode(pair, ul + pl + 1);
	explicit_bzero(pair, ul + pl + 1);
	json_object_set_new(auths, key, json_pack("{s:s}", "auth", b64));
	explicit_bzero(b64, strlen(b64));
	return save_config(path, cfg, err);
}

int registry_creds_erase(const char *domain, struct berth_error **err)
{
	const char *path = NULL;
	int r = registry_auth_file_path(&path, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *cfg = NULL;
	r = load_config(path, &cfg, err);
	if (r == -ENOENT) {
		berth_error_free(err);
		return berth_error_set(err, ENOENT, "not logged in to '%s'", domain);
	}
	if (r < 0)
		return r;
	const char *key = registry_auth_key(domain);
	const char *helper =
		json_string_value(json_object_get(json_object_get(cfg, "credHelpers"), key));
	if (!helper)
		helper = json_string_value(json_object_get(cfg, "credsStore"));
	if (helper && *helper) {
		_cleanup_free_ char *out = NULL;
		return run_helper(helper, "erase", key, &out, err);
	}
	json_t *auths = json_object_get(cfg, "auths");
	json_t *e = find_auth_entry(auths, domain);
	if (!e)
		return berth_error_set(err, ENOENT, "not logged in to '%s'", domain);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(auths, tmp, k, v)
	{
		if (v == e)
			json_object_del(auths, k);
	}
	return save_config(path, cfg, err);
}
