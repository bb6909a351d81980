#!/usr/bin/env bats
# `berth events` (and `system events`): the log the operations append to
# (docs/events.md), printed as Docker's CLI prints the daemon's events
# (docs.docker.com/reference/cli/docker/system/events/).
load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
}

teardown() {
	[[ -n ${FOLLOWER:-} ]] && kill "$FOLLOWER" 2>/dev/null || true
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
	for n in $(berth network ls -q 2>/dev/null); do berth network rm "$n" >/dev/null 2>&1 || true; done
}

# Docker's time prefix: RFC 3339 with nanoseconds (UTC here).
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z'

@test "a container's life in Docker's format between --since and --until" {
	berth run -d --network none --name early bb true >/dev/null
	berth wait early >/dev/null
	sleep 1.1
	local since
	since=$(date +%s)
	berth run --network none --name life --label tier=front bb sh -c 'exit 3' || [ $? -eq 3 ]
	local id
	id=$(berth inspect --format '{{.Id}}' life)
	berth rm life >/dev/null
	run berth events --since "$since" --until 0s
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" =~ ^$TS\ container\ create\ $id\ \(image=bb,\ name=life,\ tier=front\)$ ]]
	[[ "${lines[1]}" =~ ^$TS\ container\ start\ $id\ \(image=bb,\ name=life,\ tier=front\)$ ]]
	[[ "${lines[2]}" =~ ^$TS\ container\ die\ $id\ \(exitCode=3,\ image=bb,\ name=life,\ tier=front\)$ ]]
	[[ "${lines[3]}" =~ ^$TS\ container\ destroy\ $id\ \(image=bb,\ name=life,\ tier=front\)$ ]]
	# an --until before them: the earlier container's events only
	run berth events --since 0 --until "$since"
	[ "$status" -eq 0 ]
	[[ "$output" =~ name=early ]]
	[[ ! "$output" =~ name=life ]]
	# Docker's other forms of the same time: RFC 3339, a duration
	run berth events --since "$(date -u -d "@$since" +%Y-%m-%dT%H:%M:%SZ)" --until 0s
	[ "${#lines[@]}" -eq 4 ]
	run berth system events --since 1h --until 0s --filter container=life
	[ "${#lines[@]}" -eq 4 ]
}

@test "--filter: type, event, container, label, as Docker's daemon filters" {
	berth run --network none --name fa --label app=x bb true
	berth run --network none --name fb bb true
	berth volume create vf >/dev/null
	run berth events --since 0 --until 0s --filter type=volume
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^$TS\ volume\ create\ vf\ \(driver=local\)$ ]]
	run berth events --since 0 --until 0s --filter event=die --format '{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}'
	[ "$output" = $'fa 0\nfb 0' ]
	run berth events --since 0 --until 0s -f container=fb -f event=start
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ container\ start\ .*name=fb\)$ ]]
	run berth events --since 0 --until 0s -f label=app=x --format '{{.Action}}'
	[ "$output" = $'create\nstart\ndie' ]
	# two values of one key: either
	run berth events --since 0 --until 0s -f type=volume -f type=container -f event=create --format '{{.Type}}'
	[ "$output" = $'container\ncontainer\nvolume' ]
	run berth events --since 0 --until 0s -f colour=red
	assert_one_error_line "invalid filter 'colour'"
	run berth events --since yesterday
	assert_one_error_line "failed to parse value as time or duration: 'yesterday'"
}

@test "--format json and {{json .}}: Docker's message, with status, id and from" {
	berth run --network none --name fj bb true
	run berth events --since 0 --until 0s --format json --filter event=start
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	local id
	id=$(berth inspect --format '{{.Id}}' fj)
	[ "$(jq -r '.status' <<<"$output")" = start ]
	[ "$(jq -r '.id' <<<"$output")" = "$id" ]
	[ "$(jq -r '.from' <<<"$output")" = bb ]
	[ "$(jq -r '.Type' <<<"$output")" = container ]
	[ "$(jq -r '.Action' <<<"$output")" = start ]
	[ "$(jq -r '.Actor.ID' <<<"$output")" = "$id" ]
	[ "$(jq -r '.Actor.Attributes.name' <<<"$output")" = fj ]
	[ "$(jq -r '.scope' <<<"$output")" = local ]
	[ "$(jq -r '.time == (.timeNano / 1000000000 | floor)' <<<"$output")" = true ]
	# Go's field order, as Docker's daemon marshals events.Message
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["status","id","from","Type","Action","Actor","scope","time","timeNano"]' ]
	run berth events --since 0 --until 0s --format '{{json .}}' --filter event=start
	[ "$(jq -r '.Actor.ID' <<<"$output")" = "$id" ]
	# a template sees Docker's struct: Go's field names; a missing attribute is <no value>
	run berth events --since 0 --until 0s --filter event=start \
		--format 'Type={{.Type}} Status={{.Status}} ID={{.ID}} From={{.From}} Scope={{.Scope}} {{.Actor.Attributes.nope}}'
	[ "$output" = "Type=container Status=start ID=$id From=bb Scope=local <no value>" ]
	run berth events --since 0 --until 0s --format 'table {{.ID}}'
	assert_one_error_line "not supported"
}

