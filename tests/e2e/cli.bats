#!/usr/bin/env bats
# The command line itself: help, version, unknown commands, exit codes.
load helpers

setup() { common_setup; }

@test "--version prints the version" {
	run berth --version
	[ "$status" -eq 0 ]
	[[ "$output" == "berth version "* ]]
}

@test "--help lists the commands" {
	run berth --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"images"* ]]
	[[ "$output" == *"build"* ]]
}

@test "an unknown command exits 1 and says so" {
	run --separate-stderr berth frobnicate
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"'frobnicate' is not a berth command"* ]]
}

@test "an invalid log level exits 1 with one line" {
	run berth --log-level loud images
	assert_one_error_line "invalid log level 'loud'"
	[ "$status" -eq 1 ]
}

@test "no command prints usage and exits 1" {
	run berth
	[ "$status" -eq 1 ]
	[[ "$output" == *"Usage: berth"* ]]
}
