# Shared by every tests/e2e/*.bats file. Each test gets its own store under
bats_require_minimum_version 1.5.0
# $BATS_TEST_TMPDIR (never /var/lib/berth) and the `berth` function runs the
# real binary against it.
BERTH=${BERTH:-$BATS_TEST_DIRNAME/../../build/src/berth/berth}
FIXTURES=$BATS_TEST_DIRNAME/../fixtures
CONFORMANCE=${CONFORMANCE:-${BERTH_CONFORMANCE:-$BATS_TEST_DIRNAME/../../../shared/conformance}}

# Skips the test, saying why, when the shared conformance data ($1 inside it)
# is absent: a clone anywhere but beside ../shared.
need_conformance() {
	[[ -e $CONFORMANCE/$1 ]] ||
		skip "conformance data '$1' not found in $CONFORMANCE (clone ../shared beside the repository or set BERTH_CONFORMANCE)"
}

berth() {
	"$BERTH" --root "$STORE" "$@"
}

# True inside the network namespace scripts/in-netns made for this run.
in_private_netns() {
	[[ -n "${BERTH_TEST_NETNS:-}" && "$(readlink /proc/self/ns/net)" == "$BERTH_TEST_NETNS" ]]
}

common_setup() {
	# run's default network is a bridge: a test must never create one on the
	# machine's own network
	in_private_netns || {
		echo "e2e tests run in a network namespace of their own: scripts/e2e ${BATS_TEST_FILENAME#"$PWD/"}" >&2
		return 1
	}
	STORE=$BATS_TEST_TMPDIR/store
	export STORE
}

# fixture_tar NAME SCRIPT [ARG...]: $BATS_FILE_TMPDIR/NAME, made once per
# test file by tests/fixtures/SCRIPT ARG... OUT. Under scripts/e2e-suite
# (`make check`) it is made once per run: a copy of the tarball cached in
# $BERTH_FIXTURE_RUN_DIR under the hash of the script and its arguments
# (written under a temporary name and renamed, so lanes racing to make it
# each see a whole one).
fixture_tar() {
	local t=$BATS_FILE_TMPDIR/$1 script=$FIXTURES/$2 c
	shift 2
	if [[ ! -f $t ]]; then
		if [[ -n ${BERTH_FIXTURE_RUN_DIR:-} ]]; then
			c=$BERTH_FIXTURE_RUN_DIR/$({ cat "$script"; echo "$*"; } | sha256sum | cut -c1-32).tar
			[[ -f $c ]] || { "$script" "$@" "$c.$$" && mv "$c.$$" "$c"; } || return 1
			cp "$c" "$t"
		else
			"$script" "$@" "$t"
		fi
	fi
	echo "$t"
}

# The busybox base rootfs tarball.
busybox_tar() { fixture_tar busybox.tar mkbase-busybox; }

# The same with the dynamically linked busybox and its glibc, whose name
# lookups work (/etc/hosts, DNS): for the networking tests.
busybox_dyn_tar() { fixture_tar busybox-dyn.tar mkbase-busybox --dynamic; }

# A compose project's directory $P, made the current one, and its base image
# TAG: busybox (with dyn, the dynamically linked one whose lookups read
# /etc/hosts) and an empty /www for the services' httpd.
compose_project_setup() { # TAG [dyn]
	local b=$BATS_TEST_TMPDIR/base tar
	if [[ ${2:-} == dyn ]]; then tar=$(busybox_dyn_tar); else tar=$(busybox_tar); fi
	mkdir -p "$b/rootfs/www"
	tar -C "$b/rootfs" -xf "$tar"
	printf 'FROM scratch\nCOPY rootfs/ /\n' >"$b/Dockerfile"
	berth build -q -t "$1" "$b" >/dev/null
	P=$BATS_TEST_TMPDIR/proj
	mkdir -p "$P"
	cd "$P"
}

# wait_until SECONDS CMD [ARG...]: runs CMD every 0.1 s until it succeeds,
# for SECONDS at most (then fails). A test waits so on what it needs to have
# happened, where a fixed sleep is too short on a loaded machine and too
# long on an idle one.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# Asserts the last `run` failed with exactly one stderr line "berth: ..." matching $1.
assert_one_error_line() {
	[[ "$status" -ne 0 ]] || { echo "expected failure, got status 0"; return 1; }
	local lines
	lines=$(printf '%s\n' "$output" | grep -c .)
	[[ "$lines" -eq 1 ]] || { echo "expected one line, got: $output"; return 1; }
	[[ "$output" == berth:* ]] || { echo "expected 'berth: ...', got: $output"; return 1; }
	if [[ -n "${1:-}" ]]; then
		[[ "$output" =~ $1 ]] || { echo "expected /$1/, got: $output"; return 1; }
	fi
}

