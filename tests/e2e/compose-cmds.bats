#!/usr/bin/env bats
# berth compose build, run, images, the stop order and the project's
# volumes (issue #16), as docker compose v2 does them. In a network
# namespace of its own (scripts/e2e): up makes bridges.
# The services that only sleep run under init (init: true), a one-off
# traps TERM: sleep as PID 1 ignores SIGTERM, and stop and down would wait
# out the 10 s grace period on each.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, bridges)"
}

setup() {
	common_setup
	unset COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES
	compose_project_setup cmp-base:test dyn
}

teardown() {
	remove_containers_and_networks
}

# what FILE holds in IMAGE
image_file() {
	berth run --rm --network none "$1" cat "$2"
}

@test "compose build: build sections (args, target, labels), image names as v2, --build-arg, --no-cache, -q, SERVICE" {
	mkdir app
	cat >app/Dockerfile <<-'EOF'
		FROM cmp-base:test AS first
		RUN echo first >/msg
		FROM cmp-base:test AS final
		ARG MSG
		ARG OTHER
		RUN echo "$MSG $OTHER" >/msg && cat /proc/sys/kernel/random/uuid >/stamp
		FROM cmp-base:test AS last
		RUN echo last >/msg
	EOF
	cat >compose.yaml <<-'EOF'
		name: cmds
		services:
		  app:
		    build:
		      context: ./app
		      target: final
		      args: {MSG: from-file, OTHER: other}
		      labels: {com.example.built-by: compose}
		  named:
		    build: {context: app, dockerfile: Dockerfile}
		    image: cmds-custom:1
		  plain:
		    image: cmp-base:test
	EOF
	run -0 --separate-stderr berth compose build
	[[ "$stderr" == *"Image cmds-app Built"* ]]
	[[ "$stderr" == *"Image cmds-custom:1 Built"* ]]
	[[ "$stderr" != *"cmp-base"* ]]
	[ "$(image_file cmds-app /msg)" = "from-file other" ]
	[ "$(image_file cmds-custom:1 /msg)" = "last" ]
	run -0 berth image inspect --format '{{index .Config.Labels "com.example.built-by"}}' cmds-app
	[ "$output" = compose ]
	stamp=$(image_file cmds-app /stamp)
	# cached: the same layer; --no-cache: the RUN step again
	run -0 berth compose build -q app
	[ -z "$output" ]
	[ "$(image_file cmds-app /stamp)" = "$stamp" ]
	run -0 berth compose build -q --no-cache app
	[ "$(image_file cmds-app /stamp)" != "$stamp" ]
	# --build-arg over the file's args, a bare name from the environment
	OTHER=from-env run -0 berth compose build -q --build-arg MSG=from-cli --build-arg OTHER app
	[ "$(image_file cmds-app /msg)" = "from-cli from-env" ]
	# SERVICE selects; an unknown one is one clear line
	id=$(berth image inspect --format '{{.Id}}' cmds-custom:1)
	run -0 berth compose build -q --no-cache app
	[ "$(berth image inspect --format '{{.Id}}' cmds-custom:1)" = "$id" ]
	run -1 berth compose build nope
	assert_one_error_line "compose build: no such service: nope"
	# a broken Dockerfile names the service
	printf 'FROM cmp-base:test\nRUN exit 3\n' >app/Dockerfile
	run -1 berth compose build -q named
	[[ "$output" == *'service "named" failed to build'* ]]
}

