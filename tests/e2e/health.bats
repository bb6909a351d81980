#!/usr/bin/env bats
# Health checks as Docker runs them: the image's HEALTHCHECK or run's
# --health-* flags, a probe inside the container on a timer from the
# container's monitor, starting -> healthy | unhealthy, a probe killed at its
# timeout, .State.Health in inspect, ps's STATUS and --filter health=, and
# wait --condition; a foreground run is probed as a -d one.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sleep", "1000"]' "$(busybox_tar)" bb >/dev/null
}

teardown() {
	# every container of this test's store is killed (by its recorded PID) and removed
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

# An image with a HEALTHCHECK, built FROM the busybox fixture: healthy once
# /tmp/ready exists; failures do not count for its first 60 seconds. Its
# SHELL (which CMD-SHELL runs with, as Docker's) sets MARK.
build_healthcheck_image() {
	local b=$BATS_TEST_TMPDIR/hc
	mkdir -p "$b/rootfs"
	tar -C "$b/rootfs" -xf "$(busybox_tar)"
	cat >"$b/Dockerfile" <<-'EOF'
		FROM scratch
		COPY rootfs/ /
		SHELL ["/usr/bin/env", "MARK=from-shell", "/bin/sh", "-c"]
		HEALTHCHECK --interval=1s --timeout=5s --start-period=60s --start-interval=1s \
			CMD cat /tmp/ready || exit 1; echo $MARK
		CMD ["sleep", "1000"]
	EOF
	berth build -q -t hc "$b" >/dev/null 2>&1
}

# Polls (bounded, 30 s) until the container's health status is $2.
wait_health() {
	wait_inspect "$1" '{{.State.Health.Status}}' "$2"
}

# Polls (bounded, 30 s) until inspect's $2 of container $1 reads $3.
wait_inspect() {
	local i v
	for i in $(seq 150); do
		v=$(berth inspect --format "$2" "$1")
		[[ $v == "$3" ]] && return 0
		sleep 0.2
	done
	echo "$2 of $1 is '$v', not '$3'"
	return 1
}

# Polls (bounded, 30 s) until the container's health log has $2 results.
wait_log() {
	local i n
	for i in $(seq 150); do
		n=$(berth inspect --format '{{len .State.Health.Log}}' "$1")
		((n >= $2)) && return 0
		sleep 0.2
	done
	echo "the health log of $1 has $n results, not $2"
	return 1
}

# The host's cgroup.procs of the container's pids (v1) or unified (v2) cgroup.
container_procs() {
	local pid line path
	pid=$(berth inspect --format '{{.State.Pid}}' "$1")
	line=$(grep -E '^[0-9]+:pids:' "/proc/$pid/cgroup" || true)
	if [[ -n $line ]]; then
		echo "/sys/fs/cgroup/pids${line#*:pids:}/cgroup.procs"
	else
		path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup$path/cgroup.procs"
	fi
}

@test "health: the image's HEALTHCHECK goes starting -> healthy; ps shows it and filters on it" {
	build_healthcheck_image
	id=$(berth run -d --network none --name web hc)
	# the image's check is the container's config, in Docker's form (ns)
	run berth inspect --format '{{json .Config.Healthcheck}}' web
	[ "$output" = '{"Test":["CMD-SHELL","cat /tmp/ready || exit 1; echo $MARK"],"Interval":1000000000,"Timeout":5000000000,"StartPeriod":60000000000,"StartInterval":1000000000}' ]
	# not ready: failing probes within the start period keep it starting
	wait_log web 2
	run berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{(index .State.Health.Log 0).ExitCode}}' web
	[ "$output" = "starting 0 1" ]
	run berth ps --format '{{.Status}}'
	[[ "$output" =~ ^Up\ .*\ \(health:\ starting\)$ ]]
	[ "$(berth ps -q --filter health=starting)" = "${id:0:12}" ]
	[ -z "$(berth ps -q --filter health=healthy)" ]

	berth exec web sh -c 'echo ready >/tmp/ready'
	wait_health web healthy
	run berth inspect --format '{{.State.Health.FailingStreak}}' web
	[ "$output" = 0 ]
	# the last result is the success, with its output
	run berth inspect --format '{{range .State.Health.Log}}{{.ExitCode}}:{{.Output}}{{end}}' web
	[[ "$output" == *"0:ready"$'\n'"from-shell" ]]
	run berth ps --format '{{.Status}}'
	[[ "$output" =~ ^Up\ .*\ \(healthy\)$ ]]
	[ "$(berth ps -q --filter health=healthy)" = "${id:0:12}" ]
	[ -z "$(berth ps -q --filter health=none)" ]
}

