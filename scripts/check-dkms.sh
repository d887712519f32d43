#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DKMS builds fpq.ko as a user's machine does, for each of Debian 12's kernels, and the
# module it installs works:
#   1. dkms add, then dkms build + install for the first kernel, and dkms autoinstall for
#      the second (what the kernel packages' postinst hook runs after a kernel update:
#      it proves AUTOINSTALL);
#   2. dkms status reports fpq installed for each kernel; the installed module is the
#      product build (no test hook symbol, no fault_inject), made for that kernel
#      (vermagic), and signed the way Debian's DKMS signs, with its MOK key (here a
#      throwaway key: signer and sig_key match the certificate);
#   3. the VM boots each kernel with the DKMS-built module driving the Verilated card:
#      fpq-info finds the node (render on 6.1, accel on 6.12), GEMMs run (polled: the
#      product build has no co-simulation interrupt hook); then udev with the package's
#      rule (driver/70-fpq.rules) gives the node to the render group: an unprivileged
#      user in it runs fpq-info on the card, one outside it cannot open the node.
# Everything happens in a private DKMS tree (--dkmstree, --sourcetree, --installtree,
# --no-depmod) in OUTDIR/dkms: nothing on this machine changes.
#   scripts/check-dkms.sh OUTDIR VERSION KERNEL_SERIES...
set -uo pipefail
out=$(cd "$1" && pwd)
version=$2
shift 2
series_list=("$@")
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "${BASH_SOURCE[0]}")/result.sh"

command -v dkms >/dev/null || { bad "dkms is not installed (make deps)"; finish; }
top=$out/dkms
rm -rf "$top"
mkdir -p "$top/src" "$top/var" "$top/lib/modules"
# The signing key DKMS uses when the site configured none (Debian: /var/lib/dkms/mok.key,
# generated on first use); the environment points it here instead.
export mok_signing_key=$top/mok.key mok_certificate=$top/mok.pub
dkms=(dkms --dkmstree "$top/var" --sourcetree "$top/src" --installtree "$top/lib/modules")

env -u MAKEFLAGS -u MAKELEVEL make -C "$repo" --no-print-directory -s dkms-source DKMS_DIR="$top/src/fpq-$version" ||
	{ bad "make dkms-source"; finish; }
if "${dkms[@]}" add -m fpq -v "$version" >"$top/add.log" 2>&1; then
	ok "dkms add fpq/$version"
else
	cat "$top/add.log"
	bad "dkms add"
	finish
fi

# The kernel release of each series: that of its newest installed headers.
releases=()
for s in "${series_list[@]}"; do
	kdir=$(ls -d /usr/src/linux-headers-"$s".*-amd64 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$kdir" ]; then
		bad "no Debian $s kernel headers (make deps)"
		continue
	fi
	releases+=("$s:${kdir#/usr/src/linux-headers-}")
done

first=1
for sr in "${releases[@]}"; do
	s=${sr%%:*} k=${sr#*:}
	mkdir -p "$top/lib/modules/$k"
	log=$top/build-$k.log
	start=$SECONDS
	if [ $first = 1 ]; then
		what="dkms build + install"
		"${dkms[@]}" build -m fpq -v "$version" -k "$k" >"$log" 2>&1 &&
			"${dkms[@]}" install --no-depmod -m fpq -v "$version" -k "$k" >>"$log" 2>&1
	else
		what="dkms autoinstall (a kernel update)"
		"${dkms[@]}" autoinstall --no-depmod -k "$k" >"$log" 2>&1
	fi
	rc=$?
	first=0
	if [ $rc -ne 0 ]; then
		cat "$log"
		find "$top/var/fpq/$version/build" -name make.log -exec tail -n 30 {} \; 2>/dev/null
		bad "$what for $k"
		continue
	fi
	ok "$what for $k ($((SECONDS - start)) s)"

	status=$("${dkms[@]}" status -m fpq -v "$version" -k "$k" 2>&1)
	if grep -q "^fpq/$version, $k, x86_64: installed" <<<"$status"; then
		ok "dkms status: fpq/$version installed for $k"
	else
		echo "$status" | sed 's/^/  /'
		bad "dkms status for $k"
	fi

	installed=$(ls "$top/lib/modules/$k/updates/dkms/"fpq.ko* 2>/dev/null | head -n 1)
	if [ -z "$installed" ]; then
		bad "no fpq.ko installed in $top/lib/modules/$k/updates/dkms"
		continue
	fi
	ko=$top/vm-$s/fpq.ko
	mkdir -p "$(dirname "$ko")"
	case $installed in
	*.xz) xz -dc "$installed" >"$ko" ;;
	*.zst) zstd -qdc "$installed" >"$ko" ;;
	*.gz) gzip -dc "$installed" >"$ko" ;;
	*) cp "$installed" "$ko" ;;
	esac

	vermagic=$(modinfo -F vermagic "$ko")
	if [ "${vermagic%% *}" = "$k" ]; then
		ok "$(basename "$installed") for $k is built for it (vermagic $vermagic)"
	else
		bad "vermagic '$vermagic' is not $k"
	fi
	if nm "$ko" | grep -qw fpq_external_irq || strings "$ko" | grep -q fault_inject ||
		modinfo -F parm "$ko" | grep -q test_hooks; then
		bad "the DKMS module has test-only paths (fpq_external_irq, fault_inject)"
	else
		ok "the DKMS module is the product build (no fpq_external_irq, no fault_inject)"
	fi
	# sign-file puts the certificate's issuer CN and serial number into the signature.
	signer=$(modinfo -F signer "$ko") sig_key=$(modinfo -F sig_key "$ko")
	serial=$(openssl x509 -inform DER -in "$mok_certificate" -noout -serial 2>/dev/null |
		sed 's/^serial=//')
	if [ "$signer" = "DKMS module signing key" ] && [ -n "$serial" ] &&
		[ "$(tr -d ':' <<<"$sig_key")" = "$serial" ]; then
		ok "signed with DKMS's MOK key (signer '$signer', sig_key $sig_key)"
	else
		bad "signature: signer '$signer' sig_key '$sig_key', certificate serial '$serial'"
	fi
