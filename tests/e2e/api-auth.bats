#!/usr/bin/env bats
# The Engine API with a registry that wants a login (issue #22): Docker's
# CLI logs in through `berth system service` (POST /auth) and sends its
# credentials with each push and pull (X-Registry-Auth); `docker pull -a`
# pulls every tag. The registry is Debian's docker-registry on 127.0.0.1
# with TLS and htpasswd, started by the test; the client keeps its logins
# in a DOCKER_CONFIG of its own, apart from the service's, so nothing but
# the header can lend them to the service.
load helpers
source "$BATS_TEST_DIRNAME/../registry/registry.bash"

setup() {
	common_setup
	registry_test_env
	CLIENT20=$BATS_TEST_TMPDIR/client20
	CLIENT28=$BATS_TEST_TMPDIR/client28
	mkdir -p "$CLIENT20" "$CLIENT28"
}

# start MODE [token-server flags…]: the registry, then the service (which
# so trusts the registry's CA, BERTH_CERTS_D, and has no login of its own)
start() {
	registry_start "$BATS_TEST_TMPDIR/reg" "$@"
	api_service_start
	api_base_image
}

teardown() {
	api_service_stop || true
	registry_cleanup
}

# dk VERSION ARGS…: Docker's CLI 20.10 or 28 on the service, each with its own config
dk() {
	local v=$1
	shift
	if [[ $v == 20 ]]; then
		DOCKER_CONFIG=$CLIENT20 /usr/bin/docker -H "unix://$SOCK" "$@"
	else
		DOCKER_CONFIG=$CLIENT28 /usr/local/bin/docker -H "unix://$SOCK" "$@"
	fi
}

login() { # VERSION PASSWORD
	printf '%s\n' "$2" | dk "$1" login "$REG" -u "$REG_USER" --password-stdin
}

# Nothing of the client's login reached berth's own credentials or the service's log.
assert_nothing_stored() {
	[ ! -e "$BERTH_CONFIG" ]
	[ ! -e "$DOCKER_CONFIG/config.json" ]
	! grep -qF "$REG_PASS" "$SERVICE_LOG"
}

@test "api auth: docker login, then push and pull with the client's credentials (docker 20.10 and 28)" {
	start tls
	REG_AUTH=1
	for v in 20 28; do
		run login $v "$REG_PASS"
		[ "$status" -eq 0 ]
		[[ "$output" == *"Login Succeeded"* ]]
		client=$CLIENT20
		[[ $v == 28 ]] && client=$CLIENT28
		[ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$client/config.json" | base64 -d)" = "$REG_USER:$REG_PASS" ]
		dk $v tag base:1 "$REG/test/app:$v"
		run dk $v push "$REG/test/app:$v"
		[ "$status" -eq 0 ]
		want=$(remote_digest "$REG/test/app:$v")
		[[ "$output" == *"$v: digest: $want"* ]]
		dk $v rmi "$REG/test/app:$v" >/dev/null
		run dk $v pull "$REG/test/app:$v"
		[ "$status" -eq 0 ]
		[[ "$output" == *"$v: Pulling from $REG/test/app"* ]]
		[[ "$output" == *"Digest: $want"* ]]
		[ "$(berth image inspect --format '{{.Id}}' "$REG/test/app:$v")" = "$(berth image inspect --format '{{.Id}}' base:1)" ]
	done
	assert_nothing_stored
	# without a login the service has none to lend
	rm "$CLIENT20/config.json"
	run dk 20 pull "$REG/test/app:20"
	[ "$status" -ne 0 ]
	[[ "$output" == *"authentication to '$REG' required"* ]]
}

