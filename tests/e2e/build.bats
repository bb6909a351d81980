#!/usr/bin/env bats
# `berth build`: issue #6. Every test has its own store; the base image is
# the busybox fixture, built into the store FROM scratch (so these tests do
# not depend on `berth import`).

load helpers
source "$BATS_TEST_DIRNAME/../registry/registry.bash"

setup() {
	common_setup
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX"
}

teardown() {
	registry_cleanup
	# a build a test started in the background, by its PID
	if [[ -n "${BUILD_PID:-}" ]]; then
		kill -KILL "$BUILD_PID" 2>/dev/null || true
		wait "$BUILD_PID" 2>/dev/null || true
	fi
	# a web server a test started, by its PID
	if [[ -n "${HTTP_PID:-}" ]]; then
		kill "$HTTP_PID" 2>/dev/null || true
		wait "$HTTP_PID" 2>/dev/null || true
	fi
	# nothing of a build may stay mounted, even after a failure
	if [[ -n "${STORE:-}" ]] && findmnt -rn -o TARGET | grep -q "^$STORE/"; then
		findmnt -rn -o TARGET | grep "^$STORE/" | sort -r | xargs -r -n1 umount -l || true
	fi
}

# The busybox fixture as image busybox:fixture in $STORE.
make_base() {
	local b=$BATS_TEST_TMPDIR/base
	mkdir -p "$b/rootfs"
	tar -C "$b/rootfs" -xf "$(busybox_tar)"
	printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$b/Dockerfile"
	berth build -q -t busybox:fixture "$b" >/dev/null
}

# The image config of a tag, as JSON, read from the store's blobs (skopeo
# would drop the Docker-only fields Healthcheck and OnBuild).
config_of() {
	local m c
	m=$(jq -r --arg n "docker.io/library/$1" \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
		"$STORE/index.json" | cut -d: -f2)
	c=$(jq -r .config.digest "$STORE/blobs/sha256/$m" | cut -d: -f2)
	cat "$STORE/blobs/sha256/$c"
}

layers_of() {
	config_of "$1" | jq -r '.rootfs.diff_ids[]'
}

no_leftovers() {
	! findmnt -rn -o TARGET | grep -q "^$STORE/"
	[[ -z "$(ls -A "$STORE/tmp" 2>/dev/null)" ]]
}

@test "build: FROM scratch, COPY, metadata; the image is in the store with history" {
	make_base
	echo hello >"$CTX/hello.txt"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		ENV GREETING=hi
		WORKDIR /app
		COPY hello.txt .
		LABEL org.example.team=builders
		EXPOSE 8080
		USER app
		CMD ["cat", "/app/hello.txt"]
	EOF
	run berth build -t demo:1 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" == *"[stage-0 4/8] COPY hello.txt ."* ]]
	[[ "$output" == *"naming to demo:1 done"* ]]
	cfg=$(config_of demo:1)
	[ "$(jq -r '.config.WorkingDir' <<<"$cfg")" = /app ]
	[ "$(jq -r '.config.User' <<<"$cfg")" = app ]
	[ "$(jq -r '.config.Labels["org.example.team"]' <<<"$cfg")" = builders ]
	[ "$(jq -r '.config.ExposedPorts | keys[0]' <<<"$cfg")" = 8080/tcp ]
	[ "$(jq -c '.config.Cmd' <<<"$cfg")" = '["cat","/app/hello.txt"]' ]
	jq -r '.config.Env[]' <<<"$cfg" | grep -qx GREETING=hi
	# a history entry per instruction; metadata ones are empty layers
	jq -r '.history[] | "\(.created_by)|\(.empty_layer // false)"' <<<"$cfg" >"$BATS_TEST_TMPDIR/h"
	grep -qx 'ENV GREETING=hi|true' "$BATS_TEST_TMPDIR/h"
	grep -qx 'COPY hello.txt /app/. # buildkit|false' "$BATS_TEST_TMPDIR/h"
	grep -qx 'USER app|true' "$BATS_TEST_TMPDIR/h"
	[ "$(jq '.history | map(select(.empty_layer != true)) | length' <<<"$cfg")" -eq \
		"$(jq '.rootfs.diff_ids | length' <<<"$cfg")" ]
	# umoci reads the result in place: the file is there, owned by root
	umoci unpack --image "$STORE:docker.io/library/demo:1" "$BATS_TEST_TMPDIR/unpacked" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/unpacked/rootfs/app/hello.txt")" = hello ]
	[ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/unpacked/rootfs/app/hello.txt")" = 0:0 ]
	no_leftovers
}

@test "build: SOURCE_DATE_EPOCH, read by the CLI, dates history and clamps mtimes: rebuilds at other times give the same image" {
	echo a >"$CTX/a.txt"
	printf 'FROM scratch\nCOPY a.txt /\nENV X=1\n' >"$CTX/Dockerfile"
	one=$(SOURCE_DATE_EPOCH=1700000000 berth build -q -t sde:1 "$CTX")
	touch -d '2030-01-01' "$CTX/a.txt"
	two=$(SOURCE_DATE_EPOCH=1700000000 berth build --no-cache -q -t sde:2 "$CTX")
	[ "$one" = "$two" ]
	[ "$(config_of sde:1 | jq -r '[.history[].created] | unique | join(" ")')" = 2023-11-14T22:13:20Z ]
	SOURCE_DATE_EPOCH=yesterday run berth build -q "$CTX"
	assert_one_error_line "invalid SOURCE_DATE_EPOCH 'yesterday'"
}

@test "build: an unchanged rebuild is all CACHED, reads no file contents and gives the same id" {
	make_base
	mkdir -p "$CTX/src"
	for i in $(seq 1 50); do echo "file $i" >"$CTX/src/f$i"; done
	printf 'FROM busybox:fixture\nCOPY src /src\nRUN_NOT=1\n' >/dev/null
	printf 'FROM busybox:fixture\nCOPY src /src\nENV X=1\n' >"$CTX/Dockerfile"
	run berth build -t c:1 "$CTX"
	[ "$status" -eq 0 ]
	id1=$(config_of c:1 | sha256sum)
	run berth build -t c:1 "$CTX"
	[ "$status" -eq 0 ]
	[ "$(grep -c CACHED <<<"$output")" -eq 2 ]
	[[ "$output" == *"0 bytes read to hash contents"* ]]
	[ "$(config_of c:1 | sha256sum)" = "$id1" ]
	# a touch changes the mtime, not the content: the stat cache rehashes, the cache still hits
	touch "$CTX/src/f1"
	run berth build -t c:1 "$CTX"
	[ "$(grep -c CACHED <<<"$output")" -eq 2 ]
	[[ "$output" != *" 0 bytes read"* ]]
}

@test "build: editing the source of the last COPY re-runs only that step; earlier layers keep their digests" {
	make_base
	echo 'requests==1' >"$CTX/requirements.txt"
	echo 'print(1)' >"$CTX/app.py"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		WORKDIR /app
		COPY requirements.txt .
		ENV MODE=prod
		COPY app.py .
	EOF
	berth build -q -t e:1 "$CTX"
	layers_of e:1 >"$BATS_TEST_TMPDIR/before"
	echo 'print(2)' >"$CTX/app.py"
	run berth build -t e:1 "$CTX"
	[ "$status" -eq 0 ]
	[ "$(grep -c CACHED <<<"$output")" -eq 3 ]
	grep -A1 'COPY app.py' <<<"$output" | grep -q DONE
	layers_of e:1 >"$BATS_TEST_TMPDIR/after"
	n=$(wc -l <"$BATS_TEST_TMPDIR/before")
	[ "$(head -n $((n - 1)) "$BATS_TEST_TMPDIR/before")" = "$(head -n $((n - 1)) "$BATS_TEST_TMPDIR/after")" ]
	[ "$(tail -1 "$BATS_TEST_TMPDIR/before")" != "$(tail -1 "$BATS_TEST_TMPDIR/after")" ]
}

