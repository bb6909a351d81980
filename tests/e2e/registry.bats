#!/usr/bin/env bats
# berth pull / push / login / logout against Debian's docker-registry,
# started per test on 127.0.0.1 (plain HTTP, TLS + htpasswd, bearer tokens).
load helpers
source "$BATS_TEST_DIRNAME/../registry/registry.bash"

setup() {
	common_setup
	registry_test_env
}

teardown() {
	registry_cleanup
}

# the config of the image tagged $1 in the store, as JSON
store_config() {
	local m
	m=$(store_digest "$1")
	local c
	c=$(jq -r .config.digest "$STORE/blobs/sha256/${m#sha256:}")
	cat "$STORE/blobs/sha256/${c#sha256:}"
}

# The store is whole after a pull: `berth system check` (every blob hashes
# to its name, every descriptor resolves, no partial writes).
store_check() {
	run berth system check
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "pull what skopeo pushed: digests kept, rootfs correct, store checks clean" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	want=$($MKIMAGE --out "$OCI" --tag app --rootfs "$(busybox_tar)" --layers 2 --size 100000)
	skopeo_push "$OCI" app "$REG/test/app:1"
	run berth pull "$REG/test/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Digest: $want"* ]]
	# logged as Docker's daemon logs a pull: the reference is the actor (docs/events.md)
	run berth events --since 0 --until 0s --filter event=pull --format '{{.ID}} {{.Actor.Attributes.name}}'
	[ "$output" = "$REG/test/app:1 $REG/test/app:1" ]
	[ "$(store_digest "$REG/test/app:1")" = "$want" ]
	# the manifest is stored byte-for-byte: its file hashes to its name
	[ "sha256:$(sha256sum "$STORE/blobs/sha256/${want#sha256:}" | cut -d' ' -f1)" = "$want" ]
	umoci unpack --rootless --image "$STORE:$REG/test/app:1" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	[ -x "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox" ]
	[ "$(cat "$BATS_TEST_TMPDIR/bundle/rootfs/platform")" = linux/amd64 ]
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/bundle/rootfs/data/layer-1")" -eq 100000 ]
	# Docker's RepoDigests: the registry's digest of the pulled tag
	[ "$(berth inspect --format '{{json .RepoDigests}}' "$REG/test/app:1")" = "[\"$REG/test/app@$want\"]" ]
	store_check
}

@test "a pulled image runs" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	$MKIMAGE --out "$OCI" --tag app --rootfs "$(busybox_tar)" --layers 1 >/dev/null
	skopeo_push "$OCI" app "$REG/test/app:1"
	berth pull -q "$REG/test/app:1"
	run berth run --rm "$REG/test/app:1" /bin/busybox cat /platform
	[ "$status" -eq 0 ]
	[ "$output" = linux/amd64 ]
}

@test "push then pull keeps every digest; skopeo reads what berth pushed" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	want=$($MKIMAGE --out "$OCI" --tag app --layers 3 --size 50000)
	skopeo_push "$OCI" app "$REG/src/app:1"
	berth pull -q "$REG/src/app:1"
	run berth push "$REG/src/app:1" "$REG/dst/app:2"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2: digest: $want"* ]]
	[ "$(remote_digest "$REG/dst/app:2")" = "$want" ]
	run berth events --since 0 --until 0s --filter event=push --format '{{.ID}}'
	[ "$output" = "$REG/dst/app:2" ]
	# skopeo verifies every blob it copies against the manifest
	skopeo copy -q --src-tls-verify=false "docker://$REG/dst/app:2" "oci:$BATS_TEST_TMPDIR/copy:x"
	# and a fresh store pulls it back to the same digests
	STORE=$BATS_TEST_TMPDIR/store2
	berth pull -q "$REG/dst/app:2"
	[ "$(store_digest "$REG/dst/app:2")" = "$want" ]
	cmp <(store_config "$REG/dst/app:2") <(STORE=$BATS_TEST_TMPDIR/store store_config "$REG/src/app:1")
}

