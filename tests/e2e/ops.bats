#!/usr/bin/env bats
# The container commands beside run/ps/stop: top, pause/unpause, rename,
# update, diff, export, commit; and version and info. Outputs compared with
# Docker's documented ones (docs.docker.com/reference/cli/docker/container/…).
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

# The v1 freezer directory (or the v2 directory) of a running container.
freezer_dir() {
	berth inspect --format '{{json .CgroupPaths}}' "$1" | tr -d '[]"' | tr , '\n' |
		grep -E '/freezer/|^/sys/fs/cgroup/berth/' | head -1
}

@test "top: ps -ef's columns read from /proc, the container's processes only" {
	# the shell stays (a last command would be exec'd): three processes
	berth run -d --name t1 bb sh -c 'sleep 300 & sleep 301; echo done' >/dev/null
	wait_until 20 eval '[ "$(berth top t1 | grep -cE " sleep 30[01]$")" -eq 2 ]'
	run berth top t1
	[ "$status" -eq 0 ]
	# Docker's header through tabwriter(minwidth 20, padding 3)
	[ "${lines[0]}" = "UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD" ]
	[ "${#lines[@]}" -eq 4 ]
	local pid
	pid=$(berth inspect --format '{{.State.Pid}}' t1)
	[[ "$output" =~ root\ +$pid\ +[0-9]+\ +[0-9]+\ +[0-9]{2}:[0-9]{2}\ +\?\ +00:00:00\ +sh\ -c\ sleep\ 300\ \&\ sleep\ 301\;\ echo\ done$'\n' ]]
	[[ "$output" =~ root\ +[0-9]+\ +$pid\ +0\ +[0-9:]+\ +\?\ +00:00:00\ +sleep\ 300 ]]
	[[ "$output" =~ \ sleep\ 301 ]]
	# no process of the host
	[[ ! "$output" =~ bats ]]
}

@test "top with ps options: the host's ps, rows of the container's PIDs only" {
	command -v ps >/dev/null || skip "no ps on this host"
	berth run -d --name t2 bb sleep 300 >/dev/null
	wait_until 20 eval 'berth top t2 -o pid,comm | grep -q " sleep$"'
	local pid
	pid=$(berth inspect --format '{{.State.Pid}}' t2)
	run berth top t2 -o pid,comm
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\ *PID\ COMMAND$ ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^\ *$pid\ sleep$ ]]
	run berth top t2 -o comm
	assert_one_error_line "Couldn't find PID field in ps output"
	berth stop -t 1 t2 >/dev/null
	run berth top t2
	assert_one_error_line "container 't2' is not running"
}

