/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* kafka_sasl.c: the Cyrus SASL entry points librdkafka.a calls, for the
 * static agent only (the unit tests link librdkafka dynamically, with the
 * real libsasl2). Debian's libsasl2.a carries its GSSAPI and sasldb plugins
 * built in, which need Kerberos and Berkeley DB libraries that Debian ships
 * only as shared objects, so a static binary cannot hold it. librdkafka
 * uses Cyrus SASL for sasl.mechanisms=GSSAPI (Kerberos) alone; PLAIN,
 * SCRAM-SHA-256/512 and OAUTHBEARER are its own code and work as usual.
 * Here GSSAPI fails at connection time with a message saying why. */
#include <sasl/sasl.h>
#include <stddef.h>

static const char why[] = "sasl.mechanisms=GSSAPI (Kerberos) is not available in the static "
			  "sabpf agent: use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER";

int sasl_client_init(const sasl_callback_t *callbacks)
{
	(void)callbacks;
	return SASL_OK; /* nothing to set up; sasl_client_new refuses */
}

int sasl_client_new(const char *service, const char *serverFQDN, const char *iplocalport,
		    const char *ipremoteport, const sasl_callback_t *prompt_supp, unsigned flags,
		    sasl_conn_t **pconn)
{
	(void)service, (void)serverFQDN, (void)iplocalport, (void)ipremoteport;
	(void)prompt_supp, (void)flags;
	*pconn = NULL;
	return SASL_NOMECH;
}

int sasl_client_start(sasl_conn_t *conn, const char *mechlist, sasl_interact_t **prompt_need,
		      const char **clientout, unsigned *clientoutlen, const char **mech)
{
	(void)conn, (void)mechlist, (void)prompt_need, (void)clientout, (void)clientoutlen;
	(void)mech;
	return SASL_NOMECH;
}

int sasl_client_step(sasl_conn_t *conn, const char *serverin, unsigned serverinlen,
		     sasl_interact_t **prompt_need, const char **clientout, unsigned *clientoutlen)
{
	(void)conn, (void)serverin, (void)serverinlen, (void)prompt_need, (void)clientout;
	(void)clientoutlen;
	return SASL_NOMECH;
}

void sasl_dispose(sasl_conn_t **pconn)
{
	if (pconn)
		*pconn = NULL;
}

const char *sasl_errdetail(sasl_conn_t *conn)
{
	(void)conn;
	return why;
}

const char *sasl_errstring(int saslerr, const char *langlist, const char **outlang)
{
	(void)saslerr, (void)langlist;
	if (outlang)
		*outlang = "en-us";
	return why;
}

int sasl_getprop(sasl_conn_t *conn, int propnum, const void **pvalue)
{
	(void)conn, (void)propnum;
	*pvalue = NULL;
	return SASL_NOMECH;
}

int sasl_listmech(sasl_conn_t *conn, const char *user, const char *prefix, const char *sep,
		  const char *suffix, const char **result, unsigned *plen, int *pcount)
{
	(void)conn, (void)user, (void)prefix, (void)sep, (void)suffix;
	*result = "";
	if (plen)
		*plen = 0;
	if (pcount)
		*pcount = 0;
	return SASL_OK;
}
