#!/usr/bin/env bash
# postfix.sh - a private Postfix instance (Debian's package, as
# ../shared/interop.md describes) on a free loopback port, for the
# interop tests. Source it, then call postfix_start SRC; it sets PF_DIR
# (the instance's folder: etc, maildir, maillog) and PF_PORT, and an EXIT
# trap stops the instance and removes the folder. Needs root.
postfix_cleanup() {
	[ -n "${PF_DIR:-}" ] || return
	postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1
	sleep 0.5
	rm -rf "$PF_DIR"
}

postfix_start() {
	local src=$1 here=$1/tests/interop
	if ! command -v postfix >/dev/null 2>&1; then
		echo "FAIL: postfix is not installed (ci/install-deps.sh installs it)"; exit 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "FAIL: the Postfix interop tests need root (postfix set-permissions)"; exit 1
	fi
	PF_DIR=$(mktemp -d /tmp/smtpcheck-pf.XXXXXX)
	trap postfix_cleanup EXIT
	chmod 755 "$PF_DIR"
	mkdir -p "$PF_DIR/etc" "$PF_DIR/queue" "$PF_DIR/data" "$PF_DIR/maildir" "$PF_DIR/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
		-keyout "$PF_DIR/tls/key.pem" -out "$PF_DIR/tls/cert.pem" >/dev/null 2>&1
	PF_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sed -e "s|@D@|$PF_DIR|g" -e "s|@TLS@|$PF_DIR/tls|g" "$here/postfix-main.cf.in" >"$PF_DIR/etc/main.cf"
	sed -e "s|127.0.0.1:2525|127.0.0.1:$PF_PORT|" "$here/postfix-master.cf" >"$PF_DIR/etc/master.cf"
	cp /etc/postfix/dynamicmaps.cf "$PF_DIR/etc/" 2>/dev/null
	cp -r /etc/postfix/dynamicmaps.cf.d "$PF_DIR/etc/" 2>/dev/null
	chown postfix:postfix "$PF_DIR/data"; chown 65534:65534 "$PF_DIR/maildir"; touch "$PF_DIR/maillog"
	postfix -c "$PF_DIR/etc" set-permissions >/dev/null 2>&1 || true
	if ! postfix -c "$PF_DIR/etc" check || ! postfix -c "$PF_DIR/etc" start >/dev/null 2>&1; then
		echo "FAIL: postfix did not start"; cat "$PF_DIR/maillog"; exit 1
	fi
	for _ in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1',$PF_PORT),1)" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: postfix does not accept connections on 127.0.0.1:$PF_PORT"; cat "$PF_DIR/maillog"; exit 1
}
