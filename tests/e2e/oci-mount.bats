#!/usr/bin/env bats
# berth-runc's mounts[].options (runc 1.1's words): mount(2) flags, the
# recursive ones (mount_setattr), data for the filesystem, crun's
# tmpcopyup, unknown words refused; `features` lists only what create
# accepts; exec --preserve-fds. Read back from the container's
# /proc/self/mountinfo. Each test has its own state root, bundle and
# bind sources under its temporary directory.

load helpers
load oci-helpers

setup_file() {
	oci_setup_file
}

setup() {
	oci_setup
}

teardown() {
	local id
	for id in $("$RUNC_BIN" --root "$STATE" list -q 2>/dev/null); do
		"$RUNC_BIN" --root "$STATE" delete --force "$id" 2>/dev/null || true
	done
	[[ -n "${HOLD_PID:-}" ]] && kill "$HOLD_PID" 2>/dev/null || true
	findmnt -rn -o TARGET | grep -F "$BATS_TEST_TMPDIR" | sort -r | xargs -r -n1 umount -l || true
}

# Writes $BUNDLE/config.json: umoci's without its cgroup mount, the shared
# rootfs, process.args "$@", plus the mounts of the JSON list $MOUNTS and
# the linux.seccomp object $SECCOMP when set.
make_config() {
	python3 - "$BATS_FILE_TMPDIR/base/config.json" "$BUNDLE/config.json" "$ROOTFS" \
		"${MOUNTS:-[]}" "${SECCOMP:-}" "$@" <<'PY'
import json, sys
src, dst, rootfs, mounts, seccomp, args = sys.argv[1:6] + [sys.argv[6:]]
c = json.load(open(src))
c["root"]["path"] = rootfs
c["process"]["args"] = args
c["process"]["terminal"] = False
c["mounts"] = [m for m in c["mounts"] if m["type"] != "cgroup"] + json.loads(mounts)
if seccomp:
    c["linux"]["seccomp"] = json.loads(seccomp)
json.dump(c, open(dst, "w"))
PY
}

# The mount options (field 6) and super options (field 11) of each mount
# point named, from the container's mountinfo: "DEST OPTS SUPER" lines.
mounts_of() {
	awk 'NF > 9 { for (i = 7; i < NF && $i != "-"; i++); if ($i == "-") print $5, $6, $(i + 3) }'
}

@test "oci-mount: flags, data words and bind remounts reach the kernel" {
	local src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src" && echo hi >"$src/f"
	MOUNTS='[
	 {"destination": "/t1", "type": "tmpfs", "source": "tmpfs",
	  "options": ["nosuid", "nodev", "noexec", "noatime", "size=1m", "mode=0700", "nr_inodes=64"]},
	 {"destination": "/t2", "type": "tmpfs", "source": "tmpfs",
	  "options": ["ro", "dev", "exec", "strictatime", "defaults", "sync", "dirsync"]},
	 {"destination": "/b1", "type": "bind", "source": "'"$src"'",
	  "options": ["rbind", "ro", "nosuid", "nodev", "noexec", "nodiratime"]},
	 {"destination": "/b2", "type": "bind", "source": "'"$src"'", "options": ["bind", "rw"]},
	 {"destination": "/p", "type": "devpts", "source": "devpts",
	  "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]}]'
	make_config sh -c 'cat /proc/self/mountinfo; echo x >/b1/g || echo b1-ro; echo x >/b2/g && echo b2-rw'
	run runc run --bundle "$BUNDLE" m1
	[ "$status" -eq 0 ]
	echo "$output"
	info=$(printf '%s\n' "$output" | grep -v '^b[12]-' | mounts_of)
	echo "$info"
	grep -E '^/t1 rw,nosuid,nodev,noexec,noatime .*size=1024k,nr_inodes=64,mode=700' <<<"$info"
	# sync and dirsync are the superblock's; ro is the mount's
	# strictatime: no relatime shown
	grep -E '^/t2 ro ro,sync,dirsync$' <<<"$info"
	grep -E '^/b1 ro,nosuid,nodev,noexec,relatime,nodiratime|^/b1 ro,nosuid,nodev,noexec,nodiratime' <<<"$info"
	grep -E '^/b2 rw[, ]' <<<"$info"
	grep -E '^/p rw,nosuid,noexec.*gid=5,mode=620,ptmxmode=666' <<<"$info"
	[[ "$output" == *b1-ro* ]]
	[[ "$output" == *b2-rw* ]]
	[ -f "$src/g" ]
}

@test "oci-mount: the recursive options reach every mount of the tree, the plain ones only its top" {
	local src=$BATS_TEST_TMPDIR/tree
	mkdir -p "$src/sub"
	mount -t tmpfs -o size=1m tmpfs "$src/sub"
	MOUNTS='[
	 {"destination": "/r", "type": "bind", "source": "'"$src"'",
	  "options": ["rbind", "rro", "rnosuid", "rnoexec", "rnoatime"]},
	 {"destination": "/n", "type": "bind", "source": "'"$src"'", "options": ["rbind", "ro"]},
	 {"destination": "/s", "type": "bind", "source": "'"$src"'",
	  "options": ["rbind", "rro", "rrw", "rnosymfollow"]}]'
	make_config sh -c 'cat /proc/self/mountinfo; touch /r/sub/x || echo r-ro; touch /n/sub/y && echo n-rw'
	run runc run --bundle "$BUNDLE" m2
	[ "$status" -eq 0 ]
	info=$(printf '%s\n' "$output" | grep -v '^[rn]-' | mounts_of)
	echo "$info"
	grep -E '^/r ro,nosuid,noexec,noatime ' <<<"$info"
	grep -E '^/r/sub ro,nosuid,noexec,noatime ' <<<"$info"
	grep -E '^/n ro[, ]' <<<"$info"
	grep -E '^/n/sub rw[, ]' <<<"$info"
	grep -E '^/s/sub rw,.*nosymfollow' <<<"$info"
	[[ "$output" == *r-ro* ]]
	[[ "$output" == *n-rw* ]]
}

