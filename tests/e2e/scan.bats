#!/usr/bin/env bats
# berth scan: OSV records written here, shaped like Debian's (DSA records
# naming source packages, CVE records with Debian's urgency, last_affected)
# and Go's, against the Debian fixture image: exactly the expected findings,
# the layer that brought each, --exit-code, --severity, --ignore-unfixed,
# --format json/sarif, --db-import of a zip made with zip, and bad feeds
# refused with the previous database kept; a Go program built here offline
# against Go records for its dependency and its stdlib.
load helpers

setup_file() {
	export DEBIAN_STORE=$BATS_FILE_TMPDIR/debian-store
	# the minbase tarball is cached across runs (mkbase-debian keeps it);
	# made here only when absent (debootstrap needs the Debian mirror)
	local tar=${BERTH_DEBIAN_TAR:-/var/tmp/berth-debian-bookworm.tar}
	[[ -f $tar ]] || "$BATS_TEST_DIRNAME/../fixtures/mkbase-debian" "$tar"
	"$BERTH" --root "$DEBIAN_STORE" import "$tar" debian:scan >/dev/null
	# a layer above it that adds a package to dpkg's status file
	local d=$BATS_FILE_TMPDIR/ctx
	mkdir -p "$d"
	tar -xOf "$tar" ./var/lib/dpkg/status >"$d/status"
	printf '\nPackage: libfoo1\nStatus: install ok installed\nSource: foo (1.0-1)\nVersion: 1.0-1+b1\nArchitecture: amd64\n' >>"$d/status"
	printf 'FROM debian:scan\nCOPY status /var/lib/dpkg/status\n' >"$d/Dockerfile"
	"$BERTH" --root "$DEBIAN_STORE" build -q -t debian:scan-foo "$d" >/dev/null
	write_records "$BATS_FILE_TMPDIR/records"
}

setup() {
	common_setup
	STORE=$DEBIAN_STORE
}

# OSV records: the ones that apply to the fixture (openssl, bash, zlib,
# foo) and ones that must not (a fix below the installed version, another
# release, a last_affected below it, another ecosystem).
write_records() {
	local r=$1
	mkdir -p "$r"
	cat >"$r/DSA-9001-1.json" <<'J'
{"id":"DSA-9001-1","summary":"openssl - security update","aliases":["CVE-2099-1001"],"modified":"2099-01-01T00:00:00Z",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.99-1~deb12u1"}]}]},
  {"package":{"ecosystem":"Debian:11","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u9"}]}]}]}
