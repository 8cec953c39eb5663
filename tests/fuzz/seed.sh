#!/usr/bin/env bash
# seed.sh SOURCE_DIR OUTDIR - build the fuzz targets' seed corpora from the
# suite, into OUTDIR/<target>/ (one file per seed, named after its source):
#   fuzz_scn       every scenario file under scenarios/ and tests/scn/
#   fuzz_ref_cmd   the client scenarios' `send` lines, ${...} filled in
#                  with values smtpref accepts, one file per scenario
#   fuzz_reply     the server scenarios' `send`/`send-raw` replies, and a
#                  few EHLO and multiline replies
#   fuzz_ref_data  fixtures/*.eml (cut to 60000 octets), under each
#                  mode byte (fuzz_ref_data.c: DATA, BDAT, raw)
# Nothing is written outside OUTDIR; running it again rewrites the seeds.
set -euo pipefail
src=${1:?usage: seed.sh SOURCE_DIR OUTDIR}
out=${2:?usage: seed.sh SOURCE_DIR OUTDIR}
for t in fuzz_scn fuzz_ref_cmd fuzz_reply fuzz_ref_data; do
	mkdir -p "$out/$t"
done

# seed_name FILE - a flat, stable name for a source file.
seed_name() {
	local f=${1#"$src"/}
	f=${f//\//_}
	printf '%s' "${f%.*}"
}

# seed_fill - ${...} of the suite replaced by values smtpref takes.
seed_fill() {
	sed -e 's/\${helo}/client.test/g' -e 's/\${rcpt}/bob@smtpref.test/g' \
	    -e 's/\${sender}/alice@smtpref.test/g' -e 's/\${user}/alice/g' \
	    -e 's/\${password}/secret/g' \
	    -e 's/\${unknown_rcpt}/nobody@smtpref.test/g' \
	    -e 's/\${domain}/smtpref.test/g' \
	    -e 's/\${foreign_rcpt}/carol@elsewhere.test/g' \
	    -e 's/\${size}/1000/g'
}

# seed_lines FILE VERB - the arguments of VERB steps, one a line; for
# send-raw the quoted string with its escapes (\r\n ...) decoded.
seed_lines() {
	local f=$1 verb=$2
	if [ "$verb" = send-raw ]; then
		sed -n 's/^[[:space:]]*send-raw[[:space:]]*"\(.*\)"[[:space:]]*$/\1/p' \
		    "$f" | seed_fill | while IFS= read -r l; do
			printf '%b' "$l"
		done
	else
		sed -n "s/^[[:space:]]*$verb[[:space:]]\{1,\}//p" "$f" | seed_fill
	fi
}

find "$src/scenarios" "$src/tests/scn" -name '*.scn' 2>/dev/null | sort |
while IFS= read -r f; do
	name=$(seed_name "$f")
	cp "$f" "$out/fuzz_scn/$name"
	if grep -q '^role[[:space:]]\{1,\}server' "$f"; then
		{ seed_lines "$f" send | sed 's/$/\r/'; seed_lines "$f" send-raw; } \
		    > "$out/fuzz_reply/$name.tmp"
		# the header byte 0: fed whole and in one piece
		{ printf '\0'; cat "$out/fuzz_reply/$name.tmp"; } \
		    > "$out/fuzz_reply/$name"
		rm -f "$out/fuzz_reply/$name.tmp"
		[ -s "$out/fuzz_reply/$name" ] || rm -f "$out/fuzz_reply/$name"
	else
		seed_lines "$f" send | sed 's/$/\r/' > "$out/fuzz_ref_cmd/$name"
		[ -s "$out/fuzz_ref_cmd/$name" ] || rm -f "$out/fuzz_ref_cmd/$name"
	fi
done

# A few replies the suite does not send: EHLO with parameters, a mixed
# multiline, bare LF, a code-only line, split in pieces of 1 and 7 octets.
i=0
for r in '250-smtp.example Hello\r\n250-SIZE 10240000\r\n250-PIPELINING\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-CHUNKING\r\n250-DSN\r\n250 ENHANCEDSTATUSCODES\r\n' \
    '220 smtp.example ESMTP\r\n250 2.1.0 Ok\r\n354 End data\r\n' \
    '250-a\r\n251-b\r\n250 c\r\n' '250-a\n250 b\n' '250\r\n550 5.1.1 <x@y> no\r\n' \
    '421-4.3.2 busy\r\n421 4.3.2 closing\r\n'; do
	i=$((i + 1))
	printf '\2\0\6%b' "$r" > "$out/fuzz_reply/extra-$i"
done

# A whole AUTH PLAIN and LOGIN session for the command side.
printf 'EHLO client.test\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nMAIL FROM:<alice@smtpref.test> AUTH=<> SIZE=10 BODY=8BITMIME\r\nRCPT TO:<bob@smtpref.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+2Bx@smtpref.test\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n' \
    > "$out/fuzz_ref_cmd/extra-auth-plain"
printf 'EHLO client.test\r\nAUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\nMAIL FROM:<alice@smtpref.test> SMTPUTF8\r\nRCPT TO:<j\xc3\xb6s\xc3\xa9@smtpref.test>\r\nBDAT 5\r\nhello\r\nBDAT 0 LAST\r\n' \
    > "$out/fuzz_ref_cmd/extra-auth-login"
{ printf '\377'; cat "$out/fuzz_ref_cmd/extra-auth-plain"; } \
    > "$out/fuzz_ref_cmd/extra-pipelined"

for f in "$src"/fixtures/*.eml; do
	name=$(seed_name "$f")
	for mode in 0 1 2 5; do
		{ printf "\\$(printf %o $mode)\\013"; head -c 60000 "$f"; } \
		    > "$out/fuzz_ref_data/$name-$mode"
	done
done
