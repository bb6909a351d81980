#!/usr/bin/env bats
# berth lint: the rules, the corpus, the output formats, config and exit codes.
load helpers

setup() {
	common_setup
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX"
}

ROOT=$BATS_TEST_DIRNAME/../..

@test "the corpus of Dockerfiles gives exactly the expected findings" {
	n=$(ls -d "$ROOT"/tests/lint/cases/*/ | wc -l)
	[ "$n" -ge 40 ]
	run "$ROOT/tests/lint/run" "$BERTH"
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
	[[ "$output" == "1..$n"* ]]
}

@test "the examples follow every guideline: no warnings or errors beyond the listed ones" {
	shopt -s nullglob
	files=("$ROOT"/examples/*/Dockerfile)
	[ "${#files[@]}" -gt 0 ] || skip "no examples/*/Dockerfile in this tree yet"
	known=$(grep -v '^#' "$ROOT/tests/lint/examples-known" | awk '{print $1, $2}')
	for f in "${files[@]}"; do
		ex=$(basename "$(dirname "$f")")
		run --separate-stderr berth lint --format json -f "$f" "$(dirname "$f")"
		[ "$status" -eq 0 ]
		got=$(jq -r --arg ex "$ex" '.findings[] | select(.severity != "info") | "\($ex) \(.rule)"' <<<"$output")
		want=$(grep "^$ex " <<<"$known" || true)
		echo "$ex: got [$got] want [$want]"
		[ "$got" = "$want" ]
		# infos (BL043: no HEALTHCHECK; orchestrator probes are the guide's way) are shown only
		jq -r '.findings[] | select(.severity == "info") | "\(.line) \(.rule) \(.message)"' <<<"$output"
	done
}

@test "text output: line, severity, message, rule id and fix; warnings pass by default" {
	printf 'FROM python:latest\nRUN pip install flask\nRUN echo done\n' >"$CTX/Dockerfile"
	cd "$CTX"
	run berth lint
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Dockerfile:1:1: warning: base image 'python:latest' uses the mutable 'latest' tag [BL002]" ]]
	[[ "${lines[1]}" == "    fix: pin a release tag"* ]]
	[[ "$output" == *"Dockerfile:2:1: warning: 'pip install' without --no-cache-dir leaves pip's cache in the layer [BL014]"* ]]
	[[ "$output" == *"Dockerfile:3:1: info: RUN follows the RUN at line 2: each makes its own layer [BL010]"* ]]
	[[ "${lines[-1]}" == "Dockerfile: 5 findings (0 errors, 4 warnings, 1 info)" ]]
}

@test "--error-on sets the failing severity; errors fail by default" {
	printf 'FROM alpine:3.20\nUSER nobody\nRUN echo a\nRUN echo b\n' >"$CTX/Dockerfile"
	run berth lint "$CTX"
	[ "$status" -eq 0 ]
	run berth lint --error-on warning "$CTX"
	[ "$status" -eq 0 ]
	run berth lint --error-on info "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"[BL010]"* ]]
	printf 'FROM alpine:3.20\nENV DB_PASSWORD=hunter2\nUSER nobody\n' >"$CTX/Dockerfile"
	run berth lint "$CTX"
	[ "$status" -eq 1 ]
	[[ "$output" == *"error: ENV 'DB_PASSWORD' puts a secret into the image config [BL032]"* ]]
	run berth lint --ignore secret-in-env "$CTX"
	[ "$status" -eq 0 ]
}

@test "--format json is the documented shape" {
	printf 'FROM alpine\nUSER root\n' >"$CTX/Dockerfile"
	run --separate-stderr berth lint --format json "$CTX"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.version, .file, (.findings | length), .summary]' <<<"$output")" = \
		"[1,\"$CTX/Dockerfile\",2,{\"errors\":0,\"warnings\":2,\"infos\":0,\"suppressed\":0}]" ]
	[ "$(jq -c '.findings[0] | keys_unsorted' <<<"$output")" = \
		'["rule","name","severity","line","endLine","column","message","fix"]' ]
	[ "$(jq -r '.findings[] | "\(.line) \(.rule) \(.name) \(.severity)"' <<<"$output")" = \
		"1 BL001 base-image-untagged warning
2 BL031 user-root warning" ]
}

