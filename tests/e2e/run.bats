#!/usr/bin/env bats
# berth run on the busybox fixture: exit codes, isolation, users, limits,
# cleanup. The rootfs is the fixture tarball unpacked (berth run --rootfs),
# so these tests need no image store.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
	ROOTFS=$BATS_FILE_TMPDIR/rootfs
	export ROOTFS
	mkdir -p "$ROOTFS"
	tar -C "$ROOTFS" -xf "$(busybox_tar)"
}

setup() {
	common_setup
}

teardown() {
	# whatever a failed test left running in our store is killed by the PIDs we know
	if [[ -n "${BG_PID:-}" ]]; then
		kill -KILL "$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	if [[ -n "${WRITER_PID:-}" ]]; then
		kill -KILL "$WRITER_PID" 2>/dev/null || true
		wait "$WRITER_PID" 2>/dev/null || true
	fi
	# nothing may stay mounted below the test's temp dir
	findmnt -rn -o TARGET | grep -F "$BATS_TEST_TMPDIR" | sort -r | xargs -r -n1 umount -l || true
}

brun() {
	berth run --rm --rootfs "$ROOTFS" "$@"
}

@test "run: exit code of the command" {
	run brun sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run brun true
	[ "$status" -eq 0 ]
}

@test "run: a missing command exits 127, a non-executable 126" {
	run -127 brun no-such-command
	[[ "$output" == *"executable file not found"* ]]
	run brun /etc/passwd
	[ "$status" -eq 126 ]
	[[ "$output" == *"ermission denied"* ]]
}

@test "run: berth's own failure exits 125" {
	run berth run --rm --rootfs "$BATS_TEST_TMPDIR/missing" true
	[ "$status" -eq 125 ]
	[[ "$output" == "berth: rootfs"* ]]
	run brun --user nosuchuser true
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user 'nosuchuser'"* ]]
}

@test "run: the rootfs directory is not modified (overlay upper)" {
	run brun sh -c 'echo x > /created-in-container && rm /bin/cat && echo ok'
	[ "$status" -eq 0 ]
	[ ! -e "$ROOTFS/created-in-container" ]
	[ -e "$ROOTFS/bin/cat" ]
}

@test "run: a --rootfs path with ',' and ':' works, still under an overlay" {
	# no overlay option string is ever made, so nothing in a path needs escaping
	local r="$BATS_TEST_TMPDIR/a,b:c=d dir"
	cp -a "$ROOTFS" "$r"
	run berth run --rm --rootfs "$r" sh -c 'cat /etc/group >/dev/null && echo x >/new && echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ ! -e "$r/new" ]
}

@test "run: kill -TERM of a foreground run reaches the process" {
	"$BERTH" --root "$STORE" run --rm --rootfs "$ROOTFS" sh -c 'trap "echo got-term; exit 143" TERM; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	BG_PID=$!
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	kill -TERM "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	grep -q got-term "$BATS_TEST_TMPDIR/out"
	[ "$rc" -eq 143 ]
}

