"""Sign-in time on a demo database with the real argon2 cost (no CSPDESK_FAST_KDF).

    cspdesk demo --db /tmp/demo.db && python scripts/bench_sign_in.py /tmp/demo.db
"""
import statistics, sys, time
from cspdesk.services.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.workspace import close_workspace

db = sys.argv[1]
times, cpu = [], []
for _ in range(7):
    t, c = time.perf_counter(), time.process_time()
    ctx = sign_in(db, "admin", DEMO_PASSWORD)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
    close_workspace(ctx)
print(f"sign-in: wall median {statistics.median(times):.3f} s (min {min(times):.3f}), "
      f"CPU median {statistics.median(cpu):.3f} s, over {len(times)}")
