#!/usr/bin/env bats
# `berth system service`: the Docker Engine API's transport and its system
# routes (docs/api.md), driven by curl and by Docker's own clients: Debian's
# docker 20.10 (/usr/bin/docker) and docker 28 (/usr/local/bin/docker),
# which negotiates down to 1.41.
load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (the store, the socket)"
}

setup() {
	common_setup
	SOCK=$BATS_TEST_TMPDIR/d.sock
	SERVICE=
}

teardown() {
	[[ -n ${SERVICE:-} ]] && kill "$SERVICE" 2>/dev/null && wait "$SERVICE" 2>/dev/null || true
	[[ -n ${FOLLOWER:-} ]] && kill "$FOLLOWER" 2>/dev/null || true
}

# Starts the service on $SOCK in the background ($SERVICE its PID) and waits for its socket.
start_service() {
	"$BERTH" --root "$STORE" system service --socket "unix://$SOCK" "$@" \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null &
	SERVICE=$!
	for _ in $(seq 100); do
		[[ -S $SOCK ]] && return 0
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/service.log" >&2
	return 1
}

api() {
	curl -s --unix-socket "$SOCK" "$@"
}

docker_clients() {
	local c
	for c in /usr/bin/docker /usr/local/bin/docker; do
		[[ -x $c ]] && echo "$c"
	done
}

@test "the socket is 0660 and /_ping answers OK with Docker's headers" {
	start_service
	[[ $(stat -c %a "$SOCK") == 660 ]]
	run api -i http://d/_ping
	[[ $status -eq 0 ]]
	[[ $output == *"HTTP/1.1 200"* ]]
	[[ $output == *"Api-Version: 1.41"* ]]
	[[ $output == *"Docker-Experimental: false"* ]]
	[[ $output == *"Ostype: linux"* ]]
	[[ $output == *"Server: berth/"* ]]
	[[ ${output%$'\r'} == *OK ]]
	run api -I http://d/v1.30/_ping
	[[ $output == *"HTTP/1.1 200"* ]]
}

@test "/version: Docker's fields, the version prefix, too new and too old refused as Docker" {
	start_service
	run api http://d/v1.41/version
	[[ $(jq -r .ApiVersion <<<"$output") == 1.41 ]]
	[[ $(jq -r .MinAPIVersion <<<"$output") == 1.24 ]]
	[[ $(jq -r '.Components[0].Name' <<<"$output") == Engine ]]
	[[ $(jq -r .Os <<<"$output") == linux ]]
	[[ $(jq -r .KernelVersion <<<"$output") == "$(uname -r)" ]]
	run api -w '\n%{http_code}' http://d/v1.99/version
	[[ ${lines[1]} == 400 ]]
	[[ $(jq -r .message <<<"${lines[0]}") == "client version 1.99 is too new. Maximum supported API version is 1.41" ]]
	run api -w '\n%{http_code}' http://d/v1.12/version
	[[ ${lines[1]} == 400 ]]
	[[ $(jq -r .message <<<"${lines[0]}") == *"is too old. Minimum supported API version is 1.24"* ]]
}

@test "an unknown path is 404 page not found, a wrong method 405, in JSON" {
	start_service
	run api -w '\n%{http_code}' http://d/v1.41/no/such/thing
	[[ ${lines[1]} == 404 ]]
	[[ ${lines[0]} == '{"message":"page not found"}' ]]
	run api -w '\n%{http_code}' -X DELETE http://d/version
	[[ ${lines[1]} == 405 ]]
	[[ $(jq -r .message <<<"${lines[0]}") == "method not allowed" ]]
}

@test "malformed JSON is 400 with the parser's message, a huge body 413, and the service still serves" {
	start_service
	run api -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"username": ' http://d/auth
	[[ ${lines[1]} == 400 ]]
	[[ $(jq -r .message <<<"${lines[0]}") == "invalid JSON: "* ]]
	run bash -c "head -c 12000000 /dev/zero | curl -s -w '\n%{http_code}' --unix-socket '$SOCK' -X POST --data-binary @- http://d/auth"
	[[ ${lines[1]} == 413 ]]
	[[ $(jq -r .message <<<"${lines[0]}") == "request body too large" ]]
	run api http://d/_ping
	[[ $output == OK ]]
}

@test "50 concurrent clients of /_ping are all answered, and no fd is left behind" {
	start_service
	api http://d/_ping >/dev/null
	local before pids=() i
	before=$(ls "/proc/$SERVICE/fd" | wc -l)
	for i in $(seq 50); do
		api -o /dev/null -w '%{http_code}\n' http://d/_ping >"$BATS_TEST_TMPDIR/c$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	[[ $(cat "$BATS_TEST_TMPDIR"/c* | grep -c '^200$') -eq 50 ]]
	# the connections' threads close their sockets after the answers: waited
	# for (under load that takes longer than any fixed sleep)
	for i in $(seq 100); do
		[[ $(ls "/proc/$SERVICE/fd" | wc -l) -eq $before && $(ls "/proc/$SERVICE/task" | wc -l) -le 2 ]] && break
		sleep 0.2
	done
	[[ $(ls "/proc/$SERVICE/fd" | wc -l) -eq $before ]]
	[[ $(ls "/proc/$SERVICE/task" | wc -l) -le 2 ]]
}

