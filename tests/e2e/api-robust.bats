#!/usr/bin/env bats
# `berth system service` under hostile and concurrent clients (issue #22):
# malformed JSON, wrong types, unknown fields, a body over the limit, clients
# that leave in the middle of a stream or a hijack, 50 clients at once. After
# each, the service still answers and holds no more fds and threads than
# after its start, `system check` is clean, and nothing is left (containers,
# mounts, cgroups). BERTH_ASAN=path of an ASan+UBSan build's berth runs the
# same barrage against that build and fails on any sanitizer report (see
# docs/api.md, "Compose and robustness").

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
	api_service_start
	# the baseline: after start and one answered request
	api GET /_ping >/dev/null
	BASE_FDS=$(service_fds)
	BASE_THREADS=$(service_threads)
	CREATED=()
}

teardown() {
	api_service_stop || true
	remove_containers_and_networks
	for v in $(berth volume ls -q 2>/dev/null); do berth volume rm -f "$v" >/dev/null 2>&1 || true; done
}

# api METHOD PATH [curl args...]: prints the status code; the body is in $BODY.
api() {
	local m=$1 p=$2
	shift 2
	BODY=$BATS_TEST_TMPDIR/body
	curl -sS --max-time 60 --unix-socket "$SOCK" -X "$m" -o "$BODY" -w '%{http_code}' "$@" "http://berth/v1.41$p"
}

# api_json METHOD PATH JSON: the same with a JSON body.
api_json() {
	api "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"
}

service_fds() { ls "/proc/$SERVICE_PID/fd" | wc -l; }
service_threads() { awk '/^Threads:/ {print $2}' "/proc/$SERVICE_PID/status"; }

# The reply in $BODY is Docker's error: an object with a non-empty message.
error_body() {
	jq -e '.message | type == "string" and length > 0' "$BODY" >/dev/null || {
		echo "not an error body: $(head -c 300 "$BODY")"
		return 1
	}
}

# Asserts status $1 for METHOD PATH JSON, with Docker's error body when >= 400.
expect_json() { # STATUS METHOD PATH JSON
	local st
	st=$(api_json "$2" "$3" "$4")
	[[ $st == "$1" ]] || {
		echo "$2 $3 $(head -c 80 <<<"$4"): got $st, want $1: $(head -c 300 "$BODY")"
		return 1
	}
	[[ $1 -lt 400 ]] || error_body
}

# The service answers, and within 20 s holds no more fds and threads than
# after its start; the store is consistent and nothing the test made is left.
service_clean() {
	[ "$(api GET /_ping)" = 200 ]
	[ "$(cat "$BODY")" = OK ]
	local i fds threads c
	# containers hold their layers' locks: removed first
	for c in $(berth ps -aq --no-trunc); do
		berth rm -f "$c" >/dev/null
	done
	for i in $(seq 100); do
		fds=$(service_fds)
		threads=$(service_threads)
		[[ $fds -le $BASE_FDS && $threads -le $BASE_THREADS ]] && break
		sleep 0.2
	done
	[[ $fds -le $BASE_FDS ]] || {
		echo "fds: $fds after, $BASE_FDS after start"
		ls -l "/proc/$SERVICE_PID/fd"
		return 1
	}
	[[ $threads -le $BASE_THREADS ]] || {
		echo "threads: $threads after, $BASE_THREADS after start"
		return 1
	}
	run berth system check
	[ "$status" -eq 0 ] || {
		echo "system check: $output"
		return 1
	}
	[[ -z "$(grep -F " $STORE/" /proc/self/mountinfo)" ]] || {
		echo "mounts left:"
		grep -F " $STORE/" /proc/self/mountinfo
		return 1
	}
	local id
	for id in "${CREATED[@]}"; do
		[[ -z "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d \( -name "berth-$id" -o -path "*/berth/$id" \) -print -quit 2>/dev/null)" ]] || {
			echo "cgroup of $id left"
			return 1
		}
	done
}

# A running container made through the API (OpenStdin and a tty: attach and
# exec -it have something to talk to); its id in $CID.
running_container() { # NAME [CREATE-BODY]
	local body='{"Image":"bb","Cmd":["sh"],"OpenStdin":true,"Tty":true,"HostConfig":{"NetworkMode":"none"}}'
	expect_json 201 POST "/containers/create?name=$1" "${2:-$body}"
	CID=$(jq -r .Id "$BODY")
	CREATED+=("$CID")
	[ "$(api POST "/containers/$CID/start")" = 204 ]
}

