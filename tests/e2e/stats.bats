#!/usr/bin/env bats
# berth stats: Docker's columns (docs.docker.com/reference/cli/docker/container/stats),
# read from the containers' cgroups (v1 here, v2 where the host has it), CPU %
# over two samples a second apart.
load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
}

teardown() {
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

@test "stats --no-stream: Docker's table, one row per running container" {
	# three processes: the shell stays (a last command would be exec'd)
	berth run -d --name s1 -m 64m bb sh -c 'sleep 300 & sleep 301; echo done' >/dev/null
	berth run --name s2 bb true
	run berth stats --no-stream
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]]
	[ "${#lines[@]}" -eq 2 ]
	local id
	id=$(berth inspect --format '{{.Id}}' s1)
	# the memory limit in go-units BytesSize, the network's bytes (the
	# default bridge: its own eth0), the pids of the cgroup
	[[ "${lines[1]}" =~ ^${id:0:12}\ +s1\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+(B|KiB|MiB)\ /\ 64MiB\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\ +[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\ +3$ ]]
	run berth stats --no-stream -a --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}'
	[[ "$output" =~ (^|$'\n')s2\ --\ --\ /\ --\ --($'\n'|$) ]]
	run berth stats --no-stream --no-trunc --format '{{.ID}}' s1
	[ "$output" = "$id" ]
	run berth stats --no-stream nosuch
	assert_one_error_line "no such container: 'nosuch'"
}

@test "stats: CPU % of a busy container from two samples; --format json and table" {
	berth run -d --name busy bb sh -c 'while :; do :; done' >/dev/null
	run berth stats --no-stream --format '{{.CPUPerc}}' busy
	[ "$status" -eq 0 ]
	# one busy loop: a good share of a CPU, and never more than two (this host's)
	local p=${output%%.*}
	[ "$p" -ge 20 ]
	[ "$p" -le $((100 * $(nproc) + 5)) ]
	berth update --cpus 0.2 busy >/dev/null
	sleep 1
	run berth stats --no-stream --format '{{.CPUPerc}}' busy
	p=${output%%.*}
	[ "$p" -le 30 ]
	run berth stats --no-stream --format json busy
	[ "$(jq -r .Name <<<"$output")" = busy ]
	[ "$(jq -r 'keys|join(",")' <<<"$output")" = BlockIO,CPUPerc,Container,ID,MemPerc,MemUsage,Name,NetIO,PIDs ]
	run berth stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}' busy
	[[ "${lines[0]}" =~ ^NAME\ +PIDS$ ]]
	[[ "${lines[1]}" =~ ^busy\ +1$ ]]
}

@test "stats without --no-stream refreshes every second until interrupted" {
	berth run -d --name st bb sleep 300 >/dev/null
	# timeout's 124: it had to send SIGINT, after which berth ended by itself
	run timeout -s INT -k 5 3 "$BERTH" --root "$STORE" stats --format '{{.Name}}' st
	[ "$status" -eq 124 ]
	# Docker clears the screen before each refresh
	[ "$(grep -c st <<<"$output")" -ge 1 ]
	[[ "$output" == *$'\033[2J\033[H'* ]]
}
