/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The version orderings of the package ecosystems an advisory can name.
 * Each scheme parses a version into its parts and compares the parts; a
 * string that is not a version of the scheme is refused, never ordered by
 * guesswork, since a wrong order turns a fixed package into a vulnerable
 * one or the reverse. Numbers are compared as digit strings (leading zeros
 * skipped, then length, then digits), so no version overflows.
 */
#include "scan/scan.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Orders the digit strings a[0..alen) and b[0..blen) as numbers. */
static int compare_digits(const char *a, size_t alen, const char *b, size_t blen)
{
	while (alen > 0 && *a == '0')
		a++, alen--;
	while (blen > 0 && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return sign(memcmp(a, b, alen));
}

static size_t span_digits(const char *s)
{
	size_t n = 0;
	while (is_digit(s[n]))
		n++;
	return n;
}

/* ---- dpkg (deb-version(7), Debian Policy 5.6.12) ---- */

struct dpkg_version {
	const char *epoch; /* digits; length 0 when there is none (epoch 0) */
	size_t epoch_len;
	const char *upstream;
	size_t upstream_len;
	const char *revision; /* length 0 when there is none ("0" by the ordering) */
	size_t revision_len;
};

static bool dpkg_parse(const char *v, struct dpkg_version *ret)
{
	*ret = (struct dpkg_version){.upstream = v, .upstream_len = strlen(v)};
	const char *colon = strchr(v, ':');
	if (colon) {
		ret->epoch = v;
		ret->epoch_len = (size_t)(colon - v);
		if (ret->epoch_len == 0 || span_digits(v) != ret->epoch_len)
			return false;
		ret->upstream = colon + 1;
		ret->upstream_len = strlen(ret->upstream);
	}
	const char *dash = memrchr(ret->upstream, '-', ret->upstream_len);
	if (dash) {
		ret->revision = dash + 1;
		ret->revision_len = strlen(ret->revision);
		ret->upstream_len = (size_t)(dash - ret->upstream);
		if (ret->revision_len == 0)
			return false;
	}
	if (ret->upstream_len == 0)
		return false;
	/* dpkg refuses these characters; a non-digit start it only warns about */
	for (size_t i = 0; i < ret->upstream_len; i++)
		if (!is_alnum(ret->upstream[i]) && !strchr(".-+~:", ret->upstream[i]))
			return false;
	for (size_t i = 0; i < ret->revision_len; i++)
		if (!is_alnum(ret->revision[i]) && !strchr(".+~", ret->revision[i]))
			return false;
	return true;
}

/* The weight of a character in a non-digit run: '~' first, the end, letters, then the rest. */
static int dpkg_weight(const char *p, const char *end)
{
	if (p == end || is_digit(*p))
		return 0;
	if (*p == '~')
		return -1;
	if (is_alpha(*p))
		return (unsigned char)*p;
	return (unsigned char)*p + 256;
}

/* Alternating non-digit and digit runs, as dpkg's verrevcmp. */
static int dpkg_compare_part(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae = a + alen, *be = b + blen;
	while (a < ae || b < be) {
		while ((a < ae && !is_digit(*a)) || (b < be && !is_digit(*b))) {
			int wa = dpkg_weight(a, ae), wb = dpkg_weight(b, be);
			if (wa != wb)
				return sign(wa - wb);
			/* equal weights: both are the same non-digit, never an end */
			a++, b++;
		}
		size_t na = 0, nb = 0;
		while (a + na < ae && is_digit(a[na]))
			na++;
		while (b + nb < be && is_digit(b[nb]))
			nb++;
		int c = compare_digits(a, na, b, nb);
		if (c)
			return c;
		a += na, b += nb;
	}
	return 0;
}

static int dpkg_compare(const struct dpkg_version *a, const struct dpkg_version *b)
{
	int c = compare_digits(a->epoch ? a->epoch : "", a->epoch_len, b->epoch ? b->epoch : "",
			       b->epoch_len);
	if (!c)
		c = dpkg_compare_part(a->upstream, a->upstream_len, b->upstream, b->upstream_len);
	if (!c)
		c = dpkg_compare_part(a->revision ? a->revision : "", a->revision_len,
				      b->revision ? b->revision : "", b->revision_len);
	return c;
}

/* ---- apk (Alpine's apk-tools) ---- */

/* Pre-release suffixes order before a version without one, the others after. */
static const char *const apk_suffixes[] = {"alpha", "beta", "pre", "rc", NULL, /* none */
					   "cvs",   "svn",  "git", "hg", "p"};
#define APK_SUFFIX_NONE 4
#define APK_MAX_PARTS	16

struct apk_version {
	const char *number[APK_MAX_PARTS]; /* the dotted numbers */
	size_t number_len[APK_MAX_PARTS];
	size_t n_numbers;
	char letter; /* 0: none */
	struct {
		int rank; /* index in apk_suffixes */
		const char *digits;
		size_t len;
	} suffix[APK_MAX_PARTS];
	size_t n_suffixes;
	const char *revision; /* NULL: none, which orders before -r0 */
	size_t revision_len;
};

static int apk_suffix_rank(const char *s, size_t *ret_len)
{
	for (int i = 0; i < (int)(sizeof(apk_suffixes) / sizeof(*apk_suffixes)); i++) {
		size_t n = apk_suffixes[i] ? strlen(apk_suffixes[i]) : 0;
		/* "p" is also the start of "pre": the longer names come first */
		if (n && strncmp(s, apk_suffixes[i], n) == 0 && !is_alpha(s[n])) {
			*ret_len = n;
			return i;
		}
	}
	return -1;
}

static bool apk_parse(const char *v, struct apk_version *ret)
{
	*ret = (struct apk_version){0};
	const char *p = v;
	for (;;) {
		size_t n = span_digits(p);
		if (n == 0 || ret->n_numbers == APK_MAX_PARTS)
			return false;
		ret->number[ret->n_numbers] = p;
		ret->number_len[ret->n_numbers++] = n;
		p += n;
		if (*p != '.')
			break;
		p++;
	}
	if (*p >= 'a' && *p <= 'z')
		ret->letter = *p++;
	while (*p == '_') {
		size_t n = 0;
		int rank = apk_suffix_rank(p + 1, &n);
		if (rank < 0 || ret->n_suffixes == APK_MAX_PARTS)
			return false;
		p += 1 + n;
		ret->suffix[ret->n_suffixes].rank = rank;
		ret->suffix[ret->n_suffixes].digits = p;
		ret->suffix[ret->n_suffixes++].len = span_digits(p);
		p += span_digits(p);
	}
	if (p[0] == '-' && p[1] == 'r') {
		ret->revision = p + 2;
		ret->revision_len = span_digits(p + 2);
		if (ret->revision_len == 0)
			return false;
		p += 2 + ret->revision_len;
	}
	return *p == '\0';
}

/* A number after the first: with a leading zero on either side, apk compares them as text (a fraction). */
static int apk_compare_number(const char *a, size_t alen, const char *b, size_t blen, bool first)
{
	if (!first && (a[0] == '0' || b[0] == '0')) {
		int c = memcmp(a, b, alen < blen ? alen : blen);
		return c ? sign(c) : sign((int)alen - (int)blen);
	}
	return compare_digits(a, alen, b, blen);
}

static int apk_compare(const struct apk_version *a, const struct apk_version *b)
{
	size_t n = a->n_numbers < b->n_numbers ? a->n_numbers : b->n_numbers;
	for (size_t i = 0; i < n; i++) {
		int c = apk_compare_number(a->number[i], a->number_len[i], b->number[i],
					   b->number_len[i], i == 0);
		if (c)
			return c;
	}
	/* more numbers is later: 1.0.1 after 1.0, whatever follows 1.0 */
	if (a->n_numbers != b->n_numbers)
		return a->n_numbers > b->n_numbers ? 1 : -1;
	if (a->letter != b->letter)
		return a->letter > b->letter ? 1 : -1;
	size_t ns = a->n_suffixes > b->n_suffixes ? a->n_suffixes : b->n_suffixes;
	for (size_t i = 0; i < ns; i++) {
		int ra = i < a->n_suffixes ? a->suffix[i].rank : APK_SUFFIX_NONE;
		int rb = i < b->n_suffixes ? b->suffix[i].rank : APK_SUFFIX_NONE;
		if (ra != rb)
			return ra > rb ? 1 : -1;
		int c = compare_digits(a->suffix[i].digits, a->suffix[i].len, b->suffix[i].digits,
				       b->suffix[i].len);
		if (c)
			return c;
	}
	if (!a->revision || !b->revision)
		return !a->revision == !b->revision ? 0 : a->revision ? 1 : -1;
	return compare_digits(a->revision, a->revision_len, b->revision, b->revision_len);
}

/* ---- semver (semver.org 2.0.0, section 11) ---- */

struct semver {
	const char *core[3];
	size_t core_len[3];
	const char *pre; /* NULL: a release */
	size_t pre_len;
};

/* A numeric identifier: digits without a leading zero. */
static bool semver_numeric(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return n == 1 || s[0] != '0';
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric ones without leading zeros when strict. */
static bool semver_identifiers(const char *s, size_t n, bool strict)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return false;
			continue;
		}
		size_t len = i - start;
		if (len == 0)
			return false;
		if (strict && span_digits(s + start) >= len && !semver_numeric(s + start, len))
			return false;
		start = i + 1;
	}
	return true;
}

