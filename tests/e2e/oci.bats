#!/usr/bin/env bats
# berth-runc (berth oci): runc's command line on a bundle that umoci unpacks
# from an image in berth's store (an OCI layout, refs named as
# docker.io/library/NAME:TAG). Each test has its own state root and bundle;
# teardown deletes (--force) whatever is left there, so no process, cgroup
# or state directory outlives a failed test.

load helpers
load oci-helpers

TOOLS=$BATS_TEST_DIRNAME/../tools

setup_file() {
	oci_setup_file
}

setup() {
	oci_setup
}

teardown() {
	local id pid
	for id in $("$RUNC_BIN" --root "$STATE" list -q 2>/dev/null); do
		"$RUNC_BIN" --root "$STATE" delete --force "$id" 2>/dev/null || true
	done
	# a state directory delete could not read: its process by the PID it records
	for pid in $(cat "$STATE"/*/state.json 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin.read().replace("}{", "}\n{").splitlines():
    print(json.loads(l)["pid"])' 2>/dev/null); do
		[[ $pid -gt 0 ]] && kill -KILL "$pid" 2>/dev/null || true
	done
	[[ -n "${SOCK_PID:-}" ]] && kill "$SOCK_PID" 2>/dev/null || true
	# the cgroupsPath test's parents (and a leaf it made itself), in every hierarchy
	if [[ -n "${CG_PARENT:-}" ]]; then
		for d in /sys/fs/cgroup/"$CG_PARENT" /sys/fs/cgroup/*/"$CG_PARENT" \
			/sys/fs/cgroup/rel-e2e /sys/fs/cgroup/berth/rel-e2e /sys/fs/cgroup/*/rel-e2e \
			$(find /sys/fs/cgroup/ -mindepth 2 -maxdepth 5 -type d -name rel-e2e 2>/dev/null); do
			[[ -d "$d" ]] || continue
			rmdir "$d"/*/ 2>/dev/null
			rmdir "$d" 2>/dev/null || true
		done
	fi
	findmnt -rn -o TARGET | grep -F "$BATS_TEST_TMPDIR" | sort -r | xargs -r -n1 umount -l || true
}

# Writes $BUNDLE/config.json: umoci's, the shared rootfs, process.args "$@",
# terminal ${TERMINAL:-false}. Without the cgroup mount: mounting the
# cgroup hierarchy in the container is wt-ocispec's part of issue 18.
make_config() {
	python3 - "$BATS_FILE_TMPDIR/base/config.json" "$BUNDLE/config.json" "$ROOTFS" \
		"${TERMINAL:-false}" "$@" <<'PY'
import json, sys
src, dst, rootfs, terminal, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
c = json.load(open(src))
c["root"]["path"] = rootfs
c["process"]["args"] = args
c["process"]["terminal"] = terminal == "true"
c["mounts"] = [m for m in c["mounts"] if m["type"] != "cgroup"]
c["annotations"] = {"test.berth": "oci"}
json.dump(c, open(dst, "w"))
PY
}

status_of() {
	runc state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'
}

@test "oci: berth-runc is installed next to berth and berth oci is the same" {
	[ -L "$RUNC_BIN" ]
	run "$RUNC_BIN" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *create* ]]
	run "$BERTH" oci --help
	[ "$status" -eq 0 ]
	[[ "$output" == *create* ]]
}

@test "oci: run prints the container's output and exits with its code" {
	make_config sh -c 'echo hello from the bundle; exit 3'
	run runc run --bundle "$BUNDLE" r1
	[ "$status" -eq 3 ]
	[ "$output" = "hello from the bundle" ]
	# run deletes the container once it has exited
	run runc list -q
	[ "$output" = "" ]
}

@test "oci: a foreground run forwards the caller's signals, SIGWINCH and one it ignored too" {
	make_config sh -c 'trap "echo got-hup" HUP; trap "echo got-winch" WINCH; trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	sh -c 'trap "" TERM; exec "$0" "$@"' "$RUNC_BIN" --root "$STATE" run --bundle "$BUNDLE" f1 \
		</dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$! sig rc=0
	for _ in $(seq 300); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	for sig in HUP WINCH; do
		kill -"$sig" "$pid"
		for _ in $(seq 300); do grep -qi "got-$sig" "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	done
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 7 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf 'ready\ngot-hup\ngot-winch\ngot-term')" ]
}

