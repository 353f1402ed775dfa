#!/usr/bin/env python3
"""thread-sampler.py ROOTPID OUT: every 0.5 s, per-thread switches/CPU of the web app and agents under ROOTPID, as JSON lines."""
import os, sys, time, json, re
root, out = int(sys.argv[1]), open(sys.argv[2], 'w')
def children(p):
    r = []
    try:
        for t in os.listdir(f'/proc/{p}/task'):
            for c in open(f'/proc/{p}/task/{t}/children').read().split():
                r.append(int(c)); r += children(int(c))
    except Exception: pass
    return r
while os.path.exists(f'/proc/{root}'):
    snap = {}
    for p in children(root):
        try: cmd = open(f'/proc/{p}/cmdline','rb').read().replace(b'\0',b' ').decode()
        except Exception: continue
        tag = 'web' if 'Workspaces.Web.dll' in cmd else 'agent' if 'WorkspaceAgent' in cmd else 'node' if 'server.js' in cmd else None
        if not tag: continue
        for t in os.listdir(f'/proc/{p}/task'):
            try:
                comm = open(f'/proc/{p}/task/{t}/comm').read().strip()
                st = open(f'/proc/{p}/task/{t}/status').read()
                stat = open(f'/proc/{p}/task/{t}/stat').read().rsplit(')',1)[1].split()
            except Exception: continue
            v = int(re.search(r'\nvoluntary_ctxt_switches:\s+(\d+)', st).group(1)); n = int(re.search(r'nonvoluntary_ctxt_switches:\s+(\d+)', st).group(1))
            snap[f'{tag}:{p}:{t}'] = [comm, v, n, int(stat[11]) + int(stat[12])]
    out.write(json.dumps({'t': time.time(), 's': snap}) + '\n'); out.flush()
    time.sleep(0.5)