@test "--format sarif is SARIF 2.1.0 with rules, levels and regions" {
	printf 'FROM alpine:3.20\nENV API_TOKEN=abc\nEXPOSE 80\nUSER app\n' >"$CTX/Dockerfile"
	run --separate-stderr berth lint --format sarif "$CTX"
	[ "$status" -eq 1 ]
	[ "$(jq -r '.version' <<<"$output")" = "2.1.0" ]
	[[ "$(jq -r '."$schema"' <<<"$output")" == *sarif-2.1.0* ]]
	[ "$(jq -r '.runs[0].tool.driver.name' <<<"$output")" = "berth-lint" ]
	nrules=$(berth lint --list-rules | tail -n +2 | wc -l)
	[ "$(jq '.runs[0].tool.driver.rules | length' <<<"$output")" -eq "$nrules" ]
	[ "$(jq -c '[.runs[0].results[] | [.ruleId, .level, .locations[0].physicalLocation.region.startLine]]' <<<"$output")" = \
		'[["BL032","error",2],["BL043","note",3]]' ]
	# ruleIndex points at the rule
	[ "$(jq -r '.runs[0] as $r | $r.results[0].ruleIndex as $i | $r.tool.driver.rules[$i].id' <<<"$output")" = BL032 ]
}

@test ".berthlint: ignore, error-on, severity overrides, trusted namespaces" {
	printf 'FROM bitnami/nginx:1.25\nRUN echo a\nRUN echo b\nEXPOSE 8080\n' >"$CTX/Dockerfile"
	run berth lint --format json "$CTX"
	[ "$(jq -r '[.findings[].rule] | join(" ")' <<<"$output")" = "BL005 BL030 BL010 BL043" ]
	cat >"$CTX/.berthlint" <<-'CFG'
	# our CI settings
	trusted-namespaces = bitnami
	ignore = no-user
	severity.BL043 = error
	error-on = warning
	CFG
	run berth lint --format json "$CTX"
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.findings[] | "\(.rule):\(.severity)"] | join(" ")' <<<"$output")" = "BL010:info BL043:error" ]
	echo 'bogus = 1' >"$CTX/.berthlint"
	run berth lint "$CTX"
	assert_one_error_line "^berth: .berthlint:1: unknown key 'bogus'$"
	# --config names another file; the flags win over it
	printf 'error-on = info\n' >"$BATS_TEST_TMPDIR/strict"
	run berth lint --config "$BATS_TEST_TMPDIR/strict" --error-on error --ignore BL005 "$CTX"
	[ "$status" -eq 0 ]
}

@test "inline '# berth:ignore=' silences the rule on the next instruction only" {
	printf 'FROM alpine:3.20\n# berth:ignore=BL039\nRUN chmod 777 /tmp\nRUN chmod 777 /srv\nUSER app\n' >"$CTX/Dockerfile"
	run berth lint --format json --ignore BL010 "$CTX"
	[ "$(jq -c '[[.findings[] | "\(.line) \(.rule)"], .summary.suppressed]' <<<"$output")" = '[["4 BL039"],1]' ]
}

@test "--tag: no tag or only latest is warned about" {
	printf 'FROM alpine:3.20\nUSER app\n' >"$CTX/Dockerfile"
	run berth lint --tag myapp "$CTX"
	[[ "$output" == *"--tag: warning: 'myapp' has no version tag (only 'latest')"*"[BL050]"* ]]
	run berth lint -t myapp:latest -t myapp:1.4.2 "$CTX"
	[[ "$output" == *": no findings" ]]
}

@test "-f names the Dockerfile; '-' reads it from stdin; .dockerignore beside it counts" {
	mkdir -p "$CTX/.git" "$CTX/docker"
	printf 'FROM alpine:3.20\nCOPY . /app\nUSER app\n' >"$CTX/docker/app.Dockerfile"
	run berth lint --format json -f "$CTX/docker/app.Dockerfile" "$CTX"
	[ "$(jq -r '[.findings[].rule] | join(" ")' <<<"$output")" = "BL021" ]
	touch "$CTX/docker/app.Dockerfile.dockerignore"
	run berth lint -f "$CTX/docker/app.Dockerfile" "$CTX"
	[[ "$output" == *": no findings" ]]
	run berth lint --format json -f - "$CTX" <<<'FROM alpine:latest'
	[ "$(jq -r '.file + " " + ([.findings[].rule] | join(" "))' <<<"$output")" = "- BL002 BL030" ]
}

@test "usage and parse errors are one line" {
	printf 'FROM alpine:3.20\nRUNN x\n' >"$CTX/Dockerfile"
	run --separate-stderr berth lint "$CTX"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "berth: $CTX/Dockerfile:2:1: unknown instruction: RUNN (did you mean RUN?)"* ]]
	run berth lint --ignore BL999 "$CTX"
	assert_one_error_line "unknown rule 'BL999'"
	run berth lint --format xml "$CTX"
	assert_one_error_line "invalid format 'xml'"
	run berth lint --error-on loud "$CTX"
	assert_one_error_line "invalid severity 'loud'"
	run berth lint "$CTX/missing"
	assert_one_error_line "open context"
}