done

# The DKMS-built module in the VM, on each kernel, with two unprivileged users.
printf 'root:x:0:0:root:/root:/bin/sh\nfpquser:x:1000:1000::/tmp:/bin/sh\noutsider:x:1001:1001::/tmp:/bin/sh\n' \
	>"$top/passwd"
printf 'root:x:0:\nrender:x:105:fpquser\nfpquser:x:1000:\noutsider:x:1001:\n' >"$top/group"
for sr in "${releases[@]}"; do
	s=${sr%%:*} k=${sr#*:}
	ko=$top/vm-$s/fpq.ko
	[ -f "$ko" ] || continue
	if [ ! -x "$out/cosim/fpq-card" ] || [ ! -x "$out/tests/vm/driver_test" ]; then
			skip "VM run on $s: no card model or driver_test built"
		continue
	fi
	node=/dev/dri/renderD128
	[ "$s" = 6.1 ] || node=/dev/accel/accel0
	log=$top/vm-$s.log
	# udev with only the package's rule (driver/70-fpq.rules); a user in the render
	# group opens the card, one outside it cannot.
	udev='ln -sf /usr/local/bin/udevadm /usr/local/bin/systemd-udevd && systemd-udevd --daemon &&
		udevadm trigger --action=add && udevadm settle -t 30'
	if "$repo/tools/fpq-vm" --kernel "$s" --card "$out/cosim/fpq-card" --module "$ko" \
		--bin "$out/fpq-info" --bin "$out/tests/vm/driver_test" --bin /bin/udevadm \
		--file "$repo/driver/70-fpq.rules:/etc/udev/rules.d/70-fpq.rules" \
		--file "$top/passwd:/etc/passwd" --file "$top/group:/etc/group" --timeout 200 -- \
		'rmmod fpq && insmod /lib/modules/fpq/fpq.ko poll_ms=1' \
		"fpq-info | grep -q 'card 0: $node'" \
		'driver_test info' 'driver_test buffers' 'driver_test gemm' \
		"$udev && test \"\$(stat -c '%G %a' $node)\" = 'render 660'" \
		"su -s /bin/sh fpquser -c 'fpq-info' | grep -qx 'default backend: card'" \
		"su -s /bin/sh outsider -c 'fpq-info' | grep -q 'cannot be opened'" >"$log" 2>&1; then
		ok "VM on $k: the DKMS-built module drives the card (fpq-info finds $node; driver_test info, buffers, gemm)"
		ok "VM on $k: udev gives $node to render, mode 660: a user in the group runs fpq-info on the card, another cannot open it"
	else
		sed 's/^/  /' "$log" | tail -n 40
		bad "VM on $k with the DKMS-built module"
	fi
done
finish
