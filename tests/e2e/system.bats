#!/usr/bin/env bats
# `system df` as Docker's (cli/command/formatter/disk_usage.go): TOTAL,
# ACTIVE, SIZE and RECLAIMABLE per kind, where RECLAIMABLE is what the kind's
# prune then frees and the drop in SIZE; -v's tables and --format.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts)"
}

setup() {
	common_setup
}

teardown() {
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

# Bytes of a size Docker's HumanSize printed ("0B", "1.234kB", "12.5MB").
bytes_of() {
	awk -v s="$1" 'BEGIN {
		n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
		m["B"] = 1; m["kB"] = 1e3; m["MB"] = 1e6; m["GB"] = 1e9; m["TB"] = 1e12
		if (!(u in m)) { print "bad size " s > "/dev/stderr"; exit 1 }
		printf "%.0f\n", n * m[u]
	}'
}

# True when $1 and $2 (bytes) are equal within the rounding of four
# significant digits of $3 (the largest printed size they were made of).
about() {
	awk -v a="$1" -v b="$2" -v big="$3" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		exit !(d <= big * 0.0011 + 1)
	}' || { echo "$1 and $2 differ by more than the rounding of $3"; return 1; }
}

# The SIZE or RECLAIMABLE (without its percentage) of a row of `system df`.
df_field() {
	berth system df --format '{{.Type}}|{{.Size}}|{{.Reclaimable}}' |
		awk -F'|' -v t="$1" -v f="$2" '$1 == t { x = $f; sub(/ .*/, "", x); print x }'
}

# The "Total reclaimed space" of a prune's output ($1).
freed_of() {
	printf '%s\n' "$1" | sed -n 's/^Total reclaimed space: //p'
}

# Checks that the prune ($2...) of kind $1 frees its RECLAIMABLE and SIZE drops by it.
check_prune_frees_reclaimable() {
	local kind=$1
	shift
	local size0 rec0 out freed size1
	size0=$(bytes_of "$(df_field "$kind" 2)")
	rec0=$(bytes_of "$(df_field "$kind" 3)")
	out=$(berth "$@")
	freed=$(bytes_of "$(freed_of "$out")")
	size1=$(bytes_of "$(df_field "$kind" 2)")
	echo "$kind: size $size0 -> $size1, reclaimable $rec0, freed $freed"
	[ "$rec0" -gt 0 ]
	about "$rec0" "$freed" "$size0"
	about "$((size0 - size1))" "$rec0" "$size0"
	[ "$(bytes_of "$(df_field "$kind" 3)")" -eq 0 ]
}

@test "system df: an empty store is four rows of zeros, as Docker prints them" {
	run berth system df
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
	[ "${lines[1]}" = "Images          0         0         0B        0B" ]
	[ "${lines[2]}" = "Containers      0         0         0B        0B" ]
	[ "${lines[3]}" = "Local Volumes   0         0         0B        0B" ]
	[ "${lines[4]}" = "Build Cache     0         0         0B        0B" ]
	[ "${#lines[@]}" -eq 5 ]
	run berth system df extra
	assert_one_error_line "accepts no arguments"
}

@test "system df: counts, actives, and RECLAIMABLE is what each prune frees" {
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb:1 >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/ctx"
	# the first stage's layer is the build cache's only: no image has it
	printf 'FROM bb:1 AS a\nRUN head -c 150000 /dev/urandom >/junk && echo hi >/small\nFROM bb:1\nCOPY --from=a /small /small\nRUN head -c 120000 /dev/urandom >/junk2\n' >"$BATS_TEST_TMPDIR/ctx/Dockerfile"
	berth build -q -t junk:1 "$BATS_TEST_TMPDIR/ctx" >/dev/null
	berth volume create used >/dev/null
	berth volume create unused >/dev/null
	head -c 300000 /dev/urandom >"$STORE/volumes/unused/_data/blob"
	berth run --name stopped bb:1 sh -c 'head -c 200000 /dev/urandom >/file'
	berth run -d --name up -v used:/data bb:1 sh -c 'head -c 100000 /dev/urandom >/f; sleep 60' >/dev/null
	sleep 0.5

	run berth system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Images|2|1" ]
	[ "${lines[1]}" = "Containers|2|1" ]
	[ "${lines[2]}" = "Local Volumes|2|1" ]
	[[ "${lines[3]}" =~ ^Build\ Cache\|[1-9][0-9]*\|0$ ]]
	# the percentage is the reclaimable share of the size, rounded down
	run berth system df
	[[ "${lines[2]}" =~ ^Containers\ +2\ +1\ +[0-9.]+kB\ +[0-9.]+kB\ \([0-9]+%\)$ ]]
	echo "$output"; [[ "${lines[4]}" =~ ^Build\ Cache\ .*[0-9]k?B$ ]]
	# the stopped container's upper holds its 200kB, the running one's 100kB
	[ "$(df_field Containers 2)" = "300kB" ]
	[ "$(df_field Containers 3)" = "200kB" ]

	check_prune_frees_reclaimable Containers container prune -f
	check_prune_frees_reclaimable "Build Cache" builder prune -a -f
	check_prune_frees_reclaimable Images image prune -a -f
	check_prune_frees_reclaimable "Local Volumes" volume prune -a -f
	# what is in use stays, and is counted
	run berth system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}'
	[ "${lines[0]}" = "Images|1|1" ]
	[ "${lines[1]}" = "Containers|1|1" ]
	[ "${lines[2]}" = "Local Volumes|1|1" ]
	[ "${lines[3]}" = "Build Cache|0|0" ]
	[ "$(df_field Containers 2)" = "100kB" ]
}

