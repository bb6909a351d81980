/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The catalog as SPDX 2.3 JSON and CycloneDX 1.5 JSON. Both are functions
 * of the catalog, the creation time and the tool alone: the document's
 * namespace and serial number are derived from the image ID and the time,
 * so the same image at the same SOURCE_DATE_EPOCH gives the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json.h"
#include "image/image.h"
#include "scan/scan.h"

/* A name-based UUID (RFC 9562 version 8: sha256 of what) as 8-4-4-4-12 hex. */
static void uuid_of(const char *what, char out[37])
{
	struct berth_digest d;
	berth_digest_of(what, strlen(what), &d);
	char hex[BERTH_DIGEST_STRLEN + 1];
	berth_digest_hex(&d, hex);
	hex[12] = '8';								     /* version */
	hex[16] = "89ab"[(hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0') & 3]; /* variant */
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static void document_uuid(const struct berth_sbom *s, const char *created, char out[37])
{
	_cleanup_free_ char *seed =
		berth_xasprintf("berth-sbom %s %s %s", s->image_id ? s->image_id : "",
				s->image_ref ? s->image_ref : "", created);
	uuid_of(seed, out);
}

static const char *image_name(const struct berth_sbom *s)
{
	return s->image_ref ? s->image_ref : s->image_id ? s->image_id : "image";
}

/* An SPDX identifier's idstring: letters, digits, '.' and '-'. */
static void spdx_id_add(struct berth_buf *b, const char *s)
{
	for (; *s; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-';
		berth_buf_addch(b, ok ? c : '-');
	}
}

/*
 * A license as the database declares it, when it reads as an SPDX license
 * expression (identifiers joined by AND, OR, WITH; parentheses); else
 * NOASSERTION ("Apache 2.0", "BSD License" are not expressions).
 */
static bool spdx_idstring(const char *s, size_t n)
{
	size_t ids = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '(' || c == ')')
			continue;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '+'))
			return false;
		ids++;
	}
	return ids > 0;
}

static const char *spdx_license(const char *l)
{
	if (!l || !*l)
		return "NOASSERTION";
	bool want_id = true;
	for (const char *p = l; *p;) {
		size_t n = strcspn(p, " ");
		bool op = (n == 3 && strncmp(p, "AND", 3) == 0) ||
			  (n == 2 && strncmp(p, "OR", 2) == 0) ||
			  (n == 4 && strncmp(p, "WITH", 4) == 0);
		if (n == 0 || (want_id ? !spdx_idstring(p, n) : !op))
			return "NOASSERTION";
		want_id = !want_id;
		p += n;
		if (*p == ' ')
			p++;
	}
	return want_id ? "NOASSERTION" : l;
}

static char *layer_note(const struct berth_sbom *s, const struct berth_sbom_package *p)
{
	const struct berth_sbom_layer *l = p->layer < s->n_layers ? &s->layers[p->layer] : NULL;
	return berth_xasprintf("%s in layer %zu %s%s%s", p->location, p->layer,
			       l && l->digest ? l->digest : "", l && l->created_by ? ": " : "",
			       l && l->created_by ? l->created_by : "");
}

static json_t *spdx_package(const struct berth_sbom *s, size_t i)
{
	const struct berth_sbom_package *p = &s->pkgs[i];
	_cleanup_(berth_buf_release) struct berth_buf id = BERTH_BUF_INIT;
	berth_buf_addf(&id, "SPDXRef-Package-%s-", berth_package_type_name(p->pkg.type));
	spdx_id_add(&id, p->pkg.name);
	berth_buf_addf(&id, "-%zu", i);
	_cleanup_free_ char *purl = berth_package_purl(&p->pkg, &s->os);
	_cleanup_free_ char *note = layer_note(s, p);
	const char *lic = spdx_license(p->pkg.license);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}",
			 "SPDXID", id.buf, "name", p->pkg.name, "versionInfo", p->pkg.version,
			 "downloadLocation", "NOASSERTION", "filesAnalyzed", 0, "licenseConcluded",
			 "NOASSERTION", "licenseDeclared", lic, "supplier", "NOASSERTION",
			 "sourceInfo", note, "externalRefs", "referenceCategory", "PACKAGE-MANAGER",
			 "referenceType", "purl", "referenceLocator", purl);
}

static void spdx_relate(json_t *rels, const char *a, const char *type, const char *b)
{
	json_array_append_new(rels, json_pack("{s:s, s:s, s:s}", "spdxElementId", a,
					      "relationshipType", type, "relatedSpdxElement", b));
}

json_t *berth_sbom_spdx_json(const struct berth_sbom *s, int64_t created, const char *tool_version)
{
	_cleanup_free_ char *when = berth_image_created_time(&created);
	char uuid[37];
	document_uuid(s, when, uuid);
	_cleanup_free_ char *ns = berth_xasprintf("urn:uuid:%s", uuid);
	_cleanup_free_ char *tool = berth_xasprintf("Tool: berth-%s", tool_version);
	json_t *pkgs = json_array(), *rels = json_array();
	json_array_append_new(
		pkgs, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s}", "SPDXID",
				"SPDXRef-Image", "name", image_name(s), "versionInfo",
				s->image_id ? s->image_id : "NOASSERTION", "downloadLocation",
				"NOASSERTION", "filesAnalyzed", 0, "licenseConcluded",
				"NOASSERTION", "licenseDeclared", "NOASSERTION", "supplier",
				"NOASSERTION", "primaryPackagePurpose", "CONTAINER"));
	spdx_relate(rels, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image");
	if (s->os.id) {
		json_array_append_new(
			pkgs, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s}", "SPDXID",
					"SPDXRef-OperatingSystem", "name", s->os.id, "versionInfo",
					s->os.version_id ? s->os.version_id : "NOASSERTION",
					"downloadLocation", "NOASSERTION", "filesAnalyzed", 0,
					"licenseConcluded", "NOASSERTION", "licenseDeclared",
					"NOASSERTION", "supplier", "NOASSERTION",
					"primaryPackagePurpose", "OPERATING-SYSTEM"));
		spdx_relate(rels, "SPDXRef-Image", "CONTAINS", "SPDXRef-OperatingSystem");
	}
	for (size_t i = 0; i < s->n; i++) {
		json_t *p = spdx_package(s, i);
		spdx_relate(rels, "SPDXRef-Image", "CONTAINS",
			    json_string_value(json_object_get(p, "SPDXID")));
		json_array_append_new(pkgs, p);
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[s]}, s:o, s:o}", "spdxVersion",
			 "SPDX-2.3", "dataLicense", "CC0-1.0", "SPDXID", "SPDXRef-DOCUMENT", "name",
			 image_name(s), "documentNamespace", ns, "creationInfo", "created", when,
			 "creators", tool, "packages", pkgs, "relationships", rels);
}

