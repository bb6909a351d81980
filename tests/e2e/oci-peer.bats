#!/usr/bin/env bats
# The issue's interop check of berth-runc (`berth oci` under runc's name):
# the engines that drive runc's command line drive it instead and run a
# container from the busybox fixture, as berth saves it:
#   - podman 4.3 (--runtime, through conmon), its storage under the test's
#     temporary directory;
#   - Debian's containerd 1.6, started here, whose io.containerd.runc.v2
#     shim runs berth-runc (ctr run --runc-binary);
#   - Debian's dockerd 20.10, started here (helpers.bash), with
#     --add-runtime berth=.../berth-runc and Debian's 20.10 client.
# Each test also asks berth-runc itself for the container's state, in the
# state directory the engine gave it, so a pass cannot come from runc.
# A test skips, saying why, when its engine is not installed or cannot
# start here. OCI_RUNTIME runs the tests against another runtime (runc) to
# check the harness itself.
load helpers

OCI_RUNTIME=${OCI_RUNTIME:-$(dirname "$BERTH")/berth-runc}

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (engines, namespaces, cgroups)"
	local store=$BATS_FILE_TMPDIR/store
	"$BERTH" --root "$store" import "$(busybox_tar)" peer/busybox:1 >/dev/null
	"$BERTH" --root "$store" save -o "$BATS_FILE_TMPDIR/busybox-image.tar" peer/busybox:1
}

setup() {
	common_setup
	[[ -x $OCI_RUNTIME ]] || {
		echo "no runtime at $OCI_RUNTIME (build berth: the berth-runc link is made beside it)" >&2
		return 1
	}
	IMAGE_TAR=$BATS_FILE_TMPDIR/busybox-image.tar
	W=$BATS_TEST_TMPDIR
	PEER_CGROUP=berth-test-peer-$$
	# podman's runs use the runtime's default state root: removed after the
	# test when the test made it (and it is empty again)
	ROOT_WAS_THERE=
	[[ ! -d $(default_root) ]] || ROOT_WAS_THERE=1
}

teardown() {
	case $BATS_TEST_DESCRIPTION in
	podman*) podman_teardown ;;
	containerd*) peer_containerd_stop ;;
	dockerd*)
		[[ -z ${PEER_PID:-} ]] || peer_docker rm -f peer-c1 >/dev/null 2>&1 || true
		peer_dockerd_stop
		;;
	esac
}

# The runtime's state of container $2 in its state directory $1, as
# "status pid" (runtime-spec state JSON).
runtime_state() {
	"$OCI_RUNTIME" --root "$1" state "$2" | jq -r '"\(.status) \(.pid)"'
}

# Waits until the runtime's state of $2 in $1 is $3.
wait_runtime_status() {
	local s
	for _ in $(seq 100); do
		s=$(runtime_state "$1" "$2" 2>/dev/null || true)
		[[ ${s%% *} == "$3" ]] && return 0
		sleep 0.1
	done
	echo "state of $2: '$s', expected $3"
	return 1
}

# podman and the containerd shim delete --force after a failed create, where
# the container may not exist: runc succeeds then (and removes what an
# aborted create left), and so must berth-runc.
@test "delete --force of a container that does not exist succeeds, as runc's" {
	mkdir -p "$W/root/aborted"
	run "$OCI_RUNTIME" --root "$W/root" delete --force aborted
	[ "$status" -eq 0 ]
	[ ! -e "$W/root/aborted" ]
	run "$OCI_RUNTIME" --root "$W/root" delete --force never-made
	[ "$status" -eq 0 ]
	run "$OCI_RUNTIME" --root "$W/root" delete never-made
	[ "$status" -ne 0 ]
}

# ---- podman ----
# podman with storage, run root and temporary files of its own, cgroupfs
# (no systemd here) and the runtime under test. podman's cleanup process
# does not pass --runtime-flag on, so the runtime keeps its default --root
# (berth-runc: /run/berth-runc); the test's containers are deleted there.
P() {
	podman --root "$W/podman" --runroot "$W/podman-run" --tmpdir "$W/podman-tmp" \
		--events-backend file --cgroup-manager cgroupfs --runtime "$OCI_RUNTIME" "$@"
}

# The flags this host needs: no systemd (cgroupfs), the test's network
# namespace (host), and ulimits within the hard limits (root here lacks
# CAP_SYS_RESOURCE, so podman's default raises fail).
podman_run() {
	P run --cgroup-parent "$PEER_CGROUP" --network host \
		--ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$@"
}

# The runtime's state directory when no --root is given.
default_root() {
	case $OCI_RUNTIME in
	*/berth-runc) echo /run/berth-runc ;;
	*) echo /run/runc ;;
	esac
}