@test "pause/unpause: the freezer cgroup, ps '(Paused)', inspect State.Paused and Status" {
	berth run -d --name p1 bb sh -c 'while :; do date +%s%N >/tmp/tick; sleep 0.05; done' >/dev/null
	run berth pause p1
	[ "$status" -eq 0 ]
	[ "$output" = p1 ]
	local d
	d=$(freezer_dir p1)
	[ -n "$d" ]
	if [[ $d == */freezer/* ]]; then [ "$(cat "$d/freezer.state")" = FROZEN ]; else grep -qx 'frozen 1' "$d/cgroup.events"; fi
	run berth inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p1
	[ "$output" = "paused true true" ]
	run berth ps --format '{{.Status}}|{{.State}}'
	[[ "$output" =~ ^Up\ .*\ \(Paused\)\|paused$ ]]
	# frozen: the loop makes no progress, and exec is refused as Docker's
	local b
	run berth exec p1 cat /tmp/tick
	assert_one_error_line "container is paused, unpause the container before exec"
	sleep 0.2
	b=$(cat "$STORE"/containers/*/upper/tmp/tick)
	sleep 0.4
	[ "$b" = "$(cat "$STORE"/containers/*/upper/tmp/tick)" ]
	run berth pause p1
	assert_one_error_line "container 'p1' is already paused"
	run berth info --format '{{.ContainersPaused}} {{.ContainersRunning}}'
	[ "$output" = "1 0" ]
	run berth unpause p1
	[ "$status" -eq 0 ]
	[ "$output" = p1 ]
	run berth inspect --format '{{.State.Status}} {{.State.Paused}}' p1
	[ "$output" = "running false" ]
	sleep 0.3
	[ "$b" != "$(cat "$STORE"/containers/*/upper/tmp/tick)" ]
	run berth unpause p1
	assert_one_error_line "container 'p1' is not paused"
	# a paused container is removed with rm -f (thawed after SIGKILL, as Docker)
	berth pause p1 >/dev/null
	run berth rm -f p1
	[ "$status" -eq 0 ]
	[ -z "$(berth ps -aq)" ]
	run berth pause nosuch
	assert_one_error_line "no such container: 'nosuch'"
}

@test "rename: the new name everywhere; a taken, invalid or same name refused" {
	berth run -d --name r1 bb sleep 300 >/dev/null
	berth run --name r2 bb true
	run berth rename r1 renamed
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run berth ps --format '{{.Names}}'
	[ "$output" = renamed ]
	run berth inspect --format '{{.Name}}' renamed
	[ "$status" -eq 0 ]
	run berth rename renamed r2
	assert_one_error_line "the container name 'r2' is already in use"
	run berth rename renamed 'bad name'
	assert_one_error_line "invalid container name 'bad name'"
	run berth rename renamed renamed
	assert_one_error_line "renaming a container with the same name as its current name"
	run berth rename renamed
	assert_one_error_line "requires exactly 2 arguments"
}

@test "update: --memory, --cpus and --pids-limit into the running container's cgroup and record" {
	berth run -d --name u1 -m 32m bb sleep 300 >/dev/null
	run berth update -m 64m --cpus 0.5 --pids-limit 40 u1
	[ "$status" -eq 0 ]
	[ "$output" = u1 ]
	run berth inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' u1
	[ "$output" = "67108864 500000000 40" ]
	local paths
	paths=$(berth inspect --format '{{json .CgroupPaths}}' u1 | tr -d '[]"' | tr , '\n')
	if grep -q '/memory/' <<<"$paths"; then
		[ "$(cat "$(grep /memory/ <<<"$paths")/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(grep /pids/ <<<"$paths")/pids.max")" = 40 ]
		[ "$(cat "$(grep '/cpu/' <<<"$paths")/cpu.cfs_quota_us")" = 50000 ]
	else
		[ "$(cat "$paths/memory.max")" = 67108864 ]
		[ "$(cat "$paths/pids.max")" = 40 ]
		[ "$(cat "$paths/cpu.max")" = "50000 100000" ]
	fi
	# the limit holds: 41 processes cannot start (sh exits at the failed
	# fork; the sleeps that did start do not hold exec's output open)
	run berth exec u1 sh -c 'for i in $(seq 45); do sleep 30 >/dev/null 2>&1 & done; wait'
	[[ "$output" =~ (fork|Resource\ temporarily\ unavailable|can\'t\ fork) ]]
	# kept across a restart
	berth stop -t 1 u1 >/dev/null
	berth start u1 >/dev/null
	paths=$(berth inspect --format '{{json .CgroupPaths}}' u1 | tr -d '[]"' | tr , '\n')
	if grep -q '/memory/' <<<"$paths"; then
		[ "$(cat "$(grep /memory/ <<<"$paths")/memory.limit_in_bytes")" = 67108864 ]
	fi
	run berth update u1
	assert_one_error_line "you must provide one or more flags when using this command"
	run berth update -m 1k u1
	assert_one_error_line "minimum memory limit allowed is 6MB"
	run berth update --memory-swap 1g u1
	assert_one_error_line "'--memory-swap' is not supported yet"
}

@test "diff: Docker's A/C/D lines from the upper dir, whiteouts as D, runtime mount points left out" {
	berth run --name d1 bb sh -c 'echo x >/tmp/new; mkdir /tmp/dir; rm /bin/ls; echo y >>/etc/passwd'
	run berth diff d1
	[ "$status" -eq 0 ]
	# Docker: sorted in walk order, a parent as C once
	[ "$output" = "$(printf 'C /bin\nD /bin/ls\nC /etc\nC /etc/passwd\nC /tmp\nA /tmp/dir\nA /tmp/new')" ]
	berth run --name d2 bb true
	run berth diff d2
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run berth diff nosuch
	assert_one_error_line "no such container: 'nosuch'"
}

@test "export: a tar of the container's rootfs with its changes, to stdout or -o; no volumes" {
	berth run --name e1 -v /data bb sh -c 'echo x >/tmp/new; echo v >/data/in-volume; rm /bin/ls'
	berth export e1 >"$BATS_TEST_TMPDIR/e1.tar"
	run tar -tf "$BATS_TEST_TMPDIR/e1.tar"
	[ "$status" -eq 0 ]
	[[ "$output" =~ (^|$'\n')tmp/new($'\n'|$) ]]
	[[ "$output" =~ (^|$'\n')bin/busybox($'\n'|$) ]]
	[[ ! "$output" =~ bin/ls($'\n'|$) ]]
	[[ ! "$output" =~ in-volume ]]
	run berth export -o "$BATS_TEST_TMPDIR/e2.tar" e1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	cmp "$BATS_TEST_TMPDIR/e1.tar" "$BATS_TEST_TMPDIR/e2.tar"
	[ "$(tar -xOf "$BATS_TEST_TMPDIR/e2.tar" tmp/new)" = x ]
	# of a running one too; an import of it runs
	berth run -d --name e3 bb sh -c 'echo running >/tmp/r; sleep 300' >/dev/null
	sleep 0.3
	berth export e3 | berth import - fromexport >/dev/null
	run berth run --rm fromexport cat /tmp/r
	[ "$output" = running ]
	run berth export nosuch
	assert_one_error_line "no such container: 'nosuch'"
	run berth export -o "$BATS_TEST_TMPDIR/nodir/x.tar" e1
	assert_one_error_line "create"
	[ ! -e "$BATS_TEST_TMPDIR/nodir" ]
}

@test "commit: the upper dir as a new top layer, -c, -m, -a; the container paused meanwhile" {
	berth run --name c1 bb sh -c 'echo committed >/tmp/new; rm /bin/ls'
	run berth commit -c 'CMD ["cat", "/tmp/new"]' -c 'ENV A=b' -m 'my message' -a 'Me <me@x>' c1 snap:1
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ "$output" = "$(berth inspect --format '{{.Id}}' snap:1)" ]
	run berth run --rm snap:1
	[ "$output" = committed ]
	run berth run --rm snap:1 sh -c 'echo $A; test -e /bin/ls || echo gone'
	[ "$output" = "$(printf 'b\ngone')" ]
	run berth inspect --format '{{.Author}} {{len .RootFS.Layers}} {{json .Config.Cmd}}' snap:1
	[ "$output" = 'Me <me@x> 2 ["cat","/tmp/new"]' ]
	run berth history --format '{{.CreatedBy}}|{{.Comment}}' snap:1
	[[ "${lines[0]}" == "sh -c echo committed >/tmp/new; rm /bin/ls|my message" ]]
	# no name: an untagged image
	run berth commit c1
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	# a running container is paused during the commit and running after it
	berth run -d --name c2 bb sh -c 'echo r >/tmp/r; sleep 300' >/dev/null
	sleep 0.3
	run berth commit c2 snap:2
	[ "$status" -eq 0 ]
	[ "$(berth inspect --format '{{.State.Status}}' c2)" = running ]
	run berth commit -p=false c2 snap:3
	[ "$status" -eq 0 ]
	run berth run --rm snap:2 cat /tmp/r
	[ "$output" = r ]
	run berth commit -c 'BOGUS x' c1 snap:4
	assert_one_error_line "BOGUS"
	# the builder's ENV: $VAR from the earlier change, quoted values
	run berth commit -c 'ENV A=b' -c 'ENV D=${A}/d E="1 2"' c1 snap:5
	[ "$status" -eq 0 ]
	[ "$(berth inspect --format '{{json .Config.Env}}' snap:5)" = '["A=b","D=b/d","E=1 2"]' ]
	run berth commit c1 'Bad:Name'
	[ "$status" -ne 0 ]
}

@test "version and info: Docker's sections and --format fields" {
	run berth version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Client:" ]
	# Docker's template through tabwriter(minwidth 20, padding 1)
	[[ "${lines[1]}" =~ ^\ Version:\ {11}[0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "$output" =~ $'\n'\ OS/Arch:\ {11}linux/(amd64|arm64|[a-z0-9]+)$'\n' ]]
	[[ "$output" =~ $'\n'Server:\ berth ]]
	run berth version --format '{{.Client.Version}} {{.Server.Version}} {{.Client.Os}}'
	[ "$output" = "$("$BERTH" --version | awk '{print $3}') $("$BERTH" --version | awk '{print $3}') linux" ]
	run berth version --format '{{.Client.Nope}}'
	assert_one_error_line "template parsing error"
	berth run --name i1 bb true
	berth run -d --name i2 bb sleep 300 >/dev/null
	run berth info --format '{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}} {{.Images}}'
	[ "$output" = "2 1 1 1" ]
	run berth info
	[ "$status" -eq 0 ]
	[[ "$output" =~ $'\n'Server:$'\n'\ Containers:\ 2$'\n'\ \ Running:\ 1$'\n'\ \ Paused:\ 0$'\n'\ \ Stopped:\ 1$'\n'\ Images:\ 1$'\n' ]]
	[[ "$output" =~ $'\n'\ Cgroup\ Version:\ [12]$'\n' ]]
	run berth info --format '{{json .DockerRootDir}}'
	[ "$output" = "\"$STORE\"" ]
	run berth system info --format '{{.NCPU}}'
	[ "$output" = "$(nproc)" ]
}

@test "create: the record with run's flags, 'Created' until start runs it" {
	run berth create --name cr1 -e K=v bb sh -c 'echo started $K'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	local id=$output
	run berth ps -a --format '{{.ID}} {{.Names}} {{.Status}}'
	[ "$output" = "${id:0:12} cr1 Created" ]
	run berth inspect --format '{{.State.Status}} {{.State.Running}}' cr1
	[ "$output" = "created false" ]
	# nothing ran
	[ -z "$(berth logs cr1)" ]
	run berth start cr1
	[ "$output" = cr1 ]
	run berth wait cr1
	[ "$output" = 0 ]
	run berth logs cr1
	[ "$output" = "started v" ]
	# --rm: removed once the started container ends, as Docker
	berth create --rm --name cr2 bb true >/dev/null
	berth start cr2 >/dev/null
	for _ in $(seq 50); do [ -z "$(berth ps -aq --filter name=cr2)" ] && break; sleep 0.1; done
	[ -z "$(berth ps -aq --filter name=cr2)" ]
	run berth create --name cr1 bb true
	assert_one_error_line "the container name 'cr1' is already in use"
	run berth create nosuchimage
	[ "$status" -eq 125 ]
	[[ "$output" =~ nosuchimage ]]
}
