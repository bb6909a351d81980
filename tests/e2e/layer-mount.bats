#!/usr/bin/env bats
# `berth image mount` / `image umount` (issue #3): deletions and opaque
# directories across three layers, a 120-layer image, read-only mounts,
# errors. Images are written into the store (an OCI layout) by
# oci_layout_from_layers from layers made by the layer library.
load helpers

setup() {
	common_setup
	[[ -x $LAYER_TOOL ]] || skip "layer-tool not built at $LAYER_TOOL"
	[[ $(id -u) -eq 0 ]] || skip "overlay mounts need root"
	W=$BATS_TEST_TMPDIR
}

teardown() {
	# unmount whatever a failed test left mounted below its own store
	local m
	for m in "$STORE"/layers/mnt/*; do
		mountpoint -q "$m" 2>/dev/null && umount "$m"
	done
	true
}

@test "image mount shows deletions and opaque directories across three layers" {
	mkdir -p "$W/l1/dir" "$W/l1/keep" "$W/l2/dir" "$W/l3/keep"
	echo a >"$W/l1/a"
	echo x >"$W/l1/dir/x"
	echo y >"$W/l1/dir/y"
	echo z >"$W/l1/keep/z"
	echo w >"$W/l1/keep/w"
	# layer 2: deletes a, replaces dir/ wholesale
	mknod "$W/l2/a" c 0 0
	echo new >"$W/l2/dir/new"
	setfattr -n trusted.overlay.opaque -v y "$W/l2/dir"
	# layer 3: deletes keep/z, brings a back as a directory
	mknod "$W/l3/keep/z" c 0 0
	mkdir "$W/l3/a"
	echo inside >"$W/l3/a/inside"
	for i in 1 2 3; do layer_tool pack --upper "$W/l$i" "$W/l$i.tgz" >/dev/null; done
	oci_layout_from_layers "$STORE" docker.io/library/three:1 "$W/l1.tgz" "$W/l2.tgz" "$W/l3.tgz"

	run berth image mount three:1
	[ "$status" -eq 0 ]
	mnt=$output
	[[ $mnt == "$STORE"/layers/mnt/* ]]
	(cd "$mnt" && find . -mindepth 1 | sort) >"$W/view"
	printf '%s\n' ./a ./a/inside ./dir ./dir/new ./keep ./keep/w | diff -u - "$W/view"
	[ "$(cat "$mnt/dir/new")" = new ]
	# read-only
	run touch "$mnt/newfile"
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	# mounting again prints the same path; the layers were unpacked once
	run berth image mount three:1
	[ "$output" = "$mnt" ]
	[ "$(find "$STORE/layers" -maxdepth 1 -name '[0-9a-f]*' -type d | wc -l)" -eq 3 ]

	run berth image umount three:1
	[ "$status" -eq 0 ]
	! mountpoint -q "$mnt"
	[ ! -e "$mnt" ]
	run berth image umount three:1
	assert_one_error_line "image 'three:1': image sha256:[0-9a-f]{12} is not mounted"
}

@test "image mount of a 120-layer image" {
	layers=()
	for i in $(seq 1 120); do
		mkdir -p "$W/src$i"
		echo "$i" >"$W/src$i/file-$i"
		echo "$i" >"$W/src$i/top"
		layer_tool pack --compression zstd "$W/src$i" "$W/l$i.tzst" >/dev/null
		layers+=("$W/l$i.tzst")
	done
	oci_layout_from_layers "$STORE" docker.io/library/tall:120 "${layers[@]}"
	run berth image mount tall:120
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	mnt=$output
	[ "$(ls "$mnt" | grep -c '^file-')" -eq 120 ]
	[ "$(cat "$mnt/top")" = 120 ]
	# the lower dirs together are far longer than a page: no option string was used
	total=$(find "$STORE/layers" -maxdepth 2 -name diff | wc -c)
	[ "$total" -gt 4096 ]
	berth image umount tall:120
}

@test "image mount errors: unknown image, no argument, corrupt layer" {
	run berth image mount nosuch:1
	assert_one_error_line "no such image"
	run berth image mount
	assert_one_error_line "requires at least 1 argument"
	[ "$status" -eq 1 ]
	run berth image mount --bogus x
	assert_one_error_line "unknown flag: --bogus"

	# a layer blob whose tar does not match the config's diffID is refused, nothing cached
	mkdir "$W/a" "$W/b"
	echo a >"$W/a/f"
	echo b >"$W/b/f"
	layer_tool pack "$W/a" "$W/a.tgz" >/dev/null
	layer_tool pack "$W/b" "$W/b.tgz" >/dev/null
	oci_layout_from_layers "$STORE" docker.io/library/bad:1 "$W/a.tgz"
	good=$(sha256sum "$W/a.tgz" | cut -d' ' -f1)
	cp "$W/b.tgz" "$STORE/blobs/sha256/$good"
	run berth image mount bad:1
	assert_one_error_line "diffID is sha256:[0-9a-f]{64}, expected"
	[ -z "$(find "$STORE/layers" -mindepth 1 -maxdepth 1 -type d \( -name '[0-9a-f]*' -o -name '.tmp-*' \))" ]
}

@test "image mount of a hostile layer refuses it and names the entry" {
	python3 - "$W/evil.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
ti = tarfile.TarInfo("etc"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc"; t.addfile(ti)
data = b"pwned\n"
ti = tarfile.TarInfo("etc/berth-pwned"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
t.close()
PY
	oci_layout_from_layers "$STORE" docker.io/library/evil:1 "$W/evil.tar"
	run berth image mount evil:1
	assert_one_error_line "entry 'etc/berth-pwned': goes through symlink 'etc'"
	[ ! -e /etc/berth-pwned ]
}
