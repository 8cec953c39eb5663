/* SPDX-License-Identifier: ISC */
/*
 * ref_main.c - smtpref: the reference SMTP engine of smtpcheck.
 *
 * "smtpref serve ..." runs the reference server until SIGINT/SIGTERM
 * (exit 0). User errors print one line "smtpref: FILE:LINE: ..." and exit
 * 2. "smtpref send ..." is the reference client (ref_send.c), which exits
 * with a sysexits status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ref_conf.h"
#include "ref_loop.h"
#include "ref_send.h"
#include "ref_server.h"
#include "sc_util.h"

#define REF_EXIT_USAGE	2

/* ref_main_usage - top-level usage. */
static void
ref_main_usage(FILE *fp)
{
	fprintf(fp, "usage: smtpref serve --listen HOST:PORT [options]\n"
	    "       smtpref serve --help\n"
	    "       smtpref send --server HOST:PORT --from ADDR --to ADDR "
	    "[options] [FILE]\n"
	    "       smtpref send --help\n");
}

/* ref_main_user_error - one line and exit 2. */
static int
ref_main_user_error(const struct sc_err *err)
{
	char buf[SC_ERR_MSG_MAX + SC_ERR_FILE_MAX + 32];

	sc_err_format(err, buf, sizeof(buf));
	fprintf(stderr, "smtpref: %s\n", buf);
	return REF_EXIT_USAGE;
}

/* ref_main_port_file - write the bound port, atomically. */
static int
ref_main_port_file(const char *path, int port, struct sc_err *err)
{
	char *tmp;
	FILE *fp;
	int rc = 0;

	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	fp = fopen(tmp, "w");
	if (fp == NULL || fprintf(fp, "%d\n", port) < 0 || fclose(fp) != 0 ||
	    rename(tmp, path) == -1) {
		sc_err_set(err, path, 0, 0, "cannot write port file: %s",
		    strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	return rc;
}

/* ref_main_serve - the serve subcommand. */
static int
ref_main_serve(int argc, char **argv)
{
	struct sc_err err;
	struct ref_conf conf;
	struct ref_loop *loop;
	struct ref_server *srv;
	bool help;
	int port = 0, rc;

	memset(&err, 0, sizeof(err));
	ref_conf_init(&conf);
	if (ref_conf_parse_serve(&conf, argc, argv, &help, &err) == -1 ||
	    (!help && ref_conf_finish(&conf, &err) == -1)) {
		ref_conf_clear(&conf);
		return ref_main_user_error(&err);
	}
	if (help) {
		ref_conf_usage(stdout);
		ref_conf_clear(&conf);
		return 0;
	}
	loop = ref_loop_new();
	if (loop == NULL)
		fatal("epoll_create1: %s", strerror(errno));
	srv = ref_server_new(&conf, loop, &port, &err);
	if (srv == NULL) {
		ref_loop_free(loop);
		ref_conf_clear(&conf);
		return ref_main_user_error(&err);
	}
	if (conf.port_file != NULL &&
	    ref_main_port_file(conf.port_file, port, &err) == -1) {
		ref_server_free(srv);
		ref_loop_free(loop);
		ref_conf_clear(&conf);
		return ref_main_user_error(&err);
	}
	if (conf.verbose > 0)
		fprintf(stderr, "smtpref: ev=listen addr=%s port=%d store=%s\n",
		    conf.listen, port, conf.maildir != NULL ? conf.maildir :
		    "sink");
	rc = ref_loop_run(loop);
	if (conf.verbose > 0)
		fprintf(stderr, "smtpref: ev=exit\n");
	ref_server_free(srv);
	ref_loop_free(loop);
	ref_conf_clear(&conf);
	if (rc == -1)
		fatal("event loop: %s", strerror(errno));
	return 0;
}

/* main - dispatch the subcommand. */
int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "--fault") == 0 &&
	    strcmp(argv[2], "list") == 0) {
		ref_conf_fault_list(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return ref_main_serve(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return ref_send_main(argc - 2, argv + 2);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		ref_main_usage(stdout);
		ref_conf_usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("smtpref %s\n", SC_VERSION);
		return 0;
	}
	ref_main_usage(stderr);
	return REF_EXIT_USAGE;
}