@test "build: a one-file edit of a COPY context: the RUN's lower dir links the unchanged big file; an edited one (same size and mtime, new ctime) is written" {
	make_base
	mkdir -p "$CTX/src"
	head -c 1048576 /dev/urandom >"$CTX/big.bin"
	echo one >"$CTX/src/a.txt"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		COPY . /ctx/
		RUN md5sum /ctx/big.bin >/sum
	EOF
	berth build -q -t r:1 "$CTX"
	echo two >>"$CTX/src/a.txt"
	berth build -q -t r:2 "$CTX"
	# the two COPY layers' unpacked big.bin: one inode with two links
	run find "$STORE/layers" -path '*/diff/ctx/big.bin' -printf '%i %n\n'
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "${lines[1]}" ]
	[[ ${lines[0]} == *" 2" ]]
	# the small edited file is a file of its own in each
	[ "$(find "$STORE/layers" -path '*/diff/ctx/src/a.txt' -printf '%i\n' | sort -u | wc -l)" -eq 2 ]
	# other bytes, same size, mtime put back: only the ctime tells; never reused
	mtime=$(stat -c %y "$CTX/big.bin")
	printf X | dd of="$CTX/big.bin" bs=1 seek=524288 conv=notrunc 2>/dev/null
	touch -d "$mtime" "$CTX/big.bin"
	berth build -q -t r:3 "$CTX"
	run find "$STORE/layers" -path '*/diff/ctx/big.bin' -printf '%i\n'
	[ "${#lines[@]}" -eq 3 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 2 ]
	want=$(md5sum <"$CTX/big.bin" | cut -d' ' -f1)
	run berth run --rm --network none r:3 cat /sum
	[ "$status" -eq 0 ]
	[[ $output == "$want "* ]]
	run berth run --rm --network none r:2 cat /sum
	[[ $output != "$want "* ]]
	# the unpacked layers still match their listings
	run berth system check
	[ "$status" -eq 0 ]
}

@test "build: --no-cache runs every step again" {
	make_base
	printf 'FROM busybox:fixture\nENV A=1\n' >"$CTX/Dockerfile"
	berth build -q -t n:1 "$CTX"
	run berth build --no-cache -t n:1 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" != *CACHED* ]]
}

@test "build: -q prints only the id, --iidfile writes it, several -t tag the same image" {
	make_base
	printf 'FROM busybox:fixture\nLABEL a=b\n' >"$CTX/Dockerfile"
	run --separate-stderr berth build -q --iidfile "$BATS_TEST_TMPDIR/iid" -t one:1 -t two:2 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$(cat "$BATS_TEST_TMPDIR/iid")" = "$output" ]
	[ "$(config_of one:1 | sha256sum)" = "$(config_of two:2 | sha256sum)" ]
	# the image id is the digest of the config
	[ "sha256:$(skopeo inspect --raw "oci:$STORE:docker.io/library/one:1" | jq -r .config.digest | cut -d: -f2)" = "$output" ]
}

@test "build: without -t the image is dangling and its id is printed" {
	make_base
	printf 'FROM busybox:fixture\nLABEL dangling=yes\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" =~ writing\ image\ sha256:[0-9a-f]{64}\ done ]]
	jq -e '.manifests | map(select(.annotations == null)) | length == 1' "$STORE/index.json"
}

@test "build: .dockerignore keeps files out of the build and out of cache keys" {
	make_base
	mkdir -p "$CTX/node_modules/x" "$CTX/keep"
	echo big >"$CTX/node_modules/x/index.js"
	echo secret >"$CTX/.env"
	echo kept >"$CTX/keep/a"
	printf 'node_modules\n.env\n' >"$CTX/.dockerignore"
	printf 'FROM busybox:fixture\nCOPY . /ctx\n' >"$CTX/Dockerfile"
	berth build -q -t ig:1 "$CTX"
	umoci unpack --image "$STORE:docker.io/library/ig:1" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ -f "$BATS_TEST_TMPDIR/u/rootfs/ctx/keep/a" ]
	[ ! -e "$BATS_TEST_TMPDIR/u/rootfs/ctx/node_modules" ]
	[ ! -e "$BATS_TEST_TMPDIR/u/rootfs/ctx/.env" ]
	# changing an ignored file does not invalidate the cache
	echo changed >"$CTX/node_modules/x/index.js"
	run berth build -t ig:1 "$CTX"
	grep -A1 'COPY \. /ctx' <<<"$output" | grep -q CACHED
	# and an ignored file cannot be named
	printf 'FROM busybox:fixture\nCOPY .env /\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'.env' not found in the build context"* ]]
}

@test "build: a source outside the context, or a symlink leading out, is an error" {
	make_base
	echo outside >"$BATS_TEST_TMPDIR/outside"
	ln -s "$BATS_TEST_TMPDIR/outside" "$CTX/abs-link"
	ln -s ../outside "$CTX/rel-link"
	printf 'FROM busybox:fixture\nCOPY ../outside /x\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Dockerfile:2: 'COPY ../outside /x': forbidden path outside the build context"* ]]
	for l in abs-link rel-link; do
		printf 'FROM busybox:fixture\nCOPY %s /x\n' "$l" >"$CTX/Dockerfile"
		run berth build "$CTX"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Dockerfile:2: 'COPY $l /x'"* ]]
	done
	no_leftovers
}

@test "build: a Dockerfile that is a symlink out of the context is refused, naming it, as .dockerignore" {
	mkdir -p "$BATS_TEST_TMPDIR/out" "$CTX/docker"
	printf 'FROM scratch\nLABEL from=outside\n' >"$BATS_TEST_TMPDIR/out/Dockerfile"
	for target in "$BATS_TEST_TMPDIR/out/Dockerfile" ../out/Dockerfile; do
		ln -sfn "$target" "$CTX/Dockerfile"
		run berth build -q "$CTX"
		assert_one_error_line "^berth: the Dockerfile '$CTX/Dockerfile' is a symlink out of the build context$"
	done
	# the same for .dockerignore
	rm "$CTX/Dockerfile"
	printf 'FROM scratch\n' >"$CTX/Dockerfile"
	ln -s ../out/Dockerfile "$CTX/.dockerignore"
	run berth build -q "$CTX"
	assert_one_error_line "\.dockerignore"
	rm "$CTX/.dockerignore"
	# -f: beneath the directory it names
	ln -s ../../out/Dockerfile "$CTX/docker/Dockerfile.prod"
	run berth build -q -f "$CTX/docker/Dockerfile.prod" "$CTX"
	assert_one_error_line "^berth: the Dockerfile '$CTX/docker/Dockerfile.prod' is a symlink out of its directory$"
	# a symlink that stays inside is followed, as Docker does
	printf 'FROM scratch\nLABEL from=inside\n' >"$CTX/docker/real"
	ln -sfn real "$CTX/docker/Dockerfile.prod"
	ln -sfn docker/real "$CTX/Dockerfile"
	run berth build -q -t inside:1 "$CTX"
	[ "$status" -eq 0 ]
	run berth build -q -t inside:2 -f "$CTX/docker/Dockerfile.prod" "$CTX"
	[ "$status" -eq 0 ]
	[ "$(berth inspect inside:2 | jq -r '.[0].Config.Labels.from')" = inside ]
	no_leftovers
}