static json_t *cdx_property(const char *name, const char *value)
{
	return json_pack("{s:s, s:s}", "name", name, "value", value);
}

static json_t *cdx_component(const struct berth_sbom *s, size_t i)
{
	const struct berth_sbom_package *p = &s->pkgs[i];
	_cleanup_free_ char *purl = berth_package_purl(&p->pkg, &s->os);
	/* the same purl twice (a package listed by two databases) needs two bom-refs */
	_cleanup_free_ char *prev = i ? berth_package_purl(&s->pkgs[i - 1].pkg, &s->os) : NULL;
	_cleanup_free_ char *ref = prev && strcmp(prev, purl) == 0
					   ? berth_xasprintf("%s#%zu", purl, i)
					   : berth_xstrdup(purl);
	const struct berth_sbom_layer *l = p->layer < s->n_layers ? &s->layers[p->layer] : NULL;
	char layer[32];
	snprintf(layer, sizeof(layer), "%zu", p->layer);
	json_t *props = json_array();
	json_array_append_new(props, cdx_property("berth:location", p->location));
	json_array_append_new(props, cdx_property("berth:layer", layer));
	if (l && l->digest)
		json_array_append_new(props, cdx_property("berth:layer:digest", l->digest));
	if (l && l->created_by)
		json_array_append_new(props, cdx_property("berth:layer:created_by", l->created_by));
	if (p->pkg.type == BERTH_PACKAGE_GO && p->pkg.source)
		json_array_append_new(props, cdx_property("berth:golang:replace", p->pkg.source));
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "type", "library", "bom-ref", ref,
			      "name", p->pkg.name, "version", p->pkg.version, "purl", purl,
			      "properties", props);
	if (p->pkg.license && *p->pkg.license)
		json_object_set_new(c, "licenses",
				    json_pack("[{s:{s:s}}]", "license", "name", p->pkg.license));
	return c;
}

json_t *berth_sbom_cyclonedx_json(const struct berth_sbom *s, int64_t created,
				  const char *tool_version)
{
	_cleanup_free_ char *when = berth_image_created_time(&created);
	char uuid[37];
	document_uuid(s, when, uuid);
	_cleanup_free_ char *serial = berth_xasprintf("urn:uuid:%s", uuid);
	json_t *comps = json_array();
	if (s->os.id) {
		json_t *os = json_pack("{s:s, s:s, s:s}", "type", "operating-system", "bom-ref",
				       "os", "name", s->os.id);
		if (s->os.version_id)
			json_object_set_new(os, "version", json_string(s->os.version_id));
		if (s->os.pretty_name)
			json_object_set_new(os, "description", json_string(s->os.pretty_name));
		json_array_append_new(comps, os);
	}
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(comps, cdx_component(s, i));
	json_t *image = json_pack("{s:s, s:s, s:s}", "type", "container", "bom-ref", "image",
				  "name", image_name(s));
	if (s->image_id)
		json_object_set_new(image, "version", json_string(s->image_id));
	return json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, s:s, s:s}]}, s:o}, s:o}",
			 "bomFormat", "CycloneDX", "specVersion", "1.5", "serialNumber", serial,
			 "version", 1, "metadata", "timestamp", when, "tools", "components", "type",
			 "application", "name", "berth", "version", tool_version, "component",
			 image, "components", comps);
}

int berth_sbom_attach(struct berth_store *s, const char *image_id, const char *name,
		      int64_t created, struct berth_error **err)
{
	_cleanup_(berth_image_freep) struct berth_image *img = NULL;
	_cleanup_(berth_sbom_release) struct berth_sbom sb = {0};
	int r = berth_image_resolve(s, image_id, &img, err);
	if (r >= 0)
		r = berth_sbom_of_image(s, image_id, &sb, err);
	if (r < 0)
		return berth_error_prefix(err, "sbom of '%s'", name);
	free(sb.image_ref);
	sb.image_ref = berth_xstrdup(name);
	_cleanup_json_ json_t *doc = berth_sbom_spdx_json(&sb, created, BERTH_VERSION);
	if (!doc)
		return berth_error_set(err, EINVAL, "sbom of '%s': cannot write the document",
				       name);
	_cleanup_free_ char *j = berth_json_dump_pretty(doc);
	_cleanup_free_ char *text = berth_xasprintf("%s\n", j);
	r = berth_image_attach(s, img, BERTH_MT_SPDX_JSON, text, strlen(text), NULL, err);
	if (r < 0)
		return berth_error_prefix(err, "store the sbom of '%s'", name);
	return 0;
}