@test "system df -v: Docker's four tables; --format json and templates" {
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb:1 >/dev/null
	berth tag bb:1 bb:2
	berth volume create v1 >/dev/null
	berth run --name c1 -v v1:/v bb:1 sh -c 'echo hi >/x'
	run berth system df -v
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Images space usage:" ]
	[[ "${lines[1]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ +SHARED\ SIZE\ +UNIQUE\ SIZE\ +CONTAINERS$ ]]
	# two names of one image: one row each, its layer not shared with another image
	[[ "$output" =~ bb\ +1\ +[0-9a-f]{12}\ +.*\ +0B\ +[0-9.]+[kM]B\ +1 ]]
	[[ "$output" =~ bb\ +2\ +[0-9a-f]{12}\ + ]]
	[[ "$output" == *"Containers space usage:"* ]]
	[[ "$output" =~ CONTAINER\ ID\ +IMAGE\ +COMMAND\ +LOCAL\ VOLUMES\ +SIZE\ +CREATED\ +STATUS\ +NAMES ]]
	[[ "$output" =~ \ 1\ +3B\ .*Exited\ \(0\).*c1 ]]
	[[ "$output" == *"Local Volumes space usage:"* ]]
	[[ "$output" =~ VOLUME\ NAME\ +LINKS\ +SIZE ]]
	[[ "$output" =~ v1\ +1\ +[0-9.]+k?B ]]
	[[ "$output" == *"Build cache usage: 0B"* ]]

	run berth system df --format json
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(printf '%s\n' "${lines[0]}" | jq -r 'keys | join(",")')" = "Active,Reclaimable,Size,TotalCount,Type" ]
	[ "$(printf '%s\n' "${lines[1]}" | jq -r '.Type + " " + .TotalCount + " " + .Active + " " + .Size')" = "Containers 1 0 3B" ]
	run berth system df --format 'table {{.Type}}\t{{.Active}}'
	[[ "${lines[0]}" =~ ^TYPE\ +ACTIVE$ ]]
	[[ "${lines[3]}" =~ ^Local\ Volumes\ +1$ ]]
	run berth system df -v --format json
	[ "$(printf '%s\n' "$output" | jq -r '[.Images[].Tag, .Containers[].Names, .Volumes[].Name, .Volumes[].Links] | join(",")')" = "1,2,c1,v1,1" ]
	run berth system df --format '{{.Nope}}'
	assert_one_error_line "template parsing error"
}

@test "system prune: Docker's prompt; unused networks go, --volumes the anonymous unused volumes" {
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb:1 >/dev/null
	run berth system prune --volumes </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "WARNING! This will remove:
  - all stopped containers
  - all networks not used by at least one container
  - all anonymous volumes not used by at least one container
  - all dangling images
  - unused build cache
  - unpacked layers no image or container needs

Are you sure you want to continue? [y/N] " ]
	berth network create unused-net >/dev/null
	berth volume create named >/dev/null
	# a volume without a name is anonymous, as the ones run makes for `-v /dst`
	anon=$(berth volume create)
	head -c 50000 /dev/urandom >"$STORE/volumes/$anon/_data/f"
	berth run --name gone bb:1 true
	# without --volumes: the container and the network go, every volume stays
	run berth system prune -f
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Containers:" ]
	[ "${lines[2]}" = "Deleted Networks:" ]
	[ "${lines[3]}" = "unused-net" ]
	[[ "$output" != *"Deleted Volumes:"* ]]
	run berth network ls --format '{{.Name}}'
	[[ "$output" != *unused-net* ]]
	[ "$(berth volume ls -q | sort | tr '\n' ' ')" = "$(printf '%s\n' "$anon" named | sort | tr '\n' ' ')" ]
	# --volumes: the anonymous one, counted; the named one stays (Docker 23+)
	run berth system prune -f --volumes
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Deleted Volumes:" ]
	[ "${lines[1]}" = "$anon" ]
	[[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ 5[0-9.]*kB$ ]]
	[ "$(berth volume ls -q)" = named ]
}
