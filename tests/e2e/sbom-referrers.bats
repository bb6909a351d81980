#!/usr/bin/env bats
# build --sbom, push of the SBOM as an OCI 1.1 referrer and pull --with-sbom
# (docs/sbom.md "build --sbom, push, pull"), against Debian's
# docker-registry (distribution 2.8, no referrers API: the referrers tag
# fallback) started per test on 127.0.0.1. The referrers API path is tested
# by tests/unit/test-registry-referrers.c against a fake registry.
load helpers
source "$BATS_TEST_DIRNAME/../registry/registry.bash"

setup() {
	common_setup
	registry_test_env
}

teardown() {
	registry_cleanup
}

# An image with an apk database: busybox and a COPYed lib/apk/db/installed.
build_sbom_image() {
	local d=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$d/rootfs/lib/apk/db" "$d/rootfs/etc"
	tar -C "$d/rootfs" -xf "$(busybox_tar)"
	printf 'P:musl\nV:1.2.4-r4\nA:x86_64\nL:MIT\n\nP:zlib\nV:1.3.1-r0\nA:x86_64\nL:Zlib\n' \
		>"$d/rootfs/lib/apk/db/installed"
	printf 'ID=alpine\nVERSION_ID=3.19.1\n' >"$d/rootfs/etc/os-release"
	printf 'FROM scratch\nCOPY rootfs/ /\n' >"$d/Dockerfile"
	berth build -q "$@" "$d"
}

# The artifact manifests the store lists for the manifest of image $1.
stored_referrers() {
	local m
	m=$(store_digest "$1")
	cat "$STORE/cache/referrers/${m#sha256:}"
}

@test "build --sbom stores the SPDX document of the image as a referrer of its manifest" {
	export SOURCE_DATE_EPOCH=1700000000
	build_sbom_image -t sb:1 --sbom >/dev/null
	run --separate-stderr berth sbom --stored docker.io/library/sb:1
	[ "$status" -eq 0 ]
	# the packages of the image, and the same bytes `berth sbom` writes
	jq -e '.spdxVersion == "SPDX-2.3"' <<<"$output"
	[ "$(jq -r '[.packages[].name] | sort | join(" ")' <<<"$output")" = "$(berth sbom --format spdx-json sb:1 | jq -r '[.packages[].name] | sort | join(" ")')" ]
	jq -e '[.packages[].name] | index("musl") and index("zlib")' <<<"$output"
	diff <(echo "$output") <(berth sbom --format spdx-json sb:1)
	# the artifact manifest: artifactType, the empty config, one layer, the subject
	list=$(stored_referrers docker.io/library/sb:1)
	[ "$(jq -r '.manifests | length' <<<"$list")" = 1 ]
	[ "$(jq -r '.manifests[0].artifactType' <<<"$list")" = application/spdx+json ]
	a=$(jq -r '.manifests[0].digest' <<<"$list")
	art=$STORE/blobs/sha256/${a#sha256:}
	[ "$(jq -r .artifactType "$art")" = application/spdx+json ]
	[ "$(jq -r .config.mediaType "$art")" = application/vnd.oci.empty.v1+json ]
	[ "$(jq -r '.layers[0].mediaType' "$art")" = application/spdx+json ]
	[ "$(jq -r .subject.digest "$art")" = "$(store_digest docker.io/library/sb:1)" ]
	# buildx's and BuildKit's spellings
	build_sbom_image -t sb:2 --sbom=true >/dev/null
	berth sbom --stored sb:2 >/dev/null
	build_sbom_image -t sb:3 --attest type=sbom >/dev/null
	berth sbom --stored sb:3 >/dev/null
	# the store is whole: no orphan, no problem
	run berth system check
	[ "$status" -eq 0 ]
}

@test "push sends the SBOM as a referrer (the sha256-<hex> tag); pull --with-sbom gets it back byte-identical" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	build_sbom_image -t "$REG/app/sb:1" --sbom >/dev/null
	run --separate-stderr berth push "$REG/app/sb:1"
	[ "$status" -eq 0 ]
	pushed=$(sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p' <<<"$output")
	[ -n "$pushed" ]
	# the fallback: an image index under the referrers tag, read by skopeo
	run skopeo inspect --raw --tls-verify=false "docker://$REG/app/sb:sha256-${pushed#sha256:}"
	[ "$status" -eq 0 ]
	idx=$output
	[ "$(jq -r .mediaType <<<"$idx")" = application/vnd.oci.image.index.v1+json ]
	[ "$(jq -r '.manifests | length' <<<"$idx")" = 1 ]
	[ "$(jq -r '.manifests[0].artifactType' <<<"$idx")" = application/spdx+json ]
	a=$(jq -r '.manifests[0].digest' <<<"$idx")
	run skopeo inspect --raw --tls-verify=false "docker://$REG/app/sb@$a"
	[ "$status" -eq 0 ]
	[ "$(jq -r .subject.digest <<<"$output")" = "$pushed" ]
	# pushing twice lists it once
	berth push -q "$REG/app/sb:1" >/dev/null
	[ "$(skopeo inspect --raw --tls-verify=false "docker://$REG/app/sb:sha256-${pushed#sha256:}" | jq '.manifests | length')" = 1 ]
	want=$(berth sbom --stored "$REG/app/sb:1")
	# a fresh store
	STORE=$BATS_TEST_TMPDIR/store2
	berth pull -q --with-sbom "$REG/app/sb:1" >/dev/null
	diff <(echo "$want") <(berth sbom --stored "$REG/app/sb:1")
	run berth system check
	[ "$status" -eq 0 ]
	# without --with-sbom nothing is fetched
	STORE=$BATS_TEST_TMPDIR/store3
	berth pull -q "$REG/app/sb:1" >/dev/null
	run berth sbom --stored "$REG/app/sb:1"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "berth: sbom '$REG/app/sb:1': no stored application/spdx+json document"* ]]
}

