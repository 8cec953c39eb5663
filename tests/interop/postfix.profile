# Variables for the Postfix instance of tests/interop/postfix.sh, which
# serves smtpref.test with the same mailboxes as smtpref's defaults, so
# the built-in defaults fit it as they are.
