#!/usr/bin/env bats
# The Engine API's container and exec endpoints (`berth system service`),
# driven by Debian's docker CLI (20.10), Docker 28's CLI and docker-py, and
# compared with what `berth` itself says about the same store.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
}

setup() {
	common_setup
	[[ -x /usr/bin/docker ]] || skip "Debian's docker CLI (docker.io) is not installed"
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
	SOCK=$BATS_TEST_TMPDIR/sock
	"$BERTH" --root "$STORE" system service --timeout 0 --socket "unix://$SOCK" \
		3>&- >"$BATS_TEST_TMPDIR/service.log" 2>&1 &
	SERVICE_PID=$!
	local i
	for i in $(seq 100); do
		[[ -S $SOCK ]] && break
		sleep 0.1
	done
	[[ -S $SOCK ]] || {
		cat "$BATS_TEST_TMPDIR/service.log"
		return 1
	}
}

teardown() {
	[[ -n ${STORE:-} ]] || return 0 # skipped before common_setup
	[[ -n ${SERVICE_PID:-} ]] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" || true
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

dk() { /usr/bin/docker -H "unix://$SOCK" "$@"; }
dk28() { /usr/local/bin/docker -H "unix://$SOCK" "$@"; }

@test "docker run --rm prints the command's output and leaves no container" {
	run dk run --rm --network none bb echo ok
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "ok" ]
	[ -z "$(berth ps -aq)" ]
}

@test "docker run: the exit code is the container's" {
	run dk run --network none --name ex bb sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[[ "$output" == *out* && "$output" == *err* ]]
	run berth inspect -f '{{.State.ExitCode}}' ex
	[ "$output" = "3" ]
}

@test "docker run -d, ps and ps -a show what berth ps shows" {
	id=$(dk run -d --network none --name web bb sleep 300)
	[ ${#id} -eq 64 ]
	dk create --network none --name idle bb true >/dev/null
	run dk ps --format '{{.ID}} {{.Names}} {{.Image}} {{.State}}'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$(berth ps --format '{{.ID}} {{.Names}} {{.Image}} {{.State}}')" ]
	[[ "$output" == "${id:0:12} web bb running" ]]
	run dk ps -a --format '{{.Names}} {{.State}}'
	[ "$output" = "$(berth ps -a --format '{{.Names}} {{.State}}')" ]
	[[ "$output" == *"idle created"* ]]
	run dk28 ps -q --no-trunc
	[ "$output" = "$id" ]
}

@test "docker logs -f follows a container that prints and exits" {
	dk run -d --network none --name lg bb sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done; echo bad >&2' >/dev/null
	run timeout 30 /usr/bin/docker -H "unix://$SOCK" logs -f lg
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$(printf 'line1\nline2\nline3\nbad')" ]
	run dk logs --tail 1 lg
	[ "$output" = "bad" ]
	run dk28 logs lg
	[ "$output" = "$(berth logs lg 2>&1)" ]
}

@test "docker inspect, stop, wait and rm -f" {
	dk run -d --network none --name ins bb sleep 300 >/dev/null
	run dk inspect -f '{{.Id}} {{.State.Running}} {{.Image}} {{.HostConfig.RestartPolicy.Name}}' ins
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$(berth inspect -f '{{.Id}} {{.State.Running}} {{.Image}} {{.HostConfig.RestartPolicy}}' ins)" ]
	# Docker's Config.Image is the name the container was made from
	run dk inspect -f '{{.Config.Image}}' ins
	[ "$output" = "$(berth inspect -f '{{.ImageRef}}' ins)" ]
	run dk stop -t 1 ins
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "ins" ]
	run dk wait ins
	[ "$output" = "137" ] || [ "$output" = "143" ]
	# start of a started, stop of a stopped container: 304, which the CLI takes as done
	run dk stop ins
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	dk start ins >/dev/null
	run dk rm ins
	[ "$status" -ne 0 ]
	[[ "$output" == *"You cannot remove a running container"* ]]
	run dk rm -f ins
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$(berth ps -aq)" ]
	run dk inspect ins
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such"*"ins"* ]]
}

@test "docker wait returns the exit code of a container that ends" {
	dk run -d --network none --name wt bb sh -c 'sleep 1; exit 7' >/dev/null
	run timeout 30 /usr/bin/docker -H "unix://$SOCK" wait wt
	[ "$output" = "7" ]
	run dk28 wait wt
	[ "$output" = "7" ]
}

@test "docker exec: output, exit code, and -it through a pty" {
	dk run -d --network none --name ex bb sleep 300 >/dev/null
	run dk exec ex sh -c 'echo in-$HOSTNAME-$FOO; exit 4' 
	[ "$status" -eq 4 ] || { echo "$status $output"; false; }
	run dk exec -e FOO=bar ex sh -c 'echo $FOO'
	[ "$output" = "bar" ]
	# a terminal: script(1) gives the CLI one, the exec gets a pty of its own
	run script -qec "/usr/bin/docker -H unix://$SOCK exec -it ex sh -c 'tty; echo t-ok'" /dev/null
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"/dev/pts/"* && "$output" == *"t-ok"* ]]
	# stdin reaches the command
	run bash -c "echo piped | /usr/bin/docker -H unix://$SOCK exec -i ex cat"
	[ "$output" = "piped" ]
	run dk28 exec ex echo from-28
	[ "$output" = "from-28" ]
}

