#!/usr/bin/env bats
# The detached lifecycle: run -d, ps, logs [-f] [--tail] [--timestamps],
# stop, start, restart, kill, wait, rm, inspect, --restart on-failure:N.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
}

teardown() {
	# every container of this test's store is killed (by its recorded PID) and removed
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

@test "detached: run -d prints the id, ps lists it, logs -f follows, stop, rm" {
	run berth run -d --name ticker bb sh -c 'trap "echo bye; exit 3" TERM; i=0; while [ $i -lt 1000 ]; do echo line $i; i=$((i+1)); sleep 0.1; done'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	local id=$output
	run berth ps
	[[ "$output" == *"${id:0:12}"* ]]
	[[ "$output" == *ticker* ]]
	run berth ps -q
	[ "$output" = "${id:0:12}" ]
	run berth ps --format json
	[[ "$output" == *'"Names":"ticker"'* ]]
	[[ "$output" == *'"State":"running"'* ]]
	sleep 0.5
	run timeout 2 "$BERTH" --root "$STORE" logs -f ticker
	[ "$status" -eq 124 ]  # still following when timeout stopped it
	[[ "$output" == *"line 0"* ]]
	run berth logs --tail 1 ticker
	[ "${#lines[@]}" -eq 1 ]
	run berth logs --timestamps --tail 1 ticker
	[[ "$output" =~ ^20[0-9-]+T[0-9:.]+Z\ line ]]
	run berth stop -t 5 ticker
	[ "$output" = ticker ]
	run berth wait ticker
	[ "$output" = 3 ]
	run berth logs --tail 1 ticker
	[ "$output" = bye ]
	run berth ps -a
	[[ "$output" == *"Exited (3)"* ]]
	run berth inspect ticker
	run berth container inspect "${id:0:8}"
	[[ "$output" == *'"ExitCode": 3'* ]]
	run berth rm ticker
	[ "$output" = ticker ]
	[ ! -e "$STORE/containers/$id" ]
}

@test "detached: start and restart a stopped container, rm refuses a running one" {
	id=$(berth run -d bb sh -c 'echo started; sleep 100')
	run berth rm "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"running"* ]]
	berth kill "$id"
	run berth wait "$id"
	[ "$output" = 137 ]
	run berth start "${id:0:10}"
	[ "$status" -eq 0 ]
	run berth ps -q
	[ "$output" = "${id:0:12}" ]
	run berth restart -t 1 "$id"
	[ "$status" -eq 0 ]
	sleep 0.3
	run berth logs "$id"
	[ "$(grep -c started <<<"$output")" -eq 3 ]
	run berth rm -f "$id"
	[ "$status" -eq 0 ]
	run berth ps -aq
	[ -z "$output" ]
}

@test "detached: --restart on-failure:2 restarts a failing process twice" {
	id=$(berth run -d --restart on-failure:2 bb sh -c 'echo attempt; exit 5')
	run berth wait "$id"
	# the record says running while the monitor restarts; wait until it gives up
	for _ in $(seq 50); do
		[ "$(berth logs "$id" | grep -c attempt)" -ge 3 ] && break
		sleep 0.1
	done
	run berth wait "$id"
	[ "$output" = 5 ]
	run berth logs "$id"
	[ "$(grep -c attempt <<<"$output")" -eq 3 ]
	run berth container inspect "$id"
	[[ "$output" == *'"RestartCount": 2'* ]]
	# success is not restarted
	id=$(berth run -d --restart on-failure:2 bb sh -c 'echo ok-once')
	sleep 1
	run berth logs "$id"
	[ "$output" = ok-once ]
}

@test "detached: --rm removes the record when the process exits; names are unique" {
	berth run -d --rm --name gone bb true
	for _ in $(seq 50); do [ -z "$(berth ps -aq)" ] && break; sleep 0.1; done
	[ -z "$(berth ps -aq)" ]
	berth run -d --name dup bb sleep 100
	run berth run -d --name dup bb true
	[ "$status" -eq 125 ]
	[[ "$output" == *"already in use"* ]]
	run berth rm nonexistent
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such container"* ]]
}

@test "Detached lifecycle: run -d, logs -f, exec, stop, start, restart policy on-failure:2 observed, rm" {
	# the process runs until /tmp/fail exists in the container, then exits 5
	id=$(berth run -d --name life --restart on-failure:2 bb sh -c 'trap "exit 3" TERM; echo started; while [ ! -e /tmp/fail ]; do echo tick; sleep 0.1; done; echo failing; exit 5')
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	# logs -f follows the running process (still following when timeout stops it)
	run timeout 1 "$BERTH" --root "$STORE" logs -f life
	[ "$status" -eq 124 ]
	[[ "$output" == *started* ]]
	# exec joins it: its PID 1 is the main process, its hostname is the short id
	run berth exec life sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "sh -c trap "* ]]
	[ "${lines[1]}" = "${id:0:12}" ]
	# stop: the stop signal's trap decides the exit code; a stop is never restarted
	run berth stop -t 5 life
	[ "$output" = life ]
	run berth wait life
	[ "$output" = 3 ]
	run berth exec life true
	[ "$status" -eq 1 ]
	# start runs it again in the same container (the same rootfs)
	run berth start life
	[ "$status" -eq 0 ]
	run berth exec life sh -c 'echo alive'
	[ "$output" = alive ]
	# a failure now: the policy restarts it twice (the file stays), then gives up with 5
	berth exec life touch /tmp/fail
	for _ in $(seq 100); do
		run berth container inspect life
		[[ "$output" == *'"RestartCount": 2'* && "$output" == *'"Running": false'* ]] && break
		sleep 0.1
	done
	[[ "$output" == *'"RestartCount": 2'* ]]
	run berth wait life
	[ "$output" = 5 ]
	run berth logs life
	[ "$(grep -c started <<<"$output")" -eq 4 ]  # run, start, two restarts
	[ "$(grep -c failing <<<"$output")" -eq 3 ]
	run berth rm life
	[ "$output" = life ]
	[ ! -e "$STORE/containers/$id" ]
	run berth ps -aq
	[ -z "$output" ]
}
