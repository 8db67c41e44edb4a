"""The production-mode stack on loopback, and the pieces every harness builds it from.

Everything that starts the site the way production runs it is here, once: free_port,
port_open, redis_ping, find_program, tail, Process (a long-running program in a session of its
own), the admin URL of the PostgreSQL server, the commands of redis-server, gunicorn, the Celery
worker and beat, the nginx configuration rendered from deploy/nginx.conf.template, the run's
certificate authority, and `Stack`, the proof's own stack. The chaos harness (proof/chaos.py),
the benchmarks (bench/) and the test suites (tests/integration, tests/e2e through
proof/browser.py) use these; nothing here imports the app, bench/ or tests/.

`Stack`: a certificate authority made for the run (and trusted only by the checks of this run),
nginx with TLS on ports 80 and 443 of localhost (the HTTP Observatory scans only those),
gunicorn with DEBUG off, a Celery worker and beat, a fresh PostgreSQL database (on the server in
DATABASE_URL, else 127.0.0.1:5432) and a redis-server of its own with `noeviction`. Everything
it writes is under its work directory (var/proof/stack/): logs of every process, the rendered
nginx configuration, the authority and the site's certificate.

nginx takes the client address from X-Forwarded-For here (the realip module, trusting only
loopback), as it would behind a load balancer: the privacy audit sends a made-up address that
way and then looks for it everywhere the stack writes.

    stack = Stack(workdir, log=print)
    stack.start()
    ...  # stack.url("/en/"), stack.inapp("site_facts", "facts"), stack.chromium_args()
    stack.stop()
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import ssl
import string
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from proof.browser import CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOSTNAME = "localhost"
LOOPBACK = "127.0.0.1"
DEMO_DIRECTORY = ROOT / "directory" / "seed" / "demo-directory.json"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX_MAIN = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


class StackError(Exception):
    """A part of the stack did not start or answer, or a program it needs is missing."""


# ---------------------------------------------------------------------------------------------
# Small pieces


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
        return True
    return False


def redis_ping(port: int) -> bool:
    """True when the redis-server on loopback `port` answers PING (no client library)."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def find_program(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
    if not found:
        raise StackError(f"{name} is not installed (Debian: apt-get install {name})")
    return found


