#!/usr/bin/env bats
# berth kube play (issue #19): Kubernetes YAML run as pods, containers and
# volumes, and `kube play --down` removing what the file made. In a network
# namespace of its own (scripts/e2e): the pods are on the default bridge.

load helpers

setup_file() {
	net_fixture_setup served-by-play
}

setup() {
	common_setup
}

teardown() {
	for p in $(berth pod ls -q --no-trunc 2>/dev/null); do
		berth pod rm -f "$p" >/dev/null 2>&1 || true
	done
	for v in $(berth volume ls -q 2>/dev/null); do
		berth volume rm -f "$v" >/dev/null 2>&1 || true
	done
	podman_teardown
	net_fixture_teardown
}

# The fixture's root filesystem as image app:1 (httpd, wget, sh).
app_image() {
	local b=$BATS_TEST_TMPDIR/img
	mkdir -p "$b"
	cp -a "$ROOTFS" "$b/rootfs"
	printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' >"$b/Dockerfile"
	berth build -q -t app:1 "$b" >/dev/null
}

# Waits up to 30 s for container $1's health status to be $2.
wait_health() {
	for _ in $(seq 1 60); do
		[ "$(berth inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" == "$2" ] && return 0
		sleep 0.5
	done
	berth inspect -f '{{json .State}}' "$1" >&2
	return 1
}

# Waits up to 20 s for the logs of container $1 to contain $2; prints them.
wait_logs() {
	local out
	for _ in $(seq 1 40); do
		out=$(berth logs "$1" 2>/dev/null || true)
		[[ "$out" == *"$2"* ]] && break
		sleep 0.5
	done
	printf '%s\n' "$out"
}

@test "kube play: a two-container pod whose containers talk over localhost, then --down leaves nothing" {
	app_image
	cat >"$BATS_TEST_TMPDIR/pod.yaml" <<-'EOF'
		apiVersion: v1
		kind: Pod
		metadata:
		  name: web
		spec:
		  containers:
		  - name: srv
		    image: app:1
		    imagePullPolicy: Never
		    command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
		  - name: client
		    image: app:1
		    imagePullPolicy: Never
		    command: ["sh", "-c"]
		    args: ["sleep 1; wget -qO- http://127.0.0.1:8080/ > /tmp/got; sleep 600"]
	EOF
	run berth kube play "$BATS_TEST_TMPDIR/pod.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *web* ]]
	for _ in $(seq 1 40); do
		got=$(berth exec web-client cat /tmp/got 2>/dev/null || true)
		[ -n "$got" ] && break
		sleep 0.5
	done
	[ "$got" == served-by-play ]
	[ "$(berth inspect -f '{{index .Config.Labels "io.berth.kube.object"}}' web-srv)" == Pod/web ]
	run berth kube play --down "$BATS_TEST_TMPDIR/pod.yaml"
	[ "$status" -eq 0 ]
	[ -z "$(berth ps -aq)" ]
	[ -z "$(berth pod ls -q)" ]
	[ -z "$(berth volume ls -q)" ]
}

@test "kube play: a Deployment of 2 replicas with a readiness probe reaches healthy" {
	app_image
	cat >"$BATS_TEST_TMPDIR/dep.yaml" <<-'EOF'
		apiVersion: apps/v1
		kind: Deployment
		metadata:
		  name: api
		spec:
		  replicas: 2
		  selector:
		    matchLabels: {app: api}
		  template:
		    metadata:
		      labels: {app: api}
		    spec:
		      containers:
		      - name: web
		        image: app:1
		        imagePullPolicy: IfNotPresent
		        command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
		        readinessProbe:
		          exec:
		            command: ["wget", "-qO-", "http://127.0.0.1:8080/"]
		          periodSeconds: 1
		          timeoutSeconds: 2
	EOF
	run berth kube play "$BATS_TEST_TMPDIR/dep.yaml"
	[ "$status" -eq 0 ]
	run berth pod ls --format '{{.Name}}'
	[[ "$output" == *api-pod* ]]
	[[ "$output" == *api-pod-1* ]]
	wait_health api-pod-web healthy
	wait_health api-pod-1-web healthy
	berth kube play --down "$BATS_TEST_TMPDIR/dep.yaml"
	[ -z "$(berth ps -aq)" ]
	[ -z "$(berth pod ls -q)" ]
}