podman_teardown() {
	command -v podman >/dev/null || return 0
	P rm -af -t 0 >/dev/null 2>&1 || true
	findmnt -rn -o TARGET | grep -F "$W" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	peer_cgroup_remove "$PEER_CGROUP"
	[[ -n $ROOT_WAS_THERE ]] || rmdir "$(default_root)" 2>/dev/null || true
}

@test "podman runs containers with berth-runc: run --rm, exec, stop, rm" {
	command -v podman >/dev/null || skip "podman is not installed"
	P load -q -i "$IMAGE_TAR" >/dev/null || skip "podman cannot load an image here"

	run podman_run --rm peer/busybox:1 echo ok
	[ "$status" -eq 0 ]
	[ "$output" = ok ]

	# podman's spec mounts type "cgroup" on /sys/fs/cgroup: on a v1 or
	# hybrid host, each of the host's hierarchies under a tmpfs
	if [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]]; then
		run podman_run --rm peer/busybox:1 ls /sys/fs/cgroup
		[ "$status" -eq 0 ]
		[ "$output" = "$(ls /sys/fs/cgroup)" ]
	fi

	local id
	id=$(podman_run -d --name peer-c1 peer/busybox:1 sleep 600)
	wait_runtime_status "$(default_root)" "$id" running
	run P exec peer-c1 cat /proc/1/comm
	[ "$status" -eq 0 ]
	[ "$output" = sleep ]
	run P stop -t 1 peer-c1
	[ "$status" -eq 0 ]
	[ "$(P inspect -f '{{.State.Status}}' peer-c1)" = exited ]
	run P rm peer-c1
	[ "$status" -eq 0 ]
	[ -z "$(P ps -aq)" ]
	run "$OCI_RUNTIME" --root "$(default_root)" state "$id"
	[ "$status" -ne 0 ]
}

# ---- containerd ----
# ctr with the runc.v2 shim running the runtime under test, its state and
# the fifos under the test's directory.
ctr_run() {
	peer_ctr run --runc-binary "$OCI_RUNTIME" --runc-root "$W/runc-root" --fifo-dir "$W/fifo" "$@"
}

@test "containerd's runc.v2 shim drives berth-runc: ctr run --rm, task exec, kill, delete" {
	peer_containerd_setup "$W"
	peer_containerd_start
	peer_ctr images import "$IMAGE_TAR" >/dev/null
	local img=docker.io/peer/busybox:1 root=$W/runc-root/$PEER_CGROUP

	run ctr_run --rm "$img" peer-t1 echo ok
	[ "$status" -eq 0 ]
	[ "$output" = ok ]

	ctr_run -d "$img" peer-t2 sleep 600 >/dev/null
	wait_runtime_status "$root" peer-t2 running
	run peer_ctr task exec --fifo-dir "$W/fifo" --exec-id e1 peer-t2 cat /proc/1/comm
	[ "$status" -eq 0 ]
	[ "$output" = sleep ]
	peer_ctr task kill -s KILL peer-t2
	wait_runtime_status "$root" peer-t2 stopped
	for _ in $(seq 50); do
		[[ $(peer_ctr task ls | awk '$1 == "peer-t2" { print $3 }') == STOPPED ]] && break
		sleep 0.1
	done
	peer_ctr task delete peer-t2
	peer_ctr container delete peer-t2
	[ -z "$(peer_ctr task ls -q)" ]
	run "$OCI_RUNTIME" --root "$root" state peer-t2
	[ "$status" -ne 0 ]
}

# ---- dockerd ----
@test "dockerd runs containers with --runtime berth (--add-runtime berth=berth-runc)" {
	peer_dockerd_setup "$W"
	peer_dockerd_start --add-runtime "berth=$OCI_RUNTIME"
	peer_docker load -q -i "$IMAGE_TAR" >/dev/null

	run peer_docker run --rm --runtime berth --network none peer/busybox:1 echo ok
	[ "$status" -eq 0 ]
	[ "$output" = ok ]

	local id root=$W/docker-exec/runtime-runc/moby
	id=$(peer_docker run -d --name peer-c1 --runtime berth --network none peer/busybox:1 sleep 600)
	wait_runtime_status "$root" "$id" running
	run peer_docker exec peer-c1 cat /proc/1/comm
	[ "$status" -eq 0 ]
	[ "$output" = sleep ]
	peer_docker stop -t 1 peer-c1 >/dev/null
	[ "$(peer_docker inspect -f '{{.State.Status}}' peer-c1)" = exited ]
	peer_docker rm peer-c1 >/dev/null
	run "$OCI_RUNTIME" --root "$root" state "$id"
	[ "$status" -ne 0 ]
}
