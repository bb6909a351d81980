#!/usr/bin/env bats
# berth kube generate (issue #19): the YAML of containers against golden
# files (digests normalised), accepted by kubectl in client-side dry-run, and
# run by podman's `kube play` whose pod answers like the berth container did.
# In a network namespace of its own (scripts/e2e): run's default network is
# a bridge, and podman's pod publishes a port.

load helpers

GOLDEN=$BATS_TEST_DIRNAME/golden/kube

setup_file() {
	net_fixture_setup served-by-kube
}

setup() {
	common_setup
}

teardown() {
	if [[ -n "${PODMAN_ROOT:-}" ]]; then
		p kube down "$BATS_TEST_TMPDIR/play.yaml" >/dev/null 2>&1 || true
	fi
	podman_teardown
	net_fixture_teardown
}

# The fixture's httpd as an image with a HEALTHCHECK, web:1.
web_image() {
	local b=$BATS_TEST_TMPDIR/img
	mkdir -p "$b"
	cp -a "$ROOTFS" "$b/rootfs"
	cat >"$b/Dockerfile" <<-'EOF'
		FROM scratch
		COPY rootfs/ /
		EXPOSE 8080
		HEALTHCHECK --interval=5s --timeout=2s --retries=2 --start-period=1s CMD wget -qO- http://127.0.0.1:8080/ || exit 1
		CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]
	EOF
	berth build -q -t web:1 "$b" >/dev/null
}

# A container with every run flag kube generate maps, named Web_1.
create_mapped_container() {
	berth volume create data >/dev/null
	mkdir -p "$BATS_TEST_TMPDIR/bind"
	berth create --name Web_1 -e FOO=bar -p 18081:8080 --memory 64m --cpus 0.5 \
		--user 1000:1000 --read-only --cap-drop ALL --cap-add NET_BIND_SERVICE \
		-v data:/data -v "$BATS_TEST_TMPDIR/bind:/bind:ro" --tmpfs /tmp \
		--restart on-failure:3 --entrypoint /bin/sh web:1 -c 'httpd -f -p 8080 -h /www' >/dev/null
}

# YAML with the digests and the test's directory made constant.
normalise() {
	sed -E -e 's/sha256:[0-9a-f]{64}/sha256:DIGEST/g' -e "s#$BATS_TEST_TMPDIR#TMP#g"
}

# Every document of the YAML on stdin as one JSON array (python3-yaml reads it).
yaml_json() {
	python3 -c 'import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'
}

# kubectl (Debian's kubernetes-client, or any) creates the objects of FILE in
# client-side dry-run, validation off: no cluster here, so kubeconfig names
# an unreachable 127.0.0.1:1 and kubectl's discovery cache, written fresh,
# tells it the kinds berth writes (kubectl needs them to map a kind to its
# resource before the dry run). Prints kubectl's JSON of them.
kubectl_create_dry_run() {
	command -v kubectl >/dev/null ||
		skip "kubectl is not installed (kubernetes-client: scripts/install-deps)"
	local k=$BATS_TEST_TMPDIR/kubectl d
	d=$k/cache/discovery/127.0.0.1_1
	mkdir -p "$d/v1" "$d/apps/v1"
	cat >"$k/config" <<-'EOF'
		apiVersion: v1
		kind: Config
		clusters:
		- name: none
		  cluster: {server: "http://127.0.0.1:1"}
		contexts:
		- name: none
		  context: {cluster: none}
		current-context: none
	EOF
	echo '{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"","versions":[{"groupVersion":"v1","version":"v1"}],"preferredVersion":{"groupVersion":"v1","version":"v1"}},{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]}' >"$d/servergroups.json"
	local r verbs='"verbs":["create","get","list"]'
	r='"namespaced":true,'$verbs
	echo '{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[{"name":"pods","singularName":"pod","kind":"Pod",'"$r"'},{"name":"services","singularName":"service","kind":"Service",'"$r"'},{"name":"persistentvolumeclaims","singularName":"persistentvolumeclaim","kind":"PersistentVolumeClaim",'"$r"'}]}' >"$d/v1/serverresources.json"
	echo '{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[{"name":"deployments","singularName":"deployment","kind":"Deployment",'"$r"'}]}' >"$d/apps/v1/serverresources.json"
	KUBECONFIG=$k/config kubectl --cache-dir "$k/cache" create --dry-run=client \
		--validate=false -f "$1" -o json
}