@test "every rule is documented in docs/lint.md with a bad and a good example" {
	while read -r id sev name _; do
		grep -q "^## $id " "$ROOT/docs/lint.md" || { echo "no section for $id"; return 1; }
		sec=$(awk -v id="$id" '$0 ~ "^## "id" " {p=1; next} /^## / {p=0} p' "$ROOT/docs/lint.md")
		[[ "$sec" == *"Severity: $sev"* ]] || { echo "$id: severity $sev not documented"; return 1; }
		[[ "$sec" == *"Bad:"* && "$sec" == *"Good:"* && "$sec" == *"Fix:"* ]] ||
			{ echo "$id: bad/good/fix missing"; return 1; }
	done < <(berth lint --list-rules | tail -n +2)
}

@test "docs/lint.md: every rule's Bad example gives the rule, every Good one does not" {
	run "$ROOT/tests/lint/doc-examples" "$BERTH"
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
	n=$(berth lint --list-rules | tail -n +2 | wc -l)
	[[ "$output" == "1..$n"* ]]
	[ "$(grep -c '^ok' <<<"$output")" -eq "$n" ]
}

@test "the real-world corpus: clean files have no finding, each seeded mistake its rule and line" {
	cd "$ROOT/tests/lint/cases"
	clean=(real-go-scratch real-debian-apt real-alpine-apk real-python-nocache
		real-python-cache-mount real-node-npm-ci real-nginx-static)
	for c in "${clean[@]}"; do
		[ -s "$c/Dockerfile" ] && [ ! -s "$c/expected" ] || { echo "$c is not a clean case"; return 1; }
	done
	for c in real-*-mistakes; do
		[ -s "$c/expected" ] || { echo "$c seeds no mistake"; return 1; }
	done
	run "$ROOT/tests/lint/run" "$BERTH" real-*
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
}

# The store as files and index, to show that a refused build left it as it was.
store_state() {
	{ find "$STORE" -path "$STORE/tmp" -prune -o -print | sort; cat "$STORE/index.json" 2>/dev/null; } | sha256sum
}

@test "build --check: an error-level finding stops the build before anything is built" {
	echo data >"$CTX/a"
	printf 'FROM scratch\nCOPY a /a\nUSER 1000\n' >"$CTX/Dockerfile"
	berth build -q -t clean:1.0 "$CTX" >/dev/null
	before=$(store_state)
	printf 'FROM scratch\nENV DB_PASSWORD=hunter2\nCOPY a /b\nUSER 1000\n' >"$CTX/Dockerfile"
	run --separate-stderr berth build --check -t app:1.0 "$CTX"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"$CTX/Dockerfile:2:1: error: ENV 'DB_PASSWORD' puts a secret into the image config [BL032]"* ]]
	[[ "${stderr_lines[-1]}" == "berth: build --check: 1 finding at or above 'error' in '$CTX/Dockerfile': nothing was built" ]]
	# no step ran, no image, no tag, no layer: the store is byte for byte as before
	[[ "$stderr" != *"#1 "* ]]
	[ "$(store_state)" = "$before" ]
	run berth images -q app
	[ -z "$output" ]
	# without --check the same Dockerfile builds (lint is opt-in for build)
	run berth build -q -t app:1.0 "$CTX"
	[ "$status" -eq 0 ]
}

@test "build --check: warnings are printed and the image is built" {
	echo data >"$CTX/a"
	printf 'FROM scratch\nCOPY a /a\nEXPOSE 22\nUSER 1000\n' >"$CTX/Dockerfile"
	run --separate-stderr berth build --check --progress plain -t app:1.0 "$CTX"
	[ "$status" -eq 0 ]
	# the findings in lint's text format come first, then the build
	[ "${stderr_lines[0]}" = "$CTX/Dockerfile:3:1: warning: EXPOSE 22: the image runs an SSH server [BL038]" ]
	[[ "$stderr" == *"$CTX/Dockerfile: 2 findings (0 errors, 1 warning, 1 info)"*"#1 [stage-0 1/4] FROM scratch"* ]]
	run berth images -q app:1.0
	[ -n "$output" ]
	# -q: stdout is the id only, the findings stay on stderr
	run --separate-stderr berth build --check -q -t app:1.1 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	[[ "$stderr" == *"[BL038]"* ]]
	# a clean Dockerfile under -q prints nothing on stderr
	printf 'FROM scratch\nCOPY a /a\nUSER 1000\n' >"$CTX/Dockerfile"
	run --separate-stderr berth build --check -q -t app:1.2 "$CTX"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ -z "$stderr" ]
}