static bool semver_parse(const char *v, struct semver *ret)
{
	*ret = (struct semver){0};
	const char *p = v + (v[0] == 'v');
	for (int i = 0; i < 3; i++) {
		size_t n = span_digits(p);
		if (!semver_numeric(p, n))
			return false;
		ret->core[i] = p;
		ret->core_len[i] = n;
		p += n;
		if (i < 2 && *p++ != '.')
			return false;
	}
	const char *plus = strchr(p, '+');
	size_t rest = plus ? (size_t)(plus - p) : strlen(p);
	if (*p == '-') {
		ret->pre = p + 1;
		ret->pre_len = rest - 1;
		if (!semver_identifiers(ret->pre, ret->pre_len, true))
			return false;
	} else if (rest != 0) {
		return false;
	}
	return !plus || semver_identifiers(plus + 1, strlen(plus + 1), false);
}

/* Identifiers left to right: numeric below alphanumeric, a longer list after its prefix. */
static int semver_compare_pre(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae = a + alen, *be = b + blen;
	while (a < ae && b < be) {
		const char *da = memchr(a, '.', (size_t)(ae - a)),
			   *db = memchr(b, '.', (size_t)(be - b));
		size_t na = (size_t)((da ? da : ae) - a), nb = (size_t)((db ? db : be) - b);
		bool numa = span_digits(a) >= na, numb = span_digits(b) >= nb;
		int c;
		if (numa && numb)
			c = compare_digits(a, na, b, nb);
		else if (numa != numb)
			c = numa ? -1 : 1;
		else {
			c = sign(memcmp(a, b, na < nb ? na : nb));
			if (!c)
				c = sign((int)na - (int)nb);
		}
		if (c)
			return c;
		a += na + (da != NULL), b += nb + (db != NULL);
	}
	return a < ae ? 1 : b < be ? -1 : 0;
}