@test "/events streams new events; a client leaving mid-stream ends its handler and connection" {
	start_service
	# curl itself in the background (not the api function's subshell): killed below
	curl -sN --unix-socket "$SOCK" http://d/events >"$BATS_TEST_TMPDIR/ev" &
	FOLLOWER=$!
	sleep 1
	local threads
	threads=$(ls "/proc/$SERVICE/task" | wc -l)
	[[ $threads -ge 3 ]]
	berth volume create apivol >/dev/null
	for _ in $(seq 50); do
		grep -q apivol "$BATS_TEST_TMPDIR/ev" && break
		sleep 0.1
	done
	[[ $(jq -r .Action "$BATS_TEST_TMPDIR/ev") == create ]]
	[[ $(jq -r .Actor.ID "$BATS_TEST_TMPDIR/ev") == apivol ]]
	kill "$FOLLOWER"
	FOLLOWER=
	# the connection thread notices within a second or two, then the handler
	for _ in $(seq 50); do
		[[ $(ls "/proc/$SERVICE/task" | wc -l) -le 2 ]] && break
		sleep 0.1
	done
	[[ $(ls "/proc/$SERVICE/task" | wc -l) -le 2 ]]
	run api http://d/_ping
	[[ $output == OK ]]
}

@test "--timeout 1 exits by itself when idle; a live socket is not taken over" {
	start_service
	run "$BERTH" --root "$STORE" system service --socket "unix://$SOCK" --timeout 1
	[[ $status -ne 0 ]]
	[[ $output == *"another service answers there"* ]]
	kill "$SERVICE"
	wait "$SERVICE" || true
	SERVICE=
	# the dead service's socket file is stale: replaced
	run timeout 20 "$BERTH" --root "$STORE" system service --socket "unix://$SOCK" --timeout 1
	[[ $status -eq 0 ]]
}

@test "socket activation: LISTEN_FDS hands the service its socket" {
	command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate not installed"
	systemd-socket-activate -l "$SOCK" "$BERTH" --root "$STORE" system service --timeout 3 \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 &
	SERVICE=$!
	for _ in $(seq 50); do [[ -S $SOCK ]] && break; sleep 0.1; done
	run api http://d/_ping
	[[ $output == OK ]]
}

@test "a bad --socket or --timeout is one error line" {
	run berth system service --socket "http://x"
	[[ $status -ne 0 ]]
	[[ $output == "berth: socket 'http://x': want unix:///PATH or tcp://HOST:PORT" ]]
	run berth system service --timeout -3
	[[ $status -ne 0 ]]
	[[ $output == *'invalid argument "-3" for "--timeout"'* ]]
}

@test "tcp:// only when asked, with a warning" {
	local port=$((20000 + RANDOM % 20000))
	"$BERTH" --root "$STORE" system service --socket "tcp://127.0.0.1:$port" \
		>"$BATS_TEST_TMPDIR/service.log" 2>&1 </dev/null &
	SERVICE=$!
	for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/_ping" >/dev/null && break; sleep 0.1; done
	run curl -s "http://127.0.0.1:$port/_ping"
	[[ $output == OK ]]
	grep -q "berth: warning: serving the API on tcp://127.0.0.1:$port" "$BATS_TEST_TMPDIR/service.log"
}

@test "docker version and info through the socket (20.10 and 28, which negotiates down)" {
	start_service
	berth volume create v1 >/dev/null
	local c n=0
	for c in $(docker_clients); do
		n=$((n + 1))
		run "$c" -H "unix://$SOCK" version --format '{{.Server.APIVersion}} {{.Server.Os}}'
		[[ $status -eq 0 ]]
		[[ $output == "1.41 linux" ]]
		run "$c" -H "unix://$SOCK" info --format '{{.ServerVersion}} {{.DockerRootDir}}'
		[[ $status -eq 0 ]]
		[[ $output == "$(berth info --format '{{.ServerVersion}} {{.DockerRootDir}}')" ]]
	done
	[[ $n -gt 0 ]] || skip "no docker client installed"
}

@test "docker system df through the socket counts what berth system df counts" {
	start_service
	berth volume create v1 >/dev/null
	berth volume create v2 >/dev/null
	local c
	for c in $(docker_clients); do
		run "$c" -H "unix://$SOCK" system df --format '{{.Type}} {{.TotalCount}} {{.Active}}'
		[[ $status -eq 0 ]]
		[[ ${lines[2]} == "Local Volumes 2 0" ]]
		[[ ${lines[0]} == "Images 0 0" ]]
		[[ ${lines[1]} == "Containers 0 0" ]]
	done
}

@test "docker events --since --until through the socket: the events berth events prints" {
	start_service
	local since until c
	since=$(date +%s)
	berth volume create evvol >/dev/null
	berth volume rm evvol >/dev/null
	until=$(($(date +%s) + 1))
	local want
	want=$(berth events --since "$since" --until "$until" --format '{{.Type}} {{.Action}} {{.Actor.ID}}')
	[[ $want == *"volume create evvol"*"volume destroy evvol"* ]]
	for c in $(docker_clients); do
		run "$c" -H "unix://$SOCK" events --since "$since" --until "$until" \
			--format '{{.Type}} {{.Action}} {{.Actor.ID}}'
		[[ $status -eq 0 ]]
		[[ $output == "$want" ]]
		run "$c" -H "unix://$SOCK" events --since "$since" --until "$until" \
			--filter event=destroy --format '{{.Action}} {{.Actor.ID}}'
		[[ $output == "destroy evvol" ]]
	done
}

@test "--timeout counts an open stream as activity, and exits once it ends" {
	start_service --timeout 1
	curl -sN --unix-socket "$SOCK" http://d/events >/dev/null &
	FOLLOWER=$!
	sleep 2.5
	kill -0 "$SERVICE"
	kill "$FOLLOWER"
	FOLLOWER=
	for _ in $(seq 100); do
		kill -0 "$SERVICE" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$SERVICE" 2>/dev/null
	wait "$SERVICE"
	SERVICE=
}
