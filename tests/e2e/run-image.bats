#!/usr/bin/env bats
# berth run IMAGE: the image's config (ENTRYPOINT, CMD, ENV, USER, WORKDIR,
# VOLUME) from `berth import --change` of the busybox fixture.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts)"
}

setup() {
	common_setup
	berth import "$(busybox_tar)" busybox:plain >/dev/null
	berth import -c 'ENTRYPOINT ["echo", "ep"]' -c 'CMD ["default"]' "$(busybox_tar)" busybox:ep >/dev/null
	berth import -c 'CMD ["sh", "-c", "echo cmd-only"]' -c 'USER app' -c 'WORKDIR /home/app' \
		-c 'ENV GREETING=hello PATH=/bin' "$(busybox_tar)" busybox:cfg >/dev/null
}

@test "run image: exit codes as with a rootfs" {
	run berth run --rm busybox:plain sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run -127 berth run --rm busybox:plain nope
	run berth run --rm no-such-image true
	[ "$status" -eq 125 ]
	[[ "$output" == *"no such image"* ]]
	run berth run --rm busybox:plain
	[ "$status" -eq 125 ]
	[[ "$output" == *"no command specified"* ]]
}

@test "run image: Docker's ENTRYPOINT/CMD rules" {
	run berth run --rm busybox:ep
	[ "$output" = "ep default" ]
	run berth run --rm busybox:ep x y
	[ "$output" = "ep x y" ]
	run berth run --rm --entrypoint printf busybox:ep 'a%s\n' b
	[ "$output" = "ab" ]
	# --entrypoint '' clears it and the image's CMD with it
	run berth run --rm --entrypoint '' busybox:ep echo cleared
	[ "$output" = cleared ]
	run berth run --rm busybox:cfg
	[ "$output" = cmd-only ]
}

@test "run image: ENV, USER, WORKDIR and overrides" {
	run berth run --rm busybox:cfg sh -c 'echo $GREETING $PATH; id -un; pwd; echo $HOME'
	[ "${lines[0]}" = "hello /bin" ]
	[ "${lines[1]}" = app ]
	[ "${lines[2]}" = /home/app ]
	[ "${lines[3]}" = /home/app ]
	run berth run --rm -e GREETING=bye -u root -w /tmp busybox:cfg sh -c 'echo $GREETING; id -un; pwd'
	[ "${lines[0]}" = bye ]
	[ "${lines[1]}" = root ]
	[ "${lines[2]}" = /tmp ]
}

@test "run image: the image's layers are not modified, --rm removes the record" {
	run berth run --rm busybox:plain sh -c 'rm -rf /bin/ls /etc/passwd && echo gone'
	[ "$output" = gone ]
	run berth run --rm busybox:plain ls /etc/passwd
	[ "$output" = /etc/passwd ]
	[ -z "$(ls -A "$STORE/containers")" ]
}

@test "cleanup: 200 run --rm on an image leave no mount, cgroup, process or directory" {
	assert_run_rm_leaves_nothing 200 --memory 64m --pids-limit 100 busybox:plain
	# the image and its unpacked layers stay usable
	run berth run --rm busybox:plain echo still-here
	[ "$output" = still-here ]
}

@test "run image: loads no library that run does not need (core/lazylib.h)" {
	# libarchive, libcurl, libcrypto, libzstd, zlib are dlopen()ed on first use only;
	# the first run of an image unpacks its layer (libarchive), later ones do not
	berth run --rm busybox:plain true
	run --separate-stderr env LD_DEBUG=files "$BERTH" --root "$STORE" run --rm busybox:plain true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"file=libjansson.so.4"* ]] # the trace works
	if grep -E 'file=lib(archive|curl|crypto|ssl|zstd|z)\.so' <<<"$stderr"; then
		echo "run loaded a library it does not need"
		return 1
	fi
	# import does need libarchive: loaded on first use
	run --separate-stderr env LD_DEBUG=files "$BERTH" --root "$STORE" import "$(busybox_tar)" again:1
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"file=libarchive.so.13"* ]]
}

@test "run image: run --network none loads neither libyaml nor libmnl; compose and a bridge do" {
	# libyaml (compose, kube) and libmnl (links, NAT) are dlopen()ed on first use too
	berth run --rm --network none busybox:plain true
	run --separate-stderr env LD_DEBUG=files "$BERTH" --root "$STORE" run --rm --network none busybox:plain true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"file=libjansson.so.4"* ]] # the trace works
	if grep -E 'file=lib(yaml-0|mnl|nftables)\.so' <<<"$stderr"; then
		echo "run --network none loaded a library it does not need"
		return 1
	fi
	printf 'services:\n  web:\n    image: busybox:plain\n' >"$BATS_TEST_TMPDIR/compose.yaml"
	run --separate-stderr env LD_DEBUG=files "$BERTH" --root "$STORE" compose \
		-f "$BATS_TEST_TMPDIR/compose.yaml" config --services
	[ "$status" -eq 0 ]
	[ "$output" = web ]
	[[ "$stderr" == *"file=libyaml-0.so.2"* ]]
	# the default network is a bridge (scripts/e2e's own namespace): links need libmnl
	run --separate-stderr env LD_DEBUG=files "$BERTH" --root "$STORE" run --rm busybox:plain true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"file=libmnl.so.0"* ]]
}

