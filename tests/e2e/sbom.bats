#!/usr/bin/env bats
# berth sbom: the packages of an image read from its layers: the Debian
# fixture against dpkg-query inside it, an apk database and distroless
# status.d files built here, whiteouts, layer attribution, the SPDX 2.3 and
# CycloneDX 1.5 documents' required fields, bad input; a Go program built
# here offline (its modules and stdlib from its build info).
load helpers

setup_file() {
	export DEBIAN_STORE=$BATS_FILE_TMPDIR/debian-store
	# the minbase tarball is cached across runs (mkbase-debian keeps it);
	# made here only when absent (debootstrap needs the Debian mirror)
	local tar=${BERTH_DEBIAN_TAR:-/var/tmp/berth-debian-bookworm.tar}
	[[ -f $tar ]] || "$BATS_TEST_DIRNAME/../fixtures/mkbase-debian" "$tar"
	"$BERTH" --root "$DEBIAN_STORE" import "$tar" debian:sbom >/dev/null
}

setup() {
	common_setup
}

# An image from busybox with an apk database and os-release COPYed in, and
# a distroless-style status.d; then one that removes a package of each (whiteouts).
build_apk_images() {
	local d=$BATS_TEST_TMPDIR/apk
	mkdir -p "$d/rootfs" "$d/db" "$d/status.d"
	tar -C "$d/rootfs" -xf "$(busybox_tar)"
	printf 'FROM scratch\nCOPY rootfs/ /\n' >"$d/Dockerfile.base"
	cat >"$d/db/installed" <<'DB'
C:Q1abc=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
L:MIT
o:musl

P:zlib
V:1.3.1-r0
A:x86_64
L:Zlib
o:zlib

P:busybox
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
o:busybox
DB
	printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' >"$d/os-release"
	printf 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n' >"$d/status.d/tzdata"
	printf 'Package: netbase\nVersion: 6.4\nArchitecture: all\n' >"$d/status.d/netbase"
	cat >"$d/Dockerfile" <<'DF'
FROM sbom-base:1
COPY os-release /etc/os-release
COPY db/installed /lib/apk/db/installed
COPY status.d/ /var/lib/dpkg/status.d/
DF
	berth build -q -t sbom-base:1 -f "$d/Dockerfile.base" "$d" >/dev/null
	berth build -q -t sbom-apk:1 "$d" >/dev/null
	printf 'FROM sbom-apk:1\nRUN rm /var/lib/dpkg/status.d/netbase\n' >"$d/Dockerfile.rm"
	berth build -q -t sbom-rm:1 -f "$d/Dockerfile.rm" "$d" >/dev/null
}

@test "the Debian fixture: exactly the packages and versions dpkg-query prints inside it" {
	STORE=$DEBIAN_STORE
	run --separate-stderr berth run --rm --network none debian:sbom \
		dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n'
	[ "$status" -eq 0 ]
	want=$(awk '$1 == "ii" {print $2, $3}' <<<"$output" | sort)
	[ "$(wc -l <<<"$want")" -gt 50 ]
	run --separate-stderr berth sbom debian:sbom
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output" | tr -s ' ')" = "NAME VERSION TYPE" ]
	got=$(tail -n +2 <<<"$output" | awk '$3 == "deb" {print $1, $2}' | sort)
	diff <(echo "$want") <(echo "$got")
	# the same set in both documents, with Debian 12 purls
	run --separate-stderr berth sbom --format spdx-json debian:sbom
	[ "$status" -eq 0 ]
	diff <(echo "$want") <(jq -r '.packages[] | select(.SPDXID | startswith("SPDXRef-Package-")) | "\(.name) \(.versionInfo)"' <<<"$output" | sort)
	jq -e '[.packages[].externalRefs[]?.referenceLocator] | any(startswith("pkg:deb/debian/libc6@") and endswith("distro=debian-12"))' <<<"$output"
	run --separate-stderr berth sbom --format cyclonedx-json debian:sbom
	[ "$status" -eq 0 ]
	diff <(echo "$want") <(jq -r '.components[] | select(.type == "library") | "\(.name) \(.version)"' <<<"$output" | sort)
	jq -e '.components[0] | .type == "operating-system" and .name == "debian" and .version == "12"' <<<"$output"
}