@test "build: COPY wildcards, trailing-slash rules, --chmod, --chown with ids, --exclude, --parents" {
	make_base
	mkdir -p "$CTX/a/b" "$CTX/dir"
	echo 1 >"$CTX/one.txt"; echo 2 >"$CTX/two.txt"; echo 3 >"$CTX/three.md"
	echo x >"$CTX/a/b/deep.txt"; echo d >"$CTX/dir/in.txt"; echo skip >"$CTX/dir/skip.log"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		COPY *.txt /texts/
		COPY one.txt /renamed
		COPY --chmod=0750 --chown=1000:1000 dir /d
		COPY --exclude=*.log dir /nolog/
		COPY --parents a/b/deep.txt /p/
	EOF
	run berth build -t w:1 "$CTX"
	[ "$status" -eq 0 ]
	umoci unpack --image "$STORE:docker.io/library/w:1" "$BATS_TEST_TMPDIR/u" >/dev/null
	r=$BATS_TEST_TMPDIR/u/rootfs
	[ -f "$r/texts/one.txt" ] && [ -f "$r/texts/two.txt" ] && [ ! -e "$r/texts/three.md" ]
	[ "$(cat "$r/renamed")" = 1 ]
	[ -f "$r/d/in.txt" ] && [ "$(stat -c %a:%u:%g "$r/d/in.txt")" = 750:1000:1000 ]
	[ -f "$r/nolog/in.txt" ] && [ ! -e "$r/nolog/skip.log" ]
	[ -f "$r/p/a/b/deep.txt" ]
}

@test "build: multi-stage COPY --from by name and index, --target prunes unneeded stages" {
	make_base
	echo artefact >"$CTX/artefact"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture AS build
		COPY artefact /out/app
		FROM busybox:fixture AS unused
		LABEL never=built
		FROM scratch AS final
		COPY --from=build /out/app /app
		COPY --from=0 /out/app /app0
		FROM final AS later
		LABEL later=1
	EOF
	run berth build --target final -t ms:1 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" != *"never=built"* ]]
	[[ "$output" != *"later=1"* ]]
	[[ "$output" == *"[build 2/2] COPY artefact /out/app"* ]]
	umoci unpack --image "$STORE:docker.io/library/ms:1" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/app")" = artefact ]
	[ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/app0")" = artefact ]
	[ ! -e "$BATS_TEST_TMPDIR/u/rootfs/bin/busybox" ]
	no_leftovers
}

@test "build: ARG scoping: global ARGs in FROM only, redeclared in a stage; unused --build-arg warned" {
	make_base
	cat >"$CTX/Dockerfile" <<-'EOF'
		ARG BASE=busybox:fixture
		ARG VERSION=1.0
		FROM $BASE
		LABEL outside="v${VERSION}"
		ARG VERSION
		LABEL inside="v${VERSION}"
		ARG LOCAL=dflt
		ENV FROM_ARG=$LOCAL
	EOF
	run berth build --build-arg VERSION=2.0 --build-arg NOBODY=x -t a:1 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" == *"WARNING: one or more build-args [NOBODY] were not consumed"* ]]
	cfg=$(config_of a:1)
	[ "$(jq -r '.config.Labels.outside' <<<"$cfg")" = v ]
	[ "$(jq -r '.config.Labels.inside' <<<"$cfg")" = v2.0 ]
	jq -r '.config.Env[]' <<<"$cfg" | grep -qx FROM_ARG=dflt
	# ARG values are not persisted
	! jq -r '.config.Env[]' <<<"$cfg" | grep -q VERSION
}

@test "build: ENTRYPOINT resets an inherited CMD but keeps one set earlier in the stage" {
	make_base
	printf 'FROM busybox:fixture\nENTRYPOINT ["echo"]\n' >"$CTX/Dockerfile"
	berth build -q -t ep:1 "$CTX"
	[ "$(config_of ep:1 | jq -c .config.Cmd)" = null ]
	printf 'FROM busybox:fixture\nCMD ["x"]\nENTRYPOINT ["echo"]\n' >"$CTX/Dockerfile"
	berth build -q -t ep:2 "$CTX"
	[ "$(config_of ep:2 | jq -c .config.Cmd)" = '["x"]' ]
	printf 'FROM busybox:fixture\nENTRYPOINT echo hi\n' >"$CTX/Dockerfile"
	berth build -q -t ep:3 "$CTX"
	[ "$(config_of ep:3 | jq -c .config.Entrypoint)" = '["/bin/sh","-c","echo hi"]' ]
}

@test "build: HEALTHCHECK, STOPSIGNAL, VOLUME, SHELL, MAINTAINER land in the config" {
	make_base
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD wget -q -O- localhost
		STOPSIGNAL SIGTERM
		VOLUME ["/data", "/logs"]
		SHELL ["/bin/sh", "-ec"]
		MAINTAINER someone@example.com
		CMD echo shell-form
	EOF
	berth build -q -t md:1 "$CTX"
	cfg=$(config_of md:1)
	[ "$(jq -c .config.Healthcheck <<<"$cfg")" = '{"Test":["CMD-SHELL","wget -q -O- localhost"],"Interval":30000000000,"Timeout":90000000000,"Retries":3}' ]
	[ "$(jq -r .config.StopSignal <<<"$cfg")" = SIGTERM ]
	[ "$(jq -c '.config.Volumes | keys' <<<"$cfg")" = '["/data","/logs"]' ]
	[ "$(jq -c .config.Cmd <<<"$cfg")" = '["/bin/sh","-ec","echo shell-form"]' ]
	[ "$(jq -r .author <<<"$cfg")" = someone@example.com ]
}

@test "build: ONBUILD is stored, and triggered when the image is used as a base" {
	make_base
	echo payload >"$CTX/payload"
	printf 'FROM busybox:fixture\nONBUILD COPY payload /from-trigger\n' >"$CTX/Dockerfile"
	berth build -q -t ob:base "$CTX"
	[ "$(config_of ob:base | jq -c .config.OnBuild)" = '["COPY payload /from-trigger"]' ]
	printf 'FROM ob:base\nLABEL child=1\n' >"$CTX/Dockerfile"
	run berth build -t ob:child "$CTX"
	[ "$status" -eq 0 ]
	umoci unpack --image "$STORE:docker.io/library/ob:child" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/from-trigger")" = payload ]
	[ "$(config_of ob:child | jq -c .config.OnBuild)" = null ]
}

@test "build: a Dockerfile on stdin with no context, and a tar context on stdin" {
	make_base
	run berth build -t stdin:1 - <<<$'FROM busybox:fixture\nLABEL from=stdin'
	[ "$status" -eq 0 ]
	[ "$(config_of stdin:1 | jq -r .config.Labels.from)" = stdin ]
	echo intar >"$CTX/f"
	printf 'FROM busybox:fixture\nCOPY f /f\n' >"$CTX/Dockerfile"
	tar -C "$CTX" -cf "$BATS_TEST_TMPDIR/ctx.tar" .
	run berth build -t tar:1 - <"$BATS_TEST_TMPDIR/ctx.tar"
	[ "$status" -eq 0 ]
	umoci unpack --image "$STORE:docker.io/library/tar:1" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/f")" = intar ]
	no_leftovers
}

@test "build: independent stages are built in parallel threads and both land" {
	make_base
	echo a >"$CTX/a"; echo b >"$CTX/b"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture AS one
		COPY a /a
		FROM busybox:fixture AS two
		COPY b /b
		FROM scratch
		COPY --from=one /a /a
		COPY --from=two /b /b
	EOF
	run berth build -t par:1 "$CTX"
	[ "$status" -eq 0 ]
	umoci unpack --image "$STORE:docker.io/library/par:1" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/a")$(cat "$BATS_TEST_TMPDIR/u/rootfs/b")" = ab ]
}

@test "builder prune: removes cache entries and their unreferenced layers" {
	make_base
	echo x >"$CTX/x"
	# a failed build leaves the cache entry of its completed COPY, used by no image
	printf 'FROM busybox:fixture\nCOPY x /x\nCOPY missing /m\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	echo kept >"$CTX/kept"
	printf 'FROM busybox:fixture\nCOPY kept /kept\n' >"$CTX/Dockerfile"
	berth build -q -t p:1 "$CTX"
	before=$(ls "$STORE/blobs/sha256" | wc -l)
	run berth builder prune -f
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted build cache objects: 1"* ]]
	after=$(ls "$STORE/blobs/sha256" | wc -l)
	[ "$after" -eq $((before - 1)) ]
	# what the tagged image uses is still cached
	run berth build -t p:1 "$CTX"
	grep -A1 'COPY kept /kept' <<<"$output" | grep -q CACHED
	run berth builder prune -f --all
	[ "$status" -eq 0 ]
	[ -z "$(ls "$STORE/cache/build" | grep json || true)" ]
	run berth build -t p:1 "$CTX"
	[[ "$output" != *CACHED* ]]
	# --keep-storage keeps the most recent entries up to a size
	run berth builder prune -f --keep-storage 1GB
	[ "$status" -eq 0 ]
	[[ "$output" == *"Deleted build cache objects: 0"* ]]
}

