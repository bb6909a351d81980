#!/usr/bin/env bats
# Debian's docker-compose 1.29 (the Python one, through docker-py) against
# `berth system service` (issue #22): the compose issue's kind of project, a
# web service (busybox httpd) and a client that reaches it by service name,
# brought up, listed, logged and brought down through the Engine API. In a
# network namespace of its own (scripts/e2e): the project's network is a
# bridge.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, bridges)"
}

setup() {
	common_setup
	[[ -x /usr/bin/docker-compose ]] || skip "Debian's docker-compose (1.29) is not installed"
	compose_project_setup apic-base:test dyn
	api_service_start
	export DOCKER_HOST=unix://$SOCK COMPOSE_INTERACTIVE_NO_CLI=1
}

teardown() {
	api_service_stop || true
	remove_containers_and_networks
	for v in $(berth volume ls -q 2>/dev/null); do berth volume rm -f "$v" >/dev/null 2>&1 || true; done
}

# The project: web serves /www by httpd; client fetches it by web's service
# name (retrying until web listens), prints it and exits.
two_services() {
	cat >"$P/docker-compose.yml" <<'YAML'
version: "2.4"
services:
  web:
    image: apic-base:test
    command: ["sh", "-c", "echo hello-from-web >/www/index.html && exec httpd -f -p 8080 -h /www"]
  client:
    image: apic-base:test
    depends_on: [web]
    command: ["sh", "-c", "for i in $$(seq 50); do wget -q -O - http://web:8080/ && exit 0; sleep 0.2; done; echo unreachable; exit 1"]
YAML
}

dc() { timeout 120 /usr/bin/docker-compose -p apic "$@"; }

# Waits (up to 20 s) for the client container to exit; prints its exit code.
client_exit_code() {
	local i st
	for i in $(seq 100); do
		st=$(berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' apic_client_1 2>/dev/null) || true
		[[ $st == exited* ]] && {
			echo "${st#exited }"
			return 0
		}
		sleep 0.2
	done
	echo "client still ${st:-absent}"
}

@test "docker-compose 1.29: up -d, ps, logs and down through the API; nothing left" {
	two_services
	run dc up -d
	echo "$output"
	[ "$status" -eq 0 ] || {
		grep 'api: ' "$SERVICE_LOG" | tail -20
		false
	}
	[[ "$output" == *"Creating network \"apic_default\""* ]]
	[[ "$output" =~ Creating\ apic_web_1\ .*done ]]
	[[ "$output" =~ Creating\ apic_client_1\ .*done ]]
	# berth sees what compose made: its labels and its network
	run berth inspect -f '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}}' apic_web_1
	[ "$output" = "apic web" ]
	run berth network ls --format '{{.Name}}'
	[[ "$output" == *apic_default* ]]
	# the client reached web by its service name
	[ "$(client_exit_code)" = 0 ]

	run dc ps
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\ *Name\ +Command\ +State\ +Ports ]]
	[[ "$output" =~ apic_web_1\ .*\ Up ]]
	[[ "$output" =~ apic_client_1\ .*\ Exit\ 0 ]]
	run dc ps --services
	[ "$(sort <<<"$output")" = "$(printf 'client\nweb')" ]

	run dc logs --no-color client
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ client_1\ +\|\ hello-from-web ]]
	run dc logs --no-color
	[[ "$output" == *"hello-from-web"* ]]

	run dc down
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ Removing\ apic_web_1\ .*done ]]
	[[ "$output" =~ Removing\ apic_client_1\ .*done ]]
	[[ "$output" == *"Removing network apic_default"* ]]
	run berth ps -a -q
	[ -z "$output" ]
	run berth network ls --format '{{.Name}}'
	[[ "$output" != *apic* ]]
	run berth volume ls -q
	[ -z "$output" ]
	run berth system check
	[ "$status" -eq 0 ]
}
