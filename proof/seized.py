"""The seized server: given everything the stack stored, how many referrals can be read?

An independent attacker's script. It imports nothing of the site: it reads a `pg_dump` (plain
SQL) of the database, the values of every Redis key, the files the stack wrote and the stack's
environment and secrets, and knows the design (docs/referrals.md, "Keys") as anyone could. It
gathers every value that could be a key (every 32-byte value in the dump, the files and Redis,
each secret and what the code derives from a secret alone) and tries each on every sealed box,
secret box and legacy Fernet token it finds, again with every key that opens, until nothing new
opens. It then counts the referrals and mailbox messages whose words it read.

Positive controls, in the same run: a staff member's password (Argon2id with the stored salt
and parameters) must open their organisation's threads, and each visitor's codename (HKDF under
the pepper) exactly their own thread. So a zero is a zero of a working decryptor, not of a
broken one.

    python -m proof.seized DUMP.sql [--redis FILE] [--env FILE] [--files DIR]

prints the counts. `tests/referrals/test_seized_server.py` runs it on a database of 200
referrals; `proof/security.py` on the production-mode stack.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.public import PrivateKey, SealedBox
from nacl.secret import SecretBox

SEALED_TEXT = "s1:"
# What the code derives from SECRET_KEY alone (referrals/crypto.py `_derived`): an attacker who
# read the code tries these too.
SECRET_KEY_PURPOSES = ("referral-key", "codename-key", "codename-of-form")


# ---------------------------------------------------------------------------------------------
# Reading the dump


@dataclass
class Tables:
    """Each table of a plain-SQL pg_dump: its columns and its rows (text values, None = NULL)."""

    rows: dict[str, tuple[list[str], list[list[str | None]]]] = field(default_factory=dict)

    def get(self, table: str) -> list[dict[str, str | None]]:
        columns, rows = self.rows.get(table, ([], []))
        return [dict(zip(columns, row, strict=True)) for row in rows]


COPY = re.compile(r"^COPY (?:\w+\.)?\"?(\w+)\"? \((.*)\) FROM stdin;$")


def _unescape(value: str) -> str | None:
    if value == r"\N":
        return None
    return (value.replace(r"\t", "\t").replace(r"\n", "\n").replace(r"\r", "\r")
            .replace("\\\\", "\\"))


def tables_from_dump(text: str) -> Tables:
    tables = Tables()
    current = None
    for line in text.splitlines():
        if current is None:
            match = COPY.match(line)
            if match:
                columns = [name.strip().strip('"') for name in match.group(2).split(",")]
                current = (match.group(1), columns, [])
            continue
        if line == r"\.":
            tables.rows[current[0]] = (current[1], current[2])
            current = None
            continue
        current[2].append([_unescape(value) for value in line.split("\t")])
    return tables


def bytea(value: str | None) -> bytes | None:
    if not value or not value.startswith("\\x"):
        return None
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Candidate keys


def _decodings(text: str) -> list[bytes]:
    """Every way a string could hold key material: itself, hex, base64 (both alphabets)."""
    found = [text.encode()]
    token = text.strip()
    for decode in (bytes.fromhex,
                   lambda t: base64.b64decode(t + "=" * (-len(t) % 4), validate=True),
                   lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))):
        with contextlib.suppress(ValueError, binascii.Error):
            found.append(decode(token.removeprefix("\\x")))
    return found


def candidate_keys(values: list[str], secrets: list[str]) -> set[bytes]:
    """Every 32-byte value in `values` (dump cells, Redis values, file contents, split into
    words: a key is 32 bytes, in hex, base64 or raw), and every secret with what the code
    derives from it alone."""
    keys: set[bytes] = set()
    for value in values:
        for word in re.split(r"[\s,;:\"'{}\[\]=]+", value):
            if len(word) < 32:
                continue
            for data in _decodings(word):
                if len(data) == 32:
                    keys.add(data)
    for secret in secrets:
        for data in _decodings(secret):
            if len(data) >= 32:
                keys.add(data[:32])
        keys.add(hashlib.sha256(secret.encode()).digest())
        for purpose in SECRET_KEY_PURPOSES:
            keys.add(hashlib.sha256(f"{purpose}:{secret}".encode()).digest())
    return keys


# ---------------------------------------------------------------------------------------------
# Trying the keys


_boxes: dict[bytes, SealedBox] = {}


def _sealed_box(key: bytes) -> SealedBox:
    if key not in _boxes:
        _boxes[key] = SealedBox(PrivateKey(key))
    return _boxes[key]


def try_unseal(candidates, box: bytes) -> tuple[bytes, bytes] | None:
    for key in candidates:
        try:
            return key, _sealed_box(key).decrypt(box)
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            continue
    return None


def try_unlock(candidates, box: bytes) -> tuple[bytes, bytes] | None:
    for key in candidates:
        try:
            return key, SecretBox(key).decrypt(box)
        except (nacl.exceptions.CryptoError, ValueError, TypeError):
            continue
    return None


def try_fernet(candidates, token: str) -> bytes | None:
    for key in candidates:
        try:
            return Fernet(base64.urlsafe_b64encode(key)).decrypt(token.encode())
        except (InvalidToken, ValueError):
            continue
    return None


def sealed_text(token: str | None) -> bytes | None:
    if not token or not token.startswith(SEALED_TEXT):
        return None
    try:
        return base64.b64decode(token[len(SEALED_TEXT):], validate=True)
    except (ValueError, binascii.Error):
        return None


@dataclass
class Report:
    referrals: int = 0
    messages: int = 0
    referrals_read: int = 0
    messages_read: int = 0
    keys_tried: int = 0
    keys_opened: int = 0
    words: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.referrals_read} of {self.referrals} referrals and {self.messages_read} of "
                f"{self.messages} mailbox messages readable; {self.keys_tried} candidate keys "
                f"tried, {self.keys_opened} key boxes opened")


def thread_texts(tables: Tables) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    referrals = {row["id"]: row for row in tables.get("referrals_referral")}
    messages: dict[str, list[dict]] = {}
    for row in tables.get("referrals_mailboxmessage"):
        messages.setdefault(row["referral_id"], []).append(row)
    return referrals, messages


def open_thread(private: bytes | None, texts: list[str | None],
                fernet_keys: set[bytes]) -> list[str | None]:
    opened = []
    for token in texts:
        box = sealed_text(token)
        plain = None
        if box is not None and private is not None:
            try:
                plain = SealedBox(PrivateKey(private)).decrypt(box)
            except nacl.exceptions.CryptoError:
                plain = None
        elif token and box is None:
            plain = try_fernet(fernet_keys, token)
        opened.append(plain.decode("utf-8", "replace") if plain is not None else None)
    return opened


def analyse(tables: Tables, values: list[str], secrets: list[str]) -> Report:
    """Everything an attacker with the stored data and the secrets, but no password and no
    codename, can read."""
    candidates = candidate_keys(values, secrets)
    report = Report(keys_tried=len(candidates))
    key_boxes = (
        [bytea(row["sealed_private_key"]) for row in tables.get("accounts_keygrant")]
        + [bytea(row[name]) for row in tables.get("referrals_referral")
           for name in ("key_for_organization", "key_for_visitor")]
    )
    locked = ([bytea(row[name]) for row in tables.get("accounts_staffkey")
               for name in ("private_by_password", "private_by_recovery")]
              + [bytea(row["private_by_recovery"])
                 for row in tables.get("accounts_organizationkey")])
    pending = ([(box, try_unseal) for box in key_boxes if box]
               + [(box, try_unlock) for box in locked if box])
    opened_any = True
    while opened_any:  # a key that opens goes back into the candidates
        opened_any = False
        for entry in list(pending):
            box, opener = entry
            found = opener(candidates, box)
            if found is not None and len(found[1]) == 32:
                pending.remove(entry)
                candidates.add(found[1])
                report.keys_opened += 1
                opened_any = True

    referrals, messages = thread_texts(tables)
    report.referrals, report.messages = len(referrals), sum(map(len, messages.values()))
    for pk, row in referrals.items():
        first_box = sealed_text(row["message_encrypted"])
        private = None
        if first_box is not None:
            found = try_unseal(candidates, first_box)
            private = found[0] if found else None
        texts = [row["message_encrypted"]] + [m["body_encrypted"] for m in messages.get(pk, [])]
        opened = open_thread(private, texts, candidates)
        report.referrals_read += opened[0] is not None
        report.messages_read += sum(text is not None for text in opened[1:])
        report.words += [text for text in opened if text]
    return report


# ---------------------------------------------------------------------------------------------
# Positive controls: what a password and a codename open, derived from the design alone


def fold(codename: str) -> str:
    decomposed = unicodedata.normalize("NFKD", codename.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "-".join(re.findall(r"[a-z]+", plain))


def codename_private(codename: str, pepper: bytes) -> bytes:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=pepper,
                info=b"helpportal/codename-key/v1").derive(f"codename:{fold(codename)}".encode())
    return bytes(PrivateKey.from_seed(seed))


def threads_opened_by_codename(tables: Tables, codename: str, pepper: bytes) -> list[str]:
    """The referrals whose thread key this codename opens, with their first message read."""
    private = codename_private(codename, pepper)
    opened = []
    for row in tables.get("referrals_referral"):
        box = bytea(row["key_for_visitor"])
        if not box:
            continue
        try:
            thread = SealedBox(PrivateKey(private)).decrypt(box)
        except nacl.exceptions.CryptoError:
            continue
        if open_thread(thread, [row["message_encrypted"]], set())[0] is not None:
            opened.append(row["id"])
    return opened


def threads_opened_by_password(tables: Tables, username: str, password: str) -> list[str]:
    """The referrals a staff member's password opens: Argon2id, their key, their grants."""
    users = {row["id"]: row["username"] for row in tables.get("auth_user")}
    staff = [row for row in tables.get("accounts_staffkey")
             if users.get(row["user_id"]) == username]
    if not staff:
        return []
    row = staff[0]
    key = nacl.pwhash.argon2id.kdf(32, password.encode(), bytea(row["password_salt"]),
                                   opslimit=int(row["password_opslimit"]),
                                   memlimit=int(row["password_memlimit"]))
    private = SecretBox(key).decrypt(bytea(row["private_by_password"]))
    organization_keys = {}
    for grant in tables.get("accounts_keygrant"):
        if grant["user_id"] == row["user_id"]:
            sealed = bytea(grant["sealed_private_key"])
            organization_keys[grant["organization_key_id"]] = SealedBox(
                PrivateKey(private)).decrypt(sealed)
    opened = []
    for referral in tables.get("referrals_referral"):
        organization_private = organization_keys.get(referral["organization_key_id"])
        if organization_private is None:
            continue
        thread = SealedBox(PrivateKey(organization_private)).decrypt(
            bytea(referral["key_for_organization"]))
        if open_thread(thread, [referral["message_encrypted"]], set())[0] is not None:
            opened.append(referral["id"])
    return opened


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--redis", type=Path, help="a file of every Redis value, one a line")
    parser.add_argument("--env", type=Path, help="the stack's environment, NAME=value lines")
    parser.add_argument("--files", type=Path, help="a directory of files the stack wrote")
    args = parser.parse_args(argv)
    text = args.dump.read_text(encoding="utf-8", errors="replace")
    values = [text]
    secrets = []
    if args.redis:
        values.append(args.redis.read_text(encoding="utf-8", errors="replace"))
    if args.env:
        for line in args.env.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            if value:
                secrets.append(value)
    if args.files:
        for path in sorted(args.files.rglob("*")):
            if path.is_file() and path.stat().st_size < 50_000_000:
                values.append(path.read_bytes().decode("utf-8", "replace"))
    report = analyse(tables_from_dump(text), values, secrets)
    print(report.summary())
    return 0 if report.referrals_read == report.messages_read == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
