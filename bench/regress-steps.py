#!/usr/bin/env python3
"""bench/regress-steps.py SIDE=FILE...: the wall-clock steps of traced
`berth run --rm IMG true` runs (strace -f -tt, the syscalls bench/regress
STEPS traces), median per side. Each FILE is one run; SIDE names its side.

The steps are cut at syscalls every version makes: the CLI's execve, its
first mkdir of the store root, the clone() of the monitor (when there is
one) and of the container (CLONE_NEWNS), the container's successful
execve and its exit_group, the wait4 that reaps it, the CLI's exit_group.
"""
import re
import statistics
import sys

LINE = re.compile(r'^(\d+)\s+(\d+):(\d+):(\d+\.\d+)\s+(.*)$')
STEPS = [
    'CLI start (exec, dynamic loading, main)',
    'create (record, names, spec)',
    'monitor: fork to clone() of the container',
    'container: clone() to exec of the command',
    'the command runs',
    'exit: exit_group to reaped',
    'cleanup: reaped to the CLI exit',
    'total',
]


def events(path):
    ev = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                t = int(m[2]) * 3600 + int(m[3]) * 60 + float(m[4])
                ev.append((int(m[1]), t, m[5]))
    return ev


def first(ev, pred, after=0.0):
    for p, t, r in ev:
        if t >= after and pred(p, r):
            return t, r
    raise ValueError('marker missing')


def cloned(r):
    return int(re.search(r'= (\d+)', r)[1])


def steps(path):
    ev = events(path)
    cli, t0 = ev[0][0], ev[0][1]
    t_store, _ = first(ev, lambda p, r: p == cli and r.startswith('mkdir('))
    t_clone1, r1 = first(ev, lambda p, r: p == cli and r.startswith('clone('))
    if 'CLONE_NEWNS' in r1:  # no monitor: the CLI is the container's parent
        waiter, t_mon, t_ctr, rc = cli, None, t_clone1, r1
    else:
        waiter, t_mon = cloned(r1), t_clone1
        t_ctr, rc = first(ev, lambda p, r: p == waiter and r.startswith('clone(') and
                          'CLONE_NEWNS' in r)
    ctr = cloned(rc)
    t_exec, _ = first(ev, lambda p, r: p == ctr and (r.endswith('execve resumed>) = 0') or (
        r.startswith('execve(') and r.endswith(') = 0'))))
    t_exit, _ = first(ev, lambda p, r: p == ctr and r.startswith('exit_group'))
    t_reap, _ = first(ev, lambda p, r: p == waiter and 'wait4' in r and
                      r.rstrip().endswith('= %d' % ctr), t_exit)
    t_end, _ = first(ev, lambda p, r: p == cli and r.startswith('exit_group'), t_reap)
    cuts = [t0, t_store, t_mon or t_ctr, t_ctr, t_exec, t_exit, t_reap, t_end]
    d = [(b - a) * 1000 for a, b in zip(cuts, cuts[1:])]
    return d + [(t_end - t0) * 1000]


def main():
    runs = {}
    for arg in sys.argv[1:]:
        side, path = arg.split('=', 1)
        try:
            runs.setdefault(side, []).append(steps(path))
        except (ValueError, IndexError, TypeError):
            print(f'bench/regress-steps: {path}: a step marker is missing; run left out',
                  file=sys.stderr)
    sides = list(runs)
    print(f"{'step (median ms)':44}" + ''.join(f'{s:>10}' for s in sides))
    for i, name in enumerate(STEPS):
        print(f'{name:44}' + ''.join(
            f'{statistics.median(r[i] for r in runs[s]):10.2f}' for s in sides))
    print('runs: ' + ', '.join(f'{s} {len(runs[s])}' for s in sides))


if __name__ == '__main__':
    main()
