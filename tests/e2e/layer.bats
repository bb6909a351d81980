#!/usr/bin/env bats
# Layers (issue #3): round trip of an awkward tree through a layer and back
# (berth's unpacker and umoci's), reproducible digests, bounded memory on a
# 1 GiB layer, whiteouts and opaque dirs across layers, 120-layer overlays.
# Uses the layer library's driver (layer-tool) and, for the mounts,
# `berth image mount`.
load helpers

setup() {
	common_setup
	[[ -x $LAYER_TOOL ]] || skip "layer-tool not built at $LAYER_TOOL"
	W=$BATS_TEST_TMPDIR
}

walk() { python3 "$LAYER_SCRIPTS/treewalk.py" "$@"; }

@test "round trip: tree -> layer -> unpack gives the same tree, with berth and with umoci" {
	python3 "$LAYER_SCRIPTS/mktree.py" "$W/src"
	for c in gzip zstd; do
		run layer_tool pack --compression "$c" "$W/src" "$W/layer.$c"
		[ "$status" -eq 0 ]
		mkdir "$W/dst-$c"
		layer_tool unpack "$W/layer.$c" "$W/dst-$c"
	done
	walk "$W/src" >"$W/src.walk"
	# the tree really has what the issue lists
	grep -q 'security.capability=' "$W/src.walk"
	grep -q 'user.berth.test=' "$W/src.walk"
	grep -q '^fifo 10644' "$W/src.walk"
	grep -q '^setuid 104755' "$W/src.walk"
	grep -q '^tmp 41777' "$W/src.walk"
	[ "$(grep -c 'link=hardlink-top' "$W/src.walk")" -eq 3 ]
	grep -q -- '->/etc/passwd' "$W/src.walk"
	grep -q 'utf8-ñame-日本語-🚀' "$W/src.walk"
	grep -q "^$(printf 'L%.0s' {1..255}) " "$W/src.walk"
	grep -q 'level-59-' "$W/src.walk"
	for c in gzip zstd; do
		walk "$W/dst-$c" | diff -u "$W/src.walk" -
	done
	# holes stay holes
	[ "$(du -k "$W/dst-gzip/sparse" | cut -f1)" -lt 1024 ]

	# umoci unpacks the same image (an OCI layout made from the gzip layer) to the same tree
	oci_layout_from_layers "$W/oci" rt "$W/layer.gzip"
	run umoci unpack --image "$W/oci:rt" "$W/bundle"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	walk "$W/bundle/rootfs" | diff -u "$W/src.walk" -
}

@test "SOURCE_DATE_EPOCH: trees made at different times give the same layer digest" {
	for t in a b; do
		mkdir -p "$W/$t/etc/app"
		echo config >"$W/$t/etc/app/conf"
		printf '#!/bin/sh\necho hi\n' >"$W/$t/run.sh"
		chmod 755 "$W/$t/run.sh"
		ln -s run.sh "$W/$t/start"
	done
	touch -h -d '2030-01-01 00:00:00' "$W/a"/* "$W/a/etc/app"/* "$W/a/etc" "$W/a/etc/app"
	touch -h -d '2031-06-15 12:34:56' "$W/b"/* "$W/b/etc/app"/* "$W/b/etc" "$W/b/etc/app"
	run layer_tool pack "$W/a" "$W/a.tgz"
	a_plain=$output
	run layer_tool pack "$W/b" "$W/b.tgz"
	[ "$a_plain" != "$output" ]
	for c in gzip zstd; do
		a=$(SOURCE_DATE_EPOCH=1700000000 layer_tool pack --compression $c "$W/a" "$W/a.$c")
		b=$(SOURCE_DATE_EPOCH=1700000000 layer_tool pack --compression $c "$W/b" "$W/b.$c")
		echo "$c: $a / $b"
		[ "$a" = "$b" ]
		cmp "$W/a.$c" "$W/b.$c"
		# the digest printed is the sha256 of the file written
		[ "$(cut -d' ' -f2 <<<"$a")" = "sha256:$(sha256sum "$W/a.$c" | cut -d' ' -f1)" ]
	done
	# and under another locale it is still the same tar
	c=$(LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=1700000000 layer_tool pack --compression zstd "$W/a" "$W/c.zstd")
	[ "$c" = "$a" ]
}

@test "a 1 GiB layer is written and unpacked with bounded memory" {
	mkdir -p "$W/big/dir"
	head -c $((256 << 20)) /dev/urandom >"$W/big/random"
	truncate -s $((768 << 20)) "$W/big/zeros"
	for i in $(seq 1 200); do echo "small $i" >"$W/big/dir/f$i"; done
	/usr/bin/time -f '%M' -o "$W/pack.rss" "$LAYER_TOOL" pack --compression zstd "$W/big" "$W/big.zst"
	mkdir "$W/out"
	/usr/bin/time -f '%M' -o "$W/unpack.rss" "$LAYER_TOOL" unpack "$W/big.zst" "$W/out"
	echo "peak RSS: pack $(cat "$W/pack.rss") KiB, unpack $(cat "$W/unpack.rss") KiB"
	# 1 GiB went through; memory stays far below it (libzstd's window included)
	[ "$(cat "$W/pack.rss")" -lt $((96 * 1024)) ]
	[ "$(cat "$W/unpack.rss")" -lt $((96 * 1024)) ]
	cmp "$W/big/random" "$W/out/random"
	[ "$(stat -c %s "$W/out/zeros")" -eq $((768 << 20)) ]
}
