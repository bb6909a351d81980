# Sourced by bench/build and bench/regress: the build cases both measure.
#   make_build_cases DIR BIG_MB IGNORED_MB
# (a) DIR/case-a: 3 stages, 10 steps (COPY --from, WORKDIR, ENV, USER, RUN)
# (b) DIR/case-b: 2,000 small files plus one BIG_MB file, with a
#     .dockerignore that excludes an IGNORED_MB folder
# (c) DIR/case-c: issue #20's anchor B: the same 2,000 small files and
#     BIG_MB file (a hard link of case b's) in one `COPY . /ctx/`, then a RUN
# All start FROM bench/busybox:1. build_case_edit_file DIR CASE names the
# small source file a one-file edit changes.
make_build_cases() {
	local work=$1 big_mb=$2 ignored_mb=$3 A=$1/case-a B=$1/case-b d f i
	mkdir -p "$A/src"
	for i in $(seq 1 20); do echo "source $i" >"$A/src/file$i.txt"; done
	cat >"$A/Dockerfile" <<'EOF'
FROM bench/busybox:1 AS deps
WORKDIR /deps
RUN echo dependency >/deps/lib.txt
FROM bench/busybox:1 AS build
ENV STAGE=build
WORKDIR /src
COPY src/ ./
RUN cat *.txt | wc -l >/src/count
FROM bench/busybox:1
COPY --from=deps /deps/lib.txt /app/lib.txt
COPY --from=build /src/count /app/count
USER app
EOF
	mkdir -p "$B/src" "$B/ignored"
	for d in $(seq 1 20); do
		mkdir -p "$B/src/d$d"
		for f in $(seq 1 100); do echo "d$d f$f" >"$B/src/d$d/f$f.txt"; done
	done
	head -c "${big_mb}M" /dev/urandom >"$B/big.bin"
	head -c "${ignored_mb}M" /dev/urandom >"$B/ignored/junk.bin"
	echo ignored >"$B/.dockerignore"
	cat >"$B/Dockerfile" <<'EOF'
FROM bench/busybox:1
WORKDIR /ctx
COPY big.bin ./
COPY src/ ./src/
EOF
	local C=$1/case-c
	mkdir -p "$C"
	cp -r "$B/src" "$C/src"
	ln "$B/big.bin" "$C/big.bin"
	cat >"$C/Dockerfile" <<'EOF'
FROM bench/busybox:1
COPY . /ctx/
RUN ls -R /ctx | wc -l >/ctx-entries
EOF
}

build_case_edit_file() {
	if [[ $2 == a ]]; then echo "$1/case-a/src/file1.txt"; else echo "$1/case-$2/src/d1/f1.txt"; fi
}
