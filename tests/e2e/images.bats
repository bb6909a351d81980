#!/usr/bin/env bats
# The image store and its commands: import, images, tag, rmi, inspect,
# history, save, load, image prune, system df/check; interop with podman,
# skopeo and umoci; bad input; concurrent writers.
load helpers

setup() {
	common_setup
	BB=$(busybox_tar)
}

teardown() {
	podman_teardown
}

# The store's state as seen by a user: the image list and a clean check.
snapshot() {
	berth images --no-trunc --digests --format json | jq -S -c '{Repository, Tag, ID, Digest}' | sort
}

assert_store_unchanged() {
	local before=$1
	run berth system check
	[ "$status" -eq 0 ] || { echo "system check: $output"; return 1; }
	[[ "$output" == *" 0 problems"* ]]
	[ "$(snapshot)" == "$before" ] || { echo "images changed: $(snapshot)"; return 1; }
}

# An oci-archive of busybox:latest unpacked in $1 (blobs, index.json, oci-layout).
oci_dir() {
	berth import "$BB" busybox >/dev/null
	berth save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" busybox
	mkdir -p "$1"
	tar -xf "$BATS_TEST_TMPDIR/o.tar" -C "$1"
}

manifest_of() { jq -r '.manifests[0].digest' "$1/index.json" | cut -d: -f2; }

