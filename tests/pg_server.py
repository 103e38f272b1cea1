"""A real PostgreSQL server for the shared-ledger tests, on a temporary data directory.

Debian's ``postgresql`` package (``make install-test`` installs it) puts ``initdb`` and
``pg_ctl`` in ``/usr/lib/postgresql/<major>/bin``. PostgreSQL refuses to run as root, so
as root the server runs as the ``postgres`` user (``runuser -u postgres --``). It listens
on a free loopback port only, with password (SCRAM) authentication, and is stopped and its
data directory removed at the end. Without the binaries the tests are skipped, except in CI
(``CI`` set), where a missing server is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .support import free_port

USER, PASSWORD = "assistant", "ledger-secret"


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major)
    return Path(found[-1]).parent if found else None


def _major(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def require_pg_bin() -> Path:
    """The bin folder, or skip (fail in CI) with the reason."""
    found = pg_bin()
    if found is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql; make install-test)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the shared-ledger tests")
        pytest.skip(reason)
    return found


def _as_postgres(command: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (the server refuses root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    """initdb + pg_ctl on a temporary folder; ``url(db)`` gives a database's URL."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            _as_postgres(list(command)), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            log = (
                (self.root / "server.log").read_text()
                if (self.root / "server.log").exists()
                else ""
            )
            raise RuntimeError(f"{command[0]} failed: {done.stderr}{done.stdout}\n{log[-2000:]}")

    def start(self) -> None:
        """initdb (first time), then start the server and wait until it accepts connections."""
        if not self.data.exists():
            password_file = self.root / "password"
            password_file.write_text(PASSWORD)
            if os.geteuid() == 0:
                shutil.chown(password_file, "postgres", "postgres")
            self._run(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                USER,
                "-E",
                "UTF8",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
            )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown) and wait for it."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        """The URL of ``database`` on this server."""
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"ledger_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started server, stopped and removed afterwards."""
    server = PostgresServer(require_pg_bin())
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(server.root, ignore_errors=True)
