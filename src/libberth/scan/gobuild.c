/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go binaries' module build info, as Go's debug/buildinfo finds it and
 * runtime/debug.ParseBuildInfo reads it. The linker puts a 32-byte header
 * at the start of the first writable data segment (the .go.buildinfo
 * section): the magic "\xff Go buildinf:", the pointer size, a flags byte
 * (1: big-endian, 2: the strings follow inline), padding. Since Go 1.18 the
 * Go version and the modinfo text follow as varint-prefixed strings; the
 * modinfo is framed by 16 bytes on either side and holds tab-separated
 * lines: "path P", "mod P V SUM", "dep P V [SUM]", "=> P V [SUM]" (replaces
 * the module of the line above) and "build KEY=VALUE".
 *
 * The file comes from an image: every offset and length is checked against
 * what was read, and the file is read front to back (a layer is a stream):
 * the ELF header, the program headers, then each writable segment until the
 * blob shows (a PIE's relro segment comes before the data segment; an
 * externally linked binary has C's data before it).
 */
#include "scan/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"

#define GO_MAGIC     "\xff Go buildinf:"
#define GO_MAGIC_LEN 14
#define GO_HDR_LEN   32
#define GO_ALIGN     16
#define GO_CHUNK     (64u << 10) /* read at a time */
/* searched of each writable segment: external linking puts the blob after C's data */
#define GO_SEARCH    (16u << 20)
#define ELF_HEAD_MAX (64u << 10) /* the ELF header and program headers */
#define FRAME_LEN    16		 /* modinfo's framing on either side */

/* ---- the blob: header, version, modinfo ---- */

/* binary.Uvarint: *ret and the bytes it took, 0 when data ends first, -1 on overflow. */
static int uvarint(const uint8_t *d, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	for (size_t i = 0; i < len && i < 10; i++) {
		if (i == 9 && d[i] > 1)
			return -1;
		v |= (uint64_t)(d[i] & 0x7f) << (7 * i);
		if (!(d[i] & 0x80)) {
			*ret = v;
			return (int)i + 1;
		}
	}
	return len >= 10 ? -1 : 0;
}

/*
 * The blob's length: 1 and *need when data holds it whole, 0 and *need (more
 * than len) when it goes on past data, < 0 when it lies.
 */
static int blob_span(const char *what, const uint8_t *d, size_t len, size_t *need,
		     struct berth_error **err)
{
	*need = GO_HDR_LEN;
	if (len < GO_HDR_LEN)
		return 0;
	if (memcmp(d, GO_MAGIC, GO_MAGIC_LEN) != 0)
		return berth_error_set(err, EBADMSG, "%s: no Go build info magic", what);
	if (d[14] != 4 && d[14] != 8)
		return berth_error_set(err, EBADMSG, "%s: Go build info: pointer size %u", what,
				       d[14]);
	if (!(d[15] & 2))
		return berth_error_set(err, EOPNOTSUPP,
				       "%s: Go build info of Go before 1.18 is not supported yet",
				       what);
	size_t at = GO_HDR_LEN;
	for (int s = 0; s < 2; s++) {
		uint64_t n = 0;
		int k = uvarint(d + at, len - at, &n);
		if (k < 0 || n > BERTH_GO_BUILDINFO_MAX || at - GO_HDR_LEN > BERTH_GO_BUILDINFO_MAX)
			return berth_error_set(err, EBADMSG,
					       "%s: Go build info: a string length out of bounds",
					       what);
		if (k == 0) {
			*need = len + 1;
			return 0;
		}
		at += (size_t)k + (size_t)n;
		if (at > len) {
			*need = at;
			return 0;
		}
	}
	*need = at;
	return 1;
}

/* A field of a modinfo line: printable ASCII, no space (Go module paths and versions are). */
static bool field_ok(const char *s, bool spaces)
{
	for (; *s; s++)
		if ((unsigned char)*s < (spaces ? 0x20 : 0x21) || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

struct modinfo {
	const char *what;
	struct berth_package *pkgs;
	size_t n;
	char *arch;    /* build GOARCH= */
	size_t last;   /* the package a "=>" replaces: the last mod or dep line's, else SIZE_MAX */
	size_t lineno; /* of the modinfo, in messages */
};

static void modinfo_release(struct modinfo *m)
{
	berth_packages_free(m->pkgs, m->n);
	free(m->arch);
}

/* A directory replacement ("../lib", "/src/lib"), as go.mod's replace directive tells them apart. */
static bool is_dir(const char *path)
{
	return path[0] == '/' || strncmp(path, "./", 2) == 0 || strncmp(path, "../", 3) == 0 ||
	       strcmp(path, ".") == 0 || strcmp(path, "..") == 0;
}

static int replace_module(struct modinfo *m, char **f, size_t nf, struct berth_error **err)
{
	if (m->last == SIZE_MAX || nf < 2 || !*f[1] || !field_ok(f[1], true))
		return berth_error_set(err, EBADMSG, "%s: modinfo:%zu: a malformed replacement",
				       m->what, m->lineno);
	struct berth_package *p = &m->pkgs[m->last];
	const char *v = nf > 2 ? f[2] : "";
	if (!field_ok(v, false))
		return berth_error_set(err, EBADMSG, "%s: modinfo:%zu: a malformed version",
				       m->what, m->lineno);
	free(p->source);
	p->source = berth_xasprintf("%s %s => %s%s%s", p->name, p->version, f[1], *v ? " " : "", v);
	/* a directory has no version advisories know: the module stays the one required */
	if (!is_dir(f[1])) {
		free(p->name);
		free(p->version);
		p->name = berth_xstrdup(f[1]);
		p->version = berth_xstrdup(*v ? v : "(devel)");
	}
	m->last = SIZE_MAX;
	return 0;
}

static int modinfo_line(struct modinfo *m, char *line, struct berth_error **err)
{
	char *f[5];
	size_t nf = 0;
	for (char *s = line; nf < 5;) {
		f[nf++] = s;
		char *tab = strchr(s, '\t');
		if (!tab)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	if (strcmp(f[0], "=>") == 0)
		return replace_module(m, f, nf, err);
	m->last = SIZE_MAX;
	bool mod = strcmp(f[0], "mod") == 0;
	if (strcmp(f[0], "build") == 0 && nf > 1 && strncmp(f[1], "GOARCH=", 7) == 0 &&
	    field_ok(f[1] + 7, false) && f[1][7]) {
		free(m->arch);
		m->arch = berth_xstrdup(f[1] + 7);
	}
	if (!mod && strcmp(f[0], "dep") != 0)
		return 0; /* path, build, and lines of later Go versions */
	const char *v = nf > 2 ? f[2] : "";
	if (nf < 2 || !*f[1] || !field_ok(f[1], false) || !field_ok(v, false) || (!mod && !*v))
		return berth_error_set(err, EBADMSG, "%s: modinfo:%zu: a malformed module", m->what,
				       m->lineno);
	m->pkgs = berth_xreallocarray(m->pkgs, m->n + 1, sizeof(*m->pkgs));
	m->pkgs[m->n] = (struct berth_package){
		.type = BERTH_PACKAGE_GO,
		.name = berth_xstrdup(f[1]),
		.version = berth_xstrdup(*v ? v : "(devel)"),
	};
	m->last = m->n++;
	return 0;
}

/* "go1.19.8" -> "1.19.8", "go1.20" -> "1.20.0" (OSV's stdlib versions); NULL: not a release. */
static char *stdlib_version(const char *v, size_t n)
{
	if (n < 3 || memcmp(v, "go", 2) != 0 || v[2] < '0' || v[2] > '9')
		return NULL;
	const char *sp = memchr(v, ' ', n);
	_cleanup_free_ char *s = berth_xstrndup(v + 2, (size_t)((sp ? sp : v + n) - v) - 2);
	if (!field_ok(s, false) || strlen(s) > 64)
		return NULL;
	size_t dots = 0;
	for (const char *c = s; *c; c++)
		dots += *c == '.';
	if (dots == 1 && s[strspn(s, "0123456789.")] == '\0')
		return berth_xasprintf("%s.0", s);
	return TAKE_PTR(s);
}

int berth_scan_parse_go_buildinfo(const char *what, const void *blob, size_t len,
				  struct berth_package **ret, size_t *ret_n,
				  struct berth_error **err)
{
	*ret = NULL;
	*ret_n = 0;
	const uint8_t *d = blob;
	size_t need;
	int r = blob_span(what, d, len, &need, err);
	if (r < 0)
		return r;
	if (r == 0)
		return berth_error_set(err, EBADMSG, "%s: Go build info: truncated", what);
	/* the spans were checked by blob_span */
	uint64_t vn, mn;
	size_t at = GO_HDR_LEN;
	at += (size_t)uvarint(d + at, len - at, &vn);
	const char *vers = (const char *)d + at;
	at += (size_t)vn;
	at += (size_t)uvarint(d + at, len - at, &mn);
	_cleanup_free_ char *mod = NULL;
	/* unframed (a binary built outside a module): no modules, as debug/buildinfo */
	if (mn >= 2 * FRAME_LEN + 1 && d[at + mn - FRAME_LEN - 1] == '\n')
		mod = berth_xstrndup((const char *)d + at + FRAME_LEN, mn - 2 * FRAME_LEN);
	if (mod && strlen(mod) != mn - 2 * FRAME_LEN)
		return berth_error_set(err, EBADMSG, "%s: modinfo: a NUL byte", what);
	struct modinfo m = {.what = what, .last = SIZE_MAX};
	for (char *line = mod, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		m.lineno++;
		r = modinfo_line(&m, line, err);
		if (r < 0) {
			modinfo_release(&m);
			return r;
		}
	}
	char *sv = stdlib_version(vers, (size_t)vn < 128 ? (size_t)vn : 128);
	if (sv) {
		m.pkgs = berth_xreallocarray(m.pkgs, m.n + 1, sizeof(*m.pkgs));
		m.pkgs[m.n++] = (struct berth_package){
			.type = BERTH_PACKAGE_GO, .name = berth_xstrdup("stdlib"), .version = sv};
	}
	for (size_t i = 0; m.arch && i < m.n; i++)
		m.pkgs[i].arch = berth_xstrdup(m.arch);
	free(m.arch);
	*ret = m.pkgs;
	*ret_n = m.n;
	return 0;
}

/* ---- the ELF file, read front to back ---- */

struct reader {
	const char *what;
	berth_scan_read_fn read;
	void *ctx;
	uint64_t pos;
};

/* Reads up to len bytes (fewer only at the file's end): how many, or < 0. */
static ssize_t read_full(struct reader *rd, void *buf, size_t len, struct berth_error **err)
{
	size_t got = 0;
	while (got < len) {
		ssize_t k = rd->read(rd->ctx, (char *)buf + got, len - got, err);
		if (k < 0)
			return k;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	rd->pos += got;
	return (ssize_t)got;
}

static int skip_to(struct reader *rd, uint64_t off, struct berth_error **err)
{
	_cleanup_free_ char *scratch = NULL;
	while (rd->pos < off) {
		if (!scratch)
			scratch = berth_xmalloc(GO_CHUNK);
		uint64_t left = off - rd->pos;
		size_t n = left < GO_CHUNK ? (size_t)left : GO_CHUNK;
		ssize_t k = read_full(rd, scratch, n, err);
		if (k < 0)
			return (int)k;
		if ((size_t)k < n)
			return berth_error_set(err, EBADMSG,
					       "%s: the data segment lies past the file's end",
					       rd->what);
	}
	return 0;
}

struct elf {
	bool is64, be;
};

static uint64_t get(const struct elf *e, const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[e->be ? n - 1 - i : i] << (8 * i);
	return v;
}

/* A PT_LOAD segment that is writable and not executable: where the blob may lie. */
struct seg {
	uint64_t off, size;
};
#define MAX_SEGS 16

/* The writable, non-executable PT_LOAD segments (at most MAX_SEGS), in file order. */
static int data_segments(const struct elf *e, const uint8_t *ph, size_t phnum, size_t phent,
			 struct seg *segs)
{
	int n = 0;
	for (size_t i = 0; i < phnum && n < MAX_SEGS; i++) {
		const uint8_t *p = ph + i * phent;
		uint64_t type = get(e, p, 4);
		uint64_t flags = e->is64 ? get(e, p + 4, 4) : get(e, p + 24, 4);
		if (type != 1 /* PT_LOAD */ || (flags & 3) != 2 /* PF_W, not PF_X */)
			continue;
		struct seg sg = {
			.off = e->is64 ? get(e, p + 8, 8) : get(e, p + 4, 4),
			.size = e->is64 ? get(e, p + 32, 8) : get(e, p + 16, 4),
		};
		int k = n++;
		for (; k > 0 && segs[k - 1].off > sg.off; k--)
			segs[k] = segs[k - 1];
		segs[k] = sg;
	}
	return n;
}

/* The data segments from the ELF header and the program headers, read into head. */
static int elf_locate(struct reader *rd, uint8_t *head, size_t have, struct seg *segs,
		      struct berth_error **err)
{
	struct elf e = {.is64 = head[4] == 2, .be = head[5] == 2};
	size_t ehsize = e.is64 ? 64 : 52;
	if ((head[4] != 1 && head[4] != 2) || (head[5] != 1 && head[5] != 2))
		return berth_error_set(err, EBADMSG, "%s: an ELF header of unknown class",
				       rd->what);
	if (have < ehsize)
		return berth_error_set(err, EBADMSG, "%s: a truncated ELF header", rd->what);
	uint64_t phoff = e.is64 ? get(&e, head + 32, 8) : get(&e, head + 28, 4);
	size_t phent = (size_t)get(&e, head + (e.is64 ? 54 : 42), 2);
	size_t phnum = (size_t)get(&e, head + (e.is64 ? 56 : 44), 2);
	if (phnum == 0)
		return 0; /* an object file, not a program */
	if (phent != (e.is64 ? 56u : 32u) || phoff < ehsize || phoff > ELF_HEAD_MAX ||
	    phnum * phent > ELF_HEAD_MAX - phoff)
		return berth_error_set(err, EBADMSG, "%s: program headers out of bounds", rd->what);
	size_t end = (size_t)phoff + phnum * phent;
	if (end > have) {
		ssize_t k = read_full(rd, head + have, end - have, err);
		if (k < 0)
			return (int)k;
		if ((size_t)k < end - have)
			return berth_error_set(err, EBADMSG, "%s: truncated program headers",
					       rd->what);
	}
	return data_segments(&e, head + phoff, phnum, phent, segs);
}

/*
 * Reads the segment that starts at the reader's position (size bytes) in
 * chunks until the magic shows at a 16-byte aligned file offset (the
 * section's alignment): 1 and b holding the bytes from *at on, 0 when the
 * segment's first GO_SEARCH bytes or the file end first.
 */
static int search_segment(struct reader *rd, struct berth_buf *b, uint64_t size, size_t *at,
			  struct berth_error **err)
{
	uint64_t end = rd->pos + (size < GO_SEARCH ? size : GO_SEARCH);
	size_t i = (GO_ALIGN - rd->pos % GO_ALIGN) % GO_ALIGN; /* b->buf[0] is at rd->pos */
	berth_buf_reset(b);
	for (;;) {
		for (; i + GO_HDR_LEN <= b->len; i += GO_ALIGN)
			if (memcmp(b->buf + i, GO_MAGIC, GO_MAGIC_LEN) == 0) {
				*at = i;
				return 1;
			}
		if (rd->pos >= end)
			return 0;
		/* keep what is not searched yet; i stays at an aligned file offset */
		size_t drop = i < b->len ? i : b->len;
		memmove(b->buf, b->buf + drop, b->len - drop);
		berth_buf_setlen(b, b->len - drop);
		i -= drop;
		size_t want = end - rd->pos < GO_CHUNK ? (size_t)(end - rd->pos) : GO_CHUNK;
		berth_buf_grow(b, want);
		ssize_t have = read_full(rd, b->buf + b->len, want, err);
		if (have <= 0)
			return (int)have;
		berth_buf_setlen(b, b->len + (size_t)have);
	}
}

/*
 * The blob at b's offset at, read on as far as its strings say (no further
 * than the segment's end, the file offset limit), then parsed.
 */
static int read_blob(struct reader *rd, struct berth_buf *b, size_t at, uint64_t limit,
		     struct berth_package **ret, size_t *ret_n, struct berth_error **err)
{
	size_t need;
	int r;
	while ((r = blob_span(rd->what, (const uint8_t *)b->buf + at, b->len - at, &need, err)) ==
	       0) {
		size_t more = need - (b->len - at);
		if (rd->pos + more > limit || need > BERTH_GO_BUILDINFO_MAX + GO_HDR_LEN + 20)
			return berth_error_set(
				err, EBADMSG,
				"%s: Go build info: too large or past the data segment", rd->what);
		berth_buf_grow(b, more);
		ssize_t have = read_full(rd, b->buf + b->len, more, err);
		if (have < 0)
			return (int)have;
		if ((size_t)have < more)
			return berth_error_set(err, EBADMSG, "%s: Go build info: truncated",
					       rd->what);
		berth_buf_setlen(b, b->len + more);
	}
	if (r < 0)
		return r;
	return berth_scan_parse_go_buildinfo(rd->what, b->buf + at, need, ret, ret_n, err);
}

int berth_scan_read_go_binary(const char *what, berth_scan_read_fn read, void *ctx,
			      struct berth_package **ret, size_t *ret_n, struct berth_error **err)
{
	*ret = NULL;
	*ret_n = 0;
	struct reader rd = {.what = what, .read = read, .ctx = ctx};
	_cleanup_free_ uint8_t *head = berth_xmalloc(ELF_HEAD_MAX);
	ssize_t have = read_full(&rd, head, 64, err);
	if (have < 0)
		return (int)have;
	if (have < 6 || memcmp(head,
			       "\x7f"
			       "ELF",
			       4) != 0)
		return 0;
	struct seg segs[MAX_SEGS];
	int n = elf_locate(&rd, head, (size_t)have, segs, err);
	/*
	 * The blob starts the data segment; a PIE's relro segment comes before
	 * it; an externally linked binary has it after C's data. Each writable
	 * segment is searched, front to back.
	 */
	_cleanup_(berth_buf_release) struct berth_buf b = BERTH_BUF_INIT;
	for (int i = 0; i < n; i++) {
		/* Go's linker never puts it there: some other program's layout */
		if (segs[i].off < rd.pos)
			continue;
		int r = skip_to(&rd, segs[i].off, err);
		if (r < 0)
			return r;
		size_t at = 0;
		r = search_segment(&rd, &b, segs[i].size, &at, err);
		if (r < 0)
			return r;
		if (r > 0)
			return read_blob(&rd, &b, at, segs[i].off + segs[i].size, ret, ret_n, err);
	}
	return n < 0 ? n : 0;
}

struct mem {
	const char *p;
	size_t left;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, struct berth_error **err)
{
	(void)err;
	struct mem *m = ctx;
	size_t n = len < m->left ? len : m->left;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

int berth_scan_go_binary_mem(const char *what, const void *data, size_t len,
			     struct berth_package **ret, size_t *ret_n, struct berth_error **err)
{
	struct mem m = {.p = data, .left = len};
	return berth_scan_read_go_binary(what, mem_read, &m, ret, ret_n, err);
}