@test "kube play: a failing livenessProbe restarts the container, as the kubelet does" {
	# the command traps TERM: sh as PID 1 would ignore the restart's SIGTERM
	# and the restart wait out the 10 s grace period
	app_image
	cat >"$BATS_TEST_TMPDIR/live.yaml" <<-'EOF'
		apiVersion: v1
		kind: Pod
		metadata:
		  name: live
		spec:
		  restartPolicy: Never
		  containers:
		  - name: app
		    image: app:1
		    imagePullPolicy: Never
		    command: ["sh", "-c", "trap 'exit 0' TERM; touch /tmp/ok; sleep 2; rm /tmp/ok; sleep 600 & wait"]
		    livenessProbe:
		      exec:
		        command: ["cat", "/tmp/ok"]
		      periodSeconds: 1
		      failureThreshold: 1
	EOF
	berth kube play "$BATS_TEST_TMPDIR/live.yaml"
	for _ in $(seq 1 60); do
		[ "$(berth inspect -f '{{.RestartCount}}' live-app)" -ge 1 ] && break
		sleep 0.5
	done
	[ "$(berth inspect -f '{{.RestartCount}}' live-app)" -ge 1 ]
	[ "$(berth inspect -f '{{.Config.HealthcheckOnFailureAction}}' live-app)" == restart ]
}

@test "kube play --build: an image named after a directory beside the YAML is built from its Containerfile" {
	app_image
	mkdir -p "$BATS_TEST_TMPDIR/k/greeter"
	printf 'FROM app:1\nRUN echo built-by-play > /greeting\n' >"$BATS_TEST_TMPDIR/k/greeter/Containerfile"
	cat >"$BATS_TEST_TMPDIR/k/b.yaml" <<-'EOF'
		apiVersion: v1
		kind: Pod
		metadata: {name: bld}
		spec:
		  containers:
		  - {name: c, image: "localhost/greeter:latest", imagePullPolicy: Never, command: [sh, -c, "cat /greeting; sleep 600"]}
	EOF
	# without --build the image is missing, and Never does not pull
	run berth kube play "$BATS_TEST_TMPDIR/k/b.yaml"
	[ "$status" -eq 1 ]
	[ -z "$(berth pod ls -q)" ]
	berth kube play --build "$BATS_TEST_TMPDIR/k/b.yaml"
	[[ "$(wait_logs bld-c built-by-play)" == built-by-play ]]
}

@test "kube play: a ConfigMap as a file and as env, a Secret as env; a PVC keeps its data across --down" {
	app_image
	cat >"$BATS_TEST_TMPDIR/cm.yaml" <<-'EOF'
		apiVersion: v1
		kind: ConfigMap
		metadata:
		  name: settings
		data:
		  greeting: hello-from-configmap
		  app.conf: |
		    level=debug
		---
		apiVersion: v1
		kind: Secret
		metadata:
		  name: creds
		data:
		  password: czNjcjN0
		---
		apiVersion: v1
		kind: PersistentVolumeClaim
		metadata:
		  name: store
		spec:
		  accessModes: [ReadWriteOnce]
		---
		apiVersion: v1
		kind: Pod
		metadata:
		  name: cfg
		spec:
		  restartPolicy: Never
		  containers:
		  - name: app
		    image: app:1
		    imagePullPolicy: Never
		    command: ["sh", "-c", "cat /etc/app/app.conf; echo $GREETING; echo $PASSWORD; cat /data/old 2>/dev/null; echo kept > /data/old; sleep 600"]
		    env:
		    - name: GREETING
		      valueFrom:
		        configMapKeyRef: {name: settings, key: greeting}
		    - name: PASSWORD
		      valueFrom:
		        secretKeyRef: {name: creds, key: password}
		    volumeMounts:
		    - {name: conf, mountPath: /etc/app}
		    - {name: data, mountPath: /data}
		  volumes:
		  - name: conf
		    configMap:
		      name: settings
		      items:
		      - {key: app.conf, path: app.conf}
		  - name: data
		    persistentVolumeClaim: {claimName: store}
	EOF
	berth kube play "$BATS_TEST_TMPDIR/cm.yaml"
	out=$(wait_logs cfg-app s3cr3t)
	[ "$out" == "$(printf 'level=debug\nhello-from-configmap\ns3cr3t')" ]
	berth kube play --down "$BATS_TEST_TMPDIR/cm.yaml"
	[ -z "$(berth ps -aq)" ]
	# the claim's volume is kept, as podman's kube down keeps volumes
	[ "$(berth volume ls -q)" == store ]
	berth kube play "$BATS_TEST_TMPDIR/cm.yaml"
	[[ "$(wait_logs cfg-app kept)" == *kept* ]]
}

