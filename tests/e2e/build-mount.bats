#!/usr/bin/env bats
# `berth build` RUN --mount safety (issue #12): a rw bind never writes into
# its source (the context, an image's unpacked layers), every mount source
# travels as the fd that was checked, secrets get BuildKit's modes, and
# `system check` sees an unpacked layer that was changed behind berth's back.

load helpers

setup() {
	common_setup
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX"
}

teardown() {
	# nothing of a build may stay mounted, even after a failure
	if [[ -n "${STORE:-}" ]] && findmnt -rn -o TARGET | grep -q "^$STORE/"; then
		findmnt -rn -o TARGET | grep "^$STORE/" | sort -r | xargs -r -n1 umount -l || true
	fi
}

# The busybox fixture as image busybox:fixture (one layer) in $STORE.
make_base() {
	local b=$BATS_TEST_TMPDIR/base
	mkdir -p "$b/rootfs"
	tar -C "$b/rootfs" -xf "$(busybox_tar)"
	printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$b/Dockerfile"
	berth build -q -t busybox:fixture "$b" >/dev/null
}

# A file of the last layer of a tag, read with umoci.
file_of() {
	rm -rf "$BATS_TEST_TMPDIR/u"
	umoci unpack --image "$STORE:docker.io/library/$1" "$BATS_TEST_TMPDIR/u" >/dev/null
	cat "$BATS_TEST_TMPDIR/u/rootfs/$2"
}

no_leftovers() {
	! findmnt -rn -o TARGET | grep -q "^$STORE/"
	[[ -z "$(ls -A "$STORE/cache/tmp" 2>/dev/null)" ]]
}

@test "build RUN --mount: a rw bind of the context gets a throwaway layer; the host's files are untouched" {
	make_base
	echo original >"$CTX/file"
	mkdir -p "$CTX/sub"
	echo keep >"$CTX/sub/kept"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		RUN --mount=type=bind,source=.,target=/ctx,rw sh -c 'echo x >/ctx/pwned; echo changed >/ctx/file; rm /ctx/sub/kept; mkdir -p /ctx/.git/hooks; cat /ctx/file >/seen'
		RUN --mount=type=bind,source=file,target=/f,rw sh -c 'echo again >/f; cat /f >/seen-file'
	EOF
	berth build -q --no-cache -t rw:1 "$CTX"
	# the step saw its own writes...
	[ "$(file_of rw:1 seen)" = changed ]
	[ "$(file_of rw:1 seen-file)" = again ]
	# ...and the user's checkout did not get them
	[ ! -e "$CTX/pwned" ]
	[ ! -e "$CTX/.git" ]
	[ "$(cat "$CTX/file")" = original ]
	[ "$(cat "$CTX/sub/kept")" = keep ]
	# nor does the layer carry the mount's content
	[ ! -e "$BATS_TEST_TMPDIR/u/rootfs/ctx/pwned" ]
	no_leftovers
}

@test "build RUN --mount: a rw bind from an image does not change the image's unpacked layers" {
	make_base
	before=$(berth run --rm busybox:fixture cat /etc/passwd)
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		RUN --mount=type=bind,from=busybox:fixture,source=/,target=/b,rw sh -c 'echo P >>/b/etc/passwd; touch /b/planted; tail -1 /b/etc/passwd >/seen'
	EOF
	berth build -q --no-cache -t poison:1 "$CTX"
	[ "$(file_of poison:1 seen)" = P ]
	# every later user of the image sees it as it was unpacked
	[ "$(berth run --rm busybox:fixture cat /etc/passwd)" = "$before" ]
	run berth run --rm busybox:fixture ls /planted
	[ "$status" -ne 0 ]
	# the same through the overlay view of an image of two layers
	printf 'FROM busybox:fixture\nRUN echo two >/two\n' >"$CTX/Dockerfile"
	berth build -q -t two:1 "$CTX"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		RUN --mount=type=bind,from=two:1,target=/b,rw sh -c 'echo P >/b/two; rm /b/bin/sh; cat /b/two >/seen'
	EOF
	berth build -q --no-cache -t poison:2 "$CTX"
	[ "$(file_of poison:2 seen)" = P ]
	[ "$(berth run --rm two:1 cat /two)" = two ]
	run berth system check
	[ "$status" -eq 0 ]
	[[ "$output" == *" 0 problems"* ]]
	no_leftovers
}

@test "build RUN --mount: a read-only bind from an image cannot be written either" {
	make_base
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		RUN --mount=type=bind,from=busybox:fixture,source=/etc,target=/b sh -c 'echo P >>/b/passwd' || touch /refused
	EOF
	berth build -q --no-cache -t ro:1 "$CTX"
	file_of ro:1 refused
	run berth run --rm busybox:fixture grep -c '^P$' /etc/passwd
	[ "$output" = 0 ]
}

