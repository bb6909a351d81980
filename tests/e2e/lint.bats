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