@test "oci: create, start, state, kill, delete walk the lifecycle" {
	make_config sleep 300
	runc create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1 </dev/null >/dev/null
	[ "$(status_of c1)" = created ]
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	# created: set up and waiting, not yet running the command
	[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" != "sleep 300 " ]
	run runc state c1
	[[ "$output" == *'"pid": '"$pid"* ]]
	[[ "$output" == *'"bundle": "'"$BUNDLE"'"'* ]]
	[[ "$output" == *'"test.berth": "oci"'* ]]
	runc start c1
	[ "$(status_of c1)" = running ]
	[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "sleep 300 " ]
	run runc start c1
	assert_one_error_line "cannot start a container that is running"
	run runc delete c1
	assert_one_error_line "that is running"
	runc kill c1 KILL
	for _ in $(seq 50); do [ "$(status_of c1)" = stopped ] && break; sleep 0.1; done
	[ "$(status_of c1)" = stopped ]
	runc delete c1
	run runc state c1
	assert_one_error_line "container 'c1' does not exist"
	[ ! -e "$STATE/c1" ]
}

@test "oci: exec runs in the container, --pid-file and -d" {
	make_config sleep 300
	runc run -d --bundle "$BUNDLE" e1 </dev/null >/dev/null
	run runc exec e1 sh -c 'echo in the container $(hostname); exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = "in the container $(python3 -c 'import json,sys;print(json.load(open(sys.argv[1])).get("hostname",""))' "$BUNDLE/config.json")" ]
	# it sees the container's processes: its own PID namespace
	run runc exec e1 ps
	[[ "$output" == *"sleep 300"* ]]
	[[ "$output" != *bats* ]]
	echo '{"args": ["sh", "-c", "echo from process.json $A"], "env": ["A=b"], "cwd": "/tmp"}' >"$BATS_TEST_TMPDIR/p.json"
	run runc exec --process "$BATS_TEST_TMPDIR/p.json" e1
	[ "$output" = "from process.json b" ]
	runc exec -d --pid-file "$BATS_TEST_TMPDIR/epid" e1 sleep 200 </dev/null >/dev/null
	epid=$(cat "$BATS_TEST_TMPDIR/epid")
	[ "$(tr '\0' ' ' </proc/"$epid"/cmdline)" = "sleep 200 " ]
	run runc ps --format json e1
	[[ "$output" == *"$epid"* ]]
}

@test "oci: the console socket receives the pty master" {
	TERMINAL=true make_config sh -c '[ -t 0 ] && [ -t 1 ] && echo is a terminal'
	"$TOOLS/console-socket" "$BATS_TEST_TMPDIR/console.sock" "$BATS_TEST_TMPDIR/console.out" &
	SOCK_PID=$!
	for _ in $(seq 50); do [ -S "$BATS_TEST_TMPDIR/console.sock" ] && break; sleep 0.1; done
	runc create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/console.sock" t1
	runc start t1
	wait "$SOCK_PID"
	run cat "$BATS_TEST_TMPDIR/console.out"
	[[ "$output" == *fd-received* ]]
	[[ "$output" == *"is a terminal"* ]]
	# without a console socket a detached terminal has nowhere to go
	run runc create --bundle "$BUNDLE" t2
	assert_one_error_line "needs --console-socket"
	[ ! -e "$STATE/t2" ]
}

@test "oci: list, ps, pause and resume" {
	make_config sleep 300
	runc run -d --bundle "$BUNDLE" l1 </dev/null >/dev/null
	run runc list
	[[ "${lines[0]}" == ID*PID*STATUS*BUNDLE* ]]
	[[ "${lines[1]}" == l1*running*"$BUNDLE"* ]]
	run runc list --format json
	[[ "$output" == *'"id": "l1"'* ]]
	run runc ps l1
	[[ "$output" == *"sleep 300"* ]]
	runc pause l1
	[ "$(status_of l1)" = paused ]
	run runc pause l1
	assert_one_error_line "that is paused"
	runc resume l1
	[ "$(status_of l1)" = running ]
	run runc events --stats l1
	[[ "$output" == '{"type":"stats","id":"l1"'* ]]
}

@test "oci: kill --all and delete --force of a running container" {
	make_config sh -c 'sleep 300 & sleep 301'
	runc run -d --bundle "$BUNDLE" k1 </dev/null >/dev/null
	for _ in $(seq 50); do [ "$(runc ps --format json k1 | tr -cd , | wc -c)" -ge 2 ] && break; sleep 0.1; done
	runc kill --all k1 KILL
	for _ in $(seq 50); do [ "$(status_of k1)" = stopped ] && break; sleep 0.1; done
	[ "$(status_of k1)" = stopped ]
	runc delete k1
	make_config sleep 300
	runc run -d --bundle "$BUNDLE" k2 </dev/null >/dev/null
	pid=$(runc state k2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	runc delete --force k2
	[ ! -e "$STATE/k2" ]
	for _ in $(seq 50); do [ -e /proc/"$pid" ] || break; [ "$(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null)" = Z ] && break; sleep 0.1; done
	! grep -q sleep /proc/"$pid"/cmdline 2>/dev/null || [ "$(awk '{print $3}' /proc/"$pid"/stat)" = Z ]
}

@test "oci: bad input is one error line and leaves nothing behind" {
	run runc create --bundle "$BATS_TEST_TMPDIR/nowhere" b1
	assert_one_error_line "bundle '.*nowhere'"
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	run runc create --bundle "$BUNDLE" b1
	assert_one_error_line "$BUNDLE/config.json"
	[ ! -e "$STATE/b1" ]
	make_config sleep 300
	runc create --bundle "$BUNDLE" b1 </dev/null >/dev/null
	run runc create --bundle "$BUNDLE" b1
	assert_one_error_line "container 'b1' already exists"
	[ "$(status_of b1)" = created ]
	run runc create --bundle "$BUNDLE" ../evil
	assert_one_error_line "invalid container id"
	run runc kill b1 NOSUCHSIG
	assert_one_error_line "invalid signal"
	run runc --systemd-cgroup state b1
	assert_one_error_line "systemd-cgroup"
	run runc nosuchverb
	assert_one_error_line "not a berth-runc command"
}

@test "oci: --log-format json writes runc's error line" {
	run "$RUNC_BIN" --root "$STATE" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nope
	[ "$status" -eq 1 ]
	python3 -c '
import json, sys
l = json.loads(open(sys.argv[1]).readline())
assert l["level"] == "error" and "nope" in l["msg"] and l["time"], l' "$BATS_TEST_TMPDIR/log.json"
}

@test "oci: spec writes a config.json that runs, features lists what berth knows" {
	cd "$BUNDLE"
	runc spec
	run runc spec
	assert_one_error_line "config.json' exists"
	python3 -c 'import json; c = json.load(open("config.json")); assert c["process"]["args"] == ["sh"] and c["root"]["path"] == "rootfs"'
	# it runs (its terminal off and a command that ends: bats has no terminal)
	ln -s "$ROOTFS" rootfs
	python3 -c '
import json; c = json.load(open("config.json"))
c["process"]["terminal"] = False; c["process"]["args"] = ["echo", "spec ok"]
json.dump(c, open("config.json", "w"))'
	run runc run s1
	[ "$status" -eq 0 ]
	[ "$output" = "spec ok" ]
	run runc features
	[ "$status" -eq 0 ]
	python3 -c '
import json, sys
f = json.loads(sys.argv[1])
assert "pid" in f["linux"]["namespaces"] and "rbind" in f["mountOptions"], f' "$output"
}

# Adds hooks to $BUNDLE/config.json: POINT=COMMAND pairs, each run as sh -c COMMAND.
add_hooks() {
	python3 - "$BUNDLE/config.json" "$@" <<'PY'
import json, sys
path, pairs = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
for p in pairs:
    point, cmd = p.split("=", 1)
    c.setdefault("hooks", {}).setdefault(point, []).append(
        {"path": "/bin/sh", "args": ["sh", "-c", cmd]})
json.dump(c, open(path, "w"))
PY
}

@test "oci: hooks run at their points with the state on stdin; a failing poststart is a warning" {
	make_config sleep 300
	local d=$BATS_TEST_TMPDIR
	add_hooks "createRuntime=cat >$d/createRuntime.json" "poststart=cat >$d/poststart.json" \
		"poststop=cat >$d/poststop.json" "poststart=echo no >&2; exit 3"
	runc create --bundle "$BUNDLE" h1 </dev/null >/dev/null
	[ -s "$d/createRuntime.json" ]
	[ ! -e "$d/poststart.json" ]
	run runc start h1
	[ "$status" -eq 0 ]
	[[ "$output" == *"poststart hook of 'h1'"*"exit"* ]]
	state() { python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["id"], s["status"], s["bundle"])' "$1"; }
	[ "$(state "$d/createRuntime.json")" = "h1 creating $BUNDLE" ]
	[ "$(state "$d/poststart.json")" = "h1 running $BUNDLE" ]
	runc kill h1 KILL
	for _ in $(seq 50); do [ "$(status_of h1)" = stopped ] && break; sleep 0.1; done
	runc delete h1
	[ "$(state "$d/poststop.json")" = "h1 stopped $BUNDLE" ]
}

@test "oci: without post hooks, start and delete do not read config.json again" {
	make_config sleep 300
	runc create --bundle "$BUNDLE" nh1 </dev/null >/dev/null
	# what start or delete would warn about if they parsed it
	echo 'not json' >"$BUNDLE/config.json"
	run runc start nh1
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	runc kill nh1 KILL
	for _ in $(seq 50); do [ "$(status_of nh1)" = stopped ] && break; sleep 0.1; done
	run runc delete nh1
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "oci: run --preserve-fds N passes the caller's fds 3..3+N-1 to the process" {
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	make_config sh -c 'cat <&3; cat <&4'
	run runc run --bundle "$BUNDLE" --preserve-fds 2 p1 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
	[ "$status" -eq 0 ]
	[ "$output" = $'three\nfour' ]
	# create passes them on too: the process reads fd 3 once started
	make_config sh -c 'cat <&3'
	runc create --bundle "$BUNDLE" --preserve-fds 1 p2 3<"$BATS_TEST_TMPDIR/f3" </dev/null >"$BATS_TEST_TMPDIR/out2"
	runc start p2
	for _ in $(seq 50); do [ "$(status_of p2)" = stopped ] && break; sleep 0.1; done
	[ "$(cat "$BATS_TEST_TMPDIR/out2")" = three ]
	# without the flag nothing of the caller's past stdio reaches the container
	make_config sh -c 'cat <&3'
	run runc run --bundle "$BUNDLE" p3 3<"$BATS_TEST_TMPDIR/f3"
	[ "$status" -ne 0 ]
	[[ "$output" != *three* ]]
	run runc run --bundle "$BUNDLE" --preserve-fds 1 p4 3<&-
	assert_one_error_line "fd 3 of the 1 to preserve is not open"
	run runc run --bundle "$BUNDLE" --preserve-fds -1 p5
	assert_one_error_line "invalid --preserve-fds"
}

@test "oci: spec --rootless changes what runc spec --rootless changes" {
	local real
	real=$(type -P runc) || skip "runc is not installed"
	mkdir "$BUNDLE"/{b,br,r,rr}
	(cd "$BUNDLE/b" && runc spec)
	(cd "$BUNDLE/br" && runc spec --rootless)
	(cd "$BUNDLE/r" && "$real" spec)
	(cd "$BUNDLE/rr" && "$real" spec --rootless)
	python3 - "$BUNDLE" "$(id -u)" "$(id -g)" <<'PY'
import json, sys
d, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = {k: json.load(open(f"{d}/{k}/config.json")) for k in ("b", "br", "r", "rr")}
ns = {k: {n["type"] for n in v["linux"]["namespaces"]} for k, v in c.items()}
mounts = {k: {m["destination"]: (m["type"], m.get("source"), tuple(m.get("options", [])))
              for m in v["mounts"]} for k, v in c.items()}
# the namespaces rootless adds and drops
assert ns["br"] - ns["b"] == ns["rr"] - ns["r"] == {"user"}, ns
assert ns["b"] - ns["br"] == ns["r"] - ns["rr"] == {"network"}, ns
# the mounts it changes, and how
changed = lambda a, b: {m for m in mounts[a] if mounts[a][m] != mounts[b].get(m)}
assert changed("br", "b") == changed("rr", "r"), (changed("br", "b"), changed("rr", "r"))
assert set(mounts["br"]) - set(mounts["b"]) == set(mounts["rr"]) - set(mounts["r"])
assert mounts["br"]["/sys"] == mounts["rr"]["/sys"], (mounts["br"]["/sys"], mounts["rr"]["/sys"])
assert mounts["br"]["/dev/pts"] == mounts["rr"]["/dev/pts"]
want = lambda i: [{"containerID": 0, "hostID": i, "size": 1}]
for k in ("br", "rr"):
    assert c[k]["linux"]["uidMappings"] == want(uid) and c[k]["linux"]["gidMappings"] == want(gid), c[k]["linux"]
assert not c["br"]["linux"].get("resources", {}).get("devices")
PY
	# and it runs
	cd "$BUNDLE/br"
	ln -s "$ROOTFS" rootfs
	python3 -c '
import json; c = json.load(open("config.json"))
c["process"]["terminal"] = False; c["process"]["args"] = ["sh", "-c", "id -u; cat /proc/self/uid_map"]
json.dump(c, open("config.json", "w"))'
	run runc run rl1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" = 0 ]]
	[[ "${lines[1]}" =~ ^\ +0\ +$(id -u)\ +1$ ]]
}

# The file FILE of the cgroup of PID's controller CTRL (v1), or of its v2 cgroup.
cg_file() {
	local pid=$1 ctrl=$2 file=$3 path
	path=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/"$pid"/cgroup)
	if [[ -n "$path" && -d /sys/fs/cgroup/$ctrl$path ]]; then
		cat "/sys/fs/cgroup/$ctrl$path/$file"
	else
		cat "/sys/fs/cgroup$(awk -F: '$1 == "0" { print $3 }' /proc/"$pid"/cgroup)/$file"
	fi
}

@test "oci: update writes runc's resource flags and --resources to the cgroup files" {
	make_config sleep 300
	python3 - "$BUNDLE/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["resources"] = {"cpu": {"cpus": "0"}}
json.dump(c, open(sys.argv[1], "w"))
PY
	runc run -d --bundle "$BUNDLE" u1 </dev/null >/dev/null
	pid=$(runc state u1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	v2=false
	[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && v2=true
	[ "$(cg_file "$pid" cpuset cpuset.cpus)" = 0 ]
	run runc update --memory 64m --memory-reservation 32m --cpu-shares 512 --cpu-quota 50000 \
		--cpu-period 100000 --pids-limit 40 --cpuset-cpus 0-1 --kernel-memory 8m u1
	[ "$status" -eq 0 ]
	[[ "$output" == *"memory.kernel is not supported"* ]]
	[ "$(cg_file "$pid" pids pids.max)" = 40 ]
	[ "$(cg_file "$pid" cpuset cpuset.cpus)" = 0-1 ]
	if $v2; then
		[ "$(cg_file "$pid" memory memory.max)" = 67108864 ]
		[ "$(cg_file "$pid" memory memory.low)" = 33554432 ]
		[ "$(cg_file "$pid" cpu cpu.weight)" = 20 ]
		[ "$(cg_file "$pid" cpu cpu.max)" = "50000 100000" ]
	else
		[ "$(cg_file "$pid" memory memory.limit_in_bytes)" = 67108864 ]
		[ "$(cg_file "$pid" memory memory.soft_limit_in_bytes)" = 33554432 ]
		[ "$(cg_file "$pid" cpu cpu.shares)" = 512 ]
		[ "$(cg_file "$pid" cpu cpu.cfs_quota_us)" = 50000 ]
	fi
	# --resources -: a linux.resources object on stdin; a flag given after it wins
	echo '{"cpu": {"shares": 1024}, "pids": {"limit": 50}}' | runc update --resources - --pids-limit 60 u1
	[ "$(cg_file "$pid" pids pids.max)" = 60 ]
	if $v2; then
		[ "$(cg_file "$pid" cpu cpu.weight)" = 39 ]
	else
		[ "$(cg_file "$pid" cpu cpu.shares)" = 1024 ]
	fi
	run runc update --l3-cache-schema L3:0=f u1
	assert_one_error_line "Intel RDT"
	run runc update --cpuset-cpus '0;1' u1
	assert_one_error_line "invalid cpu or node list"
	run runc update --blkio-weight 5 u1
	assert_one_error_line "out of range"
}

@test "oci: linux.cgroupsPath puts the container there (absolute or relative); one made before is left" {
	local parent=berth-e2e-$$ v1=true
	[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && v1=false
	CG_PARENT=$parent # teardown removes it from every hierarchy
	make_config sleep 300
	python3 - "$BUNDLE/config.json" "/$parent/c1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = sys.argv[2]
c["linux"]["resources"] = {"memory": {"limit": 33554432}, "pids": {"limit": 30}}
json.dump(c, open(sys.argv[1], "w"))
PY
	runc run -d --bundle "$BUNDLE" cp1 </dev/null >/dev/null
	pid=$(runc state cp1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	if $v1; then
		grep -q "^[0-9]*:pids:/$parent/c1\$" /proc/"$pid"/cgroup
		grep -q "^[0-9]*:memory:/$parent/c1\$" /proc/"$pid"/cgroup
		[ "$(cat /sys/fs/cgroup/memory/$parent/c1/memory.limit_in_bytes)" = 33554432 ]
		[ "$(cat /sys/fs/cgroup/pids/$parent/c1/pids.max)" = 30 ]
	else
		grep -q "^0::/$parent/c1\$" /proc/"$pid"/cgroup
		[ "$(cat /sys/fs/cgroup/$parent/c1/memory.max)" = 33554432 ]
		[ "$(cat /sys/fs/cgroup/$parent/c1/pids.max)" = 30 ]
	fi
	# exec joins it
	run runc exec cp1 cat /proc/self/cgroup
	[[ "$output" == *"/$parent/c1"* || "$output" == *"0::/"* ]]
	runc delete --force cp1
	[ ! -e /sys/fs/cgroup/pids/$parent/c1 ] && [ ! -e /sys/fs/cgroup/$parent/c1 ]
	# made before create (as an engine does): used, and still there after delete
	if $v1; then mkdir -p /sys/fs/cgroup/pids/$parent/c1; else mkdir -p /sys/fs/cgroup/$parent/c1; fi
	runc run -d --bundle "$BUNDLE" cp2 </dev/null >/dev/null
	runc delete --force cp2
	if $v1; then [ -d /sys/fs/cgroup/pids/$parent/c1 ] && [ ! -e /sys/fs/cgroup/memory/$parent/c1 ]; else [ -d /sys/fs/cgroup/$parent/c1 ]; fi
	# relative: below where berth puts its own
	python3 - "$BUNDLE/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = "rel-e2e/c3"
json.dump(c, open(sys.argv[1], "w"))
PY
	runc run -d --bundle "$BUNDLE" cp3 </dev/null >/dev/null
	pid=$(runc state cp3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
	grep -q "/rel-e2e/c3\$" /proc/"$pid"/cgroup
	runc delete --force cp3
	# systemd's form: one clear line
	python3 - "$BUNDLE/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["cgroupsPath"] = "system.slice:berth:c4"
json.dump(c, open(sys.argv[1], "w"))
PY
	run runc run --bundle "$BUNDLE" cp4
	assert_one_error_line "linux: cgroupsPath .system.slice:berth:c4.: the systemd form .slice:prefix:name. is not supported"
}

# Sets $BUNDLE/config.json's field at a dotted path to a JSON value: PATH=JSON pairs.
set_fields() {
	python3 - "$BUNDLE/config.json" "$@" <<'PY'
import json, sys
path, pairs = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
for p in pairs:
    key, value = p.split("=", 1)
    *parents, last = key.split(".")
    o = c
    for k in parents:
        o = o.setdefault(k, {})
    o[last] = json.loads(value)
json.dump(c, open(path, "w"))
PY
}

@test "oci: seccomp args and errnoRet, personality, ioPriority, scheduler, rootfsPropagation, labels" {
	make_config sh -c 'touch /tmp/f; chmod 755 /tmp/f && echo chmod755 ok;
		chmod 700 /tmp/f || echo chmod700 refused;
		cat /proc/self/personality; ionice;
		set -- $(cat /proc/self/stat); shift 18; echo nice=$1; shift 22; echo policy=$1;
		awk '\''$5 == "/" { print "root", ($7 ~ /^shared:/ ? "shared" : "private") }'\'' /proc/self/mountinfo'
	set_fields \
		'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"names":["chmod"],"action":"SCMP_ACT_ERRNO","errnoRet":18,"args":[{"index":1,"value":448,"op":"SCMP_CMP_EQ"}]},{"names":["fchmodat"],"action":"SCMP_ACT_ERRNO","errnoRet":18,"args":[{"index":2,"value":448,"op":"SCMP_CMP_EQ"}]}]}' \
		'linux.personality={"domain":"LINUX32"}' \
		'process.ioPriority={"class":"IOPRIO_CLASS_IDLE"}' \
		'process.scheduler={"policy":"SCHED_BATCH","nice":4}' \
		'linux.rootfsPropagation="shared"' \
		'process.apparmorProfile="berth-test"'
	[[ -e /sys/kernel/security/apparmor || -e /sys/fs/selinux/enforce ]] &&
		skip "the host has AppArmor or SELinux: labels are refused there"
	run --separate-stderr runc run --bundle "$BUNDLE" attrs
	[ "$status" -eq 0 ]
	echo "$output"
	echo "stderr: $stderr"
	[[ "$output" == *"chmod755 ok"* ]]
	# the errnoRet of the rule (EXDEV) for the mode it matches
	[[ "$output" == *"chmod700 refused"* ]]
	[[ "$stderr" == *"Invalid cross-device link"* ]]
	[[ "$output" == *"00000008"* ]]
	[[ "$output" == *"idle"* ]]
	[[ "$output" == *"nice=4"* ]]
	[[ "$output" == *"policy=3"* ]]
	[[ "$output" == *"root shared"* ]]
	# one warning for the label
	[ "$(grep -c 'apparmorProfile ignored' <<<"$stderr")" -eq 1 ]
}

@test "oci: SCMP_ACT_NOTIFY, an unknown seccomp flag and a bad personality are refused in one line" {
	make_config true
	set_fields 'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}'
	run runc run --bundle "$BUNDLE" n1
	assert_one_error_line "SCMP_ACT_NOTIFY is not supported"
	make_config true
	set_fields 'linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NOPE"]}'
	run runc run --bundle "$BUNDLE" n2
	assert_one_error_line "seccomp flag 'SECCOMP_FILTER_FLAG_NOPE' is not supported"
	make_config true
	set_fields 'linux.personality={"domain":"LINUX64"}'
	run runc run --bundle "$BUNDLE" n3
	assert_one_error_line "personality domain 'LINUX64' is not supported"
	[ -z "$(runc list -q)" ]
}

@test "oci: exec --process applies the process's scheduler and ioPriority" {
	make_config sleep 300
	runc run -d --bundle "$BUNDLE" ea </dev/null >/dev/null
	cat >"$BATS_TEST_TMPDIR/p.json" <<'JSON'
{"args": ["sh", "-c", "ionice; set -- $(cat /proc/self/stat); shift 18; echo nice=$1; shift 22; echo policy=$1"],
 "cwd": "/", "scheduler": {"policy": "SCHED_BATCH", "nice": 6},
 "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 5}}
JSON
	run runc exec --process "$BATS_TEST_TMPDIR/p.json" ea
	[ "$status" -eq 0 ]
	[[ "$output" == *"best-effort"*"5"* ]]
	[[ "$output" == *"nice=6"* ]]
	[[ "$output" == *"policy=3"* ]]
	# what the kernel refuses names the field
	echo '{"args": ["true"], "cwd": "/", "scheduler": {"policy": "SCHED_DEADLINE", "runtime": 20000000, "deadline": 10000000, "period": 30000000}}' >"$BATS_TEST_TMPDIR/bad.json"
	run runc exec --process "$BATS_TEST_TMPDIR/bad.json" ea
	assert_one_error_line "process.scheduler: "
}

@test "oci: runc spec's own config.json runs; the ambient capabilities it does not make inheritable are skipped, as runc does" {
	local real
	real=$(type -P runc) || skip "runc is not installed"
	(cd "$BUNDLE" && "$real" spec)
	python3 - "$BUNDLE/config.json" "$ROOTFS" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["process"]["capabilities"]["ambient"] and not c["process"]["capabilities"].get("inheritable")
c["root"]["path"] = sys.argv[2]
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "grep ^CapAmb /proc/self/status; echo ok"]
json.dump(c, open(sys.argv[1], "w"))
PY
	run runc run --bundle "$BUNDLE" rs1 </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *$'CapAmb:\t0000000000000000'*ok ]]
}
