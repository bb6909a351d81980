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
	# a foreground berth a test started is killed by the PID the test knows
	# a read-only bind a test put over a record
	findmnt -rn -o TARGET | grep -F "$STORE/containers" | sort -r | xargs -r -n1 umount -l || true
	if [[ -n "${FG_PID:-}" ]]; then
		kill -KILL "$FG_PID" 2>/dev/null || true
		wait "$FG_PID" 2>/dev/null || true
	fi
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
	wait_until 20 eval '[ "$(berth logs "$id" | grep -c started)" -ge 3 ]'
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

# ---- foreground containers are full containers (issue #12) ----

# Starts `berth run --name $1 bb ARGS...` in the background (FG_PID, output in
# $BATS_TEST_TMPDIR/fg.out) and waits until its record says it runs.
start_foreground() {
	local name=$1
	shift
	# shellcheck disable=SC2086 # FG_RUN_OPTS: options a test adds, split on purpose
	"$BERTH" --root "$STORE" run --name "$name" ${FG_RUN_OPTS:-} bb "$@" >"$BATS_TEST_TMPDIR/fg.out" 2>&1 &
	FG_PID=$!
	for _ in $(seq 100); do
		[[ $(berth container inspect "$name" 2>/dev/null | jq -r '.[0].State.Pid') -gt 0 ]] && return 0
		sleep 0.1
	done
	echo "foreground container $name never ran: $(cat "$BATS_TEST_TMPDIR/fg.out")"
	return 1
}

# The container's recorded main pid and full id.
ctr_pid() { berth container inspect "$1" | jq -r '.[0].State.Pid'; }
ctr_id() { berth container inspect "$1" | jq -r '.[0].Id'; }

# Cgroup directories of container id $1 (v1 berth-<id>, v2 berth/<id>).
ctr_cgroups() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d \( -name "berth-$1" -o -path "*/berth/$1" \) 2>/dev/null
}

@test "foreground: a running foreground container is Up in ps, has its pid, exec, logs and stop work" {
	start_foreground fg sh -c 'echo started; exec sleep 300'
	run berth ps
	[[ "$output" == *fg* && "$output" == *Up* ]]
	run berth ps --format json
	[[ "$output" == *'"State":"running"'* ]]
	local pid
	pid=$(ctr_pid fg)
	[ "$pid" -gt 0 ]
	kill -0 "$pid"
	run berth exec fg id -u
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	run berth logs fg
	[ "$output" = started ]
	# the foreground berth printed it too
	[ "$(cat "$BATS_TEST_TMPDIR/fg.out")" = started ]
	run berth stop -t 1 fg
	[ "$status" -eq 0 ]
	[ "$output" = fg ]
	# sleep as PID 1 ignores SIGTERM: killed after the timeout, and berth returns its code
	status=0
	wait "$FG_PID" || status=$?
	FG_PID=
	[ "$status" -eq 137 ]
	! kill -0 "$pid" 2>/dev/null
	run berth ps -a
	[[ "$output" == *"Exited (137)"* ]]
	run berth exec fg true
	[ "$status" -eq 1 ]
}

@test "foreground: kill reaches the process, berth exits with its code" {
	start_foreground fgk sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done'
	run berth kill -s USR1 fgk
	[ "$status" -eq 0 ]
	status=0
	wait "$FG_PID" || status=$?
	FG_PID=
	[ "$status" -eq 7 ]
	run berth wait fgk
	[ "$output" = 7 ]
}

@test "foreground: SIGKILL of berth kills the container's process; rm removes the cgroups it left" {
	# berth is the foreground container's monitor: the container dies
	# with it (PDEATHSIG), as with a SIGKILLed detached monitor
	start_foreground fgd sleep 300
	local pid id mon
	pid=$(ctr_pid fgd)
	id=$(ctr_id fgd)
	mon=$(berth container inspect fgd | jq -r '.[0].State.MonitorPid')
	[ "$mon" = "$FG_PID" ]
	[ -n "$(ctr_cgroups "$id")" ]
	kill -KILL "$FG_PID"
	wait "$FG_PID" 2>/dev/null || true
	FG_PID=
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$pid" 2>/dev/null
	run berth ps -a
	[[ "$output" == *Exited*fgd* ]]
	[[ "$output" != *Up* ]]
	run berth rm fgd
	[ "$status" -eq 0 ]
	[ -z "$(ctr_cgroups "$id")" ]
	[ ! -e "$STORE/containers/$id" ]
}

@test "foreground: SIGKILL of berth kills a container that runs as another user too" {
	# a change of uid clears the parent-death signal: the runtime arms it again
	FG_RUN_OPTS="--user 1000:1000" start_foreground fgu sleep 300
	local pid
	pid=$(ctr_pid fgu)
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 1000 ]
	kill -KILL "$FG_PID"
	wait "$FG_PID" 2>/dev/null || true
	FG_PID=
	# dead: gone, or a zombie left to whoever reaps orphans here
	for _ in $(seq 50); do [[ $(ps -o stat= -p "$pid") == Z* || -z $(ps -o stat= -p "$pid") ]] && break; sleep 0.1; done
	[[ $(ps -o stat= -p "$pid") == Z* || -z $(ps -o stat= -p "$pid") ]]
	run berth rm fgu
	[ "$status" -eq 0 ]
}

@test "foreground: rm -f kills the process and removes its cgroups before the record" {
	start_foreground fgr sleep 300
	local pid id
	pid=$(ctr_pid fgr)
	id=$(ctr_id fgr)
	run berth rm -f fgr
	[ "$status" -eq 0 ]
	! kill -0 "$pid" 2>/dev/null
	[ -z "$(ctr_cgroups "$id")" ]
	[ ! -e "$STORE/containers/$id" ]
	status=0
	wait "$FG_PID" || status=$?
	FG_PID=
	[ "$status" -eq 137 ]
	run berth ps -aq
	[ -z "$output" ]
}

