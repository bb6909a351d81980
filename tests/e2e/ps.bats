#!/usr/bin/env bats
# berth ps as Docker's: the default table (COMMAND quoted and truncated,
# CREATED, STATUS with uptime, PORTS), newest first, -n, -l, --no-trunc, -q
# and --filter name/id/status/exited/label/ancestor; each record read once (strace).
load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
}

teardown() {
	api_service_stop || true
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

# three containers, created in this order: one running, two exited (3 and 0)
three() {
	berth run -d --name ps-up bb sh -c 'sleep 100' >/dev/null
	berth run --name ps-three bb sh -c 'exit 3' || true
	berth run --name ps-long bb echo 'a command longer than twenty characters' >/dev/null
}

@test "ps: Docker's default table with CREATED, STATUS uptime, PORTS and the quoted command" {
	three
	run berth ps
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +bb\ +\"sh\ -c\ \'sleep\ 100\'\"\ +(Less\ than\ a\ second|[0-9]+\ seconds?)\ ago\ +Up\ (Less\ than\ a\ second|[0-9]+\ seconds?)\ +ps-up$ ]]
	run berth ps -a
	[[ "$output" =~ \"echo\ \'a\ command\ lon…\" ]]
	[[ "$output" =~ Exited\ \(3\)\ (Less\ than\ a\ second|[0-9]+\ seconds?)\ ago ]]
	# the columns line up as Go's tabwriter: every row's NAMES starts where the header's does
	local col=${lines[0]%%NAMES*}
	for l in "${lines[@]:1}"; do [[ "${l:${#col}}" =~ ^ps- ]]; done
}

@test "ps: newest first, -n, -l and -q" {
	three
	run berth ps -a --format '{{.Names}}'
	[ "$output" = "$(printf 'ps-long\nps-three\nps-up')" ]
	run berth ps -n 2 --format '{{.Names}}'
	[ "$output" = "$(printf 'ps-long\nps-three')" ]
	run berth ps --last=1 --format '{{.Names}}'
	[ "$output" = ps-long ]
	run berth ps -l -q
	[[ "$output" =~ ^[0-9a-f]{12}$ ]]
	[ "$output" = "$(berth ps -a -q | head -1)" ]
	# -q wins over --format, as Docker's NewContainerFormat
	run berth ps -q --format '{{.Names}}'
	[[ "$output" =~ ^[0-9a-f]{12}$ ]]
	run berth ps -n x
	assert_one_error_line "invalid argument 'x' for '-n'"
}

@test "ps --no-trunc: the whole id and command" {
	three
	run berth ps -a --no-trunc
	[[ "$output" =~ [0-9a-f]{64}\ +bb\ +\"echo\ \'a\ command\ longer\ than\ twenty\ characters\'\" ]]
	run berth ps -a -q --no-trunc
	[[ "${lines[0]}" =~ ^[0-9a-f]{64}$ ]]
}

@test "ps --filter: name, id, status, exited, label, ancestor; values of one key are alternatives" {
	three
	run berth ps -a --filter name=three --format '{{.Names}}'
	[ "$output" = ps-three ]
	run berth ps -a -f 'name=^ps-(up|long)$' --format '{{.Names}}'
	[ "$output" = "$(printf 'ps-long\nps-up')" ]
	local id
	id=$(berth ps -q --no-trunc)
	run berth ps -a --filter "id=${id:0:10}" --format '{{.Names}}'
	[ "$output" = ps-up ]
	# a status filter looks past running containers without -a, as Docker's
	run berth ps --filter status=exited --format '{{.Names}}'
	[ "$output" = "$(printf 'ps-long\nps-three')" ]
	run berth ps --filter status=running --filter status=exited --format '{{.Names}}'
	[ "${#lines[@]}" -eq 3 ]
	run berth ps -a --filter exited=3 --format '{{.Names}}'
	[ "$output" = ps-three ]
	run berth ps -a --filter exited=0 --filter name=three --format '{{.Names}}'
	[ -z "$output" ]
	run berth ps -a --filter ancestor=bb --format '{{.Names}}'
	[ "${#lines[@]}" -eq 3 ]
	run berth ps -a --filter ancestor=bb:latest --filter status=running -q
	[ "$output" = "${id:0:12}" ]
	run berth ps -a --filter ancestor=other --format '{{.Names}}'
	[ -z "$output" ]
	run berth ps -a --filter label=com.example --format '{{.Names}}'
	[ -z "$output" ]
}

@test "run --label/--label-file: in .Config.Labels, ps --filter label=K[=V] and {{.Labels}}" {
	printf '# a comment\nteam=db\n\nflag\ntier=file\n' >"$BATS_TEST_TMPDIR/labels"
	berth run --name lab-a -l tier=web --label-file "$BATS_TEST_TMPDIR/labels" bb true
	berth run --name lab-b --label tier=db bb true
	run berth inspect --format '{{json .Config.Labels}}' lab-a
	[ "$output" = '{"flag":"","team":"db","tier":"web"}' ]
	run berth ps -a --filter label=tier --format '{{.Names}}'
	[ "$output" = "$(printf 'lab-b\nlab-a')" ]
	run berth ps -a --filter label=tier=web --format '{{.Names}}'
	[ "$output" = lab-a ]
	run berth ps -a --filter label=team=db --filter label=flag --format '{{.Names}} {{.Labels}}'
	[ "$output" = "lab-a flag=,team=db,tier=web" ]
	run berth run -l x=1 --label-file /nonexistent bb true
	[ "$status" -eq 125 ]
	assert_one_error_line "label file '/nonexistent'"
}

@test "ps --filter: bad filters are one line" {
	run berth ps --filter nope=1
	assert_one_error_line "invalid filter 'nope=1'"
	run berth ps --filter status=sleeping
	assert_one_error_line "invalid filter 'status=sleeping'"
	run berth ps --filter exited=x
	assert_one_error_line "invalid filter 'exited=x'"
	run berth ps --filter name
	assert_one_error_line "bad format of filter 'name' \(expected name=value\)"
}

@test "ps -s: SIZE as Docker's, the upper dir's content bytes and the virtual size with the image" {
	berth run --name sz bb sh -c 'printf ab > /f; mkdir /d'
	img=$(berth image inspect -f '{{.Size}}' bb)
	# go-units' HumanSizeWithPrecision(n, 3): powers of 1000, %.3g
	want=$(awk -v b=$((img + 2)) 'BEGIN { u = "B"; if (b >= 1e6) { b /= 1e6; u = "MB" } else if (b >= 1e3) { b /= 1e3; u = "kB" }; printf "%.3g%s", b, u }')
	run berth ps -a -s
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ NAMES\ +SIZE$ ]]
	[[ "${lines[1]}" == *" sz "*" 2B (virtual $want)" ]]
	run berth ps -a --size --format '{{.Names}}: {{.Size}}'
	[ "$output" = "sz: 2B (virtual $want)" ]
	# as Docker's, a template using .Size computes it without -s
	run berth ps -a --format '{{.Size}}'
	[ "$output" = "2B (virtual $want)" ]
	# and the table without -s has no SIZE column
	run berth ps -a
	[[ "${lines[0]}" != *SIZE* ]]
}

# opens REGEX ARGS...: how many files matching REGEX one `berth ARGS` opens (strace)
opens() {
	local re=$1 t=$BATS_TEST_TMPDIR/openat
	shift
	strace -f -e trace=openat -o "$t" "$BERTH" --root "$STORE" "$@" >/dev/null
	grep -cE "$re" "$t" || true
}

# How many times one berth command opens a container's state.json.
state_reads() { opens '/state\.json"' "$@"; }
# How many freezer states (v1 freezer.state, v2 cgroup.events) it opens.
freezer_reads() { opens '(freezer\.state|cgroup\.events)"' "$@"; }

# The issue measured 40*41/2 = 820 reads for one `ps` of 40 running containers:
# a lookup by id that scanned every record, for each record listed.
@test "ps and rm -f of 40 containers read each record a bounded number of times, not once per pair" {
	command -v strace >/dev/null || skip "strace is not installed"
	local i n=40
	for ((i = 0; i < n / 2; i++)); do
		berth run -d --network none --name "up$i" bb sleep 100 >/dev/null
		berth create --network none --name "made$i" bb true >/dev/null
	done
	for args in "ps" "ps -a" "ps -a --filter name=up1" "ps -a -s" \
		"ps -a --format {{.Names}}{{.Ports}}{{.Status}}{{.Mounts}}"; do
		# shellcheck disable=SC2086
		reads=$(state_reads $args)
		echo "$args: $reads reads"
		((reads <= n))
	done
	[ "$(berth ps -q | wc -l)" -eq $((n / 2)) ]
	# ps reads the summaries beside the records (summary.json), not the records
	[ "$(state_reads ps -a)" -eq 0 ]
	# rm -f $(ps -aq): the names in one pass, then per container its checks,
	# the stop mark, the kill and the wait's look at its record
	local ids
	ids=$(berth ps -aq)
	reads=$(state_reads rm -f $ids)
	echo "rm -f: $reads reads"
	((reads <= 6 * n))
	[ -z "$(berth ps -aq)" ]
}

# A run's start record says in its summary that its cgroup is new (thawed):
# ps reads no freezer for it. pause takes that away before it freezes, so
# ps reads the freezer of that one container from then on.
@test "ps reads no freezer for a container its monitor started; pause and unpause still show" {
	command -v strace >/dev/null || skip "strace is not installed"
	berth run -d --network none --name fz1 bb sleep 100 >/dev/null
	berth run -d --network none --name fz2 bb sleep 100 >/dev/null
	[ "$(freezer_reads ps)" -eq 0 ]
	berth pause fz1
	[ "$(berth ps --format '{{.Names}} {{.Status}}' | status_lines)" = \
		"$(printf 'fz1 Up D (Paused)\nfz2 Up D')" ]
	[ "$(freezer_reads ps)" -eq 1 ]
	berth unpause fz1
	[ "$(berth ps --format '{{.Names}} {{.Status}}' | status_lines)" = "$(printf 'fz1 Up D\nfz2 Up D')" ]
	[ "$(berth ps --filter status=paused -q | wc -l)" -eq 0 ]
	# a restart starts a new run: its record claims a thawed cgroup again
	berth restart -t 1 fz1 >/dev/null
	[ "$(freezer_reads ps)" -eq 0 ]
}

# "NAME STATUS" of every container, durations as D (a second may tick between two reads)
status_lines() {
	sed -E 's/(Less than a second|About a minute|[0-9]+ (seconds?|minutes))/D/' | sort
}

@test "ps and GET /containers/json show the same Status text: (healthy), (Paused), Exited (3) ... ago" {
	berth run -d --name st-hc --health-cmd true --health-interval 1s bb sleep 100 >/dev/null
	berth run -d --name st-paused bb sleep 100 >/dev/null
	berth pause st-paused
	berth run --name st-exit bb sh -c 'exit 3' || true
	wait_until 20 eval '[[ "$(berth ps --filter name=st-hc --format "{{.Status}}")" == *"(healthy)" ]]'
	api_service_start
	local ps api
	ps=$(berth ps -a --format '{{.Names}} {{.Status}}' | status_lines)
	api=$(curl -sS --max-time 30 --unix-socket "$SOCK" 'http://berth/v1.41/containers/json?all=1' |
		jq -r '.[] | "\(.Names[0][1:]) \(.Status)"' | status_lines)
	api_service_stop
	echo "ps: $ps"
	echo "api: $api"
	[ "$api" = "$ps" ]
	[ "$ps" = "$(printf 'st-exit Exited (3) D ago\nst-hc Up D (healthy)\nst-paused Up D (Paused)')" ]
}
