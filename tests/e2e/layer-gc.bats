#!/usr/bin/env bats
# The unpacked-layer cache is garbage collected (issue #3): `rmi`, `image
# prune` and `system prune` remove layers/<chain-id>/ that no image,
# mount or container needs, and never one a running container uses.
load helpers

setup() {
	common_setup
	[[ -x $LAYER_TOOL ]] || skip "layer-tool not built at $LAYER_TOOL"
	[[ $(id -u) -eq 0 ]] || skip "overlay mounts need root"
	W=$BATS_TEST_TMPDIR
	CID=
}

teardown() {
	[[ -n $CID ]] && berth rm -f "$CID" >/dev/null 2>&1
	local m
	for m in "$STORE"/layers/mnt/*; do
		mountpoint -q "$m" 2>/dev/null && umount "$m"
	done
	true
}

# chain IDs (hex) of the layers unpacked in the store, sorted
cached_chains() {
	find "$STORE/layers" -mindepth 1 -maxdepth 1 -type d -regextype egrep \
		-regex '.*/[0-9a-f]{64}' -printf '%f\n' | sort
}

# chain_of PARENT_HEX DIFFID: the OCI chain ID (hex) of a layer on PARENT
chain_of() {
	if [[ -z $1 ]]; then
		echo "${2#sha256:}"
	else
		printf 'sha256:%s %s' "$1" "$2" | sha256sum | cut -d' ' -f1
	fi
}

# an oci-archive of one image tagged $2 from layer files $3..., loaded into the store
load_image() {
	local name=$1 tag=$2
	shift 2
	oci_layout_from_layers "$W/oci-$name" "$tag" "$@"
	tar -C "$W/oci-$name" -cf "$W/$name.tar" .
	berth load -q -i "$W/$name.tar" >/dev/null
}

@test "rmi and system prune remove the unpacked layers only the removed image used" {
	for l in base a b; do
		mkdir -p "$W/$l"
		echo "$l" >"$W/$l/$l"
		layer_tool pack "$W/$l" "$W/$l.tgz" >/dev/null
	done
	load_image a docker.io/library/a:1 "$W/base.tgz" "$W/a.tgz"
	load_image b docker.io/library/b:1 "$W/base.tgz" "$W/b.tgz"
	base=$(chain_of "" "$(layer_tool diffid "$W/base.tgz")")
	top_a=$(chain_of "$base" "$(layer_tool diffid "$W/a.tgz")")
	top_b=$(chain_of "$base" "$(layer_tool diffid "$W/b.tgz")")
	# unpack both (as `run` does) through a mount
	for i in a b; do
		berth image mount "$i:1" >/dev/null
		berth image umount "$i:1"
	done
	[ "$(cached_chains)" = "$(printf '%s\n' "$base" "$top_a" "$top_b" | sort)" ]

	# nothing is unused yet
	run berth system prune -f
	[ "$status" -eq 0 ]
	[ "$(cached_chains)" = "$(printf '%s\n' "$base" "$top_a" "$top_b" | sort)" ]

	# b goes: the shared base stays, b's top chain goes
	run berth rmi b:1
	[ "$status" -eq 0 ]
	[[ $output == *Deleted:* ]]
	[ "$(cached_chains)" = "$(printf '%s\n' "$base" "$top_a" | sort)" ]
	[ ! -e "$STORE/layers/$top_b.lock" ]
	run berth system prune -f
	[ "$status" -eq 0 ]
	[[ $output == *"Total reclaimed space:"* ]]
	[ "$(cached_chains)" = "$(printf '%s\n' "$base" "$top_a" | sort)" ]
	# a still mounts from the cache
	run berth image mount a:1
	[ "$status" -eq 0 ]
	[ "$(cat "$output/base")" = base ] && [ "$(cat "$output/a")" = a ]

	# a mounted image keeps its layers even once untagged and pruned
	berth tag a:1 keep:1
	run berth rmi a:1 keep:1
	[ "$status" -eq 0 ]
	run berth system prune -f
	[ "$(cached_chains)" = "$(printf '%s\n' "$base" "$top_a" | sort)" ]
	mnt=$(find "$STORE/layers/mnt" -mindepth 1 -maxdepth 1 -type d)
	[ "$(cat "$mnt/a")" = a ]
	umount "$mnt"
	run berth system prune -f
	[ "$status" -eq 0 ]
	[ -z "$(cached_chains)" ]

	run berth system check
	[ "$status" -eq 0 ]
	[[ $output == *"0 problems, 0 orphans, 0 partial writes"* ]]
}