@test "kube play: errors name file and line and leave nothing; unsupported fields are warnings with lines" {
	app_image
	cat >"$BATS_TEST_TMPDIR/bad.yaml" <<-'EOF'
		apiVersion: v1
		kind: ConfigMap
		metadata:
		  name: ok
		data: {a: b}
		---
		apiVersion: v1
		kind: Pod
		metadata:
		  name: broken
		spec:
		  containers:
		  - name: c
	EOF
	run berth kube play "$BATS_TEST_TMPDIR/bad.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad.yaml:13: spec.containers[0]: image is required"* ]]
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n' >"$BATS_TEST_TMPDIR/yaml.yaml"
	run berth kube play "$BATS_TEST_TMPDIR/yaml.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"yaml.yaml:"*"yaml:"* ]]
	# a failure after the first pod was made removes it
	cat >"$BATS_TEST_TMPDIR/half.yaml" <<-'EOF'
		apiVersion: v1
		kind: Pod
		metadata: {name: first}
		spec:
		  containers:
		  - {name: c, image: app:1, imagePullPolicy: Never, command: [sleep, "600"]}
		---
		apiVersion: v1
		kind: Pod
		metadata: {name: second}
		spec:
		  containers:
		  - {name: c, image: missing:1, imagePullPolicy: Never}
	EOF
	run berth kube play "$BATS_TEST_TMPDIR/half.yaml"
	[ "$status" -eq 1 ]
	[ -z "$(berth ps -aq)" ]
	[ -z "$(berth pod ls -q)" ]
	cat >"$BATS_TEST_TMPDIR/warn.yaml" <<-'EOF'
		apiVersion: v1
		kind: Pod
		metadata: {name: warned}
		spec:
		  nodeSelector: {disk: ssd}
		  containers:
		  - name: c
		    image: app:1
		    imagePullPolicy: Never
		    command: [sleep, "600"]
		    stdin: true
		    livenessProbe:
		      httpGet: {path: /, port: 8080}
	EOF
	run berth kube play --start=false "$BATS_TEST_TMPDIR/warn.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warn.yaml:5: spec.nodeSelector: not supported, ignored"* ]]
	[[ "$output" == *"warn.yaml:11: spec.containers[0].stdin: not supported, ignored"* ]]
	[[ "$output" == *"warn.yaml:13: spec.containers[0].livenessProbe.httpGet: not supported, ignored"* ]]
	[ "$(berth inspect -f '{{.State.Status}}' warned-c)" == created ]
}

# The fixture's httpd as image web:1 (port 8080).
web_image() {
	local b=$BATS_TEST_TMPDIR/web
	mkdir -p "$b"
	cp -a "$ROOTFS" "$b/rootfs"
	printf 'FROM scratch\nCOPY rootfs/ /\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' \
		>"$b/Dockerfile"
	berth build -q -t web:1 "$b" >/dev/null
}

# Waits up to 10 s for http://127.0.0.1:$1/ and prints what it answers.
answer() {
	for _ in $(seq 50); do
		curl -s --max-time 2 "http://127.0.0.1:$1/" >/dev/null && break
		sleep 0.2
	done
	curl -s --max-time 5 "http://127.0.0.1:$1/"
}

@test "kube play: berth kube generate of a container -> berth kube play runs it and the app answers" {
	web_image
	berth run -d --name web -p 18090:8080 -e GREETING=hi web:1 >/dev/null
	[ "$(answer 18090)" == served-by-play ]
	berth kube generate web >"$BATS_TEST_TMPDIR/gen.yaml"
	berth rm -f web >/dev/null
	run berth kube play "$BATS_TEST_TMPDIR/gen.yaml"
	[ "$status" -eq 0 ]
	[ "$(answer 18090)" == served-by-play ]
	[ "$(berth exec web-web sh -c 'echo $GREETING')" == hi ]
	berth kube play --down "$BATS_TEST_TMPDIR/gen.yaml"
	[ -z "$(berth ps -aq)" ]
}

@test "kube play: podman kube generate of a podman pod -> berth kube play runs it and the app answers" {
	podman_setup
	web_image
	berth save --format oci-archive web:1 | p load >/dev/null
	name=$(p images --format '{{.Repository}}:{{.Tag}}' | grep web | head -1)
	p pod create --name shop -p 18091:8080 >/dev/null
	p create --pod shop --name front -e GREETING=hi "$name" >/dev/null
	p kube generate shop >"$BATS_TEST_TMPDIR/podman.yaml"
	p pod rm -f shop >/dev/null
	# the image under the name podman's YAML gives it
	image=$(awk '/image:/ {print $2; exit}' "$BATS_TEST_TMPDIR/podman.yaml")
	berth tag web:1 "$image"
	run berth kube play "$BATS_TEST_TMPDIR/podman.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(answer 18091)" == served-by-play ]
	[ "$(berth exec shop-front sh -c 'echo $GREETING')" == hi ]
	berth kube play --down "$BATS_TEST_TMPDIR/podman.yaml"
	[ -z "$(berth ps -aq)" ]
	[ -z "$(berth pod ls -q)" ]
}
