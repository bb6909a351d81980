#!/usr/bin/env bats
# Published ports as the CLI shows them: berth port. (The rules behind -p
# are tested in tests/unit/test-network-nat.c and test-network-ports.c,
# each in a network namespace of its own.)

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" busybox:port >/dev/null
}

teardown() {
	berth rm -f web >/dev/null 2>&1 || true
}

@test "port: a container without published ports lists none; a port it does not publish is an error" {
	run berth run -d --network none --name web busybox:port sleep 60
	[ "$status" -eq 0 ]
	run --separate-stderr berth port web
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr berth container port web 8080
	[ "$status" -eq 1 ]
	[ "$stderr" = "berth: no public port '8080/tcp' published for web" ]
	run --separate-stderr berth port web 8080/sctp
	[ "$status" -eq 1 ]
	[ "$stderr" = "berth: invalid port '8080/sctp'" ]
	run --separate-stderr berth port nosuch
	[ "$status" -ne 0 ]
	[[ "$stderr" == "berth: "*nosuch* ]]
	run berth port
	[ "$status" -eq 1 ]
	[[ "$output" == *"requires 1 or 2 arguments"* ]]
}