@test "rmi of the image and gc remove its SBOM artifact" {
	build_sbom_image -t sb:1 --sbom >/dev/null
	m=$(store_digest docker.io/library/sb:1)
	a=$(jq -r '.manifests[0].digest' "$STORE/cache/referrers/${m#sha256:}")
	doc=$(jq -r '.layers[0].digest' "$STORE/blobs/sha256/${a#sha256:}")
	[ -f "$STORE/blobs/sha256/${doc#sha256:}" ]
	berth rmi sb:1 >/dev/null
	# the manifest, the artifact manifest and the document are gone, the list too
	[ ! -e "$STORE/blobs/sha256/${m#sha256:}" ]
	[ ! -e "$STORE/blobs/sha256/${a#sha256:}" ]
	[ ! -e "$STORE/blobs/sha256/${doc#sha256:}" ]
	[ ! -e "$STORE/cache/referrers/${m#sha256:}" ]
}

@test "bad input: a referrers tag that is no index, an artifact listed for another subject" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	build_sbom_image -t "$REG/app/sb:1" --sbom >/dev/null
	berth push -q "$REG/app/sb:1" >/dev/null
	pushed=$(remote_digest "$REG/app/sb:1")
	tag="sha256-${pushed#sha256:}"
	# the referrers tag replaced by an image manifest: push refuses with one line
	skopeo copy -q --dest-tls-verify=false --src-tls-verify=false "docker://$REG/app/sb:1" "docker://$REG/app/sb:$tag"
	run --separate-stderr berth push -q "$REG/app/sb:1"
	[ "$status" -eq 1 ]
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "berth: push '$REG/app/sb:1': referrer sha256:"*"the referrers tag '$tag' of '$REG/app/sb' is a 'application/vnd.oci.image.manifest.v1+json', not an image index" ]]
	# an artifact about another manifest listed under the tag: pull --with-sbom
	# refuses it with one line and names no image
	a=$(skopeo inspect --raw --tls-verify=false "docker://$REG/app/sb:1" | jq -r .config.digest)
	art=$(berth sbom --stored "$REG/app/sb:1" >/dev/null; m=$(store_digest "$REG/app/sb:1"); d=$(jq -r '.manifests[0].digest' "$STORE/cache/referrers/${m#sha256:}"); cat "$STORE/blobs/sha256/${d#sha256:}")
	jq -c --arg a "$a" '.subject = {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $a, size: 1}' <<<"$art" >"$BATS_TEST_TMPDIR/art.json"
	ad=sha256:$(sha256sum "$BATS_TEST_TMPDIR/art.json" | cut -d' ' -f1)
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary @"$BATS_TEST_TMPDIR/art.json" "http://$REG/v2/app/sb/manifests/$ad" >/dev/null
	jq -nc --arg d "$ad" --argjson s "$(stat -c %s "$BATS_TEST_TMPDIR/art.json")" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, artifactType: "application/spdx+json"}]}' >"$BATS_TEST_TMPDIR/idx.json"
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
		--data-binary @"$BATS_TEST_TMPDIR/idx.json" "http://$REG/v2/app/sb/manifests/$tag" >/dev/null
	STORE=$BATS_TEST_TMPDIR/store2
	run --separate-stderr berth pull -q --with-sbom "$REG/app/sb:1"
	[ "$status" -eq 1 ]
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "berth: pull '$REG/app/sb:1': SBOM: referrer $ad: artifact $ad is listed for another subject" ]
	run berth images -q
	[ -z "$output" ]
}

@test "bad input: --attest of another type, --sbom=maybe" {
	run --separate-stderr berth build --attest type=provenance .
	[ "$status" -eq 125 ] || [ "$status" -eq 1 ]
	[[ "$stderr" == *"only type=sbom is supported yet"* ]]
	run --separate-stderr berth build --sbom=maybe .
	[[ "$stderr" == *"invalid --sbom 'maybe' (true or false)"* ]]
	run --separate-stderr berth sbom --stored --format table busybox
	[ "$status" -ne 0 ]
	[[ "$stderr" == "berth: sbom --stored prints the stored document: spdx-json or cyclonedx-json" ]]
}