@test "import a rootfs tarball, then images, history and inspect show it" {
	run berth import "$BB" busybox:1.0
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
	id=${output#sha256:}

	run berth images
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[[ "${lines[1]}" =~ ^busybox\ +1\.0\ +${id:0:12}\ +.*(second|Less).*\ +[0-9.]+[kM]B$ ]]

	run berth images -q
	[ "$output" == "${id:0:12}" ]

	run berth history busybox:1.0
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
	[[ "${lines[1]}" == "${id:0:12}"*"Imported from $BB" ]]

	run berth inspect busybox:1.0
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Id' <<<"$output")" == "sha256:$id" ]
	[ "$(jq -r '.[0].RepoTags[0]' <<<"$output")" == "busybox:1.0" ]
	[ "$(jq -r '.[0].Os' <<<"$output")" == "linux" ]
	[ "$(jq -r '.[0].RootFS.Layers | length' <<<"$output")" == 1 ]
	# the diff ID is the sha256 of the uncompressed tar
	[ "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")" == "sha256:$(sha256sum <"$BB" | cut -d' ' -f1)" ]
	# Docker: RepoDigests only for what came from a registry; import tags (LastTagTime)
	[ "$(jq -c '.[0].RepoDigests' <<<"$output")" = '[]' ]
	[[ "$(jq -r '.[0].Metadata.LastTagTime' <<<"$output")" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$ ]]
	[ "$(jq -r '.[0].Size' <<<"$output")" -eq "$(stat -c %s "$BB")" ]

	# by short ID too
	run berth inspect "${id:0:12}"
	[ "$status" -eq 0 ]
	run berth system check
	[ "$status" -eq 0 ]
}

@test "sizes are Docker's (the uncompressed layers) however the image arrived: import, load, build" {
	# import keeps a gzip blob, save writes plain tars: blob sizes differ, Docker's size does not
	local tar_size
	tar_size=$(stat -c %s "$BB")
	berth import "$BB" bb:imported >/dev/null
	berth save -o "$BATS_TEST_TMPDIR/bb.tar" bb:imported
	berth rmi bb:imported >/dev/null
	STORE=$BATS_TEST_TMPDIR/store2 berth load -i "$BATS_TEST_TMPDIR/bb.tar" >/dev/null
	berth import "$BB" bb:imported >/dev/null
	local s2=$BATS_TEST_TMPDIR/store2
	[ "$(berth inspect --format '{{.Size}}' bb:imported)" = "$tar_size" ]
	[ "$(STORE=$s2 berth inspect --format '{{.Size}}' bb:imported)" = "$tar_size" ]
	# images: the same figure in both stores (Docker's 1e3-based human size)
	local here there
	here=$(berth images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^bb:imported ')
	there=$(STORE=$s2 berth images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^bb:imported ')
	[ "$here" = "$there" ] || { echo "$here != $there"; return 1; }
	# history: each layer's uncompressed tar, a COPY of 100000 random bytes is over 100000
	local ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx"
	head -c 100000 /dev/urandom >"$ctx/f"
	printf '%s\n' 'FROM bb:imported' 'COPY f /f' >"$ctx/Dockerfile"
	berth build -q -t sized:1 "$ctx" >/dev/null
	run berth history -H=false --format '{{.Size}}' sized:1
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$tar_size" ]
	# a tar of one 100000-byte file: headers + data rounded to 512 + two zero blocks, in 10240 records
	[ "${lines[0]}" -ge 100864 ]
	[ $((lines[0] % 512)) -eq 0 ]
	local total=$((lines[0] + tar_size))
	[ "$(berth inspect --format '{{.Size}}' sized:1)" = "$total" ]
	# the record survives: a second listing reads it, and system check stays clean
	run berth system check
	[ "$status" -eq 0 ]
}

@test "inspect: Metadata.LastTagTime is the last tag's time (Docker's zero time after a load); RepoDigests only when pulled" {
	berth import "$BB" bb:1 >/dev/null
	local t1 t2
	t1=$(berth inspect --format '{{.Metadata.LastTagTime}}' bb:1)
	[[ "$t1" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]]
	berth tag bb:1 bb:2
	t2=$(berth inspect --format '{{.Metadata.LastTagTime}}' bb:1)
	[[ "$t2" > "$t1" ]] || { echo "$t2 is not after $t1"; return 1; }
	# loaded, never tagged here: Docker's zero time, and no registry digest
	berth save -o "$BATS_TEST_TMPDIR/bb.tar" bb:1
	STORE=$BATS_TEST_TMPDIR/store2
	berth load -i "$BATS_TEST_TMPDIR/bb.tar" >/dev/null
	[ "$(berth inspect --format '{{.Metadata.LastTagTime}}' bb:1)" = 0001-01-01T00:00:00Z ]
	[ "$(berth inspect --format '{{json .RepoDigests}}' bb:1)" = '[]' ]
	# built: tagged by -t, no registry digest either
	mkdir -p "$BATS_TEST_TMPDIR/ctx"
	printf 'FROM bb:1\nLABEL a=b\n' >"$BATS_TEST_TMPDIR/ctx/Dockerfile"
	berth build -q -t built:1 "$BATS_TEST_TMPDIR/ctx" >/dev/null
	[ "$(berth inspect --format '{{json .RepoDigests}}' built:1)" = '[]' ]
	[ "$(berth inspect --format '{{.Metadata.LastTagTime}}' built:1)" != 0001-01-01T00:00:00Z ]
}

@test "import reads gzip and zstd from stdin and applies --change" {
	gzip -c "$BB" >"$BATS_TEST_TMPDIR/bb.tar.gz"
	zstd -q -c "$BB" >"$BATS_TEST_TMPDIR/bb.tar.zst"
	run berth import - gz:1 <"$BATS_TEST_TMPDIR/bb.tar.gz"
	[ "$status" -eq 0 ]
	gz=$output
	run berth import --change 'CMD ["sh", "-c", "echo hi"]' -c 'ENV A=1 B="two words"' \
		-c 'WORKDIR /srv' -c 'EXPOSE 8080' -c 'USER app' -c 'LABEL org.x=y' \
		"$BATS_TEST_TMPDIR/bb.tar.zst" zst:1
	[ "$status" -eq 0 ]
	run berth inspect zst:1
	[ "$(jq -c '.[0].Config.Cmd' <<<"$output")" == '["sh","-c","echo hi"]' ]
	[ "$(jq -c '.[0].Config.Env' <<<"$output")" == '["A=1","B=two words"]' ]
	[ "$(jq -r '.[0].Config.WorkingDir' <<<"$output")" == /srv ]
	[ "$(jq -r '.[0].Config.User' <<<"$output")" == app ]
	[ "$(jq -c '.[0].Config.ExposedPorts' <<<"$output")" == '{"8080/tcp":{}}' ]
	[ "$(jq -r '.[0].Config.Labels["org.x"]' <<<"$output")" == y ]
	# the same tar, whatever the compression, has the same diff ID
	a=$(berth inspect gz:1 | jq -r '.[0].RootFS.Layers[0]')
	b=$(berth inspect zst:1 | jq -r '.[0].RootFS.Layers[0]')
	[ "$a" == "$b" ]

	run berth import -c 'FROM x' "$BB" bad:1
	assert_one_error_line "'FROM' is not supported"
	run berth import -c 'RUN rm -rf /' "$BB" bad:1
	assert_one_error_line "--change 'RUN rm -rf /': 'RUN' is not supported"
	# the Dockerfile front end: $VAR from an earlier ENV, a continuation, JSON escapes
	run berth import -c 'ENV BASE=/opt' -c 'WORKDIR $BASE/app' \
		-c $'LABEL a="b c" \\\n  d=${BASE}' -c 'ENTRYPOINT ["printf", "\"q\"\t"]' "$BB" df:1
	[ "$status" -eq 0 ]
	run berth inspect df:1
	[ "$(jq -r '.[0].Config.WorkingDir' <<<"$output")" == /opt/app ]
	[ "$(jq -c '.[0].Config.Labels' <<<"$output")" == '{"a":"b c","d":"/opt"}' ]
	[ "$(jq -c '.[0].Config.Entrypoint' <<<"$output")" == '["printf","\"q\"\t"]' ]
}

@test "import: SOURCE_DATE_EPOCH, read by the CLI, is the image's created time; an invalid one is refused" {
	SOURCE_DATE_EPOCH=1700000000 run berth import "$BB" sde:1
	[ "$status" -eq 0 ]
	[ "$(berth inspect sde:1 | jq -r '.[0].Created')" = 2023-11-14T22:13:20Z ]
	SOURCE_DATE_EPOCH=-5 run berth import "$BB" sde:2
	assert_one_error_line "invalid SOURCE_DATE_EPOCH '-5'"
}

@test "history: columns aligned by characters (a cut row's … is one), -H=false shows bytes and CREATED AT" {
	berth import "$BB" bb:1 >/dev/null
	local ctx=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$ctx"
	head -c 1234 /dev/urandom >"$ctx/f" # incompressible
	printf '%s\n' 'FROM bb:1' 'LABEL description="a label long enough to be cut by history"' \
		'COPY f /f' >"$ctx/Dockerfile"
	berth build -q -t hist:1 "$ctx" >/dev/null
	run berth history hist:1
	[ "$status" -eq 0 ]
	[[ "$output" == *"…"* ]]
	# Go's tabwriter counts runes: every row's SIZE starts where the title does
	local LC_ALL=C.UTF-8 pre col l
	pre=${lines[0]%%SIZE*}
	col=${#pre}
	for l in "${lines[@]:1}"; do
		[ "${l:col-3:3}" = "   " ] || { echo "misaligned: '$l'"; return 1; }
		[ "${l:col:1}" != " " ] || { echo "misaligned: '$l'"; return 1; }
	done
	# -H=false / --human=false: Docker's nonHumanHistoryTableFormat
	run berth history -H=false hist:1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ AT\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\ +COPY\ f\ /f.*\ [0-9]+\ +buildkit ]]
	run berth history --human=false --format '{{.Size}}|{{.CreatedSince}}' hist:1
	[[ "${lines[0]}" =~ ^[0-9]+\|20[0-9-]+T[0-9:]+Z$ ]]
	local bytes=${lines[0]%%|*}
	[ "$bytes" -gt 1234 ] # the file and its tar header
	run berth history --human --format '{{.Size}}' hist:1
	[[ "${lines[0]}" =~ ^[0-9.]+kB$ ]]
	run berth history -H=maybe hist:1
	assert_one_error_line 'invalid argument "maybe"'
	# CreatedAt as Docker's: RFC 3339 in whole seconds, human or not
	run berth history --format '{{.CreatedAt}}' hist:1
	[[ "${lines[0]}" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
}

@test "tag, rmi and image prune keep the store consistent" {
	berth import "$BB" a:1 >/dev/null
	run berth tag a:1 registry.example:5000/team/a:2
	[ "$status" -eq 0 ]
	run berth images
	[[ "$output" == *"registry.example:5000/team/a   2 "* ]]
	# an ID with two names needs -f
	id=$(berth images -q | head -1)
	run berth rmi "$id"
	assert_one_error_line "must be forced"
	run berth rmi a:1
	[ "$status" -eq 0 ]
	[ "$output" == "Untagged: a:1" ]
	run berth rmi registry.example:5000/team/a:2
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Untagged: registry.example:5000/team/a:2" ]]
	[[ "${lines[1]}" == "Deleted: sha256:"* ]]
	[ "$(ls "$STORE/blobs/sha256" | wc -l)" -eq 0 ]

	# moving a tag leaves a dangling <none> image; prune removes it
	berth import "$BB" b:1 >/dev/null
	berth import -c 'CMD ["sh"]' "$BB" b:1 >/dev/null
	run berth images
	[[ "$output" == *"<none>       <none>"* ]]
	dangling=$(berth images --no-trunc --format json | jq -r 'select(.Tag == "<none>") | .ID')
	run berth image prune -f
	[ "$status" -eq 0 ]
	[[ "$output" == *"deleted: $dangling"* ]]
	[[ "$output" == *"Total reclaimed space:"* ]]
	run berth images
	[[ "$output" != *"<none>"* ]]
	run berth system check
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 problems, 0 orphans"* ]]
	run berth system df
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^Images\ +1\  ]]

	run berth rmi nosuch:1
	assert_one_error_line "no such image: 'nosuch:1'"
}

@test "rmi of several names reports each missing one and removes the rest" {
	berth import "$BB" a:1 >/dev/null
	berth import -c 'ENV X=1' "$BB" b:1 >/dev/null
	run --separate-stderr berth rmi nosuch:1 a:1 nosuch:2 b:1
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" == "berth: no such image: 'nosuch:1'" ]
	[ "${stderr_lines[1]}" == "berth: no such image: 'nosuch:2'" ]
	[[ "$output" == *"Untagged: a:1"* ]]
	[[ "$output" == *"Untagged: b:1"* ]]
	[ -z "$(berth images -q)" ]
	# the rerun of an rmi that already went: every name missing, exit 1, nothing else
	run --separate-stderr berth rmi a:1 b:1
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ -z "$output" ]
	run berth system check
	[ "$status" -eq 0 ]
}

@test "interop: berth save -> podman load -> podman run prints what the image holds" {
	podman_setup
	berth import -c 'CMD ["cat", "/etc/passwd"]' "$BB" berth-interop:1 >/dev/null
	berth save -o "$BATS_TEST_TMPDIR/save.tar" berth-interop:1
	run p load -i "$BATS_TEST_TMPDIR/save.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: "*"berth-interop:1"* ]]
	id=$(berth images -q --no-trunc berth-interop:1)
	run p run --rm --network none "${id#sha256:}"
	[ "$status" -eq 0 ]
	[[ "$output" == *"app:x:1000:1000:app:/home/app:/bin/sh"* ]]

	# the OCI archive loads too, with its full name
	berth save --format oci-archive -o "$BATS_TEST_TMPDIR/oci.tar" berth-interop:1
	run p load -i "$BATS_TEST_TMPDIR/oci.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"docker.io/library/berth-interop:1"* ]]
}

