#!/usr/bin/env bats
# --format: Go templates as Docker's CLI runs them (docs.docker.com/config/formatting
# and the --format sections of docker ps/images/history/inspect/volume ls), json,
# and `table TEMPLATE` with Docker's column titles aligned as Go's tabwriter.
load helpers

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' -c 'ENV A=1 B=2' "$(busybox_tar)" bb:1 >/dev/null
}

teardown() {
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

@test "inspect -f: fields, json, Go's printing of lists and maps, missing keys fail" {
	run berth inspect -f '{{.Config.Cmd}}|{{json .Config.Cmd}}|{{.Architecture}}/{{.Os}}' bb:1
	[ "$status" -eq 0 ]
	[ "$output" = '[sh]|["sh"]|amd64/linux' ] || [ "$output" = "[sh]|[\"sh\"]|$(uname -m)/linux" ]
	run berth inspect -f '{{.Config.Env}} {{len .RootFS.Layers}} {{index .Config "Nope"}}' bb:1
	[ "$output" = '[A=1 B=2] 1 <no value>' ]
	# Docker's inspect runs the template with missingkey=error
	run berth inspect -f '{{.Os}} {{.Config.Nope}}' bb:1
	assert_one_error_line '^berth: template parsing error: template: :1:10: executing "" at <.Config.Nope>: map has no entry for key "Nope"$'
	run berth inspect --format '{{json .Config.Env}}' bb:1
	[ "$output" = '["A=1","B=2"]' ]
	run berth inspect --format='{{index .RepoTags 0}}' bb:1
	[ "$output" = bb:1 ]
	# one line per object, as Docker's inspect
	run berth inspect -f '{{.Os}}' bb:1 bb:1
	[ "${#lines[@]}" -eq 2 ]
	# the default is the indented array, `json` the compact one (Docker's JSONInspector)
	run berth inspect bb:1
	[[ "${lines[0]}" == "[" ]]
	run berth inspect -f json bb:1
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r '.[0].RepoTags[0]' <<<"$output")" = bb:1 ]
}

@test "inspect -f: range, if/else, with, variables, join, lower, upper, printf" {
	run berth inspect -f '{{range $i, $e := .Config.Env}}{{if $i}},{{end}}{{$e}}{{end}}' bb:1
	[ "$output" = 'A=1,B=2' ]
	run berth inspect -f '{{join .Config.Env ";"}} {{upper .Os}} {{lower "ABC"}}' bb:1
	[ "$output" = 'A=1;B=2 LINUX abc' ]
	run berth inspect -f '{{if eq .Os "linux"}}yes{{else}}no{{end}} {{with .Config}}{{index .Cmd 0}}{{end}}' bb:1
	[ "$output" = 'yes sh' ]
	run berth inspect -f '{{$c := .Config}}{{printf "%s=%d" "layers" (len .RootFS.Layers)}} {{len $c.Env}}' bb:1
	[ "$output" = 'layers=1 2' ]
	run berth inspect -f '{{range .RepoTags}}{{.}}{{else}}none{{end}} {{- /* trimmed */ -}} !' bb:1
	[ "$output" = 'bb:1!' ]
}

@test "--format errors are one line with Go's position" {
	run berth inspect -f '{{.Os' bb:1
	assert_one_error_line '^berth: template parsing error: template: :1: unclosed action$'
	run berth inspect -f '{{nope .Os}}' bb:1
	assert_one_error_line 'function "nope" not defined'
	run berth inspect -f '{{.Config.Cmd.X}}' bb:1
	assert_one_error_line 'template: :1:2: executing "" at <.Config.Cmd.X>: can.t evaluate field X in type \[\]interface \{\}'
	run berth images --format '{{if}}'
	assert_one_error_line 'missing value for if'
	run berth images --format '{{.Repository.X}}'
	assert_one_error_line '^berth: template parsing error: template: :1:2: executing "" at <.Repository.X>: can.t evaluate field X in type string$'
}

