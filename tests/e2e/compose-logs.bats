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
	compose_project_setup lg-base:test
}

teardown() {
	if [[ -n "${UP_PID:-}" ]]; then
		kill "$UP_PID" 2>/dev/null || true
		wait "$UP_PID" 2>/dev/null || true
	fi
	remove_containers_and_networks
}

# Two services that write alternately, a second apart (so that their start
# skew cannot reorder them): alpha a1 a2(stderr) a3, betalonger b1 b2 b3;
# $1, $2: their exit codes. alpha exits 143 at once on SIGTERM (its sleeps
# are waited for, so the trap runs at once).
two_writers() {
	cat >"$P/compose.yaml" <<YAML
name: lg
services:
  alpha:
    image: lg-base:test
    command: ["sh", "-c", "trap 'exit 143' TERM; echo a1; sleep 2 & wait; echo a2 >&2; sleep 2 & wait; echo a3; exit ${1:-0}"]
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

@test "compose logs on a terminal: a colour per container in v2's order (cyan, yellow), none with --no-color" {
	cat >"$P/compose.yaml" <<'YAML'
name: lg
services:
  a:
    image: lg-base:test
    command: ["echo", "from-a"]
  b:
    image: lg-base:test
    command: ["sh", "-c", "sleep 1; echo from-b"]
YAML
	berth compose up -d >/dev/null 2>&1
	timeout 30 "$BERTH" --root "$STORE" compose logs -f >/dev/null
	# script(1) gives the command a terminal as its stdout
	run script -qec "'$BERTH' --root '$STORE' compose logs" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\033[36mlg-a-1 | \033[0mfrom-a'* ]]
	[[ "$output" == *$'\033[33mlg-b-1 | \033[0mfrom-b'* ]]
	run script -qec "'$BERTH' --root '$STORE' compose logs --no-color" /dev/null
	[[ "$output" == *"lg-a-1 | from-a"* && "$output" != *$'\033'* ]]
}

# The lines of the services' output in what an attached up printed.
prefixed_lines() {
	grep ' | ' <<<"$1"
}

@test "compose up (attached): 'Attaching to', both services' output interleaved, 'exited with code', 0 once all exited; a second up shows only the new output" {
	two_writers 0 3
	run timeout 60 "$BERTH" --root "$STORE" compose up
	[ "$status" -eq 0 ]
	[[ "$output" == *"Attaching to lg-alpha-1, lg-betalonger-1"* ]]
	[ "$(prefixed_lines "$output")" = "$interleaved" ]
	[[ "$output" == *"lg-betalonger-1 exited with code 3"* ]]
	[[ "$output" == *"lg-alpha-1 exited with code 0"* ]]
	# up again starts the same containers: their earlier output is not shown again
	run timeout 60 "$BERTH" --root "$STORE" compose up --no-log-prefix
	[ "$status" -eq 0 ]
	[ "$(grep -c '^a1$' <<<"$output")" -eq 1 ]
	run berth compose logs alpha
	[ "$(grep -c 'a1$' <<<"$output")" -eq 2 ]
	berth compose down >/dev/null 2>&1
}

@test "compose up --abort-on-container-exit stops the others and returns the first exit's code; --exit-code-from returns the service's" {
	two_writers 0 3
	run timeout 60 "$BERTH" --root "$STORE" compose up --abort-on-container-exit
	[ "$status" -eq 3 ]
	[[ "$output" == *"lg-betalonger-1 exited with code 3"* ]]
	[[ "$output" == *"Aborting on container exit..."* ]]
	[[ "$output" == *"Container lg-alpha-1 Stopped"* ]]
	# alpha was stopped before writing a3
	[[ "$output" != *"a3"* ]]
	run berth compose ps
	[ "$(wc -l <<<"$output")" -eq 1 ]
	berth compose down >/dev/null 2>&1
	run timeout 60 "$BERTH" --root "$STORE" compose up --exit-code-from betalonger
	[ "$status" -eq 3 ]
	berth compose down >/dev/null 2>&1
	# betalonger exits first: alpha is stopped (SIGTERM: 143) and that is the code
	run timeout 60 "$BERTH" --root "$STORE" compose up --exit-code-from alpha
	[[ "$output" == *"Aborting on container exit..."* ]]
	[[ "$output" == *"lg-alpha-1 exited with code 143"* ]]
	[ "$status" -eq 143 ]
	run berth compose up -d --exit-code-from alpha
	assert_one_error_line "--exit-code-from and --detach are incompatible"
	run berth compose up --exit-code-from nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such service: nosuch"* ]]
}

@test "compose up (attached): SIGINT prints v2's line, stops every container and exits 130; ps shows nothing running, down leaves nothing" {
	cat >"$P/compose.yaml" <<'YAML'
name: lg
services:
  one:
    image: lg-base:test
    command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready-one; while true; do sleep 0.2; done"]
  two:
    image: lg-base:test
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready-two; while true; do sleep 0.2; done"]
YAML
	"$BERTH" --root "$STORE" compose up >"$BATS_TEST_TMPDIR/up.out" 2>&1 &
	UP_PID=$!
	for _ in $(seq 150); do
		grep -q ready-one "$BATS_TEST_TMPDIR/up.out" && grep -q ready-two "$BATS_TEST_TMPDIR/up.out" && break
		sleep 0.2
	done
	kill -INT "$UP_PID"
	local rc=0
	wait "$UP_PID" || rc=$?
	UP_PID=
	cat "$BATS_TEST_TMPDIR/up.out"
	[ "$rc" -eq 130 ]
	grep -q '^Gracefully stopping... (press Ctrl+C again to force)$' "$BATS_TEST_TMPDIR/up.out"
	grep -q 'lg-one-1 | bye' "$BATS_TEST_TMPDIR/up.out"
	grep -q 'Container lg-one-1 Stopped' "$BATS_TEST_TMPDIR/up.out"
	grep -q 'Container lg-two-1 Stopped' "$BATS_TEST_TMPDIR/up.out"
	run berth compose ps -q
	[ -z "$output" ]
	run berth compose ps -a --format '{{.Name}} {{.State}}'
	[ "$output" = "$(printf 'lg-one-1 exited\nlg-two-1 exited')" ]
	run berth compose down
	[ "$status" -eq 0 ]
	run berth ps -aq
	[ -z "$output" ]
	run berth network ls --format '{{.Name}}'
	[[ "$output" != *lg_* ]]
}
