#!/usr/bin/env bash
# The layering checker itself (scripts/check-layering): it passes on the
# tree, and fails on a scratch copy with a deliberately wrong include, a
# CLI include of an internal header, a deliberately wrong call (an object
# of store/ calling image/, with no include at all), and a CLI call of a
# symbol no public header declares. TAP output.
#   tests/layering/test-check-layering.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail
src=${1:?source root}
build=${2:?build dir}
check="$src/scripts/check-layering"
scratch=$(mktemp -d /tmp/berth-layering.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; sed 's/^/# /' "$scratch/out"; }

# expect_fail NAME PATTERN ARGS...: the checker exits 1 and prints PATTERN
expect_fail() {
	local name=$1 pattern=$2
	shift 2
	local rc=0
	"$check" "$@" >"$scratch/out" 2>&1 || rc=$?
	if ((rc == 1)) && grep -qF -- "$pattern" "$scratch/out"; then ok "$name"; else not_ok "$name (rc $rc)"; fi
}

echo "1..5"
if "$check" --root "$src" --build "$build" >"$scratch/out" 2>&1; then
	ok "the tree follows src/libberth/layers.tsv (includes and symbols)"
else
	not_ok "the tree follows src/libberth/layers.tsv (includes and symbols)"
fi

# A scratch copy of the sources (the checker reads src/ only).
mkdir -p "$scratch/tree"
cp -r "$src/src" "$scratch/tree/"

# store/ may use only core: an include of container/ is refused
sed -i '0,/^#include "core\//s//#include "container\/container.h"\n&/' "$scratch/tree/src/libberth/store/store.c"
expect_fail "a wrong include in the library fails" \
	"src/libberth/store/store.c:" --root "$scratch/tree"
cp "$src/src/libberth/store/store.c" "$scratch/tree/src/libberth/store/store.c"

# the CLI includes only public headers
sed -i '0,/^#include "core\//s//#include "layer\/layer-internal.h"\n&/' "$scratch/tree/src/berth/cmd-mount.c"
expect_fail "a CLI include of an internal header fails" \
	"the CLI may include only layer/layer.h" --root "$scratch/tree"
cp "$src/src/berth/cmd-mount.c" "$scratch/tree/src/berth/cmd-mount.c"

# Link-time symbols: a scratch build dir with the real libraries and CLI
# objects, plus an object in store/'s library that calls image/ without
# any include, and one in the CLI that calls the builder's internals.
# (meson's archives are thin: they name their objects, so they are rebuilt
# as ordinary archives rather than copied.)
mkdir -p "$scratch/build/src/libberth" "$scratch/build/src/berth/berth.p"
libdir=$(cd "$build/src/libberth" && pwd)
for lib in "$libdir"/libberth-*.a; do
	members=$(ar t "$lib")
	# shellcheck disable=SC2086
	ar rc "$scratch/build/src/libberth/${lib##*/}" $members
done
cp "$build"/src/berth/berth.p/*.o "$scratch/build/src/berth/berth.p/"
cc=${CC:-cc}
printf 'int berth_image_resolve();\nint store_wrong(void) { return berth_image_resolve(); }\n' >"$scratch/wrong.c"
"$cc" -c -o "$scratch/store_wrong.c.o" "$scratch/wrong.c"
cp "$scratch/build/src/libberth/libberth-store.a" "$scratch/store.a"
ar rc "$scratch/build/src/libberth/libberth-store.a" "$scratch/store_wrong.c.o"
expect_fail "a wrong call in the library fails (no include needed)" \
	"store calls berth_image_resolve of image" --root "$src" --build "$scratch/build"
cp "$scratch/store.a" "$scratch/build/src/libberth/libberth-store.a"

printf 'int builder_error_at();\nint cli_wrong(void) { return builder_error_at(); }\n' >"$scratch/cli.c"
"$cc" -c -o "$scratch/build/src/berth/berth.p/cmd-wrong.c.o" "$scratch/cli.c"
expect_fail "a CLI call of an internal symbol fails" \
	"the CLI calls builder_error_at of builder" --root "$src" --build "$scratch/build"
exit $failed