@test "images --format: template per row, json, table with Docker's titles" {
	run berth images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[[ "$output" =~ ^bb:1\ [0-9a-f]{12}$ ]]
	run berth images --format 'table {{.Repository}}\t{{.Tag}}\t{{.Size}}'
	# Go's tabwriter: min width 10, padding 3; the last cell is not padded
	[[ "${lines[0]}" == "REPOSITORY   TAG       SIZE" ]]
	[[ "${lines[1]}" =~ ^bb\ {11}1\ {9}[0-9.]+[kM]B$ ]]
	run berth images --format '{{json .}}'
	[ "$(jq -r .Repository <<<"$output")" = bb ]
	run berth images --format json
	[ "$(jq -r .Tag <<<"$output")" = 1 ]
	# a custom format wins over -q (Docker's NewImageFormat); the table does not
	run berth images -q --format '{{.Repository}}'
	[ "$output" = bb ]
	run berth images -q --format table
	[[ "$output" =~ ^[0-9a-f]{12}$ ]]
	# the two characters \t are a tab, as in Docker's formatter
	run berth images --format '{{.Repository}}\t{{.Tag}}'
	[ "$output" = "bb	1" ]
}

@test "history --format: table and template" {
	run berth history --format 'table {{.ID}}\t{{.Size}}' bb:1
	[[ "${lines[0]}" =~ ^IMAGE\ {10}SIZE$ ]]
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}\ {3}[0-9.]+[kM]B$ ]]
	run berth history --format '{{.CreatedSince}}' bb:1
	[[ "$output" == *ago ]]
}

@test "volume ls --format and volume inspect -f" {
	berth volume create v1 >/dev/null
	run berth volume ls --format 'table {{.Driver}}\t{{.Name}}'
	[ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
	[ "${lines[1]}" = "local     v1" ]
	run berth volume ls --format '{{.Name}}:{{.Scope}}'
	[ "$output" = v1:local ]
	# a custom format wins over -q, as Docker's NewVolumeFormat
	run berth volume ls -q --format '{{.Name}}:{{.Driver}}'
	[ "$output" = v1:local ]
	run berth volume inspect -f '{{.Name}} {{.Driver}} {{.Mountpoint}}' v1
	[ "$output" = "v1 local $STORE/volumes/v1/_data" ]
}

@test "ps --format: Docker's fields, table titles, json; container inspect -f" {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
	berth run -d --name fmt-web bb:1 sh -c 'sleep 100' >/dev/null
	berth run --name fmt-done bb:1 sh -c 'exit 3' || true
	run berth ps -a --format '{{.Names}}\t{{.State}}\t{{.Command}}'
	[[ "$output" == *"fmt-web	running	\"sh -c 'sleep 100'\""* ]]
	[[ "$output" == *"fmt-done	exited	\"sh -c 'exit 3'\""* ]]
	run berth ps --format 'table {{.ID}}\t{{.Names}}\t{{.Status}}'
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ {3}NAMES\ {5}STATUS$ ]]
	[[ "${lines[1]}" =~ ^[0-9a-f]{12}\ {3}fmt-web\ {3}Up\ (Less\ than\ a\ second|[0-9]+\ seconds?)$ ]]
	run berth ps -a --format '{{if eq .State "exited"}}{{.Status}}{{end}}'
	[[ "$output" =~ Exited\ \(3\)\ .*ago ]]
	run berth ps --format json
	[ "$(jq -r .Names <<<"$output")" = fmt-web ]
	[ "$(jq -r .State <<<"$output")" = running ]
	[ "$(jq -r 'keys | join(",")' <<<"$output")" = "Command,CreatedAt,HealthStatus,ID,Image,Labels,LocalVolumes,Mounts,Names,Networks,Ports,RunningFor,Size,State,Status" ]
	run berth container inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.Config.Cmd}}' fmt-done
	[ "$output" = "exited 3 [sh -c exit 3]" ]
	# no health check: Docker's well-known error for the missing key
	run berth container inspect -f '{{.State.Health.Status}}' fmt-web
	assert_one_error_line '^berth: template parsing error: template: :1:2: executing "" at <.State.Health.Status>: map has no entry for key "Health"$'
	# a row has Docker's fields only: a misspelt one is an error, as Docker's struct
	run berth ps --format '{{.Nmes}}'
	assert_one_error_line 'map has no entry for key "Nmes"'
}