@test "api auth: a wrong password fails docker login with Docker's message, and push is refused" {
	start tls
	for v in 20 28; do
		run login $v wrong
		[ "$status" -eq 1 ]
		[[ "$output" == *"Error response from daemon: login attempt to https://$REG/v2/ failed with status: 401 Unauthorized"* ]]
		[ ! -e "$([[ $v == 20 ]] && echo "$CLIENT20" || echo "$CLIENT28")/config.json" ] ||
			[ "$(jq -r --arg r "$REG" '.auths[$r]' "$([[ $v == 20 ]] && echo "$CLIENT20" || echo "$CLIENT28")/config.json")" = null ]
		dk $v tag base:1 "$REG/test/app:$v"
		# no login: the registry's 401, said as berth says it
		run dk $v push "$REG/test/app:$v"
		[ "$status" -ne 0 ]
		[[ "$output" == *"authentication to '$REG' required"* ]]
	done
	# a wrong password the client kept (as an older login left it): sent, refused
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG" "$(printf '%s' "$REG_USER:wrong" | base64 -w0)" \
		>"$CLIENT20/config.json"
	run dk 20 push "$REG/test/app:20"
	[ "$status" -ne 0 ]
	[[ "$output" == *"authentication to '$REG' failed: incorrect username or password"* ]]
	[[ "$output" != *wrong* ]]
	assert_nothing_stored
	# a header that is not base64: one clear 400
	run curl -s -o "$BATS_TEST_TMPDIR/reply" -w '%{http_code}' --unix-socket "$SOCK" \
		-H 'X-Registry-Auth: ***' -X POST "http://x/v1.41/images/create?fromImage=$REG/test/app&tag=20"
	[ "$output" = 400 ]
	[ "$(jq -r .message "$BATS_TEST_TMPDIR/reply")" = "X-Registry-Auth: not base64" ]
}

@test "api auth: docker pull -a pulls every tag of the repository, with the progress stream" {
	start tls
	REG_AUTH=1
	login 20 "$REG_PASS" >/dev/null
	login 28 "$REG_PASS" >/dev/null
	dk 20 tag base:1 "$REG/test/multi:1"
	mkdir "$BATS_TEST_TMPDIR/second"
	printf 'FROM base:1\nLABEL second=1\n' >"$BATS_TEST_TMPDIR/second/Dockerfile"
	berth build -q -t "$REG/test/multi:2" "$BATS_TEST_TMPDIR/second" >/dev/null
	dk 20 push "$REG/test/multi:1" >/dev/null
	dk 20 push "$REG/test/multi:2" >/dev/null
	d1=$(remote_digest "$REG/test/multi:1")
	d2=$(remote_digest "$REG/test/multi:2")
	id1=$(berth image inspect --format '{{.Id}}' "$REG/test/multi:1")
	id2=$(berth image inspect --format '{{.Id}}' "$REG/test/multi:2")
	berth rmi "$REG/test/multi:1" "$REG/test/multi:2" >/dev/null
	for v in 20 28; do
		run dk $v pull -a "$REG/test/multi"
		[ "$status" -eq 0 ]
		[[ "$output" == *"1: Pulling from $REG/test/multi"* ]]
		[[ "$output" == *"2: Pulling from $REG/test/multi"* ]]
		[[ "$output" == *"Digest: $d1"* && "$output" == *"Digest: $d2"* ]]
		[[ "$output" == *"Status: Downloaded newer image for $REG/test/multi"* ]]
		[ "$(berth image inspect --format '{{.Id}}' "$REG/test/multi:1")" = "$id1" ]
		[ "$(berth image inspect --format '{{.Id}}' "$REG/test/multi:2")" = "$id2" ]
		berth rmi "$REG/test/multi:1" "$REG/test/multi:2" >/dev/null
	done
	assert_nothing_stored
}

@test "api auth: an identity token in X-Registry-Auth is exchanged at the token realm" {
	idtok=idt-$RANDOM-$RANDOM-secret
	echo "$idtok:$REG_USER" >"$BATS_TEST_TMPDIR/refresh"
	start token --refresh-tokens "$BATS_TEST_TMPDIR/refresh"
	REG_AUTH=1
	# what docker login leaves for an OAuth2 registry: an identity token only
	jq -n --arg r "$REG" --arg t "$idtok" '{auths: {($r): {identitytoken: $t}}}' \
		>"$CLIENT20/config.json"
	dk 20 tag base:1 "$REG/test/app:1"
	: >"$REG_DIR/tokens.log"
	run dk 20 push "$REG/test/app:1"
	[ "$status" -eq 0 ]
	want=$(remote_digest "$REG/test/app:1")
	[[ "$output" == *"1: digest: $want"* ]]
	grep -q "oauth $REG_USER repository:test/app:pull,push" "$REG_DIR/tokens.log"
	dk 20 rmi "$REG/test/app:1" >/dev/null
	run dk 20 pull "$REG/test/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Digest: $want"* ]]
	grep -q "oauth $REG_USER repository:test/app:pull" "$REG_DIR/tokens.log"
	! grep -qF "$idtok" "$SERVICE_LOG"
	assert_nothing_stored
	# a revoked one: refused, said so
	jq -n --arg r "$REG" '{auths: {($r): {identitytoken: "revoked"}}}' >"$CLIENT20/config.json"
	run dk 20 pull "$REG/test/app:1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the identity token was refused"* ]]
}

