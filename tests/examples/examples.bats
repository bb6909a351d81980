#!/usr/bin/env bats
# The example images (examples/): each builds FROM the Debian minbase
# fixture, runs, answers on loopback, and a code-only change rebuilds from
# the cache up to the code COPY. Slow (debootstrap, apt-get, npm install):
# `make check-examples`, run by .ci/run.

load ../e2e/helpers

EXAMPLES=$BATS_TEST_DIRNAME/../../examples

setup_file() {
	export STORE=$BATS_FILE_TMPDIR/store
	# the minbase tarball is cached across runs (mkbase-debian keeps it)
	local tar=${BERTH_DEBIAN_TAR:-/var/tmp/berth-debian-bookworm.tar}
	"$BATS_TEST_DIRNAME/../fixtures/mkbase-debian" "$tar"
	"$BERTH" --root "$STORE" import "$tar" debian:bookworm-minbase >/dev/null
}

setup() {
	STORE=$BATS_FILE_TMPDIR/store
	CID=
}

teardown() {
	[[ -n "$CID" ]] && "$BERTH" --root "$STORE" rm -f "$CID" >/dev/null 2>&1 || true
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# build DIR TAG: fails the test with the build's output on error
build_example() {
	run berth build --progress plain -t "$2" "$1"
	if [[ "$status" -ne 0 && "$output" == *"the runtime is not available yet (issue #5)"* ]]; then
		skip "RUN needs the runtime of issue #5, not in this tree"
	fi
	[ "$status" -eq 0 ] || { echo "$output" | tail -40; return 1; }
}

# serve TAG: runs it detached with PORT set and waits for an answer; $body is it
serve() {
	local port i
	port=$(free_port)
	CID=$(berth run -d --network host -e PORT="$port" "$1")
	for i in $(seq 1 100); do
		if body=$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null); then
			return 0
		fi
		sleep 0.2
	done
	berth logs "$CID" || true
	return 1
}

# step_status TEXT: CACHED or DONE for the step whose line contains TEXT
step_status() {
	local n
	n=$(grep -F "] $1" <<<"$output" | head -1 | cut -d' ' -f1)
	[ -n "$n" ] || { echo "no step '$1'" >&2; return 1; }
	grep -E "^$n (CACHED|DONE)" <<<"$output" | head -1 | cut -d' ' -f2
}

# rebuild_after_edit DIR TAG FILE 'COPY of the code': the dependency steps
# (every RUN before the code COPY) come from the cache, the code COPY runs
rebuild_after_edit() {
	local dir=$1 tag=$2 file=$3 code=$4 line
	cp -a "$dir" "$BATS_TEST_TMPDIR/src"
	build_example "$BATS_TEST_TMPDIR/src" "$tag"
	echo "" >>"$BATS_TEST_TMPDIR/src/$file"
	echo "// edited" >>"$BATS_TEST_TMPDIR/src/$file"
	[[ "$file" == *.py ]] && sed -i 's|^// edited|# edited|' "$BATS_TEST_TMPDIR/src/$file"
	run berth build --progress plain -t "$tag" "$BATS_TEST_TMPDIR/src"
	[ "$status" -eq 0 ]
	[ "$(step_status "$code")" = DONE ]
	while read -r line; do
		[ "$(step_status "$line")" = CACHED ] || { echo "not cached: $line"; return 1; }
	done < <(awk -v c="] $code" '{ print } index($0, c) { exit }' <<<"$output" |
		grep -oE '\] (RUN|COPY) .*' | sed 's/^] //' | grep -vxF "$code")
}

@test "examples: Go service (golang stage -> scratch, CA certs, /etc/passwd, USER app)" {
	build_example "$EXAMPLES/go-service" go-service:test
	serve go-service:test
	[ "$body" = "hello from go" ]
	cfg=$(berth inspect go-service:test)
	[[ "$cfg" == *'"User": "app"'* ]]
	rebuild_after_edit "$EXAMPLES/go-service" go-service:test main.go "COPY *.go ./"
}

@test "examples: Python app (requirements installed before the code)" {
	build_example "$EXAMPLES/python-app" python-app:test
	serve python-app:test
	[ "$body" = "hello from python" ]
	# pip ran with --no-cache-dir: no wheel cache in the image
	run berth run --rm --network none -u 0 python-app:test sh -c 'test -d /root && test ! -e /root/.cache/pip && echo clean'
	[ "$output" = clean ]
	rebuild_after_edit "$EXAMPLES/python-app" python-app:test app.py "COPY app.py ./"
}

@test "examples: Node app (package*.json and npm install before the code)" {
	build_example "$EXAMPLES/node-app" node-app:test
	serve node-app:test
	[[ "$body" == "hello from node"* ]]
	rebuild_after_edit "$EXAMPLES/node-app" node-app:test server.js "COPY server.js ./"
}

@test "examples: static site (built in a Node stage, served by nginx)" {
	build_example "$EXAMPLES/static-site" static-site:test
	serve static-site:test
	[[ "$body" == *"<h1>Welcome to the berth static site</h1>"* ]]
	# nginx runs as the unprivileged user of the final stage, not as root
	cfg=$(berth inspect static-site:test)
	[[ "$cfg" == *'"User": "nobody"'* ]]
	ps=$(berth exec "$CID" cat /proc/1/status)
	grep -qE '^Uid:[[:space:]]+65534[[:space:]]' <<<"$ps"
	rebuild_after_edit "$EXAMPLES/static-site" static-site:test build.js "COPY build.js ./"
}