@test "push records Docker's RepoDigests (REPO@the pushed manifest's digest) in inspect and images --digests" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	berth import "$(busybox_tar)" bb:1 >/dev/null
	berth tag bb:1 "$REG/test/x:1"
	[ "$(berth inspect --format '{{json .RepoDigests}}' "$REG/test/x:1")" = '[]' ]
	[ "$(berth images --digests --format '{{.Digest}}' "$REG/test/x:1")" = '<none>' ]
	run -0 berth push "$REG/test/x:1"
	local want
	want=$(remote_digest "$REG/test/x:1")
	[[ $output == *"digest: $want"* ]]
	[ "$(berth inspect --format '{{json .RepoDigests}}' "$REG/test/x:1")" = "[\"$REG/test/x@$want\"]" ]
	[ "$(berth images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}' "$REG/test/x:1")" = \
		"$REG/test/x:1 $want" ]
	# Docker shows the digest on every tag of the image in that repository
	berth tag bb:1 "$REG/test/x:2"
	[ "$(berth images --digests --format '{{.Digest}}' "$REG/test/x:2")" = "$want" ]
	# the image's other names have none: a digest belongs to a repository
	[ "$(berth images --digests --format '{{.Digest}}' bb:1)" = '<none>' ]
	# a push to a name that is no local tag records nothing anywhere
	berth push bb:1 "$REG/test/y:1" >/dev/null
	[ "$(berth inspect --format '{{json .RepoDigests}}' bb:1)" = "[\"$REG/test/x@$want\"]" ]
	# retagging the name to another image drops it
	berth import "$(busybox_tar)" other:1 >/dev/null
	berth build -q -t "$REG/test/x:1" - <<<$'FROM other:1\nENV A=1' >/dev/null
	[ "$(berth inspect --format '{{json .RepoDigests}}' "$REG/test/x:1")" = '[]' ]
}

# The media types of the layers of the manifest the registry serves for $1.
remote_layer_types() {
	skopeo inspect $(skopeo_src_args) --raw "docker://$1" | jq -r '[.layers[].mediaType] | unique | .[]'
}

@test "a built image is stored uncompressed, pushed compressed (gzip, zstd on request); a second push compresses nothing" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	berth import "$(busybox_tar)" bb:1 >/dev/null
	local ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx"
	head -c 300000 /dev/urandom >"$ctx/big"
	seq 1 20000 >"$ctx/small"
	printf '%s\n' 'FROM bb:1' 'COPY . /ctx/' \
		'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox wc -c < /ctx/big > /ctx/count"]' >"$ctx/Dockerfile"
	berth build -q -t "$REG/test/built:1" "$ctx" >/dev/null
	# the two built layers are kept as tars: each blob is its diff ID
	local m mf
	m=$(store_digest "$REG/test/built:1")
	mf=$STORE/blobs/sha256/${m#sha256:}
	[ "$(jq -r '[.layers[1:][].mediaType] | unique | .[]' "$mf")" = application/vnd.oci.image.layer.v1.tar ]
	[ "$(jq -c '[.layers[1:][].digest]' "$mf")" = "$(store_config "$REG/test/built:1" | jq -c '.rootfs.diff_ids[1:]')" ]

	run -0 berth --debug push --progress plain "$REG/test/built:1"
	# the imported base layer and the two built ones: all kept uncompressed
	[ "$(grep -c 'compressing layer .* (gzip)' <<<"$output")" -eq 3 ]
	local want
	want=$(remote_digest "$REG/test/built:1")
	[[ $output == *"1: digest: $want"* ]]
	# the registry has a manifest of compressed layers; the local image keeps its own
	[ "$(remote_layer_types "$REG/test/built:1")" = application/vnd.oci.image.layer.v1.tar+gzip ]
	[ "$(store_digest "$REG/test/built:1")" = "$m" ]
	[ "$(berth inspect --format '{{json .RepoDigests}}' "$REG/test/built:1")" = "[\"$REG/test/built@$want\"]" ]
	# skopeo verifies every blob it copies against the manifest
	skopeo copy -q --src-tls-verify=false "docker://$REG/test/built:1" "oci:$BATS_TEST_TMPDIR/copy:x"

	# a second push compresses nothing: every blob is there already
	local blobs
	blobs=$(ls "$STORE/blobs/sha256" | wc -l)
	run -0 berth --debug push --progress plain "$REG/test/built:1"
	! grep -q 'compressing layer' <<<"$output"
	[ "$(grep -c ': exists' <<<"$output")" -eq 4 ]
	[[ $output == *"1: digest: $want"* ]]
	[ "$(ls "$STORE/blobs/sha256" | wc -l)" -eq "$blobs" ]

	# zstd on request
	run -0 berth --debug push --compression-format zstd "$REG/test/built:1" "$REG/test/zstd:1"
	[ "$(grep -c 'compressing layer .* (zstd)' <<<"$output")" -eq 3 ]
	[ "$(remote_layer_types "$REG/test/zstd:1")" = application/vnd.oci.image.layer.v1.tar+zstd ]
	run berth push --compression-format xz "$REG/test/built:1"
	assert_one_error_line "invalid --compression-format 'xz' \\(gzip or zstd\\)"
	run berth system check
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }

	# a fresh store pulls both back, and they run
	STORE=$BATS_TEST_TMPDIR/store2
	berth pull -q "$REG/test/built:1" >/dev/null
	[ "$(store_digest "$REG/test/built:1")" = "$want" ]
	run -0 berth run --rm "$REG/test/built:1" /bin/busybox cat /ctx/count
	[ "$output" = 300000 ]
	berth pull -q "$REG/test/zstd:1" >/dev/null
	run -0 berth run --rm "$REG/test/zstd:1" /bin/busybox cmp /ctx/small /ctx/small
	store_check
}