J
	cat >"$r/CVE-2099-1002.json" <<'J'
{"id":"CVE-2099-1002","summary":"bash: a local issue","modified":"2099-01-01T00:00:00Z",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N"}],
 "affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"5.2.15-3"}]}]}]}
J
	cat >"$r/CVE-2099-1003.json" <<'J'
{"id":"CVE-2099-1003","details":"zlib: not fixed yet\nmore text","modified":"2099-01-01T00:00:00Z",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"zlib"},"ecosystem_specific":{"urgency":"low","severity":"low"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}
J
	cat >"$r/DSA-9004-1.json" <<'J'
{"id":"DSA-9004-1","aliases":["CVE-2099-1004"],"modified":"2099-01-01T00:00:00Z","database_specific":{"severity":"HIGH"},
 "affected":[{"package":{"ecosystem":"Debian:12","name":"foo"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-2"}]}]}]}
J
	# a fix below the installed glibc, another release's gzip, a last_affected below zlib
	cat >"$r/DSA-9005-1.json" <<'J'
{"id":"DSA-9005-1","modified":"2099-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u4"}]}]}]}
J
	cat >"$r/DLA-9006-1.json" <<'J'
{"id":"DLA-9006-1","modified":"2099-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:11","name":"gzip"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"9.9-1"}]}]}]}
J
	cat >"$r/CVE-2099-1007.json" <<'J'
{"id":"CVE-2099-1007","modified":"2099-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"zlib"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"1:1.2.12.dfsg-1"}]}]}]}
J
	cat >"$r/GO-2099-1008.json" <<'J'
{"id":"GO-2099-1008","aliases":["CVE-2099-1008","GHSA-xxxx-yyyy-zzzz"],"modified":"2099-01-01T00:00:00Z",
 "affected":[{"package":{"name":"golang.org/x/net","ecosystem":"Go"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.23.0"}]}],
   "ecosystem_specific":{"imports":[{"path":"golang.org/x/net/http2"}]}}]}
J
}

# The findings of a JSON report, one "id package installed fixed severity layer" line each.
findings() {
	jq -r '.Vulnerabilities[] | "\(.VulnerabilityID) \(.PkgName) \(.InstalledVersion) \(.FixedVersion // "-") \(.Severity) \(.Layer.Index)"' <<<"$1"
}

@test "scan: exactly the expected findings on the Debian fixture, with the layer that brought each" {
	run --separate-stderr berth scan --db "$BATS_FILE_TMPDIR/records" --format json debian:scan-foo
	[ "$status" -eq 0 ]
	diff <(findings "$output") - <<'W'
DSA-9001-1 libssl3 3.0.20-1~deb12u2 3.0.99-1~deb12u1 CRITICAL 0
DSA-9001-1 openssl 3.0.20-1~deb12u2 3.0.99-1~deb12u1 CRITICAL 0
DSA-9004-1 libfoo1 1.0-1+b1 1.0-2 HIGH 1
CVE-2099-1002 bash 5.2.15-2+b13 5.2.15-3 MEDIUM 0
CVE-2099-1003 zlib1g 1:1.2.13.dfsg-1 - LOW 0
W
	jq -e '.SchemaVersion == 1 and .OS.Family == "debian" and .OS.Name == "12"' <<<"$output"
	jq -e '.Summary == {"CRITICAL":2,"HIGH":1,"MEDIUM":1,"LOW":1}' <<<"$output"
	jq -e '.Vulnerabilities[0].Aliases == ["CVE-2099-1001"] and .Vulnerabilities[0].CVSSScore == 9.8' <<<"$output"
	jq -e '.Vulnerabilities[2].Layer.CreatedBy | test("COPY status /var/lib/dpkg/status")' <<<"$output"
	jq -e '.Vulnerabilities[0].PkgPURL | startswith("pkg:deb/debian/libssl3@")' <<<"$output"
	jq -e '.Vulnerabilities[4].Title == "zlib: not fixed yet"' <<<"$output"
	# the table: Trivy's columns, the layer's digest and instruction
	run --separate-stderr berth scan --db "$BATS_FILE_TMPDIR/records" debian:scan-foo
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == "Total: 5 (UNKNOWN: 0, LOW: 1, MEDIUM: 1, HIGH: 1, CRITICAL: 2)" ]]
	[ "$(sed -n 4p <<<"$output" | tr -s ' ')" = "LIBRARY VULNERABILITY ID SEVERITY INSTALLED VERSION FIXED VERSION LAYER" ]
	grep -E '^libfoo1 +DSA-9004-1 +HIGH +1.0-1\+b1 +1.0-2 +1 [0-9a-f]{12} COPY status' <<<"$output"
}

@test "scan: --exit-code, --severity and --ignore-unfixed" {
	local db=$BATS_FILE_TMPDIR/records
	run --separate-stderr berth scan --db "$db" --exit-code 3 debian:scan
	[ "$status" -eq 3 ]
	run --separate-stderr berth scan --db "$db" --exit-code 3 --severity CRITICAL,HIGH --format json debian:scan-foo
	[ "$status" -eq 3 ]
	[ "$(jq -r '[.Vulnerabilities[].VulnerabilityID] | join(" ")' <<<"$output")" = "DSA-9001-1 DSA-9001-1 DSA-9004-1" ]
	# nothing at the selected severities: exit 0
	run --separate-stderr berth scan --db "$db" --exit-code 3 --severity UNKNOWN --format json debian:scan
	[ "$status" -eq 0 ]
	jq -e '.Vulnerabilities == []' <<<"$output"
	run --separate-stderr berth scan --db "$db" --ignore-unfixed --format json debian:scan
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.Vulnerabilities[].PkgName] | join(" ")' <<<"$output")" = "libssl3 openssl bash" ]
	run --separate-stderr berth scan --db "$db" --severity SEVERE debian:scan
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"invalid severity 'SEVERE'"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "scan: SARIF 2.1.0 with a rule per record and a located result per finding" {
	run --separate-stderr berth scan --db "$BATS_FILE_TMPDIR/records" --format sarif -o "$BATS_TEST_TMPDIR/out.sarif" debian:scan-foo
	[ "$status" -eq 0 ]
	local s=$BATS_TEST_TMPDIR/out.sarif
	jq -e '.version == "2.1.0" and (."$schema" | test("sarif-2.1.0")) and (.runs | length) == 1' "$s"
	jq -e '.runs[0].tool.driver.name == "berth" and ([.runs[0].tool.driver.rules[].id] == ["DSA-9001-1","DSA-9004-1","CVE-2099-1002","CVE-2099-1003"])' "$s"
	jq -e '[.runs[0].results[].level] == ["error","error","error","warning","note"]' "$s"
	jq -e 'all(.runs[0].results[]; .ruleId and .message.text and (.locations[0].physicalLocation.artifactLocation.uri == "var/lib/dpkg/status"))' "$s"
	jq -e '[.runs[0].results[].ruleIndex] == [0,0,1,2,3]' "$s"
}