# The objects of kubectl's JSON output read with jq -s: one document each,
# or a List of them (older kubectl).
KUBECTL_OBJECTS='[.[] | if .kind == "List" then .items[] else . end]'

@test "kube generate: every mapped run flag as a Pod, Service and claim matches the golden YAML; kubectl accepts it" {
	web_image
	create_mapped_container
	run --separate-stderr berth kube generate --service Web_1
	[ "$status" -eq 0 ]
	diff -u "$GOLDEN/pod.yaml" <(printf '%s\n' "$output" | normalise)
	# what does not carry over is said, one warning line each
	[[ "$stderr" == *"berth: warning: container 'Web_1': the bind mount of '$BATS_TEST_TMPDIR/bind' becomes a hostPath"* ]]
	[[ "$stderr" == *"berth: warning: container 'Web_1': restart policy 'on-failure:3': Kubernetes has no retry count"* ]]
	[ "$(grep -c . <<<"$stderr")" -eq 2 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/pod.yaml"
	run --separate-stderr kubectl_create_dry_run "$BATS_TEST_TMPDIR/pod.yaml"
	[ "$status" -eq 0 ]
	run jq -rs "$KUBECTL_OBJECTS"' | map(.kind + "/" + .metadata.name) | join(" ")' <<<"$output"
	[ "$output" == "PersistentVolumeClaim/data Pod/web-1 Service/web-1" ]
}

@test "kube generate: --type deployment -f FILE matches the golden Deployment; kubectl accepts it" {
	web_image
	create_mapped_container
	run --separate-stderr berth kube generate --type deployment -s -f "$BATS_TEST_TMPDIR/d.yaml" Web_1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	diff -u "$GOLDEN/deployment.yaml" <(normalise <"$BATS_TEST_TMPDIR/d.yaml")
	[[ "$stderr" == *"berth: warning: restart policy OnFailure: a Deployment's pods always restart (Always)"* ]]
	run --separate-stderr kubectl_create_dry_run "$BATS_TEST_TMPDIR/d.yaml"
	[ "$status" -eq 0 ]
	run jq -rs "$KUBECTL_OBJECTS"'[1] | .kind + " " + .spec.template.spec.restartPolicy + " " + (.spec.selector.matchLabels.app == .spec.template.metadata.labels.app | tostring)' <<<"$output"
	[ "$output" == "Deployment Always true" ]
}

@test "kube generate: a plain container has only its image by digest; the tag is an annotation" {
	web_image
	berth create --name plain --network none web:1 >/dev/null
	run --separate-stderr berth kube generate plain
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# the digest the store's index (an OCI layout) names the image by
	id=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "docker.io/library/web:1") | .digest' "$STORE/index.json")
	[[ $id == sha256:* ]]
	run yaml_json <<<"$output"
	run jq -c '.[0].spec.containers[0] | del(.livenessProbe, .readinessProbe)' <<<"$output"
	[ "$output" == "{\"name\":\"plain\",\"image\":\"docker.io/library/web@$id\",\"ports\":[{\"containerPort\":8080}]}" ]
	run berth kube generate plain
	run yaml_json <<<"$output"
	run jq -r '.[0].metadata.annotations["image.berth.io/plain"]' <<<"$output"
	[ "$output" == docker.io/library/web:1 ]
}

@test "kube generate: --compose-project puts the project's containers in one pod named after it" {
	web_image
	berth create --name shop-web-1 --network none --label com.docker.compose.project=shop \
		-e ROLE=web web:1 >/dev/null
	berth create --name shop-db-1 --network none --label com.docker.compose.project=shop \
		-v dbdata:/var/lib/db web:1 sleep 1000 >/dev/null
	berth create --name other --network none --label com.docker.compose.project=other web:1 >/dev/null
	run --separate-stderr berth kube generate --compose-project shop
	[ "$status" -eq 0 ]
	run yaml_json <<<"$output"
	run jq -r '.[1] | .metadata.name + " " + ([.spec.containers[].name] | join(",")) + " " + .spec.containers[0].args[0] + " " + .spec.containers[1].env[0].value' <<<"$output"
	[ "$output" == "shop shop-db-1,shop-web-1 sleep web" ]
	run berth kube generate --compose-project nothing
	[ "$status" -eq 1 ]
	assert_one_error_line "no containers of the Compose project 'nothing'"
	run berth kube generate --compose-project shop plain
	[ "$status" -ne 0 ]
	assert_one_error_line "takes no CONTAINER"
}