# berth run on a copy of the rootfs whose /etc/passwd is a FIFO, with
# --user root: the runtime's clone reads it before the container's process
# runs, so berth waits in its start, with its signals already forwarded,
# until something is written there. Starts "$BERTH" --root "$STORE" "$@"
# (BG_PID), and returns once the clone has the FIFO open, with a writer of
# it (WRITER_PID) that writes root's line once $BATS_TEST_TMPDIR/go exists.
# CLONE_PID: the clone, the container's process to be.
start_before_the_process() {
	local r=$BATS_TEST_TMPDIR/fifo-rootfs fifo= c fd
	cp -a "$ROOTFS" "$r"
	rm "$r/etc/passwd"
	mkfifo "$r/etc/passwd"
	"$@" --root "$STORE" run --rm --network none --user root --rootfs "$r" \
		sh -c 'echo ran; exit 5' >"$BATS_TEST_TMPDIR/out" 2>&1 &
	BG_PID=$!
	# the FIFO as the clone opens it: through its rootfs fd (an overlay's
	# FIFO is not the one of the lower directory)
	for _ in $(seq 300); do
		for c in $(ps -o pid= --ppid "$BG_PID"); do
			for fd in /proc/"$c"/fd/*; do
				[[ -p $fd/etc/passwd ]] && fifo=$fd/etc/passwd && CLONE_PID=$c
			done
		done
		[[ -n $fifo ]] && break
		sleep 0.1
	done
	[[ -n $fifo ]] || { echo "the clone never opened /etc/passwd: $(cat "$BATS_TEST_TMPDIR/out")"; return 1; }
	(
		exec 3>"$fifo"
		touch "$BATS_TEST_TMPDIR/opened"
		while [[ ! -e $BATS_TEST_TMPDIR/go ]]; do sleep 0.05; done
		echo 'root:x:0:0::/root:/bin/sh' >&3
	) &
	WRITER_PID=$!
	for _ in $(seq 300); do [[ -e $BATS_TEST_TMPDIR/opened ]] && return 0; sleep 0.1; done
	echo "the writer never opened $fifo"
	return 1
}

# Lets the clone read /etc/passwd; the exit code of berth ($BG_PID) in rc.
let_the_process_run() {
	touch "$BATS_TEST_TMPDIR/go"
	wait "$WRITER_PID"
	WRITER_PID=
	rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
}

@test "run: a signal before the container's process runs ends the run with 128+N, --rm removes it" {
	start_before_the_process "$BERTH"
	kill -HUP "$BG_PID"
	let_the_process_run
	[ "$rc" -eq 129 ]
	# killed as soon as it started: its process is gone, --rm removed the record
	! kill -0 "$CLONE_PID" 2>/dev/null
	run berth ps -aq
	[ "$output" = "" ]
}

@test "run: a signal the caller ignored, or SIGWINCH, before the container's process runs is dropped" {
	start_before_the_process sh -c 'trap "" TERM; exec "$0" "$@"' "$BERTH"
	kill -TERM "$BG_PID"
	kill -WINCH "$BG_PID"
	let_the_process_run
	[ "$rc" -eq 5 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = ran ]
}

@test "run: while the process runs, every forwarded signal reaches it, SIGWINCH and one the caller ignored too" {
	sh -c 'trap "" TERM; exec "$0" "$@"' "$BERTH" --root "$STORE" run --rm --rootfs "$ROOTFS" sh -c \
		'trap "echo got-hup" HUP; trap "echo got-usr2" USR2; trap "echo got-winch" WINCH; trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	BG_PID=$!
	for _ in $(seq 300); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	local sig
	for sig in HUP USR2 WINCH; do
		kill -"$sig" "$BG_PID"
		for _ in $(seq 300); do grep -qi "got-$sig" "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	done
	kill -TERM "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	[ "$rc" -eq 7 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf 'ready\ngot-hup\ngot-usr2\ngot-winch\ngot-term')" ]
}

@test "run: a process killed by a signal exits 128+N" {
	# PID 1 cannot be killed from inside its namespace: give it an init
	run brun --init sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
	run brun --init sh -c 'kill -SEGV $$'
	[ "$status" -eq 139 ]
}

@test "run --init: a built-in init is PID 1, reaps and forwards" {
	run brun --init sh -c 'echo main=$$; (sleep 0.1 &) ; sleep 0.3; ps -o pid,stat,comm | grep -c Z || true'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" != "main=1" ]]
	[[ "$output" == *$'\n0'* ]]
	"$BERTH" --root "$STORE" run --rm --init --rootfs "$ROOTFS" sh -c 'trap "exit 42" USR1; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	BG_PID=$!
	for _ in $(seq 600); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	kill -USR1 "$BG_PID"
	local rc=0
	wait "$BG_PID" || rc=$?
	BG_PID=
	[ "$rc" -eq 42 ]
}

@test "run --init: PID 1 shows a short command line, not berth's options, -e values or environment" {
	export BERTH_TEST_HOST_ONLY=host-secret-456
	run brun --init -e SECRET=xyz-secret-123 --hostname initbox sh -c 'echo "cmdline=$(tr "\0" " " </proc/1/cmdline)"; echo "comm=$(cat /proc/1/comm)"; echo "environ=$(tr "\0" " " </proc/1/environ 2>/dev/null)"'
	[ "$status" -eq 0 ]
	[[ "$output" != *xyz-secret-123* ]]
	[[ "$output" != *host-secret-456* ]]
	[[ "$output" != *initbox* ]]
	[[ "$output" != *"$STORE"* ]]
	[[ "${lines[0]}" =~ ^cmdline=berth-init\ *$ ]]
	[ "${lines[1]}" = comm=berth-init ]
	# the main process still has the env it was given
	run brun --init -e SECRET=xyz-secret-123 sh -c 'echo $SECRET'
	[ "$output" = xyz-secret-123 ]
}

@test "isolation: ps sees only the container's processes, main is PID 1" {
	run brun sh -c 'echo pid=$$; ps -o pid,comm; true'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pid=1" ]
	# header, sh and ps: nothing of the host
	[ "${#lines[@]}" -eq 4 ]
}

@test "isolation: hostname is the short id, --hostname sets it" {
	run brun hostname
	[[ "$output" =~ ^[0-9a-f]{12}$ ]]
	run brun --hostname web1 sh -c 'hostname; cat /etc/hostname; grep web1 /etc/hosts'
	[ "${lines[0]}" = web1 ]
	[ "${lines[1]}" = web1 ]
}

@test "isolation: /proc/sysrq-trigger and /proc/sys are not writable, masked paths are empty" {
	run brun sh -c 'echo h > /proc/sysrq-trigger'
	[ "$status" -ne 0 ]
	run brun sh -c 'echo 1 > /proc/sys/kernel/domainname'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	# this kernel has no /proc/kcore; where it has one, it is /dev/null
	run brun sh -c 'test ! -e /proc/kcore || test "$(head -c 16 /proc/kcore | wc -c)" -eq 0'
	[ "$status" -eq 0 ]
	if [[ -e /proc/keys ]]; then
		run brun sh -c 'wc -c < /proc/keys'
		[ "$output" -eq 0 ]
	fi
	run brun sh -c 'echo 1 > /sys/kernel/profiling'
	[ "$status" -ne 0 ]
}

@test "isolation: mount fails, unshare -U and keyctl are refused by seccomp" {
	run brun mount -t tmpfs none /mnt
	[ "$status" -ne 0 ]
	run brun unshare -U true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	# even with CAP_SYS_ADMIN added, the filter still refuses unshare
	run brun --cap-add SYS_ADMIN unshare -m true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run brun --cap-add SYS_ADMIN --security-opt seccomp=unconfined unshare -m true
	[ "$status" -eq 0 ]
}

@test "isolation: a JSON seccomp profile file is applied" {
	cat >"$BATS_TEST_TMPDIR/profile.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
	run brun --security-opt seccomp="$BATS_TEST_TMPDIR/profile.json" mkdir /tmp/x
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run brun mkdir /tmp/x
	[ "$status" -eq 0 ]
}

@test "isolation: capabilities are Docker's default set" {
	run brun sh -c 'grep -E "^Cap(Eff|Bnd|Prm):" /proc/self/status'
	[ "$status" -eq 0 ]
	# moby's default: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID
	# SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE
	[ "${lines[0]}" = $'CapPrm:\t00000000a80425fb' ]
	[ "${lines[1]}" = $'CapEff:\t00000000a80425fb' ]
	[ "${lines[2]}" = $'CapBnd:\t00000000a80425fb' ]
	run brun --cap-drop ALL sh -c 'grep CapEff /proc/self/status'
	[ "$output" = $'CapEff:\t0000000000000000' ]
	run brun --cap-drop CHOWN sh -c 'chown 1000 /tmp'
	[ "$status" -ne 0 ]
	run brun sh -c 'grep NoNewPrivs /proc/self/status; grep Seccomp: /proc/self/status'
	[ "${lines[0]}" = $'NoNewPrivs:\t0' ]
	[ "${lines[1]}" = $'Seccomp:\t2' ]
}

@test "isolation: no_new_privs is off by default as Docker's, --security-opt no-new-privileges[=BOOL] sets it" {
	nnp() { brun "$@" sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | cut -f2 | tr "\n" " "'; }
	run nnp
	[ "$output" = "0 2 " ]
	run nnp --security-opt no-new-privileges
	[ "$output" = "1 2 " ]
	run nnp --security-opt no-new-privileges=true
	[ "$output" = "1 2 " ]
	run nnp --security-opt no-new-privileges:true
	[ "$output" = "1 2 " ]
	run nnp --security-opt no-new-privileges=false
	[ "$output" = "0 2 " ]
	run nnp --security-opt no-new-privileges=true --security-opt no-new-privileges=0
	[ "$output" = "0 2 " ]
	# without no_new_privs the filter still holds for a user without capabilities
	run nnp --user 1000
	[ "$output" = "0 2 " ]
	run nnp --user 1000 --security-opt no-new-privileges
	[ "$output" = "1 2 " ]
	run brun --security-opt no-new-privileges=maybe true
	assert_one_error_line "invalid --security-opt 'no-new-privileges=maybe'"
}

@test "isolation: --privileged and --cap-add ALL give every capability of the host's bounding set" {
	# "all" is what the host allows (Docker, podman): a host whose bounding set
	# lacks one (CAP_SYS_RESOURCE here) must not make these fail
	local host_bnd
	host_bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
	run brun --privileged true
	[ "$status" -eq 0 ]
	run brun --privileged sh -c 'grep -E "^Cap(Bnd|Eff):" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = $'CapEff:\t'"$host_bnd" ]
	[ "${lines[1]}" = $'CapBnd:\t'"$host_bnd" ]
	run brun --cap-add ALL sh -c 'grep -E "^CapBnd:" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$output" = $'CapBnd:\t'"$host_bnd" ]
	run brun --cap-drop ALL --cap-add all sh -c 'grep -E "^CapEff:" /proc/self/status'
	[ "$output" = $'CapEff:\t'"$host_bnd" ]
}

@test "isolation: the container cannot see host files outside its volumes" {
	echo TOPSECRET >"$BATS_TEST_TMPDIR/host-file"
	run brun sh -c "cat $BATS_TEST_TMPDIR/host-file; cat /proc/1/root/$BATS_TEST_TMPDIR/host-file; cat /proc/1/cwd/host-file; ls /"
	[[ "$output" != *TOPSECRET* ]]
	[[ "$output" == *"No such file"* ]]
	mkdir -p "$BATS_TEST_TMPDIR/shared"
	echo visible >"$BATS_TEST_TMPDIR/shared/f"
	run brun -v "$BATS_TEST_TMPDIR/shared:/data:ro" sh -c 'cat /data/f; echo x > /data/g'
	[ "${lines[0]}" = visible ]
	[[ "$output" == *"Read-only file system"* ]]
}

@test "isolation: --read-only makes / unwritable, --tmpfs stays writable" {
	run brun --read-only sh -c 'touch /x'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run brun --read-only --tmpfs /scratch sh -c 'touch /scratch/x && grep " /scratch " /proc/mounts'
	[ "$status" -eq 0 ]
	[[ "$output" == *tmpfs* ]]
}

@test "isolation: /dev has the standard nodes, /dev/pts, /dev/shm, /dev/mqueue" {
	run brun sh -c 'ls /dev | tr "\n" " "; echo; grep -E " /dev/(pts|shm|mqueue) " /proc/mounts | wc -l; echo hi > /dev/null; head -c 4 /dev/urandom | wc -c'
	[ "$status" -eq 0 ]
	for n in null zero full random urandom tty ptmx pts shm mqueue fd stdin stdout stderr; do
		[[ " ${lines[0]} " == *" $n "* ]] || { echo "missing /dev/$n"; false; }
	done
	[ "${lines[1]}" -eq 3 ]
	[ "${lines[2]}" -eq 4 ]
}

@test "isolation: --network none has only a loopback that is up" {
	run brun --network none sh -c 'ls /sys/class/net; ip link show lo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[[ "$output" == *"UP"* ]]
}

@test "users: --user app runs as the fixture's app with its groups and HOME" {
	run brun --user app sh -c 'id; echo $HOME; grep CapEff /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "uid=1000(app) gid=1000(app) groups=100(users)" ]
	[ "${lines[1]}" = /home/app ]
	[ "${lines[2]}" = $'CapEff:\t0000000000000000' ]
	run brun --user 1000:100 id
	[ "$output" = "uid=1000(app) gid=100(users) groups=1000(app)" ]
	run brun --user app:nogroup id -g
	[ "$output" = 65534 ]
	run brun --user 4242 sh -c 'id -u; id -g; echo $HOME'
	[ "${lines[0]}" = 4242 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = / ]
}

@test "users: files created in a volume by --user app have app's uid on the host" {
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	chmod 777 "$BATS_TEST_TMPDIR/vol"
	run brun --user app -v "$BATS_TEST_TMPDIR/vol:/data" touch /data/made-by-app
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/vol/made-by-app")" = 1000:1000 ]
}

@test "users: /etc/passwd symlinked out of the image is read inside it" {
	local r=$BATS_TEST_TMPDIR/evil
	cp -a "$ROOTFS" "$r"
	echo "app:x:0:0:fake:/:/bin/sh" >"$BATS_TEST_TMPDIR/host-passwd"
	mv "$r/etc/passwd" "$r/etc/passwd.real"
	ln -s "../../../../../../../$BATS_TEST_TMPDIR/host-passwd" "$r/etc/passwd"
	# the link resolves inside the rootfs, where that path does not exist
	run berth run --rm --rootfs "$r" --user app id -u
	[ "$status" -eq 125 ]
	[[ "$output" == *"unable to find user 'app'"* ]]
}

@test "process: env, -e K from the caller, --env-file, PATH default, -w" {
	export FROM_CALLER=yes
	printf '# comment\nFILE_VAR=from-file\nFROM_CALLER\n' >"$BATS_TEST_TMPDIR/envfile"
	run brun -e A=1 -e FROM_CALLER -e UNSET_IN_CALLER --env-file "$BATS_TEST_TMPDIR/envfile" -w /work/dir \
		sh -c 'echo $A $FROM_CALLER $FILE_VAR ${UNSET_IN_CALLER-unset}; echo $PATH; pwd; echo $HOME'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 yes from-file unset" ]
	[ "${lines[1]}" = /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ]
	[ "${lines[2]}" = /work/dir ]
	[ "${lines[3]}" = /root ]
}

@test "process: --entrypoint is prepended, '' clears it" {
	run brun --entrypoint echo hello world
	[ "$output" = "hello world" ]
	run brun --entrypoint '' echo cleared
	[ "$output" = "cleared" ]
}

@test "process: -t gives the process a terminal" {
	run brun -t sh -c 'test -t 1 && echo tty; test -c /dev/console && echo console'
	[ "$status" -eq 0 ]
	[[ "$output" == *tty* ]]
	[[ "$output" == *console* ]]
	run brun sh -c 'test -t 1 && echo tty || echo notty'
	[ "$output" = notty ]
}

@test "process: -i attaches stdin, without -i it is empty" {
	run bash -c "echo piped | '$BERTH' --root '$STORE' run --rm -i --rootfs '$ROOTFS' cat"
	[ "$output" = piped ]
	run bash -c "echo piped | '$BERTH' --root '$STORE' run --rm --rootfs '$ROOTFS' cat"
	[ "$output" = "" ]
}

@test "limits: a process allocating past --memory 32m is killed (137)" {
	run brun --memory 32m sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
	[ "$status" -eq 137 ]
	[[ "$output" != *survived* ]]
	run brun --memory 32m sh -c 'x=$(head -c 1000000 /dev/zero | tr "\0" a); echo survived'
	[ "$status" -eq 0 ]
}

@test "limits: --pids-limit 64 caps the processes a container can hold" {
	# A subshell forks long-lived children until fork fails (ash then exits
	# that subshell); the children stay, so the count is deterministic, unlike
	# a self-collapsing fork bomb. Counting uses builtins only: nothing can fork.
	run brun --pids-limit 64 sh -c '(i=0; while [ $i -lt 200 ]; do i=$((i+1)); sleep 60 & done) 2>/dev/null
		n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n'
	[ "$status" -eq 0 ]
	local n=${lines[-1]}
	echo "processes: $n"
	[ "$n" -le 64 ]
	[ "$n" -ge 60 ]
	# without the limit the same loop keeps all its children
	run brun sh -c '(i=0; while [ $i -lt 100 ]; do i=$((i+1)); sleep 60 & done)
		n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n'
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" -ge 101 ]
}

@test "limits: --cpus sets the CFS quota, --ulimit sets rlimits, above the hard limit is a clear error" {
	run brun --cpus 0.5 --ulimit nofile=256:512 sh -c 'ulimit -n; ulimit -Hn'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 256 ]
	[ "${lines[1]}" = 512 ]
	local hard
	hard=$(ulimit -Hn)
	if ! grep -q 'cap_sys_resource' <(capsh --print 2>/dev/null | grep Current); then
		run brun --ulimit "nofile=$((hard + 1)):$((hard + 1))" true
		[ "$status" -eq 125 ]
		[[ "$output" == *"above the hard limit"* ]]
	fi
	# by default nothing is raised: the container inherits berth's limits
	run brun sh -c 'ulimit -Hn'
	[ "$output" = "$hard" ]
}

@test "cleanup: 200 run --rm leave no mount, cgroup, process or directory" {
	assert_run_rm_leaves_nothing 200 --rootfs "$ROOTFS" --memory 64m --pids-limit 100
}

@test "run: --device makes the host's node in the container and it can be read" {
	run brun --device /dev/zero:/dev/myzero sh -c 'stat -c "%t:%T %F" /dev/myzero && head -c 4 /dev/myzero | od -An -tx1'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1:5 character special file" ]
	[[ "${lines[1]}" == *"00 00 00 00"* ]]
	# CONTAINER defaults to HOST
	run brun --device /dev/zero sh -c 'stat -c "%t:%T" /dev/zero'
	[ "$output" = "1:5" ]
}

@test "run: --device PERMS are the devices cgroup rule, other devices are denied" {
	[[ -c /dev/fuse ]] || skip "no /dev/fuse on this host"
	[[ -e /sys/fs/cgroup/devices/devices.allow ]] || skip "no v1 devices cgroup (v2 has no berth device rules yet)"
	# /dev/fuse (10:229) is not in Docker's default list, so only --device lets it in
	run brun --device /dev/fuse:/dev/myfuse:r sh -c 'exec 3</dev/myfuse && echo read-ok; exec 4>/dev/myfuse && echo write-ok'
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = read-ok ]
	[[ "$output" != *write-ok* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	run brun --device /dev/fuse:/dev/myfuse:rw sh -c 'exec 4>/dev/myfuse && echo write-ok'
	[ "$output" = write-ok ]
	# CAP_MKNOD (Docker's default set) makes the node, the devices cgroup refuses to open it
	run brun sh -c 'mknod /dev/f c 10 229 && exec 3</dev/f && echo opened'
	[ "$status" -ne 0 ]
	[[ "$output" != *opened* ]]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "run: the devices cgroup holds Docker's whole default rule list while the command runs" {
	[[ -e /sys/fs/cgroup/devices/devices.allow ]] || skip "no v1 devices cgroup (v2 has no berth device rules yet)"
	local t=$BATS_TEST_TMPDIR/t short
	mkdir "$t"
	"$BERTH" --root "$STORE" run --rm --rootfs "$ROOTFS" -v "$t:/t" sh -c 'hostname >/t/up; while [ ! -e /t/go ]; do sleep 0.1; done' &
	BG_PID=$!
	for _ in $(seq 100); do [ -s "$t/up" ] && break; sleep 0.1; done
	short=$(cat "$t/up")
	# the rules are written through one open devices.allow; every one must be in force
	run sort /sys/fs/cgroup/devices/berth-"$short"*/devices.list
	touch "$t/go"
	wait "$BG_PID"
	BG_PID=
	[ "$output" = "$(printf '%s\n' 'b *:* m' 'c *:* m' 'c 1:3 rwm' 'c 1:5 rwm' 'c 1:7 rwm' 'c 1:8 rwm' \
		'c 1:9 rwm' 'c 10:200 rwm' 'c 136:* rwm' 'c 5:0 rwm' 'c 5:2 rwm' | sort)" ]
}

@test "run --rm: berth returns the code once the container is removed: no record, directory or cgroup is left at that moment" {
	for _ in 1 2 3; do
		run brun sh -c 'hostname; exit 3'
		[ "$status" -eq 3 ]
		[ -d "$STORE/containers" ]
		[ -z "$(ls -A "$STORE/containers")" ]
		[ -z "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name "berth-$output*" 2>/dev/null)" ]
	done
}

@test "run: --device of a missing host device is one error line, exit 125" {
	run berth run --rm --rootfs "$ROOTFS" --device /dev/no-such-device true
	[ "$status" -eq 125 ]
	assert_one_error_line "custom device '/dev/no-such-device': No such file or directory"
	run berth run --rm --rootfs "$ROOTFS" --device /dev/null:/dev/x:rwz true
	[ "$status" -eq 125 ]
	assert_one_error_line "invalid device mode 'rwz'"
}