# ---- layers (tests/e2e/layer*.bats, bench/layer) ----
# The layer library's test driver (tests/layer-hostile/layer-tool.c), built beside berth.
LAYER_TOOL=${LAYER_TOOL:-$(dirname "$BERTH")/../../tests/unit/layer-tool}
LAYER_SCRIPTS=$BATS_TEST_DIRNAME/../layer-hostile
layer_tool() { "$LAYER_TOOL" "$@"; }

# Writes a one-manifest OCI image layout at $1 tagged $2 from layer files
# ($3...: each "path" of a layer blob; gzip/zstd/plain detected). Prints nothing.
oci_layout_from_layers() {
	local dir=$1 tag=$2
	shift 2
	mkdir -p "$dir/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	local layers="" diffs="" l d mt size
	for l in "$@"; do
		d=$(sha256sum "$l" | cut -d' ' -f1)
		cp "$l" "$dir/blobs/sha256/$d"
		size=$(stat -c %s "$l")
		case $(head -c4 "$l" | od -An -tx1 | tr -d ' \n') in
		1f8b*) mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
		28b52ffd) mt=application/vnd.oci.image.layer.v1.tar+zstd ;;
		*) mt=application/vnd.oci.image.layer.v1.tar ;;
		esac
		layers+="${layers:+,}{\"mediaType\":\"$mt\",\"digest\":\"sha256:$d\",\"size\":$size}"
		diffs+="${diffs:+,}\"$(layer_tool diffid "$l")\""
	done
	local config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diffs]}}"
	local cd
	cd=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
	printf '%s' "$config" >"$dir/blobs/sha256/$cd"
	local manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cd\",\"size\":${#config}},\"layers\":[$layers]}"
	local md
	md=$(printf '%s' "$manifest" | sha256sum | cut -d' ' -f1)
	printf '%s' "$manifest" >"$dir/blobs/sha256/$md"
	echo "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$md\",\"size\":${#manifest},\"annotations\":{\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" >"$dir/index.json"
}

# ---- images of many layers (run-image.bats, build.bats) ----
# `berth load`s an image tagged $2 of $1 layers: layer 1 is the busybox
# fixture plus /f1, layer i adds /f<i>, and every layer writes /top with its
# number, so /top shows which layer overlay put on top. The oci-archive of
# tiny plain tars is written by one python3 process: a few seconds for 200
# layers, where a Dockerfile of 200 RUNs or a tar and a hash process per
# layer take minutes on a busy machine.
load_many_layer_image() {
	local d=$BATS_TEST_TMPDIR/many-$1
	mkdir -p "$d"
	python3 - "$1" "$2" "$(busybox_tar)" "$d/image.tar" <<'PY'
import hashlib, io, json, sys, tarfile
n, tag, base, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
blobs = {}
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    blobs[d] = data
    return d
def add(t, name, data):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
    t.addfile(ti, io.BytesIO(data))
layers = []
for i in range(1, n + 1):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        if i == 1:
            with tarfile.open(base) as b:
                for m in b.getmembers():
                    t.addfile(m, b.extractfile(m) if m.isfile() else None)
        add(t, "f%d" % i, b"%d\n" % i)
        add(t, "top", b"%d\n" % i)
    data = buf.getvalue()
    layers.append((blob(data), len(data)))
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers",
                             "diff_ids": ["sha256:" + d for d, _ in layers]}}).encode()
man = json.dumps({"schemaVersion": 2,
                  "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                             "digest": "sha256:" + blob(cfg), "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                              "digest": "sha256:" + d, "size": s} for d, s in layers]}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json",
     "digest": "sha256:" + blob(man), "size": len(man),
     "annotations": {"org.opencontainers.image.ref.name": tag}}]}).encode()
with tarfile.open(out, "w") as t:
    add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    add(t, "index.json", index)
    for d, data in blobs.items():
        add(t, "blobs/sha256/" + d, data)
PY
	berth load -q -i "$d/image.tar" >/dev/null
}

