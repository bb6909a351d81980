#!/usr/bin/env bats
# The Engine API's image, build, network and volume endpoints (issue #22):
# `berth system service` on a socket of the test's own, driven by Debian's
# docker CLI (and Docker 28's, and docker-py), compared with `berth` on the
# same store.
load helpers
source "$BATS_TEST_DIRNAME/../registry/registry.bash"

setup() {
	common_setup
	registry_test_env
	SOCK=$BATS_TEST_TMPDIR/sock
	"$BERTH" --root "$STORE" system service --socket "unix://$SOCK" \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 &
	SERVICE_PID=$!
	for _ in $(seq 100); do [[ -S $SOCK ]] && break; sleep 0.1; done
	[[ -S $SOCK ]]
	# a base image, built by berth itself
	api_base_image
}

teardown() {
	kill "$SERVICE_PID" 2>/dev/null || true
	wait "$SERVICE_PID" 2>/dev/null || true
	registry_cleanup
}

dk() {
	/usr/bin/docker -H "unix://$SOCK" "$@"
}

dk28() {
	/usr/local/bin/docker -H "unix://$SOCK" "$@"
}

@test "api images: docker images, image inspect and history show what berth shows" {
	run dk images --format '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}'
	[ "$status" -eq 0 ]
	[ "$output" = "$(berth images --format '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}')" ]
	# the same JSON `berth image inspect` prints
	[ "$(dk image inspect base:1 | jq -S .)" = "$(berth image inspect base:1 | jq -S .)" ]
	[ "$(dk28 image inspect --format '{{.Id}}' base:1)" = "$(berth image inspect --format '{{.Id}}' base:1)" ]
	run dk history --format '{{.ID}} {{.CreatedBy}} {{.Size}}' base:1
	[ "$status" -eq 0 ]
	[ "$output" = "$(berth history --format '{{.ID}} {{.CreatedBy}} {{.Size}}' base:1)" ]
	# filters: the reference and dangling ones
	run dk images --filter reference=base --format '{{.Repository}}:{{.Tag}}'
	[ "$output" = base:1 ]
	run dk images --filter dangling=true -q
	[ "$output" = "" ]
	run dk image inspect nosuch:1
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such image"* || "$output" == *"no such image"* || "$output" == *"not found"* ]]
	# search is refused clearly
	run curl -s --unix-socket "$SOCK" "http://x/v1.41/images/search?term=busybox"
	[[ "$output" == *"not supported"* ]]
}

@test "api images: tag and rmi, with Docker's Untagged/Deleted answer" {
	dk tag base:1 127.0.0.1:5000/a/b:2
	run berth images --format '{{.Repository}}:{{.Tag}}'
	[[ "$output" == *"127.0.0.1:5000/a/b:2"* ]]
	# a name with slashes reaches its routes
	[ "$(dk image inspect --format '{{.Id}}' 127.0.0.1:5000/a/b:2)" = "$(berth image inspect --format '{{.Id}}' base:1)" ]
	run dk rmi 127.0.0.1:5000/a/b:2
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: 127.0.0.1:5000/a/b:2" ]
	id=$(berth image inspect --format '{{.Id}}' base:1)
	run dk28 rmi base:1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Untagged: base:1"* ]]
	[[ "$output" == *"Deleted: $id"* ]]
	[ -z "$(berth images -q)" ]
	run dk rmi base:1
	[ "$status" -ne 0 ]
}

