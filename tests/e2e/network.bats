#!/usr/bin/env bats
# Networking of run and `berth network`: the default bridge, user networks
# with names, connect/disconnect, container:X, and what a killed run leaves.
# Every file runs in a network namespace of its own (scripts/e2e), so the
# bridges and veths made here never touch the machine's network.

load helpers

setup_file() {
	net_fixture_setup served-by-peer
}

setup() {
	common_setup
}

teardown() {
	net_fixture_teardown
}

# An HTTP GET of / from host:port with busybox nc (its wget crashes in the
# dynamic fixture): the body, after the headers.
GET='get() { printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 "$1" "$2" | sed "1,/^\r\$/d"; }; get'


# The veths on the host side of this test's namespace.
host_veths() {
	ip -o link show type veth | grep -c . || true
}

# True once $1 veths are left: a container's go with its namespace, which
# the kernel ends in its own time after berth returned (up to 5 s here).
veths_left() {
	for _ in $(seq 100); do
		[ "$(host_veths)" -eq "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "network: the default bridge gives its own namespace, eth0 with an address and a default route" {
	run brun --rm sh -c 'readlink /proc/self/ns/net; ip -4 -o addr show eth0; ip route'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" != "$(readlink /proc/self/ns/net)" ]]
	[[ "$output" =~ inet\ 172\.17\.0\.2/16 ]]
	[[ "$output" =~ default\ via\ 172\.17\.0\.1 ]]
	# the bridge is here, the container's veth and namespace went with it
	ip -4 -o addr show berth0 | grep -q '172.17.0.1/16'
	veths_left 0
	[ -z "$(ls -A "$STORE/netns")" ]
}

@test "network: a container on the default bridge reaches the host side, --network host and none do not change" {
	run brun --rm ping -c1 -W2 172.17.0.1
	[ "$status" -eq 0 ]
	run brun --rm --network host readlink /proc/self/ns/net
	[ "$output" == "$(readlink /proc/self/ns/net)" ]
	run brun --rm --network none ls /sys/class/net
	[ "$output" == lo ]
}

@test "network: inspect shows NetworkSettings of the default bridge as Docker" {
	id=$(brun -d sleep 30)
	run berth inspect --format '{{.HostConfig.NetworkMode}} {{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.IPAddress}} {{.NetworkSettings.Networks.bridge.Gateway}} {{.NetworkSettings.Networks.bridge.MacAddress}}' "$id"
	[ "$status" -eq 0 ]
	[ "$output" == "bridge 172.17.0.2 172.17.0.2 172.17.0.1 02:42:ac:11:00:02" ]
	run berth network inspect --format '{{range .Containers}}{{.IPv4Address}}{{end}}' bridge
	[ "$output" == "172.17.0.2/16" ]
	berth rm -f "$id"
	veths_left 0
}

@test "network: two containers on a user network reach each other by name and alias; one outside does not" {
	berth network create app >/dev/null
	brun -d --name web --network app --network-alias www httpd -f -p 8080 -h /www >/dev/null
	run brun --rm --network app sh -c "$GET web 8080"
	[ "$status" -eq 0 ]
	[ "$output" == served-by-peer ]
	run brun --rm --network app sh -c "$GET www 8080"
	[ "$output" == served-by-peer ]
	# a later member is known to the earlier one too
	brun -d --name late --network app sleep 30 >/dev/null
	run berth exec web sh -c 'grep -w late /etc/hosts'
	[ "$status" -eq 0 ]
	# the default bridge gives no names, and does not reach the user network
	# (--dns 127.0.0.1: a name not in /etc/hosts is refused at once instead of
	# timing out for 5 s on the host's resolver, unreachable from this namespace)
	run brun --rm --dns 127.0.0.1 sh -c "$GET web 8080"
	[ "$output" != served-by-peer ]
	run brun --rm --dns 127.0.0.1 ping -c1 -W1 web
	[ "$status" -ne 0 ]
}

@test "network: --ip and --network-alias on a user network; --ip on the default bridge is refused" {
	berth network create --subnet 10.77.0.0/24 --gateway 10.77.0.254 fixed >/dev/null
	run brun --rm --network fixed --ip 10.77.0.9 sh -c 'ip -4 -o addr show eth0; ip route'
	[ "$status" -eq 0 ]
	[[ "$output" =~ 10\.77\.0\.9/24 ]]
	[[ "$output" =~ default\ via\ 10\.77\.0\.254 ]]
	run brun --rm --ip 172.17.0.50 true
	assert_one_error_line 'only on user defined networks'
	run brun --rm --network fixed --ip 10.78.0.9 true
	assert_one_error_line 'does not belong'
	run brun --rm --network nosuch true
	assert_one_error_line 'network nosuch not found'
}

@test "network: rm refuses while a container uses the network and succeeds after" {
	berth network create busy >/dev/null
	id=$(brun -d --network busy sleep 30)
	run berth network rm busy
	assert_one_error_line "error while removing network: network busy id [0-9a-f]{64} has active endpoints"
	berth rm -f "$id" >/dev/null
	run berth network rm busy
	[ "$status" -eq 0 ]
	[ "$output" == busy ]
	run berth network rm bridge
	assert_one_error_line 'pre-defined network'
}

@test "network: ls lists the predefined networks and user ones; prune removes unused user networks" {
	berth network create n1 >/dev/null
	berth network create n2 >/dev/null
	id=$(brun -d --network n2 sleep 30)
	run berth network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
	[ "${lines[0]}" == "bridge bridge local" ]
	[ "${lines[1]}" == "host host local" ]
	[ "${lines[2]}" == "n1 bridge local" ]
	[ "${lines[4]}" == "none null local" ]
	run berth network ls
	[[ "${lines[0]}" =~ ^NETWORK\ ID\ +NAME\ +DRIVER\ +SCOPE$ ]]
	run berth network ls -q --filter name=n1
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
	run berth network prune -f
	[ "$status" -eq 0 ]
	[ "$output" == "$(printf 'Deleted Networks:\nn1')" ]
	berth network inspect n2 >/dev/null
	berth rm -f "$id" >/dev/null
}

@test "network: connect and disconnect a running container" {
	berth network create side >/dev/null
	brun -d --name srv --network side httpd -f -p 8080 -h /www >/dev/null
	# --dns 127.0.0.1: as above, a name not in /etc/hosts fails at once
	brun -d --name cli --dns 127.0.0.1 sleep 60 >/dev/null
	run berth exec cli sh -c "$GET srv 8080"
	[ "$output" != served-by-peer ]
	berth network connect --alias c2 side cli
	run berth exec cli sh -c 'ip -4 -o addr show eth1'
	[[ "$output" =~ inet\ 172\. ]]
	run berth exec cli sh -c "$GET srv 8080"
	[ "$output" == served-by-peer ]
	run berth exec srv grep -w c2 /etc/hosts
	[ "$status" -eq 0 ]
	run berth network connect side cli
	assert_one_error_line 'already exists in network side'
	berth network disconnect side cli
	run berth exec cli sh -c 'ls /sys/class/net'
	[[ ! "$output" =~ eth1 ]]
	run berth exec srv grep -w cli /etc/hosts
	[ "$status" -ne 0 ]
}

@test "network: --network container:X shares X's namespace and loopback" {
	brun -d --name base httpd -f -p 127.0.0.1:8080 -h /www >/dev/null
	run brun --rm --network container:base sh -c "$GET 127.0.0.1 8080"
	[ "$status" -eq 0 ]
	[ "$output" == served-by-peer ]
	# from its own namespace, the other's loopback is not there
	run brun --rm sh -c "$GET 127.0.0.1 8080"
	[ "$output" != served-by-peer ]
	run brun --rm --network container:nosuch true
	[ "$status" -ne 0 ]
}

@test "network: a SIGKILLed monitor's address, veth and namespace are reclaimed by the next network operation" {
	id=$(brun -d sleep 60)
	mon=$(berth inspect --format '{{.State.MonitorPid}}' "$id")
	pid=$(berth inspect --format '{{.State.Pid}}' "$id")
	veths_left 1
	kill -KILL "$mon"
	# the container dies with its monitor
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$pid" 2>/dev/null
	veths_left 1
	run berth system check
	[[ "$output" =~ network ]]
	# rm of the dead container takes what it left on networks at once
	berth rm "$id" >/dev/null
	veths_left 0
	[ -z "$(ls -A "$STORE/netns")" ]
	run brun --rm sh -c 'ip -4 -o addr show eth0'
	[[ "$output" =~ 172\.17\.0\.2/16 ]]
}

@test "network: 20 parallel run -d on one network get 20 distinct addresses" {
	berth network create many >/dev/null
	pids=()
	for i in $(seq 20); do
		brun -d --network many sleep 60 >"$BATS_TEST_TMPDIR/id.$i" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	for i in $(seq 20); do
		berth inspect --format '{{.NetworkSettings.Networks.many.IPAddress}}' "$(cat "$BATS_TEST_TMPDIR/id.$i")"
	done >"$BATS_TEST_TMPDIR/ips"
	[ "$(sort -u "$BATS_TEST_TMPDIR/ips" | grep -c '^172\.')" -eq 20 ]
}

@test "network: -p 127.0.0.1:18080:8080 serves the container's httpd on the host side; port prints it" {
	id=$(brun -d -p 127.0.0.1:18080:8080 httpd -f -p 8080 -h /www)
	run curl -s --max-time 5 http://127.0.0.1:18080/
	[ "$status" -eq 0 ]
	[ "$output" == served-by-peer ]
	run berth port "$id"
	[ "$output" == "8080/tcp -> 127.0.0.1:18080" ]
	run berth ps --format '{{.Ports}}'
	[ "$output" == "127.0.0.1:18080->8080/tcp" ]
	run berth ps
	[[ "${lines[1]}" =~ \ 127\.0\.0\.1:18080-\>8080/tcp\ + ]]
	run berth inspect --format '{{range $p, $b := .NetworkSettings.Ports}}{{$p}} {{(index $b 0).HostPort}}{{end}}' "$id"
	[ "$output" == "8080/tcp 18080" ]
	berth stop -t 1 "$id" >/dev/null
	# released when the container stops
	run berth port "$id"
	[ -z "$output" ]
	run curl -s --max-time 2 http://127.0.0.1:18080/
	[ "$status" -ne 0 ]
}

@test "network: a port already allocated fails cleanly, exit 125, nothing left behind" {
	brun -d -p 127.0.0.1:18081:8080 httpd -f -p 8080 -h /www >/dev/null
	before=$(berth ps -aq | wc -l)
	run brun -d -p 127.0.0.1:18081:8080 httpd -f -p 8080 -h /www
	[ "$status" -eq 125 ]
	assert_one_error_line 'port 127.0.0.1:18081 is already allocated'
	[ "$(berth ps -aq | wc -l)" -eq "$before" ]
	veths_left 1
	run curl -s --max-time 5 http://127.0.0.1:18081/
	[ "$output" == served-by-peer ]
}

@test "network: 30 SIGKILLs of run and its monitor at random moments leak nothing past the next network operation" {
	for t in $(seq 30); do
		setsid "$BERTH" --root "$STORE" run --rm -p 127.0.0.1:18090:8080 --rootfs "$ROOTFS" sleep 5 >/dev/null 2>&1 &
		pid=$!
		sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
		# the process group: berth run and its foreground monitor (the
		# container has a session of its own and dies with the monitor)
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" || true
	done
	# what the killed monitors left is reported, then reclaimed by the next run
	run berth system check
	echo "$output"
	run brun --rm -p 127.0.0.1:18090:8080 sh -c 'ip -4 -o addr show eth0'
	[ "$status" -eq 0 ]
	[[ "$output" =~ 172\.17\.0\.2/16 ]]
	veths_left 0
	[ -z "$(ls -A "$STORE/netns")" ]
	! findmnt -rn -o TARGET | grep -F "$STORE/netns"
	run berth system check
	[[ ! "$output" =~ network: ]]
}
