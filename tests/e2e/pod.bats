#!/usr/bin/env bats
# Pods (issue #19): `berth pod create|ls|ps|inspect|start|stop|rm|prune` and
# `run --pod`, as podman's: the pod's containers share the network, IPC and
# UTS namespaces of its infra (berth's own init) and reach each other on
# localhost. In a network namespace of its own (scripts/e2e), as network.bats.

load helpers

setup_file() {
	net_fixture_setup served-by-pod
}

setup() {
	common_setup
}

teardown() {
	# pods first: the infra of a pod that exists cannot be removed alone
	for p in $(berth pod ls -q --no-trunc 2>/dev/null); do
		berth pod rm -f "$p" >/dev/null 2>&1 || true
	done
	net_fixture_teardown
}

# The namespace links a process of container $1 sees.
ns_links() {
	berth exec "$1" sh -c 'for n in ipc uts net; do readlink /proc/self/ns/$n; done'
}

@test "pod: two containers of a pod talk over localhost, share IPC and UTS, and -p reaches the pod" {
	berth pod create --name web -p 127.0.0.1:18181:8080 >/dev/null
	berth run -d --pod web --name srv --rootfs "$ROOTFS" httpd -f -p 8080 -h /www >/dev/null
	run berth run --rm --pod web --rootfs "$ROOTFS" wget -qO- http://127.0.0.1:8080/
	[ "$status" -eq 0 ]
	[ "$output" == served-by-pod ]
	# the port published by pod create leads to the pod's network
	run curl -s --max-time 5 http://127.0.0.1:18181/
	[ "$status" -eq 0 ]
	[ "$output" == served-by-pod ]
	berth run -d --pod web --name other --rootfs "$ROOTFS" sleep 60 >/dev/null
	run berth exec srv hostname
	[ "$output" == web ]
	run berth exec other hostname
	[ "$output" == web ]
	srv_ns=$(ns_links srv)
	other_ns=$(ns_links other)
	[ "$(echo "$srv_ns" | wc -l)" -eq 3 ]
	[ "$srv_ns" == "$other_ns" ]
	# a container outside the pod has IPC and UTS namespaces of its own
	berth run -d --name outside --network none --rootfs "$ROOTFS" sleep 60 >/dev/null
	outside_ipc=$(berth exec outside readlink /proc/self/ns/ipc)
	[ "$outside_ipc" != "$(echo "$srv_ns" | head -1)" ]
	# inspect of a container names its pod
	pod_id=$(berth pod inspect -f '{{.Id}}' web)
	[ "$(berth inspect -f '{{.Pod}}' srv)" == "$pod_id" ]
}

@test "pod: ls has podman's columns, inspect its fields, pod ps the pod's containers" {
	id=$(berth pod create --name p1 --label team=a --hostname h1 --network none)
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run berth pod ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^POD\ ID\ +NAME\ +STATUS\ +CREATED\ +INFRA\ ID\ +#\ OF\ CONTAINERS$ ]]
	[[ "${lines[1]}" =~ ^${id:0:12}\ +p1\ +Created\ +.*ago\ +[0-9a-f]{12}\ +1$ ]]
	[ "$(berth pod ls -q)" == "${id:0:12}" ]
	[ "$(berth pod ls -q --no-trunc)" == "$id" ]
	[ "$(berth pod ps -q --no-trunc)" == "$id" ]
	[ "$(berth pod ls --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}')" == "p1 Created 1" ]
	run berth pod inspect p1
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.[0].Name == "p1" and .[0].Hostname == "h1" and .[0].Labels.team == "a"'
	echo "$output" | jq -e '.[0].SharedNamespaces == ["ipc", "net", "uts"] and .[0].NumContainers == 1'
	echo "$output" | jq -e '.[0].InfraConfig.NetworkMode == "none" and .[0].CreateInfra'
	infra=$(echo "$output" | jq -r '.[0].InfraContainerID')
	[ "$(berth inspect -f '{{.IsInfra}} {{.Pod}}' "$infra")" == "true $id" ]
	berth create --pod p1 --name c1 --rootfs "$ROOTFS" sleep 60 >/dev/null
	run berth pod ps p1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^CONTAINER\ ID ]]
	[[ "${lines[1]}" =~ ^${infra:0:12}\ .*-infra$ ]]
	[[ "${lines[2]}" =~ ^[0-9a-f]{12}\ .*\ c1$ ]]
	# a container of the pod started alone starts the pod's infra first
	berth start c1 >/dev/null
	[ "$(berth pod inspect -f '{{.State}}' p1)" == Running ]
	[ "$(berth exec c1 hostname)" == h1 ]
	berth stop -t 1 c1 >/dev/null # sleep as PID 1 ignores SIGTERM: no 10 s wait
	[ "$(berth pod inspect -f '{{.State}}' p1)" == Degraded ]
	# berth inspect --type pod finds it too
	[ "$(berth inspect --type pod -f '{{.Name}}' "${id:0:12}")" == p1 ]
}

