"""The provider's webhook receiver of a chaos run: records every POST it is sent.

    python -m proof.receiver --port P --secret S --log FILE [--fail-rate 0.1]

Each POST becomes one JSON line in FILE: its arrival time, Idempotency-Key, whether the HMAC
signature is valid, the referral and delivery ids of the body, the answer given and the body
itself (proof/chaos.py reads them back with read_receiver_log). With --fail-rate a share of the
webhooks is answered 503 after being recorded, as a provider having trouble would. It imports
nothing from the project, so it starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m proof.receiver")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--lifetime", type=float, default=3600.0,
                        help="exit after this many seconds even if nobody stops it")
    args = parser.parse_args(argv)
    lock = threading.Lock()
    out = open(args.log, "a", buffering=1)  # noqa: SIM115 (open for the server's lifetime)
    secret = args.secret.encode()
    chance = random.Random()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (http.server's naming)
            self._answer(200, b"ok")

        def do_POST(self):  # noqa: N802
            arrived = time.time()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1 << 20))
            expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            given = self.headers.get("X-Helpportal-Signature", "")
            try:
                payload = json.loads(body)
            except ValueError:
                payload = {}
            fail = args.fail_rate > 0 and chance.random() < args.fail_rate
            record = {
                "t": arrived,
                "key": self.headers.get("Idempotency-Key", ""),
                "signature_ok": hmac.compare_digest(expected, given),
                "referral_id": payload.get("referral_id", ""),
                "delivery_id": payload.get("delivery_id", ""),
                "event": payload.get("event", ""),
                "content_type": self.headers.get("Content-Type", ""),
                "answered": 503 if fail else 200,
                "body": body.decode("utf-8", "replace"),
            }
            with lock:
                out.write(json.dumps(record) + "\n")
            self._answer(503 if fail else 200, b'{"ok":false}' if fail else b'{"ok":true}')

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer((HOST, args.port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    timer = threading.Timer(args.lifetime, server.shutdown)  # bounded even if orphaned
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
