#!/usr/bin/env bats
# berth exec: a new process inside a running container, as `docker exec`:
# its namespaces, cgroup, capabilities and seccomp; -u, -e, -w, -t, -i, -d;
# exit codes; nothing left behind.

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

# Polls (bounded) until `berth exec CTR test -e PATH` succeeds.
wait_for_file() {
	local i
	for i in $(seq 100); do
		berth exec "$1" test -e "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for $2 in $1"
	return 1
}

# The host's cgroup.procs of the container's pids (v1) or unified (v2) cgroup.
container_procs() {
	local pid line path
	pid=$(berth container inspect "$1" | sed -n 's/.*"Pid": \([0-9]*\).*/\1/p' | head -1)
	line=$(grep -E '^[0-9]+:pids:' "/proc/$pid/cgroup" || true)
	if [[ -n $line ]]; then
		echo "/sys/fs/cgroup/pids${line#*:pids:}/cgroup.procs"
	else
		path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup$path/cgroup.procs"
	fi
}

@test "exec: sees the container's processes, hostname and files" {
	id=$(berth run -d --name box bb sh -c 'echo from-run >/tmp/f; exec sleep 1000')
	wait_for_file box /tmp/f
	run berth exec box cat /tmp/f
	[ "$status" -eq 0 ]
	[ "$output" = from-run ]
	run berth exec box hostname
	[ "$output" = "${id:0:12}" ]
	run berth exec box ps -o pid,args
	[ "$status" -eq 0 ]
	# PID 1 is the container's main process; exec's own ps is in the same namespace
	[[ "$(sed -n 2p <<<"$output")" =~ ^\ *1\ sleep\ 1000$ ]]
	[[ "$output" == *"ps -o pid,args"* ]]
	[ "${#lines[@]}" -eq 3 ]
	# writes of an exec are the container's, seen by the next exec
	berth exec box sh -c 'echo from-exec >/tmp/g'
	run berth exec box cat /tmp/g
	[ "$output" = from-exec ]
	[ ! -e /tmp/g ] || ! grep -qx from-exec /tmp/g
}

@test "exec: -u, -e, --env-file, -w and the container's env" {
	berth run -d --name box -e FROM_RUN=1 -w /srv bb sleep 1000
	run berth exec box sh -c 'echo $FROM_RUN; pwd; id -u'
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = /srv ]
	[ "${lines[2]}" = 0 ]
	printf 'FROM_FILE=2\n# comment\n' >"$BATS_TEST_TMPDIR/env"
	run berth exec -u app -e FROM_RUN=override -e EXTRA=x --env-file "$BATS_TEST_TMPDIR/env" \
		-w /tmp box sh -c 'id; echo $HOME $FROM_RUN $EXTRA $FROM_FILE; pwd'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "uid=1000(app) gid=1000(app) groups=100(users)" ]
	[ "${lines[1]}" = "/home/app override x 2" ]
	[ "${lines[2]}" = /tmp ]
	run berth exec -u 1000:100 box id
	[ "$output" = "uid=1000(app) gid=100(users) groups=1000(app)" ]
	run berth exec -u nosuchuser box id
	[ "$status" -ne 0 ]
	[[ "$output" == *nosuchuser* ]]
}

@test "exec: exit codes 7, 126 not executable, 127 not found" {
	berth run -d --name box bb sleep 1000
	run berth exec box sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run -126 berth exec box /etc/passwd
	[ "$status" -eq 126 ]
	assert_one_error_line "permission denied|Permission denied"
	run -127 berth exec box no-such-command
	[ "$status" -eq 127 ]
	assert_one_error_line "not found"
}

@test "exec: -t gives a terminal of the container's devpts, -i pipes stdin" {
	berth run -d --name box bb sleep 1000
	run berth exec -t box sh -c 'test -t 0 && test -t 1 && tty'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^/dev/pts/[0-9]+ ]]
	run berth exec box sh -c 'test -t 0 || echo no-tty'
	[ "$output" = no-tty ]
	run bash -c "printf 'line1\nline2\n' | '$BERTH' --root '$STORE' exec -i box sh -c 'cat; echo done'"
	[ "$status" -eq 0 ]
	[ "$output" = $'line1\nline2\ndone' ]
	# without -i the process's stdin is empty
	run bash -c "echo hidden | '$BERTH' --root '$STORE' exec box cat"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "exec: -d returns while the process runs in the container" {
	berth run -d --name box bb sleep 1000
	run berth exec -d box sh -c 'echo started >/tmp/d; exec sleep 999'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	wait_for_file box /tmp/d
	run berth exec box ps -o args
	[[ "$output" == *"sleep 999"* ]]
}