@test "ps --pod: POD ID and PODNAME columns, --filter pod=NAME|ID, {{.Pod}} and {{.PodName}} (podman's)" {
	id=$(berth pod create --name p1 --network none)
	berth pod create --name p2 --network none >/dev/null
	berth create --pod p1 --name in1 --rootfs "$ROOTFS" sleep 60 >/dev/null
	berth create --pod p2 --name in2 --rootfs "$ROOTFS" sleep 60 >/dev/null
	berth create --name loose --network none --rootfs "$ROOTFS" sleep 60 >/dev/null
	run berth ps -a --pod
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^CONTAINER\ ID\ .*\ NAMES\ +POD\ ID\ +PODNAME$ ]]
	[[ "$output" =~ \ in1\ +${id:0:12}\ +p1($'\n'|$) ]]
	[[ "$output" =~ \ loose\ *($'\n'|$) ]]
	# the infra is the pod's too
	[ "$(berth ps -a --filter pod=p1 --format '{{.Names}}' | grep -c .)" -eq 2 ]
	[ "$(berth ps -a --filter pod=p1 --format '{{.Names}}' | grep -v infra)" == in1 ]
	[ "$(berth ps -a --filter pod="${id:0:8}" --filter name='^in' --format '{{.Names}}')" == in1 ]
	[ "$(berth ps -a --filter pod="$id" --filter name='^in' --format '{{.Names}}')" == in1 ]
	# values of one key are alternatives, as every filter's
	[ "$(berth ps -a --filter pod=p1 --filter pod=p2 --filter name='^in' --format '{{.Names}}' | sort | tr '\n' ' ')" == "in1 in2 " ]
	[ -z "$(berth ps -a --filter pod=nosuch -q)" ]
	run berth ps -a --filter name=loose --filter name=in1 --format '{{.Names}}:{{.Pod}}:{{.PodName}}'
	[[ "$output" == *"in1:${id:0:12}:p1"* ]]
	[[ "$output" == *"loose::"* ]]
	[ "$(berth ps -a --no-trunc --filter name=in1 --format '{{.Pod}}')" == "$id" ]
	# without --pod the JSON has Docker's keys alone
	[ "$(berth ps -a --filter name=in1 --format json | jq 'has("Pod")')" == false ]
	[ "$(berth ps -a --pod --filter name=in1 --format json | jq -r .PodName)" == p1 ]
}

