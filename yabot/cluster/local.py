"""A local cluster on one machine: for trying cluster mode, the chaos test and the benchmarks.

``LocalCluster`` starts, each as a process of its own and on free loopback ports:

- a throwaway PostgreSQL (:class:`~yabot.cluster.local_postgres.LocalPostgres`, never the
  machine's shared server) holding the shared stores and the shard leases;
- a Redis of its own (never the shared one at 6379) for the events;
- the Telegram emulator;
- N YABOT instances (``yabot run`` in webhook mode, each with its admin API on its own port);
- the round-robin front (:mod:`yabot.cluster.front`) every webhook post goes through: the URL
  the instances register with the emulator.

Cluster mode (``[cluster] enabled``, ``storage.backend = "postgres"``) is used when this build
has it (``Settings`` has a ``cluster`` section). A build without it gets N embedded instances,
each on its own SQLite files, behind a front that routes by chat (``sticky``): they share no
player, and failover is then restarting the instance -- the fallback only lets the tools be
tried before cluster mode exists, and says so.

Stop everything with :meth:`LocalCluster.stop` (or use it as a context manager).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from yabot.cluster.local_postgres import LocalPostgres
from yabot.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000005:yabot-local-cluster-token"
SECRET = "local-cluster-secret_1"
SERVICE_TOKEN = "local-cluster-service-token-0123456789"
ENCRYPTION_KEY = "x2VnH0rC2O3u8xRk5i8gqJ2s0yRkq3b8T2v3M6G8f9E="
EVENTS_STREAM = "yabot:events"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cluster_mode_available() -> bool:
    """Whether this build of YABOT has cluster mode (a ``[cluster]`` settings section)."""
    from yabot.config import Settings

    return "cluster" in Settings.model_fields


def process_cpu_seconds(pid: int, *, reaped_children: bool = True) -> float:
    """User + system CPU seconds of ``pid`` from ``/proc/<pid>/stat``.

    With ``reaped_children``, the CPU of its children that have exited and been waited for
    (``cutime``/``cstime``) counts too: PostgreSQL's backends end with their connections.
    """
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from ``/proc/<pid>/task/*/children``)."""
    out: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    out.append(int(child))
                    stack.append(int(child))
    return out


def tree_cpu_seconds(pids: Iterable[int]) -> float:
    """CPU seconds of each process in ``pids`` and of all their descendants, dead or alive."""
    total = 0.0
    for pid in pids:
        total += process_cpu_seconds(pid)
        total += sum(process_cpu_seconds(c) for c in descendants(pid))
    return total