# ---- bad input: one clear error naming file:line, exit 1, nothing left behind ----

@test "build bad input: unknown instruction" {
	printf 'FROM scratch\nRUNN make\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Dockerfile:2:1: unknown instruction: RUNN (did you mean RUN?)"* ]]
	no_leftovers
}

@test "build bad input: a bad flag" {
	make_base
	printf 'FROM busybox:fixture\nCOPY --chwon=1 a /a\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Dockerfile:2"*"chwon"* ]]
	run berth build --frobnicate "$CTX"
	[ "$status" -eq 1 ]
}

@test "build bad input: a missing stage or image in FROM / COPY --from" {
	# a registry on loopback that is not there: the pull fails fast
	printf 'FROM localhost:1/nosuchimage:1\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Dockerfile:1: 'FROM localhost:1/nosuchimage:1': base image 'localhost:1/nosuchimage:1' is not in the store"* ]]
	printf 'FROM scratch\nCOPY --from=nostage /a /a\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Dockerfile:2: 'COPY --from=nostage /a /a': no such image: 'nostage'"* ]]
	no_leftovers
}

@test "build bad input: circular COPY --from" {
	printf 'FROM scratch AS a\nCOPY --from=a /x /x\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Dockerfile:2: 'COPY --from=a /x /x': circular dependency detected on stage: a"* ]]
	printf 'FROM scratch AS a\nCOPY --from=b /x /x\nFROM scratch AS b\nCOPY --from=a /y /y\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"circular dependency detected on stage: b"* ]]
}

@test "build bad input: COPY source not found lists what is close" {
	echo x >"$CTX/package.json"
	printf 'FROM scratch\nCOPY pakage.json /\n' >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"berth: Dockerfile:2: 'COPY pakage.json /': 'pakage.json' not found in the build context (close: 'package.json')"* ]]
	no_leftovers
}

@test "build bad input: --target not found" {
	printf 'FROM scratch AS one\nFROM scratch\nFROM scratch AS three\n' >"$CTX/Dockerfile"
	run berth build --target two "$CTX"
	# BuildKit: target stage "two" could not be found; berth names the stages
	assert_one_error_line '^berth: target stage "two" could not be found; stages: one, three$' 
	[ "$status" -eq 1 ]
}

@test "build bad input: a build arg with no value" {
	printf 'FROM scratch\n' >"$CTX/Dockerfile"
	run env -u NOPE_UNSET "$BERTH" --root "$STORE" build --build-arg NOPE_UNSET "$CTX"
	assert_one_error_line "build arg 'NOPE_UNSET' has no value"
	[ "$status" -eq 1 ]
	# a name from the environment is fine
	run env FROM_ENV=1 "$BERTH" --root "$STORE" build -q --build-arg FROM_ENV "$CTX"
	[ "$status" -eq 0 ]
}

@test "build bad input: a context path that does not exist" {
	run berth build "$BATS_TEST_TMPDIR/nothere"
	assert_one_error_line "unable to prepare context: path '.*nothere' not found"
	[ "$status" -eq 1 ]
}

@test "build bad input: a Dockerfile that is a directory" {
	mkdir "$CTX/Dockerfile"
	run berth build "$CTX"
	assert_one_error_line "is a directory"
	[ "$status" -eq 1 ]
	mkdir "$CTX/other"
	run berth build -f "$CTX/other" "$CTX"
	assert_one_error_line "is a directory"
}

@test "build bad input: an ignored Dockerfile referenced by -f" {
	mkdir -p "$CTX/docker"
	printf 'FROM scratch\n' >"$CTX/docker/app.Dockerfile"
	printf 'docker\n' >"$CTX/.dockerignore"
	run berth build -f "$CTX/docker/app.Dockerfile" "$CTX"
	assert_one_error_line "the Dockerfile '.*app.Dockerfile' is excluded by .dockerignore"
	[ "$status" -eq 1 ]
}

@test "build bad input: the store is unchanged except for cache entries of completed steps" {
	make_base
	echo a >"$CTX/a"
	printf 'FROM busybox:fixture\nCOPY a /a\nCOPY missing /m\n' >"$CTX/Dockerfile"
	cp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
	run berth build -t never:1 "$CTX"
	[ "$status" -eq 1 ]
	cmp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
	no_leftovers
	# the completed COPY a is cached for the next attempt
	printf 'FROM busybox:fixture\nCOPY a /a\n' >"$CTX/Dockerfile"
	run berth build -t now:1 "$CTX"
	grep -A1 'COPY a /a' <<<"$output" | grep -q CACHED
}

# ---- RUN (the runtime of issue #5) ----

@test "build RUN: on an overlay of the stage, with its env, user, workdir and shell; the upper dir is the layer" {
	make_base
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		ENV GREETING=hi
		WORKDIR /work
		RUN echo "$GREETING from $(pwd)" >out.txt && echo streamed-line
		USER app
		RUN id -un >/tmp/who
		SHELL ["/bin/sh", "-ec"]
		RUN echo "shell $0" >/tmp/shell
		USER root
		RUN rm /bin/vi
	EOF
	run berth build --progress plain -t run:1 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" =~ \#[0-9]+\ [0-9.]+\ streamed-line ]]
	umoci unpack --image "$STORE:docker.io/library/run:1" "$BATS_TEST_TMPDIR/u" >/dev/null
	r=$BATS_TEST_TMPDIR/u/rootfs
	[ "$(cat "$r/work/out.txt")" = "hi from /work" ]
	[ "$(cat "$r/tmp/who")" = app ]
	[ "$(cat "$r/tmp/shell")" = "shell /bin/sh" ]
	[ ! -e "$r/bin/vi" ]          # a whiteout in the last layer
	[ -e "$r/bin/ls" ]
	no_leftovers
}

@test "build RUN: ARGs are its environment and part of its cache key, not of the config" {
	make_base
	printf 'FROM busybox:fixture\nARG FLAVOUR=plain\nRUN echo "$FLAVOUR" >/flavour\n' >"$CTX/Dockerfile"
	berth build -q -t arg:1 "$CTX"
	run berth build -t arg:1 "$CTX"
	grep -A1 'RUN echo' <<<"$output" | grep -q CACHED
	run berth build --build-arg FLAVOUR=spicy -t arg:2 "$CTX"
	! grep -A1 'RUN echo' <<<"$output" | grep -q CACHED
	umoci unpack --image "$STORE:docker.io/library/arg:2" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/flavour")" = spicy ]
	! config_of arg:2 | jq -r '.config.Env[]' | grep -q FLAVOUR
}

