#!/usr/bin/env bats
# The issue's compatibility check: the same project files under docker-compose
# 1.29 (against Debian's dockerd, started here with data root, exec root,
# pidfile, socket, config file and cgroup parent of its own, inside this
# file's network namespace and a mount namespace of its own) and under
# `berth compose`, compared: container names, the project network, the
# project/service labels, states, `config --services`, a published port
# answering, and `down` leaving nothing.
#
# Known differences it allows for: docker-compose 1.29 names containers
# PROJECT_SERVICE_N, docker compose v2 (berth's reference) PROJECT-SERVICE-N.
load helpers

PORT=18093

setup() {
	common_setup
	unset COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES
	W=$BATS_TEST_TMPDIR
	peer_dockerd_setup "$W"
	mkdir -p "$W/proj"
	cd "$W/proj"
}

teardown() {
	if [[ -n $PEER_PID ]]; then D compose_down_quietly; fi
	peer_dockerd_stop
	berth compose -p peer down >/dev/null 2>&1 || true
}

# The Debian docker client (20.10, as the daemon) on our daemon's socket.
D() {
	if [[ $1 == compose_down_quietly ]]; then
		DOCKER_HOST=unix://$W/docker.sock docker-compose -p peer down -t 1 >/dev/null 2>&1 || true
		return 0
	fi
	peer_docker "$@"
}

# Starts dockerd (helpers.bash) or skips the test saying why.
start_dockerd() {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed"
	peer_dockerd_start
}

write_project() {
	cat >compose.yaml <<-EOF
		services:
		  web:
		    image: peer/busybox:1
		    command: [httpd, -f, -p, "80", -h, /etc]
		    ports: ["127.0.0.1:$PORT:80"]
		    depends_on: [api]
		    labels: {tier: front}
		  api:
		    image: peer/busybox:1
		    command: [sleep, "600"]
		  once:
		    image: peer/busybox:1
		    command: ["true"]
	EOF
}

# "NAME STATE project=P service=S" lines, sorted, from `ps --format
# '{{.Names}} {{.State}} {{.Labels}}'` lines (Labels joined k=v,...);
# docker-compose 1.29's '_' separators in names written as v2's '-'.
summarise() {
	while read -r name state labels; do
		local project service
		project=$(tr ',' '\n' <<<"$labels" | sed -n 's/^com\.docker\.compose\.project=//p')
		service=$(tr ',' '\n' <<<"$labels" | sed -n 's/^com\.docker\.compose\.service=//p')
		echo "${name//_/-} $state project=$project service=$service"
	done | sort
}

# Waits until the published port answers with the container's /etc/passwd.
port_answers() {
	for _ in $(seq 50); do
		curl -fsS --max-time 2 "http://127.0.0.1:$PORT/passwd" 2>/dev/null | grep -q '^root:' && return 0
		sleep 0.2
	done
	return 1
}

@test "compose peer: docker-compose 1.29 on dockerd and berth compose make the same project" {
	write_project
	berth import "$(busybox_tar)" peer/busybox:1 >/dev/null
	berth save -o "$W/busybox-docker.tar" peer/busybox:1
	start_dockerd
	D load -q -i "$W/busybox-docker.tar" >/dev/null

	# docker-compose 1.29 against dockerd
	export DOCKER_HOST=unix://$W/docker.sock
	docker-compose config --services | sort >"$W/docker-services"
	docker-compose -p peer up -d
	sleep 1 # `once` exits
	port_answers
	D ps -a --filter label=com.docker.compose.project=peer \
		--format '{{.Names}} {{.State}} {{.Labels}}' | summarise >"$W/docker-ps"
	D network ls --filter label=com.docker.compose.project=peer --format '{{.Name}}' >"$W/docker-networks"
	docker-compose -p peer down -t 1
	[ -z "$(D ps -aq --filter label=com.docker.compose.project=peer)" ]
	[ -z "$(D network ls -q --filter label=com.docker.compose.project=peer)" ]
	unset DOCKER_HOST
	cat "$W/docker-ps" "$W/docker-networks"
	grep -qx 'peer-web-1 running project=peer service=web' "$W/docker-ps"
	[ "$(cat "$W/docker-networks")" = peer_default ]

	# the same files under berth compose
	run berth compose -p peer up --help
	if [[ $output == *"not supported yet"* ]]; then
		skip "berth compose up is not supported yet: the docker side ran; the berth side needs compose up/ps/down"
	fi
	berth compose config --services | sort >"$W/berth-services"
	diff "$W/docker-services" "$W/berth-services"
	berth compose -p peer up -d
	port_answers
	berth ps -a --filter label=com.docker.compose.project=peer \
		--format '{{.Names}} {{.State}} {{.Labels}}' | summarise >"$W/berth-ps"
	diff "$W/docker-ps" "$W/berth-ps"
	berth network inspect peer_default >/dev/null
	run -0 berth compose -p peer ps
	[[ $output == *peer-web-1* && $output == *peer-api-1* ]]
	berth compose -p peer down
	[ -z "$(berth ps -aq --filter label=com.docker.compose.project=peer)" ]
	run ! berth network inspect peer_default
}