@test "foreground: --restart applies; berth returns the first run's code, the policy goes on" {
	run berth run --name fgp --restart on-failure:2 bb sh -c 'echo attempt; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = attempt ]
	for _ in $(seq 100); do
		run berth container inspect fgp
		[[ "$output" == *'"RestartCount": 2'* && "$output" == *'"Running": false'* ]] && break
		sleep 0.1
	done
	[[ "$output" == *'"RestartCount": 2'* ]]
	run berth logs fgp
	[ "$(grep -c attempt <<<"$output")" -eq 3 ]
	# a success is not restarted
	run berth run --name fgq --restart on-failure:2 bb echo once
	[ "$status" -eq 0 ]
	sleep 0.5
	run berth container inspect fgq
	[[ "$output" == *'"RestartCount": 0'* ]]
}

@test "stop: a stop that cannot be recorded is an error, and the container is left running" {
	# without the record's stop mark the monitor would restart what stop killed
	id=$(berth run -d --name rec --restart always bb sleep 300)
	mount --bind -o ro "$STORE/containers/$id" "$STORE/containers/$id"
	run berth stop -t 1 rec
	umount "$STORE/containers/$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"record the stop of container"*"Read-only file system"* ]]
	run berth ps
	[[ "$output" == *rec* && "$output" == *Up* ]]
	run berth stop -t 1 rec
	[ "$status" -eq 0 ]
	run berth ps -q
	[ -z "$output" ]
}

@test "rm: a monitor killed with SIGKILL takes the container with it; rm removes the cgroups it left" {
	id=$(berth run -d --name orphan bb sleep 300)
	local pid mon
	pid=$(ctr_pid orphan)
	mon=$(berth container inspect orphan | jq -r '.[0].State.MonitorPid')
	[ "$mon" -gt 0 ]
	[ -n "$(ctr_cgroups "$id")" ]
	kill -KILL "$mon"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$pid" 2>/dev/null
	run berth ps -a
	[[ "$output" == *Exited*orphan* ]]
	run berth rm orphan
	[ "$status" -eq 0 ]
	[ -z "$(ctr_cgroups "$id")" ]
	[ ! -e "$STORE/containers/$id" ]
}

@test "rm: the cgroups a monitor made but was killed before recording are removed too" {
	# the window between creating berth-<id> and recording it in the
	# record: made by hand here, where the runtime makes them
	id=$(berth create --name unrecorded bb true)
	local ctrl own made=()
	for ctrl in pids freezer; do
		[[ -d /sys/fs/cgroup/$ctrl ]] || continue
		own=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
		mkdir "/sys/fs/cgroup/$ctrl${own%/}/berth-$id"
		made+=("/sys/fs/cgroup/$ctrl${own%/}/berth-$id")
	done
	[ "${#made[@]}" -gt 0 ] || skip "no v1 pids or freezer hierarchy here"
	run berth rm unrecorded
	[ "$status" -eq 0 ]
	local d left=()
	for d in "${made[@]}"; do
		[ ! -e "$d" ] || { rmdir "$d"; left+=("$d"); }
	done
	[ "${#left[@]}" -eq 0 ] || { echo "left: ${left[*]}"; return 1; }
}

# The monitor's last act in the container's directory is the record that
# says it exited (its summary is written before it): rm, however soon after
# the end, walks the directory once and finds nothing added behind it.
@test "rm: run -d IMG true then rm -f at once, or wait then rm, 200 times without a failure" {
	local i id n=200
	for ((i = 0; i < n; i++)); do
		id=$(berth run -d --network none bb true)
		if ((i % 2)); then
			berth wait "$id" >/dev/null
			berth rm "$id" >/dev/null
		else
			berth rm -f "$id" >/dev/null
		fi
		[ ! -e "$STORE/containers/$id" ]
	done
	[ -z "$(berth ps -aq)" ]
}

@test "stop: --stop-signal by name or number is recorded by its name and sent; a bad one is refused at run" {
	id=$(berth run -d --stop-signal usr1 bb sh -c 'trap "echo got-usr1; exit 0" USR1; echo ready; while true; do sleep 0.1; done')
	[ "$(berth inspect "$id" | jq -r '.[0].Config.StopSignal')" = SIGUSR1 ]
	for _ in $(seq 50); do berth logs "$id" | grep -q ready && break; sleep 0.1; done
	berth stop -t 20 "$id"
	[ "$(berth inspect "$id" | jq -r '.[0].State.ExitCode')" = 0 ]
	[[ "$(berth logs "$id")" == *got-usr1* ]]
	id=$(berth create --stop-signal 10 bb true)
	[ "$(berth inspect "$id" | jq -r '.[0].Config.StopSignal')" = SIGUSR1 ]
	local before
	before=$(berth ps -aq | wc -l)
	run berth run --rm --stop-signal SIGFOO bb true
	[ "$status" -eq 125 ]
	assert_one_error_line "invalid stop signal 'SIGFOO'"
	run berth run --rm --restart on-failure:x bb true
	[ "$status" -eq 125 ]
	assert_one_error_line "invalid restart policy 'on-failure:x'"
	[ "$(berth ps -aq | wc -l)" -eq "$before" ]
}

@test "start: a start that fails before the process exists (its network is gone) leaves no cgroup" {
	# run and start make the cgroups before the monitor sets the network up
	berth network create gone-net >/dev/null
	local id
	id=$(berth create --network gone-net bb sleep 30)
	berth network rm gone-net >/dev/null
	run berth start "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"gone-net"* ]]
	[ -z "$(ctr_cgroups "$id")" ]
}