@test "build RUN: --mount=type=cache persists, type=secret never lands in the layer, tmpfs and bind work, heredoc script" {
	make_base
	echo s3cr3t >"$BATS_TEST_TMPDIR/secret"
	echo from-context >"$CTX/input"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		ARG N=1
		RUN --mount=type=cache,target=/cache,id=c echo "run $N" >>/cache/log && cat /cache/log | wc -l >/cachecount
		RUN --mount=type=secret,id=tok cat /run/secrets/tok | wc -c >/secretlen
		RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && ls /scratch >/tmpfs-ls
		RUN --mount=type=bind,source=input,target=/in cp /in /copied
		RUN <<EOT
		echo from heredoc >/heredoc
		EOT
	EOF
	berth build -q --secret id=tok,src="$BATS_TEST_TMPDIR/secret" -t mnt:1 "$CTX"
	berth build -q --build-arg N=2 --secret id=tok,src="$BATS_TEST_TMPDIR/secret" -t mnt:2 "$CTX"
	umoci unpack --image "$STORE:docker.io/library/mnt:2" "$BATS_TEST_TMPDIR/u" >/dev/null
	r=$BATS_TEST_TMPDIR/u/rootfs
	[ "$(cat "$r/cachecount")" -eq 2 ]
	[ "$(cat "$r/secretlen")" -eq 7 ]
	[ ! -e "$r/run/secrets/tok" ]
	! grep -rq s3cr3t "$r"
	! config_of mnt:2 | grep -q s3cr3t
	[ "$(cat "$r/tmpfs-ls")" = x ]
	[ ! -e "$r/scratch/x" ]
	[ "$(cat "$r/copied")" = from-context ]
	[ "$(cat "$r/heredoc")" = "from heredoc" ]
	no_leftovers
}

@test "build RUN: --network none has only loopback" {
	make_base
	printf 'FROM busybox:fixture\nRUN --network=none ls /sys/class/net >/nets\n' >"$CTX/Dockerfile"
	berth build -q -t net:1 "$CTX"
	umoci unpack --image "$STORE:docker.io/library/net:1" "$BATS_TEST_TMPDIR/u" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/u/rootfs/nets")" = lo ]
}

@test "build bad input: a RUN that fails shows the command, exit code and last lines, leaves nothing behind" {
	make_base
	printf 'FROM busybox:fixture\nRUN echo first; echo last-words; exit 3\n' >"$CTX/Dockerfile"
	cp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
	run berth build -t fail:1 "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"berth: Dockerfile:2: 'RUN echo first; echo last-words; exit 3': process \"/bin/sh -c echo first; echo last-words; exit 3\" did not complete successfully: exit code: 3; last output:"* ]]
	[[ "$(tail -1 <<<"$output")" == "  last-words" ]]
	cmp "$STORE/index.json" "$BATS_TEST_TMPDIR/index.before"
	no_leftovers
}

# The image's files, unpacked by umoci into $BATS_TEST_TMPDIR/u-<tag>/rootfs.
unpack_image() {
	local d=$BATS_TEST_TMPDIR/u-${1//[:\/]/-}
	umoci unpack --image "$STORE:docker.io/library/$1" "$d" >/dev/null
	echo "$d/rootfs"
}

@test "build: ADD extracts local tar archives by content (tar, gzip, bzip2, xz, zstd); COPY does not" {
	make_base
	local src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src/pkg/sub"
	echo payload >"$src/pkg/sub/file.txt"
	ln -s sub/file.txt "$src/pkg/link"
	chown -R 1234:2345 "$src/pkg"
	chmod 0750 "$src/pkg/sub"
	tar -C "$src" -cf "$CTX/a.tar" pkg
	tar -C "$src" -czf "$CTX/b.data" pkg # the name says nothing: content decides
	tar -C "$src" -cjf "$CTX/c.tar.bz2" pkg
	tar -C "$src" -cJf "$CTX/d.txz" pkg
	tar -C "$src" --zstd -cf "$CTX/e.bin" pkg
	echo 'not an archive' >"$CTX/notar.tar.gz"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		ADD a.tar /x/plain/
		ADD b.data /x/gz
		ADD c.tar.bz2 /x/bz2/
		ADD d.txz /x/xz/
		ADD e.bin /x/zst/
		ADD --chown=app b.data /x/owned/
		ADD notar.tar.gz /x/file/
		COPY a.tar /x/copied/
	EOF
	run berth build -t add:1 "$CTX"
	[ "$status" -eq 0 ]
	r=$(unpack_image add:1)
	for f in plain gz bz2 xz zst; do
		[ "$(cat "$r/x/$f/pkg/sub/file.txt")" = payload ]
		[ "$(readlink "$r/x/$f/pkg/link")" = sub/file.txt ]
		# the archive's ownership and modes are kept
		[ "$(stat -c %u:%g "$r/x/$f/pkg/sub/file.txt")" = 1234:2345 ]
		[ "$(stat -c %a "$r/x/$f/pkg/sub")" = 750 ]
	done
	# --chown applies to every extracted node and to the directory made for them
	for p in x/owned x/owned/pkg x/owned/pkg/sub x/owned/pkg/sub/file.txt; do
		[ "$(stat -c %u:%g "$r/$p")" = 1000:1000 ]
	done
	[ "$(stat -c %u:%g "$r/x/plain")" = 0:0 ]
	# not an archive: copied as is; COPY never extracts
	[ "$(cat "$r/x/file/notar.tar.gz")" = 'not an archive' ]
	[ -f "$r/x/copied/a.tar" ] && cmp "$r/x/copied/a.tar" "$CTX/a.tar"
	[ ! -e "$r/x/copied/pkg" ]
	no_leftovers
}

@test "build: ADD of a hostile archive fails with file:line and leaves the store clean" {
	make_base
	python3 - "$CTX" <<-'PY'
		import io, sys, tarfile
		def mk(name, members):
		    with tarfile.open(f"{sys.argv[1]}/{name}", "w:gz") as t:
		        for m, data in members:
		            if data is not None:
		                m.size = len(data)
		                t.addfile(m, io.BytesIO(data))
		            else:
		                t.addfile(m)
		esc = tarfile.TarInfo("../../../escaped.txt")
		mk("dotdot.tgz", [(esc, b"evil\n")])
		ln = tarfile.TarInfo("etc"); ln.type = tarfile.SYMTYPE; ln.linkname = "/etc"
		mk("symlink.tgz", [(ln, None), (tarfile.TarInfo("etc/evil"), b"evil\n")])
		hl = tarfile.TarInfo("h"); hl.type = tarfile.LNKTYPE; hl.linkname = "/etc/passwd"
		mk("hardlink.tgz", [(hl, None)])
	PY
	ls "$STORE/blobs/sha256" | sort >"$BATS_TEST_TMPDIR/before"
	for a in dotdot symlink hardlink; do
		printf 'FROM busybox:fixture\nADD %s.tgz /opt/\n' "$a" >"$CTX/Dockerfile"
		run berth build -t bad:1 "$CTX"
		[ "$status" -eq 1 ]
		[[ "$output" == *"Dockerfile:2:"* ]]
		[[ "$output" == *"ADD '$a.tgz': extract archive: entry '"* ]]
		case $a in
		dotdot) [[ "$output" == *"'..' component"* ]] ;;
		symlink) [[ "$output" == *"goes through symlink 'etc'"* ]] ;;
		hardlink) [[ "$output" == *"entry 'h'"* ]] ;;
		esac
		no_leftovers
	done
	ls "$STORE/blobs/sha256" | sort >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	[ ! -e /etc/evil ] && [ ! -e "$STORE/escaped.txt" ] && [ ! -e "$STORE/cache/escaped.txt" ]
	run berth images
	[[ "$output" != *bad* ]]
}

@test "build: COPY --chown creates missing parents owned by the user; existing ones keep theirs" {
	make_base
	echo f >"$CTX/f.txt"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		COPY --chown=app f.txt /new/deep/dir/f.txt
		RUN mkdir -p /srv/data && chown 1000:1000 /srv/data && chmod 700 /srv/data
		COPY f.txt /srv/data/notes/f.txt
		COPY --chown=1000:1000 f.txt /tmp/f.txt
	EOF
	run berth build -t parents:1 "$CTX"
	[ "$status" -eq 0 ]
	r=$(unpack_image parents:1)
	for p in new new/deep new/deep/dir new/deep/dir/f.txt; do
		[ "$(stat -c %u:%g "$r/$p")" = 1000:1000 ]
	done
	[ "$(stat -c %a "$r/new/deep")" = 755 ]
	# without --chown a missing parent is root's; /srv/data stays app's, /tmp stays 1777
	[ "$(stat -c %u:%g "$r/srv/data/notes")" = 0:0 ]
	[ "$(stat -c %a:%u:%g "$r/srv/data")" = 700:1000:1000 ]
	[ "$(stat -c %a:%u "$r/tmp")" = 1777:0 ]
	[ "$(stat -c %u:%g "$r/tmp/f.txt")" = 1000:1000 ]
}