# ---- run: nothing left behind (tests/e2e/run.bats) ----
# Runs `berth run --rm "$@" hostname` $1 times (the hostname is the short id,
# so the test knows every container it made) and asserts nothing of them is
# left: no mount naming the store, no cgroup directory of theirs in any
# controller tree (v1 berth-<id>, v2 berth/<id>), no process of the store,
# nothing in the store's containers/ and tmp/. Other helpers run containers
# at the same time, so everything is matched by id or store, never counted.
assert_run_rm_leaves_nothing() {
	local n=$1 i short ids=$BATS_TEST_TMPDIR/cleanup-ids
	shift
	: >"$ids"
	for ((i = 1; i <= n; i++)); do
		short=$(berth run --rm "$@" hostname) || { echo "run $i failed: $short"; return 1; }
		[[ $short =~ ^[0-9a-f]{12}$ ]] || { echo "run $i: unexpected hostname '$short'"; return 1; }
		echo "$short" >>"$ids"
	done
	[[ $(sort -u "$ids" | wc -l) -eq $n ]] || { echo "ids are not unique"; return 1; }
	if findmnt -rn -o TARGET,SOURCE,FS-OPTIONS | grep -F "$STORE"; then
		echo "a mount of the store is left"
		return 1
	fi
	local left
	left=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d \( -name 'berth-*' -o -path '*/berth/*' \) \
		-printf '%f\n' 2>/dev/null | sed 's/^berth-//' | cut -c1-12 | grep -Fxf "$ids" || true)
	[[ -z $left ]] || { echo "cgroups left: $left"; return 1; }
	if pgrep -af "$STORE"; then
		echo "a process of the store is left"
		return 1
	fi
	[[ -z $(ls -A "$STORE/containers" 2>/dev/null) ]] || { ls -la "$STORE/containers"; return 1; }
	[[ -z $(ls -A "$STORE/tmp" 2>/dev/null) ]] || { ls -la "$STORE/tmp"; return 1; }
}

# The networking files' fixture (network.bats, network-dns.bats): a rootfs
# of the dynamically linked busybox (its name lookups read /etc/hosts) whose
# /www/index.html says $1, in $ROOTFS; call it from setup_file.
net_fixture_setup() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, bridges)"
	ROOTFS=$BATS_FILE_TMPDIR/rootfs
	export ROOTFS
	mkdir -p "$ROOTFS/www"
	tar -C "$ROOTFS" -xf "$(busybox_dyn_tar)"
	echo "$1" >"$ROOTFS/www/index.html"
}

# The networking files' teardown: every container of the test removed
# through berth (by the ids it knows), then what the test mounted.
net_fixture_teardown() {
	if [[ -d $STORE/containers ]]; then
		for c in $(berth ps -aq --no-trunc 2>/dev/null); do
			berth rm -f "$c" >/dev/null 2>&1 || true
		done
	fi
	findmnt -rn -o TARGET | grep -F "$BATS_TEST_TMPDIR" | sort -r | xargs -r -n1 umount -l || true
}

# run on the fixture's rootfs.
brun() {
	berth run --rootfs "$ROOTFS" "$@"
}

# Removes every container and network of the test's store (compose tests' teardown).
remove_containers_and_networks() {
	if [[ -d $STORE/containers ]]; then
		for c in $(berth ps -aq --no-trunc 2>/dev/null); do
			berth rm -f "$c" >/dev/null 2>&1 || true
		done
	fi
	for n in $(berth network ls -q 2>/dev/null); do
		berth network rm "$n" >/dev/null 2>&1 || true
	done
}

# ---- a peer dockerd (compose-peer.bats, build-peer.bats) ----
# Debian's dockerd (docker.io) for comparing berth with Docker: data root,
# exec root, pidfile, socket, config file and cgroup parent of its own under
# $PEER_DIR, inside the file's network namespace and a mount namespace of its
# own (its overlay and container mounts stay there). Call peer_dockerd_setup
# from setup, peer_dockerd_start in the test (it skips saying why when
# dockerd cannot start) and peer_dockerd_stop from teardown.
peer_dockerd_setup() {
	PEER_DIR=$1
	PEER_PID=""
	PEER_CGROUP=berth-test-peer-$$
	peer_shim_dir_mark
	unset DOCKER_HOST
}

# Debian's docker client (20.10, as the daemon) on the peer's socket.
peer_docker() {
	/usr/bin/docker -H "unix://$PEER_DIR/docker.sock" "$@"
}

