# SPDX-License-Identifier: MIT
"""The guest's initramfs: an uncompressed newc cpio archive written directly (no root
needed for device nodes), holding busybox, the kernel modules, the programs to run with
the shared libraries they need, and /init.
"""

import os
import re
import stat
import subprocess


class InitramfsError(Exception):
    pass


class Cpio:
    """A newc ("070701") archive built in memory."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 1
        self.names = set()

    def _entry(self, name, mode, data=b'', rdev=(0, 0)):
        name = name.lstrip('/')
        if name in self.names:
            return
        self.names.add(name)
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        self.ino += 1
        hdr = b'070701' + b''.join(b'%08X' % f for f in fields)
        self.out += hdr + name.encode() + b'\0'
        self.out += b'\0' * (-len(self.out) % 4)
        self.out += data
        self.out += b'\0' * (-len(self.out) % 4)

    def dirs_for(self, path):
        parts = path.strip('/').split('/')[:-1]
        for i in range(1, len(parts) + 1):
            self._entry('/'.join(parts[:i]), stat.S_IFDIR | 0o755)

    def dir(self, name):
        # The kernel unpacks in order and creates no missing parent: parents first.
        self.dirs_for(name)
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self.dirs_for(name)
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self.dirs_for(name)
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor):
        self.dirs_for(name)
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def host_file(self, name, src, mode=None):
        with open(src, 'rb') as f:
            data = f.read()
        if mode is None:
            mode = 0o755 if os.access(src, os.X_OK) else 0o644
        self.file(name, data, mode)

    def finish(self):
        self._entry('TRAILER!!!', 0)
        return bytes(self.out)


_LDD_LINE = re.compile(r'^\s*(?:(\S+)\s+=>\s+)?(/\S+)\s+\(0x[0-9a-f]+\)')


def shared_libraries(binary):
    """Absolute paths of the shared libraries @binary loads (the dynamic loader too)."""
    proc = subprocess.run(['ldd', binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    if 'not a dynamic executable' in proc.stdout or 'statically linked' in proc.stdout:
        return []
    if proc.returncode != 0:
        raise InitramfsError(f'ldd {binary}: {proc.stdout.strip()}')
    libs = []
    for line in proc.stdout.splitlines():
        if 'not found' in line:
            raise InitramfsError(f'{binary}: {line.strip()}')
        m = _LDD_LINE.match(line)
        if m:
            libs.append(m.group(2))
    return libs


def add_program(cpio, src, dest):
    """@src at @dest, with every shared library at the path the loader looks for it."""
    cpio.host_file(dest, src, 0o755)
    for lib in shared_libraries(src):
        cpio.host_file(lib, os.path.realpath(lib), 0o755)


def add_module(cpio, src, dest):
    """A kernel module, decompressed if the tree ships it compressed."""
    tools = {'.xz': ['xz', '-dc'], '.zst': ['zstd', '-dc'], '.gz': ['gzip', '-dc']}
    ext = os.path.splitext(src)[1]
    if ext in tools:
        data = subprocess.run(tools[ext] + [src], stdout=subprocess.PIPE, check=True).stdout
    else:
        data = open(src, 'rb').read()
    cpio.file(dest, data, 0o644)
