#!/usr/bin/env bats
# berth's NAT rules on a real bridge (network/nat.h through tests/tools/
# nat-tool): a published port answers on 127.0.0.1 and on the host's other
# addresses, keeps the client's address for clients outside the host, and
# the container reaches the outside through the masquerade. Everything is
# inside the namespace scripts/e2e made for this file: the host side, a
# "container" namespace on a veth of bridge brt0, and an "outside" client
# namespace on another link.

load helpers

NAT_TOOL=${NAT_TOOL:-$(dirname "$BERTH")/../../tests/unit/nat-tool}

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, nftables)"
	[[ -x $NAT_TOOL ]] || skip "nat-tool not built at $NAT_TOOL"
	command -v python3 >/dev/null || skip "needs python3 for the test's server and clients"
}

# A namespace kept alive by a sleeping process; prints its PID once the
# process is in it.
new_netns() {
	unshare --net sleep 600 >/dev/null 2>&1 &
	wait_until 20 eval '[ "$(readlink /proc/$!/ns/net)" != "$(readlink /proc/$$/ns/net)" ]'
	echo $!
}

setup() {
	common_setup
	pids=()
	ip link set lo up
	ip link add brt0 type bridge
	ip addr add 10.77.0.1/24 dev brt0
	ip link set brt0 up
	ctr=$(new_netns)
	out=$(new_netns)
	pids+=("$ctr" "$out")
	ip link add vct0 type veth peer name eth0 netns "$ctr"
	ip link set vct0 master brt0 up
	nsenter -t "$ctr" -n sh -ec 'ip link set lo up; ip addr add 10.77.0.2/24 dev eth0
		ip link set eth0 up; ip route add default via 10.77.0.1'
	ip link add vout0 type veth peer name eth0 netns "$out"
	ip addr add 192.168.77.1/24 dev vout0
	ip link set vout0 up
	nsenter -t "$out" -n sh -ec 'ip link set lo up; ip addr add 192.168.77.2/24 dev eth0
		ip link set eth0 up; ip route add default via 192.168.77.1'
}

teardown() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	"$NAT_TOOL" unpublish ctr1 2>/dev/null || true
	"$NAT_TOOL" unbridge brt0 2>/dev/null || true
	ip link del vout0 2>/dev/null || true
	ip link del brt0 2>/dev/null || true
}

# Serves n connections on 0.0.0.0:$2 in namespace $1, answering each with the caller's address.
serve() {
	nsenter -t "$1" -n python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8)
print("ready", flush=True)
for _ in range(int(sys.argv[2])):
    c, a = s.accept(); c.sendall((a[0] + "\n").encode()); c.close()
' "$2" "$3" >"$BATS_TEST_TMPDIR/serve.out" &
	pids+=("$!")
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/serve.out" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# Connects to $1:$2 (from namespace $3 if given) and prints what the server said.
call() {
	local py='import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 3); print(s.recv(100).decode().strip())'
	if [[ -n ${3:-} ]]; then
		nsenter -t "$3" -n python3 -c "$py" "$1" "$2"
	else
		python3 -c "$py" "$1" "$2"
	fi
}

@test "nat: a published port answers on 127.0.0.1 and the host's address, and keeps an outside client's address" {
	"$NAT_TOOL" bridge brt0 10.77.0.0/24
	[ "$(cat /proc/sys/net/ipv4/conf/brt0/route_localnet)" = 1 ]
	"$NAT_TOOL" publish ctr1 10.77.0.2 18080:8080
	serve "$ctr" 8080 3
	# loopback: masqueraded to the bridge's address (route_localnet)
	run call 127.0.0.1 18080
	[ "$status" -eq 0 ]
	[ "$output" = 10.77.0.1 ]
	# the host's own address: kept
	run call 192.168.77.1 18080
	[ "$output" = 192.168.77.1 ]
	# a client outside the host: its own address, no masquerade
	run call 192.168.77.1 18080 "$out"
	[ "$output" = 192.168.77.2 ]

	"$NAT_TOOL" unpublish ctr1
	run call 127.0.0.1 18080
	[ "$status" -ne 0 ]
	[[ "$output" == *"Connection refused"* ]]
	! nft list ruleset | grep -q ctr1
}

@test "nat: a neighbour on the bridge reaches a published port through the host's address (hairpin)" {
	nb=$(new_netns)
	pids+=("$nb")
	ip link add vnb0 type veth peer name eth0 netns "$nb"
	ip link set vnb0 master brt0 up
	nsenter -t "$nb" -n sh -ec 'ip link set lo up; ip addr add 10.77.0.3/24 dev eth0
		ip link set eth0 up; ip route add default via 10.77.0.1'
	"$NAT_TOOL" bridge brt0 10.77.0.0/24
	"$NAT_TOOL" publish ctr1 10.77.0.2 18080:8080
	serve "$ctr" 8080 1
	# masqueraded: the answer goes back through the host, where the DNAT is
	# undone (without br_netfilter nothing else would see it)
	run call 192.168.77.1 18080 "$nb"
	[ "$status" -eq 0 ]
	[ "$output" = 10.77.0.1 ]
}

@test "nat: the container reaches the outside through the masquerade; not when internal" {
	"$NAT_TOOL" bridge brt0 10.77.0.0/24
	serve "$out" 9090 1
	run call 192.168.77.2 9090 "$ctr"
	[ "$status" -eq 0 ]
	[ "$output" = 192.168.77.1 ]

	"$NAT_TOOL" bridge brt0 10.77.0.0/24 internal
	run call 192.168.77.2 9090 "$ctr"
	[ "$status" -ne 0 ]
	[[ "$output" == *"timed out"* ]]

	"$NAT_TOOL" unbridge brt0
	! nft list ruleset | grep -q brt0
}

@test "nat: only a bridge, owner and address berth can validate reach nftables" {
	run "$NAT_TOOL" bridge 'brt0"; flush ruleset; "' 10.77.0.0/24
	[ "$status" -eq 1 ]
	[[ "$output" == "nat-tool: invalid bridge name"* ]]
	run "$NAT_TOOL" publish ctr1 '10.77.0.2 accept' 18080:8080
	[ "$status" -eq 1 ]
	[[ "$output" == "nat-tool: invalid container address"* ]]
}
