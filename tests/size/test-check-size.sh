#!/usr/bin/env bash
# The size checker itself (scripts/check-size): it passes on the tree; on a
# scratch copy, a library file over 900 lines and a function over 120 lines
# fail, the same with a `/* size: <why> */` comment pass, a pending entry
# passes, and a pending entry no longer over its bar fails. TAP output.
#   tests/size/test-check-size.sh SOURCE_ROOT
set -uo pipefail
src=${1:?source root}
check="$src/scripts/check-size"
scratch=$(mktemp -d /tmp/berth-size.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; sed 's/^/# /' "$scratch/out"; }

# expect RC NAME [PATTERN]: the checker on the scratch tree exits RC and prints PATTERN
expect() {
	local want=$1 name=$2 pattern=${3:-}
	local rc=0
	"$check" --root "$scratch/tree" >"$scratch/out" 2>&1 || rc=$?
	if ((rc == want)) && { [[ -z "$pattern" ]] || grep -qF -- "$pattern" "$scratch/out"; }; then
		ok "$name"
	else
		not_ok "$name (rc $rc)"
	fi
}

# body N: a function with N body lines
body() {
	printf 'static int big(int a,\n\t\t   int b)\n{\n'
	for ((i = 0; i < $1; i++)); do printf '\ta += b;\n'; done
	printf '}\n'
}

echo "1..8"
if "$check" --root "$src" >"$scratch/out" 2>&1; then ok "the tree passes"; else not_ok "the tree passes"; fi

mkdir -p "$scratch/tree/scripts" "$scratch/tree/src/libberth/core"
cp "$src/scripts/size-pending.txt" "$scratch/tree/scripts/"
: >"$scratch/tree/scripts/size-pending.txt"
f="$scratch/tree/src/libberth/core/big.c"

{ printf '/* SPDX */\n#include "core/big.h"\n'; for ((i = 0; i < 901; i++)); do echo "int v$i;"; done; } >"$f"
expect 1 "a library file over 900 lines fails" "src/libberth/core/big.c: 903 lines (over 900)"
sed -i '1a /* size: one table, split it and nothing reads better */' "$f"
expect 0 "the same with a size comment passes"

{ printf 'int v;\n'; body 121; } >"$f"
expect 1 "a function over 120 lines fails" "src/libberth/core/big.c:2: big: 121 lines (over 120)"
{ printf 'int v;\n'; body 120; } >"$f"
expect 0 "a function of 120 lines passes"
{ printf 'int v;\n/* size: one state machine, its cases read in order */\n'; body 200; } >"$f"
expect 0 "a function over 120 lines with a size comment passes"

{ printf 'int v;\n'; body 121; } >"$f"
printf 'src/libberth/core/big.c:big\tsomeone (issue 0)\n' >"$scratch/tree/scripts/size-pending.txt"
expect 0 "a pending function passes" "pending: src/libberth/core/big.c:2: big"
{ printf 'int v;\n'; body 10; } >"$f"
expect 1 "a pending entry no longer over its bar fails" \
	"src/libberth/core/big.c:big is no longer over its bar"
exit $failed