@test "build cache: entries keep their layers alive through rmi and image prune; builder prune drops them" {
	make_base
	echo v1 >"$CTX/f"
	printf 'FROM busybox:fixture\nCOPY f /f\nRUN echo built >/built\n' >"$CTX/Dockerfile"
	berth build -q -t gcroot:1 "$CTX" >/dev/null
	mapfile -t layers < <(jq -r '.layers[].digest' "$STORE/blobs/sha256/$(jq -r \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "docker.io/library/gcroot:1") | .digest' \
		"$STORE/index.json" | cut -d: -f2)" | cut -d: -f2)
	[ "${#layers[@]}" -ge 3 ]
	berth rmi gcroot:1 >/dev/null
	berth image prune -f >/dev/null
	# the layers the cache names survive the collection
	for l in "${layers[@]}"; do [ -f "$STORE/blobs/sha256/$l" ]; done
	run berth build -t gcroot:1 "$CTX"
	[ "$status" -eq 0 ]
	grep -A1 'COPY f /f' <<<"$output" | grep -q CACHED
	grep -A1 'RUN echo built' <<<"$output" | grep -q CACHED
	# and the image made from cached layers is whole: it runs and umoci reads it
	run berth run --rm gcroot:1 cat /built /f
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'built\nv1')" ]
	[ "$(cat "$(unpack_image gcroot:1)/built")" = built ]
	# rmi + builder prune: the entries and their roots go, then the layers
	berth rmi gcroot:1 >/dev/null
	run berth builder prune -f
	[ "$status" -eq 0 ]
	# one root per entry left (those of the base image's layers)
	[ "$(ls "$STORE/cache/gc-roots" | grep -c '^build-')" -eq \
		"$(ls "$STORE/cache/build" | grep -c 'json$')" ]
	n=${#layers[@]}
	[ ! -f "$STORE/blobs/sha256/${layers[n - 1]}" ]
	run berth build -t gcroot:1 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" != *CACHED* ]]
}

# ---- --cache-from ----

# CACHED or DONE: how the step whose line contains $1 ended, in $output.
step_result() {
	awk -v s="$1" 'index($0, s) { f = 1; next }
		f && /CACHED$/ { print "CACHED"; exit }
		f && /DONE/ { print "DONE"; exit }' <<<"$output"
}

# The manifest layer digests of a tag in $STORE (docker.io/library/ for short names).
blobs_of() {
	local m
	m=$(jq -r --arg n "docker.io/library/$1" \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
		"$STORE/index.json" | cut -d: -f2)
	jq -r '.layers[].digest' "$STORE/blobs/sha256/$m"
}

@test "build --cache-from a pushed image: a new store reuses its layers and fetches only the blobs of the steps that hit" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	make_base
	berth push -q busybox:fixture "$REG/test/base:1" >/dev/null
	echo one >"$CTX/f"
	cat >"$CTX/Dockerfile" <<-EOF
		FROM $REG/test/base:1
		RUN echo built >/one
		COPY f /f
		RUN cat /f >/g
		ENV MODE=prod
		CMD ["sh"]
	EOF
	berth build -q -t app:1 -t "$REG/test/app:1" "$CTX" >/dev/null
	berth push -q "$REG/test/app:1" >/dev/null
	layers_of app:1 >"$BATS_TEST_TMPDIR/want"
	# the blobs of the pushed manifest: built layers are stored uncompressed
	# and pushed compressed, so a store that takes them from the registry has those
	skopeo inspect $(skopeo_src_args) --raw "docker://$REG/test/app:1" |
		jq -r '.layers[].digest' >"$BATS_TEST_TMPDIR/want-blobs"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want-blobs")" -eq 4 ]

	# a new, empty store (a fresh CI runner): every step comes from the pushed image
	STORE=$BATS_TEST_TMPDIR/store2
	run berth build --progress plain --cache-from "$REG/test/app:1" -t app:2 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(grep -c CACHED <<<"$output")" -eq 5 ]
	[ "$(step_result 'RUN cat /f')" = CACHED ]
	[ "$(step_result 'COPY f /f')" = CACHED ]
	layers_of app:2 | diff "$BATS_TEST_TMPDIR/want" -
	blobs_of app:2 | diff "$BATS_TEST_TMPDIR/want-blobs" -
	[ "$(config_of app:2 | jq -c .config.Cmd)" = '["sh"]' ]
	# the hits went into the local cache: without --cache-from it is all CACHED
	run berth build --progress plain -t app:2 "$CTX"
	[ "$(grep -c CACHED <<<"$output")" -eq 5 ]

	# another new store, and the COPY source changed: the RUN before it hits,
	# the COPY and everything after it run, and only the hit layer was fetched
	STORE=$BATS_TEST_TMPDIR/store3
	echo two >"$CTX/f"
	run berth build --progress plain --cache-from "$REG/test/app:1" -t app:3 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(step_result 'RUN echo built')" = CACHED ]
	[ "$(step_result 'COPY f /f')" = DONE ]
	[ "$(step_result 'RUN cat /f')" = DONE ]
	[ "$(step_result 'ENV MODE=prod')" = DONE ]
	mapfile -t want <"$BATS_TEST_TMPDIR/want-blobs"
	[ "$(blobs_of app:3 | sed -n 2p)" = "${want[1]}" ]
	[ -f "$STORE/blobs/sha256/${want[1]#sha256:}" ]
	[ ! -e "$STORE/blobs/sha256/${want[2]#sha256:}" ]
	[ ! -e "$STORE/blobs/sha256/${want[3]#sha256:}" ]
	[ "$(berth run --rm app:3 cat /g)" = two ]
}

@test "build --cache-from a local image: CACHED after the build cache was pruned, same layers" {
	make_base
	echo x >"$CTX/x"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		WORKDIR /app
		COPY x .
		RUN echo ran >/app/ran
		LABEL stage=one
	EOF
	berth build -q -t l:1 "$CTX" >/dev/null
	layers_of l:1 >"$BATS_TEST_TMPDIR/want"
	run berth builder prune -f --all
	[ "$status" -eq 0 ]
	[ -z "$(ls "$STORE/cache/build" | grep json || true)" ]
	run berth build --progress plain --cache-from l:1 -t l:2 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(grep -c CACHED <<<"$output")" -eq 4 ]
	layers_of l:2 | diff "$BATS_TEST_TMPDIR/want" -
	[ "$(config_of l:2 | jq -r .config.WorkingDir)" = /app ]
	[ "$(config_of l:2 | jq -r .config.Labels.stage)" = one ]
	# the keys travel in the config, aligned with the history
	[ "$(config_of l:2 | jq '."berth.build.cache-keys.v1" | length')" = \
		"$(config_of l:2 | jq '.history | length')" ]
	# a changed source misses from there on, while the steps before it still hit
	echo y >"$CTX/x"
	run berth build --progress plain --cache-from l:1 -t l:3 "$CTX"
	[ "$status" -eq 0 ]
	[ "$(step_result 'WORKDIR /app')" = CACHED ]
	[ "$(step_result 'COPY x')" = DONE ]
	[ "$(step_result 'RUN echo ran')" = DONE ]
	# --no-cache ignores cache sources too
	run berth build --progress plain --no-cache --cache-from l:1 -t l:4 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" != *CACHED* ]]
}

@test "build --cache-from an image that exists nowhere is a warning, not a failure" {
	make_base
	printf 'FROM busybox:fixture\nENV A=1\n' >"$CTX/Dockerfile"
	port=$(free_port)
	run berth build --progress plain --cache-from "127.0.0.1:$port/no/such:1" -t w:1 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"--cache-from '127.0.0.1:$port/no/such:1' is not used"* ]]
	[ "$(config_of w:1 | jq -r '.config.Env[]' | grep -c '^A=1$')" -eq 1 ]
}