@test "import and commit store layers uncompressed; push sends them gzip, compressed once" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	berth import "$(busybox_tar)" bb:1 >/dev/null
	berth run --name c1 --network none bb:1 /bin/busybox sh -c 'echo committed >/new' >/dev/null
	berth commit c1 "$REG/test/c:1" >/dev/null
	berth rm c1 >/dev/null
	# both layers (import's, commit's) are plain tars: each blob is its diff ID
	local m mf
	m=$(store_digest "$REG/test/c:1")
	mf=$STORE/blobs/sha256/${m#sha256:}
	[ "$(jq -r '[.layers[].mediaType] | unique | .[]' "$mf")" = application/vnd.oci.image.layer.v1.tar ]
	[ "$(jq -c '[.layers[].digest]' "$mf")" = "$(store_config "$REG/test/c:1" | jq -c '.rootfs.diff_ids')" ]
	run -0 berth --debug push "$REG/test/c:1"
	[ "$(grep -c 'compressing layer .* (gzip)' <<<"$output")" -eq 2 ]
	# the registry has gzip layers; skopeo reads the manifest and verifies every blob
	[ "$(remote_layer_types "$REG/test/c:1")" = application/vnd.oci.image.layer.v1.tar+gzip ]
	skopeo inspect --tls-verify=false "docker://$REG/test/c:1" >/dev/null
	skopeo copy -q --src-tls-verify=false "docker://$REG/test/c:1" "oci:$BATS_TEST_TMPDIR/copy:x"
	# pushed again, to another repository: the blobs are mounted, nothing compressed
	run -0 berth --debug push --progress plain "$REG/test/c:1" "$REG/other/c:1"
	! grep -q 'compressing layer' <<<"$output"
	[ "$(grep -c ': mounted' <<<"$output")" -eq 3 ]
	[ "$(remote_digest "$REG/other/c:1")" = "$(remote_digest "$REG/test/c:1")" ]
	# a fresh store pulls it back and it runs
	STORE=$BATS_TEST_TMPDIR/store2
	berth pull -q "$REG/test/c:1" >/dev/null
	run -0 berth run --rm --network none "$REG/test/c:1" /bin/busybox cat /new
	[ "$output" = committed ]
	store_check
}

