# SPDX-License-Identifier: MIT
"""The guest kernel: one of Debian 12's kernels (6.1, linux-image-amd64, or 6.12,
linux-image-6.12-amd64), whatever kernel the host runs.

Finds the release of that series installed under /lib/modules, extracts the uncompressed vmlinux
from its vmlinuz once (QEMU boots it through the PVH entry, which saves seconds of
emulated decompression per boot) into a cache, and resolves module dependencies from
that release's modules.dep.
"""

import glob
import hashlib
import os
import re
import subprocess
import tempfile


class KernelError(Exception):
    pass


SERIES = {'6.1': 'linux-image-amd64', '6.12': 'linux-image-6.12-amd64'}


def find_release(series='6.1', wanted=None):
    """The *-amd64 release of @series to boot (the newest installed unless @wanted)."""
    if series not in SERIES:
        raise KernelError(f'kernel {series}: the VM boots Debian 12\'s {" or ".join(SERIES)}')
    if wanted:
        releases = [wanted]
    else:
        releases = sorted(
            (os.path.basename(p) for p in glob.glob(f'/lib/modules/{series}.*-amd64')),
            key=lambda r: [(0, int(x), '') if x.isdigit() else (1, 0, x)
                           for x in re.split(r'[.+-]', r)])
    for rel in reversed(releases):
        if os.path.exists(f'/boot/vmlinuz-{rel}') and os.path.exists(f'/lib/modules/{rel}/modules.dep'):
            return rel
    raise KernelError(f'no Debian {series} kernel: need /boot/vmlinuz-{series}.*-amd64 and its '
                      f'/lib/modules (apt-get install {SERIES[series]})')


def cache_dir():
    """/var/cache/fpq, or a per-user cache when that is not writable."""
    for d in (os.environ.get('FPQ_CACHE'), '/var/cache/fpq',
              os.path.join(os.environ.get('XDG_CACHE_HOME', os.path.expanduser('~/.cache')), 'fpq')):
        if not d:
            continue
        try:
            os.makedirs(d, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            pass
    raise KernelError('no writable cache directory (set FPQ_CACHE)')


# Compressed-payload signatures inside a bzImage, with the tool that inflates each.
_PAYLOADS = [
    (b'\xfd7zXZ\x00', ['xz', '-dc']),
    (b'\x28\xb5\x2f\xfd', ['zstd', '-dc']),
    (b'\x1f\x8b\x08', ['gzip', '-dc']),
    (b'\x5d\x00\x00\x00', ['xz', '--format=lzma', '-dc']),
    (b'\x02\x21\x4c\x18', ['lz4', '-dc']),
    (b'BZh', ['bzip2', '-dc']),
]


def _inflate(image, offset, tool):
    """Inflate the payload at @offset; the trailing bzImage bytes make tools complain,
    so success is judged by the result being an x86-64 ELF image, not the exit code."""
    try:
        proc = subprocess.run(tool, input=image[offset:], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=False)
    except FileNotFoundError:
        return None
    out = proc.stdout
    if len(out) > 1 << 20 and out[:4] == b'\x7fELF' and out[4] == 2 and out[18] == 0x3e:
        return out
    return None


def extract_vmlinux(vmlinuz):
    image = open(vmlinuz, 'rb').read()
    for magic, tool in _PAYLOADS:
        start = 0
        while True:
            off = image.find(magic, start)
            if off < 0:
                break
            out = _inflate(image, off, tool)
            if out:
                return out
            start = off + 1
    raise KernelError(f'{vmlinuz}: no compressed ELF payload found')


def vmlinux(release, log=print):
    """Path of the cached uncompressed vmlinux of @release, extracting it if needed."""
    vmlinuz = f'/boot/vmlinuz-{release}'
    h = hashlib.sha256(open(vmlinuz, 'rb').read()).hexdigest()[:16]
    d = os.path.join(cache_dir(), f'vmlinux-{release}-{h}')
    path = os.path.join(d, 'vmlinux')
    if os.path.exists(path):
        return path
    log(f'fpq-vm: extracting vmlinux from {vmlinuz} into {d} (once)')
    os.makedirs(d, exist_ok=True)
    data = extract_vmlinux(vmlinuz)
    fd, tmp = tempfile.mkstemp(dir=d)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os.rename(tmp, path)
    return path


def module_name(path):
    base = os.path.basename(path)
    base = re.sub(r'\.ko(\.(xz|zst|gz))?$', '', base)
    return base.replace('-', '_')


class ModuleTree:
    """modules.dep of one release: name -> (path, [dependency names])."""

    def __init__(self, release):
        self.root = f'/lib/modules/{release}'
        self.mods = {}
        with open(os.path.join(self.root, 'modules.dep')) as f:
            for line in f:
                if ':' not in line:
                    continue
                path, deps = line.split(':', 1)
                self.mods[module_name(path)] = (path, [module_name(d) for d in deps.split()])
        self.builtin = set()
        try:
            with open(os.path.join(self.root, 'modules.builtin')) as f:
                self.builtin = {module_name(line.strip()) for line in f if line.strip()}
        except OSError:
            pass

    def path(self, name):
        return os.path.join(self.root, self.mods[name][0])

    def load_order(self, names):
        """@names and everything they need, each after its dependencies."""
        order, seen = [], set()

        def visit(n, chain):
            n = n.replace('-', '_')
            if n in seen or n in self.builtin:
                return
            if n not in self.mods:
                raise KernelError(f'module {n} (needed by {" <- ".join(chain) or "request"}) '
                                  f'is not in {self.root}/modules.dep')
            seen.add(n)
            for d in self.mods[n][1]:
                visit(d, [n] + chain)
            order.append(n)

        for n in names:
            visit(n, [])
        return order


def depends_of(ko):
    """The modules an out-of-tree .ko needs (its modinfo 'depends')."""
    out = subprocess.run(['modinfo', '-F', 'depends', ko], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, check=False)
    if out.returncode != 0:
        raise KernelError(f'modinfo {ko}: {out.stderr.strip()}')
    return [d for d in out.stdout.strip().split(',') if d]


def vermagic_of(ko):
    out = subprocess.run(['modinfo', '-F', 'vermagic', ko], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, check=False)
    return out.stdout.split()[0] if out.stdout.strip() else ''
