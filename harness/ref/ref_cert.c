/* SPDX-License-Identifier: ISC */
/*
 * ref_cert.c - mint a TLS test certificate in memory (OpenSSL 3).
 *
 * RFC 5280 v3 certificate: random 64-bit serial, subject O=smtpcheck
 * test, CN=<host>, SAN, basicConstraints CA:FALSE, serverAuth. The key is
 * EC P-256 (as every fixture under fixtures/tls), so clients negotiate
 * ECDSA suites. Nothing is written to disk.
 */
#include "ref_cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sc_limits.h"
#include "sc_util.h"

#define REF_CERT_DAY		(24L * 3600)
#define REF_CERT_ORG		"smtpcheck test"
#define REF_CERT_SAN_GOOD	"DNS:localhost,IP:127.0.0.1,IP:::1"
#define REF_CERT_SAN_WRONG	"DNS:wrong.invalid"

/* ref_cert_kind_str - enum name. */
const char *
ref_cert_kind_str(enum ref_cert_kind k)
{
	static char buf[32];

	switch (k) {
#define CASE(x)	case REF_CERT_##x: return #x
	CASE(EXPIRED);
	CASE(EXPIRING);
	CASE(WRONGHOST);
	CASE(SELFSIGNED);
#undef CASE
	}
	snprintf(buf, sizeof(buf), "??" "?(%d)", (int)k);
	return buf;
}

/* ref_cert_err - the oldest OpenSSL error, one line; clears the queue. */
static const char *
ref_cert_err(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (e == 0)
		return "failed";
	ERR_error_string_n(e, buf, sizeof(buf));
	return buf;
}

/*
 * ref_cert_load_ca - ca_dir/ca.pem and ca_dir/ca.key. Returns 1 when both
 * were loaded (owned), 0 when either is missing (self-sign), -1 with err
 * when they exist but do not load or do not match.
 */
static int
ref_cert_load_ca(const char *ca_dir, X509 **ca, EVP_PKEY **cakey,
    struct sc_err *err)
{
	char *cpath, *kpath;
	FILE *fp;
	int rc = -1;

	*ca = NULL;
	*cakey = NULL;
	cpath = xasprintf("%s/ca.pem", ca_dir);
	kpath = xasprintf("%s/ca.key", ca_dir);
	if (access(cpath, F_OK) == -1 || access(kpath, F_OK) == -1) {
		rc = 0;
		goto out;
	}
	if ((fp = fopen(cpath, "r")) != NULL) {
		*ca = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	if (*ca == NULL) {
		sc_err_set(err, cpath, 0, 0, "CA certificate: %s",
		    ref_cert_err());
		goto out;
	}
	if ((fp = fopen(kpath, "r")) != NULL) {
		*cakey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	if (*cakey == NULL || X509_check_private_key(*ca, *cakey) != 1) {
		sc_err_set(err, kpath, 0, 0, "CA key: %s", ref_cert_err());
		goto out;
	}
	rc = 1;
out:
	if (rc != 1) {
		X509_free(*ca);
		EVP_PKEY_free(*cakey);
		*ca = NULL;
		*cakey = NULL;
	}
	free(cpath);
	free(kpath);
	return rc;
}

/* ref_cert_ext - add one extension in openssl.cnf syntax; -1 on error. */
static int
ref_cert_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int rc;

	ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (ext == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

/* ref_cert_fill - names, validity, extensions of x for kind. */
static int
ref_cert_fill(X509 *x, enum ref_cert_kind kind, EVP_PKEY *key, X509 *ca)
{
	X509_NAME *name;
	X509V3_CTX ctx;
	uint64_t serial;
	long from = -REF_CERT_DAY, to = REF_CERT_VALID_DAYS * REF_CERT_DAY;
	const char *host = kind == REF_CERT_WRONGHOST ? "wrong.invalid" :
	    "localhost";

	switch (kind) {
	case REF_CERT_EXPIRED:
		from = -REF_CERT_EXPIRED_FROM_DAYS * REF_CERT_DAY;
		to = -REF_CERT_EXPIRED_TO_DAYS * REF_CERT_DAY;
		break;
	case REF_CERT_EXPIRING:
		to = REF_CERT_EXPIRING_DAYS * REF_CERT_DAY;
		break;
	case REF_CERT_WRONGHOST:
	case REF_CERT_SELFSIGNED:
		break;
	}
	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
		return -1;
	serial >>= 1;	/* a positive INTEGER (5280 4.1.2.2) */
	name = X509_get_subject_name(x);
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), from) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), to) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)REF_CERT_ORG, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)host, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) :
	    name) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		return -1;
	X509V3_set_ctx(&ctx, ca != NULL ? ca : x, x, NULL, NULL, 0);
	if (ref_cert_ext(x, &ctx, NID_basic_constraints,
	    "critical,CA:FALSE") == -1 ||
	    ref_cert_ext(x, &ctx, NID_ext_key_usage, "serverAuth") == -1 ||
	    ref_cert_ext(x, &ctx, NID_subject_key_identifier, "hash") == -1 ||
	    ref_cert_ext(x, &ctx, NID_subject_alt_name,
	    kind == REF_CERT_WRONGHOST ? REF_CERT_SAN_WRONG :
	    REF_CERT_SAN_GOOD) == -1)
		return -1;
	if (ca != NULL && ref_cert_ext(x, &ctx, NID_authority_key_identifier,
	    "keyid") == -1)
		return -1;
	return 0;
}

/* ref_cert_mint - key, certificate, signature. */
int
ref_cert_mint(struct ref_cert *c, enum ref_cert_kind kind,
    const char *ca_dir, struct sc_err *err)
{
	X509 *ca = NULL;
	EVP_PKEY *cakey = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	ERR_clear_error();
	if (ca_dir != NULL && kind != REF_CERT_SELFSIGNED &&
	    ref_cert_load_ca(ca_dir, &ca, &cakey, err) == -1)
		goto out;
	c->key = EVP_EC_gen("P-256");
	c->cert = X509_new();
	if (c->key == NULL || c->cert == NULL ||
	    ref_cert_fill(c->cert, kind, c->key, ca) == -1 ||
	    X509_sign(c->cert, cakey != NULL ? cakey : c->key,
	    EVP_sha256()) == 0) {
		sc_err_set(err, "--fault", 0, 0, "minting a %s certificate: %s",
		    ref_cert_kind_str(kind), ref_cert_err());
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		ref_cert_clear(c);
	X509_free(ca);
	EVP_PKEY_free(cakey);
	return rc;
}

/* ref_cert_clear - free both. */
void
ref_cert_clear(struct ref_cert *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	c->cert = NULL;
	c->key = NULL;
}
