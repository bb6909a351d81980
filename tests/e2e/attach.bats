#!/usr/bin/env bats
# `berth attach` as Docker's `docker attach`: a running detached
# container's output from now on until it exits, and its exit code; the
# input of one run with -i, to its terminal (through the console its
# monitor serves: raw, sized, ctrl-p ctrl-q detaches) or to its stdin;
# --sig-proxy forwards SIGINT/SIGTERM; a stopped container is refused.
# script(1) gives attach a terminal; what it reads from its stdin is typed.

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

@test "attach: --sig-proxy sends SIGTERM to the container" {
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
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
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

# attach through script(1): the keys typed (stdin of script) after a pause
attach_typed() { # KEYS-SCRIPT ATTACH-ARGS...
	local keys=$1
	shift
	run bash -c "($keys) | timeout 60 script -qec '$BERTH --root $STORE attach $*' /dev/null"
}

@test "attach -it: typed input reaches the terminal, the output comes back, the exit code is the container's" {
	berth run -dit --network none --name t1 bb sh >/dev/null
	attach_typed "sleep 2; printf 'echo att-\$((1+2))\r'; sleep 1; printf 'exit 5\r'; sleep 5" t1
	[ "$status" -eq 5 ] || { echo "$output"; false; }
	[[ "$output" == *att-3* ]]
	[ "$(berth inspect -f '{{.State.ExitCode}}' t1)" = 5 ]
	# without a terminal to read from: Docker's refusal
	berth run -dit --network none --name t2 bb sh >/dev/null
	run berth attach t2 </dev/null
	assert_one_error_line "the input device is not a TTY"
	[ "$(berth inspect -f '{{.State.Running}}' t2)" = true ]
}

@test "attach -it: ctrl-p ctrl-q detaches and leaves the container running; --detach-keys" {
	berth run -dit --network none --name d1 bb sh >/dev/null
	attach_typed "sleep 2; printf 'echo one-\$((2*3))\r'; sleep 1; printf '\\020\\021'; sleep 5" d1
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *one-6* ]]
	[[ "$output" == *"read escape sequence"* ]]
	[ "$(berth inspect -f '{{.State.Running}}' d1)" = true ]
	# another sequence: ctrl-a x
	attach_typed "sleep 2; printf 'echo two-\$((1+1))\r'; sleep 1; printf '\\001x'; sleep 5" --detach-keys ctrl-a,x d1
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == *two-2* ]]
	[ "$(berth inspect -f '{{.State.Running}}' d1)" = true ]
	run berth attach --detach-keys ctrl-1 d1
	assert_one_error_line "invalid detach keys 'ctrl-1': unknown key 'ctrl-1'"
}

@test "attach to a -t container: its terminal takes the size of attach's, again at SIGWINCH" {
	berth run -dt --network none --name r1 bb sh -c \
		'until [ "$(stty size 2>/dev/null)" = "33 77" ]; do sleep 0.1; done; echo first
		 until [ "$(stty size 2>/dev/null)" = "44 88" ]; do sleep 0.1; done; echo second' >/dev/null
	run timeout 60 script -qec "sh -c 'stty rows 33 cols 77; $BERTH --root $STORE attach --no-stdin r1 & p=\$!; sleep 3; stty rows 44 cols 88; kill -WINCH \$p; wait \$p'" /dev/null
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *second* ]]
	run berth logs r1
	[ "$(printf '%s' "$output" | tr -d '\r')" = "$(printf 'first\nsecond')" ] || { echo "$output" | od -c | head; false; }
}

@test "attach to a -i container without a terminal: stdin reaches it" {
	berth run -d -i --network none --name n1 bb sh -c 'read x; echo got-$x; read y; echo got-$y >&2; exit 2' >/dev/null
	run bash -c "printf 'a\nb\n' | timeout 60 $BERTH --root $STORE attach n1 2>$BATS_TEST_TMPDIR/err"
	[ "$status" -eq 2 ] || { echo "$output"; false; }
	[ "$output" = got-a ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = got-b ]
	# --no-stdin: the output only, the container still waits for its input
	berth run -d -i --network none --name n2 bb sh -c 'echo ready; read x; echo got-$x' >/dev/null
	"$BERTH" --root "$STORE" attach --no-stdin --sig-proxy=false n2 </dev/null >"$BATS_TEST_TMPDIR/out2" &
	local pid=$!
	sleep 2
	kill -TERM "$pid"
	wait "$pid" || true
	[ "$(berth inspect -f '{{.State.Running}}' n2)" = true ]
	printf 'late\n' | timeout 60 "$BERTH" --root "$STORE" attach n2 >"$BATS_TEST_TMPDIR/out3"
	[ "$(cat "$BATS_TEST_TMPDIR/out3")" = got-late ]
}