@test "interop: skopeo copy into a docker-archive -> berth load -> images and history" {
	berth import -c 'CMD ["sh"]' "$BB" src:1 >/dev/null
	run skopeo copy "oci:$STORE:docker.io/library/src:1" \
		"docker-archive:$BATS_TEST_TMPDIR/sk.tar:skopeo/copied:7"
	[ "$status" -eq 0 ]
	STORE=$BATS_TEST_TMPDIR/store2
	run berth load -i "$BATS_TEST_TMPDIR/sk.tar"
	[ "$status" -eq 0 ]
	[ "$output" == "Loaded image: skopeo/copied:7" ]
	run berth images
	[[ "${lines[1]}" =~ ^skopeo/copied\ +7\  ]]
	run berth history skopeo/copied:7
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *"Imported from $BB" ]]
	run berth system check
	[[ "$output" == *"0 problems, 0 orphans"* ]]
	# gzip-compressed archives load as well
	gzip -c "$BATS_TEST_TMPDIR/sk.tar" | berth load
}

@test "interop: skopeo inspect and umoci unpack read the store in place" {
	berth import -c 'CMD ["sh"]' "$BB" inplace:3 >/dev/null
	run skopeo inspect "oci:$STORE:docker.io/library/inplace:3"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Architecture <<<"$output")" != "" ]
	[ "$(jq -r '.Layers | length' <<<"$output")" == 1 ]
	run umoci unpack --image "$STORE:docker.io/library/inplace:3" "$BATS_TEST_TMPDIR/bundle"
	[ "$status" -eq 0 ]
	[ -x "$BATS_TEST_TMPDIR/bundle/rootfs/bin/busybox" ]
	grep -q '^app:' "$BATS_TEST_TMPDIR/bundle/rootfs/etc/passwd"
	[ "$(jq -c .process.args "$BATS_TEST_TMPDIR/bundle/config.json")" == '["sh"]' ]
	rm -rf "$BATS_TEST_TMPDIR/bundle"
	run berth system check
	[ "$status" -eq 0 ]
}