@test "build RUN --mount: a bind source that leads out of the context names the source in one error line" {
	make_base
	ln -s ../outside "$CTX/link"
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	printf 'FROM busybox:fixture\nRUN --mount=type=bind,source=link,target=/x ls /x\n' >"$CTX/Dockerfile"
	run berth build -q --no-cache -t esc:1 "$CTX"
	assert_one_error_line
	[[ "$output" == "berth: Dockerfile:2: 'RUN --mount=type=bind,source=link,target=/x ls /x': bind mount source 'link': "* ]]
	# the rest of the line is printable text, not freed memory
	[[ "$output" != *[^[:print:]]* ]]
	no_leftovers
}

@test "build RUN --mount: an absolute symlink in an image cannot send a bind to the host" {
	make_base
	# the image's /hostlink is a link to "/": in the image that is its own root
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		RUN ln -s / /hostlink && echo image >/image-root-marker
	EOF
	berth build -q -t evil:1 "$CTX"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		RUN --mount=type=bind,from=evil:1,source=hostlink,target=/m sh -c 'ls -a /m >/listing; cat /m/image-root-marker >/marker || true'
		RUN --mount=type=bind,from=evil:1,source=hostlink/etc,target=/e sh -c 'ls /e >/etc-listing'
	EOF
	berth build -q --no-cache -t victim:1 "$CTX"
	[ "$(file_of victim:1 marker)" = image ]
	# the step saw the image's root and /etc, not the host's
	grep -qx hostlink "$BATS_TEST_TMPDIR/u/rootfs/listing"
	diff <(ls "$BATS_TEST_TMPDIR/u/rootfs/etc") "$BATS_TEST_TMPDIR/u/rootfs/etc-listing"
	no_leftovers
}

@test "build RUN --mount: secrets are 0400 root by default, mode/uid/gid honoured" {
	make_base
	echo s3cr3t >"$BATS_TEST_TMPDIR/secret"
	cat >"$CTX/Dockerfile" <<-'EOF'
		FROM busybox:fixture
		RUN --mount=type=secret,id=tok stat -c '%a %u %g' /run/secrets/tok >/default
		RUN --mount=type=secret,id=tok,mode=0440,uid=1000,gid=1001,target=/s/tok stat -c '%a %u %g' /s/tok >/custom && cat /s/tok >/dev/null
	EOF
	berth build -q --no-cache --secret id=tok,src="$BATS_TEST_TMPDIR/secret" -t sec:1 "$CTX"
	[ "$(file_of sec:1 default)" = "400 0 0" ]
	[ "$(file_of sec:1 custom)" = "440 1000 1001" ]
	# the user's own file keeps its mode
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/secret")" = 644 ]
	no_leftovers
}

@test "build RUN --mount: bad mode, uid or rw values are refused with one line" {
	make_base
	printf 'FROM busybox:fixture\nRUN --mount=type=secret,id=tok,mode=999 true\n' >"$CTX/Dockerfile"
	run berth build -q "$CTX"
	assert_one_error_line "invalid mode '999' in '--mount=type=secret,id=tok,mode=999'"
	printf 'FROM busybox:fixture\nRUN --mount=type=secret,id=tok,uid=-1 true\n' >"$CTX/Dockerfile"
	run berth build -q "$CTX"
	assert_one_error_line "invalid uid '-1'"
	printf 'FROM busybox:fixture\nRUN --mount=type=bind,rw=maybe,target=/x true\n' >"$CTX/Dockerfile"
	run berth build -q "$CTX"
	assert_one_error_line "invalid value 'maybe' of 'rw'"
	no_leftovers
}

@test "system check: an unpacked layer changed behind berth's back is a problem; --repair unpacks it again" {
	make_base
	berth run --rm busybox:fixture true
	run berth system check
	[ "$status" -eq 0 ]
	# a change by hand in the shared unpacked copy of the image's layer
	passwd=$(echo "$STORE"/layers/*/diff/etc/passwd)
	[ -f "$passwd" ]
	echo 'P:x:0:0::/:/bin/sh' >>"$passwd"
	run berth system check
	[ "$status" -eq 1 ]
	[[ "$output" == *"unpacked layer sha256:"*" was changed after it was unpacked: './etc/passwd'"* ]]
	[[ "$output" == *"berth: store '$STORE' has 1 problems (run 'berth system check --repair')"* ]]
	run berth system check --repair
	[ "$status" -eq 0 ]
	[[ "$output" == *"(removed: it is unpacked again when needed)"* ]]
	run berth system check
	[ "$status" -eq 0 ]
	# unpacked again from the blob, as it was
	run berth run --rm busybox:fixture grep -c '^P:' /etc/passwd
	[ "$output" = 0 ]
}
