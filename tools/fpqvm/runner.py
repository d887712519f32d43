# SPDX-License-Identifier: MIT
"""Runs one VM: the card process and QEMU on two socketpairs, watched until the guest
powers off, hangs (timeout --kill-after), or the card process dies; then the results
channel is parsed into per-command output and exit status, and the kernel log checked.
"""

import codecs
import os
import re
import signal
import socket
import subprocess
import time

# Kernel log lines that fail a run: oopses, warnings, lockups, sanitizer and checker
# reports (KFENCE, SLUB debugging's "BUG <cache> (...): Redzone overwritten" and kin,
# page poisoning, refcount, lockdep, hung tasks).
BAD_KERNEL_LOG = re.compile(
    r'\bOops\b|\bBUG:|kernel BUG at|WARNING:|Kernel panic|general protection fault|'
    r'Call Trace:|UBSAN:|KASAN:|KFENCE:|soft lockup|hard LOCKUP|rcu: INFO|'
    r'rcu_sched detected|blocked for more than|refcount_t:|list_(add|del) corruption|'
    r'cut here|\bBUG [^ ]+ \(|Redzone|Poison overwritten|Object padding|'
    r'Freepointer corrupt|Object already free|pagealloc: memory corruption|'
    r'possible (circular|recursive) locking|lockdep|Memory manager not clean')

# Taint flags that mean something went wrong (O and E, out-of-tree and unsigned
# modules, are expected): D died (oops), W warning, L soft lockup, B bad page.
BAD_TAINT = {7: 'D (oops)', 9: 'W (warning)', 14: 'L (soft lockup)', 5: 'B (bad page)'}

MARK = re.compile(r'@@FPQ (BOOT|BEGIN|END|TAINT|DMESG|DONE)\b ?([^\n]*)\n')


class Command:
    def __init__(self, name, text):
        self.name = name
        self.text = text
        self.rc = None
        self.output = ''
        self.seconds = None


class Run:
    def __init__(self):
        self.commands = []
        self.errors = []     # VM-level failures (hang, card crash, oops, no DONE)
        self.dmesg = ''
        self.taint = None
        self.times = {}      # host seconds since QEMU started, by marker
        self.guest_boot = None
        self.qemu_status = None
        self.card_status = None