@test "without --until it follows: a container started later is seen, SIGINT ends it with 0" {
	local out=$BATS_TEST_TMPDIR/follow.out
	berth run --network none --name before bb true
	# the binary itself in the background (the berth function's subshell would
	# not pass SIGINT on), without bats' fd 3
	"$BERTH" --root "$STORE" events --filter event=start --format '{{.Actor.Attributes.name}}' >"$out" 3>&- &
	FOLLOWER=$!
	sleep 0.5
	berth run --network none --name later bb true
	for _ in $(seq 50); do grep -q later "$out" && break; sleep 0.1; done
	kill -INT "$FOLLOWER"
	local rc=0
	wait "$FOLLOWER" || rc=$?
	FOLLOWER=
	[ "$rc" -eq 0 ]
	# past events are not replayed without --since
	[ "$(cat "$out")" = later ]
}

@test "image tag, untag, delete; volume and network create and destroy" {
	berth tag bb bb:two
	local img
	img=$(berth image inspect --format '{{.Id}}' bb)
	berth rmi bb:two >/dev/null
	berth rmi bb >/dev/null
	berth volume create ev >/dev/null
	berth volume rm ev >/dev/null
	local net
	net=$(berth network create evnet)
	berth network rm evnet >/dev/null
	run berth events --since 0 --until 0s --filter type=image --filter type=volume --filter type=network
	echo "$output"
	[[ "$output" =~ $TS\ image\ import\ $img\ \(name=$img\) ]]
	[[ "$output" =~ $TS\ image\ tag\ $img\ \(name=bb:two\) ]]
	[[ "$output" =~ $TS\ image\ untag\ $img\ \(name=$img\) ]]
	[[ "$output" =~ $TS\ image\ delete\ $img\ \(name=$img\) ]]
	[[ "$output" =~ $TS\ volume\ create\ ev\ \(driver=local\) ]]
	[[ "$output" =~ $TS\ volume\ destroy\ ev\ \(driver=local\) ]]
	[[ "$output" =~ $TS\ network\ create\ $net\ \(name=evnet,\ type=bridge\) ]]
	[[ "$output" =~ $TS\ network\ destroy\ $net\ \(name=evnet,\ type=bridge\) ]]
	run berth events --since 0 --until 0s -f image=bb --format '{{.Action}}'
	[[ "$output" =~ tag ]]
}

@test "20 parallel run --rm: 20 whole start lines, no torn line" {
	local pids=()
	for i in $(seq 20); do
		berth run --rm --network none --label n="$i" bb true &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	run berth events --since 0 --until 0s --format json
	[ "$status" -eq 0 ]
	# every line is one whole JSON object
	[ "$(printf '%s\n' "$output" | jq -c . | wc -l)" -eq "${#lines[@]}" ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.Action == "start") | .Actor.Attributes.n' | sort -n | uniq | wc -l)" -eq 20 ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.Action == "create") | .id' | wc -l)" -eq 20 ]
}

@test "health, exec, pause, rename, stop: Docker's actions and attributes, in order" {
	berth run -d --network none --name h1 --health-cmd true --health-interval 1s bb sleep 100 >/dev/null
	for _ in $(seq 100); do
		[ "$(berth inspect --format '{{.State.Health.Status}}' h1)" = healthy ] && break
		sleep 0.1
	done
	local id
	id=$(berth inspect --format '{{.Id}}' h1)
	berth exec h1 sh -c 'exit 2' || [ $? -eq 2 ]
	berth pause h1
	berth unpause h1
	berth rename h1 h2
	berth stop -t 1 h2 >/dev/null
	run berth events --since 0 --until 0s --filter container="$id" \
		--format '{{.Action}}{{range $k, $v := .Actor.Attributes}}{{if or (eq $k "exitCode") (eq $k "signal") (eq $k "oldName")}} {{$k}}={{$v}}{{end}}{{end}}'
	[ "$status" -eq 0 ]
	echo "$output"
	local want
	want=$(printf '%s\n' create start 'health_status: healthy' 'exec_create: sh -c exit 2' \
		'exec_start: sh -c exit 2' 'exec_die exitCode=2' pause unpause 'rename oldName=/h1' \
		'kill signal=15' 'kill signal=9' 'die exitCode=137' stop)
	[ "$output" = "$want" ]
	run berth events --since 0 --until 0s --filter event=health_status --format '{{.Actor.Attributes.name}}'
	[ "$output" = h1 ]
}

@test "a container on a network: connect and disconnect with its ID, --filter network" {
	local net
	net=$(berth network create evn)
	berth run --network evn --name onnet bb true
	local id
	id=$(berth inspect --format '{{.Id}}' onnet)
	run berth events --since 0 --until 0s --filter network=evn
	echo "$output"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^$TS\ network\ create\ $net\ \(name=evn,\ type=bridge\)$ ]]
	[[ "${lines[1]}" =~ ^$TS\ network\ connect\ $net\ \(container=$id,\ name=evn,\ type=bridge\)$ ]]
	[[ "${lines[2]}" =~ ^$TS\ network\ disconnect\ $net\ \(container=$id,\ name=evn,\ type=bridge\)$ ]]
}