# Three services, db <- api <- web (depends_on), names in another order
# alphabetically; each appends its name to /shared/stop when SIGTERM comes.
ordered_services() {
	cat >compose.yaml <<-'EOF'
		name: cmds
		x-svc: &svc
		  image: cmp-base:test
		  volumes: [shared:/shared]
		  stop_grace_period: 20s
		services:
		  web:
		    <<: *svc
		    command: ["sh", "-c", "trap 'echo web >>/shared/stop; exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
		    depends_on: [api]
		  api:
		    <<: *svc
		    command: ["sh", "-c", "trap 'echo api >>/shared/stop; exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
		    depends_on: [db]
		  db:
		    <<: *svc
		    command: ["sh", "-c", "trap 'echo db >>/shared/stop; exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
		volumes:
		  shared: {}
	EOF
}

# the names the containers wrote on SIGTERM, one line
stop_log() {
	berth run --rm --network none -v cmds_shared:/s cmp-base:test sh -c 'cat /s/stop; rm -f /s/stop' | tr '\n' ' '
}

# the order of the "Container NAME VERB" lines in $1
progress_order() {
	grep -o "Container cmds-[a-z]*-1 $2" <<<"$1" | cut -d' ' -f2 | tr '\n' ' '
}

@test "compose stop/down stop dependents first; up/start/restart start dependencies first" {
	ordered_services
	run -0 berth compose up -d
	[ "$(progress_order "$output" Started)" = "cmds-db-1 cmds-api-1 cmds-web-1 " ]
	run -0 berth compose stop
	[ "$(progress_order "$output" Stopped)" = "cmds-web-1 cmds-api-1 cmds-db-1 " ]
	[ "$(stop_log)" = "web api db " ]
	run -0 berth compose start
	[ "$(progress_order "$output" Started)" = "cmds-db-1 cmds-api-1 cmds-web-1 " ]
	run -0 berth compose restart
	[ "$(progress_order "$output" Restarted)" = "cmds-db-1 cmds-api-1 cmds-web-1 " ]
	run -0 berth run --rm --network none -v cmds_shared:/s cmp-base:test rm -f /s/stop
	run -0 berth compose down
	[ "$(progress_order "$output" Removed)" = "cmds-web-1 cmds-api-1 cmds-db-1 " ]
	[ "$(stop_log)" = "web api db " ]
}

@test "compose pause/unpause freeze and thaw the running containers, dependents first and last; SERVICE" {
	ordered_services
	run -0 berth compose up -d
	run -0 berth compose pause api
	[ "$(progress_order "$output" Paused)" = "cmds-api-1 " ]
	[ "$(berth inspect -f '{{.State.Status}}' cmds-api-1 cmds-db-1 | tr '\n' ' ')" = "paused running " ]
	run -0 berth compose pause
	[ "$(progress_order "$output" Paused)" = "cmds-web-1 cmds-db-1 " ]
	run -0 berth compose unpause
	[ "$(progress_order "$output" Unpaused)" = "cmds-db-1 cmds-api-1 cmds-web-1 " ]
	[ "$(berth inspect -f '{{.State.Status}}' cmds-web-1 cmds-api-1 cmds-db-1 | tr '\n' ' ')" = "running running running " ]
	run -1 berth compose pause -t 3
	assert_one_error_line "compose pause: *"
	run -0 berth compose down
}

@test "compose images: each container's image, v2's columns, sizes as berth images; SERVICE, -q, --format json" {
	mkdir app
	printf 'FROM cmp-base:test\nRUN echo built >/built\n' >app/Dockerfile
	cat >compose.yaml <<-'EOF'
		name: cmds
		services:
		  app:
		    build: ./app
		    init: true
		    command: ["sleep", "1000"]
		  base:
		    image: cmp-base:test
		    init: true
		    command: ["sleep", "1000"]
	EOF
	run -0 berth compose up -d
	app_id=$(berth image inspect --format '{{.Id}}' cmds-app)
	base_id=$(berth image inspect --format '{{.Id}}' cmp-base:test)
	app_size=$(berth images --format '{{.Size}}' cmds-app)
	base_size=$(berth images --format '{{.Size}}' cmp-base)
	run -0 berth compose images
	[ "${lines[0]}" = "CONTAINER     REPOSITORY   TAG      IMAGE ID       SIZE" ]
	[ "${lines[1]}" = "cmds-app-1    cmds-app     latest   ${app_id:7:12}   $app_size" ]
	[ "${lines[2]}" = "cmds-base-1   cmp-base     test     ${base_id:7:12}   $base_size" ]
	[ "${#lines[@]}" -eq 3 ]
	run -0 berth compose images base
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == cmds-base-1* ]]
	run -0 berth compose images -q
	[ "$output" = "$(printf '%s\n%s' "${app_id#sha256:}" "${base_id#sha256:}")" ]
	run -0 berth compose images --format json app
	run -0 jq -r '.[0] | "\(.ContainerName) \(.Repository) \(.Tag) \(.ID) \(.Size | type)"' <<<"$output"
	[ "$output" = "cmds-app-1 cmds-app latest $app_id number" ]
	run -1 berth compose images nope
	assert_one_error_line "compose images: no such service: nope"
	run -0 berth compose down
	run -0 berth compose images
	[ "$output" = "CONTAINER   REPOSITORY   TAG   IMAGE ID       SIZE" ]
}

@test "compose run: a one-off container of the service, deps first, its exit code, --rm, -d, no ports; down removes it" {
	cat >compose.yaml <<-'EOF'
		name: cmds
		services:
		  db:
		    image: cmp-base:test
		    init: true
		    command: ["sleep", "1000"]
		  app:
		    image: cmp-base:test
		    depends_on: [db]
		    environment: {A: from-file}
		    ports: ["127.0.0.1:18090:80"]
		    command: ["echo", "service-command"]
	EOF
	# the command's output and exit code; -e over the file; --rm leaves no container of app
	run -7 berth compose run --rm -T -e B=from-cli app sh -c 'echo "$A $B"; exit 7'
	[[ "$output" == *"from-file from-cli"* ]]
	run -0 berth ps --format '{{.Names}}'
	[ "$output" = cmds-db-1 ]
	run -0 berth ps -a --filter label=com.docker.compose.service=app -q
	[ -z "$output" ]
	# the service's command when none is given
	run -0 --separate-stderr berth compose run --rm -T app
	[ "$output" = service-command ]
	# -d: named as v2, labelled one-off, the service's ports not published
	run -0 --separate-stderr berth compose run -d -l x=y app sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
	id=$output
	run -0 berth inspect --format '{{.Name}} {{index .Config.Labels "com.docker.compose.oneoff"}} {{index .Config.Labels "x"}} {{json .HostConfig.PortBindings}}' "$id"
	[[ "$output" =~ ^/?cmds-app-run-[0-9a-f]{12}\ True\ y\ (\{\}|null)$ ]]
	# a command that is not there: 127
	run -127 berth compose run --rm -T --no-deps app no-such-command
	run -1 berth compose run nope
	assert_one_error_line "compose run: no such service: nope"
	# down removes the one-off too
	run -0 berth compose down
	run -0 berth ps -aq
	[ -z "$output" ]
	# --no-deps: db is not started
	run -0 berth compose run --rm -T --no-deps app true
	run -0 berth ps -aq
	[ -z "$output" ]
	run -0 berth compose down
}

@test "compose volumes carry v2's labels; down -v removes only the project's, never an external one" {
	berth volume create ext >/dev/null
	berth volume create cmds_made-before >/dev/null
	cat >compose.yaml <<-'EOF'
		name: cmds
		services:
		  app:
		    image: cmp-base:test
		    init: true
		    command: ["sleep", "1000"]
		    volumes: [data:/data, ext:/ext, made-before:/before]
		volumes:
		  data:
		    labels: {com.example.team: infra}
		  ext:
		    external: true
		  made-before: {}
	EOF
	run -0 berth compose up -d
	run -0 berth volume inspect cmds_data
	run -0 jq -r '.[0].Labels | to_entries | map("\(.key)=\(.value)") | join(" ")' <<<"$output"
	[ "$output" = "com.docker.compose.project=cmds com.docker.compose.volume=data com.example.team=infra" ]
	run -0 berth volume inspect ext
	[ "$(jq -c '.[0].Labels' <<<"$output")" = "{}" ]
	run -0 berth compose down -v
	run -0 berth volume ls -q
	[ "$output" = "$(printf 'cmds_made-before\next')" ]
}