class ResultsText:
    """The results channel as text, read in chunks: the guest's tty turns each newline
    into CR LF, and a chunk may end between the CR and the LF (or inside a UTF-8
    character), so both are carried over to the next chunk."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder('utf-8')('replace')
        self.cr = False

    def feed(self, chunk, final=False):
        text = ('\r' if self.cr else '') + self.decoder.decode(chunk, final)
        self.cr = not final and text.endswith('\r')
        if self.cr:
            text = text[:-1]
        return text.replace('\r\n', '\n')


def qemu_command(cfg, vmlinux, initrd, console, results, proxy_fd, irq_fd, irq_lines):
    mem = cfg.memory
    cmdline = ('console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off nokaslr '
               'tsc=reliable no_timer_check rdinit=/init ' + ' '.join(cfg.checkers) + ' ' +
               cfg.append).strip()
    args = ['qemu-system-x86_64', '-accel', 'tcg', '-smp', '1', '-m', f'{mem}M',
            '-object', f'memory-backend-memfd,id=mem0,size={mem}M,share=on',
            '-machine', 'pc,memory-backend=mem0', '-nodefaults', '-display', 'none',
            '-no-reboot', '-kernel', vmlinux, '-initrd', initrd, '-append', cmdline]
    if cfg.shell:
        args += ['-serial', 'mon:stdio', '-serial', f'file:{results}']
    else:
        args += ['-serial', f'file:{console}', '-serial', f'file:{results}']
    if proxy_fd is not None:
        args += ['-device', f'x-pci-proxy-dev,id=fpq0,fd={proxy_fd}']
    if irq_fd is not None and irq_lines:
        args += ['-chardev', f'socket,id=irq0,fd={irq_fd}',
                 '-device', f'ivshmem-doorbell,chardev=irq0,vectors={irq_lines}']
    return args


def describe_card(card):
    out = subprocess.run([card, '--describe'], stdout=subprocess.PIPE, text=True, check=True).stdout
    return dict(line.split('=', 1) for line in out.splitlines() if '=' in line)


def _status_text(code):
    if code is None:
        return 'still running'
    if code < 0:
        return f'killed by signal {signal.Signals(-code).name}'
    return f'exit status {code}'


def run_vm(cfg, vmlinux, initrd, command_names, log):
    """Boot, watch, collect. @command_names: [(name, text)] in the order they run."""
    run = Run()
    run.commands = [Command(n, t) for n, t in command_names]
    os.makedirs(cfg.log_dir, exist_ok=True)
    console = os.path.join(cfg.log_dir, 'console.log')
    results = os.path.join(cfg.log_dir, 'results.log')
    card_log = os.path.join(cfg.log_dir, 'card.log')
    qemu_log = os.path.join(cfg.log_dir, 'qemu.log')
    for p in (console, results):
        open(p, 'w').close()

    card = None
    proxy_q = irq_q = None
    irq_lines = 0
    if cfg.card:
        info = describe_card(cfg.card)
        irq_lines = int(info.get('irq_lines', '0'))
        log(f'fpq-vm: card process {cfg.card}: {info.get("name")}, PCI {info.get("pci_id")}, '
            f'{irq_lines} interrupt line(s)')
        proxy_q, proxy_c = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        irq_q, irq_c = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        argv = [cfg.card, '--proxy-fd', str(proxy_c.fileno()), '--irq-fd', str(irq_c.fileno())]
        if cfg.trace:
            argv += ['--trace', cfg.trace]
        argv += cfg.card_args
        with open(card_log, 'w') as out:
            card = subprocess.Popen(argv, pass_fds=(proxy_c.fileno(), irq_c.fileno()),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        proxy_c.close()
        irq_c.close()

    qargs = qemu_command(cfg, vmlinux, initrd, console, results,
                         proxy_q.fileno() if proxy_q else None,
                         irq_q.fileno() if irq_q else None, irq_lines)
    argv = ['timeout', '--kill-after=10', str(int(cfg.timeout))] + qargs
    fds = tuple(s.fileno() for s in (proxy_q, irq_q) if s)
    t0 = time.monotonic()
    if cfg.shell:
        qemu = subprocess.Popen(argv, pass_fds=fds)
    else:
        with open(qemu_log, 'w') as out:
            qemu = subprocess.Popen(argv, pass_fds=fds, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT)
    for s in (proxy_q, irq_q):
        if s:
            s.close()

    text = ''
    seen = 0
    results_text = ResultsText()
    with open(results, 'rb') as rf:
        while True:
            chunk = rf.read()
            if chunk:
                text += results_text.feed(chunk)
                now = time.monotonic() - t0
                for m in MARK.finditer(text, seen):
                    key = m.group(1) + (' ' + m.group(2).split()[0] if m.group(1) in ('BEGIN', 'END') else '')
                    run.times.setdefault(key, now)
                    seen = m.end()
            q = qemu.poll()
            if q is not None:
                break
            if card is not None and card.poll() is not None:
                run.errors.append(f'card process ended while the VM ran ({_status_text(card.returncode)}); '
                                  f'see {card_log}')
                qemu.terminate()
                try:
                    qemu.wait(15)
                except subprocess.TimeoutExpired:
                    qemu.kill()
                    qemu.wait()
                break
            time.sleep(0.02)
        text += results_text.feed(rf.read(), final=True)
    run.times['QEMU EXIT'] = time.monotonic() - t0
    run.qemu_status = qemu.returncode

    if card is not None:
        try:
            card.wait(10)
        except subprocess.TimeoutExpired:
            run.errors.append('card process still running 10 s after QEMU exited: killed')
            card.kill()
            card.wait()
        run.card_status = card.returncode
        if card.returncode != 0 and not any('card process ended' in e for e in run.errors):
            run.errors.append(f'card process {_status_text(card.returncode)}; see {card_log}')

    if run.qemu_status in (124, 137, -9):
        run.errors.append(f'VM hung: timeout after {cfg.timeout:g} s (QEMU killed); '
                          f'see {console}')
    elif run.qemu_status not in (0, None) and not run.errors:
        run.errors.append(f'QEMU {_status_text(run.qemu_status)}; see {qemu_log}')
    if not cfg.shell:
        parse_results(run, text)
        check_kernel(run, console)
    return run


def parse_results(run, text):
    by_name = {c.name: c for c in run.commands}
    m = re.search(r'@@FPQ BOOT (\S+)', text)
    if m:
        run.guest_boot = float(m.group(1))
    for m in re.finditer(r'@@FPQ BEGIN (\S+) (\S+)\n(.*?)\n?@@FPQ END \1 (-?\d+) (\S+)\n', text, re.S):
        c = by_name.get(m.group(1))
        if c:
            c.output = m.group(3)
            c.rc = int(m.group(4))
            c.seconds = float(m.group(5)) - float(m.group(2))
    # A command that began but never ended: the VM died or hung inside it.
    for m in re.finditer(r'@@FPQ BEGIN (\S+) \S+\n', text):
        c = by_name.get(m.group(1))
        if c and c.rc is None:
            c.output = text[m.end():].split('@@FPQ', 1)[0]
    m = re.search(r'@@FPQ TAINT (\d+)', text)
    if m:
        run.taint = int(m.group(1))
    m = re.search(r'@@FPQ DMESG\n(.*?)@@FPQ DONE', text, re.S)
    if m:
        run.dmesg = m.group(1)
    if '@@FPQ DONE' not in text and not run.errors:
        run.errors.append('the guest never finished its command list')


def check_kernel(run, console):
    try:
        console_text = open(console, errors='replace').read()
    except OSError:
        console_text = ''
    bad = [line for line in (run.dmesg + '\n' + console_text).splitlines()
           if BAD_KERNEL_LOG.search(line)]
    if bad:
        seen, lines = set(), []
        for b in bad:
            if b not in seen:
                seen.add(b)
                lines.append(b)
        run.errors.append('kernel log reports a problem:\n    ' + '\n    '.join(lines[:20]))
    if run.taint is not None:
        flags = [name for bit, name in sorted(BAD_TAINT.items()) if run.taint & (1 << bit)]
        if flags:
            run.errors.append(f'kernel tainted {run.taint}: ' + ', '.join(flags))
