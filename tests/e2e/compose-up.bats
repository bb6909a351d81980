#!/usr/bin/env bats
# berth compose up/down/ps/ls/start/stop/restart/kill/rm (issue #16): the
# two-service project of the issue (web built, publishing 127.0.0.1:18081,
# fetching from api by service name once api is healthy), recreation by
# config hash, interpolation, and bad input that leaves nothing running. In
# a network namespace of its own (scripts/e2e): up makes bridges.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, bridges)"
}

setup() {
	common_setup
	compose_project_setup cmp-base:test dyn
	mkdir -p "$P/web"
	printf 'FROM cmp-base:test\nRUN echo built >/built\n' >"$P/web/Dockerfile"
}

teardown() {
	remove_containers_and_networks
}

# The issue's project: $1 is api's greeting (an environment edit recreates api).
# Both run under init: PID 1 httpd ignores SIGTERM, and stop, down and the
# recreation would each wait out the 10 s grace period before SIGKILL.
two_services() {
	cat >"$P/compose.yaml" <<YAML
name: demo
services:
  web:
    build: ./web
    init: true
    command: ["sh", "-c", "wget -q -O /www/index.html http://api:80/ && exec httpd -f -p 8080 -h /www"]
    ports: ["127.0.0.1:18081:8080"]
    depends_on:
      api:
        condition: service_healthy
  api:
    image: cmp-base:test
    init: true
    environment:
      GREETING: ${1:-hello-from-api}
    command: ["sh", "-c", "echo \$\$GREETING >/www/index.html && exec httpd -f -p 80 -h /www"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:80/"]
      interval: 1s
      retries: 10
YAML
}

# no container and no network of project demo is left
nothing_left() {
	run berth ps -a -q
	[ -z "$output" ]
	run berth network ls --format '{{.Name}}'
	[[ "$output" != *demo_* ]]
}

@test "compose up -d: web built, api healthy first, curl on the host gets api's content; ps; down removes everything" {
	two_services
	run berth compose up -d
	[ "$status" -eq 0 ]
	[[ "$output" == *"Network demo_default Created"* ]]
	[[ "$output" == *"Container demo-api-1 Healthy"* ]]
	[[ "$output" == *"Container demo-web-1 Started"* ]]
	run curl -s --max-time 5 http://127.0.0.1:18081/
	[ "$output" = hello-from-api ]
	run berth exec demo-web-1 cat /built
	[ "$output" = built ]
	run berth compose ps
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAME\ +IMAGE\ +COMMAND\ +SERVICE\ +CREATED\ +STATUS\ +PORTS ]]
	[[ "$output" =~ demo-api-1\ +cmp-base:test\ .*\ api\ .*\(healthy\) ]]
	[[ "$output" =~ demo-web-1\ +demo-web\ .*\ web\ .*127\.0\.0\.1:18081-\>8080/tcp ]]
	run berth compose ps --services
	[ "$output" = "$(printf 'api\nweb')" ]
	run berth inspect --format '{{index .Config.Labels "com.docker.compose.project"}} {{index .Config.Labels "com.docker.compose.service"}}' demo-web-1
	[ "$output" = "demo web" ]
	run berth compose ls
	[[ "$output" =~ demo\ +running\(2\)\ +$P/compose.yaml ]]
	run berth compose stop api
	[[ "$output" == *"Container demo-api-1 Stopped"* ]]
	run berth compose ps -a --format '{{.Name}} {{.State}}'
	[ "$output" = "$(printf 'demo-api-1 exited\ndemo-web-1 running')" ]
	run berth compose start
	[[ "$output" == *"Container demo-api-1 Started"* ]]
	run berth compose kill -s KILL web
	[[ "$output" == *"Container demo-web-1 Killed"* ]]
	berth wait demo-web-1 >/dev/null || true
	run berth compose rm -f web
	[[ "$output" == *"Container demo-web-1 Removed"* ]]
	run berth compose ps -a --services
	[ "$output" = api ]
	run berth compose down
	[ "$status" -eq 0 ]
	[[ "$output" == *"Network demo_default Removed"* ]]
	nothing_left
	run berth compose ls -a -q
	[ -z "$output" ]
}

