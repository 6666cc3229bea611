"""A real PostgreSQL server for the tests, started by the tests' own setup.

``CSPDESK_TEST_PG_URL`` points at a server someone else started; otherwise we start one with
initdb/pg_ctl in a temporary folder on a loopback port (as the ``nobody`` user when we are root:
PostgreSQL refuses to run as root). Without PostgreSQL installed the tests that need it are
skipped — unless ``CSPDESK_REQUIRE_PG=1`` (CI), when they fail instead.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _pg_bin(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresUnavailable(Exception):
    pass


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throwaway server in a new temporary folder; yield its SQLAlchemy URL; stop it and
    remove the folder afterwards. (Not under pytest's tmp_path: its parents are private to root,
    and the server runs as another user.)"""
    url = os.environ.get("CSPDESK_TEST_PG_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresUnavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "nobody", "--"]
    base = Path(tempfile.mkdtemp(prefix="cspdesk-pg-"))
    data = base / "pgdata"
    pwfile = base / "pw"
    password = secrets.token_hex(12)
    pwfile.write_text(password)
    if as_user:
        shutil.chown(base, "nobody")
        shutil.chown(pwfile, "nobody")
    port = _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True)  # noqa: E731
    try:
        init = [initdb, "-D", str(data), "-U", "app", "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8"]
        try:
            # A UK server's collation (ICU en-GB), not the C locale's byte order: sorting and
            # comparing text behave here as they would on the partnership's real server, so a
            # service that only works under byte order fails its test.
            run(*init, "--locale-provider=icu", "--icu-locale=en-GB", "--locale=C.UTF-8")
        except subprocess.CalledProcessError:  # a build without ICU
            shutil.rmtree(data, ignore_errors=True)
            run(*init)
        run(
            pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w",
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off", "start",
        )
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"PostgreSQL did not start: {exc.stderr.strip()[-400:]}") from None
    try:
        yield f"postgresql+psycopg://app:{password}@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
