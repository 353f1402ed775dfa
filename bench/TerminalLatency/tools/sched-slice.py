#!/usr/bin/env python3
"""Set the EEVDF requested slice (sched_attr.sched_runtime, Linux >= 6.12) of every thread of the given pids and show
it: sched-slice.py NS PID... (NS=0: the default; NS=-1: only show)."""
import ctypes, os, sys, struct
libc = ctypes.CDLL(None, use_errno=True)
SYS_sched_setattr, SYS_sched_getattr = 314, 315
def setattr_(tid, ns):
    # struct sched_attr: size u32, policy u32, flags u64, nice s32, priority u32, runtime u64, deadline u64, period u64, util_min u32, util_max u32
    buf = ctypes.create_string_buffer(struct.pack('IIQiIQQQII', 56, 0, 0, 0, 0, ns, 0, 0, 0, 0), 56)
    if libc.syscall(SYS_sched_setattr, tid, buf, 0) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
def getattr_(tid):
    buf = ctypes.create_string_buffer(56)
    if libc.syscall(SYS_sched_getattr, tid, buf, 56, 0) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return struct.unpack('IIQiIQQQII', buf.raw)
ns = int(sys.argv[1])
for pid in sys.argv[2:]:
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            if ns >= 0: setattr_(int(tid), ns)
            print(pid, tid, getattr_(int(tid))[5])
        except OSError as e:
            print(pid, tid, 'error', e)