@test "health: --health-cmd 'exit 1' is unhealthy after the retries; inspect shows the log" {
	id=$(berth run -d --network none --health-cmd 'echo probe-out; exit 1' \
		--health-retries 2 --health-interval 1s bb)
	run berth inspect --format '{{json .Config.Healthcheck}}' "$id"
	[ "$output" = '{"Test":["CMD-SHELL","echo probe-out; exit 1"],"Interval":1000000000,"Retries":2}' ]
	wait_health "$id" unhealthy
	run berth inspect --format '{{.State.Health.FailingStreak}}' "$id"
	((output >= 2))
	# Docker's log entries: Start, End, ExitCode, Output
	run berth inspect --format '{{with index .State.Health.Log 0}}{{.ExitCode}}|{{.Output}}|{{.Start}}|{{.End}}{{end}}' "$id"
	[[ "$output" =~ ^1\|probe-out$'\n'\|20[0-9-]+T[0-9:.]+Z\|20[0-9-]+T[0-9:.]+Z$ ]]
	run berth ps --format '{{.Status}}'
	[[ "$output" =~ \(unhealthy\)$ ]]
	[ "$(berth ps -q --filter health=unhealthy)" = "${id:0:12}" ]
	# the container itself goes on: health and the restart policy are independent
	run berth inspect --format '{{.State.Status}} {{.RestartCount}}' "$id"
	[ "$output" = "running 0" ]
	# Docker keeps the last five results
	wait_log "$id" 5
	sleep 1.5
	run berth inspect --format '{{len .State.Health.Log}}' "$id"
	[ "$output" = 5 ]
}

@test "health: a hanging probe is killed, with its process group, at its timeout" {
	# 'sleep 61; true' makes the shell fork sleep: killing the shell alone would leave it
	id=$(berth run -d --network none --health-cmd 'sleep 61; true' --health-timeout 1s \
		--health-interval 5s bb)
	wait_log "$id" 1
	run berth inspect --format '{{with index .State.Health.Log 0}}{{.ExitCode}}|{{.Output}}{{end}}' "$id"
	[ "$output" = "-1|Health check exceeded timeout (1s)" ]
	# the next probe starts 5 s after this one ended: only the main process is left
	procs=$(container_procs "$id")
	[ -f "$procs" ]
	for p in $(cat "$procs"); do
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true)
		[[ $cmd != *"sleep 61"* ]] || { echo "probe left behind: $p $cmd"; false; }
	done
	[ "$(wc -l <"$procs")" -eq 1 ]
	run berth inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' "$id"
	[ "$output" = "starting 1" ]
}

@test "health: --no-healthcheck disables the image's; a container without a check has no Health" {
	build_healthcheck_image
	berth run -d --network none --name off --no-healthcheck hc >/dev/null
	run berth inspect --format '{{json .Config.Healthcheck.Test}}' off
	[ "$output" = '["NONE"]' ]
	run berth inspect --format '{{.State.Health.Status}}' off
	[ "$status" -ne 0 ]
	[[ "$output" == *'map has no entry for key "Health"'* ]]
	berth run -d --network none --name plain bb >/dev/null
	run berth inspect --format '{{json .State.Health}}' plain
	[ "$status" -ne 0 ]
	[ "$(berth ps -q --filter health=none | wc -l)" -eq 2 ]
	run berth ps --format '{{.Status}}'
	[[ "$output" != *"health"* ]]
	sleep 2
	[ ! -e "$STORE/containers/$(berth inspect --format '{{.Id}}' off)/health.json" ]
}