def random_text(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def admin_url_from_env() -> str:
    """The postgres:// URL of the maintenance database on DATABASE_URL's server (else
    127.0.0.1:5432), where a harness creates and drops the databases of its runs."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urlsplit(url)._replace(path="/postgres").geturl()
    return DEFAULT_ADMIN_URL


def admin_sql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


class Process:
    """One long-running process in a session of its own (so a group kill reaches its
    children, and Ctrl-C in a terminal reaches only the harness, which stops it in order)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str] | None, log: Path):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen | None = None
        self.expected_exit = False
        self.starts = 0

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.expected_exit = False
        self.starts += 1

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and everything it started, as a crash or an OOM kill would."""
        if self.process is None:
            return
        self.expected_exit = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def stop(self, graceful: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.process is None:
            return
        self.expected_exit = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(graceful)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        # Whatever is left of its session (pool children, gunicorn workers).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def children(self) -> list[int]:
        if not self.alive():
            return []
        pid = self.process.pid
        try:
            return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []


# ---------------------------------------------------------------------------------------------
# The programs of the production stack, as docker-compose.yml runs them


def redis_process(port: int, workdir: Path, env: dict[str, str], *, noeviction: bool = False,
                  logfile: Path | None = None, stdout: Path | None = None) -> Process:
    """redis-server on loopback `port`, nothing saved to disk (a restart loses every queued
    task: the worst case for the broker)."""
    command = ["redis-server", "--port", str(port), "--bind", LOOPBACK, "--save", "",
               "--appendonly", "no"]
    if noeviction:
        command += ["--maxmemory-policy", "noeviction"]
    command += ["--dir", str(workdir)]
    if logfile is not None:
        command += ["--logfile", str(logfile)]
    return Process("redis", command, env, stdout or workdir / "redis.log")


def gunicorn_process(env: dict[str, str], log: Path) -> Process:
    """gunicorn with deploy/gunicorn.conf.py (its bind address from GUNICORN_BIND in env)."""
    return Process("gunicorn",
                   [PYTHON, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "helpportal.wsgi"],
                   env, log)


def worker_process(env: dict[str, str], log: Path, *, concurrency: int, level: str,
                   name: str) -> Process:
    return Process("worker",
                   [PYTHON, "-m", "celery", "-A", "helpportal", "worker", "-l", level,
                    "-c", str(concurrency), "-n", f"{name}-{secrets.token_hex(3)}@%h"],
                   env, log)


def beat_process(env: dict[str, str], workdir: Path, log: Path, *, level: str) -> Process:
    return Process("beat",
                   [PYTHON, "-m", "celery", "-A", "helpportal", "beat", "-l", level,
                    "-s", str(workdir / "beat-schedule"), "--pidfile", str(workdir / "beat.pid")],
                   env, log)


def run_manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """manage.py in the given environment; its output, or StackError with its stderr."""
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    if result.returncode != 0:
        raise StackError(
            f"manage.py {' '.join(args)[:80]} failed:\n{result.stderr.strip()[-3000:]}"
        )
    return result.stdout


def run_inapp(env: dict[str, str], module: str, function: str, args: dict | None = None,
              timeout: float = 300):
    """Call `function(**args)` of proof/inapp/<module>.py in the site's Django (a process of
    its own: `python -m proof.inapp <module> <function>`, in the stack's environment, the
    arguments as JSON on its stdin) and return what it returned, through JSON."""
    where = f"proof.inapp.{module}.{function}"
    result = subprocess.run(
        [PYTHON, "-m", "proof.inapp", module, function], cwd=ROOT, env=env,
        input=json.dumps(args or {}), capture_output=True, text=True, timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"{where} failed:\n{result.stderr.strip()[-3000:]}")
    output = result.stdout.strip().splitlines()
    if not output:
        raise StackError(f"{where} printed nothing")
    return json.loads(output[-1])


# ---------------------------------------------------------------------------------------------
# nginx, from deploy/nginx.conf.template


def nginx_version(nginx: str) -> tuple[int, ...]:
    """(1, 22, 1) from `nginx -v` ("nginx version: nginx/1.22.1", on stderr)."""
    shown = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=30,
                           check=False)
    found = re.search(r"nginx/(\d+(?:\.\d+)*)", shown.stderr + shown.stdout)
    if not found:
        raise StackError(f"no version in the output of `{nginx} -v`: {shown.stderr!r}")
    return tuple(int(part) for part in found.group(1).split("."))


def nginx_main_settings(path: Path = NGINX_MAIN) -> dict[str, str]:
    """worker_processes, worker_rlimit_nofile and the inside of events {} from deploy/nginx.conf,
    production's main configuration (its other lines name the image's paths)."""
    text = re.sub(r"#[^\n]*", "", path.read_text())
    settings = {}
    for name in ("worker_processes", "worker_rlimit_nofile"):
        found = re.search(rf"^\s*{name}\s+([^;]+);", text, re.MULTILINE)
        if not found:
            raise StackError(f"{path} sets no {name}")
        settings[name] = found.group(1).strip()
    events = re.search(r"^\s*events\s*\{([^}]*)\}", text, re.MULTILINE)
    if not events:
        raise StackError(f"{path} has no events {{}} block")
    settings["events"] = " ".join(line.strip() for line in events.group(1).splitlines()
                                  if line.strip())
    return settings


def render_nginx(directory: Path, values: dict[str, str], *, ipv6: bool = False,
                 realip: bool = False, image_access_log: bool = False,
                 worker_processes: str | None = None, header: str = "",
                 nginx: str | None = None) -> Path:
    """deploy/nginx.conf.template with its placeholders replaced (directory/site.conf), inside
    a small nginx.conf with deploy/nginx.conf's worker and events settings; returns the
    nginx.conf.

    ipv6: every `listen 127.0.0.1:port` also on [::1] ("localhost" may resolve to ::1 first).
    realip: the client address from X-Forwarded-For, trusted from loopback only, as behind a
    load balancer (the privacy audit sends a made-up address this way).
    image_access_log: the official image's address-logging "main" access log to stdout, so a
    run shows that the template overrides it.
    worker_processes: instead of deploy/nginx.conf's. nginx: the binary whose version decides
    how HTTP/2 is switched on (default: the one on PATH).
    """
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    leftover = sorted(set(re.findall(r"\$\{\w+\}", text)))
    if leftover:
        raise StackError(f"nginx template placeholders without a value: {', '.join(leftover)}")
    if ipv6:
        text = re.sub(
            rf"listen {re.escape(LOOPBACK)}:(\d+)( ssl)?;",
            lambda m: f"listen {LOOPBACK}:{m.group(1)}{m.group(2) or ''};\n"
                      f"    listen [::1]:{m.group(1)}{m.group(2) or ''};",
            text,
        )
    # `http2 on;` is nginx >= 1.25.1 (production's image); older ones take the `http2`
    # parameter of a TLS listen instead. (On a plain-HTTP listen it would make 1.22 speak
    # HTTP/2 only, so the bench's plain variant stays on HTTP/1.1 there.)
    if "http2 on;" in text and nginx_version(nginx or find_program("nginx")) < (1, 25, 1):
        text = re.sub(r"^[ \t]*http2 on;[^\n]*\n", "", text, flags=re.MULTILINE)
        text = re.sub(r"(listen [^;\n]* ssl);", r"\1 http2;", text)
    site = directory / "site.conf"
    site.write_text(text)
    temp = directory / "tmp"
    temp.mkdir()
    mime = Path("/etc/nginx/mime.types")
    types = (f"include {mime};" if mime.exists()
             else "types { text/html html; text/css css; application/javascript js; "
                  "application/json json; image/svg+xml svg; image/png png; }")
    http = [types, "default_type application/octet-stream;"]
    if image_access_log:
        http += ["log_format main '$remote_addr - $remote_user [$time_local] \"$request\" '",
                 "                '$status $body_bytes_sent \"$http_referer\" '",
                 "                '\"$http_user_agent\" \"$http_x_forwarded_for\"';",
                 "access_log /dev/stdout main;"]
    else:
        http += ["access_log off;"]  # as deploy/nginx.conf
    http += ["sendfile on;"]  # keepalive_timeout: in the template
    if realip:
        http += ["# As behind a load balancer: the client address comes from X-Forwarded-For,",
                 "# trusted from loopback only: the privacy audit sends a made-up address.",
                 "set_real_ip_from 127.0.0.1;", "set_real_ip_from ::1;",
                 "real_ip_header X-Forwarded-For;"]
    http += [f"{kind}_temp_path {temp}/{kind};" for kind in ("fastcgi", "uwsgi", "scgi")]
    http += [f"client_body_temp_path {temp}/client_body;", f"proxy_temp_path {temp}/proxy;",
             f"include {site};"]
    body = "\n".join(f"    {line}" for line in http)
    settings = nginx_main_settings()
    # Above this process's hard limit, nginx's setrlimit would fail (an alert, not an error).
    nofile = settings["worker_rlimit_nofile"]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and int(nofile) > hard:
        nofile = f"{hard};  # deploy/nginx.conf: {nofile}, above this machine's hard limit"
    else:
        nofile += ";"
    main = directory / "nginx.conf"
    main.write_text(
        f"# Generated by proof/stack.py{header}. Worker and events settings from\n"
        f"# {NGINX_MAIN.relative_to(ROOT)}, http {{}} as there.\n"
        f"worker_processes {worker_processes or settings['worker_processes']};\n"
        f"worker_rlimit_nofile {nofile}\n"
        f"pid {directory}/nginx.pid;\n"
        f"error_log {directory}/error.log notice;\n"
        f"events {{ {settings['events']} }}\n"
        f"http {{\n{body}\n}}\n"
    )
    return main


def nginx_command(nginx: str, directory: Path, conf: Path, *extra: str) -> list[str]:
    return [nginx, "-p", f"{directory}/", "-e", str(directory / "error.log"), "-c", str(conf),
            *extra]


def nginx_test(nginx: str, directory: Path, conf: Path) -> None:
    """`nginx -t` on the rendered configuration; StackError with its complaint."""
    test = subprocess.run(nginx_command(nginx, directory, conf, "-t", "-q"),
                          capture_output=True, text=True, timeout=30, check=False)
    if test.returncode != 0:
        raise StackError(f"nginx -t failed on {conf}:\n{test.stderr}")


# ---------------------------------------------------------------------------------------------
# The run's certificate authority


def make_authority(directory: Path) -> dict[str, Path | str]:
    """A CA valid for two days, and a certificate for localhost signed by it.

    Returns the paths of ca.pem, cert.pem (leaf + CA), key.pem and the base64 SHA-256 of the
    leaf's public key (chromium's --ignore-certificate-errors-spki-list takes that).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Helpportal proof run CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName(HOSTNAME),
                x509.IPAddress(ipaddress.ip_address(LOOPBACK)),
                x509.IPAddress(ipaddress.ip_address("::1")),
            ]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    ca_path, cert_path = directory / "ca.pem", directory / "cert.pem"
    key_path = directory / "key.pem"
    ca_path.write_bytes(ca_cert.public_bytes(pem))
    cert_path.write_bytes(cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    key_path.write_bytes(
        key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "ca": ca_path,
        "cert": cert_path,
        "key": key_path,
        "spki": base64.b64encode(hashlib.sha256(spki).digest()).decode(),
    }


# ---------------------------------------------------------------------------------------------
# The stack


class Stack:
    """PostgreSQL database, Redis, gunicorn, worker, beat and nginx of one proof run."""

    def __init__(
        self,
        workdir: Path,
        log: Callable[[str], None] | None = None,
        web_workers: int = 3,
        worker_concurrency: int = 2,
        http_port: int = 80,
        https_port: int = 443,
        extra_env: dict[str, str] | None = None,
    ):
        self.dir = workdir
        self.say = log or (lambda message: print(f"[stack] {message}", file=sys.stderr))
        self.web_workers = web_workers
        self.worker_concurrency = worker_concurrency
        self.http_port = http_port
        self.https_port = https_port
        self.extra_env = extra_env or {}
        self.dbname = f"helpportal_proof_{secrets.token_hex(4)}"
        self.admin_url = admin_url_from_env()
        self.db_created = False
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes: dict[str, Process] = {}
        self.tls: dict[str, Path | str] = {}
        self.secret_key = secrets.token_urlsafe(48)
        from cryptography.fernet import Fernet

        self.referral_key = Fernet.generate_key().decode()
        self.codename_key = secrets.token_hex(32)
        self._env: dict[str, str] | None = None

    # -- addresses

    @property
    def origin(self) -> str:
        port = "" if self.https_port == 443 else f":{self.https_port}"
        return f"https://{HOSTNAME}{port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def gunicorn_url(self, path: str) -> str:
        return f"http://{LOOPBACK}:{self.web_port}{path}"

    @property
    def database_url(self) -> str:
        return urlsplit(self.admin_url)._replace(path=f"/{self.dbname}").geturl()

    @property
    def redis_url(self) -> str:
        return f"redis://{LOOPBACK}:{self.redis_port}/0"

    def logs(self) -> list[Path]:
        """Every log the stack writes (nginx access and error, gunicorn, worker, beat, redis)."""
        return sorted(path for path in self.dir.rglob("*.log") if path.is_file())

    # -- environment

    def env(self) -> dict[str, str]:
        if self._env is None:
            inherited = {
                key: value for key, value in os.environ.items()
                if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "USER",
                           "PYTHONPATH")
            }
            self._env = {
                **inherited,
                "DJANGO_SETTINGS_MODULE": "helpportal.settings",
                "DEBUG": "0",
                "SECRET_KEY": self.secret_key,
                "REFERRAL_KEYS": self.referral_key,
                "CODENAME_KEY": self.codename_key,
                "ALLOWED_HOSTS": f"{HOSTNAME},{LOOPBACK}",
                # nginx passes Host without the port; a browser's Origin carries it. Only
                # needed when the site is not on 443 (a second stack, in development).
                **({"CSRF_TRUSTED_ORIGINS": self.origin} if self.https_port != 443 else {}),
                "SITE_URL": self.origin,
                "SECURE_SSL_REDIRECT": "1",
                "CLIENT_ADDRESS_HEADER": "HTTP_X_REAL_IP",
                # The site plus /bench/bare (proof/urls.py), the framework floor that page
                # throughput is compared with (DESIGN.md, "Quality bars").
                "ROOT_URLCONF": "proof.urls",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "CACHE_KEY_PREFIX": "proof",
                "STATIC_ROOT": str(self.dir / "static"),
                "VAR_DIR": str(self.dir),
                "LOG_LEVEL": "INFO",
                "WEB_CONCURRENCY": str(self.web_workers),
                "GUNICORN_BIND": f"{LOOPBACK}:{self.web_port}",
                "GUNICORN_LOG_LEVEL": "info",
                "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONUNBUFFERED": "1",
                **self.extra_env,
            }
        return dict(self._env)

    def manage(self, *args: str, timeout: float = 600) -> str:
        return run_manage(self.env(), *args, timeout=timeout)

    def inapp(self, module: str, function: str, args: dict | None = None,
              timeout: float = 300):
        """`function(**args)` of proof/inapp/<module>.py, run in the site's Django."""
        return run_inapp(self.env(), module, function, args, timeout=timeout)

    # -- start and stop

    def start(self) -> None:
        nginx = find_program("nginx")
        find_program("redis-server")
        for port in (self.http_port, self.https_port):
            if port_open(port):
                raise StackError(
                    f"port {port} on {LOOPBACK} is taken; the proof needs ports "
                    f"{self.http_port} and {self.https_port} free (the HTTP Observatory "
                    "scans only those)"
                )
        if os.geteuid() != 0 and min(self.http_port, self.https_port) < 1024:
            raise StackError("ports 80 and 443 need root (or CAP_NET_BIND_SERVICE)")

        if self.dir.exists():
            shutil.rmtree(self.dir)
        (self.dir / "tls").mkdir(parents=True)
        (self.dir / "nginx").mkdir()
        self.tls = make_authority(self.dir / "tls")
        self.say("certificate authority and a localhost certificate made")

        self._start_redis()
        self.say(f"database {self.dbname}: create, migrate, seed content and the directory")
        admin_sql(self.admin_url, f'CREATE DATABASE "{self.dbname}"')
        self.db_created = True
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        self.manage("seed_content")
        self.manage("hsds_import", str(DEMO_DIRECTORY), "--skip-existing")
        self.manage("organization_key", "--demo")  # as dev.py run: demo services take referrals

        env = self.env()
        self.processes["gunicorn"] = gunicorn_process(env, self.dir / "gunicorn.log")
        self.processes["worker"] = worker_process(
            env, self.dir / "worker.log", concurrency=self.worker_concurrency, level="info",
            name="proof")
        self.processes["beat"] = beat_process(env, self.dir, self.dir / "beat.log", level="info")
        for name in ("gunicorn", "worker", "beat"):
            self.processes[name].start()
        self._wait("gunicorn", lambda: self._healthy_direct(), 90)

        conf = self._render_nginx()
        nginx_dir = self.dir / "nginx"
        nginx_test(nginx, nginx_dir, conf)
        self.processes["nginx"] = Process(
            "nginx", nginx_command(nginx, nginx_dir, conf, "-g", "daemon off;"),
            env, nginx_dir / "access.log",
        )
        self.processes["nginx"].start()
        self._wait("nginx", self.healthy, 30)
        self.say(f"up: {self.origin}/ (nginx) -> gunicorn {LOOPBACK}:{self.web_port}, "
                 f"redis {LOOPBACK}:{self.redis_port}, database {self.dbname}")

    def stop(self) -> None:
        for name in ("nginx", "gunicorn", "beat", "worker"):
            process = self.processes.get(name)
            if process is not None:
                with contextlib.suppress(Exception):
                    process.stop()
        redis = self.processes.get("redis")
        if redis is not None:
            with contextlib.suppress(Exception):
                redis.stop()
        if self.db_created:
            with contextlib.suppress(Exception):
                admin_sql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            self.db_created = False

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- parts

    def _start_redis(self) -> None:
        self.processes["redis"] = redis_process(
            self.redis_port, self.dir, self.env(), noeviction=True,
            logfile=self.dir / "redis.log", stdout=self.dir / "redis-stdout.log")
        self.processes["redis"].start()
        self._wait("redis", self.redis_ping, 30)

    def redis_ping(self) -> bool:
        return redis_ping(self.redis_port)

    def _healthy_direct(self) -> bool:
        try:
            conn = http.client.HTTPConnection(LOOPBACK, self.web_port, timeout=3)
            conn.request("GET", "/healthz", headers={"Host": HOSTNAME,
                                                     "X-Forwarded-Proto": "https"})
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.tls["ca"]))

    def healthy(self) -> bool:
        try:
            conn = http.client.HTTPSConnection(
                HOSTNAME, self.https_port, timeout=3, context=self.ssl_context()
            )
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def _wait(self, name: str, check: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and not process.alive():
                raise StackError(f"{name} exited:\n{tail(process.log)}")
            if check():
                return
            time.sleep(0.1)
        process = self.processes.get(name)
        raise StackError(f"{name} not ready within {timeout} s"
                         + (f":\n{tail(process.log)}" if process else ""))

    def _render_nginx(self) -> Path:
        directory = self.dir / "nginx"
        return render_nginx(directory, {
            "UPSTREAM": f"{LOOPBACK}:{self.web_port}",
            "HTTP_LISTEN": f"{LOOPBACK}:{self.http_port}",
            "SITE_LISTEN": f"{LOOPBACK}:{self.https_port} ssl",
            "SERVER_NAME": HOSTNAME,
            "TLS_CERT": str(self.tls["cert"]),
            "TLS_KEY": str(self.tls["key"]),
            # The run's certificate names no OCSP responder: nginx staples nothing and never
            # asks the resolver, which is loopback anyway.
            "TLS_TRUSTED": str(self.tls["ca"]),
            "RESOLVER": LOOPBACK,
            "CACHE_DIR": str(directory / "cache"),
            "STATIC_ROOT": str(self.dir / "static"),
        }, ipv6=True, realip=True, worker_processes="2", header=" for one proof run")

    # -- for the checks

    def trust_args(self) -> list[str]:
        """The chromium flag that trusts this run's site key (and nothing else)."""
        return [f"--ignore-certificate-errors-spki-list={self.tls['spki']}"]

    def chromium_args(self) -> list[str]:
        """Flags for Debian chromium (proof/browser.py), plus trust in this run's site key."""
        return [*CHROMIUM_FLAGS, *self.trust_args()]

    def wait_healthy(self, timeout: float = 60) -> None:
        """Until gunicorn answers /healthz (after a restart, say)."""
        self._wait("gunicorn", self._healthy_direct, timeout)

    def restart(self, name: str) -> None:
        process = self.processes[name]
        process.stop()
        process.env = self.env()  # with any change to extra_env
        process.start()

    def stop_redis(self) -> None:
        self.processes["redis"].stop()

    def start_redis_again(self) -> None:
        self.processes["redis"].start()
        self._wait("redis", self.redis_ping, 30)