@test "compose up twice recreates nothing; an environment edit recreates only that service" {
	two_services
	berth compose up -d
	local api web
	api=$(berth inspect --format '{{.Id}}' demo-api-1)
	web=$(berth inspect --format '{{.Id}}' demo-web-1)
	run berth compose up -d
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container demo-api-1 Running"* ]]
	[[ "$output" == *"Container demo-web-1 Running"* ]]
	[ "$(berth inspect --format '{{.Id}}' demo-api-1)" = "$api" ]
	[ "$(berth inspect --format '{{.Id}}' demo-web-1)" = "$web" ]
	two_services changed-greeting
	run berth compose up -d
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container demo-api-1 Recreated"* ]]
	[ "$(berth inspect --format '{{.Id}}' demo-api-1)" != "$api" ]
	[ "$(berth inspect --format '{{.Id}}' demo-web-1)" = "$web" ]
	berth compose down
	nothing_left
}

@test "compose up: interpolation from .env and the shell (the shell wins)" {
	printf 'name: demo\nservices:\n  one:\n    image: cmp-base:test\n    command: ["sleep", "100"]\n    environment:\n      A: ${FROM_ENV_FILE}\n      B: ${FROM_SHELL:-unset}\n' >"$P/compose.yaml"
	printf 'FROM_ENV_FILE=dotenv\nFROM_SHELL=dotenv\n' >"$P/.env"
	FROM_SHELL=shell berth compose up -d
	run berth exec demo-one-1 sh -c 'echo $A $B'
	[ "$output" = "dotenv shell" ]
	berth compose down -t 1
	nothing_left
}

@test "compose up: bad input is one clear error and leaves nothing running" {
	# YAML syntax error
	printf 'services:\n  a: [\n' >"$P/compose.yaml"
	run berth compose -p demo up -d
	[ "$status" -ne 0 ]
	assert_one_error_line
	nothing_left
	# unknown service in depends_on
	printf 'name: demo\nservices:\n  a:\n    image: cmp-base:test\n    depends_on: [nope]\n' >"$P/compose.yaml"
	run berth compose up -d
	assert_one_error_line "nope"
	nothing_left
	# a cycle
	printf 'name: demo\nservices:\n  a:\n    image: cmp-base:test\n    depends_on: [b]\n  b:\n    image: cmp-base:test\n    depends_on: [a]\n' >"$P/compose.yaml"
	run berth compose up -d
	assert_one_error_line "cycle|a -> b -> a|b -> a -> b"
	nothing_left
	# a port taken: the second service cannot publish it; the first is removed again
	printf 'name: demo\nservices:\n  a:\n    image: cmp-base:test\n    command: ["sleep", "100"]\n    ports: ["127.0.0.1:18082:80"]\n  b:\n    image: cmp-base:test\n    command: ["sleep", "100"]\n    depends_on: [a]\n    ports: ["127.0.0.1:18082:80"]\n' >"$P/compose.yaml"
	run berth compose up -d
	[ "$status" -ne 0 ]
	[[ "$output" == *"berth: "*"18082"* ]]
	nothing_left
	# a failing build
	printf 'FROM cmp-base:test\nRUN exit 3\n' >"$P/web/Dockerfile"
	printf 'name: demo\nservices:\n  web:\n    build: ./web\n' >"$P/compose.yaml"
	run berth compose up -d
	[ "$status" -ne 0 ]
	[[ "$output" == *'berth: service "web" failed to build'* ]]
	nothing_left
	# an unhealthy dependency names it
	printf 'name: demo\nservices:\n  a:\n    image: cmp-base:test\n    command: ["sleep", "100"]\n    healthcheck:\n      test: ["CMD", "false"]\n      interval: 1s\n      retries: 1\n  b:\n    image: cmp-base:test\n    depends_on:\n      a:\n        condition: service_healthy\n' >"$P/compose.yaml"
	run berth compose up -d
	[[ "$output" == *"berth: dependency failed to start: container demo-a-1 is unhealthy"* ]]
	nothing_left
}

@test "compose up: the attach flags berth does not have are refused with one line, nothing started" {
	printf 'name: demo\nservices:\n  a:\n    image: cmp-base:test\n' >"$P/compose.yaml"
	run berth compose up --attach a
	assert_one_error_line "'--attach' is not supported yet"
	nothing_left
}

@test "compose up -d: a container's monitor does not keep the gc lock up's build took (system check does not wait for it)" {
	cat >"$P/compose.yaml" <<'YAML'
name: gclock
services:
  web:
    build: ./web
    command: ["sleep", "300"]
YAML
	run berth compose up -d
	[ "$status" -eq 0 ]
	[[ "$output" == *"Container gclock-web-1 Started"* ]]
	# the store handle up built with is the one its monitor was forked with
	run timeout 20 "$BERTH" --root "$STORE" system check
	[ "$status" -eq 0 ]
	run berth compose down -t 0
	[ "$status" -eq 0 ]
}
