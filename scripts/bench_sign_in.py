"""Sign-in time at the production argon2 cost on a small demo database (issue 22: "sign-in still
<= 1 s with the signing keys"). Prints the median of a few sign-ins per account and, beside it,
one argon2id derivation alone measured at the same moment, so a figure taken on a busy machine can
be read in units of argon2 (sign-in costs two derivations: the keyring's and the signing key's).

    .venv/bin/python scripts/bench_sign_in.py /tmp/signin-bench/demo.db
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from cspdesk.services.access.auth import DEMO_PASSWORD, create_demo_database, sign_in
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.keyring import KdfParams, _derive


def main(db: Path, runs: int = 3) -> None:
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        created, _ = create_demo_database(db, password=DEMO_PASSWORD)
        close_workspace(created.ctx)
        for user in ("admin", "viewer"):  # a first sign-in may make the account's key
            close_workspace(sign_in(db, user, DEMO_PASSWORD))
    for user in ("admin", "viewer"):
        signs, kdf = [], []
        for _ in range(runs):
            start = time.perf_counter()
            _derive(DEMO_PASSWORD, b"s" * 16, KdfParams())
            kdf.append(time.perf_counter() - start)
            start = time.perf_counter()
            ctx = sign_in(db, user, DEMO_PASSWORD)
            signs.append(time.perf_counter() - start)
            close_workspace(ctx)
        s, k = statistics.median(signs), statistics.median(kdf)
        print(f"{user:8s} sign-in {s:.3f} s (median of {runs}); one argon2id {k:.3f} s; sign-in = {s / k:.2f} x argon2id")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