@test "bad input: a truncated or corrupt tar is refused and the store is unchanged" {
	berth import "$BB" keep:1 >/dev/null
	before=$(snapshot)
	run berth import - trunc:1 < <(head -c 300000 "$BB")
	assert_one_error_line "import '-': not a valid tar archive: .*"
	assert_store_unchanged "$before"
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
	run berth import "$BATS_TEST_TMPDIR/junk" junk:1
	assert_one_error_line "not a valid tar archive"
	assert_store_unchanged "$before"
	run berth import /dev/null empty:1
	assert_one_error_line "not a valid tar archive"
	assert_store_unchanged "$before"
	[ "$(ls "$STORE/tmp" | wc -l)" -eq 0 ]
}

@test "bad input: a gzip or zstd stream that ends early is refused" {
	berth import "$BB" keep:1 >/dev/null
	before=$(snapshot)
	gzip -c "$BB" >"$BATS_TEST_TMPDIR/full.gz"
	head -c $(($(stat -c %s "$BATS_TEST_TMPDIR/full.gz") - 10)) "$BATS_TEST_TMPDIR/full.gz" >"$BATS_TEST_TMPDIR/cut.gz"
	run berth import "$BATS_TEST_TMPDIR/cut.gz" cut:1
	assert_one_error_line "gzip stream ends early"
	[ "$status" -eq 1 ]
	assert_store_unchanged "$before"
	zstd -q -c "$BB" | head -c 100000 >"$BATS_TEST_TMPDIR/cut.zst"
	run berth import "$BATS_TEST_TMPDIR/cut.zst" cut:2
	assert_one_error_line "zstd stream ends early"
	assert_store_unchanged "$before"
	# a truncated compressed archive for load too
	berth save keep:1 | gzip -c | head -c 200000 >"$BATS_TEST_TMPDIR/cut-archive.gz"
	run berth load -i "$BATS_TEST_TMPDIR/cut-archive.gz"
	assert_one_error_line "ends early"
	assert_store_unchanged "$before"
}

