#!/usr/bin/env bats
# `berth cp` as Docker's `docker cp`: both directions, running and stopped
# containers, Docker's SRC/DEST rules (SRC/. copies the contents, a trailing
# "/" asserts a directory, a directory and a file never replace each other),
# ownership (root's in the container, the caller's on the host, the source's
# with -a), -L, tar on stdout/stdin with "-", and no path inside the
# container (a symlink, "..", a hostile tar entry) ever leads outside it.

load helpers

setup_file() {
	[[ $EUID -eq 0 ]] || skip "needs root (namespaces, mounts)"
}

setup() {
	common_setup
	berth import -c 'CMD ["sh"]' "$(busybox_tar)" bb >/dev/null
	H=$BATS_TEST_TMPDIR/host
	mkdir -p "$H"
}

teardown() {
	for id in $(berth ps -aq 2>/dev/null); do berth rm -f "$id" >/dev/null 2>&1 || true; done
}

# a stopped container with /d/f (hello), /d/sub/g, /lnk -> /d/f, /abs -> /
made() {
	berth run --name c1 bb sh -c 'mkdir -p /d/sub && echo hello > /d/f && echo g > /d/sub/g &&
		ln -s /d/f /lnk && ln -s / /abs && chown 123:456 /d/f'
}

@test "cp from a stopped container: file, into a directory, a directory, SRC/., Docker's errors" {
	made
	berth cp c1:/d/f "$H/new"
	[ "$(cat "$H/new")" = hello ]
	# the caller owns what lands on the host; -a keeps the container's ids
	[ "$(stat -c %u:%g "$H/new")" = 0:0 ]
	berth cp -a c1:d/f "$H/kept"
	[ "$(stat -c %u:%g "$H/kept")" = 123:456 ]
	# an existing directory receives the file under its own name
	mkdir "$H/dir"
	berth cp c1:/d/f "$H/dir"
	[ "$(cat "$H/dir/f")" = hello ]
	# an existing file is overwritten
	echo old > "$H/over"
	berth container cp c1:/d/f "$H/over"
	[ "$(cat "$H/over")" = hello ]
	# a directory to a new path: the path becomes the directory
	berth cp c1:/d "$H/copy"
	[ "$(cat "$H/copy/sub/g")" = g ]
	# into an existing directory: below it, or its contents with /.
	berth cp c1:/d "$H/dir"
	[ "$(cat "$H/dir/d/f")" = hello ]
	mkdir "$H/contents"
	berth cp c1:/d/. "$H/contents"
	[ "$(cat "$H/contents/f")" = hello ]
	[ -d "$H/contents/sub" ]
	# errors as Docker's
	run berth cp c1:/nope "$H/x"
	assert_one_error_line "no such container:path: c1:/nope"
	run berth cp c1:/d/f "$H/missing/"
	assert_one_error_line "no such directory"
	run berth cp c1:/d "$H/over"
	assert_one_error_line "cannot copy a directory"
	run berth cp c1:/d/f/ "$H/x"
	assert_one_error_line "not a directory"
	run berth cp "$H/new" "$H/x"
	assert_one_error_line "must specify at least one container source"
	run berth cp c1:/d/f c1:/x
	assert_one_error_line "copying between containers is not supported"
	run berth cp nosuch:/d/f "$H/x"
	assert_one_error_line "no such container"
}

@test "cp: a symlink as SRC is copied as a link, -L copies its target; links resolve inside the container" {
	made
	berth cp c1:/lnk "$H/l"
	[ -L "$H/l" ]
	[ "$(readlink "$H/l")" = /d/f ]
	berth cp -L c1:/lnk "$H/t"
	[ ! -L "$H/t" ]
	[ "$(cat "$H/t")" = hello ]
	# /abs -> / in the container: /abs/d/f is the container's file, -L of /abs/etc/... too
	berth cp c1:/abs/d/f "$H/via"
	[ "$(cat "$H/via")" = hello ]
	# a path climbing out of the container stays at its root
	berth cp c1:/../../../../d/f "$H/up"
	[ "$(cat "$H/up")" = hello ]
}

