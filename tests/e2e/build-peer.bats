#!/usr/bin/env bats
# The issue's check of build results against BuildKit: the same Dockerfiles
# built by Debian's dockerd (helpers.bash's peer daemon, with BuildKit:
# DOCKER_BUILDKIT=1 and Debian's 20.10 client) and by `berth build`,
# compared: `history --no-trunc --format '{{.CreatedBy}}'` line by line and
# the layer count (`inspect --format '{{len .RootFS.Layers}}'`).
#
# BuildKit works against this daemon with Debian's 20.10 client, so
# /usr/local/bin/docker's buildx is not needed. berth matches BuildKit's
# texts everywhere, odd ones included (docs/build.md lists them): Go's %q and
# %v of CMD/ENTRYPOINT/SHELL/VOLUME/EXPOSE, HEALTHCHECK's retries as a quoted
# rune, no entry for ONBUILD, an (empty) layer for a WORKDIR that exists.
load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (dockerd, builds)"
	export PEER_FILE_DIR=$BATS_FILE_TMPDIR/peer
	peer_dockerd_setup "$PEER_FILE_DIR"
	peer_dockerd_start 3>&-
	export PEER_DIR PEER_PID PEER_CGROUP
	# the fixture's busybox, as berth saves it, is the base of every build
	local store=$BATS_FILE_TMPDIR/base-store
	"$BERTH" --root "$store" import "$(busybox_tar)" peer/busybox:1 >/dev/null
	"$BERTH" --root "$store" save peer/busybox:1 | peer_docker load -q >/dev/null
	export BASE_STORE=$store
}

teardown_file() {
	peer_dockerd_stop
}

setup() {
	common_setup
	[[ -n ${PEER_PID:-} ]] || skip "the peer dockerd did not start"
	berth import "$(busybox_tar)" peer/busybox:1 >/dev/null
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX"
}

# BuildKit through Debian's 20.10 client on the peer daemon.
buildkit() {
	DOCKER_BUILDKIT=1 peer_docker build -q "$@" >/dev/null
}

# Builds $CTX/Dockerfile as TAG ($1, further build flags after it) with both
# and compares history and layer count; prints both histories on a difference.
compare_build() {
	local tag=$1
	shift
	buildkit -t "$tag" "$@" "$CTX"
	berth build -q -t "$tag" "$@" "$CTX" >/dev/null
	peer_docker history --no-trunc --format '{{.CreatedBy}}' "$tag" >"$BATS_TEST_TMPDIR/docker-history"
	berth history --no-trunc --format '{{.CreatedBy}}' "$tag" >"$BATS_TEST_TMPDIR/berth-history"
	diff -u "$BATS_TEST_TMPDIR/docker-history" "$BATS_TEST_TMPDIR/berth-history"
	local dl bl
	dl=$(peer_docker inspect --format '{{len .RootFS.Layers}}' "$tag")
	bl=$(berth inspect --format '{{len .RootFS.Layers}}' "$tag")
	[[ $dl == "$bl" ]] || { echo "layers: BuildKit $dl, berth $bl"; return 1; }
}

@test "build peer: metadata instructions, ARG before and after FROM, RUN with build args" {
	cat >"$CTX/Dockerfile" <<-'EOF2'
		ARG BASE=peer/busybox:1
		FROM $BASE
		ARG A=b
		ARG UNUSED
		ENV E1=x E2="y z"
		LABEL l1=v1 "l 2"="v 2"
		RUN echo "$A" >/a
		RUN ["/bin/sh", "-c", "echo exec $A >/b"]
		EXPOSE 80 443/udp
		VOLUME /data
		USER 1000:1000
		STOPSIGNAL SIGTERM
		HEALTHCHECK --interval=5s --timeout=3s CMD ["true"]
		SHELL ["/bin/sh", "-ec"]
		RUN echo shell
		ONBUILD RUN echo child
		ENTRYPOINT ["/bin/echo"]
		CMD ["hello"]
	EOF2
	compare_build peer/meta:1 --build-arg A=c
}

@test "build peer: WORKDIR new and existing, COPY from the context and with --chown, ADD" {
	mkdir -p "$CTX/dir/sub"
	echo one >"$CTX/f1"
	echo two >"$CTX/dir/sub/f2"
	tar -C "$CTX/dir" -cf "$CTX/a.tar" sub
	cat >"$CTX/Dockerfile" <<-'EOF2'
		FROM peer/busybox:1
		WORKDIR /app/new
		WORKDIR /tmp
		WORKDIR rel
		WORKDIR /
		COPY f1 /app/
		COPY --chown=1000:1000 dir /app/dir
		COPY f1 dir/sub/f2 /app/both/
		ADD a.tar /unpacked/
		ADD --chown=1000 f1 /added
		USER 1000
		WORKDIR /home/app/made
	EOF2
	compare_build peer/copy:1
}

@test "build peer: multi-stage, COPY --from a stage and COPY /out without --from" {
	mkdir -p "$CTX/out"
	echo ctx >"$CTX/out/f"
	cat >"$CTX/Dockerfile" <<-'EOF2'
		ARG V=1
		FROM peer/busybox:1 AS build
		ARG V
		RUN mkdir /out && echo "$V" >/out/v
		FROM build AS mid
		RUN echo mid >/out/m
		FROM peer/busybox:1
		COPY --from=build /out /app
		COPY --from=mid /out/m /app/m
		COPY /out /app
		COPY --from=peer/busybox:1 /bin/busybox /bb
	EOF2
	compare_build peer/multi:1
}

@test "build peer: CMD and ENTRYPOINT in both forms, HEALTHCHECK forms, SHELL, ENV use" {
	cat >"$CTX/Dockerfile" <<-'EOF2'
		FROM peer/busybox:1
		ENV GREETING="hi there" Q='a"b'
		CMD echo "$GREETING"
		ENTRYPOINT /bin/sh -c 'exec "$@"' --
		HEALTHCHECK CMD test -f /etc/passwd || exit 1
		HEALTHCHECK --interval=1m30s --retries=3 --start-period=2s CMD ["cat", "/etc/passwd"]
		HEALTHCHECK NONE
		SHELL ["/bin/sh", "-c", "-x"]
		CMD echo "$Q"
		ENTRYPOINT ["/bin/sh", "-c", "echo \"quoted\" and\ttab"]
		CMD ["a b", "c\\d", "é"]
		MAINTAINER someone <a@b>
		ARG X=1 Y
		RUN echo "$X$Y$GREETING"
		STOPSIGNAL 9
	EOF2
	compare_build peer/cmd:1 --build-arg Y=2
}