@test "bad input: a blob whose bytes do not match its digest is refused" {
	d=$BATS_TEST_TMPDIR/oci
	oci_dir "$d"
	STORE=$BATS_TEST_TMPDIR/fresh
	berth import "$BB" keep:1 >/dev/null
	before=$(snapshot)
	m=$(manifest_of "$d")
	cfg=$(jq -r .config.digest "$d/blobs/sha256/$m" | cut -d: -f2)
	echo ' ' >>"$d/blobs/sha256/$cfg"
	tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$d" .
	run berth load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_one_error_line "digest mismatch"
	assert_store_unchanged "$before"
}

@test "bad input: a manifest naming a missing blob is refused" {
	d=$BATS_TEST_TMPDIR/oci
	oci_dir "$d"
	STORE=$BATS_TEST_TMPDIR/fresh
	before=$(snapshot)
	m=$(manifest_of "$d")
	layer=$(jq -r '.layers[0].digest' "$d/blobs/sha256/$m" | cut -d: -f2)
	rm "$d/blobs/sha256/$layer"
	tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$d" .
	run berth load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_one_error_line "layer 'sha256:$layer' is not in the archive"
	assert_store_unchanged "$before"
	[ "$(ls "$STORE/blobs/sha256" | wc -l)" -eq 0 ]
}