@test "build --check: .berthlint (error-on, ignore) and inline ignores apply as for berth lint" {
	echo data >"$CTX/a"
	printf 'FROM scratch\nCOPY a /a\nEXPOSE 22\nUSER 1000\n' >"$CTX/Dockerfile"
	printf 'error-on = warning\n' >"$CTX/.berthlint"
	run --separate-stderr berth build --check -t app:1.0 "$CTX"
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[-1]}" == "berth: build --check: 1 finding at or above 'warning' in '$CTX/Dockerfile': nothing was built" ]]
	run berth lint "$CTX"
	[ "$status" -eq 1 ]
	printf 'error-on = warning\nignore = BL038\n' >"$CTX/.berthlint"
	run berth build --check -q -t app:1.0 "$CTX"
	[ "$status" -eq 0 ]
	# an inline ignore silences the error of the secret
	rm "$CTX/.berthlint"
	printf 'FROM scratch\n# berth:ignore=BL032\nENV DB_PASSWORD=x\nCOPY a /a\nUSER 1000\n' >"$CTX/Dockerfile"
	run --separate-stderr berth build --check -q -t app:1.1 "$CTX"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test ".berthlint beside a Dockerfile outside the context wins over the context's, for lint and build --check" {
	echo data >"$CTX/a"
	mkdir "$BATS_TEST_TMPDIR/df"
	printf 'FROM scratch\nCOPY a /a\nEXPOSE 22\nUSER 1000\n' >"$BATS_TEST_TMPDIR/df/Dockerfile"
	printf 'error-on = warning\n' >"$CTX/.berthlint"
	run berth lint -f "$BATS_TEST_TMPDIR/df/Dockerfile" "$CTX"
	[ "$status" -eq 1 ]
	run berth build --check -q -f "$BATS_TEST_TMPDIR/df/Dockerfile" "$CTX"
	[ "$status" -eq 1 ]
	printf 'error-on = error\n' >"$BATS_TEST_TMPDIR/df/.berthlint"
	run berth lint -f "$BATS_TEST_TMPDIR/df/Dockerfile" "$CTX"
	[ "$status" -eq 0 ]
	run berth build --check -q -f "$BATS_TEST_TMPDIR/df/Dockerfile" "$CTX"
	[ "$status" -eq 0 ]
}

@test "build --check reads a Dockerfile from stdin once and builds from what it read" {
	echo data >"$CTX/a"
	run --separate-stderr berth build --check -q -t app:1.0 -f - "$CTX" \
		< <(printf 'FROM scratch\nENV API_TOKEN=x\nCOPY a /a\nUSER 1000\n')
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"Dockerfile:2:1: error: ENV 'API_TOKEN' puts a secret into the image config [BL032]"* ]]
	run --separate-stderr berth build --check -q -t app:1.0 -f - "$CTX" \
		< <(printf 'FROM scratch\nCOPY a /a\nUSER 1000\n')
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	# the build got the Dockerfile the check read: /a is in the image
	run berth history --no-trunc app:1.0
	[[ "$output" == *"COPY a /a"* ]]
	# a Dockerfile as the whole context on stdin
	run --separate-stderr berth build --check -q -t app:2.0 - < <(printf 'FROM scratch\nUSER 1000\n')
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	# a tar context on stdin is refused with --check, clearly
	tar -C "$CTX" -cf "$BATS_TEST_TMPDIR/ctx.tar" .
	run berth build --check -q - <"$BATS_TEST_TMPDIR/ctx.tar"
	assert_one_error_line "^berth: --check with a tar context on stdin is not supported yet"
}

@test "berth build -t without a version tag prints one hint line on stderr; a version tag prints none" {
	echo data >"$CTX/a"
	printf 'FROM scratch\nCOPY a /a\nUSER 1000\n' >"$CTX/Dockerfile"
	for t in app app:latest reg.example:5000/team/app:latest; do
		run --separate-stderr berth build -q -t "$t" "$CTX"
		[ "$status" -eq 0 ]
		[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
		name=${t%:latest}
		[ "$(grep -c . <<<"$stderr")" -eq 1 ]
		[ "$stderr" = "hint: '$t' has no version tag (only 'latest'): tag it with an immutable version such as the commit sha, e.g. '$name:<sha>'" ]
	done
	for args in "-t app:1.2.3" "-t app:latest -t app:3f2a9c1" ""; do
		# shellcheck disable=SC2086
		run --separate-stderr berth build -q $args "$CTX"
		[ "$status" -eq 0 ]
		[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
		[ -z "$stderr" ]
	done
	# in the plain progress output the hint is the last line
	run --separate-stderr berth build --progress plain -t app "$CTX"
	[[ "${stderr_lines[-1]}" == "hint: 'app' has no version tag"* ]]
	[ "$(grep -c '^hint:' <<<"$stderr")" -eq 1 ]
}
