"""OCSP stapling in deploy/nginx.conf.template: with the proof's configuration, nginx staples a
good status when its certificate names a responder, and still starts, stapling nothing, with the
proof's own certificate, which names none.

All on loopback: a throwaway CA whose server certificate names an OCSP responder at
http://127.0.0.1:<port> (an address, so the resolver is never asked), a small responder in a
thread of this process that answers with the CA's own signature, nginx as Stack._render_nginx
renders it (on free ports, nothing behind it: only the handshake is looked at), and
`openssl s_client -status`, which prints the stapled answer (Python's ssl module cannot).
"""

import base64
import contextlib
import datetime
import ipaddress
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from proof.stack import (
    HOSTNAME,
    LOOPBACK,
    Process,
    Stack,
    StackError,
    find_program,
    free_port,
    make_authority,
    nginx_command,
    nginx_test,
    port_open,
    tail,
)


def installed(name: str) -> bool:
    try:
        find_program(name)
    except StackError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not (installed("nginx") and installed("openssl")),
    reason="needs nginx and openssl (Debian: apt-get install nginx openssl)",
)

STAPLE_WAIT = 10  # seconds: nginx asks the responder only after the first handshake


def authority_with_responder(directory: Path, responder: str) -> dict:
    """A CA and a localhost certificate whose Authority Information Access names `responder`.
    Files as make_authority's (cert.pem holds leaf + CA); also the objects the responder needs.
    """
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Helpportal OCSP test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(HOSTNAME), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       False)
        .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(responder))]),
            False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = {"ca": directory / "ca.pem", "cert": directory / "cert.pem",
             "key": directory / "key.pem"}
    paths["ca"].write_bytes(ca.public_bytes(pem))
    paths["cert"].write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    paths["key"].write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    return {**paths, "ca_cert": ca, "ca_key": ca_key, "leaf": leaf}


class OCSPResponder(ThreadingHTTPServer):
    """An HTTP OCSP responder on 127.0.0.1 (nginx asks by GET, RFC 6960 A.1; POST works too)
    that calls `authority`'s certificate good, signed by the CA itself. Its port is bound
    first, so the certificate can name it: set `authority` before anything asks."""

    def __init__(self):
        super().__init__((LOOPBACK, 0), OCSPHandler)
        self.url = f"http://{LOOPBACK}:{self.server_address[1]}"
        self.authority: dict = {}
        self.answered: list[int] = []  # serial numbers asked about

    def respond(self, body: bytes) -> bytes:
        ca, ca_key = self.authority["ca_cert"], self.authority["ca_key"]
        leaf = self.authority["leaf"]
        request = ocsp.load_der_ocsp_request(body)
        self.answered.append(request.serial_number)
        if request.serial_number != leaf.serial_number:
            response = ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED)
        else:
            now = datetime.datetime.now(datetime.UTC)
            response = (
                ocsp.OCSPResponseBuilder()
                .add_response(cert=leaf, issuer=ca, algorithm=request.hash_algorithm,
                              cert_status=ocsp.OCSPCertStatus.GOOD,
                              this_update=now - datetime.timedelta(minutes=5),
                              next_update=now + datetime.timedelta(hours=1),
                              revocation_time=None, revocation_reason=None)
                .responder_id(ocsp.OCSPResponderEncoding.HASH, ca)
                .sign(ca_key, hashes.SHA256())
            )
        return response.public_bytes(serialization.Encoding.DER)


class OCSPHandler(BaseHTTPRequestHandler):
    server: OCSPResponder

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.answer(base64.b64decode(unquote(self.path.lstrip("/"))))

    def do_POST(self):  # noqa: N802
        self.answer(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def answer(self, body: bytes) -> None:
        data = self.server.respond(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def ocsp_responder():
    server = OCSPResponder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def proof_nginx(workdir: Path, tls: dict, web_port: int | None = None):
    """nginx with the proof's configuration (Stack._render_nginx) on free ports; yields the
    Stack (https_port) and the nginx Process. web_port: where the app would be (default: a
    free port, nothing behind it)."""
    stack = Stack(workdir, http_port=free_port(), https_port=free_port())
    stack.tls = tls
    if web_port is not None:
        stack.web_port = web_port
    directory = workdir / "nginx"
    directory.mkdir(parents=True)
    conf = stack._render_nginx()
    nginx = find_program("nginx")
    nginx_test(nginx, directory, conf)
    process = Process("nginx", nginx_command(nginx, directory, conf, "-g", "daemon off;"),
                      None, directory / "nginx.log")
    process.start()
    try:
        deadline = time.monotonic() + 10
        while not port_open(stack.https_port):
            if not process.alive() or time.monotonic() > deadline:
                raise StackError(f"nginx did not start:\n{tail(process.log)}\n"
                                 f"{tail(directory / 'error.log')}")
            time.sleep(0.1)
        yield stack, process
    finally:
        process.stop(timeout=5)


def s_client(port: int, ca: Path) -> str:
    """What `openssl s_client -status` prints about one handshake (stdin closed, so it quits)."""
    result = subprocess.run(
        [find_program("openssl"), "s_client", "-connect", f"{LOOPBACK}:{port}",
         "-servername", HOSTNAME, "-status", "-CAfile", str(ca)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10, check=False)
    return result.stdout + result.stderr


def test_nginx_staples_a_good_ocsp_answer_and_staples_nothing_without_a_responder(tmp_path):
    # A certificate that names a responder: a verified, good status comes with the handshake.
    with contextlib.ExitStack() as cleanup:
        responder = cleanup.enter_context(ocsp_responder())
        (tmp_path / "ocsp-tls").mkdir()
        authority = authority_with_responder(tmp_path / "ocsp-tls", responder.url)
        responder.authority = authority
        stack, _nginx = cleanup.enter_context(proof_nginx(tmp_path / "with-responder",
                                                          authority))
        deadline = time.monotonic() + STAPLE_WAIT
        shown = s_client(stack.https_port, authority["ca"])
        while "OCSP Response Status: successful" not in shown and time.monotonic() < deadline:
            time.sleep(0.5)
            shown = s_client(stack.https_port, authority["ca"])
        assert "OCSP Response Status: successful" in shown, shown
        assert "Cert Status: good" in shown, shown
        assert "Verify return code: 0 (ok)" in shown, shown
        assert set(responder.answered) == {authority["leaf"].serial_number}

    # The proof's own certificate names no responder: nginx starts, warns, staples nothing.
    (tmp_path / "proof-tls").mkdir()
    tls = make_authority(tmp_path / "proof-tls")
    with proof_nginx(tmp_path / "without-responder", tls) as (stack, nginx):
        for attempt in range(2):  # the second handshake would carry one, were there any
            if attempt:
                time.sleep(1)
            shown = s_client(stack.https_port, tls["ca"])
            assert "OCSP response: no response sent" in shown, shown
            assert "Verify return code: 0 (ok)" in shown, shown
        logged = tail(nginx.log, 200) + tail(stack.dir / "nginx" / "error.log", 200)
        assert "no OCSP responder URL" in logged, logged
