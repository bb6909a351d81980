#!/usr/bin/env bats
# run's -P, --add-host and --dns* (issue #15): what a container finds in its
# /etc/hosts and /etc/resolv.conf, and the EXPOSEd ports -P publishes. In a
# network namespace of its own (scripts/e2e), as network.bats.

load helpers

setup_file() {
	net_fixture_setup served-by-exposed
}

setup() {
	common_setup
}

teardown() {
	net_fixture_teardown
}

@test "network-dns: -P publishes the image's EXPOSEd port on an ephemeral host port; curl reaches it" {
	b=$BATS_TEST_TMPDIR/img
	mkdir -p "$b"
	cp -a "$ROOTFS" "$b/rootfs"
	printf 'FROM scratch\nCOPY rootfs/ /\nEXPOSE 8080 9999/udp\n' >"$b/Dockerfile"
	berth build -q -t exposed:test "$b" >/dev/null
	id=$(berth run -d -P exposed:test httpd -f -p 8080 -h /www)
	run berth port "$id" 8080
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]]
	port=${BASH_REMATCH[1]}
	[ "$port" -gt 0 ]
	run curl -s --max-time 5 "http://127.0.0.1:$port/"
	[ "$status" -eq 0 ]
	[ "$output" == served-by-exposed ]
	run berth port "$id" 9999/udp
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^0\.0\.0\.0:[0-9]+$ ]]
	# an explicit -p of an EXPOSEd port wins over -P's ephemeral one
	id2=$(berth run -d -P -p 127.0.0.1:18090:8080 exposed:test httpd -f -p 8080 -h /www)
	run berth port "$id2" 8080
	[ "$output" == "127.0.0.1:18090" ]
	run curl -s --max-time 5 http://127.0.0.1:18090/
	[ "$output" == served-by-exposed ]
}

@test "network-dns: --add-host lines are in /etc/hosts and resolve; host-gateway is the bridge's gateway" {
	run brun --rm --add-host db.example:10.1.2.3 --add-host gw=host-gateway \
		sh -c 'cat /etc/hosts; ping -c1 -W2 gw; ping -c1 -W1 db.example'
	[[ "$output" == *$'10.1.2.3\tdb.example'* ]]
	[[ "$output" == *$'172.17.0.1\tgw'* ]]
	# resolved through /etc/hosts, and gw answers (it is the host side)
	[[ "$output" == *"PING gw (172.17.0.1)"* ]]
	[[ "$output" == *"1 packets received"* ]]
	[[ "$output" == *"PING db.example (10.1.2.3)"* ]]
	# the entries come after Docker's default lines, before the container's own
	run brun --rm --add-host a.example:10.0.0.7 cat /etc/hosts
	[[ "${lines[6]}" == $'10.0.0.7\ta.example' ]]
	[[ "${lines[7]}" =~ ^172\.17\.0\.[0-9]+$'\t' ]]
}

@test "network-dns: --add-host on a user network survives peers coming and going; --network host writes it too" {
	berth network create dnsnet >/dev/null
	id=$(brun -d --network dnsnet --name first --add-host api.example:10.9.8.7 sleep 30)
	brun -d --network dnsnet --name second sleep 30 >/dev/null
	run berth exec "$id" cat /etc/hosts
	[[ "$output" == *$'10.9.8.7\tapi.example'* ]]
	[[ "$output" == *second* ]]
	run brun --rm --network host --add-host h.example:10.5.5.5 cat /etc/hosts
	[[ "$output" == *$'10.5.5.5\th.example'* ]]
	run brun --rm --network none --add-host v6.example:[fd00::5] cat /etc/hosts
	[[ "$output" == *$'fd00::5\tv6.example'* ]]
}

@test "network-dns: a bad --add-host or --dns is refused with one line, exit 125, nothing created" {
	run brun --rm --add-host nocolon true
	[ "$status" -eq 125 ]
	assert_one_error_line 'bad format for add-host: "nocolon"'
	run brun --rm --add-host 'x:999.1.1.1' true
	[ "$status" -eq 125 ]
	assert_one_error_line 'invalid IP address in add-host'
	run brun --rm --dns not-an-ip true
	[ "$status" -eq 125 ]
	assert_one_error_line 'is not an ip address'
	[ -z "$(berth ps -aq)" ]
}