@test "the API's errors: unknown container, name in use, unknown path" {
	run dk start nope
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container: nope"* ]]
	dk create --network none --name dup bb true >/dev/null
	run dk create --network none --name dup bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *'Conflict. The container name "/dup" is already in use'* ]]
	run curl -s --unix-socket "$SOCK" -X POST -H 'Content-Type: application/json' \
		-d '{"Image": "bb", "Cmd": [1]}' http://d/v1.41/containers/create
	[[ "$output" == *"'Cmd'"* ]]
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		-H 'Content-Type: application/json' -d '{"Image": "nosuch"}' \
		http://d/v1.41/containers/create
	[ "$output" = "404" ]
}

@test "docker-py creates, starts, waits, reads logs and removes a container" {
	python3 -c 'import docker' 2>/dev/null || skip "python3-docker is not installed"
	run python3 - "$SOCK" <<'EOF'
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
ctr = c.containers.create("bb", ["sh", "-c", "echo py-out; echo py-err >&2; exit 5"],
                          name="py", network_mode="none")
ctr.start()
print("code", ctr.wait()["StatusCode"])
print(ctr.logs(stdout=True, stderr=False).decode().strip())
print(ctr.logs(stdout=False, stderr=True).decode().strip())
print(len([x for x in c.containers.list(all=True) if x.name == "py"]))
ctr.remove()
print(len(c.containers.list(all=True)))
EOF
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$(printf 'code 5\npy-out\npy-err\n1\n0')" ]
	[ -z "$(berth ps -aq)" ]
}

@test "docker cp out of and into a container: what berth cp copies" {
	dk run -d --network none --name cpt bb sh -c \
		'mkdir -p /d/sub && echo hello >/d/f && echo deep >/d/sub/g && ln -s /d/f /d/link && touch /ready && sleep 300' >/dev/null
	wait_until 20 berth exec cpt test -e /ready
	H=$BATS_TEST_TMPDIR/h
	mkdir -p "$H"
	listing() { (cd "$1" && find . -printf '%p %y %l %s\n' | sort); }
	# a directory: the same tree as berth cp makes, symlinks as links
	dk cp cpt:/d "$H/dk"
	berth cp cpt:/d "$H/bt"
	[ "$(listing "$H/dk")" = "$(listing "$H/bt")" ]
	[ "$(readlink "$H/dk/link")" = /d/f ]
	# SRC/.: the contents, to a new directory and into an existing one
	dk cp cpt:/d/. "$H/dot"
	[ "$(listing "$H/dot")" = "$(listing "$H/bt")" ]
	mkdir "$H/dot2"
	dk28 cp cpt:/d/. "$H/dot2"
	[ "$(listing "$H/dot2")" = "$(listing "$H/bt")" ]
	# a file to a new name and into an existing directory
	dk cp cpt:/d/sub/g "$H/g"
	[ "$(cat "$H/g")" = deep ]
	mkdir "$H/into"
	dk28 cp cpt:/d/f "$H/into"
	[ "$(cat "$H/into/f")" = hello ]
	# a symlink is copied as the link; -L copies its target
	dk cp cpt:/d/link "$H/l1"
	[ "$(readlink "$H/l1")" = /d/f ]
	dk cp -L cpt:/d/link "$H/l2"
	[ "$(cat "$H/l2")" = hello ]
	# the tar on stdout has berth cp's entries
	[ "$(dk cp cpt:/d - | tar -tf - | sort)" = "$(berth cp cpt:/d - | tar -tf - | sort)" ]
	run dk cp cpt:/nope "$H/x"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/nope"* ]]
	# in: a file to a new name, a directory into an existing one
	echo up >"$H/up"
	dk cp "$H/up" cpt:/tmp/up
	[ "$(berth exec cpt cat /tmp/up)" = up ]
	dk28 cp "$H/bt" cpt:/tmp
	[ "$(berth exec cpt cat /tmp/bt/sub/g)" = deep ]
	# a stopped container's files, through its overlay
	dk stop -t 1 cpt >/dev/null
	dk cp cpt:/tmp/up "$H/up2"
	[ "$(cat "$H/up2")" = up ]
}

