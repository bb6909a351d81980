#!/usr/bin/env bats
# berth compose logs and the foreground compose up (issue #16): the lines
# of every container of the project, prefixed "NAME | " with the names
# padded to the longest, interleaved in the time order the logs record.
# In a network namespace of its own (scripts/e2e): up makes a bridge.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, bridges)"
}

setup() {
	common_setup
	local b=$BATS_TEST_TMPDIR/base
	mkdir -p "$b/rootfs"
	tar -C "$b/rootfs" -xf "$(busybox_tar)"
	printf 'FROM scratch\nCOPY rootfs/ /\n' >"$b/Dockerfile"
	berth build -q -t lg-base:test "$b" >/dev/null
	P=$BATS_TEST_TMPDIR/proj
	mkdir -p "$P"
	cd "$P"
}

teardown() {
	if [[ -n "${UP_PID:-}" ]]; then
		kill "$UP_PID" 2>/dev/null || true
		wait "$UP_PID" 2>/dev/null || true
	fi
	if [[ -d $STORE/containers ]]; then
		for c in $(berth ps -aq --no-trunc 2>/dev/null); do
			berth rm -f "$c" >/dev/null 2>&1 || true
		done
	fi
	for n in $(berth network ls -q 2>/dev/null); do
		berth network rm "$n" >/dev/null 2>&1 || true
	done
}

# Two services that write alternately, a second apart (so that their start
# skew cannot reorder them): alpha a1 a2(stderr) a3, betalonger b1 b2;
# $1, $2: their exit codes.
two_writers() {
	cat >"$P/compose.yaml" <<YAML
name: lg
services:
  alpha:
    image: lg-base:test
    command: ["sh", "-c", "echo a1; sleep 2; echo a2 >&2; sleep 2; echo a3; exit ${1:-0}"]
  betalonger:
    image: lg-base:test
    command: ["sh", "-c", "sleep 1; echo b1; sleep 2; printf 'b2\\\\nb3\\\\n'; exit ${2:-0}"]
YAML
}

# What the project's output is, in time order, prefixed and padded to lg-betalonger-1.
interleaved="lg-alpha-1      | a1
lg-betalonger-1 | b1
lg-alpha-1      | a2
lg-betalonger-1 | b2
lg-betalonger-1 | b3
lg-alpha-1      | a3"

@test "compose logs: both services' lines interleaved in time order, prefixed NAME | and padded to the longest; -f ends when they exit" {
	two_writers
	run berth compose up -d
	[ "$status" -eq 0 ]
	# -f follows until both containers have exited
	run timeout 30 "$BERTH" --root "$STORE" compose logs -f
	[ "$status" -eq 0 ]
	[ "$output" = "$interleaved" ]
	run berth compose ps -a --format '{{.Name}} {{.State}}'
	[[ "$output" == *"lg-alpha-1 exited"* && "$output" == *"lg-betalonger-1 exited"* ]]
	# the same afterwards, without -f; no colour when stdout is no tty
	run berth compose logs
	[ "$status" -eq 0 ]
	[ "$output" = "$interleaved" ]
	[[ "$output" != *$'\033'* ]]
	# the stderr line on stderr, the rest on stdout
	run --separate-stderr berth compose logs
	[ "$stderr" = "lg-alpha-1      | a2" ]
	[[ "$output" == *"lg-alpha-1      | a1"*"lg-betalonger-1 | b3"* && "$output" != *a2* ]]
}

@test "compose logs: SERVICE selects, --tail per container, --no-log-prefix, -t, --since/--until, bad input" {
	two_writers
	berth compose up -d >/dev/null 2>&1
	timeout 30 "$BERTH" --root "$STORE" compose logs -f >/dev/null
	# one service: padded to its own name only
	run berth compose logs alpha
	[ "$output" = "$(printf 'lg-alpha-1 | a1\nlg-alpha-1 | a2\nlg-alpha-1 | a3')" ]
	run berth compose logs --tail 1
	[ "$output" = "$(printf 'lg-betalonger-1 | b3\nlg-alpha-1      | a3')" ]
	run berth compose logs -n 2 betalonger
	[ "$output" = "$(printf 'lg-betalonger-1 | b2\nlg-betalonger-1 | b3')" ]
	run berth compose logs --tail 0
	[ -z "$output" ]
	run berth compose logs --no-log-prefix
	[ "$output" = "$(printf 'a1\nb1\na2\nb2\nb3\na3')" ]
	run berth compose logs -t alpha
	[[ "${lines[0]}" =~ ^lg-alpha-1\ \|\ 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ a1$ ]]
	# --since the time of b2 (from -t): b2 and what follows
	local t
	t=$(berth compose logs -t --no-log-prefix betalonger | awk '$2 == "b2" {print $1}')
	run berth compose logs --since "$t"
	[ "$output" = "$(printf 'lg-betalonger-1 | b2\nlg-betalonger-1 | b3\nlg-alpha-1      | a3')" ]
	run berth compose logs --until "$t"
	[ "$output" = "$(printf 'lg-alpha-1      | a1\nlg-betalonger-1 | b1\nlg-alpha-1      | a2\nlg-betalonger-1 | b2')" ]
	run berth compose logs --since 1h alpha
	[ "${#lines[@]}" -eq 3 ]
	run berth compose logs --since 2000-01-01 --until 2000-01-02
	[ -z "$output" ]
	run berth compose logs nosuch
	assert_one_error_line "no such service: nosuch"
	run berth compose logs --since yesterday
	assert_one_error_line "invalid time 'yesterday'"
	run berth compose logs --tail x
	assert_one_error_line "invalid --tail 'x'"
}