@test "image prune removes the unpacked layers of the dangling images it deletes" {
	mkdir -p "$W/one"
	echo one >"$W/one/f"
	layer_tool pack "$W/one" "$W/one.tgz" >/dev/null
	load_image one docker.io/library/one:1 "$W/one.tgz"
	berth image mount one:1 >/dev/null
	berth image umount one:1
	[ "$(cached_chains | wc -l)" -eq 1 ]
	run berth image prune -f
	[ "$(cached_chains | wc -l)" -eq 1 ]
	run berth image prune -a -f
	[ "$status" -eq 0 ]
	[[ $output == *deleted:* ]]
	[ -z "$(cached_chains)" ]
}

@test "a chain a running detached container uses survives prune; it goes with the container" {
	berth import "$(busybox_tar)" bb:1 >/dev/null
	run berth run -d bb:1 sleep 600
	[ "$status" -eq 0 ]
	CID=$output
	chain=$(cached_chains)
	[ "$(printf '%s\n' "$chain" | wc -l)" -eq 1 ]
	[ -n "$chain" ]

	# prune -a keeps an image a container uses, as Docker; another goes
	berth import "$(busybox_tar)" other:1 >/dev/null
	run berth image prune -a -f
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"untagged: other:1"* ]]
	[[ $output != *"bb:1"* ]]
	run berth images
	[[ $output == *bb* ]]
	[[ $output != *other* ]]

	# rmi of the last name of an image a container uses needs -f, as Docker;
	# untagging one of two names does not
	run berth rmi bb:1
	[ "$status" -eq 1 ]
	[[ $output == "berth: conflict: unable to remove repository reference 'bb:1' (must force) - container ${CID:0:12} is using its referenced image "* ]]
	berth tag bb:1 bb:2
	run berth rmi bb:2
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: bb:2" ]

	# the image goes; its layer is the running container's lower dir
	run berth rmi -f bb:1
	[ "$status" -eq 0 ]
	run berth system prune -f
	[ "$status" -eq 0 ]
	[ "$(cached_chains)" = "$chain" ]
	[ -f "$STORE/layers/$chain/diff/bin/busybox" ]
	# -a keeps what the running container uses
	run berth system prune -a -f
	[ "$status" -eq 0 ]
	[ "$(cached_chains)" = "$chain" ]
	# the container still runs on it
	run berth ps -q
	[[ $output == *"${CID:0:12}"* ]]

	# stopped, its record still keeps the layer (it can start again)
	berth stop -t 1 "$CID" >/dev/null
	run berth image prune -f
	[ "$(cached_chains)" = "$chain" ]

	# system prune removes the stopped container, then its layer
	run berth system prune -f
	[ "$status" -eq 0 ]
	[[ $output == *"Deleted Containers:"* ]]
	[[ $output == *"$CID"* ]]
	CID=
	[ -z "$(cached_chains)" ]
	run berth system check
	[ "$status" -eq 0 ]
	[[ $output == *"0 problems, 0 orphans"* ]]
}

@test "system prune: Docker's prompt, flags and output" {
	# an empty store: nothing to remove
	run berth system prune -f
	[ "$status" -eq 0 ]
	[ "$output" = "Total reclaimed space: 0B" ]

	mkdir -p "$W/one"
	echo one >"$W/one/f"
	layer_tool pack "$W/one" "$W/one.tgz" >/dev/null
	load_image one docker.io/library/one:1 "$W/one.tgz"
	berth image mount one:1 >/dev/null
	berth image umount one:1

	# answering anything but y removes nothing, like Docker (exit 0)
	run bash -c 'echo n | "$BERTH" --root "$STORE" system prune -a'
	[ "$status" -eq 0 ]
	[[ $output == *"WARNING! This will remove:"* ]]
	[[ $output == *"all images without at least one container associated to them"* ]]
	[[ $output == *"all build cache"* ]]
	[[ $output == *"Are you sure you want to continue? [y/N]"* ]]
	[[ $output != *"Total reclaimed space"* ]]
	run berth images -q
	[ -n "$output" ]

	# the flag berth does not have yet says so and removes nothing
	run berth system prune -f --filter until=1h
	[ "$status" -ne 0 ]
	[[ $output == *"'--filter' is not supported yet"* ]]
	run berth images -q
	[ -n "$output" ]
	[ "$(cached_chains | wc -l)" -eq 1 ]

	# y: the image, its blobs and its unpacked layer go; the total is Docker's units
	run bash -c 'echo y | "$BERTH" --root "$STORE" system prune -a'
	[ "$status" -eq 0 ]
	[[ $output == *"Deleted Images:"* ]]
	[[ $output == *"untagged: docker.io/library/one:1"* || $output == *"untagged: one:1"* ]]
	[[ $output == *"deleted: sha256:"* ]]
	last=$(printf '%s\n' "$output" | tail -n1)
	[[ $last =~ ^"Total reclaimed space: "[0-9]+(\.[0-9]+)?(kB|MB)$ ]]
	run berth images -q
	[ -z "$output" ]
	[ -z "$(cached_chains)" ]
}
