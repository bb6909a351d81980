#!/usr/bin/env bats
# Named volumes: berth volume create|ls|inspect|rm|prune, data kept across
# containers, pre-filled from the image, targets resolved inside the rootfs.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" busybox:vol >/dev/null
}

@test "volume: create, ls, inspect, rm" {
	run berth volume create data
	[ "$status" -eq 0 ]
	[ "$output" = data ]
	run berth volume ls -q
	[ "$output" = data ]
	run berth volume inspect data
	[ "$status" -eq 0 ]
	[[ "$output" == *'"Mountpoint": "'"$STORE"'/volumes/data/_data"'* ]]
	run berth volume rm data
	[ "$output" = data ]
	run berth volume inspect data
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such volume"* ]]
	run berth volume create '../escape'
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid volume name"* ]]
}

@test "volume: a named volume keeps data across containers" {
	run berth run --rm -v keep:/data busybox:vol sh -c 'echo persisted > /data/f'
	[ "$status" -eq 0 ]
	run berth run --rm -v keep:/data busybox:vol cat /data/f
	[ "$output" = persisted ]
	[ "$(cat "$STORE/volumes/keep/_data/f")" = persisted ]
}

@test "volume: a new named volume is pre-filled from the image, an existing one is not" {
	run berth run --rm -v etcvol:/etc busybox:vol sh -c 'cat /etc/hostname; ls /etc'
	[ "$status" -eq 0 ]
	[[ "$output" == *passwd* ]]
	[ -f "$STORE/volumes/etcvol/_data/passwd" ]
	[ -f "$STORE/volumes/etcvol/_data/group" ]
	run berth run --rm -v etcvol:/etc busybox:vol sh -c 'rm /etc/group; echo mine > /etc/mine'
	run berth run --rm -v etcvol:/etc busybox:vol sh -c 'ls /etc/group 2>&1; cat /etc/mine'
	[[ "$output" == *"No such file"* ]]
	[[ "$output" == *mine* ]]
	# --mount volume-nocopy leaves a new volume empty
	run berth run --rm --mount type=volume,source=empty,target=/etc,volume-nocopy busybox:vol sh -c 'ls /etc | grep -c passwd'
	[ "$output" = 0 ]
}

@test "volume: a new volume takes the owner and mode of the image directory, so USER 1000 can write" {
	local ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx"
	printf '%s\n' 'FROM busybox:vol' \
		'RUN mkdir /data && echo seed >/data/seed && chown -R 1000:1000 /data && chmod 0750 /data' \
		'USER 1000' >"$ctx/Dockerfile"
	berth build -q -t owned:1 "$ctx" >/dev/null
	# as Docker's copy-up: contents, then the directory's owner and mode
	run berth run --rm -v fresh:/data owned:1 sh -c 'id -u; stat -c "%u:%g %a" /data; cat /data/seed; echo mine >/data/new && cat /data/new'
	[ "$status" -eq 0 ]
	[ "$output" = "1000
1000:1000 750
seed
mine" ]
	[ "$(stat -c '%u:%g %a' "$STORE/volumes/fresh/_data")" = "1000:1000 750" ]
	# nocopy: neither contents nor ownership, the volume stays root's 0755
	run berth run --rm -v bare:/data:nocopy owned:1 sh -c 'stat -c "%u %a" /data; ls /data; echo x >/data/x'
	[ "$status" -ne 0 ]
	[[ "$output" == "0 755"* ]]
	# a volume that already holds data keeps its own owner
	run berth run --rm -v fresh:/data --user 0 owned:1 sh -c 'chown 0:0 /data && chmod 0755 /data'
	run berth run --rm -v fresh:/data owned:1 stat -c '%u %a' /data
	[ "$output" = "0 755" ]
}

@test "volume: rm refuses a volume a container uses, prune keeps it" {
	run berth run --name user1 -v inuse:/data busybox:vol true
	[ "$status" -eq 0 ]
	run berth volume rm inuse
	[ "$status" -ne 0 ]
	[[ "$output" == *"in use"* ]]
	berth volume create unused
	run berth volume prune -f -a
	[[ "$output" == *unused* ]]
	[[ "$output" != *inuse* ]]
	run berth volume ls -q
	[ "$output" = inuse ]
}

@test "volume: --mount type=bind,readonly and type=tmpfs" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	echo hi >"$BATS_TEST_TMPDIR/src/f"
	run berth run --rm --mount "type=bind,source=$BATS_TEST_TMPDIR/src,target=/b,readonly" \
		--mount type=tmpfs,target=/t,tmpfs-size=1m busybox:vol sh -c 'cat /b/f; touch /b/x 2>&1; grep " /t " /proc/mounts'
	[[ "${lines[0]}" = hi ]]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"size=1024k"* ]]
}

@test "volume: a target through a symlink in the image stays inside the rootfs" {
	local r=$BATS_TEST_TMPDIR/rootfs
	mkdir -p "$r"
	tar -C "$r" -xf "$(busybox_tar)"
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	# /escape in the image points at a host path: as Docker does, it is
	# resolved inside the rootfs (as if the rootfs were /), so the mount lands
	# on <rootfs>$BATS_TEST_TMPDIR/outside/in, created there, never on the host's
	ln -s "$BATS_TEST_TMPDIR/outside" "$r/escape"
	mkdir -p "$BATS_TEST_TMPDIR/src"
	echo data >"$BATS_TEST_TMPDIR/src/f"
	run berth run --rm --rootfs "$r" -v "$BATS_TEST_TMPDIR/src:/escape/in" \
		sh -c "cat /escape/in/f; cat $BATS_TEST_TMPDIR/outside/in/f"
	[ "$status" -eq 0 ]
	[ "$output" = $'data\ndata' ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/outside")" ]
	! findmnt -rn | grep -F "$BATS_TEST_TMPDIR/outside"
	# the image's /data -> /etc: a named volume there is the container's /etc
	# (pre-filled from the image's /etc), the host's /etc is untouched
	ln -s /etc "$r/data"
	run berth run --rm --rootfs "$r" -v confvol:/data sh -c 'echo x >/data/added; cat /etc/added; grep -c ^root: /data/passwd'
	[ "$status" -eq 0 ]
	[ "$output" = $'x\n1' ]
	[ ! -e /etc/added ]
	[ -e "$STORE/volumes/confvol/_data/added" ]
	[ -e "$STORE/volumes/confvol/_data/passwd" ]
	! findmnt -rn -T /etc | grep -F confvol
	# --mount takes the same path
	run berth run --rm --rootfs "$r" --mount "type=bind,src=$BATS_TEST_TMPDIR/src,dst=/data/sub" cat /etc/sub/f
	[ "$status" -eq 0 ]
	[ "$output" = data ]
	# a relative link that stays inside is followed
	ln -s tmp "$r/inside"
	run berth run --rm --rootfs "$r" -v "$BATS_TEST_TMPDIR/src:/inside/in" cat /tmp/in/f
	[ "$status" -eq 0 ]
	[ "$output" = data ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/outside")" ]
	! findmnt -rn | grep -F "$BATS_TEST_TMPDIR/outside"
}
