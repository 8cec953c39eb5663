/* SPDX-License-Identifier: ISC */
/*
 * ref_cert.h - mint one TLS test certificate at start-up, for the
 * tls-cert-* fault profiles: an EC P-256 key and an X.509 v3 certificate
 * that is wrong in exactly one way (expired, about to expire, for another
 * host, or self-signed).
 *
 * Signed by ca.pem/ca.key from a given folder when both are there (the
 * fixtures/tls test CA), so that only the named property is wrong;
 * otherwise self-signed. Knows no SMTP and no sockets; ref_server.c hands
 * the result to ref_tls_new_pair().
 */
#ifndef SC_REF_CERT_H
#define SC_REF_CERT_H

struct sc_err;
struct x509_st;		/* OpenSSL's X509 */
struct evp_pkey_st;	/* OpenSSL's EVP_PKEY */

enum ref_cert_kind {
	REF_CERT_EXPIRED,	/* notBefore now-30d, notAfter now-1d */
	REF_CERT_EXPIRING,	/* notAfter now+10d */
	REF_CERT_WRONGHOST,	/* CN and SAN DNS:wrong.invalid only */
	REF_CERT_SELFSIGNED,	/* its own issuer; localhost, 127.0.0.1, ::1 */
};

/* A minted certificate and its key; both owned. */
struct ref_cert {
	struct x509_st		*cert;
	struct evp_pkey_st	*key;
};

/* ref_cert_kind_str - enum name, for logs. */
const char *ref_cert_kind_str(enum ref_cert_kind);

/*
 * ref_cert_mint - fill c (ref_cert_clear frees it) with a fresh key and a
 * certificate of kind, signed with SHA-256 by ca_dir/ca.pem + ca_dir/ca.key
 * when ca_dir is not NULL, both files exist and kind is not
 * REF_CERT_SELFSIGNED, else by its own key. Returns 0, or -1 with err set
 * (a CA that cannot be read is a user error; OpenSSL failures too).
 */
int	ref_cert_mint(struct ref_cert *c, enum ref_cert_kind kind,
	    const char *ca_dir, struct sc_err *err);
/* ref_cert_clear - free both; a half-filled or zeroed c is fine. */
void	ref_cert_clear(struct ref_cert *c);

#endif /* SC_REF_CERT_H */