@test "run image: ps, images and version load neither libseccomp nor libcap; run does, before the container's process" {
	# they are dlopen()ed by the runtime before it creates the process that
	# sets the capabilities and loads the filter after pivot_root
	berth run --rm busybox:plain true
	for cmd in ps images version; do
		run --separate-stderr env LD_DEBUG=files "$BERTH" --root "$STORE" $cmd
		[ "$status" -eq 0 ]
		[[ "$stderr" == *"file=libjansson.so.4"* ]] # the trace works
		if grep -E 'file=lib(seccomp|cap)\.so' <<<"$stderr"; then
			echo "$cmd loaded a library it does not need"
			return 1
		fi
	done
	run --separate-stderr env LD_DEBUG=files "$BERTH" --root "$STORE" run --rm busybox:plain true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"file=libseccomp.so.2"* ]]
	[[ "$stderr" == *"file=libcap.so.2"* ]]
	# a broken libseccomp: run says so in one line, starts nothing, leaves nothing
	mkdir -p "$BATS_TEST_TMPDIR/libs"
	: >"$BATS_TEST_TMPDIR/libs/libseccomp.so.2"
	run env LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/libs" "$BERTH" --root "$STORE" run --rm busybox:plain true
	assert_one_error_line '^berth: .*seccomp: .*libseccomp\.so\.2: '
	[ -z "$(ls -A "$STORE/containers")" ]
	# without a filter (--security-opt seccomp=unconfined) it is not needed
	run env LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/libs" "$BERTH" --root "$STORE" run --rm --security-opt seccomp=unconfined busybox:plain sh -c 'echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "run image: a library that cannot be loaded is one error line, exit 127" {
	# an empty file where the loader looks first stands for a broken install
	mkdir -p "$BATS_TEST_TMPDIR/libs"
	: >"$BATS_TEST_TMPDIR/libs/libarchive.so.13"
	berth run --rm busybox:plain true # unpacks the layer while libarchive loads
	run -127 env LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/libs" "$BERTH" --root "$STORE" import "$(busybox_tar)" broken:1
	assert_one_error_line '^berth: archive: .*libarchive\.so\.13: '
	# run does not need it, so it still works there
	run env LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/libs" "$BERTH" --root "$STORE" run --rm busybox:plain sh -c 'echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "run image: an image of 200 layers runs, the top layer wins" {
	# its lower dirs' paths alone are far more than the page that a
	# lowerdir=a:b:... mount option string may hold
	load_many_layer_image 200 many:200
	run berth run --rm many:200 cat /f1 /f100 /f200 /top
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1\n100\n200\n200')" ]
	# detached, then started again: each start gets a fresh overlay
	run berth run -d --name many many:200 sh -c 'cat /top >>/seen; cat /seen'
	[ "$status" -eq 0 ]
	berth wait many >/dev/null
	run berth start many
	[ "$status" -eq 0 ]
	berth wait many >/dev/null
	run berth logs many
	[ "$output" = "$(printf '200\n200\n200')" ]
	berth rm -f many >/dev/null
}

@test "run image: an image of another platform runs with Docker's warning; the host's has none" {
	local oci=$BATS_TEST_TMPDIR/oci
	python3 "$BATS_TEST_DIRNAME/../registry/mkimage.py" --out "$oci" --tag other:1 --layers 0 \
		--rootfs "$(busybox_tar)" --platform linux/s390x >/dev/null
	tar -C "$oci" -cf "$BATS_TEST_TMPDIR/other.tar" .
	berth load -i "$BATS_TEST_TMPDIR/other.tar" >/dev/null
	run --separate-stderr berth run --rm --network none other:1 /bin/busybox echo ran
	[ "$output" = ran ]
	[[ "$stderr" =~ ^"WARNING: The requested image's platform (linux/s390x) does not match the detected host platform (linux/"[a-z0-9]+(/v[0-9])?") and no specific platform was requested"$ ]]
	run --separate-stderr berth run --rm --network none busybox:plain echo ran
	[ "$output" = ran ]
	[ -z "$stderr" ]
}