@test "health: stop records unhealthy (Docker's); start begins again as starting, keeping the log" {
	id=$(berth run -d --network none --health-cmd 'true' --health-interval 1s bb)
	wait_health "$id" healthy
	berth stop -t 1 "$id" >/dev/null
	run berth inspect --format '{{.State.Status}} {{.State.Health.Status}}' "$id"
	[ "$output" = "exited unhealthy" ]
	run berth ps -a --format '{{.Status}}'
	[[ "$output" == Exited* ]]
	[[ "$output" != *healthy* ]]
	berth start "$id"
	run berth inspect --format '{{.State.Health.Status}}' "$id"
	[ "$output" = starting ]
	run berth inspect --format '{{len .State.Health.Log}}' "$id"
	((output >= 1))
	wait_health "$id" healthy
}

@test "health: a foreground run is probed too; its end records unhealthy" {
	run berth run --name fg --network none --health-cmd 'echo alive' --health-interval 1s \
		bb sh -c 'sleep 3; echo done'
	[ "$status" -eq 0 ]
	[ "$output" = done ]
	run berth inspect --format '{{.State.Status}} {{.State.Health.Status}}' fg
	[ "$output" = "exited unhealthy" ]
	run berth inspect --format '{{range .State.Health.Log}}{{.ExitCode}}:{{.Output}}{{end}}' fg
	[[ "$output" == "0:alive"* ]]
}

@test "health: bad --health-* flags are one clear error and create nothing" {
	run berth run --no-healthcheck --health-cmd true bb
	[ "$status" -eq 125 ]
	assert_one_error_line 'no-healthcheck conflicts with --health-\* options'
	run berth run --health-interval 10 bb
	[ "$status" -eq 125 ]
	assert_one_error_line 'invalid argument "10" for "--health-interval" flag: time: missing unit in duration "10"'
	run berth run --health-timeout -1s bb
	assert_one_error_line 'health-timeout cannot be negative'
	run berth run --health-retries -3 bb
	assert_one_error_line 'health-retries cannot be negative'
	run berth run --health-interval 1us bb
	assert_one_error_line 'Interval in Healthcheck cannot be less than 1ms'
	[ -z "$(berth ps -aq)" ]
}

@test "wait --condition: not-running, next-exit and removed, as Docker's wait API" {
	id=$(berth run -d --network none bb sh -c 'exit 3')
	run berth wait --condition not-running "$id"
	[ "$output" = 3 ]
	# next-exit of a stopped container: the exit after its next start
	berth wait --condition next-exit "$id" >"$BATS_TEST_TMPDIR/next" &
	waiter=$!
	sleep 0.5
	[ -z "$(cat "$BATS_TEST_TMPDIR/next")" ]
	berth start "$id"
	wait "$waiter"
	[ "$(cat "$BATS_TEST_TMPDIR/next")" = 3 ]
	# removed: once the record is gone, with the last exit code
	berth wait --condition removed "$id" >"$BATS_TEST_TMPDIR/removed" &
	waiter=$!
	berth wait "$id" >/dev/null
	sleep 0.3
	[ -z "$(cat "$BATS_TEST_TMPDIR/removed")" ]
	berth rm "$id"
	wait "$waiter"
	[ "$(cat "$BATS_TEST_TMPDIR/removed")" = 3 ]
	run berth inspect "$id"
	[ "$status" -ne 0 ]
	# an --rm container: it goes by itself
	id=$(berth run -d --rm --network none bb sleep 1)
	run berth wait --condition removed "$id"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	run berth inspect "$id"
	[ "$status" -ne 0 ]
	run berth wait --condition sometime "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid condition 'sometime'"* ]]
}

