#!/usr/bin/env bats
# `berth inspect` as Docker's `docker inspect`: containers, images,
# networks and volumes by name or id, --type to choose, one JSON array for many names,
# "no such object" (Docker: "Error: No such object: NAME") and exit 1.

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

@test "inspect: a container, an image and a volume by name, one JSON array" {
	berth run --name box bb:1 true
	berth volume create vol >/dev/null
	run --separate-stderr berth inspect box bb:1 vol
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 3 ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = box ]
	[ "$(jq -r '.[1].RepoTags[0]' <<<"$output")" = bb:1 ]
	[ "$(jq -r '.[2].Name' <<<"$output")" = vol ]
	# by id: a container's short id and an image's full id
	local cid iid
	cid=$(jq -r '.[0].Id' <<<"$output")
	iid=$(jq -r '.[1].Id' <<<"$output")
	run berth inspect -f '{{.Id}}' "${cid:0:12}" "$iid"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$cid" ]
	[ "${lines[1]}" = "$iid" ]
	# --format keeps working over every kind
	run berth inspect --format '{{.Name}}' vol
	[ "$output" = vol ]
}

@test "inspect: --type chooses the kind, an unknown name is 'no such object', exit 1" {
	berth run --name bb bb:1 true
	berth volume create bb >/dev/null
	# without a type, a container comes first (as Docker's autodetection)
	run berth inspect -f '{{.Name}}' bb
	[ "$output" = bb ]
	run berth inspect --type volume -f '{{.Name}}' bb
	[ "$output" = bb ]
	run berth inspect --type image -f '{{index .RepoTags 0}}' bb:1
	[ "$output" = bb:1 ]
	run berth inspect --type container -f '{{.Name}}' bb
	[ "$output" = bb ]
	run --separate-stderr berth inspect --type image bb
	[ "$status" -eq 1 ]
	[ "$output" = "[]" ]
	[ "$stderr" = "berth: no such image: 'bb'" ]
	run berth inspect --type nodes bb
	assert_one_error_line '"nodes" is not a valid value for --type'
	run berth inspect nothing-here
	[ "$status" -eq 1 ]
	[ "$output" = "[]
berth: no such object: nothing-here" ]
	run berth inspect --type volume nothing-here
	[ "$status" -eq 1 ]
	[[ "$output" == *"berth: no such volume: 'nothing-here'" ]]
	# the objects found are printed, then each missing name, exit 1
	run --separate-stderr berth inspect -f '{{.Name}}' bb nope
	[ "$status" -eq 1 ]
	[ "$output" = bb ]
	[ "$stderr" = "berth: no such object: nope" ]
	# `image inspect` looks at images only
	run --separate-stderr berth image inspect -f '{{.Id}}' bb
	[ "$status" -eq 1 ]
	[ "$stderr" = "berth: no such image: 'bb'" ]
}

@test "inspect: networks by name or id, Docker's order container, image, network, volume" {
	berth network create netx >/dev/null
	berth volume create netx >/dev/null
	nid=$(berth network inspect -f '{{.Id}}' netx)
	# a name a network and a volume share is the network (Docker's autodetection order)
	run --separate-stderr berth inspect netx
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = netx ]
	[ "$(jq -r '.[0].Driver' <<<"$output")" = bridge ]
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$nid" ]
	run berth inspect -f '{{.Id}}' "${nid:0:12}"
	[ "$status" -eq 0 ]
	[ "$output" = "$nid" ]
	run berth inspect --type volume -f '{{.Driver}}' netx
	[ "$output" = local ]
	run berth inspect --type network -f '{{.Driver}}' netx
	[ "$output" = bridge ]
	# a container of the same name comes before the network
	berth run --name netx bb:1 true
	run berth inspect -f '{{.State.Status}}' netx
	[ "$output" = exited ]
	run --separate-stderr berth inspect --type network nope
	[ "$status" -eq 1 ]
	[[ "$stderr" == "berth: "*nope* ]]
	berth rm netx >/dev/null
	berth network rm netx >/dev/null
	berth volume rm netx >/dev/null
}