@test "docker run -it and docker attach: the terminal's input reaches the container" {
	# script(1) gives the CLI a terminal; what it reads from its stdin is typed there
	run timeout 60 script -qec "/usr/bin/docker -H unix://$SOCK run -it --rm --network none bb sh -c 'echo t-ok'" /dev/null
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *t-ok* ]]
	run bash -c "(sleep 2; printf 'hello\r'; sleep 5) | timeout 60 script -qec \"/usr/bin/docker -H unix://$SOCK run -it --rm --network none bb sh -c 'read x; echo got-\\\$x'\" /dev/null"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *got-hello* ]]
	[ -z "$(berth ps -aq)" ]
	# attach to a running shell: a command typed in, then exit ends the container
	dk run -dit --network none --name at bb sh >/dev/null
	run bash -c "(sleep 2; printf 'echo att-\$((1+2))\r'; sleep 1; printf 'exit 5\r'; sleep 5) | timeout 60 script -qec '/usr/local/bin/docker -H unix://$SOCK attach at' /dev/null"
	[[ "$output" == *att-3* ]]
	run dk wait at
	[ "$output" = 5 ]
}

@test "docker run -i without -t: stdin reaches the container and its end is the container's EOF" {
	local d n=0
	# Debian's CLI (20.10) and Docker 28's
	for d in /usr/bin/docker /usr/local/bin/docker; do
		n=$((n + 1))
		run bash -c "echo hello | timeout 60 $d -H unix://$SOCK run -i --rm --network none bb cat"
		[ "$status" -eq 0 ] || { echo "$d: $output"; false; }
		[ "$output" = hello ]
		run bash -c "echo there | timeout 60 $d -H unix://$SOCK run -i --name ri$n --network none bb sh -c 'read x; echo got \$x'"
		[ "$status" -eq 0 ] || { echo "$d: $output"; false; }
		[ "$output" = "got there" ]
		# nothing sent: the end of input alone ends cat
		run bash -c "timeout 60 $d -H unix://$SOCK run -i --rm --network none bb sh -c 'cat; echo done' </dev/null"
		[ "$status" -eq 0 ] || { echo "$d: $output"; false; }
		[ "$output" = done ]
	done
	[ "$(berth ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "ri1 ri2 " ]
	[ "$(berth inspect -f '{{.Config.OpenStdin}} {{.Config.StdinOnce}}' ri1)" = "true true" ]
}

@test "docker run -i: a container started meanwhile holds nothing of its stdin; its end comes" {
	# the pipe's writing end is the service's while the input lasts; a
	# monitor forked then (sl's) must not keep a copy: cat reads EOF while sl runs
	bash -c "(echo first; sleep 6; echo second) | timeout 60 /usr/bin/docker -H unix://$SOCK run -i --name ca --network none bb cat" \
		>"$BATS_TEST_TMPDIR/ca.out" 2>&1 &
	local pid=$! rc=0
	wait_until 30 grep -q first "$BATS_TEST_TMPDIR/ca.out"
	dk run -d --name sl --network none bb sleep 300 >/dev/null
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/ca.out"; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/ca.out")" = "$(printf 'first\nsecond')" ]
	[ "$(berth inspect -f '{{.State.Running}}' sl)" = true ]
}

@test "resize sizes a container's terminal; 409 without one" {
	dk run -dit --network none --name rs bb sh -c \
		'until [ "$(stty size 2>/dev/null)" = "33 77" ]; do sleep 0.1; done; echo sized' >/dev/null
	wait_until 20 berth exec rs true
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		"http://d/v1.41/containers/rs/resize?h=33&w=77"
	[ "$output" = 200 ]
	run timeout 30 /usr/bin/docker -H "unix://$SOCK" wait rs
	[ "$output" = 0 ]
	[ "$(dk logs rs | tr -d '\r')" = sized ]
	# stopped, and running without a terminal: Docker's 409
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" -X POST \
		"http://d/v1.41/containers/rs/resize?h=33&w=77"
	[[ "$output" == *"is not running"*" 409" ]]
	dk run -d --network none --name nt bb sleep 300 >/dev/null
	run curl -s -w ' %{http_code}' --unix-socket "$SOCK" -X POST \
		"http://d/v1.41/containers/nt/resize?h=33&w=77"
	[[ "$output" == *"has no terminal"*" 409" ]]
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" -X POST \
		"http://d/v1.41/containers/nt/resize?h=x&w=77"
	[ "$output" = 400 ]
}