# The actions of container $1's events, one a line, oldest first.
event_actions() {
	berth events --since 0 --until 0s --filter "container=$1" |
		sed -E 's/^[^ ]+ container (.*) [0-9a-f]{64} \(.*$/\1/'
}

@test "health: --health-on-failure restart restarts an unhealthy container (podman's, a liveness probe's)" {
	# --init: the stop signal reaches sleep (a PID 1 without a handler ignores it)
	berth run -d --network none --init --name heal --health-on-failure restart \
		--health-cmd 'test -f /tmp/ok' --health-interval 1s --health-retries 1 \
		bb sh -c 'touch /tmp/ok; exec sleep 1000' >/dev/null
	run berth inspect --format '{{.Config.HealthcheckOnFailureAction}} {{.RestartCount}}' heal
	[ "$output" = "restart 0" ]
	wait_health heal healthy
	berth exec heal rm /tmp/ok
	wait_inspect heal '{{.RestartCount}} {{.State.Status}}' "1 running"
	# the new run made /tmp/ok again: healthy, and not restarted again
	wait_health heal healthy
	run berth inspect --format '{{.RestartCount}} {{.HostConfig.RestartPolicy}}' heal
	[ "$output" = "1 no" ]
	run event_actions heal
	echo "$output"
	[[ "$output" == *$'health_status: unhealthy\nkill\ndie\nstart\nrestart\n'* ]]
	run berth events --since 0 --until 0s --filter container=heal --filter event=kill
	[[ "$output" == *"signal=15"* ]]
	# a stop is a stop: an unhealthy container stopped by the user stays stopped (sleep
	# as PID 1 ignores the prober's SIGTERM, which leaves it unhealthy for 10 s)
	berth run -d --network none --name stubborn --health-on-failure restart \
		--health-cmd 'exit 1' --health-interval 1s --health-retries 1 bb >/dev/null
	wait_health stubborn unhealthy
	berth stop -t 1 stubborn >/dev/null
	sleep 2
	run berth inspect --format '{{.State.Status}} {{.RestartCount}}' stubborn
	[ "$output" = "exited 0" ]
}

@test "health: --health-on-failure kill sends SIGKILL, stop stops it and no policy restarts it" {
	berth run -d --network none --name killed --health-on-failure kill \
		--health-cmd 'exit 1' --health-interval 1s --health-retries 1 bb >/dev/null
	wait_inspect killed '{{.State.Status}} {{.State.ExitCode}}' "exited 137"
	run event_actions killed
	[[ "$output" == *$'health_status: unhealthy\nkill\ndie'* ]]
	run berth events --since 0 --until 0s --filter container=killed --filter event=kill
	[[ "$output" == *"signal=9"* ]]
	# stop: the stop signal (SIGTERM to init, which passes it on), marked as a stop
	berth run -d --network none --init --name stopped --restart always \
		--health-on-failure stop --health-cmd 'exit 1' --health-interval 1s \
		--health-retries 1 bb >/dev/null
	wait_inspect stopped '{{.State.Status}}' exited
	sleep 2
	run berth inspect --format '{{.State.Status}} {{.RestartCount}}' stopped
	[ "$output" = "exited 0" ]
	run berth events --since 0 --until 0s --filter container=stopped --filter event=kill
	[[ "$output" == *"signal=15"* ]]
	[[ "$output" != *"signal=9"* ]]
}

@test "health: --health-on-failure needs a check and one of its four words" {
	run berth run --network none --health-on-failure reboot --health-cmd true bb
	[ "$status" -eq 125 ]
	assert_one_error_line "invalid health on-failure action 'reboot': none, kill, restart or stop"
	run berth create --health-on-failure restart bb
	[ "$status" -eq 125 ]
	assert_one_error_line "health-on-failure restart needs a health check"
	[ -z "$(berth ps -aq)" ]
}
