"""A throwaway PostgreSQL server for local clusters, tests and benchmarks.

It runs Debian's ``postgresql`` binaries (``initdb`` and ``pg_ctl`` from
``/usr/lib/postgresql/<version>/bin``) on a data directory of its own and a free loopback port,
and never touches a server it did not start. PostgreSQL refuses to run as root, so under root
the server runs as the ``postgres`` system user the package creates.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from yabot.ports import free_port

BIN_ROOT = Path("/usr/lib/postgresql")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries are installed (Debian package ``postgresql``)."""


def find_bin_dir() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory.

    Raises:
        PostgresUnavailable: ``initdb`` is not installed.
    """
    candidates = sorted(
        (p for p in BIN_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise PostgresUnavailable(
            f"no initdb under {BIN_ROOT}/*/bin: install Debian's postgresql package"
        )
    return candidates[-1]


class LocalPostgres:
    """Starts and stops a private PostgreSQL in ``directory`` on ``port``.

    Args:
        directory: Holds the data directory and the server's socket; a temporary directory
            (removed on :meth:`stop`) when None.
        port: A free loopback port when None.
        durable: False turns off fsync and synchronous commit (tests that never crash the
            host); benchmarks keep the defaults so they compare like with like.
    """

    def __init__(
        self, directory: Path | None = None, port: int | None = None, *, durable: bool = True
    ) -> None:
        self._owns_directory = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="yabot-pg-"))
        self.port = port or free_port()
        self.durable = durable
        self.bin_dir = find_bin_dir()
        self.user = "yabot"
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def dsn(self) -> str:
        """A libpq connection string for the server's superuser ``yabot``."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def _command(self, *args: str) -> list[str]:
        if self._run_as is None:
            return list(args)
        return ["runuser", "-u", self._run_as, "--", *args]

    def _chown(self) -> None:
        if self._run_as is None:
            return
        entry = pwd.getpwnam(self._run_as)
        os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        for path in self.directory.rglob("*"):
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self, timeout_s: float = 30.0) -> LocalPostgres:
        """Initialise the data directory if needed, start the server and wait for it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        self._chown()
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                self._command(
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-A",
                    "trust",
                    "-U",
                    self.user,
                    "-E",
                    "UTF8",
                    "--no-sync",
                ),
                check=True,
                capture_output=True,
            )
        options = [
            f"-p {self.port}",
            f"-k {self.directory}",
            "-c listen_addresses=127.0.0.1",
            "-c max_connections=200",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        subprocess.run(
            self._command(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-o",
                " ".join(options),
                "-l",
                str(self.directory / "server.log"),
                "-w",
                "-t",
                str(int(timeout_s)),
                "start",
            ),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + timeout_s
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL did not listen on {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove a temporary directory."""
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                self._command(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "stop"
                ),
                capture_output=True,
                check=False,
            )
        if self._owns_directory:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.directory)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
