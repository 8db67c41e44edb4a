"""A throwaway PostgreSQL cluster of one run, so that it can be restarted (the chaos harness's
`pg_restarts`) without touching any other database.

find_pg_bindir finds initdb, pg_ctl and postgres; private_postgres_missing says why a cluster
cannot be made here; PrivatePostgres initdb's, starts, stops and removes one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from proof.stack import LOOPBACK as HOST
from proof.stack import StackError, free_port, tail


def find_pg_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: $HELPPORTAL_PG_BINDIR, else the
    newest /usr/lib/postgresql/<version>/bin (Debian), else `pg_config --bindir`, else PATH."""
    candidates = []
    if os.environ.get("HELPPORTAL_PG_BINDIR"):
        candidates.append(Path(os.environ["HELPPORTAL_PG_BINDIR"]))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.split(".")[0].isdigit()]
        candidates += [p / "bin" for p in sorted(
            versions, key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()],
            reverse=True)]
    if shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                 timeout=10, check=False).stdout.strip()
            if out:
                candidates.append(Path(out))
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    for directory in candidates:
        if all((directory / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def private_postgres_missing() -> str:
    """Why a private cluster cannot be made here ("" when it can)."""
    if find_pg_bindir() is None:
        return ("needs PostgreSQL's server binaries (initdb, pg_ctl, postgres; Debian: "
                "apt-get install postgresql, or set HELPPORTAL_PG_BINDIR)")
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "runs as root, and PostgreSQL refuses to: needs a 'postgres' user to run as"
        if not shutil.which("runuser"):
            return "runs as root and needs runuser (util-linux) to run PostgreSQL as postgres"
    return ""


class PrivatePostgres:
    """One throwaway cluster: initdb, then postgres on a free loopback port under pg_ctl.

    TCP on 127.0.0.1 only (no Unix socket), trust authentication, fsync and synchronous commit
    on (so a restart is a real one). As root, every PostgreSQL program runs as the `postgres`
    user (initdb and postgres refuse root) in a directory it owns: `<workdir>/postgres`, or a
    temporary directory under /tmp when postgres cannot enter the workdir (e.g. pytest's
    tmp_path under /tmp/pytest-of-root, mode 700). Its log is copied to the workdir at the end.
    Never touches any other server.
    """

    def __init__(self, workdir: Path, say: Callable[[str], None]):
        self.workdir, self.say = workdir, say
        self.bindir = find_pg_bindir()
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        self.base: Path | None = None
        self.in_tmp = False
        self.running = False

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "postgres.log"

    def _command(self, program: str, *args: str) -> list[str]:
        runas = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return [*runas, str(self.bindir / program), *args]

    def _run(self, program: str, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(self._command(program, *args), cwd=self.base,
                                capture_output=True, text=True, timeout=timeout, check=False,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise StackError(f"{program} {' '.join(args[:2])} failed ({result.returncode}):\n"
                             f"{(result.stdout + result.stderr).strip()[-2000:]}\n"
                             f"{tail(self.log) if self.base else ''}")
        return result.stdout

    def _postgres_can_enter(self, directory: Path) -> bool:
        if not self.as_postgres:
            return True
        result = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(directory)],
                                capture_output=True, timeout=10, check=False)
        return result.returncode == 0

    def init(self) -> None:
        missing = private_postgres_missing()
        if missing:
            raise StackError(missing)
        if self._postgres_can_enter(self.workdir):
            self.base = self.workdir / "postgres"
            shutil.rmtree(self.base, ignore_errors=True)
            self.base.mkdir(parents=True)
        else:
            self.base = Path(tempfile.mkdtemp(prefix="helpportal-chaos-pg-", dir="/tmp"))
            self.in_tmp = True
            self.say(f"the postgres user cannot enter {self.workdir}: the private cluster "
                     f"goes to {self.base} (its log is copied back at the end)")
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")
        with open(self.data / "postgresql.conf", "a") as conf:  # stays postgres's file
            conf.write(
                "\n# helpportal chaos harness: a throwaway cluster on loopback\n"
                f"port = {self.port}\n"
                f"listen_addresses = '{HOST}'\n"
                "unix_socket_directories = ''\n"
                "fsync = on\n"
                "synchronous_commit = on\n"
                "full_page_writes = on\n"
                "max_connections = 100\n"
                "shared_buffers = 32MB\n"
                "log_min_messages = warning\n"
                "log_line_prefix = '%m [%p] '\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "start")
        self.running = True
        deadline = time.monotonic() + 30
        while not self.answers():
            if time.monotonic() > deadline:
                raise StackError(f"PostgreSQL :{self.port} does not answer:\n{tail(self.log)}")
            time.sleep(0.1)

    def stop(self, mode: str = "fast") -> None:
        self.running = False
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def answers(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.admin_url, connect_timeout=2) as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)
        except psycopg.Error:
            return False

    def remove(self) -> None:
        """Stop the cluster (immediately if it will not stop) and delete it; keep its log."""
        if self.base is None:
            return
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("fast")
            except (StackError, subprocess.SubprocessError):
                with contextlib.suppress(StackError, subprocess.SubprocessError):
                    self.stop("immediate")
        with contextlib.suppress(OSError):
            if self.log.exists() and self.base != self.workdir / "postgres":
                shutil.copyfile(self.log, self.workdir / "postgres.log")
        shutil.rmtree(self.data, ignore_errors=True)
        if self.in_tmp:
            shutil.rmtree(self.base, ignore_errors=True)
        self.base = None