@test "a blob pushed in chunks (PATCH) round-trips with the same digest" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	want=$($MKIMAGE --out "$OCI" --tag app --layers 1 --size 300000)
	skopeo_push "$OCI" app "$REG/src/app:1"
	berth pull -q "$REG/src/app:1"
	layer=$(skopeo inspect --tls-verify=false --raw "docker://$REG/src/app:1" | jq -r '.layers[0].digest')
	size=$(skopeo inspect --tls-verify=false --raw "docker://$REG/src/app:1" | jq -r '.layers[0].size')
	[ "$size" -gt 200000 ]
	# 64 KiB chunks: the 300 kB layer goes up as several PATCHes, then the closing
	# PUT (pushed by digest, so nothing is mounted from the source repository)
	BERTH_REGISTRY_CHUNK_SIZE=65536 run berth --debug push "$want" "$REG/chunked/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1: digest: $want"* ]]
	patches=$(grep -c "PATCH http://$REG/v2/chunked/app/blobs/uploads/.*: 202" <<<"$output")
	[ "$patches" -eq $(((size + 65535) / 65536)) ]
	# the registry checked the digest on the final PUT; the bytes it serves hash to it
	[ "sha256:$(curl -sf "http://$REG/v2/chunked/app/blobs/$layer" | sha256sum | cut -d' ' -f1)" = "$layer" ]
	[ "$(remote_digest "$REG/chunked/app:1")" = "$want" ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/chunked/app:1" "oci:$BATS_TEST_TMPDIR/copy:x"
	STORE=$BATS_TEST_TMPDIR/store2
	berth pull -q "$REG/chunked/app:1"
	[ "$(store_digest "$REG/chunked/app:1")" = "$want" ]
	store_check
}

@test "a large layer is uploaded while it is compressed (PATCHes as it grows) and round-trips" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	local d=$BATS_TEST_TMPDIR/d
	mkdir -p "$d"
	head -c 400000 /dev/urandom >"$d/random"
	seq 1 100000 >"$d/text"
	tar -C "$d" -cf "$BATS_TEST_TMPDIR/layer.tar" .
	berth import "$BATS_TEST_TMPDIR/layer.tar" "$REG/test/grow:1" >/dev/null
	# 64 KiB chunks make the ~0.99 MB layer "large": never compressed before, it goes up
	# in PATCHes while the compressor writes it, then the PUT with the digest
	BERTH_REGISTRY_CHUNK_SIZE=65536 run -0 berth --debug push --progress plain "$REG/test/grow:1"
	[ "$(grep -c 'compressing layer .* (gzip)' <<<"$output")" -eq 1 ]
	patches=$(grep -c "PATCH http://$REG/v2/test/grow/blobs/uploads/.*: 202" <<<"$output")
	[ "$patches" -ge 2 ]
	[[ $output == *": pushed"* ]]
	local want layer diff
	want=$(remote_digest "$REG/test/grow:1")
	[[ $output == *"1: digest: $want"* ]]
	[ "$(remote_layer_types "$REG/test/grow:1")" = application/vnd.oci.image.layer.v1.tar+gzip ]
	# the registry checked the digest on the PUT; the blob is the gzip of the layer
	layer=$(skopeo inspect --tls-verify=false --raw "docker://$REG/test/grow:1" | jq -r '.layers[0].digest')
	diff=$(store_config "$REG/test/grow:1" | jq -r '.rootfs.diff_ids[0]')
	[ "sha256:$(curl -sf "http://$REG/v2/test/grow/blobs/$layer" | gzip -dc | sha256sum | cut -d' ' -f1)" = "$diff" ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/test/grow:1" "oci:$BATS_TEST_TMPDIR/copy:x"
	# recorded: a second push compresses nothing and finds the blob there
	BERTH_REGISTRY_CHUNK_SIZE=65536 run -0 berth --debug push --progress plain "$REG/test/grow:1"
	! grep -q 'compressing layer' <<<"$output"
	[[ $output == *"1: digest: $want"* ]]
	STORE=$BATS_TEST_TMPDIR/store2
	berth pull -q "$REG/test/grow:1" >/dev/null
	[ "$(store_config "$REG/test/grow:1" | jq -r '.rootfs.diff_ids[0]')" = "$diff" ]
	store_check
}

@test "push skips blobs the registry has and mounts across repositories" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	$MKIMAGE --out "$OCI" --tag app --layers 2 >/dev/null
	skopeo_push "$OCI" app "$REG/src/app:1"
	berth pull -q "$REG/src/app:1"
	run berth push --progress plain "$REG/src/app:1"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': exists' <<<"$output")" -eq 3 ]
	run berth push --progress plain "$REG/src/app:1" "$REG/other/app:1"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': mounted' <<<"$output")" -eq 3 ]
	run berth push -q "$REG/src/app:1" "$REG/other/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" == sha256:* ]]
}