# Further dockerd options may follow (oci-peer.bats: --add-runtime).
peer_dockerd_start() {
	command -v dockerd >/dev/null || skip "dockerd is not installed (docker.io: scripts/install-deps)"
	[[ -x /usr/bin/docker ]] || skip "/usr/bin/docker (docker.io's client) is not installed"
	mkdir -p "$PEER_DIR"
	echo '{}' >"$PEER_DIR/daemon.json"
	unshare --mount --propagation private dockerd --config-file "$PEER_DIR/daemon.json" \
		--data-root "$PEER_DIR/docker" --exec-root "$PEER_DIR/docker-exec" \
		--pidfile "$PEER_DIR/dockerd.pid" -H "unix://$PEER_DIR/docker.sock" \
		--cgroup-parent "$PEER_CGROUP" "$@" >"$PEER_DIR/dockerd.log" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 300); do peer_docker version >/dev/null 2>&1 && break; sleep 0.1; done
	peer_docker version >/dev/null 2>&1 ||
		skip "dockerd did not start: $(tail -3 "$PEER_DIR/dockerd.log" | tr '\n' ' ')"
}

# Stops the peer by its PID, then removes the cgroup parent it made in every
# hierarchy (cgroup v1 has one per controller), deepest first. dockerd makes
# a relative parent under its own cgroup, which is the test's: on a machine
# whose memory controller puts the session in a sub-cgroup the parent is
# there, not at the hierarchy's root.
peer_dockerd_stop() {
	peer_daemon_stop
}

# Stops the peer daemon by its PID (a bounded wait, then SIGKILL), removes
# its cgroup parent and the shims' socket directory if it made it.
peer_daemon_stop() {
	if [[ -n ${PEER_PID:-} ]]; then
		kill -TERM "$PEER_PID" 2>/dev/null || true
		for _ in $(seq 300); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$PEER_PID" 2>/dev/null || true
		PEER_PID=""
	fi
	peer_cgroup_remove "$PEER_CGROUP"
	peer_shim_dir_remove
}

# containerd 1.6's runc.v2 shims (dockerd's too) put their sockets in
# /run/containerd/s whatever the daemon's state directory. peer_shim_dir_mark
# notes whether it is there before a peer starts; peer_shim_dir_remove
# removes it after, only when it was not there and is now empty.
peer_shim_dir_mark() {
	PEER_SHIM_DIR_MADE=""
	[[ -e /run/containerd ]] || PEER_SHIM_DIR_MADE=1
}

peer_shim_dir_remove() {
	if [[ -n ${PEER_SHIM_DIR_MADE:-} ]]; then
		rmdir /run/containerd/s /run/containerd 2>/dev/null || true
	fi
}

# Removes the cgroup $1 (relative to the test's own cgroup, as peers make
# a relative parent) in every hierarchy, its children first. Only empty
# cgroups go: rmdir refuses one with a process left.
peer_cgroup_remove() {
	local own d
	for own in $(cut -d: -f3 /proc/self/cgroup | sort -u); do
		own=${own%/}
		for d in /sys/fs/cgroup"$own/$1" /sys/fs/cgroup/*"$own/$1"; do
			[[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
	done
}

# ---- a peer containerd (oci-peer.bats) ----
# Debian's containerd with root, state, sockets and config file of its own
# under $PEER_DIR, in the file's network namespace and a mount namespace of
# its own (snapshot and rootfs mounts stay there; its shims inherit it).
# ctr talks to it in the namespace $PEER_CGROUP, which is also the cgroup
# parent of its containers (ctr's default cgroupsPath is /NAMESPACE/ID), with
# the runtimes' state (--runc-root) and the I/O fifos under $PEER_DIR (the
# shims' sockets: see peer_shim_dir_mark). Call peer_containerd_setup from setup,
# peer_containerd_start in the test (it skips saying why when containerd
# cannot start) and peer_containerd_stop from teardown.
peer_containerd_setup() {
	PEER_DIR=$1
	PEER_PID=""
	PEER_CGROUP=berth-test-peer-$$
	peer_shim_dir_mark
}

# ctr on the peer's socket and namespace.
peer_ctr() {
	ctr -a "$PEER_DIR/containerd.sock" -n "$PEER_CGROUP" "$@"
}

peer_containerd_start() {
	command -v containerd >/dev/null || skip "containerd is not installed (scripts/install-deps)"
	command -v containerd-shim-runc-v2 >/dev/null || skip "containerd-shim-runc-v2 is not installed"
	mkdir -p "$PEER_DIR/fifo" "$PEER_DIR/runc-root"
	cat >"$PEER_DIR/containerd.toml" <<-EOT
		version = 2
		root = "$PEER_DIR/containerd"
		state = "$PEER_DIR/containerd-state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$PEER_DIR/containerd.sock"
		[ttrpc]
		  address = "$PEER_DIR/containerd.sock.ttrpc"
		[debug]
		  address = "$PEER_DIR/containerd-debug.sock"
	EOT
	unshare --mount --propagation private containerd --config "$PEER_DIR/containerd.toml" \
		--root "$PEER_DIR/containerd" --state "$PEER_DIR/containerd-state" \
		--address "$PEER_DIR/containerd.sock" >"$PEER_DIR/containerd.log" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 300); do peer_ctr version >/dev/null 2>&1 && break; sleep 0.1; done
	peer_ctr version >/dev/null 2>&1 ||
		skip "containerd did not start: $(tail -3 "$PEER_DIR/containerd.log" | tr '\n' ' ')"
}

# Kills what is left of the peer's tasks by their PIDs (each init from its
# pid file, each shim as the process whose command line names this peer's
# socket) and waits for them, stops containerd by its PID, then removes its
# cgroups and the shims' socket directory in /run/containerd.
peer_containerd_stop() {
	local f pid pids=""
	for f in "$PEER_DIR"/containerd-state/io.containerd.runtime.v2.task/*/*/init.pid; do
		[[ -f $f ]] && pids+=" $(cat "$f")"
	done
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "-address $PEER_DIR/containerd.sock "; then
			pids+=" $pid"
		fi
	done
	for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
	for pid in $pids; do
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	done
	peer_daemon_stop
}