@test "kube generate: a missing container, a root filesystem container, a bad --type: one line each" {
	run berth kube generate nope
	[ "$status" -eq 1 ]
	assert_one_error_line "no such container or pod: 'nope'"
	berth create --name fromdir --network none --rootfs "$ROOTFS" true >/dev/null
	run berth kube generate fromdir
	[ "$status" -eq 1 ]
	assert_one_error_line "container 'fromdir' runs a root filesystem, not an image"
	run berth kube generate --type job fromdir
	[ "$status" -eq 1 ]
	assert_one_error_line "invalid type 'job'"
	run berth kube generate
	[ "$status" -ne 0 ]
	assert_one_error_line "requires at least 1 argument"
	run berth kube play x.yaml
	[ "$status" -eq 1 ]
	assert_one_error_line "x.yaml: No such file or directory"
}

@test "kube generate POD: the pod's containers (not its infra), name and published ports match the golden YAML; kubectl accepts it" {
	web_image
	berth pod create --name Shop -p 18082:8080 -p 19090:9090 >/dev/null
	berth create --pod Shop --name web web:1 >/dev/null
	berth create --pod Shop --name side --health-on-failure restart --health-cmd 'test -f /tmp/ok' \
		--health-interval 10s web:1 sleep 1000 >/dev/null
	run --separate-stderr berth kube generate --service Shop
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	diff -u "$GOLDEN/pod-of-pod.yaml" <(printf '%s\n' "$output" | normalise)
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/pod.yaml"
	run --separate-stderr kubectl_create_dry_run "$BATS_TEST_TMPDIR/pod.yaml"
	[ "$status" -eq 0 ]
	run jq -rs "$KUBECTL_OBJECTS"' | map(.kind + "/" + .metadata.name) | join(" ")' <<<"$output"
	[ "$output" == "Pod/shop Service/shop" ]
	# kill and stop have no Kubernetes equivalent: said
	berth create --pod Shop --name killer --health-on-failure kill --health-cmd true web:1 >/dev/null
	run --separate-stderr berth kube generate -t deployment Shop
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"berth: warning: container 'killer': --health-on-failure kill: Kubernetes has no such action"* ]]
}

@test "kube generate POD: a pod beside containers or pods, a container of a pod alone, an empty pod: one line each" {
	web_image
	berth pod create --name p1 >/dev/null
	berth pod create --name p2 >/dev/null
	berth create --name loose --network none web:1 >/dev/null
	run berth kube generate p1
	[ "$status" -eq 1 ]
	assert_one_error_line "pod 'p1' has no containers but its infra"
	berth create --pod p1 --name member web:1 >/dev/null
	run berth kube generate p1 loose
	[ "$status" -eq 1 ]
	assert_one_error_line "'p1' is a pod: name one pod, or containers of no pod, not both nor several pods"
	run berth kube generate loose p1
	assert_one_error_line "'p1' is a pod: name one pod"
	run berth kube generate p1 p2
	assert_one_error_line "'p1' is a pod: name one pod"
	run berth kube generate member
	[ "$status" -eq 1 ]
	assert_one_error_line "container 'member' is in pod [0-9a-f]{12}: generate the pod itself"
}

@test "kube generate -> podman kube play: the pod podman runs from berth's YAML answers as the berth container did" {
	podman_setup
	web_image
	berth run -d --name web -p 18080:8080 -e GREETING=hi web:1 >/dev/null
	run curl -s --max-time 5 http://127.0.0.1:18080/
	[ "$output" == served-by-kube ]
	berth kube generate web >"$BATS_TEST_TMPDIR/play.yaml"
	berth rm -f web >/dev/null
	# the image by its digest: the OCI archive keeps the manifest, so its digest
	berth save --format oci-archive web:1 | p load >/dev/null
	run p kube play "$BATS_TEST_TMPDIR/play.yaml"
	[ "$status" -eq 0 ]
	for _ in $(seq 50); do
		curl -s --max-time 2 http://127.0.0.1:18080/ >/dev/null && break
		sleep 0.2
	done
	run curl -s --max-time 5 http://127.0.0.1:18080/
	[ "$output" == served-by-kube ]
	# the env run added is there; the pod is the one berth named
	run p exec web-web sh -c 'echo $GREETING'
	[ "$output" == hi ]
	run p kube down "$BATS_TEST_TMPDIR/play.yaml"
	[ "$status" -eq 0 ]
	run p ps -aq
	[ -z "$output" ]
}