@test "api auth: a registry token in X-Registry-Auth is the registry's bearer token, sent as it is" {
	start token
	REG_AUTH=1
	# a token the client got on its own, for the repository's pull and push
	tok=$(curl -sf -u "$REG_USER:$REG_PASS" \
		"http://127.0.0.1:$TOKEN_PORT/token?service=berth-test-registry&scope=repository:test/app:pull,push" |
		jq -r .token)
	[ -n "$tok" ]
	jq -n --arg r "$REG" --arg t "$tok" '{auths: {($r): {registrytoken: $t}}}' >"$CLIENT20/config.json"
	cp "$CLIENT20/config.json" "$CLIENT28/config.json"
	: >"$REG_DIR/tokens.log"
	dk 20 tag base:1 "$REG/test/app:1"
	run dk 20 push "$REG/test/app:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	want=$(printf '%s\n' "$output" | sed -n 's/^1: digest: \(sha256:[0-9a-f]*\).*/\1/p')
	[ -n "$want" ] || { echo "$output"; false; }
	dk 20 rmi "$REG/test/app:1" >/dev/null
	run dk 28 pull "$REG/test/app:1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"Digest: $want"* ]]
	# the service asked the token server for nothing: the client's token went as it was
	[ ! -s "$REG_DIR/tokens.log" ]
	! grep -qF "$tok" "$SERVICE_LOG"
	assert_nothing_stored
	[ "$(remote_digest "$REG/test/app:1")" = "$want" ]
	: >"$REG_DIR/tokens.log"
	# one the registry does not take: refused
	jq -n --arg r "$REG" '{auths: {($r): {registrytoken: "not-a-token"}}}' >"$CLIENT20/config.json"
	dk 20 rmi "$REG/test/app:1" >/dev/null
	run dk 20 pull "$REG/test/app:1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the registry token was refused"* ]] || { echo "$output"; false; }
	[ ! -s "$REG_DIR/tokens.log" ]
}

@test "api auth: docker-py logs in, pushes with auth_config and pulls every tag" {
	start tls
	REG_AUTH=1
	berth tag base:1 "$REG/py/app:1"
	berth tag base:1 "$REG/py/app:2"
	run python3 - "$SOCK" "$REG" "$REG_USER" "$REG_PASS" <<-'PY'
		import sys, docker
		sock, reg, user, password = sys.argv[1:]
		c = docker.DockerClient(base_url="unix://" + sock)
		try:
		    c.login(username=user, password="wrong", registry=reg)
		    sys.exit("a wrong password logged in")
		except docker.errors.APIError as e:
		    print("refused:", e.explanation)
		print(c.login(username=user, password=password, registry=reg)["Status"])
		auth = {"username": user, "password": password}
		for tag in ("1", "2"):
		    for line in c.images.push(reg + "/py/app", tag, auth_config=auth, stream=True, decode=True):
		        if "error" in line:
		            sys.exit(line["error"])
		c.images.remove(reg + "/py/app:1")
		c.images.remove(reg + "/py/app:2")
		c.images.pull(reg + "/py/app", all_tags=True, auth_config=auth)
		print(sorted(t for i in c.api.images(name=reg + "/py/app") for t in i["RepoTags"]))
	PY
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"refused: login attempt to https://$REG/v2/ failed with status: 401 Unauthorized"* ]]
	[[ "$output" == *"Login Succeeded"* ]]
	[ "${lines[-1]}" = "['$REG/py/app:1', '$REG/py/app:2']" ]
	[ "$(remote_digest "$REG/py/app:2")" = "$(remote_digest "$REG/py/app:1")" ]
	assert_nothing_stored
}
