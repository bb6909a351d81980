#!/usr/bin/env bats
# The crash-consistency suite (tests/crash/run) in its bounded form, as
# `make check` runs it: CRASH_TRIALS (default 2) SIGKILLs at random moments
# per operation. The long form is `make check-crash` (15 per operation).
# A failure prints the seed that replays it: CRASH_SEED=S tests/crash/run OP.

crash() {
	[[ $EUID -eq 0 ]] || skip "needs root (mounts, the store's flocks of builds)"
	run env CRASH_TRIALS="${CRASH_TRIALS:-2}" "$BATS_TEST_DIRNAME/run" "$1"
	echo "$output"
	[[ "$output" != *"skipped (docker-registry"* ]] || skip "docker-registry is not installed"
	[ "$status" -eq 0 ]
	[[ "$output" == *"crash: ${CRASH_TRIALS:-2} trials"*", 0 failed"* ]]
}

@test "crash: kill -9 during import leaves a whole store, the rerun succeeds, check is clean" {
	crash import
}

@test "crash: kill -9 during load leaves a whole store, the rerun succeeds, check is clean" {
	crash load
}

@test "crash: kill -9 during build (COPY, RUN) leaves a whole store and no mount, the rerun succeeds" {
	crash build
}

@test "crash: kill -9 during pull leaves a whole store, the rerun succeeds, check is clean" {
	crash pull
}

@test "crash: kill -9 during push leaves a whole store, the rerun pushes a whole image" {
	crash push
}

@test "crash: kill -9 during a multi-name rmi leaves a whole store, the rerun removes the rest" {
	crash rmi
}

@test "crash: kill -9 during image prune leaves a whole store, the rerun succeeds, check is clean" {
	crash prune
}