@test "exec: -d -t runs the command to its end on a terminal; its output is discarded, as Docker does" {
	berth run -d --name box bb sleep 1000
	# the command outlives berth exec: it waits for /tmp/go, made after berth returned
	run berth exec -d -t box sh -c '[ -t 1 ] && echo tty >/tmp/t
		while [ ! -e /tmp/go ]; do sleep 0.05; done
		echo exec-output; echo done >/tmp/d'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	wait_for_file box /tmp/t
	berth exec box touch /tmp/go
	wait_for_file box /tmp/d
	run berth exec box cat /tmp/t
	[ "$output" = tty ]
	# docker exec -d keeps nothing of a command's output, nor does its log
	run berth logs box
	[ "$status" -eq 0 ]
	[[ "$output" != *exec-output* ]]
	# the process that kept the terminal open ends with the command
	local i
	for i in $(seq 100); do
		pgrep -f -- "--root $STORE exec -d -t box" >/dev/null || break
		sleep 0.1
	done
	! pgrep -f -- "--root $STORE exec -d -t box"
}

@test "exec: a stopped or unknown container fails cleanly with exit 1" {
	berth run -d --name box bb sleep 1000
	berth stop -t 1 box >/dev/null
	run berth exec box true
	[ "$status" -eq 1 ]
	assert_one_error_line "^berth: exec 'box': container is not running$"
	run berth exec nosuch true
	[ "$status" -eq 1 ]
	assert_one_error_line "no such container"
	run berth exec box
	[ "$status" -eq 1 ]
}

@test "exec: the process is in the container's cgroup, caps and seccomp as the main process" {
	berth run -d --name box --pids-limit 32 bb sleep 1000
	procs=$(container_procs box)
	[ -f "$procs" ]
	[ "$(wc -l <"$procs")" -eq 1 ]
	berth exec -d box sh -c 'touch /tmp/up; exec sleep 998'
	wait_for_file box /tmp/up
	# the host sees it in the container's cgroup beside the main process
	[ "$(wc -l <"$procs")" -eq 2 ]
	# inside: the same cgroup as PID 1 (a process outside would see "/..")
	run berth exec box sh -c 'cat /proc/1/cgroup; echo --; cat /proc/self/cgroup'
	[ "$(sed -n '1,/^--$/p' <<<"$output" | sed '$d')" = "$(sed -n '/^--$/,$p' <<<"$output" | sed 1d)" ]
	run berth exec box sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/1/status; echo --; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status'
	[ "${lines[0]}" = $'CapEff:\t00000000a80425fb' ]
	[ "$(sed -n '1,/^--$/p' <<<"$output" | sed '$d')" = "$(sed -n '/^--$/,$p' <<<"$output" | sed 1d)" ]
	run berth exec box mount -t tmpfs none /mnt
	[ "$status" -ne 0 ]
	run berth exec box unshare -U true
	[ "$status" -ne 0 ]
	run berth exec --privileged box sh -c 'grep CapEff /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$output" = $'CapEff:\t'"$(awk '/^CapBnd:/ {print $2}' /proc/self/status)" ]
}

@test "exec: a foreground exec forwards SIGTERM and leaves nothing behind" {
	berth run -d --name box bb sleep 1000
	procs=$(container_procs box)
	# this file's mounts only: the other e2e lane shares the mount namespace
	mounts_before=$(findmnt -rn -o TARGET,SOURCE,FS-OPTIONS | grep -cF "$STORE")
	"$BERTH" --root "$STORE" exec box sh -c 'trap "echo got-term; exit 42" TERM; touch /tmp/ready; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" &
	pid=$!
	wait_for_file box /tmp/ready
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 42 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = got-term ]
	# only the main process is left in the container's cgroup, no mount on the host
	[ "$(cat "$procs")" = "$(berth container inspect box | sed -n 's/.*"Pid": \([0-9]*\).*/\1/p' | head -1)" ]
	[ "$(findmnt -rn -o TARGET,SOURCE,FS-OPTIONS | grep -cF "$STORE")" -eq "$mounts_before" ]
}