# ---- the Engine API service (api-compose.bats, api-robust.bats) ----
# Starts `berth --debug system service` on $BATS_TEST_TMPDIR/sock in the
# background (its request log in $SERVICE_LOG), sets SOCK and SERVICE_PID;
# waits for the socket. Extra arguments go before `system service` (e.g. a
# wrapper command in API_SERVICE_WRAP: valgrind).
api_service_start() {
	SOCK=$BATS_TEST_TMPDIR/sock
	SERVICE_LOG=$BATS_TEST_TMPDIR/service.log
	${API_SERVICE_WRAP:-} "$BERTH" --root "$STORE" --debug system service --timeout 0 \
		--socket "unix://$SOCK" 3>&- >"$SERVICE_LOG" 2>&1 &
	SERVICE_PID=$!
	local i
	for i in $(seq 300); do
		[[ -S $SOCK ]] && return 0
		kill -0 "$SERVICE_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$SERVICE_LOG" >&2
	return 1
}

# base:1 in $STORE, built by berth from the busybox fixture (LABEL base=1):
# the image the API tests tag, push and pull.
api_base_image() {
	local b=$BATS_TEST_TMPDIR/base
	mkdir -p "$b/rootfs"
	tar -C "$b/rootfs" -xf "$(busybox_tar)"
	printf 'FROM scratch\nCOPY rootfs/ /\nLABEL base=1\n' >"$b/Dockerfile"
	berth build -q -t base:1 "$b" >/dev/null
}

# Stops the service by its PID (SIGTERM) and waits for it; its status is the service's.
api_service_stop() {
	[[ -n ${SERVICE_PID:-} ]] || return 0
	local pid=$SERVICE_PID rc=0
	SERVICE_PID=
	kill "$pid" 2>/dev/null || return 0
	wait "$pid" || rc=$?
	return $rc
}

# podman for the peer tests (kube.bats, kube-play.bats, images.bats), on
# storage of its own under the test's directory, with the flags this host
# needs: runc and cgroupfs (no systemd), rlimits within the host's hard ones
# (containers.conf: kube play has no --ulimit), vfs; its temporary files and
# events there too, apart from other podman runs. Call it in the test (it
# skips when podman or its pause process is missing), run podman as `p`,
# and call podman_teardown from teardown.
podman_setup() {
	command -v podman >/dev/null || skip "podman is not installed (scripts/install-deps)"
	command -v catatonit >/dev/null ||
		skip "catatonit (podman's pause process) is not installed (scripts/install-deps)"
	PODMAN_ROOT=$BATS_TEST_TMPDIR/podman-root
	PODMAN_RUNROOT=$BATS_TEST_TMPDIR/podman-run
	printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n' \
		>"$BATS_TEST_TMPDIR/containers.conf"
}

p() {
	CONTAINERS_CONF=$BATS_TEST_TMPDIR/containers.conf podman --runtime runc \
		--cgroup-manager cgroupfs --root "$PODMAN_ROOT" --runroot "$PODMAN_RUNROOT" \
		--tmpdir "$PODMAN_RUNROOT/tmp" --events-backend file --storage-driver vfs "$@"
}

# Removes what podman_setup's podman made, if the test called it.
podman_teardown() {
	[[ -n ${PODMAN_ROOT:-} ]] || return 0
	p pod rm -af >/dev/null 2>&1 || true
	p rm -af >/dev/null 2>&1 || true
	p system reset -f >/dev/null 2>&1 || true
	rm -rf "$PODMAN_ROOT" "$PODMAN_RUNROOT"
}
