#!/usr/bin/env bats
# berth compose config: the Compose model as docker compose v2 normalises
# it (files found or given with -f and merged, .env and shell interpolation,
# profiles, project names), and one clear error line for each bad input.
# Needs no privilege and touches no store: config reads files only.

load helpers

setup() {
	common_setup
	P=$BATS_TEST_TMPDIR/shop
	mkdir -p "$P"
	cd "$P"
}

# A project like the issue's: web built, published on 127.0.0.1:18081,
# waiting for a healthy api.
two_services() {
	cat >compose.yaml <<'EOF'
services:
  web:
    build: ./web
    ports:
      - "127.0.0.1:18081:80"
    environment:
      GREETING: ${GREETING:-hello}
      API_TAG: ${TAG}
    depends_on:
      api:
        condition: service_healthy
  api:
    image: "busybox:${TAG:-latest}"
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost:8080/"]
      interval: 2s
      retries: 5
EOF
}

@test "compose config: the normalised model, interpolated from .env and the shell" {
	two_services
	printf 'TAG=1.36\nGREETING=from-dotenv\n' >.env
	run -0 env GREETING=from-shell "$BERTH" compose config
	[[ "$output" == "name: shop"* ]]
	[[ "$output" == *'image: busybox:1.36'* ]]
	[[ "$output" == *'GREETING: from-shell'* ]] # the shell wins over .env
	[[ "$output" == *'API_TAG: "1.36"'* ]]
	[[ "$output" == *"context: $P/web"* ]]
	[[ "$output" == *'condition: service_healthy'* ]]
	[[ "$output" == *'host_ip: 127.0.0.1'* ]]
	[[ "$output" == *'published: "18081"'* ]]
	[[ "$output" == *'interval: 2s'* ]]
	[[ "$output" == *'name: shop_default'* ]]
	# the output is itself a compose file giving the same output
	echo "$output" >"$BATS_TEST_TMPDIR/out.yaml"
	run -0 "$BERTH" compose -f "$BATS_TEST_TMPDIR/out.yaml" -p shop config
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/out.yaml")" ]
}

@test "compose config: --services in start order, --images, --volumes, --profiles, -q, json" {
	two_services
	cat >>compose.yaml <<'EOF'
  debug:
    image: busybox
    profiles: [tools]
    volumes: [logs:/logs]
volumes:
  logs:
EOF
	export TAG=1.36 # else a warning on stderr says TAG is not set
	run -0 "$BERTH" compose config --services
	[ "$output" = "$(printf 'api\nweb')" ]
	run -0 "$BERTH" compose --profile tools config --services
	[ "$output" = "$(printf 'api\ndebug\nweb')" ]
	run -0 env COMPOSE_PROFILES=tools "$BERTH" compose config --services
	[ "${lines[1]}" = debug ]
	run -0 "$BERTH" compose config --images
	[ "$output" = "$(printf 'busybox:1.36\nshop-web')" ]
	run -0 "$BERTH" compose config --volumes
	[ "$output" = logs ]
	run -0 "$BERTH" compose config --profiles
	[ "$output" = tools ]
	run -0 "$BERTH" compose config -q
	[ -z "$output" ]
	# the config hash changes with the service's own config only, not with its build
	run -0 "$BERTH" compose config --hash '*'
	[ "${#lines[@]}" -eq 2 ] && [[ "${lines[0]}" =~ ^api\ [0-9a-f]{64}$ ]]
	local before="$output"
	sed -i 's|build: ./web|build: ./elsewhere|' compose.yaml
	run -0 "$BERTH" compose config --hash '*'
	[ "$output" = "$before" ]
	sed -i 's|GREETING: ${GREETING:-hello}|GREETING: changed|' compose.yaml
	run -0 "$BERTH" compose config --hash web,api
	[ "${lines[0]}" = "${before%%$'\n'*}" ]
	[ "${lines[1]}" != "$(echo "$before" | sed -n 2p)" ]
	run -1 "$BERTH" compose config --hash nope
	[ "$output" = "berth: compose config: no such service: nope" ]
	run -0 "$BERTH" compose config --format json
	[ "$(echo "$output" | jq -r '.services.web.ports[0].published')" = 18081 ]
	[ "$(echo "$output" | jq -r '.volumes.logs.name')" = shop_logs ]
}