class PrivateRedis:
    """A ``redis-server`` of its own on a free port, keeping nothing on disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_port(self.port, self.process, "redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s")


@dataclass
class Instance:
    """One YABOT process of the cluster."""

    name: str
    api_port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class LocalCluster:
    """The processes of a local cluster (see the module docstring).

    Args:
        instances: YABOT instances started by :meth:`start`.
        workdir: Holds every file of the cluster; a temporary directory (removed at stop)
            when None.
        lease_timeout_s: ``cluster.lease_timeout_s`` of the instances.
        cluster: Use cluster mode (True), embedded instances (False), or whatever the build
            has (None).
        durable: PostgreSQL with fsync on (benchmarks) or off (tests).
        emulator_module: The emulator's module (``yabot`` runs ``yabot emulator``; the
            benchmarks use ``loadtests.emulator_process`` with its ``/_bench`` routes).
        instance_module: The module the instances run (``yabot`` runs ``yabot run``).
        extra_env: More ``YABOT_*`` settings for every instance (they win over the defaults).
        admin_password: The bootstrap admin's password on every instance (``admin``; random,
            printed by ``scripts/cluster``): the instances run with a bot token, so no local
            admin is made for them otherwise.
        jwt_keys: The one JWT signing key of every instance, so a token works on any member.
    """

    instances: int = 3
    workdir: Path | None = None
    lease_timeout_s: float = 10.0
    cluster: bool | None = None
    durable: bool = False
    emulator_module: str = "yabot"
    instance_module: str = "yabot"
    extra_env: dict[str, str] = field(default_factory=dict)
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(15))
    jwt_keys: str = field(default_factory=lambda: json.dumps({"local": secrets.token_urlsafe(48)}))
    postgres: LocalPostgres | None = None
    redis: PrivateRedis | None = None
    emulator_url: str = ""
    front_url: str = ""
    members: list[Instance] = field(default_factory=list)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _owns_workdir: bool = False

    def __post_init__(self) -> None:
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="yabot-cluster-"))
            self._owns_workdir = True
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.cluster is None:
            self.cluster = cluster_mode_available()

    @property
    def dir(self) -> Path:
        assert self.workdir is not None
        return self.workdir

    @property
    def dsn(self) -> str:
        """The shared database's connection string."""
        assert self.postgres is not None
        return self.postgres.dsn.rsplit("/", 1)[0] + "/yabot"

    @property
    def webhook_url(self) -> str:
        return self.front_url + "/telegram/webhook"

    # -- start and stop -----------------------------------------------------------------

    def start(self) -> LocalCluster:
        """Start the stores, the emulator, the front and the instances; wait until ready."""
        try:
            self.start_stores()
            self.start_emulator()
            self.start_front()
            for _ in range(self.instances):
                self.add_instance(wait=False)
            for member in self.members:
                self.wait_healthy(member)
        except BaseException:
            self.stop()
            raise
        return self

    def start_stores(self) -> None:
        """The private PostgreSQL (with database ``yabot``) and Redis."""
        import psycopg

        # Under root PostgreSQL runs as the ``postgres`` user, which must reach its directory:
        # inside the work dir when every parent lets others through, else a temporary one.
        self.dir.chmod(0o711)
        reachable = all(p.stat().st_mode & 0o001 for p in self.dir.resolve().parents)
        where = self.dir / "postgres" if reachable or os.geteuid() != 0 else None
        self.postgres = LocalPostgres(where, durable=self.durable).start()
        with psycopg.connect(self.postgres.dsn, autocommit=True) as conn:
            conn.execute("CREATE DATABASE yabot")
        self.redis = PrivateRedis(self.dir / "redis").start()

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 - the process owns it
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs[name] = proc
        return proc

    def _base_env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith("YABOT_")}

    def start_emulator(self) -> str:
        """Start the emulator; return its URL."""
        env = self._base_env()
        if self.emulator_module == "yabot":
            port = free_port()
            env["YABOT_STORAGE__DATA_DIR"] = str(self.dir / "emulator")
            args = ["-m", "yabot", "--config", str(ROOT / "config.toml"), "emulator",
                    "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            proc = self._spawn("emulator", args, env)
        else:
            port_file = self.dir / "emulator.port"
            args = ["-m", self.emulator_module, "--port", "0", "--port-file", str(port_file)]
            proc = self._spawn("emulator", args, env)
            port = _read_port_file(proc, port_file, "the emulator")
        _wait_port(port, proc, "the emulator")
        self.emulator_url = f"http://127.0.0.1:{port}"
        return self.emulator_url

    def start_front(self) -> str:
        """Start the front (no instances yet: they are added as they start)."""
        port_file = self.dir / "front.port"
        args = ["-m", "yabot.cluster.front", "--port", "0", "--port-file", str(port_file),
                "--timeout", "5"]  # fmt: skip
        if not self.cluster:
            args.append("--sticky")
        proc = self._spawn("front", args, self._base_env())
        self.front_url = f"http://127.0.0.1:{_read_port_file(proc, port_file, 'the front')}"
        return self.front_url

    def instance_env(self, name: str, api_port: int) -> dict[str, str]:
        """The environment of one instance."""
        assert self.redis is not None
        env = self._base_env()
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "YABOT_TELEGRAM__API_BASE": self.emulator_url,
                "YABOT_TELEGRAM__MODE": "webhook",
                "YABOT_TELEGRAM__WEBHOOK_URL": self.webhook_url,
                "YABOT_TELEGRAM__WEBHOOK_SECRET": SECRET,
                "YABOT_TELEGRAM__CHAT_RATE_PER_S": "1000",
                "YABOT_TELEGRAM__CHAT_BURST": "100",
                "YABOT_TELEGRAM__GLOBAL_RATE_PER_S": "100000",
                "YABOT_TELEGRAM__RETRY_BASE_S": "0.05",
                "YABOT_STORAGE__DATA_DIR": str(self.dir / name),
                "YABOT_STORY__STORIES_DIR": str(ROOT / "stories"),
                "YABOT_API__PORT": str(api_port),
                "YABOT_EVENTS__REDIS_URL": self.redis.url,
                "YABOT_EVENTS__STREAM": EVENTS_STREAM,
                "YABOT_LOGGING__LEVEL": "WARNING",
                "YABOT_SECURITY__ENCRYPTION_KEYS": ENCRYPTION_KEY,
                "YABOT_API__BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
                "YABOT_API__JWT_KEYS": self.jwt_keys,
            }
        )
        if self.cluster:
            env.update(
                {
                    "YABOT_STORAGE__BACKEND": "postgres",
                    "YABOT_STORAGE__POSTGRES_DSN": self.dsn,
                    "YABOT_CLUSTER__ENABLED": "true",
                    "YABOT_CLUSTER__MEMBER_URL": f"http://127.0.0.1:{api_port}",
                    "YABOT_CLUSTER__LEASE_TIMEOUT_S": str(self.lease_timeout_s),
                    # Admin requests are forwarded to a shard's owner with the service token.
                    "YABOT_API__SERVICE_TOKEN": SERVICE_TOKEN,
                }
            )
        env.update(self.extra_env)
        return env

    def sign_in_hint(self) -> str:
        """How to sign in to the instances' admin API and dashboard (for the banner)."""
        return (
            f"sign in as 'admin' with password {self.admin_password} (dashboard: /admin; "
            "a token works on every instance)"
        )

    def add_instance(self, wait: bool = True) -> Instance:
        """Start one more instance and put it behind the front."""
        name = f"yabot{len(self.members) + 1}"
        port = free_port()
        if self.instance_module == "yabot":
            args = ["-m", "yabot", "--config", str(ROOT / "config.toml"), "run"]
        else:
            args = ["-m", self.instance_module]
        proc = self._spawn(name, args, self.instance_env(name, port))
        member = Instance(name, port, proc, self.dir / f"{name}.log")
        self.members.append(member)
        if wait:
            self.wait_healthy(member)
        return member

    def wait_healthy(self, member: Instance, timeout: float = 90) -> None:
        """Wait for the instance's ``/healthz``, then route webhook posts to it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not member.alive():
                tail = member.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{member.name} exited with {member.process.returncode}: {tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(member.url + "/healthz", timeout=1).status_code == 200:
                    self.update_front()
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{member.name} did not become healthy within {timeout} s")

    def update_front(self) -> None:
        """Route to every instance started so far (dead ones are skipped by the front)."""
        urls = [m.url for m in self.members]
        httpx.put(self.front_url + "/_front/backends", json=urls, timeout=5).raise_for_status()

    def stop_instances(self) -> None:
        """Stop every instance (SIGTERM: they flush to the stores; SIGKILL after 30 s)."""
        for member in self.members:
            with contextlib.suppress(ProcessLookupError):
                member.process.send_signal(signal.SIGCONT)
                member.process.send_signal(signal.SIGTERM)
        for member in self.members:
            try:
                member.process.wait(30)
            except subprocess.TimeoutExpired:
                member.process.kill()
                member.process.wait(5)

    def stop(self) -> None:
        """Stop the instances (SIGTERM, SIGKILL after 20 s), the front, the emulator, stores."""
        for member in self.members:
            with contextlib.suppress(ProcessLookupError):
                member.process.send_signal(signal.SIGCONT)  # a paused one must hear SIGTERM
        instances = [m.process for m in self.members]
        others = [p for p in reversed(self.procs.values()) if p not in instances]
        for group in (instances, others):  # the instances first: they flush to the stores
            for proc in group:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in group:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()
        if self._owns_workdir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- chaos ------------------------------------------------------------------------------

    def kill(self, member: Instance) -> None:
        """SIGKILL the instance (and its own child processes)."""
        for pid in [*descendants(member.pid), member.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        member.process.wait(10)

    def pause(self, member: Instance) -> None:
        """SIGSTOP the instance and its children (a hung process: its connections stay open)."""
        for pid in [member.pid, *descendants(member.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)

    def resume(self, member: Instance) -> None:
        """SIGCONT what :meth:`pause` stopped."""
        for pid in [member.pid, *descendants(member.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    # -- what it costs ------------------------------------------------------------------

    def yabot_pids(self) -> list[int]:
        """The live instances' main processes (their children count through them)."""
        return [m.pid for m in self.members if m.alive()]

    def database_pids(self) -> list[int]:
        """PostgreSQL's postmaster and Redis."""
        out: list[int] = []
        if self.postgres is not None:
            pidfile = self.postgres.data_dir / "postmaster.pid"
            with contextlib.suppress(OSError, ValueError):
                out.append(int(pidfile.read_text().split()[0]))
        if self.redis is not None and self.redis.process is not None:
            out.append(self.redis.process.pid)
        return out

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far of YABOT's instances, its databases, and the front."""
        front = self.procs.get("front")
        return {
            "yabot": tree_cpu_seconds(self.yabot_pids()),
            "databases": tree_cpu_seconds(self.database_pids()),
            "front": tree_cpu_seconds([front.pid] if front else []),
        }

    def metric(self, name: str, members: list[Instance] | None = None) -> float:
        """Sum of a metric over the live instances' ``/metrics`` (all label sets)."""
        total = 0.0
        for member in self.members if members is None else members:
            if not member.alive():
                continue
            with contextlib.suppress(httpx.HTTPError):
                text = httpx.get(member.url + "/metrics", timeout=5).text
                for line in text.splitlines():
                    if line.startswith(name) and not line.startswith("#"):
                        head = line.split()[0]
                        if head == name or head.startswith(name + "{"):
                            total += float(line.split()[-1])
        return total


