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

common_setup() {
	STORE=$BATS_TEST_TMPDIR/store
	export STORE
}

# The busybox base rootfs tarball, made once per test file.
busybox_tar() {
	local t=$BATS_FILE_TMPDIR/busybox.tar
	[[ -f $t ]] || "$FIXTURES/mkbase-busybox" "$t"
	echo "$t"
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
