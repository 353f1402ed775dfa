#!/usr/bin/env python3
"""thread-report.py SAMPLES: per-thread switches per reactor wake-up (≈ per keystroke) while ours types and the peers are idle."""
import json, sys, re
rows = [json.loads(l) for l in open(sys.argv[1])]
agg, wakes, secs = {}, 0, 0.0
for a, b in zip(rows, rows[1:]):
    sa, sb = a['s'], b['s']
    d = {k: (v[0], v[1] - sa[k][1], v[2] - sa[k][2], v[3] - sa[k][3]) for k, v in sb.items() if k in sa}
    node_cpu = sum(x[3] for k, x in d.items() if k.startswith('node'))
    reactor = sum(x[1] for k, x in d.items() if x[0] == 'Terminal reacto')
    if node_cpu == 0 and 10 <= reactor <= 600:
        wakes += reactor; secs += b['t'] - a['t']
        for k, (comm, v, n, cpu) in d.items():
            if k.startswith('node'): continue
            key = (k.split(':')[0], re.sub(r'[ #]?\d+$', '', comm))
            e = agg.setdefault(key, [0, 0, 0]); e[0] += v; e[1] += n; e[2] += cpu
print(f'windows: {secs:.1f} s, reactor wake-ups (≈ keystrokes): {wakes}')
tot = [0, 0, 0]
for (tag, name), (v, n, cpu) in sorted(agg.items(), key=lambda x: -(x[1][0] + x[1][1])):
    if v + n == 0: continue
    tot = [tot[0] + v, tot[1] + n, tot[2] + cpu]
    print(f'{tag:6} {name:24} voluntary {v / wakes:6.2f}  involuntary {n / wakes:6.2f}  cpu {cpu * 10000 / wakes:6.0f} µs')
print(f'total  voluntary {tot[0] / wakes:.2f} involuntary {tot[1] / wakes:.2f} cpu {tot[2] * 10000 / wakes:.0f} µs')