@test "compose config: -f files merge in order; COMPOSE_FILE; -p and COMPOSE_PROJECT_NAME" {
	two_services
	cat >prod.yaml <<'EOF'
name: fromfile
services:
  web:
    environment:
      GREETING: prod
    ports:
      - "8443:443"
EOF
	export TAG=1.36
	run -0 "$BERTH" compose -f compose.yaml -f prod.yaml config
	[[ "$output" == "name: fromfile"* ]]
	[[ "$output" == *'GREETING: prod'* ]]
	[[ "$output" == *'published: "18081"'* && "$output" == *'published: "8443"'* ]]
	run -0 env COMPOSE_FILE=compose.yaml:prod.yaml COMPOSE_PROJECT_NAME=envname "$BERTH" compose config
	[[ "$output" == "name: envname"* && "$output" == *'GREETING: prod'* ]]
	run -0 env COMPOSE_PROJECT_NAME=envname "$BERTH" compose -p flagname config
	[[ "$output" == "name: flagname"* ]]
	run -1 "$BERTH" compose -p 'Not Valid' config
	[[ "$output" == "berth: invalid project name 'Not Valid'"* ]]
}

@test "compose config: files found from a subdirectory, override file, env-file and project directory" {
	mkdir -p "$BATS_TEST_TMPDIR/My.App/src/deep"
	cd "$BATS_TEST_TMPDIR/My.App"
	printf 'services:\n  a:\n    image: "busybox:${V}"\n' >docker-compose.yml
	printf 'services:\n  a:\n    user: nobody\n' >docker-compose.override.yml
	printf 'V=one\n' >.env
	printf 'V=two\n' >other.env
	cd src/deep
	run -0 "$BERTH" compose config
	[[ "$output" == "name: myapp"* ]]
	[[ "$output" == *'image: busybox:one'* && "$output" == *'user: nobody'* ]]
	run -0 "$BERTH" compose --env-file ../../other.env config
	[[ "$output" == *'image: busybox:two'* ]]
	cd "$BATS_TEST_TMPDIR"
	run -0 "$BERTH" compose --project-directory My.App config
	[[ "$output" == *'image: busybox:one'* ]]
	run -1 "$BERTH" compose config
	[[ "$output" == "berth: no configuration file provided"* ]]
}

@test "compose config: unknown keys are warnings naming the line; unsupported ones too" {
	printf 'version: "3.8"\nservices:\n  a:\n    image: busybox\n    tty: true\n    colour: blue\n' >compose.yaml
	run -0 --separate-stderr "$BERTH" compose config
	[[ "$stderr" == *"compose.yaml:1: the attribute 'version' is obsolete, ignored"* ]]
	[[ "$stderr" == *"compose.yaml:5: services.a.tty is not supported by berth, ignored"* ]]
	[[ "$stderr" == *"compose.yaml:6: unknown key services.a.colour, ignored"* ]]
	[[ "$output" != *colour* ]]
}

# Each bad input: exit 1 and one line, berth: <where>: <why>.
bad_input() {
	run -1 "$BERTH" compose config
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "berth: "* ]]
}

@test "compose config: bad input is one clear line each" {
	printf 'services:\n  a:\n    image: busybox\n   ports: [\n' >compose.yaml
	bad_input
	[[ "$output" == "berth: $P/compose.yaml:4: yaml: "* ]]

	printf 'services:\n  a:\n    image: busybox\n    depends_on: [db]\n' >compose.yaml
	bad_input
	[ "$output" = "berth: service 'a' depends on undefined service 'db'" ]

	printf 'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [c]}\n  c: {image: x, depends_on: [a]}\n' >compose.yaml
	bad_input
	[ "$output" = "berth: dependency cycle between services: a -> b -> c -> a" ]

	printf 'services:\n  a:\n    image: busybox\n    ports:\n      - "70000:80"\n' >compose.yaml
	bad_input
	[ "$output" = "berth: $P/compose.yaml:5: services.a.ports: invalid port '70000:80': host port '70000' is not a port (1-65535) or a range" ]

	printf 'services:\n  a:\n    image: "busybox:${TAG:?set TAG to the release}"\n' >compose.yaml
	bad_input
	[ "$output" = "berth: $P/compose.yaml:3: services.a.image: required variable TAG is missing a value: set TAG to the release" ]

	printf 'services:\n  a:\n    image: busybox\n    restart: sometimes\n' >compose.yaml
	bad_input
	[[ "$output" == "berth: $P/compose.yaml:4: services.a.restart: invalid restart policy 'sometimes'"* ]]

	printf 'services:\n  a:\n    image: busybox\n    volumes: [data:/data]\n' >compose.yaml
	bad_input
	[[ "$output" == "berth: $P/compose.yaml: service 'a' refers to undefined volume 'data'"* ]]
}