@test "an apk database and status.d files: the packages, the OS, the layer that brought each" {
	build_apk_images
	run --separate-stderr berth sbom sbom-apk:1
	[ "$status" -eq 0 ]
	[ "$(tail -n +2 <<<"$output" | tr -s ' ')" = "netbase 6.4 deb
tzdata 2024a-0+deb12u1 deb
busybox 1.36.1-r15 apk
musl 1.2.4_git20230717-r4 apk
zlib 1.3.1-r0 apk" ]
	run --separate-stderr berth sbom --format cyclonedx-json sbom-apk:1
	[ "$status" -eq 0 ]
	c=$(jq -c '.components[] | select(.name == "zlib")' <<<"$output")
	[ "$(jq -r .purl <<<"$c")" = "pkg:apk/alpine/zlib@1.3.1-r0?arch=x86_64&distro=alpine-3.19.1" ]
	[ "$(jq -r '.licenses[0].license.name' <<<"$c")" = Zlib ]
	# layer 0 is the busybox rootfs, 1 os-release, 2 the apk database, 3 status.d
	[ "$(jq -r '.properties[] | select(.name == "berth:layer") | .value' <<<"$c")" = 2 ]
	[[ "$(jq -r '.properties[] | select(.name == "berth:layer:created_by") | .value' <<<"$c")" == "COPY db/installed /lib/apk/db/installed"* ]]
	[ "$(jq -r '.properties[] | select(.name == "berth:location") | .value' <<<"$c")" = lib/apk/db/installed ]
	t=$(jq -c '.components[] | select(.name == "tzdata")' <<<"$output")
	[ "$(jq -r '.properties[] | select(.name == "berth:layer") | .value' <<<"$t")" = 3 ]
	[ "$(jq -r '.components[] | select(.type == "operating-system") | .name + " " + .version' <<<"$output")" = "alpine 3.19.1" ]
}

@test "a package whose database file an upper layer removes (a whiteout) is absent" {
	build_apk_images
	run --separate-stderr berth sbom sbom-rm:1
	[ "$status" -eq 0 ]
	[[ "$output" == *tzdata* ]]
	[[ "$output" != *netbase* ]]
	[[ "$output" == *musl* ]]
}

@test "SPDX 2.3: the schema's required fields, relationships, one creation time from SOURCE_DATE_EPOCH" {
	build_apk_images
	SOURCE_DATE_EPOCH=1700000000 run --separate-stderr berth sbom --format spdx-json sbom-apk:1
	[ "$status" -eq 0 ]
	doc=$output
	jq -e '.spdxVersion == "SPDX-2.3" and .dataLicense == "CC0-1.0" and .SPDXID == "SPDXRef-DOCUMENT"
		and (.name | length > 0) and (.documentNamespace | test("^[a-z]+:[^#]+$"))
		and .creationInfo.created == "2023-11-14T22:13:20Z"
		and (.creationInfo.creators | length == 1 and (.[0] | startswith("Tool: berth-")))' <<<"$doc"
	# every package: the required SPDXID (SPDXRef-[idstring]), name, downloadLocation
	jq -e 'all(.packages[]; (.SPDXID | test("^SPDXRef-[A-Za-z0-9.-]+$")) and (.name | length > 0)
		and .downloadLocation == "NOASSERTION" and (.licenseDeclared | length > 0))' <<<"$doc"
	jq -e '[.packages[].SPDXID] | length == (unique | length)' <<<"$doc"
	# the document describes the image, which contains every other package
	jq -e '(.relationships | map(select(.relationshipType == "DESCRIBES")) | .[0].relatedSpdxElement) == "SPDXRef-Image"' <<<"$doc"
	jq -e '([.packages[].SPDXID] - ["SPDXRef-Image"] | sort) == ([.relationships[] | select(.relationshipType == "CONTAINS") | .relatedSpdxElement] | sort)' <<<"$doc"
	jq -e '.packages[] | select(.name == "zlib") | .externalRefs[0] | .referenceCategory == "PACKAGE-MANAGER" and .referenceType == "purl"' <<<"$doc"
	# deterministic: the same bytes again
	SOURCE_DATE_EPOCH=1700000000 run --separate-stderr berth sbom --format spdx-json sbom-apk:1
	[ "$output" = "$doc" ]
}

