# SPDX-License-Identifier: Apache-2.0
# Test registries for tests/e2e/registry.bats and bench/registry: Debian's
# docker-registry on 127.0.0.1 with a free port and storage under $1, in
# three set-ups (plain HTTP, TLS + htpasswd, bearer tokens). Every process
# started here is recorded in $REG_DIR/pids and killed by PID in
# registry_cleanup, which callers run from their teardown/trap.

REGISTRY_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REG_USER=berthtest
REG_PASS='s3cret-Pa55word'

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_file FILE: until FILE exists (a helper's port file), 10 s at most.
wait_file() {
	local i
	for i in $(seq 100); do
		[[ -s $1 ]] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# registry_wait URL: until the registry answers (any HTTP status).
registry_wait() {
	local i
	for i in $(seq 100); do
		curl -sk -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	echo "registry at $1 did not start" >&2
	cat "$REG_DIR/registry.log" >&2
	return 1
}

_registry_track() {
	echo "$1" >>"$REG_DIR/pids"
}

# registry_start DIR MODE [token-server flags...]
#   MODE: plain | tls | token. Sets REG (host:port), REG_DIR and, for tls,
#   BERTH_CERTS_D (exported) and REG_CERTS (a skopeo --cert-dir).
registry_start() {
	REG_DIR=$1
	local mode=$2
	shift 2
	mkdir -p "$REG_DIR/storage"
	: >>"$REG_DIR/pids"
	local port
	port=$(free_port)
	REG=127.0.0.1:$port
	local auth="" tls=""
	case $mode in
	plain) ;;
	tls)
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth test CA" \
			-keyout "$REG_DIR/ca.key" -out "$REG_DIR/ca.crt" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign 2>/dev/null
		openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
			-keyout "$REG_DIR/server.key" -out "$REG_DIR/server.csr" 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$REG_DIR/ext.cnf"
		openssl x509 -req -in "$REG_DIR/server.csr" -CA "$REG_DIR/ca.crt" -CAkey "$REG_DIR/ca.key" \
			-CAcreateserial -days 2 -extfile "$REG_DIR/ext.cnf" -out "$REG_DIR/server.crt" 2>/dev/null
		htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$REG_DIR/htpasswd"
		BERTH_CERTS_D=$REG_DIR/certs.d
		export BERTH_CERTS_D
		mkdir -p "$BERTH_CERTS_D/$REG"
		cp "$REG_DIR/ca.crt" "$BERTH_CERTS_D/$REG/ca.crt"
		REG_CERTS=$BERTH_CERTS_D/$REG
		tls="  tls:
    certificate: $REG_DIR/server.crt
    key: $REG_DIR/server.key"
		auth="auth:
  htpasswd:
    realm: berth-test
    path: $REG_DIR/htpasswd"
		;;
	token)
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=berth token signer" \
			-keyout "$REG_DIR/token.key" -out "$REG_DIR/token.crt" 2>/dev/null
		echo "$REG_USER:$REG_PASS" >"$REG_DIR/users"
		python3 "$REGISTRY_TOOLS/token-server.py" --key "$REG_DIR/token.key" \
			--cert "$REG_DIR/token.crt" --users "$REG_DIR/users" \
			--port-file "$REG_DIR/token.port" --log "$REG_DIR/tokens.log" "$@" \
			2>"$REG_DIR/token-server.log" &
		_registry_track $!
		wait_file "$REG_DIR/token.port" || return 1
		: >>"$REG_DIR/tokens.log"
		TOKEN_PORT=$(cat "$REG_DIR/token.port")
		auth="auth:
  token:
    realm: http://127.0.0.1:$TOKEN_PORT/token
    service: berth-test-registry
    issuer: berth-test-issuer
    rootcertbundle: $REG_DIR/token.crt"
		;;
	*)
		echo "registry_start: unknown mode $mode" >&2
		return 1
		;;
	esac
	cat >"$REG_DIR/config.yml" <<-YML
	version: 0.1
	log:
	  level: warn
	  accesslog:
	    disabled: true
	storage:
	  filesystem:
	    rootdirectory: $REG_DIR/storage
	  delete:
	    enabled: true
	http:
	  addr: $REG
	  secret: berth-test-secret
	$tls
	$auth
	YML
	docker-registry serve "$REG_DIR/config.yml" >"$REG_DIR/registry.log" 2>&1 &
	REG_PID=$!
	_registry_track $REG_PID
	local scheme=http
	[[ $mode == tls ]] && scheme=https
	registry_wait "$scheme://$REG/v2/"
}

# registry_stop: stops the registry only (the "registry down" test).
registry_stop() {
	kill "$REG_PID" 2>/dev/null || true
	wait "$REG_PID" 2>/dev/null || true
}

# cutproxy_start TARGET BYTES [CUTS [DELAY]]: sets PROXY (host:port) and PROXY_LOG.
cutproxy_start() {
	local dir=$REG_DIR/proxy.$RANDOM
	mkdir -p "$dir"
	PROXY_LOG=$dir/cuts.log
	: >"$PROXY_LOG"
	python3 "$REGISTRY_TOOLS/cutproxy.py" --target "$1" --after "$2" --cuts "${3:-1}" --delay "${4:-0}" \
		--port-file "$dir/port" --log "$PROXY_LOG" 2>"$dir/proxy.log" &
	_registry_track $!
	wait_file "$dir/port" || return 1
	PROXY=127.0.0.1:$(cat "$dir/port")
}

registry_cleanup() {
	[[ -n ${REG_DIR:-} && -f $REG_DIR/pids ]] || return 0
	local pid
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$REG_DIR/pids"
	while read -r pid; do
		wait "$pid" 2>/dev/null || true
	done <"$REG_DIR/pids"
	: >"$REG_DIR/pids"
}

# skopeo_push OCIDIR TAG DEST-REF: pushes an OCI layout image to the test registry.
skopeo_push() {
	local args=(--dest-tls-verify=false)
	[[ -n ${REG_CERTS:-} ]] && args=(--dest-cert-dir "$REG_CERTS")
	[[ ${REG_AUTH:-} == 1 ]] && args+=(--dest-creds "$REG_USER:$REG_PASS")
	skopeo copy -q --all "${args[@]}" "oci:$1:$2" "docker://$3"
}

skopeo_src_args() {
	local args=(--tls-verify=false)
	[[ -n ${REG_CERTS:-} ]] && args=(--cert-dir "$REG_CERTS")
	[[ ${REG_AUTH:-} == 1 ]] && args+=(--creds "$REG_USER:$REG_PASS")
	printf '%s\n' "${args[@]}"
}

# The manifest digest of a tag in the store's index.json.
store_digest() {
	jq -r --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' "$STORE/index.json"
}

# The manifest digest the registry has for $1.
remote_digest() {
	skopeo inspect $(skopeo_src_args) --format '{{.Digest}}' "docker://$1"
}

# A home of the test's own for credentials (HOME, BERTH_CONFIG,
# DOCKER_CONFIG), no registry settings inherited; OCI and MKIMAGE for
# making test images.
registry_test_env() {
	export HOME=$BATS_TEST_TMPDIR/home
	export BERTH_CONFIG=$HOME/.config/berth/auth.json
	export DOCKER_CONFIG=$HOME/.docker
	unset BERTH_CERTS_D REG_CERTS REG_AUTH
	mkdir -p "$HOME"
	OCI=$BATS_TEST_TMPDIR/oci
	MKIMAGE="python3 $BATS_TEST_DIRNAME/../registry/mkimage.py"
}