@test "scan --db-import: a zip made with zip, counted per ecosystem, then scanned from the store's database" {
	local z=$BATS_TEST_TMPDIR/all.zip
	(cd "$BATS_FILE_TMPDIR/records" && zip -q "$z" ./*.json)
	run --separate-stderr berth scan --db-import "$z"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "imported $z into $STORE/scan/db: 8 records" ]]
	[ "$(tail -n +2 <<<"$output" | tr -s ' ')" = "$(printf ' Debian:11 2 records\n Debian:12 6 records\n Go 1 records')" ]
	run --separate-stderr berth scan --format json debian:scan
	[ "$status" -eq 0 ]
	[ "$(jq '.Vulnerabilities | length' <<<"$output")" -eq 4 ]
	# the Go record was installed as its own set beside Debian's
	ls "$STORE/scan/db"
	[ -f "$STORE/scan/db/Debian/index.json" ]
}

@test "scan --db-import: a truncated zip, a malformed record and a non-zip are refused, the database kept" {
	local db=$BATS_TEST_TMPDIR/db z=$BATS_TEST_TMPDIR/good.zip
	(cd "$BATS_FILE_TMPDIR/records" && zip -q "$z" DSA-9001-1.json CVE-2099-1002.json)
	run --separate-stderr berth scan --db-import "$z" --db "$db"
	[ "$status" -eq 0 ]
	local bad=$BATS_TEST_TMPDIR/bad
	mkdir -p "$bad"
	cp "$BATS_FILE_TMPDIR"/records/*.json "$bad/"
	head -c 60 "$BATS_FILE_TMPDIR/records/CVE-2099-1003.json" >"$bad/CVE-2099-1003.json"
	(cd "$bad" && zip -q ../bad.zip ./*.json)
	cp "$BATS_TEST_TMPDIR/bad.zip" "$BATS_TEST_TMPDIR/cut.zip"
	truncate -s $(($(stat -c %s "$BATS_TEST_TMPDIR/bad.zip") - 30)) "$BATS_TEST_TMPDIR/cut.zip"
	printf 'not a zip\n' >"$BATS_TEST_TMPDIR/text.zip"
	for f in bad.zip cut.zip text.zip; do
		run --separate-stderr berth scan --db-import "$BATS_TEST_TMPDIR/$f" --db "$db"
		[ "$status" -eq 1 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		[[ "$stderr" == "berth: "*"$BATS_TEST_TMPDIR/$f"* ]]
		# the previous database still answers, and no temporary was left
		run --separate-stderr berth scan --db "$db" --format json debian:scan
		[ "$status" -eq 0 ]
		[ "$(jq -r '[.Vulnerabilities[].VulnerabilityID] | unique | join(" ")' <<<"$output")" = "CVE-2099-1002 DSA-9001-1" ]
		[ -z "$(find "$db" -maxdepth 1 -name '.tmp-*')" ]
	done
	run --separate-stderr berth scan --db-import "$BATS_TEST_TMPDIR/bad.zip" --db "$db"
	[[ "$stderr" == *"CVE-2099-1003.json"* ]]
}

@test "scan: no database, an unknown image, a bad flag: one line, exit 1" {
	# a store of its own: another test imported a feed into this one's
	STORE=$BATS_TEST_TMPDIR/empty
	run --separate-stderr berth scan debian:scan
	[ "$status" -eq 1 ]
	[[ "$stderr" == "berth: no advisory database in $STORE/scan/db: import a feed with 'berth scan --db-import FILE.zip' (docs/scan.md)" ]]
	STORE=$DEBIAN_STORE
	run --separate-stderr berth scan --db "$BATS_FILE_TMPDIR/records" nosuch:image
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run --separate-stderr berth scan --db "$BATS_FILE_TMPDIR/records" --format xml debian:scan
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"invalid format 'xml'"* ]]
	run --separate-stderr berth scan --db "$BATS_FILE_TMPDIR/records" --exit-code 300 debian:scan
	[ "$status" -eq 1 ]
}

@test "scan: a Go binary's dependency and its stdlib against Go records, by semver without the v" {
	STORE=$BATS_TEST_TMPDIR/go-store
	local d=$BATS_TEST_TMPDIR/go r=$BATS_TEST_TMPDIR/go-records
	"$FIXTURES/mkgo-app" "$d"
	printf 'FROM scratch\nCOPY app /app\n' >"$d/Dockerfile"
	berth build -q -t scan-go:1 "$d" >/dev/null
	local gov maj min pat
	gov=$(go version "$d/app" | awk '{print $2}')
	IFS=. read -r maj min pat <<<"${gov#go}"
	local fix=$maj.$min.$((${pat:-0} + 1))
	mkdir -p "$r"
	# as the Go vulnerability database words them: SEMVER ranges without the v
	cat >"$r/GO-2099-2001.json" <<'J'
{"id":"GO-2099-2001","aliases":["CVE-2099-2001"],"summary":"lib: a flaw","modified":"2099-01-01T00:00:00Z",
 "affected":[{"package":{"name":"example.com/lib","ecosystem":"Go"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.4"}]}],
   "ecosystem_specific":{"imports":[{"path":"example.com/lib","symbols":["Hello"]}]}}]}
J
	cat >"$r/GO-2099-2002.json" <<J
{"id":"GO-2099-2002","aliases":["CVE-2099-2002"],"summary":"net/http: a flaw","modified":"2099-01-01T00:00:00Z",
 "affected":[{"package":{"name":"stdlib","ecosystem":"Go"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"$fix"},{"introduced":"99.0.0-0"},{"fixed":"99.0.1"}]}],
   "ecosystem_specific":{"imports":[{"path":"net/http"}]}}]}
J
	# not affected: a later range of the dependency, a stdlib fix below the Go version,
	# the main module (unversioned, "(devel)"), another module, and the module
	# the fork replaced (its code is not in the binary)
	cat >"$r/GO-2099-2003.json" <<'J'
{"id":"GO-2099-2003","modified":"2099-01-01T00:00:00Z","affected":[{"package":{"name":"example.com/lib","ecosystem":"Go"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"1.3.0"},{"fixed":"1.3.1"}]}]}]}
J
	cat >"$r/GO-2099-2004.json" <<'J'
{"id":"GO-2099-2004","modified":"2099-01-01T00:00:00Z","affected":[{"package":{"name":"stdlib","ecosystem":"Go"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.18.10"}]}]}]}
J
	cat >"$r/GO-2099-2005.json" <<'J'
{"id":"GO-2099-2005","modified":"2099-01-01T00:00:00Z","affected":[{"package":{"name":"example.com/app","ecosystem":"Go"},
   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]},
  {"package":{"name":"golang.org/x/net","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]},
  {"package":{"name":"example.com/text","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}
J
	run --separate-stderr berth scan --db "$r" --format json scan-go:1
	[ "$status" -eq 0 ]
	diff <(findings "$output") - <<W
GO-2099-2001 example.com/lib v1.2.3 1.2.4 UNKNOWN 0
GO-2099-2002 stdlib ${gov#go} $fix UNKNOWN 0
W
	jq -e '[.Vulnerabilities[].PkgPURL] == ["pkg:golang/example.com/lib@v1.2.3", "pkg:golang/stdlib@'"${gov#go}"'"]' <<<"$output"
	jq -e '.Vulnerabilities[1].Title == "net/http: a flaw"' <<<"$output"
	# --exit-code counts them; --ignore-unfixed keeps both (both are fixed)
	run --separate-stderr berth scan --db "$r" --exit-code 5 --ignore-unfixed scan-go:1
	[ "$status" -eq 5 ]
	grep -E '^stdlib +GO-2099-2002 +UNKNOWN +' <<<"$output"
}