@test "CycloneDX 1.5: the schema's required fields, a urn:uuid serial number, unique bom-refs, -o FILE" {
	build_apk_images
	SOURCE_DATE_EPOCH=1700000000 run --separate-stderr berth sbom --format cyclonedx-json -o "$BATS_TEST_TMPDIR/bom.json" sbom-apk:1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	doc=$(cat "$BATS_TEST_TMPDIR/bom.json")
	jq -e '.bomFormat == "CycloneDX" and .specVersion == "1.5" and .version == 1
		and (.serialNumber | test("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"))
		and .metadata.timestamp == "2023-11-14T22:13:20Z"
		and .metadata.tools.components[0].name == "berth"
		and .metadata.component.type == "container" and .metadata.component.name == "sbom-apk:1"' <<<"$doc"
	jq -e 'all(.components[]; (.type == "library" or .type == "operating-system") and (.name | length > 0) and (."bom-ref" | length > 0))' <<<"$doc"
	jq -e '[.components[]."bom-ref"] | length == (unique | length)' <<<"$doc"
}

@test "bad input: one line, exit 1" {
	run --separate-stderr berth sbom nosuch
	[ "$status" -eq 1 ]
	[ "$stderr" = "berth: sbom 'nosuch': no such image: 'nosuch'" ]
	run --separate-stderr berth sbom --format xml nosuch
	[ "$status" -eq 1 ]
	[[ "$stderr" == "berth: sbom: invalid format 'xml'"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run --separate-stderr berth sbom
	[ "$status" -eq 1 ]
	# a damaged database: the file and the layer named
	local d=$BATS_TEST_TMPDIR/bad
	mkdir -p "$d"
	printf 'P:musl\nA:x86_64\n' >"$d/installed"
	printf 'FROM scratch\nCOPY installed /lib/apk/db/installed\n' >"$d/Dockerfile"
	berth build -q -t sbom-bad:1 "$d" >/dev/null
	run --separate-stderr berth sbom sbom-bad:1
	[ "$status" -eq 1 ]
	[[ "$stderr" == "berth: sbom 'sbom-bad:1': layer 0: lib/apk/db/installed"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "a Python app with dist-info and a node app with package-lock and node_modules" {
	build_apk_images
	local d=$BATS_TEST_TMPDIR/apps
	mkdir -p "$d/site/requests-2.31.0.dist-info" "$d/node/node_modules/@types/qs"
	printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nbody\n' \
		>"$d/site/requests-2.31.0.dist-info/METADATA"
	printf '{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"},"node_modules/express":{"version":"4.18.2","license":"MIT"}}}' \
		>"$d/node/package-lock.json"
	printf '{"name":"@types/qs","version":"6.9.11","license":"MIT"}' >"$d/node/node_modules/@types/qs/package.json"
	printf 'FROM sbom-base:1\nCOPY site/ /usr/lib/python3/site-packages/\nCOPY node/ /app/\n' >"$d/Dockerfile"
	berth build -q -t sbom-apps:1 "$d" >/dev/null
	run --separate-stderr berth sbom sbom-apps:1
	[ "$status" -eq 0 ]
	[ "$(tail -n +2 <<<"$output" | tr -s ' ')" = "@types/qs 6.9.11 npm
express 4.18.2 npm
requests 2.31.0 pypi" ]
	run --separate-stderr berth sbom --format cyclonedx-json sbom-apps:1
	[ "$(jq -r '[.components[].purl] | join(" ")' <<<"$output")" = "pkg:npm/%40types/qs@6.9.11 pkg:npm/express@4.18.2 pkg:pypi/requests@2.31.0" ]
	[[ "$(jq -r '.components[] | select(.name == "requests") | .properties[] | select(.name == "berth:layer:created_by") | .value' <<<"$output")" == "COPY site/ /usr/lib/python3/site-packages/"* ]]
}

@test "SPDX licenseDeclared: an SPDX expression as declared, anything else NOASSERTION" {
	local d=$BATS_TEST_TMPDIR/lic
	mkdir -p "$d/a-1.dist-info" "$d/b-1.dist-info" "$d/c-1.dist-info"
	printf 'Name: a\nVersion: 1\nLicense: Apache 2.0\n' >"$d/a-1.dist-info/METADATA"
	printf 'Name: b\nVersion: 1\nLicense: (MIT OR Apache-2.0) AND BSD-3-Clause\n' >"$d/b-1.dist-info/METADATA"
	printf 'Name: c\nVersion: 1\nLicense: GPL-2.0-only WITH Classpath-exception-2.0\n' >"$d/c-1.dist-info/METADATA"
	printf 'FROM scratch\nCOPY . /site/\n' >"$d/Dockerfile"
	berth build -q -t sbom-lic:1 "$d" >/dev/null
	run --separate-stderr berth sbom --format spdx-json sbom-lic:1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.packages[] | select(.SPDXID | startswith("SPDXRef-Package")) | .licenseDeclared' <<<"$output")" = "NOASSERTION
(MIT OR Apache-2.0) AND BSD-3-Clause
GPL-2.0-only WITH Classpath-exception-2.0" ]
}

# A Go program built here offline (tests/fixtures/mkgo-app), its binary
# COPYed onto the busybox base, with a copy whose build info lies.
build_go_image() {
	local d=$BATS_TEST_TMPDIR/go
	"$FIXTURES/mkgo-app" "$d"
	GOVERSION=$(go version "$d/app" | awk '{print $2}')
	GOVERSION=${GOVERSION#go}
	# the modinfo's length a varint of 11 bytes: past any bound
	cp "$d/app" "$d/bad"
	local at
	at=$(LC_ALL=C grep -obUaP '\xff Go buildinf:' "$d/bad" | head -1 | cut -d: -f1)
	printf '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' |
		dd of="$d/bad" bs=1 seek=$((at + 32)) conv=notrunc status=none
	printf '#!/bin/sh\necho not go\n' >"$d/script"
	chmod +x "$d/script"
	printf 'FROM sbom-base:1\nCOPY app /usr/local/bin/app\nCOPY bad script /opt/\n' >"$d/Dockerfile"
	berth build -q -t sbom-go:1 "$d" >/dev/null
}

@test "a Go binary: its main module, its dependencies (replaced by a directory, by a module), stdlib at its Go version" {
	build_apk_images
	build_go_image
	run --separate-stderr berth sbom sbom-go:1
	[ "$status" -eq 0 ]
	# busybox and the script are executables without build info: nothing
	[ "$(tail -n +2 <<<"$output" | tr -s ' ')" = "example.com/app (devel) golang
example.com/fork v1.1.0 golang
example.com/lib v1.2.3 golang
stdlib $GOVERSION golang" ]
	# the lying copy is skipped, with one warning naming it
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"layer 2: opt/bad: Go build info: a string length out of bounds: skipped"* ]]
	run --separate-stderr berth sbom --format cyclonedx-json sbom-go:1
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.components[] | select(.type == "library") | .purl] | join(" ")' <<<"$output")" = \
		"pkg:golang/example.com/app@%28devel%29 pkg:golang/example.com/fork@v1.1.0 pkg:golang/example.com/lib@v1.2.3 pkg:golang/stdlib@$GOVERSION" ]
	jq -e '[.components[] | select(.type == "library") | .properties[] | select(.name == "berth:location") | .value] == ["usr/local/bin/app", "usr/local/bin/app", "usr/local/bin/app", "usr/local/bin/app"]' <<<"$output"
	jq -e '[.components[] | select(.type == "library") | .properties[] | select(.name == "berth:layer") | .value] == ["1", "1", "1", "1"]' <<<"$output"
	[ "$(jq -r '.components[] | select(.name == "example.com/lib") | .properties[] | select(.name == "berth:golang:replace") | .value' <<<"$output")" = \
		"example.com/lib v1.2.3 => ../lib (devel)" ]
	[ "$(jq -r '.components[] | select(.name == "example.com/fork") | .properties[] | select(.name == "berth:golang:replace") | .value' <<<"$output")" = \
		"example.com/text v1.0.0 => example.com/fork v1.1.0" ]
	[[ "$(jq -r '.components[] | select(.name == "stdlib") | .properties[] | select(.name == "berth:layer:created_by") | .value' <<<"$output")" == "COPY app /usr/local/bin/app"* ]]
	run --separate-stderr berth sbom --format spdx-json sbom-go:1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.packages[] | select(.SPDXID | startswith("SPDXRef-Package-golang-")) | "\(.name) \(.versionInfo) \(.externalRefs[0].referenceLocator)"' <<<"$output")" = "example.com/app (devel) pkg:golang/example.com/app@%28devel%29
example.com/fork v1.1.0 pkg:golang/example.com/fork@v1.1.0
example.com/lib v1.2.3 pkg:golang/example.com/lib@v1.2.3
stdlib $GOVERSION pkg:golang/stdlib@$GOVERSION" ]
}