# Serves directory $1 over HTTP on 127.0.0.1, on a port the kernel picks:
# sets HTTP_PORT and HTTP_PID (teardown stops it by that PID).
start_http() {
	local pf=$BATS_TEST_TMPDIR/http.port
	python3 - "$1" "$pf" >"$BATS_TEST_TMPDIR/http.log" 2>&1 <<-'PY' &
		import functools, http.server, os, sys
		h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
		s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
		with open(sys.argv[2] + ".tmp", "w") as f:
		    f.write(str(s.server_address[1]))
		os.rename(sys.argv[2] + ".tmp", sys.argv[2])
		s.serve_forever()
	PY
	HTTP_PID=$!
	for _ in $(seq 1 100); do
		[[ -s "$pf" ]] && break
		sleep 0.1
	done
	HTTP_PORT=$(cat "$pf")
}

@test "build: ADD of a URL: name from the URL, 0600, Last-Modified mtime, --checksum, never extracted" {
	make_base
	local web=$BATS_TEST_TMPDIR/web
	mkdir -p "$web/pkg"
	echo remote >"$web/remote.txt"
	touch -d @1600000000 "$web/remote.txt"
	echo inside >"$web/pkg/inside"
	tar -C "$web" -czf "$web/pkg.tgz" pkg
	start_http "$web"
	local u=http://127.0.0.1:$HTTP_PORT sum
	sum=$(sha256sum "$web/remote.txt" | cut -d' ' -f1)
	cat >"$CTX/Dockerfile" <<-EOF
		FROM busybox:fixture
		ADD $u/remote.txt?x=1 /dl/
		ADD --checksum=sha256:$sum $u/remote.txt /dl/named
		ADD --chown=app $u/pkg.tgz /dl/
	EOF
	run berth build -t url:1 "$CTX"
	[ "$status" -eq 0 ]
	r=$(unpack_image url:1)
	[ "$(cat "$r/dl/remote.txt")" = remote ]
	[ "$(stat -c %a:%u:%Y "$r/dl/remote.txt")" = 600:0:1600000000 ]
	[ "$(cat "$r/dl/named")" = remote ]
	# a downloaded archive is a file, not extracted; --chown applies
	cmp "$r/dl/pkg.tgz" "$web/pkg.tgz"
	[ "$(stat -c %u:%g "$r/dl/pkg.tgz")" = 1000:1000 ]
	[ ! -e "$r/dl/pkg" ]
	# unchanged content: cached; changed content: that step runs again
	run berth build -t url:1 "$CTX"
	[ "$(grep -c CACHED <<<"$output")" -eq 3 ]
	echo changed >"$web/remote.txt"
	run berth build -t url:1 "$CTX"
	[ "$status" -eq 1 ] # the --checksum step now refuses the new content
	[[ "$output" == *"Dockerfile:3:"* ]]
	[[ "$output" == *"checksum mismatch for '$u/remote.txt': expected sha256:$sum, got sha256:$(sha256sum "$web/remote.txt" | cut -d' ' -f1)"* ]]
	grep -A1 "ADD $u/remote.txt?x=1" <<<"$output" | grep -vq CACHED
	# a missing file is a clear error too
	printf 'FROM busybox:fixture\nADD %s/nope /x\n' "$u" >"$CTX/Dockerfile"
	run berth build "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Dockerfile:2:"*"fetch '$u/nope': HTTP status 404"* ]]
	no_leftovers
}

# ---- interrupted builds: SIGINT/SIGTERM leave nothing behind ----

# Polls (bounded: $2 seconds, default 120) until the build's output has a line matching $1.
wait_build_output() {
	local i
	for ((i = 0; i < ${2:-120} * 10; i++)); do
		grep -q -- "$1" "$BUILD_OUT" && return 0
		kill -0 "$BUILD_PID" 2>/dev/null || { cat "$BUILD_OUT"; return 1; }
		sleep 0.1
	done
	echo "no '$1' in the build output after ${2:-120}s:"
	cat "$BUILD_OUT"
	return 1
}

# Starts `berth build $@` in its own session (its PID is its process group, as a
# terminal's foreground job), output in $BUILD_OUT.
start_build_bg() {
	BUILD_OUT=$BATS_TEST_TMPDIR/build.out
	: >"$BUILD_OUT"
	setsid "$BERTH" --root "$STORE" build --progress plain "$@" >"$BUILD_OUT" 2>&1 &
	BUILD_PID=$!
}

# Every process below $1, with its command line ("pid cmdline" lines).
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c $(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null)"
		descendants "$c"
	done
}

# Records what the running step owns: its processes and its cgroup's name.
record_step() {
	STEP_PROCS=$(descendants "$BUILD_PID")
	local sleeper
	sleeper=$(awk '$2 == "sleep" { print $1 }' <<<"$STEP_PROCS" | head -1)
	[[ -n "$sleeper" ]] || { echo "no sleep process below the build: $STEP_PROCS"; return 1; }
	STEP_CGROUP=$(grep -o 'berth-build-[0-9a-f]*' "/proc/$sleeper/cgroup" | head -1)
	[[ -n "$STEP_CGROUP" ]] || { cat "/proc/$sleeper/cgroup"; return 1; }
	[[ -n "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "$STEP_CGROUP" -print -quit)" ]]
}

# Signals the build ($1: signal, $2: "group" or "pid") and waits (bounded) for its exit code.
interrupt_build() {
	if [[ $2 == group ]]; then
		kill "-$1" -- "-$BUILD_PID"
	else
		kill "-$1" "$BUILD_PID"
	fi
	local i
	for ((i = 0; i < 600; i++)); do
		kill -0 "$BUILD_PID" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$BUILD_PID" 2>/dev/null || { echo "the build did not exit within 60s"; return 1; }
	BUILD_STATUS=0
	wait "$BUILD_PID" || BUILD_STATUS=$?
	BUILD_PID=
}

# Nothing of the interrupted build is left: mounts, processes, cgroup, temp
# files, half-written blobs or cache entries, the tag.
assert_interrupted_clean() {
	no_leftovers
	[[ -z "$(ls -A "$STORE/tmp")" ]]
	local line pid cmd
	while read -r pid cmd; do
		[[ -z "$pid" ]] && continue
		if [[ -e /proc/$pid ]] && [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == "$cmd" ]]; then
			echo "step process left: $pid $cmd"
			return 1
		fi
	done <<<"$STEP_PROCS"
	[[ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "$STEP_CGROUP" -print -quit)" ]]
	# every blob is whole (its name is its digest), every cache entry is JSON
	local b
	for b in "$STORE"/blobs/sha256/*; do
		[ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ]
	done
	for b in "$STORE"/cache/build/*.json; do
		[[ -e $b ]] || continue
		jq -e . "$b" >/dev/null
	done
	# every unpacked layer is complete (none may exist yet)
	for b in "$STORE"/layers/*/; do
		[[ -d $b ]] || continue
		[[ -e $b/complete ]]
	done
	! jq -e '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "docker.io/library/intr:1")' \
		"$STORE/index.json" >/dev/null
}

interrupted_run_step() {
	local sig=$1 target=$2 code=$3
	make_base
	echo small >"$CTX/small"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		ENV A=1
		COPY small /small
		RUN echo step-started && sleep 1000
	EOF
	start_build_bg -t intr:1 "$CTX"
	wait_build_output '^#[0-9]* [0-9.]* step-started$'
	record_step
	interrupt_build "$sig" "$target"
	cat "$BUILD_OUT"
	[ "$BUILD_STATUS" -eq "$code" ]
	[ "$(tail -1 "$BUILD_OUT")" = "berth: build interrupted" ]
	assert_interrupted_clean
	# the next build works and hits the cache of the steps that completed
	sed -i 's/^RUN .*/RUN echo finished >\/done/' "$CTX/Dockerfile"
	run berth build --progress plain -t intr:1 "$CTX"
	[ "$status" -eq 0 ]
	grep -A1 '\] ENV A=1' <<<"$output" | grep -q CACHED
	grep -A1 '\] COPY small /small' <<<"$output" | grep -q CACHED
	! grep -A1 '\] RUN echo finished' <<<"$output" | grep -q CACHED
	no_leftovers
}

