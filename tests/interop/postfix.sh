#!/usr/bin/env bash
# postfix.sh - the suite against a real server: a private Postfix instance
# (Debian's package, ../shared/interop.md) on a free loopback port.
# Checks that the run completes (no ERROR, no usage error), and that its
# non-PASS verdicts are exactly the ones explained in postfix.expected:
# a new FAIL against Postfix is either a harness bug (a false FAIL) or a
# change in Postfix, and both need a human.
set -u
build=$1 src=$2
sc=$build/smtpcheck
here=$src/tests/interop
if ! command -v postfix >/dev/null 2>&1; then
	echo "FAIL: postfix is not installed (ci/install-deps.sh installs it)"; exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "FAIL: the Postfix interop test needs root (postfix set-permissions)"; exit 1
fi
D=$(mktemp -d /tmp/smtpcheck-pf.XXXXXX)
chmod 755 "$D"
cleanup() { postfix -c "$D/etc" stop >/dev/null 2>&1; sleep 0.5; rm -rf "$D"; }
trap cleanup EXIT
mkdir -p "$D/etc" "$D/queue" "$D/data" "$D/maildir" "$D/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
	-keyout "$D/tls/key.pem" -out "$D/tls/cert.pem" >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -e "s|@D@|$D|g" -e "s|@TLS@|$D/tls|g" "$here/postfix-main.cf.in" >"$D/etc/main.cf"
sed -e "s|127.0.0.1:2525|127.0.0.1:$port|" "$here/postfix-master.cf" >"$D/etc/master.cf"
cp /etc/postfix/dynamicmaps.cf "$D/etc/" 2>/dev/null
cp -r /etc/postfix/dynamicmaps.cf.d "$D/etc/" 2>/dev/null
chown postfix:postfix "$D/data"; chown 65534:65534 "$D/maildir"; touch "$D/maillog"
postfix -c "$D/etc" set-permissions >/dev/null 2>&1 || true
if ! postfix -c "$D/etc" check || ! postfix -c "$D/etc" start >/dev/null 2>&1; then
	echo "FAIL: postfix did not start"; cat "$D/maillog"; exit 1
fi
for _ in $(seq 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
	sleep 0.1
done

cd "$src" || exit 1
"$sc" run --target "127.0.0.1:$port" --suite all --jobs 2 -q --timeout-scale 0.05 \
	--profile "$here/postfix.profile" --insecure --report json:"$D/r.json" \
	--report text:"$D/summary.txt" >"$D/out.txt" 2>&1
rc=$?
cat "$D/summary.txt"
cp "$D/r.json" "$build/interop-postfix.json" 2>/dev/null
cp "$D/maillog" "$build/interop-postfix.maillog" 2>/dev/null
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
	echo "FAIL: run exited $rc"; cat "$D/out.txt"; exit 1
fi
python3 "$src/tests/lib/expected.py" "$D/r.json" "$here/postfix.expected" \
	"postfix interop" --skip-ok