@test "compose: the commands not there yet say so; flags are checked" {
	two_services
	run -1 "$BERTH" compose watch
	[ "$output" = "berth: compose watch: not supported yet" ]
	run -1 "$BERTH" compose frobnicate
	[[ "$output" == "berth: compose: 'frobnicate' is not a compose command"* ]]
	run -1 "$BERTH" compose config --no-interpolate
	[ "$output" = "berth: compose config: '--no-interpolate' is not supported yet (see 'berth compose config --help')" ]
	run -0 "$BERTH" compose --help
	[[ "$output" == *"Usage:  berth compose [OPTIONS] COMMAND"* ]]
	run -0 "$BERTH" compose config --help
	[[ "$output" == *"--services"* ]]
}

# docker-compose 1.29 (Debian) as the peer: same files, same services,
# images, environment, ports and dependencies. Its `config` needs no daemon.
@test "compose config: the same model as docker-compose config" {
	command -v docker-compose >/dev/null || skip "docker-compose is not installed (scripts/install-deps installs it)"
	two_services
	printf 'TAG=1.36\n' >.env
	mkdir web data
	cat >override.yaml <<'EOF'
services:
  api:
    environment: [MODE=test, EMPTY=]
    expose: ["8080"]
    volumes: ["./data:/data:ro", "cache:/cache"]
volumes:
  cache: {}
EOF
	"$BERTH" compose -f compose.yaml -f override.yaml config --format json >berth.json
	docker-compose -f compose.yaml -f override.yaml config >peer.yaml
	python3 - berth.json peer.yaml <<'EOF'
import json, sys, yaml
b = json.load(open(sys.argv[1]))
d = yaml.safe_load(open(sys.argv[2]))
def ports(s):
    out = []
    for p in s.get('ports', []):
        if isinstance(p, str):  # docker-compose 1.29 prints IP:HOST:TARGET/PROTO
            ip, host, target = p.split('/')[0].split(':')
            p = {'host_ip': ip, 'published': host, 'target': int(target)}
        out.append((p.get('host_ip'), str(p.get('published')), int(p['target'])))
    return sorted(out)
def volume(v):
    if isinstance(v, str):  # docker-compose 1.29 prints SOURCE:TARGET:MODE
        src, target, mode = v.split(':')
        return ('bind' if src.startswith('/') else 'volume', src, target, mode == 'ro')
    return (v['type'], v.get('source'), v['target'], bool(v.get('read_only')))
def volumes(s):
    return sorted(volume(v) for v in s.get('volumes', []))
assert sorted(b['services']) == sorted(d['services']), (b['services'].keys(), d['services'].keys())
for name, bs in b['services'].items():
    ds = d['services'][name]
    assert bs.get('image') == ds.get('image'), (name, bs.get('image'), ds.get('image'))
    assert (bs.get('environment') or {}) == (ds.get('environment') or {}), (name, bs.get('environment'), ds.get('environment'))
    assert ports(bs) == ports(ds), (name, ports(bs), ports(ds))
    assert volumes(bs) == volumes(ds), (name, volumes(bs), volumes(ds))
    assert sorted(bs.get('depends_on', {})) == sorted(ds.get('depends_on', {})), name
    assert [str(x) for x in bs.get('expose', [])] == [str(x) for x in ds.get('expose', [])], name
    if 'build' in ds:
        assert bs['build']['context'] == ds['build']['context'], (bs['build'], ds['build'])
    if 'healthcheck' in ds:
        assert bs['healthcheck']['test'] == ds['healthcheck']['test']
        assert bs['healthcheck']['interval'] == ds['healthcheck']['interval']
EOF
}