bad_bodies() {
	local deep
	# not JSON
	expect_json 400 POST /containers/create '{"Image": "bb",'
	expect_json 400 POST /containers/create 'Image=bb'
	expect_json 400 POST /volumes/create '{"Name": "v1"} trailing'
	expect_json 400 POST /networks/create $'\xff\xfe{}'
	deep=$(printf '[%.0s' $(seq 5000))
	expect_json 400 POST /containers/create "$deep"
	# JSON, but not an object
	expect_json 400 POST /containers/create '[1, 2]'
	expect_json 400 POST /containers/create '"bb"'
	expect_json 400 POST /containers/create '42'
	expect_json 400 POST /volumes/create '[]'
	expect_json 400 POST /networks/create 'true'
	# fields of the wrong type
	expect_json 400 POST /containers/create '{"Image": 5}'
	expect_json 400 POST /containers/create '{"Image": "bb", "Env": "A=1"}'
	expect_json 400 POST /containers/create '{"Image": "bb", "Cmd": ["sh", 1]}'
	expect_json 400 POST /containers/create '{"Image": "bb", "HostConfig": []}'
	expect_json 400 POST /containers/create '{"Image": "bb", "Labels": ["a=b"]}'
	expect_json 400 POST /containers/create '{"Image": "bb", "HostConfig": {"Memory": "lots"}}'
	expect_json 400 POST /networks/create '{"Name": 5}'
	expect_json 400 POST /networks/create '{"Name": "n1", "Labels": "x"}'
	expect_json 400 POST /volumes/create '{"Name": ["v"]}'
	expect_json 400 POST /volumes/create '{"Name": "v2", "Labels": 7}'
	# a query of the wrong kind
	[ "$(api GET '/containers/json?filters=%7Bnot-json')" = 400 ]
	error_body
	[ "$(api GET '/containers/json?filters=%5B1%5D')" = 400 ]
	error_body
}

@test "bad JSON bodies (malformed, not objects, wrong types) get 400 and Docker's error body; nothing is made" {
	bad_bodies
	run berth ps -aq
	[ -z "$output" ]
	run berth volume ls -q
	[ -z "$output" ]
	run berth network ls --format '{{.Name}}'
	[[ "$output" != *n1* ]]
	service_clean
}

@test "unknown fields and query arguments are ignored, as Docker" {
	expect_json 201 POST '/containers/create?name=uf&bogus=1' \
		'{"Image":"bb","Cmd":["true"],"Bogus":1,"Nested":{"a":[1,{}]},"HostConfig":{"NetworkMode":"none","NoSuchOption":true}}'
	CREATED+=("$(jq -r .Id "$BODY")")
	run berth inspect -f '{{.Name}}' uf
	[ "$output" = uf ]
	expect_json 201 POST /volumes/create '{"Name":"v1","Nope":{"a":1}}'
	[ "$(jq -r .Name "$BODY")" = v1 ]
	[ "$(api GET '/containers/json?all=1&whatever=yes')" = 200 ]
	[ "$(jq -r '.[0].Names[0]' "$BODY")" = /uf ]
	[ "$(api DELETE /volumes/v1)" = 204 ]
	service_clean
}

@test "a body over the limit gets 413 with Docker's error body, chunked or not; the service keeps serving" {
	big=$BATS_TEST_TMPDIR/big.json
	python3 -c 'import sys; sys.stdout.write("{\"Image\":\"bb\",\"Labels\":{\"x\":\"" + "a" * (11 << 20) + "\"}}")' >"$big"
	[ "$(api POST /containers/create -H 'Content-Type: application/json' --data-binary "@$big")" = 413 ]
	error_body
	[ "$(api POST /containers/create -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$big")" = 413 ]
	error_body
	# a body just under the limit is read and answered
	python3 -c 'import sys; sys.stdout.write("{\"Image\":\"bb\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"},\"Labels\":{\"x\":\"" + "a" * (9 << 20) + "\"}}")' >"$big"
	[ "$(api POST /containers/create?name=nearly -H 'Content-Type: application/json' --data-binary "@$big")" = 201 ]
	CREATED+=("$(jq -r .Id "$BODY")")
	[ "$(api GET /containers/nearly/json)" = 200 ]
	[ "$(jq -r '.Config.Labels.x | length' "$BODY")" = $((9 << 20)) ]
	service_clean
}