@test "api images: DOCKER_BUILDKIT=0 docker build, and berth images shows the image" {
	ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx/sub"
	printf 'FROM base:1\nARG WHO\nCOPY sub/ /sub/\nRUN echo "hi $WHO" > /greeting\nLABEL built=api\n' >"$ctx/Dockerfile"
	printf 'FROM base:1\nLABEL alt=1\n' >"$ctx/sub/Alt.df"
	echo data >"$ctx/sub/file"
	run env DOCKER_BUILDKIT=0 /usr/bin/docker -H "unix://$SOCK" build --build-arg WHO=api -t built:1 -t built:2 "$ctx"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Successfully built"* ]]
	[[ "$output" == *"Successfully tagged built:1"* ]]
	run berth images --format '{{.Repository}}:{{.Tag}}'
	[[ "$output" == *"built:1"* && "$output" == *"built:2"* ]]
	[ "$(berth image inspect --format '{{index .Config.Labels "built"}}' built:1)" = api ]
	run berth run --rm built:1 cat /greeting /sub/file
	[ "$output" = "hi api
data" ]
	# -q prints the ID only; -f names a Dockerfile inside the context
	run env DOCKER_BUILDKIT=0 /usr/bin/docker -H "unix://$SOCK" build -q -f "$ctx/sub/Alt.df" -t alt "$ctx"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$(berth image inspect --format '{{.Id}}' alt)" ]
	# a failing step: the error reaches the client, exit code non-zero
	printf 'FROM base:1\nRUN false\n' >"$ctx/Dockerfile"
	run env DOCKER_BUILDKIT=0 /usr/bin/docker -H "unix://$SOCK" build "$ctx"
	[ "$status" -ne 0 ]
	[[ "$output" == *"RUN false"* ]]
}

@test "api images: docker-py builds an image" {
	ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx"
	printf 'FROM base:1\nRUN echo py > /py\n' >"$ctx/Dockerfile"
	run python3 - "$SOCK" "$ctx" <<-'PY'
		import sys, docker
		c = docker.DockerClient(base_url="unix://" + sys.argv[1])
		img, logs = c.images.build(path=sys.argv[2], tag="py:1")
		print(img.id)
	PY
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$(berth image inspect --format '{{.Id}}' py:1)" ]
}

@test "api images: save and load through the API" {
	dk save -o "$BATS_TEST_TMPDIR/a.tar" base:1
	tar -tf "$BATS_TEST_TMPDIR/a.tar" | grep -q manifest.json
	id=$(berth image inspect --format '{{.Id}}' base:1)
	berth rmi base:1 >/dev/null
	run dk load -i "$BATS_TEST_TMPDIR/a.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: base:1"* ]]
	[ "$(berth image inspect --format '{{.Id}}' base:1)" = "$id" ]
	run dk save nosuch:1
	[ "$status" -ne 0 ]
}

@test "api images: docker push and pull against a local registry" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	dk tag base:1 "$REG/test/app:1"
	run dk push "$REG/test/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1: digest: sha256:"* ]]
	want=$(remote_digest "$REG/test/app:1")
	[[ "$output" == *"$want"* ]]
	dk rmi "$REG/test/app:1" >/dev/null
	berth rmi base:1 >/dev/null
	run dk pull "$REG/test/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Digest: $want"* ]]
	[[ "$output" == *"$REG/test/app:1"* ]]
	[ "$(berth images --format '{{.Repository}}:{{.Tag}}')" = "$REG/test/app:1" ]
	run dk28 pull "$REG/test/nosuch:1"
	[ "$status" -ne 0 ]
}

@test "api images: network create, ls, inspect, rm as berth network" {
	run dk network create --subnet 10.231.0.0/24 --label k=v apinet
	[ "$status" -eq 0 ]
	id=$output
	[ "$(berth network inspect --format '{{.Id}}' apinet)" = "$id" ]
	run dk network ls --format '{{.Name}} {{.Driver}}'
	[ "$output" = "$(berth network ls --format '{{.Name}} {{.Driver}}')" ]
	[ "$(dk network inspect apinet | jq -S .)" = "$(berth network inspect apinet | jq -S .)" ]
	run dk network ls --filter name=apin -q
	[ "$output" = "${id:0:12}" ]
	run dk28 network create apinet
	[ "$status" -ne 0 ]
	run dk network rm apinet
	[ "$status" -eq 0 ]
	run berth network inspect apinet
	[ "$status" -ne 0 ]
}

@test "api images: volume create, ls, inspect, rm as berth volume" {
	run dk volume create --label a=b apivol
	[ "$status" -eq 0 ]
	[ "$output" = apivol ]
	run dk volume ls --format '{{.Driver}} {{.Name}}'
	[ "$output" = "local apivol" ]
	[ "$(dk volume inspect apivol | jq -S .)" = "$(berth volume inspect apivol | jq -S .)" ]
	[ "$(dk28 volume inspect --format '{{.Labels.a}}' apivol)" = b ]
	run dk volume rm apivol
	[ "$status" -eq 0 ]
	[ -z "$(berth volume ls -q)" ]
	run dk volume rm apivol
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "${output,,}" == *"no such volume"* ]]
}