@test "a multi-arch index pulls the requested platform, the host's by default" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	index=$($MKIMAGE --out "$OCI" --tag multi --layers 1 --platform linux/amd64 \
		--platform linux/arm64/v8 --platform linux/s390x)
	skopeo_push "$OCI" multi "$REG/test/multi:1"
	run berth pull --platform linux/arm64 "$REG/test/multi:1"
	[ "$status" -eq 0 ]
	[ "$(store_config "$REG/test/multi:1" | jq -r .architecture)" = arm64 ]
	berth pull -q "$REG/test/multi:1"
	host=$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')
	[ "$(store_config "$REG/test/multi:1" | jq -r .architecture)" = "$host" ]
	# RepoDigests names the index the tag points to, as Docker's, not the platform's manifest
	[ "$(store_digest "$REG/test/multi:1")" != "$index" ]
	[ "$(berth inspect --format '{{json .RepoDigests}}' "$REG/test/multi:1")" = "[\"$REG/test/multi@$index\"]" ]
	run berth pull --platform windows/amd64 "$REG/test/multi:1"
	assert_one_error_line "no image for platform 'windows/amd64'"
}

@test "an image imported, pushed and pulled keeps Docker's size: its uncompressed layers" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	local bb
	bb=$(busybox_tar)
	berth import "$bb" bb:1 >/dev/null
	berth push bb:1 "$REG/test/bb:1" >/dev/null
	STORE=$BATS_TEST_TMPDIR/store2
	berth pull -q "$REG/test/bb:1" >/dev/null
	[ "$(berth inspect --format '{{.Size}}' "$REG/test/bb:1")" = "$(stat -c %s "$bb")" ]
	# Docker: no tag time for a pull
	[ "$(berth inspect --format '{{.Metadata.LastTagTime}}' "$REG/test/bb:1")" = 0001-01-01T00:00:00Z ]
}