@test "network-dns: --dns, --dns-search and --dns-option make /etc/resolv.conf" {
	run brun --rm --dns 10.0.0.53 --dns 10.0.0.54 --dns-search corp.example \
		--dns-option ndots:2 cat /etc/resolv.conf
	[ "$status" -eq 0 ]
	[[ "$output" == *"nameserver 10.0.0.53"* ]]
	[[ "$output" == *"nameserver 10.0.0.54"* ]]
	[[ "$output" == *"search corp.example"* ]]
	[[ "$output" == *"options ndots:2"* ]]
	[ "$(grep -c '^nameserver' <<<"$output")" -eq 2 ]
	# on a bridge, the host's loopback resolvers are not copied (they answer
	# only in the host's namespace)
	run brun --rm cat /etc/resolv.conf
	[ "$status" -eq 0 ]
	! grep -q '^nameserver 127\.' <<<"$output"
	grep -q '^nameserver ' <<<"$output"
	# --dns-search . : no search line
	run brun --rm --dns 10.0.0.53 --dns-search . cat /etc/resolv.conf
	! grep -q '^search' <<<"$output"
	run berth inspect --format '{{.HostConfig.Dns}}' "$(brun -d --dns 10.0.0.53 sleep 30)"
	[ "$output" == "[10.0.0.53]" ]
}

@test "network-dns: --domainname sets the UTS domain name and the container's hosts line" {
	run brun --rm --hostname web --domainname corp.example \
		sh -c 'cat /proc/sys/kernel/domainname; grep -w web /etc/hosts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" == corp.example ]
	[[ "${lines[1]}" =~ ^172\.17\.0\.[0-9]+$'\t'web\.corp\.example\ web\  ]]
	run brun --rm --network none --hostname web --domainname corp.example grep -w web /etc/hosts
	[ "$output" == $'127.0.1.1\tweb.corp.example web' ]
	id=$(brun -d --domainname corp.example sleep 30)
	run berth inspect --format '{{.Config.Domainname}}' "$id"
	[ "$output" == corp.example ]
	run brun --rm --domainname $'a\nb' true
	[ "$status" -eq 125 ]
	assert_one_error_line 'invalid domainname'
}

@test "network-dns: --expose adds ports and ranges to Config.ExposedPorts; -P publishes them" {
	id=$(brun -d --expose 8080 --expose 9000-9001/udp -P httpd -f -p 8080 -h /www)
	run berth inspect --format '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}' "$id"
	[ "$status" -eq 0 ]
	[ "$output" == "8080/tcp 9000/udp 9001/udp " ]
	run berth port "$id" 8080
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^0\.0\.0\.0:([0-9]+)$ ]]
	run curl -s --max-time 5 "http://127.0.0.1:${BASH_REMATCH[1]}/"
	[ "$output" == served-by-exposed ]
	run berth port "$id" 9001/udp
	[[ "$output" =~ ^0\.0\.0\.0:[0-9]+$ ]]
	# as Docker, -p's container ports are exposed too
	id2=$(brun -d -p 127.0.0.1:18096:7070 sleep 30)
	run berth inspect --format '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}' "$id2"
	[ "$output" == "7070/tcp " ]
	run brun --rm --expose 80:80 true
	[ "$status" -eq 125 ]
	assert_one_error_line 'invalid range format for --expose: 80:80'
	run brun --rm --expose 90-80 true
	[ "$status" -eq 125 ]
}

@test "network-dns: -p and -P with --network host run with Docker's warning; none drops them; container:X refuses" {
	run --separate-stderr brun --rm --network host -p 127.0.0.1:18097:8080 echo ran
	[ "$status" -eq 0 ]
	[ "$output" == ran ]
	[ "$stderr" == "WARNING: Published ports are discarded when using host network mode" ]
	run --separate-stderr brun --rm --network host -P --expose 8080 echo ran
	[ "$status" -eq 0 ]
	[ "$stderr" == "WARNING: Published ports are discarded when using host network mode" ]
	id=$(brun -d --network host -p 127.0.0.1:18097:8080 sleep 30 2>/dev/null)
	run berth port "$id"
	[ -z "$output" ]
	run --separate-stderr brun --rm --network none -p 127.0.0.1:18097:8080 echo ran
	[ "$status" -eq 0 ]
	[ "$output" == ran ]
	[ -z "$stderr" ]
	peer=$(brun -d sleep 30)
	run brun --rm --network "container:$peer" -p 18098:8080 true
	[ "$status" -eq 125 ]
	assert_one_error_line 'conflicting options: port publishing and the container type network mode'
}
