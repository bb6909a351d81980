#!/usr/bin/env bats
# berth dockerfile dump: BuildKit's parser, shown in its test `result` format.
load helpers

setup() { common_setup; }

@test "every buildkit-parser case dumps exactly its result" {
	need_conformance buildkit-parser/cases
	local n=0 d
	for d in "$CONFORMANCE"/buildkit-parser/cases/*/; do
		run --separate-stderr berth dockerfile dump -f "$d/Dockerfile"
		[ "$status" -eq 0 ] || { echo "case $d: $stderr"; return 1; }
		diff -u "$d/result" <(printf '%s\n' "$output") || { echo "case $d differs"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 33 ]
	echo "# buildkit-parser: $n of $n cases dump exactly" >&3
}

@test "every negative buildkit-parser case fails with exit 1 and a location" {
	need_conformance buildkit-parser/negative
	local n=0 d
	for d in "$CONFORMANCE"/buildkit-parser/negative/*/; do
		run berth dockerfile dump -f "$d/Dockerfile"
		[ "$status" -eq 1 ] || { echo "case $d: status $status: $output"; return 1; }
		[[ "$output" == "berth: $d/Dockerfile:"[0-9]*:[0-9]*": "* ]] || { echo "$output"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 4 ]
	echo "# buildkit-parser: $n of $n negative cases rejected" >&3
}

@test "the heredoc conformance Dockerfile dumps with its heredoc lines" {
	need_conformance buildkit-heredoc/full/Dockerfile
	run berth dockerfile dump -f "$CONFORMANCE/buildkit-heredoc/full/Dockerfile"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 28 ]
	[[ "$output" == *'(copy "<<X" "<<Y" "/dest")'* ]]
	[[ "$output" == *'(run "<<  EOF  > foo")'* ]]
	[[ "$output" == *'(invalid "")'* ]]
}

@test "an unknown instruction is reported with file, line, column and the line" {
	printf 'FROM busybox\n\n# comment\nRUN true\n\nENV A=1\nRUNN echo hi\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	cd "$BATS_TEST_TMPDIR"
	run berth dockerfile dump --validate
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "berth: Dockerfile:7:1: unknown instruction: RUNN (did you mean RUN?)" ]
	[ "${lines[1]}" = "     7 | RUNN echo hi" ]
	# Without --validate the dump shows it as BuildKit's parser does.
	run berth dockerfile dump
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = '(runn "")' ]
}

@test "an unknown flag is reported with a suggestion" {
	printf 'FROM busybox\nCOPY --chmown=1:1 a /b\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	run berth dockerfile dump --validate -f "$BATS_TEST_TMPDIR/Dockerfile"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"/Dockerfile:2:1: unknown flag: --chmown (did you mean chown?)" ]]
}

@test "--validate: an instruction before the first FROM is BuildKit's 'no build stage in current context'" {
	printf 'ARG V=1\n# comment\nRUN echo $V\nFROM busybox\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	run berth dockerfile dump --validate -f "$BATS_TEST_TMPDIR/Dockerfile"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"/Dockerfile:3:1: no build stage in current context" ]]
	[ "${lines[1]}" = '     3 | RUN echo $V' ]
	# global ARGs before FROM are fine
	printf 'ARG V=1\nFROM busybox:$V\nRUN echo\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	run berth dockerfile dump --validate -f "$BATS_TEST_TMPDIR/Dockerfile"
	[ "$status" -eq 0 ]
}

@test "a Dockerfile on stdin, escape directive, continuations and heredocs" {
	run berth dockerfile dump -f - <<'EOF'
# escape=`
FROM mcr.microsoft.com/windows AS base
RUN dir c:\ `
    # a comment inside the continuation
    /w
COPY --chmod=755 <<script.sh /usr/local/bin/
#!/bin/sh
echo hi
script.sh
CMD ["app", "--flag"]
CMD [not json
EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '(from "mcr.microsoft.com/windows" "AS" "base")' ]
	[ "${lines[1]}" = '(run "dir c:\\     /w")' ]
	[ "${lines[2]}" = '(copy ["--chmod=755"] "<<script.sh" "/usr/local/bin/")' ]
	[ "${lines[3]}" = '(cmd "app" "--flag")' ]
	[ "${lines[4]}" = '(cmd "[not json")' ]
}

@test "an unterminated heredoc fails at its instruction" {
	printf 'FROM a\nRUN <<EOF\necho\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	run berth dockerfile dump -f "$BATS_TEST_TMPDIR/Dockerfile"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == *"/Dockerfile:2:1: unterminated heredoc" ]]
}

@test "empty continuation lines warn on stderr and leave the dump alone" {
	printf 'FROM a\nRUN a \\\n\n  b\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	run --separate-stderr berth dockerfile dump -f "$BATS_TEST_TMPDIR/Dockerfile"
	[ "$status" -eq 0 ]
	[ "$output" = $'(from "a")\n(run "a   b")' ]
	[[ "$stderr" == *"Empty continuation line found in: RUN a   b"* ]]
}

@test "a missing Dockerfile is an error naming it" {
	cd "$BATS_TEST_TMPDIR"
	run berth dockerfile dump -f nope
	[ "$status" -eq 1 ]
	[[ "$output" == "berth: open 'nope': No such file or directory" ]]
}
