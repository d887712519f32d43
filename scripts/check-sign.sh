#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Secure Boot signing of fpq.ko, on each kernel (Documentation/install.rst):
#   1. tools/fpq-sign-setup (a site's own key) in a scratch root: it generates the key
#      pair and writes DKMS's framework.conf.d entry naming it;
#   2. that kernel's sign-file signs the module with the key and the kernel's hash;
#   3. modinfo reports the signer (the certificate's CN), sig_key (its serial) and the
#      hash, and the appended PKCS#7 signature verifies against the certificate with
#      openssl - and fails once one byte of the module changes.
#   scripts/check-sign.sh OUTDIR KERNEL_SERIES...
# The modules are OUTDIR/kmod/<series>/driver/fpq.ko (make driver-module).
set -uo pipefail
out=$(cd "$1" && pwd)
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "${BASH_SOURCE[0]}")/result.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

root=$work/root
if "$repo/tools/fpq-sign-setup" --root "$root" >"$work/setup.log" 2>&1; then
	key=$(sed -n 's/^mok_signing_key="\(.*\)"$/\1/p' "$root/etc/dkms/framework.conf.d/fpq-signing.conf")
	cert=$(sed -n 's/^mok_certificate="\(.*\)"$/\1/p' "$root/etc/dkms/framework.conf.d/fpq-signing.conf")
	if [ -n "$key" ] && [ "$(stat -c %a "$root$key")" = 600 ] &&
		openssl x509 -inform DER -in "$root$cert" -noout 2>/dev/null; then
		ok "fpq-sign-setup: a key pair ($key, mode 600; $cert) and DKMS's framework.conf.d entry"
	else
		cat "$work/setup.log"
		bad "fpq-sign-setup's key or configuration"
		finish
	fi
else
	cat "$work/setup.log"
	bad "fpq-sign-setup"
	finish
fi
key=$root$key cert=$root$cert
openssl x509 -inform DER -in "$cert" -out "$work/cert.pem"
cn=$(openssl x509 -in "$work/cert.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')
serial=$(openssl x509 -in "$work/cert.pem" -noout -serial | sed 's/^serial=//')

# The module's signature: PKCS#7 (DER), then struct module_signature (12 bytes, the
# signature's length big-endian in its last 4), then the magic string (28 bytes).
split_signature() {
	local ko=$1 size siglen
	size=$(stat -c %s "$ko")
	siglen=$(tail -c 32 "$ko" | head -c 4 | od -An -tu1 | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c $((size - 40 - siglen)) "$ko" >"$work/content"
	tail -c $((siglen + 40)) "$ko" | head -c "$siglen" >"$work/sig.der"
}
verify() {
	openssl cms -verify -binary -inform DER -in "$work/sig.der" -content "$1" \
		-certfile "$work/cert.pem" -nointern -noverify -out /dev/null 2>/dev/null
}

for series in "$@"; do
	ko=$out/kmod/$series/driver/fpq.ko
	kdir=$(ls -d /usr/src/linux-headers-"$series".*-amd64 2>/dev/null | sort -V | tail -n 1)
	# The headers' scripts/ is that kernel's linux-kbuild package (where DKMS finds it too).
	sign_file=$(readlink -f "$kdir/scripts/sign-file" 2>/dev/null)
	if [ ! -f "$ko" ] || [ -z "$kdir" ] || [ ! -x "$sign_file" ]; then
		bad "$series: need $ko (make driver-module), the headers and sign-file (linux-kbuild)"
		continue
	fi
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"/\1/p' "$kdir/.config")
	signed=$work/fpq-$series.ko
	cp "$ko" "$signed"
	if "$sign_file" "$hash" "$key" "$cert" "$signed" 2>"$work/sign.log"; then
		ok "$series: $(basename "$(dirname "$(dirname "$sign_file")")")'s sign-file signs fpq.ko ($hash)"
	else
		cat "$work/sign.log"
		bad "$series: sign-file"
		continue
	fi
	signer=$(modinfo -F signer "$signed") sig_key=$(modinfo -F sig_key "$signed")
	algo=$(modinfo -F sig_hashalgo "$signed")
	if [ "$signer" = "$cn" ] && [ "$(tr -d ':' <<<"$sig_key")" = "$serial" ] && [ "$algo" = "$hash" ]; then
		ok "$series: modinfo signer '$signer', sig_key $sig_key, sig_hashalgo $algo"
	else
		bad "$series: modinfo signer '$signer' sig_key '$sig_key' sig_hashalgo '$algo' (want '$cn', $serial, $hash)"
	fi
	split_signature "$signed"
	if cmp -s "$work/content" "$ko" && verify "$work/content"; then
		ok "$series: the signature verifies against the certificate (openssl cms)"
	else
		bad "$series: the appended signature does not verify"
	fi
	# One byte of the module changed: the same signature must not verify.
	cp "$work/content" "$work/tampered"
	printf '\x5a' | dd of="$work/tampered" bs=1 seek=4096 conv=notrunc status=none
	if verify "$work/tampered"; then
		bad "$series: a changed module still verifies"
	else
		ok "$series: a module with one byte changed fails verification"
	fi
done
finish
