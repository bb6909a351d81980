# Shared by the berth-runc tests (oci*.bats): a bundle's rootfs that umoci
# unpacks once per file from an image in berth's store (an OCI layout, refs
# named as docker.io/library/NAME:TAG); each test its own state root and
# bundle directory.

RUNC_BIN=${BERTH%/berth}/berth-runc

oci_setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts, cgroups)"
	command -v umoci >/dev/null || skip "umoci is not installed"
	local store=$BATS_FILE_TMPDIR/store
	"$BERTH" --root "$store" import -c 'CMD ["sh"]' "$(busybox_tar)" ocibb:latest >/dev/null
	umoci unpack --image "$store:docker.io/library/ocibb:latest" "$BATS_FILE_TMPDIR/base" >/dev/null
	ROOTFS=$BATS_FILE_TMPDIR/base/rootfs
	export ROOTFS
}

oci_setup() {
	common_setup
	STATE=$BATS_TEST_TMPDIR/state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	export STATE BUNDLE
}

runc() {
	"$RUNC_BIN" --root "$STATE" "$@"
}