@test "pod: stop, start and rm -f leave no container, namespace file, link, cgroup or record" {
	berth pod create --name gone >/dev/null
	infra=$(berth pod inspect -f '{{.InfraContainerID}}' gone)
	c1=$(berth run -d --pod gone --rootfs "$ROOTFS" sleep 60)
	[ "$(berth pod inspect -f '{{.State}}' gone)" == Running ]
	berth pod stop -t 1 gone >/dev/null
	[ "$(berth pod inspect -f '{{.State}}' gone)" == Exited ]
	[ "$(berth inspect -f '{{.State.Running}}' "$c1")" == false ]
	berth pod start gone >/dev/null
	[ "$(berth pod inspect -f '{{.State}}' gone)" == Running ]
	[ "$(berth inspect -f '{{.State.Running}}' "$c1")" == true ]
	# stopped pod: run --pod starts its infra
	berth pod stop -t 1 gone >/dev/null
	run berth run --rm --pod gone --rootfs "$ROOTFS" true
	[ "$status" -eq 0 ]
	[ "$(berth inspect -f '{{.State.Running}}' "$infra")" == true ]
	run berth pod rm gone
	assert_one_error_line "cannot remove pod 'gone': it has running containers"
	run berth pod rm -f gone
	[ "$status" -eq 0 ]
	[ "$output" == gone ]
	[ -z "$(berth ps -aq)" ]
	[ -z "$(berth pod ls -q)" ]
	[ -z "$(ls -A "$STORE/pods")" ]
	[ -z "$(ls -A "$STORE/containers")" ]
	[ -z "$(ls -A "$STORE/netns")" ]
	! findmnt -rn -o TARGET | grep -F "$STORE"
	! ip -o link show type veth | grep .
	left=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d \
		\( -name "berth-${infra}" -o -name "berth-${c1}" -o -path "*/berth/${infra}" -o -path "*/berth/${c1}" \) 2>/dev/null)
	[ -z "$left" ]
	! pgrep -af "$STORE"
	run berth system check
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 problems"* ]]
}

@test "pod: prune removes the pods that do not run, with their containers" {
	berth pod create --name stopped --network none >/dev/null
	berth create --pod stopped --rootfs "$ROOTFS" true >/dev/null
	berth pod create --name running --network none >/dev/null
	berth pod start running >/dev/null
	stopped=$(berth pod inspect -f '{{.Id}}' stopped)
	run berth pod prune -f
	[ "$status" -eq 0 ]
	[ "$output" == "$stopped" ]
	[ "$(berth pod ls --format '{{.Name}}')" == running ]
	[ "$(berth ps -aq | wc -l)" -eq 1 ]
}

@test "pod: bad input is one clear line" {
	berth pod create --name dup --network none >/dev/null
	run berth pod create --name dup
	assert_one_error_line "the pod name 'dup' is already in use"
	# as Docker's inspect: what was found ("[]"), then the error
	run --separate-stderr berth pod inspect nosuch
	[ "$status" -eq 1 ]
	[ "$output" == "[]" ]
	[ "$stderr" == "berth: no such pod: 'nosuch'" ]
	run berth pod rm nosuch
	assert_one_error_line "no such pod: 'nosuch'"
	run berth run --rm --pod nosuch --rootfs "$ROOTFS" true
	assert_one_error_line "no such pod: 'nosuch'"
	run berth run --rm --pod dup --network none --rootfs "$ROOTFS" true
	assert_one_error_line "--network cannot be used with --pod"
	run berth run --rm --pod dup -p 8080 --rootfs "$ROOTFS" true
	assert_one_error_line "published ports are the pod's"
	run berth run --rm --pod dup --hostname x --rootfs "$ROOTFS" true
	assert_one_error_line "--hostname cannot be used with --pod"
	run berth pod create --network container:x
	assert_one_error_line "a pod's network cannot be another container's"
	run berth pod create --name 'bad name'
	assert_one_error_line "invalid pod name 'bad name'"
	infra=$(berth pod inspect -f '{{.InfraContainerID}}' dup)
	run berth rm -f "$infra"
	assert_one_error_line "it is the infra container of pod 'dup'"
	run berth pod create --infra-image x
	assert_one_error_line "'--infra-image' is not supported yet"
	# nothing of the refused ones was left
	[ "$(berth pod ls -q | wc -l)" -eq 1 ]
	[ "$(berth ps -aq | wc -l)" -eq 1 ]
}