@test "build interrupted: SIGINT to the process group (Ctrl-C) while RUN runs exits 130, leaves nothing, the rebuild hits the cache" {
	interrupted_run_step INT group 130
}

@test "build interrupted: SIGTERM to berth while RUN runs exits 143, leaves nothing, the rebuild hits the cache" {
	interrupted_run_step TERM pid 143
}

@test "build interrupted: SIGINT while a COPY of a large context runs exits 130 and leaves nothing" {
	make_base
	mkdir "$CTX/big"
	# random bytes: hashing and compressing them takes a while
	head -c $((96 << 20)) /dev/urandom >"$CTX/big/blob"
	for i in $(seq 1 200); do echo "$i" >"$CTX/big/f$i"; done
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		COPY big /big
		RUN echo step-started && sleep 1000
	EOF
	start_build_bg -t intr:1 "$CTX"
	wait_build_output '\] COPY big /big$'
	# wherever the signal lands (hashing, writing the layer, or the RUN after it)
	STEP_PROCS=$(descendants "$BUILD_PID")
	STEP_CGROUP=berth-build-none
	interrupt_build INT pid
	cat "$BUILD_OUT"
	[ "$BUILD_STATUS" -eq 130 ]
	[ "$(tail -1 "$BUILD_OUT")" = "berth: build interrupted" ]
	assert_interrupted_clean
	sed -i 's/^RUN .*/RUN test -s \/big\/blob/' "$CTX/Dockerfile"
	run berth build --progress plain -t intr:1 "$CTX"
	[ "$status" -eq 0 ]
	no_leftovers
}

@test "build --cache-from an image another builder made (podman build, pushed): no berth keys, misses cleanly, the build succeeds" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	make_base
	berth push -q busybox:fixture "$REG/test/base:1" >/dev/null
	echo one >"$CTX/f"
	cat >"$CTX/Dockerfile" <<-EOF
		FROM $REG/test/base:1
		RUN echo built >/one
		COPY f /f
		ENV MODE=prod
		CMD ["cat", "/f"]
	EOF
	# podman's builder (buildah's library), its storage private to the test
	# (vfs: no mounts); runc, as crun refuses a hybrid cgroup layout
	local p=(podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$BATS_TEST_TMPDIR/podman-run"
		--storage-driver vfs --runtime runc --cgroup-manager cgroupfs)
	"${p[@]}" build -q --network none --tls-verify=false -t "$REG/test/foreign:1" "$CTX" >/dev/null
	"${p[@]}" push -q --tls-verify=false "$REG/test/foreign:1"
	"${p[@]}" rmi -a -f >/dev/null
	# it has a history, but no berth cache keys
	cfg=$(skopeo inspect --tls-verify=false --config "docker://$REG/test/foreign:1")
	[ "$(jq '[.history[] | select(.empty_layer != true)] | length' <<<"$cfg")" -ge 3 ]
	[ "$(jq 'has("berth.build.cache-keys.v1")' <<<"$cfg")" = false ]
	mapfile -t foreign < <(skopeo inspect --tls-verify=false --raw "docker://$REG/test/foreign:1" |
		jq -r '.layers[].digest')

	# a new store: every step misses, nothing of the foreign image is fetched
	STORE=$BATS_TEST_TMPDIR/store2
	run berth build --progress plain --cache-from "$REG/test/foreign:1" -t app:1 "$CTX"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" != *CACHED* ]]
	[[ "$output" != *"is not used"* ]] # found, just no match
	[ "$(step_result 'RUN echo built')" = DONE ]
	[ "$(step_result 'COPY f /f')" = DONE ]
	local d
	for d in "${foreign[@]:1}"; do # the base layer is shared, the others are podman's
		[ ! -e "$STORE/blobs/sha256/${d#sha256:}" ]
	done
	[ "$(berth run --rm app:1)" = one ]
	# the cache is berth's own from now on
	run berth build --progress plain --cache-from "$REG/test/foreign:1" -t app:1 "$CTX"
	[ "$status" -eq 0 ]
	[ "$(step_result 'RUN echo built')" = CACHED ]
	no_leftovers
}

@test "build: FROM an image of 200 layers, RUN sees them all and the top one wins" {
	load_many_layer_image 200 many:200
	printf 'FROM many:200\nRUN cat /f1 /f200 /top >/seen && echo 201 >/top\n' >"$CTX/Dockerfile"
	run berth build -q -t many:201 "$CTX"
	[ "$status" -eq 0 ]
	[ "$(config_of many:201 | jq '.rootfs.diff_ids | length')" -eq 201 ]
	run berth run --rm many:201 cat /seen /top
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1\n200\n200\n201')" ]
}

@test "build: a base image without PATH gets BuildKit's default PATH; ENV PATH=/app/bin:\$PATH extends it" {
	berth import "$(busybox_tar)" nopath:1 >/dev/null
	[ "$(config_of nopath:1 | jq -c '[.config.Env // [] | .[] | select(startswith("PATH="))]')" = '[]' ]
	printf '%s\n' 'FROM nopath:1 AS plain' 'FROM nopath:1' 'ENV PATH=/app/bin:$PATH' >"$CTX/Dockerfile"
	berth build -q -t withpath:1 "$CTX" >/dev/null
	berth build -q --target plain -t plainpath:1 "$CTX" >/dev/null
	local want=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	[ "$(config_of withpath:1 | jq -r '.config.Env[] | select(startswith("PATH="))')" = "PATH=/app/bin:$want" ]
	[ "$(config_of plainpath:1 | jq -r '.config.Env[] | select(startswith("PATH="))')" = "PATH=$want" ]
	# a base image's own PATH is kept as it is
	printf '%s\n' 'FROM withpath:1' 'LABEL x=1' >"$CTX/Dockerfile"
	berth build -q -t keeps:1 "$CTX" >/dev/null
	[ "$(config_of keeps:1 | jq -r '.config.Env[] | select(startswith("PATH="))')" = "PATH=/app/bin:$want" ]
}

@test "build: CMD sets Config.ArgsEscaped as BuildKit does; ENTRYPOINT alone does not" {
	make_base
	printf '%s\n' 'FROM busybox:fixture' 'ENTRYPOINT echo hi' >"$CTX/Dockerfile"
	berth build -q -t ep:1 "$CTX" >/dev/null
	# busybox:fixture's own CMD ["sh"] set it; a base image's config carries over
	[ "$(config_of busybox:fixture | jq -r .config.ArgsEscaped)" = true ]
	printf '%s\n' 'FROM scratch' 'COPY Dockerfile /' 'ENTRYPOINT ["/x"]' >"$CTX/Dockerfile"
	berth build -q -t ep:2 "$CTX" >/dev/null
	[ "$(config_of ep:2 | jq -r .config.ArgsEscaped)" = null ]
	[ "$(berth inspect --format '{{json .Config}}' ep:2 | jq -r .ArgsEscaped)" = null ]
	printf '%s\n' 'FROM scratch' 'COPY Dockerfile /' 'CMD /x --flag' >"$CTX/Dockerfile"
	berth build -q -t cmd:1 "$CTX" >/dev/null
	[ "$(config_of cmd:1 | jq -c .config.Cmd)" = '["/bin/sh","-c","/x --flag"]' ]
	[ "$(config_of cmd:1 | jq -r .config.ArgsEscaped)" = true ]
	[ "$(berth inspect --format '{{json .Config}}' cmd:1 | jq -r .ArgsEscaped)" = true ]
}