# Streams followed by clients that leave after $1 seconds.
leave_streams() {
	local i
	for i in 1 2 3; do
		curl -s --max-time 1 --unix-socket "$SOCK" -o /dev/null \
			"http://berth/v1.41/containers/$CID/logs?follow=1&stdout=1&stderr=1" || true
		curl -s --max-time 1 --unix-socket "$SOCK" -o /dev/null "http://berth/v1.41/events" || true
		curl -s --max-time 1 --unix-socket "$SOCK" -o /dev/null "http://berth/v1.41/containers/$CID/stats?stream=1" || true
	done
}

@test "clients that leave in the middle of logs -f, events and stats streams" {
	running_container lf '{"Image":"bb","Cmd":["sh","-c","while :; do echo tick; sleep 0.1; done"],"HostConfig":{"NetworkMode":"none"}}'
	run timeout 10 curl -s --max-time 2 --unix-socket "$SOCK" \
		"http://berth/v1.41/containers/$CID/logs?follow=1&stdout=1"
	[[ "$output" == *tick* ]]
	leave_streams
	service_clean
}

# Hijacks (attach, exec start) whose client sends a line, reads a little and
# drops the connection without a word (an RST: SO_LINGER 0).
hijack_and_drop() { # CID
	python3 - "$SOCK" "$1" <<'PY'
import http.client, json, socket, struct, sys
sock_path, cid = sys.argv[1], sys.argv[2]

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.settimeout(10)
    return s

class UnixHTTP(http.client.HTTPConnection):
    def connect(self):
        self.sock = conn()

def call(method, path, body):
    c = UnixHTTP("berth")
    c.request(method, "/v1.41" + path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data!r}")
    return json.loads(data)

def hijack(path, body):
    s = conn()
    data = json.dumps(body).encode()
    s.sendall(f"POST /v1.41{path} HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\n"
              f"Content-Length: {len(data)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n".encode() + data)
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit(f"{path}: closed before the upgrade: {got!r}")
        got += chunk
    if not got.startswith(b"HTTP/1.1 101"):
        sys.exit(f"{path}: no upgrade: {got!r}")
    return s

def drop(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

for _ in range(3):
    s = hijack(f"/containers/{cid}/attach?stream=1&stdin=1&stdout=1&stderr=1", {})
    s.sendall(b"echo attached\n")
    # berth's detached containers keep no stdin (docs/containers.md, attach):
    # the line is dropped and a quiet container may send nothing back
    s.settimeout(1)
    try:
        s.recv(100)
    except TimeoutError:
        pass
    drop(s)
    eid = call("POST", f"/containers/{cid}/exec", {"AttachStdin": True, "AttachStdout": True,
               "AttachStderr": True, "Tty": True, "Cmd": ["sh"]})["Id"]
    s = hijack(f"/exec/{eid}/start", {"Detach": False, "Tty": True})
    s.sendall(b"echo in-exec\n")
    s.recv(100)
    drop(s)
PY
}

@test "clients that drop attach and exec -it hijacks (raw sockets, and docker exec -it killed)" {
	running_container hj
	run hijack_and_drop "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	if [[ -x /usr/bin/docker ]]; then
		# docker's own client on a pty, killed mid-session
		sleep 30 | timeout -s KILL 3 script -qec "/usr/bin/docker -H unix://$SOCK exec -it $CID sh" /dev/null || true
		sleep 30 | timeout -s KILL 3 script -qec "/usr/bin/docker -H unix://$SOCK attach $CID" /dev/null || true
	fi
	# the container lives on and still answers
	[ "$(api GET "/containers/$CID/json")" = 200 ]
	[ "$(jq -r .State.Status "$BODY")" = running ]
	# the dropped exec sessions' shells end with their hijack (SIGHUP)
	for i in $(seq 50); do
		n=$(berth top "$CID" -o comm 2>/dev/null | grep -c '^sh$' || true)
		[[ $n -le 1 ]] && break
		sleep 0.2
	done
	[[ $n -le 1 ]] || {
		berth top "$CID"
		false
	}
	service_clean
}

# An exec client that only half-closes (the end of its stdin, as `echo x |
# docker exec -i`) is not gone: it gets the rest of the output and the exit
# code, with a tty and without (a dropped client, above, ends the exec).
exec_half_close() { # CID
	python3 - "$SOCK" "$1" <<'PY'
import http.client, json, socket, sys
sock_path, cid = sys.argv[1], sys.argv[2]

class UnixHTTP(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sock_path)

def call(method, path, body=None):
    c = UnixHTTP("berth")
    c.request(method, "/v1.41" + path, json.dumps(body) if body is not None else None,
              {"Content-Type": "application/json"})
    r = c.getresponse()
    data = json.loads(r.read())
    c.close()
    return data

def run(cmd, tty, stdin):
    eid = call("POST", f"/containers/{cid}/exec", {"AttachStdin": True, "AttachStdout": True,
               "AttachStderr": True, "Tty": tty, "Cmd": cmd})["Id"]
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    s.settimeout(20)
    body = json.dumps({"Detach": False, "Tty": tty}).encode()
    s.sendall(f"POST /v1.41/exec/{eid}/start HTTP/1.1\r\nHost: berth\r\n"
              f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
              "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n".encode() + body)
    s.sendall(stdin)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while chunk := s.recv(4096):
        out += chunk
    s.close()
    return out, call("GET", f"/exec/{eid}/json")

out, st = run(["cat"], False, b"piped\n")
assert out.endswith(b"\x01\x00\x00\x00\x00\x00\x00\x06piped\n"), out
assert st["ExitCode"] == 0 and not st["Running"], st
out, st = run(["sh"], True, b"echo hi-tty\nexit 3\n")
assert b"hi-tty" in out, out
assert st["ExitCode"] == 3, st
PY
}

@test "exec clients that half-close their stdin get the output and the exit code (tty and not)" {
	running_container hc
	run exec_half_close "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	service_clean
}

# 50 clients at once, each asking something else of the same store: lists,
# inspects, pings, and ten creates; every one gets its own full answer.
fifty_clients() {
	local d=$BATS_TEST_TMPDIR/par i pids=() paths=(/_ping /version /info /containers/json?all=1 /images/json /networks /volumes "/containers/$CID/json" /system/df)
	mkdir -p "$d"
	for i in $(seq 50); do
		if ((i % 5 == 0)); then
			curl -sS --max-time 120 --unix-socket "$SOCK" -o "$d/$i.body" -w '%{http_code}' \
				-H 'Content-Type: application/json' \
				--data-binary '{"Image":"bb","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}' \
				"http://berth/v1.41/containers/create?name=par$i" >"$d/$i.code" &
		else
			curl -sS --max-time 120 --unix-socket "$SOCK" -o "$d/$i.body" -w '%{http_code}' \
				"http://berth/v1.41${paths[i % ${#paths[@]}]}" >"$d/$i.code" &
		fi
		pids+=($!)
	done
	# the clients only: a bare `wait` would wait for the service too
	wait "${pids[@]}"
	for i in $(seq 50); do
		if ((i % 5 == 0)); then
			[ "$(cat "$d/$i.code")" = 201 ] || {
				echo "create $i: $(cat "$d/$i.code") $(cat "$d/$i.body")"
				return 1
			}
			CREATED+=("$(jq -r .Id "$d/$i.body")")
		else
			[ "$(cat "$d/$i.code")" = 200 ] || {
				echo "${paths[i % ${#paths[@]}]}: $(cat "$d/$i.code") $(cat "$d/$i.body")"
				return 1
			}
			[[ ${paths[i % ${#paths[@]}]} == /_ping ]] && { [ "$(cat "$d/$i.body")" = OK ] || return 1; } ||
				jq -e . "$d/$i.body" >/dev/null
		fi
	done
	[ "$(berth ps -a --format '{{.Names}}' | grep -c '^par')" = 10 ]
}

@test "50 concurrent clients each get their answer" {
	running_container conc
	fifty_clients
	service_clean
}

@test "under ASan and UBSan (BERTH_ASAN): the whole barrage, then no sanitizer report at exit" {
	[[ -n ${BERTH_ASAN:-} ]] || skip "set BERTH_ASAN to an ASan+UBSan build's berth (docs/api.md, Compose and robustness)"
	api_service_stop
	# the stopped service leaves its socket file: api_service_start would take
	# it for the new one's before that listens
	rm -f "$SOCK"
	BERTH=$BERTH_ASAN
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
	api_service_start
	api GET /_ping >/dev/null
	BASE_FDS=$(service_fds)
	BASE_THREADS=$(service_threads)
	bad_bodies
	running_container asan
	leave_streams
	run hijack_and_drop "$CID"
	[ "$status" -eq 0 ]
	run exec_half_close "$CID"
	[ "$status" -eq 0 ]
	fifty_clients
	service_clean
	api_service_stop
	run grep -E 'ERROR: (Address|Leak)Sanitizer|Sanitizer has encountered|runtime error:' "$SERVICE_LOG"
	[ "$status" -ne 0 ] || {
		cat "$SERVICE_LOG"
		false
	}
}