@test "save --format oci-archive of a Docker-media-type image converts it to OCI media types" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	$MKIMAGE --out "$OCI" --tag app --rootfs "$(busybox_tar)" --layers 1 >/dev/null
	# the registry gets Docker's schema 2 (skopeo converts), berth keeps it as it came
	skopeo copy -q --format v2s2 --dest-tls-verify=false "oci:$OCI:app" "docker://$REG/test/d:1"
	berth pull -q "$REG/test/d:1" >/dev/null
	local stored
	stored=$(store_digest "$REG/test/d:1")
	[ "$(jq -r .mediaType "$STORE/blobs/sha256/${stored#sha256:}")" = application/vnd.docker.distribution.manifest.v2+json ]
	berth save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" "$REG/test/d:1"
	local dir=$BATS_TEST_TMPDIR/o
	mkdir -p "$dir"
	tar -C "$dir" -xf "$BATS_TEST_TMPDIR/o.tar"
	[ "$(jq -r '.manifests[0].mediaType' "$dir/index.json")" = application/vnd.oci.image.manifest.v1+json ]
	local m
	m=$(jq -r '.manifests[0].digest' "$dir/index.json")
	# a new manifest, so a new digest; its file hashes to its name and its size is the index's
	[ "$m" != "$stored" ]
	[ "sha256:$(sha256sum <"$dir/blobs/sha256/${m#sha256:}" | cut -d' ' -f1)" = "$m" ]
	[ "$(stat -c %s "$dir/blobs/sha256/${m#sha256:}")" = "$(jq -r '.manifests[0].size' "$dir/index.json")" ]
	local mf=$dir/blobs/sha256/${m#sha256:}
	[ "$(jq -r .mediaType "$mf")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq -r .config.mediaType "$mf")" = application/vnd.oci.image.config.v1+json ]
	[ "$(jq -r '[.layers[].mediaType] | unique | .[]' "$mf")" = application/vnd.oci.image.layer.v1.tar+gzip ]
	# the config and layers are the same blobs
	[ "$(jq -r .config.digest "$mf")" = "$(jq -r .config.digest "$STORE/blobs/sha256/${stored#sha256:}")" ]
	# OCI tools read it: skopeo from the archive, umoci from the layout
	skopeo inspect "oci-archive:$BATS_TEST_TMPDIR/o.tar" >/dev/null
	local tag
	tag=$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$dir/index.json")
	umoci unpack --rootless --image "$dir:$tag" "$BATS_TEST_TMPDIR/bundle" >/dev/null
	[ -x "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox" ]
	# and berth loads it back
	STORE=$BATS_TEST_TMPDIR/store2
	berth load -i "$BATS_TEST_TMPDIR/o.tar" >/dev/null
	run berth system check
	[ "$status" -eq 0 ]
}

@test "TLS + basic auth: wrong password is a clear error, login file is 0600, pull/push work" {
	registry_start "$BATS_TEST_TMPDIR/reg" tls
	REG_AUTH=1
	$MKIMAGE --out "$OCI" --tag app --layers 1 >/dev/null
	skopeo_push "$OCI" app "$REG/test/app:1"
	run berth pull "$REG/test/app:1"
	assert_one_error_line "authentication to '$REG' required: run 'berth login $REG'"
	[ "$status" -eq 1 ]
	run bash -c "echo wrong | '$BERTH' --root '$STORE' login -u $REG_USER --password-stdin $REG"
	assert_one_error_line "incorrect username or password"
	[ "$status" -eq 1 ]
	[ ! -e "$BERTH_CONFIG" ]
	run bash -c "printf '%s\n' '$REG_PASS' | '$BERTH' --root '$STORE' login -u $REG_USER --password-stdin $REG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Login Succeeded"* ]]
	[ "$(stat -c %a "$BERTH_CONFIG")" = 600 ]
	[ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$BERTH_CONFIG" | base64 -d)" = "$REG_USER:$REG_PASS" ]
	run berth --debug pull "$REG/test/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" != *"$REG_PASS"* ]]
	[[ "$output" != *"$(printf '%s' "$REG_USER:$REG_PASS" | base64)"* ]]
	run berth push "$REG/test/app:1" "$REG/test/copy:1"
	[ "$status" -eq 0 ]
	run berth logout "$REG"
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg r "$REG" '.auths[$r]' "$BERTH_CONFIG")" = null ]
	run berth logout "$REG"
	assert_one_error_line "not logged in to '$REG'"
}

@test "TLS: a registry whose CA is unknown is refused" {
	registry_start "$BATS_TEST_TMPDIR/reg" tls
	export BERTH_CERTS_D=$BATS_TEST_TMPDIR/empty-certs.d
	run berth pull "127.0.0.1:${REG#*:}/x/y:1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"TLS connection to '$REG'"* ]]
}

@test "credentials from ~/.docker/config.json and a docker-credential helper" {
	registry_start "$BATS_TEST_TMPDIR/reg" tls
	REG_AUTH=1
	$MKIMAGE --out "$OCI" --tag app --layers 1 >/dev/null
	skopeo_push "$OCI" app "$REG/test/app:1"
	mkdir -p "$DOCKER_CONFIG"
	printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$(printf '%s' "$REG_USER:$REG_PASS" | base64)" \
		>"$DOCKER_CONFIG/config.json"
	run berth pull -q "$REG/test/app:1"
	[ "$status" -eq 0 ]
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/docker-credential-berthtest" <<-SH
	#!/bin/sh
	read host
	[ "\$1" = get ] && [ "\$host" = "$REG" ] && echo '{"Username":"$REG_USER","Secret":"$REG_PASS"}' && exit 0
	echo "credentials not found in native keychain"; exit 1
	SH
	chmod +x "$BATS_TEST_TMPDIR/bin/docker-credential-berthtest"
	printf '{"credHelpers":{"%s":"berthtest"}}' "$REG" >"$DOCKER_CONFIG/config.json"
	rm -rf "$STORE"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run berth pull -q "$REG/test/app:1"
	[ "$status" -eq 0 ]
}

@test "bearer tokens: login, pull, push across repos, tag listing scope" {
	registry_start "$BATS_TEST_TMPDIR/reg" token
	REG_AUTH=1
	want=$($MKIMAGE --out "$OCI" --tag app --layers 2)
	skopeo_push "$OCI" app "$REG/test/app:1"
	run berth pull "$REG/test/app:1"
	assert_one_error_line "authentication to '$REG' required"
	run bash -c "echo nope | '$BERTH' --root '$STORE' login -u $REG_USER --password-stdin $REG"
	assert_one_error_line "incorrect username or password"
	[ "$status" -eq 1 ]
	printf '%s\n' "$REG_PASS" | berth login -u "$REG_USER" --password-stdin "$REG"
	run berth pull "$REG/test/app:1"
	[ "$status" -eq 0 ]
	run berth push "$REG/test/app:1" "$REG/team/app:2"
	[ "$status" -eq 0 ]
	[[ "$output" == *"digest: $want"* ]]
	[ "$(remote_digest "$REG/team/app:2")" = "$want" ]
	grep -q "repository:team/app:pull,push repository:test/app:pull" "$REG_DIR/tokens.log"
}

@test "an identity token is exchanged with the OAuth2 refresh_token grant" {
	idtok=idt-$RANDOM-$RANDOM-secret
	echo "$idtok:$REG_USER" >"$BATS_TEST_TMPDIR/refresh"
	registry_start "$BATS_TEST_TMPDIR/reg" token --refresh-tokens "$BATS_TEST_TMPDIR/refresh"
	REG_AUTH=1
	want=$($MKIMAGE --out "$OCI" --tag app --layers 2)
	skopeo_push "$OCI" app "$REG/test/app:1"
	# Docker's config with only an identity token for this registry
	mkdir -p "$DOCKER_CONFIG"
	jq -n --arg r "$REG" --arg t "$idtok" '{auths: {($r): {identitytoken: $t}}}' \
		>"$DOCKER_CONFIG/config.json"
	: >"$REG_DIR/tokens.log"
	run berth --debug pull "$REG/test/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" != *"$idtok"* ]]
	[ "$(store_digest "$REG/test/app:1")" = "$want" ]
	# the token came from the OAuth2 POST, for the identity token's user
	grep -q "oauth $REG_USER repository:test/app:pull" "$REG_DIR/tokens.log"
	run grep -c -v oauth "$REG_DIR/tokens.log"
	[ "$output" = 0 ]
	# push with it: the pull,push scope goes through the same exchange
	run berth push "$REG/test/app:1" "$REG/team/app:2"
	[ "$status" -eq 0 ]
	[ "$(remote_digest "$REG/team/app:2")" = "$want" ]
	grep -q "oauth $REG_USER repository:team/app:pull,push" "$REG_DIR/tokens.log"
	# a revoked identity token: a clear error, exit 1
	jq -n --arg r "$REG" '{auths: {($r): {identitytoken: "revoked"}}}' >"$DOCKER_CONFIG/config.json"
	rm -rf "$STORE"
	run berth pull "$REG/test/app:1"
	assert_one_error_line "the identity token was refused"
	[ "$status" -eq 1 ]
}

@test "an expired token is refreshed transparently" {
	# tokens the registry refuses 3 s after issue, while the client is told 300 s
	registry_start "$BATS_TEST_TMPDIR/reg" token --ttl 3 --report-ttl 300
	REG_AUTH=1
	$MKIMAGE --out "$OCI" --tag app --layers 4 >/dev/null
	skopeo_push "$OCI" app "$REG/test/app:1"
	want=$(remote_digest "$REG/test/app:1")
	# a slow link (0.6 s per chunk) makes the pull outlive its first token
	cutproxy_start "$REG" 999999999 0 0.6
	printf '%s\n' "$REG_PASS" | berth login -u "$REG_USER" --password-stdin "$PROXY"
	: >"$REG_DIR/tokens.log"
	run berth --debug pull --parallel 1 "$PROXY/test/app:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"401, authenticating again"* ]]
	[ "$(grep -c 'repository:test/app:pull' "$REG_DIR/tokens.log")" -ge 2 ]
	[ "$(store_digest "$PROXY/test/app:1")" = "$want" ]
}

@test "registry down: clear error after a bounded retry" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	registry_stop
	run berth pull "$REG/test/app:1"
	assert_one_error_line "registry '$REG' unreachable after 3 attempts"
	[[ "$output" == *"Connection refused"* || "$output" == *"Couldn't connect"* || "$output" == *"Failed to connect"* ]]
	[ ! -e "$STORE/index.json" ] || [ "$(jq '.manifests | length' "$STORE/index.json")" -eq 0 ]
}

