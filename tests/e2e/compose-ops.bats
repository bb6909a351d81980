#!/usr/bin/env bats
# berth compose pull / push against Debian's docker-registry on 127.0.0.1
# (tests/registry/registry.bash), and compose exec; each test in a project
# directory of its own.
load helpers
source "$BATS_TEST_DIRNAME/../registry/registry.bash"

setup() {
	common_setup
	registry_test_env
	unset COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES
	mkdir -p "$BATS_TEST_TMPDIR/proj"
	cd "$BATS_TEST_TMPDIR/proj"
}

teardown() {
	registry_cleanup
	berth rm -f proj-web-1 proj-web-2 >/dev/null 2>&1 || true
}

@test "compose pull: the services' images, -q quiet, SERVICE selects, failures name the service" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	want_a=$($MKIMAGE --out "$OCI" --tag a --layers 2 --size 20000)
	want_b=$($MKIMAGE --out "$OCI" --tag b --layers 1 --size 10000)
	skopeo_push "$OCI" a "$REG/t/a:1"
	skopeo_push "$OCI" b "$REG/t/b:1"
	cat >compose.yaml <<-EOF
		services:
		  a: {image: $REG/t/a:1}
		  a2: {image: $REG/t/a:1}
		  b: {image: $REG/t/b:1}
		  built: {build: .}
	EOF
	# one service: only its image
	run -0 berth compose pull -q b
	[ -z "$output" ]
	[ "$(store_digest "$REG/t/b:1")" = "$want_b" ]
	[ -z "$(store_digest "$REG/t/a:1")" ]
	run -0 berth compose pull
	[ "$(store_digest "$REG/t/a:1")" = "$want_a" ]
	# an unknown service, and an image the registry does not have
	run -1 berth compose pull nope
	assert_one_error_line "compose pull: no such service: nope"
	cat >compose.yaml <<-EOF
		services:
		  gone: {image: $REG/t/gone:1}
		  b: {image: $REG/t/b:1}
	EOF
	run -1 berth compose pull -q
	assert_one_error_line "^berth: compose pull: gone: .*"
	# --ignore-pull-failures: a warning naming the service, and the rest pulled
	run -0 --separate-stderr berth compose pull -q --ignore-pull-failures
	[[ "$stderr" == *"warn"*"gone: "* ]]
	# a service that can be built needs no image from the registry
	cat >compose.yaml <<-EOF
		services:
		  gone: {image: $REG/t/gone:1, build: .}
	EOF
	run -0 --separate-stderr berth compose pull -q
	[[ "$stderr" == *"gone: "* ]]
	run -1 berth compose pull --policy always
	assert_one_error_line "'--policy' is not supported yet"
}

@test "compose push: the services with build and image, to their image names" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	want=$($MKIMAGE --out "$OCI" --tag a --layers 2 --size 20000)
	skopeo_push "$OCI" a "$REG/t/a:1"
	berth pull -q "$REG/t/a:1" >/dev/null
	berth tag "$REG/t/a:1" "$REG/t/web:2"
	berth tag "$REG/t/a:1" "$REG/t/only-image:1"
	cat >compose.yaml <<-EOF
		services:
		  web: {image: $REG/t/web:2, build: .}
		  pulled: {image: $REG/t/only-image:1}
		  local: {build: .}
	EOF
	run -0 berth compose push -q
	[ "$(remote_digest "$REG/t/web:2")" = "$want" ]
	# a service without build is not pushed, as docker compose
	run ! skopeo inspect --tls-verify=false "docker://$REG/t/only-image:1"
	# a failure names the service; --ignore-push-failures makes it a warning
	cat >compose.yaml <<-EOF
		services:
		  missing: {image: $REG/t/missing:1, build: .}
	EOF
	run -1 berth compose push -q
	assert_one_error_line "^berth: compose push: missing: .*"
	run -0 --separate-stderr berth compose push -q --ignore-push-failures
	[[ "$stderr" == *"missing: "* ]]
}

# A container of service $1, number $2, of project "proj" (this directory's
# name), made with run's labels as `compose up` labels its containers.
service_container() {
	berth run -d --network none --name "proj-$1-$2" -e "WHO=$1-$2" \
		--label com.docker.compose.project=proj --label "com.docker.compose.service=$1" \
		--label "com.docker.compose.container-number=$2" ops/busybox:1 sleep 600 >/dev/null
}

@test "compose exec: the service's running container; -T, -e, -w, -u, --index, the exit code; errors" {
	berth import "$(busybox_tar)" ops/busybox:1 >/dev/null
	printf 'services:\n  web: {image: ops/busybox:1}\n  db: {image: ops/busybox:1}\n' >compose.yaml
	service_container web 1
	service_container web 2
	run -0 berth compose exec -T -e X=1 -w /tmp web sh -c 'echo $WHO $X $(pwd)'
	[ "$output" = "web-1 1 /tmp" ]
	run -0 berth compose exec -T --index 2 -u nobody web sh -c 'echo $WHO $(id -un)'
	[ "$output" = "web-2 nobody" ]
	run -3 berth compose exec -T web sh -c 'exit 3'
	run -1 berth compose exec -T db true
	assert_one_error_line 'compose exec: service "db" is not running'
	run -1 berth compose exec -T --index 3 web true
	assert_one_error_line 'compose exec: service "web" is not running container #3'
	run -1 berth compose exec -T nope true
	assert_one_error_line 'compose exec: no such service: nope'
	run -127 berth compose exec -T web no-such-command
}

@test "compose top: each running container of the project (or of the services named), its processes" {
	berth import "$(busybox_tar)" ops/busybox:1 >/dev/null
	printf 'services:\n  web: {image: ops/busybox:1}\n  db: {image: ops/busybox:1}\n' >compose.yaml
	service_container web 1
	service_container web 2
	run -0 berth compose top
	[ "${lines[0]}" = proj-web-1 ]
	[[ "${lines[1]}" == UID*PID*PPID*CMD ]]
	[[ "${lines[2]}" == *"sleep 600"* ]]
	[[ "$output" == *$'\n\nproj-web-2\nUID'* ]]
	run -0 berth compose top db
	[ -z "$output" ]
	run -1 berth compose top nope
	assert_one_error_line 'compose top: no such service: nope'
}
