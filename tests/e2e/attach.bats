#!/usr/bin/env bats
# `berth attach` as Docker's `docker attach`: a running detached
# container's output from now on until it exits, and its exit code; no
# stdin (berth's detached containers keep none); --sig-proxy forwards
# SIGINT/SIGTERM; a stopped container is refused.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
}

teardown() {
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

@test "attach: the output written from now on, both streams, then the container's exit code" {
	berth run -d --name a1 bb sh -c 'echo before; until [ -e /go ]; do sleep 0.1; done; echo out; echo err >&2; exit 7' >/dev/null
	for _ in $(seq 100); do berth logs a1 | grep -q before && break; sleep 0.1; done
	"$BERTH" --root "$STORE" attach a1 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$! rc=0
	sleep 1
	berth exec a1 touch /go
	wait "$pid" || rc=$?
	[ "$rc" -eq 7 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = out ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = err ]
	berth container ls -a --format '{{.Names}}' | grep -qx a1
	run berth container attach a1
	assert_one_error_line "you cannot attach to a stopped container, start it first"
	run berth attach nope
	assert_one_error_line "no such container"
}

@test "attach: --sig-proxy sends SIGTERM to the container; -i containers get output only, said once" {
	berth run -d -i --name a2 bb sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
	for _ in $(seq 100); do berth logs a2 | grep -q ready && break; sleep 0.1; done
	"$BERTH" --root "$STORE" attach a2 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	sleep 1
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 3 ]
	grep -qx got-term "$BATS_TEST_TMPDIR/out"
	! grep -q ready "$BATS_TEST_TMPDIR/out"
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "berth: attach: berth's detached containers keep no stdin: attaching to the output only" ]
	# --no-stdin says nothing; --sig-proxy=false leaves the container running when attach ends
	berth run -d --name a3 bb sh -c 'while :; do sleep 0.1; done' >/dev/null
	"$BERTH" --root "$STORE" attach --no-stdin --sig-proxy=false a3 2>"$BATS_TEST_TMPDIR/err3" &
	pid=$!
	sleep 1
	kill -TERM "$pid"
	wait "$pid" || true
	[ ! -s "$BATS_TEST_TMPDIR/err3" ]
	[ "$(berth inspect -f '{{.State.Running}}' a3)" = true ]
}