@test "oci-mount: tmpcopyup starts a tmpfs with the image's directory; propagation still set" {
	MOUNTS='[
	 {"destination": "/etc", "type": "tmpfs", "source": "tmpfs",
	  "options": ["tmpcopyup", "nosuid", "mode=0755", "rprivate"]},
	 {"destination": "/bin2", "type": "tmpfs", "source": "tmpfs", "options": ["notmpcopyup"]},
	 {"destination": "/sh", "type": "tmpfs", "source": "tmpfs", "options": ["rshared"]}]'
	make_config sh -c 'grep -c root /etc/passwd; ls /bin2 | wc -l; awk '\''$5 == "/etc" { print $9 }'\'' /proc/self/mountinfo
		awk '\''$5 == "/sh" { print ($7 ~ /^shared:/ ? "shared" : "not shared") }'\'' /proc/self/mountinfo'
	run runc run --bundle "$BUNDLE" m3
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -ge 1 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = tmpfs ]
	[ "${lines[3]}" = shared ]
}

@test "oci-mount: an unknown option is refused with its name and the mount's destination" {
	MOUNTS='[{"destination": "/unknown-opt", "type": "bind", "source": "/tmp", "options": ["rbind", "nosiud"]}]'
	make_config true
	run runc create --bundle "$BUNDLE" u1
	assert_one_error_line "mount '/unknown-opt': unknown mount option 'nosiud'"
	run runc list -q
	[ "$output" = "" ]
	[ ! -e "$ROOTFS/unknown-opt" ]
	# berth run's --tmpfs goes through the same table
	run "$BERTH" --root "$BATS_TEST_TMPDIR/store" run --rm --rootfs "$ROOTFS" --tmpfs /t:rw,size=1m,bogus true
	assert_one_error_line "mount '/t': unknown mount option 'bogus'"
}

@test "oci-mount: every option and seccomp name that features lists is accepted by create" {
	run runc features
	[ "$status" -eq 0 ]
	local features=$output src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src"
	MOUNTS=$(python3 -c '
import json, sys
f = json.loads(sys.argv[1])
opts = f["mountOptions"]
assert "rro" in opts and "tmpcopyup" in opts and "strictatime" in opts, opts
print(json.dumps([{"destination": "/m/%d" % i, "type": "bind", "source": sys.argv[2],
                   "options": ["rbind", o]} for i, o in enumerate(opts)]))' "$features" "$src")
	# each action on a syscall of its own that echo never makes; each operator; every arch and flag
	SECCOMP=$(python3 -c '
import json, sys
s = json.loads(sys.argv[1])["linux"]["seccomp"]
assert s["enabled"] and "SCMP_ARCH_X86_64" in s["archs"], s
spare = ["acct", "swapon", "swapoff", "kexec_load", "init_module", "delete_module",
         "quotactl", "syslog", "vhangup", "pivot_root"]
rules = [{"names": [spare[i]], "action": a, "errnoRet": 1} for i, a in enumerate(s["actions"])]
rules += [{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
           "args": [{"index": 0, "value": 0x1234, "valueTwo": 0x1234, "op": o}]}
          for o in s["operators"]]
print(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "architectures": s["archs"],
                  "flags": s["supportedFlags"], "syscalls": rules}))' "$features")
	make_config sh -c 'echo accepted'
	run runc run --bundle "$BUNDLE" f1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = accepted ]
}

@test "oci-mount: exec --preserve-fds N hands the caller's fds 3..3+N-1 to the process, no others" {
	make_config sleep 300
	runc create --bundle "$BUNDLE" e1 </dev/null >/dev/null
	runc start e1
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	# (the loop is the shell's own: no pipe or child fd of its own in the way)
	local fds='for f in 3 4 5 6; do [ -e /proc/$$/fd/$f ] && echo $f; done; true'
	run runc exec --preserve-fds 2 e1 sh -c "cat <&3; cat <&4; $fds" \
		3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$BATS_TEST_TMPDIR/f4"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = three ]
	[ "${lines[1]}" = four ]
	[ "${lines[2]}" = 3 ]
	[ "${lines[3]}" = 4 ]
	[ "${#lines[@]}" -eq 4 ]
	# without it the caller's fds stay out
	run runc exec e1 sh -c "$fds" 3<"$BATS_TEST_TMPDIR/f3"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	# a count beyond the caller's open fds is refused, naming the fd
	run runc exec --preserve-fds 3 e1 true 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
	assert_one_error_line "--preserve-fds: fd 5 of the 3 to preserve is not open"
	run runc exec --preserve-fds x e1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid --preserve-fds 'x'"* ]]
}