@test "a corrupt blob fails the pull and leaves the store clean" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	$MKIMAGE --out "$OCI" --tag app --layers 2 --size 200000 >/dev/null
	skopeo_push "$OCI" app "$REG/test/app:1"
	layer=$(jq -r '.layers[1].digest' "$OCI/blobs/sha256/$(jq -r '.manifests[0].digest' "$OCI/index.json" | cut -d: -f2)")
	data=$REG_DIR/storage/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data
	[ -f "$data" ]
	# same size, different bytes
	printf 'XXXXXXXX' | dd of="$data" bs=1 seek=1000 conv=notrunc status=none
	run berth pull -q "$REG/test/app:1"
	assert_one_error_line "blob $layer from '$REG/test/app' does not match its digest: discarded"
	[ ! -e "$STORE/blobs/sha256/${layer#sha256:}" ]
	[ -z "$(store_digest "$REG/test/app:1")" ]
	[ -z "$(ls -A "$STORE/tmp")" ]
	store_check
}

@test "a connection cut mid-layer is resumed and the result is correct" {
	registry_start "$BATS_TEST_TMPDIR/reg" plain
	$MKIMAGE --out "$OCI" --tag app --layers 1 --size 3000000 >/dev/null
	skopeo_push "$OCI" app "$REG/test/app:1"
	want=$(remote_digest "$REG/test/app:1")
	# two cuts, each after 1 MB of a connection
	cutproxy_start "$REG" 1000000 2
	run berth --debug pull "$PROXY/test/app:1"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$PROXY_LOG")" -eq 2 ]
	[[ "$output" == *"resuming at"* ]]
	[ "$(store_digest "$PROXY/test/app:1")" = "$want" ]
	store_check
}