@test "bad input: invalid JSON is refused" {
	d=$BATS_TEST_TMPDIR/oci
	oci_dir "$d"
	STORE=$BATS_TEST_TMPDIR/fresh
	before=$(snapshot)
	echo '{"schemaVersion": 2, "manifests": [' >"$d/index.json"
	tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$d" .
	run berth load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_one_error_line "index.json: invalid JSON"
	assert_store_unchanged "$before"
}

@test "bad input: an unknown media type is refused" {
	d=$BATS_TEST_TMPDIR/oci
	oci_dir "$d"
	STORE=$BATS_TEST_TMPDIR/fresh
	before=$(snapshot)
	m=$(manifest_of "$d")
	jq -c '.layers[0].mediaType = "application/x-made-up"' "$d/blobs/sha256/$m" >"$d/new"
	nm=$(sha256sum "$d/new" | cut -d' ' -f1)
	mv "$d/new" "$d/blobs/sha256/$nm"
	rm "$d/blobs/sha256/$m"
	jq -c --arg d "sha256:$nm" --argjson s "$(stat -c %s "$d/blobs/sha256/$nm")" \
		'.manifests[0].digest = $d | .manifests[0].size = $s' "$d/index.json" >"$d/i"
	mv "$d/i" "$d/index.json"
	tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$d" .
	run berth load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_one_error_line "unknown media type 'application/x-made-up'"
	assert_store_unchanged "$before"
}

@test "bad input: an invalid reference gets Docker's message" {
	berth import "$BB" keep:1 >/dev/null
	before=$(snapshot)
	run berth tag keep:1 Busybox
	assert_one_error_line "^berth: invalid reference format: repository name must be lowercase$"
	run berth tag keep:1 'a b'
	assert_one_error_line "^berth: invalid reference format$"
	run berth import "$BB" 'x:y:z'
	assert_one_error_line "invalid reference format"
	run berth image inspect 'UP'
	assert_one_error_line "repository name must be lowercase"
	[ "$status" -eq 1 ]
	# `inspect` looks at every kind: Docker skips "invalid reference format"
	run --separate-stderr berth inspect 'UP'
	[ "$status" -eq 1 ]
	[ "$stderr" = "berth: no such object: UP" ]
	assert_store_unchanged "$before"
}

@test "concurrency: 8 parallel import + tag lose no tag and leave system check clean" {
	pids=()
	for i in $(seq 1 8); do
		( "$BERTH" --root "$STORE" import -c "LABEL n=$i" "$BB" "par$i:1" >/dev/null &&
		  "$BERTH" --root "$STORE" tag "par$i:1" "alias/par$i:2" ) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	run berth images --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 16 ]
	for i in $(seq 1 8); do
		berth inspect "par$i:1" >/dev/null
		berth inspect "alias/par$i:2" >/dev/null
	done
	run berth system check
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 problems, 0 orphans, 0 partial writes"* ]]
}