static int semver_compare(const struct semver *a, const struct semver *b)
{
	for (int i = 0; i < 3; i++) {
		int c = compare_digits(a->core[i], a->core_len[i], b->core[i], b->core_len[i]);
		if (c)
			return c;
	}
	if (!a->pre || !b->pre)
		return !a->pre == !b->pre ? 0 : a->pre ? -1 : 1;
	return semver_compare_pre(a->pre, a->pre_len, b->pre, b->pre_len);
}

/* ---- PEP 440 (packaging.python.org, "Version specifiers") ---- */

#define PEP440_MAX_PARTS 32

struct pep440_part {
	const char *s;
	size_t len;
};

struct pep440 {
	struct pep440_part epoch; /* len 0: epoch 0 */
	struct pep440_part release[PEP440_MAX_PARTS];
	size_t n_release;
	int pre_kind; /* -1 none, 0 a, 1 b, 2 rc */
	struct pep440_part pre;
	bool has_post, has_dev;
	struct pep440_part post, dev;
	struct pep440_part local[PEP440_MAX_PARTS];
	size_t n_local;
};

static bool lower_prefix(const char *s, const char *word)
{
	size_t n = strlen(word);
	if (strncasecmp(s, word, n) != 0)
		return false;
	return !is_alpha(s[n]);
}

static bool is_sep(char c)
{
	return c == '.' || c == '-' || c == '_';
}