def _read_port_file(proc: subprocess.Popen[bytes], path: Path, what: str) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with contextlib.suppress(OSError, ValueError):
            return int(path.read_text().strip())
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within 60 s")


def main(argv: list[str] | None = None) -> int:
    """``scripts/cluster``: start a local cluster, print where to play, stop on Ctrl+C."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=3, help="YABOT instances (3)")
    parser.add_argument("--lease-timeout", type=float, default=10.0, help="seconds (10)")
    parser.add_argument("--workdir", type=Path, default=None, help="kept after stop if given")
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    cluster = LocalCluster(
        instances=args.instances, workdir=args.workdir, lease_timeout_s=args.lease_timeout
    )
    if not cluster.cluster:
        print(
            "this build has no cluster mode yet: starting embedded instances on their own "
            "SQLite files behind a front that routes by chat (no shared players, no failover)",
            flush=True,
        )
    print(f"starting PostgreSQL, Redis, the emulator, the front and {args.instances} "
          f"instances in {cluster.dir} ...", flush=True)  # fmt: skip
    stop = False

    def interrupt(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, interrupt)
    try:
        cluster.start()
        assert cluster.postgres is not None and cluster.redis is not None
        print(f"\nPlay: {cluster.emulator_url}/chat  (the bot answers through the front)")
        print(f"  front (webhook) {cluster.webhook_url}")
        for member in cluster.members:
            print(f"  {member.name}: admin API {member.url}  (pid {member.pid})")
        if cluster.cluster:
            first = cluster.members[0].url
            print(f"  members and shards (admin API, sign in first): {first}/api/v1/cluster")
        print(f"  {cluster.sign_in_hint()}")
        print(f"  PostgreSQL {cluster.dsn}  (data in {cluster.postgres.directory})")
        print(f"  Redis {cluster.redis.url}, events stream {EVENTS_STREAM}")
        print(f"  logs in {cluster.dir}\nCtrl+C stops everything.", flush=True)
        while not stop:
            for member in cluster.members:
                if member.process.poll() is not None and not getattr(member, "reported", False):
                    print(f"{member.name} exited with {member.process.returncode}", flush=True)
                    member.reported = True  # type: ignore[attr-defined]
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping ...", flush=True)
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
