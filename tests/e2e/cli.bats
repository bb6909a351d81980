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

# Every command berth has, as typed: the single-word commands and the
# management commands of `berth --help`, and each group's subcommands from
# `berth GROUP --help`.
all_commands() {
	local section='' line word sub
	while IFS= read -r line; do
		case $line in
		"Management Commands:") section=groups ;;
		"Commands:") section=commands ;;
		"") section='' ;;
		"  "*)
			word=${line#  }
			word=${word%% *}
			if [[ $section == commands ]]; then
				echo "$word"
			elif [[ $section == groups ]]; then
				"$BERTH" "$word" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([^ ]*\).*/\1/p' |
					while read -r sub; do echo "$word $sub"; done
			fi
			;;
		esac
	done < <("$BERTH" --help)
}

@test "every command and subcommand prints its usage with --help, exit 0" {
	local n=0 cmd
	while IFS= read -r cmd; do
		# shellcheck disable=SC2086 # two-word commands split on purpose
		run --separate-stderr berth $cmd --help
		[ "$status" -eq 0 ] || { echo "$cmd --help: status $status: $stderr"; return 1; }
		# an alias shows its command's usage (container ls: berth ps)
		[[ "${lines[0]}" == "Usage: "*"berth "* ]] || { echo "$cmd --help: $output"; return 1; }
		[ -z "$stderr" ] || { echo "$cmd --help wrote to stderr: $stderr"; return 1; }
		n=$((n + 1))
	done < <(all_commands)
	# the commands of issue 13's report are among them
	for cmd in ps logs rm stop restart kill start wait "volume ls" "container ls" \
		"container inspect" logout "image ls" build run exec; do
		all_commands | grep -qx "$cmd" || { echo "'$cmd' missing from the help"; return 1; }
	done
	[ "$n" -ge 60 ]
	echo "# $n commands print their usage with --help" >&3
}

@test "-h is --help everywhere except run and create, where it is --hostname as in Docker" {
	local cmd
	while IFS= read -r cmd; do
		[[ $cmd == run || $cmd == "container run" || $cmd == create || $cmd == "container create" ]] && continue
		# shellcheck disable=SC2086
		run --separate-stderr berth $cmd -h
		[ "$status" -eq 0 ] || { echo "$cmd -h: status $status: $stderr"; return 1; }
		[[ "${lines[0]}" == "Usage: "*"berth "* ]] || { echo "$cmd -h: $output"; return 1; }
	done < <(all_commands)
	run berth run -h
	assert_one_error_line "^berth: run: flag needs a value: -h "
	run berth create -h
	assert_one_error_line "^berth: create: flag needs a value: -h "
}

@test "--help after an operand: the command's for most, the container's for run and exec" {
	run berth rm somectr --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage:  berth rm "* ]]
	# run IMAGE CMD --help: --help is an argument of the container's command
	run berth run --rootfs "$BATS_TEST_TMPDIR/nosuch" true --help
	assert_one_error_line "nosuch"
}

@test "a group alone or with --help lists its subcommands; an unknown one is one line" {
	run --separate-stderr berth volume --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"  ls "*"  prune "* ]]
	run --separate-stderr berth volume
	[ "$status" -eq 1 ]
	[[ "$stderr" == "Usage:  berth volume COMMAND"* ]]
	run berth image frob
	assert_one_error_line "^berth: 'image frob' is not a berth command \(see 'berth image --help'\)$"
	[ "$status" -eq 1 ]
}

@test "an unknown flag is one line naming it, on every command" {
	local cmd
	for cmd in ps images logs rm stop restart kill start wait tag rmi inspect history save load \
		import build pull push login logout lint analyze exec "volume ls" "volume create" \
		"volume rm" "container inspect" "system df" "system prune" "image mount" \
		"builder prune" "dockerfile dump"; do
		# shellcheck disable=SC2086
		run berth $cmd --bogus-flag x
		assert_one_error_line "^berth: $cmd: unknown flag: --bogus-flag \(see 'berth $cmd --help'\)$"
		# shellcheck disable=SC2086
		run berth $cmd -Z x
		assert_one_error_line "^berth: $cmd: unknown flag: -Z \(see 'berth $cmd --help'\)$"
		[ "$status" -eq 1 ]
	done
	# and berth's own flags
	run berth --bogus-flag ps
	assert_one_error_line "^berth: unknown flag: --bogus-flag \(see 'berth --help'\)$"
}

@test "run's unknown flags: one line (getopt prints nothing), exit 125 as Docker's" {
	run --separate-stderr berth run -Z busybox
	[ "$status" -eq 125 ]
	[ "$stderr" = "berth: run: unknown flag: -Z (see 'berth run --help')" ]
	run berth run --rootfs / --frobnicate true
	assert_one_error_line "unknown flag: --frobnicate"
	[ "$status" -eq 125 ]
}

@test "a Docker flag berth does not have yet says so, naming it" {
	run berth run -c 2 busybox
	assert_one_error_line "^berth: run: '-c' is not supported yet \(see 'berth run --help'\)$"
	run berth run --cidfile /dev/null busybox
	assert_one_error_line "^berth: run: '--cidfile' is not supported yet "
	run berth container inspect --size c
	assert_one_error_line "^berth: container inspect: '--size' is not supported yet "
	run berth build --platform linux/arm64 .
	assert_one_error_line "^berth: build: '--platform' is not supported yet "
	run berth volume create --driver local v
	assert_one_error_line "^berth: volume create: '--driver' is not supported yet "
	[ "$status" -eq 1 ]
}

@test "missing values, values given to switches and abbreviations are one line each" {
	run berth logs --tail
	assert_one_error_line "^berth: logs: flag needs a value: --tail "
	run berth build -t
	assert_one_error_line "^berth: build: flag needs a value: -t "
	run berth ps --all=yes
	assert_one_error_line "^berth: ps: flag --all does not take a value "
	# getopt would take --qu for --quiet; Docker takes no abbreviation
	run berth ps --qu
	assert_one_error_line "^berth: ps: unknown flag: --qu "
	run berth --root
	assert_one_error_line "^berth: flag needs a value: --root "
}

@test "BERTH_NO_OPENAT2=1 is read by berth's main and switches path resolution to the walk" {
	BERTH_NO_OPENAT2=1 run --separate-stderr berth --log-level debug images
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"BERTH_NO_OPENAT2: paths resolve by the component walk, not openat2"* ]]
	BERTH_NO_OPENAT2=0 run --separate-stderr berth --log-level debug images
	[[ "$stderr" != *BERTH_NO_OPENAT2* ]]
}

@test "docs/cli.md's flag tables agree with --help, the flag parser and Docker's own --help" {
	local tool=$BATS_TEST_DIRNAME/../tools/cli-flag-table docs=$BATS_TEST_DIRNAME/../../docs/cli.md
	# Docker 28's client is the reference of the tables (the machine image has it)
	local docker=""
	[[ -x /usr/local/bin/docker ]] && docker=/usr/local/bin/docker
	run "$tool" "$BERTH" "$docs" $docker
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# the checker itself: a wrong status and a missing row are caught
	sed 's/^| `--cidfile` | not yet |/| `--cidfile` | done |/; /^| `--no-trunc` | done |/d' \
		"$docs" >"$BATS_TEST_TMPDIR/cli.md"
	run "$tool" "$BERTH" "$BATS_TEST_TMPDIR/cli.md"
	[ "$status" -eq 1 ]
	[[ "$output" == *"run --cidfile: 'done' but --help does not list --cidfile"* ]]
	[[ "$output" == *"ps: --help lists --no-trunc, the table does not"* ]]
}
