# Shared by every tests/e2e/*.bats file. Each test gets its own store under
bats_require_minimum_version 1.5.0
# $BATS_TEST_TMPDIR (never /var/lib/berth) and the `berth` function runs the
# real binary against it.
BERTH=${BERTH:-$BATS_TEST_DIRNAME/../../build/src/berth/berth}
FIXTURES=$BATS_TEST_DIRNAME/../fixtures
CONFORMANCE=${CONFORMANCE:-$BATS_TEST_DIRNAME/../../../shared/conformance}

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