/* One of the spellings in words at p (an optional separator before it): its index, p moved past it. */
static int pep440_word(const char **p, const char *const *words)
{
	const char *s = *p + is_sep(**p);
	for (int i = 0; words[i]; i++)
		if (lower_prefix(s, words[i])) {
			*p = s + strlen(words[i]);
			return i;
		}
	return -1;
}

/* The number after a pre, post or dev word: an optional separator, then digits, or none (0). */
static struct pep440_part pep440_number(const char **p)
{
	const char *s = *p + (is_sep(**p) && is_digit((*p)[1]));
	size_t n = span_digits(s);
	if (n == 0)
		return (struct pep440_part){"0", 1};
	*p = s + n;
	return (struct pep440_part){s, n};
}

static bool pep440_parse_local(const char *p, struct pep440 *ret)
{
	for (;;) {
		size_t n = 0;
		while (is_alnum(p[n]))
			n++;
		if (n == 0 || ret->n_local == PEP440_MAX_PARTS)
			return false;
		ret->local[ret->n_local++] = (struct pep440_part){p, n};
		p += n;
		if (*p == '\0')
			return true;
		if (!is_sep(*p++))
			return false;
	}
}

static bool pep440_parse(const char *v, struct pep440 *ret)
{
	static const char *const pre_words[] = {"alpha", "a",  "beta", "b", "preview",
						"pre",	 "rc", "c",    NULL};
	static const int pre_kinds[] = {0, 0, 1, 1, 2, 2, 2, 2};
	static const char *const post_words[] = {"post", "rev", "r", NULL};
	static const char *const dev_words[] = {"dev", NULL};
	*ret = (struct pep440){.epoch = {"0", 1}, .pre_kind = -1};
	const char *p = v;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	p += *p == 'v' || *p == 'V';
	size_t n = span_digits(p);
	if (n && p[n] == '!') {
		ret->epoch = (struct pep440_part){p, n};
		p += n + 1;
	}
	for (;;) {
		n = span_digits(p);
		if (n == 0 || ret->n_release == PEP440_MAX_PARTS)
			return false;
		ret->release[ret->n_release++] = (struct pep440_part){p, n};
		p += n;
		if (!(p[0] == '.' && is_digit(p[1])))
			break;
		p++;
	}
	int w = pep440_word(&p, pre_words);
	if (w >= 0) {
		ret->pre_kind = pre_kinds[w];
		ret->pre = pep440_number(&p);
	}
	if (p[0] == '-' && is_digit(p[1])) { /* the implicit post release "1.0-1" */
		p++;
		ret->has_post = true;
		ret->post = (struct pep440_part){p, span_digits(p)};
		p += ret->post.len;
	} else if (pep440_word(&p, post_words) >= 0) {
		ret->has_post = true;
		ret->post = pep440_number(&p);
	}
	if (pep440_word(&p, dev_words) >= 0) {
		ret->has_dev = true;
		ret->dev = pep440_number(&p);
	}
	const char *end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
		end--;
	if (*p == '+') {
		char local[256];
		size_t len = (size_t)(end - p - 1);
		if (len >= sizeof(local))
			return false;
		/* the parts point into v: only the check needs the copy's end */
		memcpy(local, p + 1, len);
		local[len] = '\0';
		if (!pep440_parse_local(local, ret))
			return false;
		for (size_t i = 0; i < ret->n_local; i++)
			ret->local[i].s = p + 1 + (ret->local[i].s - local);
		return true;
	}
	return p == end;
}

/* Releases compare as if padded with zeros: 1.0 == 1.0.0. */
static int pep440_compare_release(const struct pep440 *a, const struct pep440 *b)
{
	size_t n = a->n_release > b->n_release ? a->n_release : b->n_release;
	for (size_t i = 0; i < n; i++) {
		struct pep440_part x =
			i < a->n_release ? a->release[i] : (struct pep440_part){"0", 1};
		struct pep440_part y =
			i < b->n_release ? b->release[i] : (struct pep440_part){"0", 1};
		int c = compare_digits(x.s, x.len, y.s, y.len);
		if (c)
			return c;
	}
	return 0;
}

/*
 * Where the pre-release stands: a dev release of no pre or post release
 * comes before every pre-release (1.0.dev1 < 1.0a1), a version without
 * one after them all.
 */
static int pep440_pre_rank(const struct pep440 *v)
{
	if (v->pre_kind >= 0)
		return v->pre_kind;
	return !v->has_post && v->has_dev ? -1 : 3;
}

