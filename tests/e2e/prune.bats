#!/usr/bin/env bats
# The prune commands ask as Docker's do (`WARNING! ... Are you sure you want
# to continue? [y/N] `, cli/command/*/prune.go): only "y" goes on, no input
# (EOF) is no, -f/--force skips the question. container prune removes the
# stopped containers; volume prune reports the space it freed and, as Docker
# 23+, removes only anonymous volumes unless -a.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb:1 >/dev/null
}

teardown() {
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

@test "container prune: asks, EOF or 'n' keeps everything, 'y' removes the stopped ones" {
	berth run --name done1 bb:1 true
	berth run --name done2 bb:1 sh -c 'exit 3' || true
	berth run -d --name up bb:1 sleep 60 >/dev/null
	local id1 id2
	id1=$(berth inspect -f '{{.Id}}' done1)
	id2=$(berth inspect -f '{{.Id}}' done2)
	run berth container prune </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "WARNING! This will remove all stopped containers.
Are you sure you want to continue? [y/N] " ]
	run berth container prune <<<"yes"
	[ "$(berth ps -aq | wc -l)" -eq 3 ]
	run berth container prune <<<" y "
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Are you sure you want to continue? [y/N] Deleted Containers:" ]
	printf '%s\n' "${lines[@]:2:2}" | sort >"$BATS_TEST_TMPDIR/got"
	printf '%s\n' "$id1" "$id2" | sort >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[[ "${lines[4]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+k?B$ ]]
	run berth ps -a --format '{{.Names}}'
	[ "$output" = up ]
	# -f: no question; nothing stopped is "0B"
	run berth container prune -f
	[ "$output" = "Total reclaimed space: 0B" ]
}

@test "image prune and builder prune: Docker's questions, -f/--force skips them" {
	local bb
	bb=$(busybox_tar)
	berth import "$bb" b:1 >/dev/null
	berth import -c 'CMD ["sh"]' "$bb" b:1 >/dev/null # b:1's old image is dangling
	run berth image prune </dev/null
	[ "$output" = "WARNING! This will remove all dangling images.
Are you sure you want to continue? [y/N] " ]
	run berth image prune -a <<<"n"
	[ "$output" = "WARNING! This will remove all images without at least one container associated to them.
Are you sure you want to continue? [y/N] " ]
	[[ "$(berth images)" == *"<none>"* ]]
	run berth image prune --force
	[[ "$output" == "Deleted Images:"* ]]
	[[ "$(berth images)" != *"<none>"* ]]
	# BuildKit's prompt is one line
	run berth builder prune </dev/null
	[ "$output" = "WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] " ]
	run berth builder prune -a </dev/null
	[ "$output" = "WARNING! This will remove all build cache. Are you sure you want to continue? [y/N] " ]
	run berth builder prune -f
	[ "$output" = "Deleted build cache objects: 0
Total reclaimed space: 0B" ]
}

@test "volume prune: anonymous volumes only unless -a, the space it freed, named volumes kept" {
	# an image VOLUME becomes an anonymous volume, in use while its container is
	berth run --name user1 -v /anon bb:1 true
	anon=$(berth inspect -f '{{range .Mounts}}{{.Name}}{{end}}' user1)
	[[ "$anon" =~ ^[0-9a-f]{64}$ ]]
	run berth volume inspect -f '{{json .Labels}}' "$anon"
	[ "$output" = '{"com.docker.volume.anonymous":""}' ]
	berth volume create named >/dev/null
	head -c 200000 /dev/urandom >"$STORE/volumes/named/_data/blob"
	run berth volume prune </dev/null
	[ "$output" = "WARNING! This will remove anonymous local volumes not used by at least one container.
Are you sure you want to continue? [y/N] " ]
	run berth volume prune -a </dev/null
	[ "$output" = "WARNING! This will remove all local volumes not used by at least one container.
Are you sure you want to continue? [y/N] " ]
	# the anonymous one is in use, the named one is not anonymous
	run berth volume prune -f
	[ "$output" = "Total reclaimed space: 0B" ]
	run berth volume prune -a <<<y
	[ "${lines[1]}" = "Are you sure you want to continue? [y/N] Deleted Volumes:" ]
	[ "${lines[2]}" = named ]
	[[ "${lines[3]}" =~ ^Total\ reclaimed\ space:\ 20[0-9.]*kB$ ]]
	run berth volume ls -q
	[ "$output" = "$anon" ]
}