@test "cp into a stopped and a running container: root owns the files, -a keeps the ids, links never escape" {
	made
	echo data > "$H/file"
	chown 1234:5678 "$H/file"
	mkdir -p "$H/tree/inner" && echo i > "$H/tree/inner/i"
	berth cp "$H/file" c1:/d/
	berth cp "$H/tree" c1:/newtree
	berth cp -a "$H/file" c1:/kept
	# /abs -> / inside the container: the copy lands in the container's /etc, not the host's
	berth cp "$H/file" c1:/abs/etc/berth-cp-test
	[ ! -e /etc/berth-cp-test ]
	# written into the stopped container's upper dir: its diff shows them
	run berth diff c1
	[[ "$output" == *"A /newtree"* ]]
	[[ "$output" == *"A /kept"* ]]
	berth cp c1:/d/file "$H/back"
	[ "$(cat "$H/back")" = data ]
	berth cp -a c1:/d/file "$H/back-ids"
	[ "$(stat -c %u:%g "$H/back-ids")" = 0:0 ]
	berth cp -a c1:/kept "$H/kept-ids"
	[ "$(stat -c %u:%g "$H/kept-ids")" = 1234:5678 ]
	berth cp c1:/newtree/inner/i "$H/i"
	[ "$(cat "$H/i")" = i ]
	berth cp c1:/etc/berth-cp-test "$H/etc-copy"
	[ "$(cat "$H/etc-copy")" = data ]

	berth run -d --name up bb sleep 100 >/dev/null
	berth cp "$H/file" up:/tmp/
	run berth exec up stat -c '%u:%g %s' /tmp/file
	[ "$output" = "0:0 5" ]
	berth cp -a "$H/file" up:/tmp/a
	run berth exec up stat -c '%u:%g' /tmp/a
	[ "$output" = 1234:5678 ]
	# a file written by the running container comes out
	berth exec up sh -c 'echo live > /tmp/live'
	berth cp up:/tmp/live "$H/live"
	[ "$(cat "$H/live")" = live ]
	# a symlink planted by the container towards the host's paths resolves in the container
	berth exec up ln -s "$H" /tmp/hostdir
	run berth cp "$H/file" up:/tmp/hostdir/planted
	[ ! -e "$H/planted" ]
}

@test "cp with -: a tar of SRC on stdout, a tar from stdin into a directory, hostile entries refused" {
	made
	berth cp c1:/d - >"$H/d.tar"
	run tar -tf "$H/d.tar"
	[[ "$output" == *"d/f"* ]]
	[[ "$output" == *"d/sub/g"* ]]
	berth cp c1:/d/f - | tar -xOf - f >"$H/f-from-tar"
	[ "$(cat "$H/f-from-tar")" = hello ]

	mkdir -p "$H/in" && echo x > "$H/in/x" && chown 77:88 "$H/in/x"
	tar -C "$H/in" -cf "$H/in.tar" x
	berth cp - c1:/d <"$H/in.tar"
	berth cp -a c1:/d/x "$H/x-out"
	[ "$(stat -c %u:%g "$H/x-out")" = 0:0 ]
	berth cp -a - c1:/d/sub <"$H/in.tar"
	berth cp -a c1:/d/sub/x "$H/x-ids"
	[ "$(stat -c %u:%g "$H/x-ids")" = 77:88 ]
	run berth cp - c1:/d/f <"$H/in.tar"
	assert_one_error_line 'destination "c1:/d/f" must be a directory'

	# hostile archives: "..", an absolute name, a write through a symlink
	python3 - "$H" <<-'PY'
		import io, sys, tarfile
		h = sys.argv[1]
		def tar(name, entries):
		    with tarfile.open(f"{h}/{name}", "w") as t:
		        for n, kind, data in entries:
		            i = tarfile.TarInfo(n)
		            if kind == "sym":
		                i.type, i.linkname = tarfile.SYMTYPE, data
		                t.addfile(i)
		            else:
		                i.size = len(data)
		                t.addfile(i, io.BytesIO(data))
		tar("dotdot.tar", [("../../../../../../escape-dotdot", "file", b"x")])
		tar("abs.tar", [(f"{h}/escape-abs", "file", b"x")])
		tar("link.tar", [("s", "sym", h), ("s/escape-link", "file", b"x")])
	PY
	for t in dotdot abs link; do
		run berth cp - c1:/d <"$H/$t.tar"
		assert_one_error_line "copy to 'c1:/d': extract archive"
	done
	[ ! -e "$H/escape-link" ]
	[ ! -e "$H/escape-abs" ]
	[ ! -e /escape-dotdot ]
	# a refused archive leaves no scratch directory in the store
	[ -z "$(find "$STORE/containers" -maxdepth 2 -name 'cp-*')" ]
}
