"""What a visitor sends (a referral before it is sealed, exercise answers) and what the app
answers with them (the page of answers) never touch nginx's disk: with the proof's
configuration of deploy/nginx.conf.template, a large form body is held in memory, and an
answer is never spooled to a temporary file.

nginx's default writes a body over 16 KB to client_body_temp; a stand-in upstream on loopback
holds the request open while the test lists nginx's temporary directories.
"""

import contextlib
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from proof.stack import HOSTNAME, LOOPBACK, NGINX_TEMPLATE, make_authority, tail
from tests.proof.test_ocsp_stapling import installed, proof_nginx

pytestmark = pytest.mark.skipif(not installed("nginx"), reason="needs Debian's nginx")

BODY = b"answer=" + b"a" * 600_000  # well over the 16 KB default buffer, under the 1 MB limit
ANSWER = b"<p>Your answers</p>"


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__((LOOPBACK, 0), Handler)
        self.holding = threading.Event()
        self.release = threading.Event()
        self.received = 0


class Handler(BaseHTTPRequestHandler):
    server: Upstream
    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.server.received = len(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.holding.set()
        self.server.release.wait(10)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def upstream():
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def files_under(directory) -> list[str]:
    return sorted(str(path) for path in directory.rglob("*") if path.is_file())


def test_a_large_form_body_is_held_in_memory_not_written_to_a_temporary_file(tmp_path):
    (tmp_path / "tls").mkdir()
    tls = make_authority(tmp_path / "tls")
    with contextlib.ExitStack() as running:
        app = running.enter_context(upstream())
        stack, _nginx = running.enter_context(
            proof_nginx(tmp_path / "stack", tls, web_port=app.server_address[1]))
        temp = stack.dir / "nginx" / "tmp"
        context = ssl.create_default_context(cafile=str(tls["ca"]))
        raw = socket.create_connection((LOOPBACK, stack.https_port), timeout=10)
        with context.wrap_socket(raw, server_hostname=HOSTNAME) as conn:
            conn.sendall(
                b"POST /en/pathways/self/answers/ HTTP/1.1\r\n"
                + f"Host: {HOSTNAME}\r\n".encode()
                + b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {len(BODY)}\r\n\r\n".encode() + BODY)
            # nginx passes a body on once it has all of it: here, from memory.
            assert app.holding.wait(10), (
                f"nginx did not pass the body on: {tail(stack.dir / 'nginx' / 'error.log')}")
            while_held = files_under(temp)
            app.release.set()
            received = b""
            while not received.endswith(ANSWER):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                received += chunk
    assert app.received == len(BODY)
    assert while_held == [], f"the request body was written to disk: {while_held}"
    assert received.startswith(b"HTTP/1.1 200")


def test_an_answer_is_never_spooled_to_a_temporary_file():
    """The answer side (a page of answers outgrowing proxy_buffers while a slow phone reads
    it) is decided by one directive; nginx -t on it is in test_nginx_config.py."""
    text = NGINX_TEMPLATE.read_text()
    assert re.search(r"^\s*proxy_max_temp_file_size 0;", text, re.MULTILINE)
    assert re.search(r"^client_body_buffer_size 1m;", text, re.MULTILINE)
    assert re.search(r"^client_max_body_size 1m;", text, re.MULTILINE)