@test "login prompts for the password without echoing it" {
	registry_start "$BATS_TEST_TMPDIR/reg" tls
	run python3 - "$BERTH" "$REG" "$REG_USER" "$REG_PASS" <<-'PY'
	import os, pty, signal, sys, time
	berth, reg, user, pw = sys.argv[1:]
	signal.alarm(120)  # a lost answer fails the test instead of hanging it
	pid, fd = pty.fork()
	if pid == 0:
	    os.execv(berth, [berth, "login", "-u", user, reg])
	out = b""
	while b"Password:" not in out:
	    out += os.read(fd, 1024)
	os.write(fd, pw.encode() + b"\n")
	while True:
	    try:
	        chunk = os.read(fd, 1024)
	    except OSError:
	        break
	    if not chunk:
	        break
	    out += chunk
	_, status = os.waitpid(pid, 0)
	sys.stdout.write(out.decode(errors="replace"))
	sys.exit(os.waitstatus_to_exitcode(status))
	PY
	[ "$status" -eq 0 ]
	[[ "$output" == *"Password:"* ]]
	[[ "$output" == *"Login Succeeded"* ]]
	[[ "$output" != *"$REG_PASS"* ]]
	[ "$(stat -c %a "$BERTH_CONFIG")" = 600 ]
}

@test "plain HTTP is refused for a registry that is not local or listed insecure" {
	run berth pull --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--insecure-registry"* ]]
	# a name that resolves nowhere: https only, so the error is about reaching it over TLS
	run berth pull registry.invalid/x/y:1
	[ "$status" -ne 0 ]
	[[ "$output" == *"https://registry.invalid/v2/"* ]]
	[[ "$output" != *"http://registry.invalid"* ]]
}

@test "invalid references and usage errors exit 1 with one line" {
	run berth pull 'Bad/Name'
	assert_one_error_line "repository name must be lowercase"
	[ "$status" -eq 1 ]
	run berth push
	assert_one_error_line "requires 1 or 2 arguments"
	[ "$status" -eq 1 ]
	run berth push 127.0.0.1:1/not/here:1
	assert_one_error_line "no such image: '127.0.0.1:1/not/here:1'"
}

@test "a password typed into a reference is not echoed back in the error" {
	local ref='user:s3cr3t@127.0.0.1:5000/x' args
	for args in "pull $ref" "push $ref" "push busybox:1 $ref" "build -t $ref $BATS_TEST_TMPDIR"; do
		# shellcheck disable=SC2086 # the command's words split on purpose
		run berth $args
		assert_one_error_line "invalid reference format|no such image"
		[[ "$output" != *s3cr3t* ]] || { echo "echoed the password: $output"; return 1; }
		[[ "$output" == *"'<redacted>@127.0.0.1:5000/x'"* ]] || { echo "$output"; return 1; }
	done
}