/* Local parts: numbers after names, numbers by value, names case-insensitively; longer after its prefix. */
static int pep440_compare_local(const struct pep440 *a, const struct pep440 *b)
{
	size_t n = a->n_local < b->n_local ? a->n_local : b->n_local;
	for (size_t i = 0; i < n; i++) {
		struct pep440_part x = a->local[i], y = b->local[i];
		bool nx = span_digits(x.s) >= x.len, ny = span_digits(y.s) >= y.len;
		int c;
		if (nx && ny)
			c = compare_digits(x.s, x.len, y.s, y.len);
		else if (nx != ny)
			c = nx ? 1 : -1;
		else {
			c = sign(strncasecmp(x.s, y.s, x.len < y.len ? x.len : y.len));
			if (!c)
				c = sign((int)x.len - (int)y.len);
		}
		if (c)
			return c;
	}
	return sign((int)a->n_local - (int)b->n_local);
}

static int pep440_compare(const struct pep440 *a, const struct pep440 *b)
{
	int c = compare_digits(a->epoch.s, a->epoch.len, b->epoch.s, b->epoch.len);
	if (!c)
		c = pep440_compare_release(a, b);
	if (!c)
		c = sign(pep440_pre_rank(a) - pep440_pre_rank(b));
	if (!c && a->pre_kind >= 0)
		c = compare_digits(a->pre.s, a->pre.len, b->pre.s, b->pre.len);
	/* no post release before any post release */
	if (!c && a->has_post != b->has_post)
		c = a->has_post ? 1 : -1;
	if (!c && a->has_post)
		c = compare_digits(a->post.s, a->post.len, b->post.s, b->post.len);
	/* no dev release after any dev release */
	if (!c && a->has_dev != b->has_dev)
		c = a->has_dev ? -1 : 1;
	if (!c && a->has_dev)
		c = compare_digits(a->dev.s, a->dev.len, b->dev.s, b->dev.len);
	if (!c)
		c = pep440_compare_local(a, b);
	return c;
}

/* ---- the schemes behind one interface ---- */

union parsed_version {
	struct dpkg_version dpkg;
	struct apk_version apk;
	struct semver semver;
	struct pep440 pep440;
};

static bool parse(enum berth_version_scheme s, const char *v, union parsed_version *ret)
{
	if (!v || strlen(v) > 1024)
		return false;
	switch (s) {
	case BERTH_VERSION_DPKG:
		return dpkg_parse(v, &ret->dpkg);
	case BERTH_VERSION_APK:
		return apk_parse(v, &ret->apk);
	case BERTH_VERSION_SEMVER:
		return semver_parse(v, &ret->semver);
	case BERTH_VERSION_PEP440:
		return pep440_parse(v, &ret->pep440);
	}
	return false;
}

const char *berth_version_scheme_name(enum berth_version_scheme s)
{
	static const char *const names[] = {"dpkg", "apk", "semver", "pep440"};
	return (unsigned)s < sizeof(names) / sizeof(*names) ? names[s] : "unknown";
}

bool berth_version_valid(enum berth_version_scheme s, const char *v)
{
	union parsed_version p = {0};
	return parse(s, v, &p);
}

int berth_version_compare(enum berth_version_scheme s, const char *a, const char *b, int *ret,
			  struct berth_error **err)
{
	/* zeroed: the analyzer cannot follow which member parse() filled */
	union parsed_version pa = {0}, pb = {0};
	const char *bad = !parse(s, a, &pa) ? a : !parse(s, b, &pb) ? b : NULL;
	if (bad)
		return berth_error_set(err, EINVAL, "'%.64s' is not a %s version", bad,
				       berth_version_scheme_name(s));
	switch (s) {
	case BERTH_VERSION_DPKG:
		*ret = dpkg_compare(&pa.dpkg, &pb.dpkg);
		break;
	case BERTH_VERSION_APK:
		*ret = apk_compare(&pa.apk, &pb.apk);
		break;
	case BERTH_VERSION_SEMVER:
		*ret = semver_compare(&pa.semver, &pb.semver);
		break;
	case BERTH_VERSION_PEP440:
		*ret = pep440_compare(&pa.pep440, &pb.pep440);
		break;
	}
	return 0;
}
