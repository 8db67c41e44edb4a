"""The few cryptographic operations referrals are sealed with, all from libsodium (PyNaCl) and
the HKDF of `cryptography`; nothing here is a primitive of our own (docs/referrals.md, "Keys").

- `seal` / `unseal`: an X25519 sealed box (anonymous sender; XSalsa20-Poly1305). Threads are
  sealed to their own key pair, and private keys to the public key of whoever may open them.
- `lock` / `unlock`: a secret box (XSalsa20-Poly1305, random 24-byte nonce) under a 32-byte key.
- `password_key`: Argon2id (libsodium's crypto_pwhash) for a secret a person chose, which is
  guessable: a staff password. Its salt and parameters are stored with what it wraps.
- `secret_key`: HKDF-SHA256 for a secret with 80 bits or more of entropy (a codename, a
  recovery key): guessing it is hopeless, so no slow hash is needed, and a server pepper and a
  purpose label keep each derived key for one use.

Every failure to open (a forged, truncated, foreign or wrong-key ciphertext) raises SealError
and yields nothing: there is no partial decryption.
"""

import base64
import contextlib
import secrets
import threading
from dataclasses import dataclass

import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

KEY_BYTES = 32


class SealError(Exception):
    """A ciphertext or key that does not open: forged, truncated, foreign or the wrong key."""


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    private: bytes


def keypair() -> KeyPair:
    private = PrivateKey.generate()
    return KeyPair(public=bytes(private.public_key), private=bytes(private))


def keypair_from_seed(seed: bytes) -> KeyPair:
    """The X25519 key pair a 32-byte secret derives (libsodium crypto_box_seed_keypair)."""
    private = PrivateKey.from_seed(seed)
    return KeyPair(public=bytes(private.public_key), private=bytes(private))


def public_of(private: bytes) -> bytes:
    try:
        return bytes(PrivateKey(bytes(private)).public_key)
    except (TypeError, ValueError, nacl.exceptions.CryptoError) as error:
        raise SealError("not a private key") from error


def seal(public: bytes, plaintext: bytes) -> bytes:
    return SealedBox(PublicKey(bytes(public))).encrypt(plaintext)


def unseal(private: bytes, ciphertext: bytes) -> bytes:
    try:
        return SealedBox(PrivateKey(bytes(private))).decrypt(bytes(ciphertext))
    except (TypeError, ValueError, nacl.exceptions.CryptoError) as error:
        raise SealError("the sealed box does not open with this key") from error


def lock(key: bytes, plaintext: bytes) -> bytes:
    return bytes(SecretBox(bytes(key)).encrypt(plaintext))


def unlock(key: bytes, ciphertext: bytes) -> bytes:
    try:
        return SecretBox(bytes(key)).decrypt(bytes(ciphertext))
    except (TypeError, ValueError, nacl.exceptions.CryptoError) as error:
        raise SealError("the secret box does not open with this key") from error


# ---------------------------------------------------------------------------------------------
# Keys from secrets


@dataclass(frozen=True)
class PasswordParams:
    """How a password became a key: stored beside what that key wraps."""

    salt: bytes
    opslimit: int
    memlimit: int


# At most this many Argon2id derivations run at once in one process, each holding `memlimit`
# bytes: a burst of sign-ins waits instead of exhausting memory (settings.PASSWORD_KEY_*).
_derivations = None
_derivations_lock = threading.Lock()


def _derivation_slots() -> threading.BoundedSemaphore:
    global _derivations
    with _derivations_lock:
        if _derivations is None:
            _derivations = threading.BoundedSemaphore(settings.PASSWORD_KEY_CONCURRENCY)
        return _derivations


@contextlib.contextmanager
def derivation_slot():
    """One of the PASSWORD_KEY_CONCURRENCY places for a memory-hard derivation in this process
    (the staff key's, and the login hash's: accounts/hashers.py)."""
    with _derivation_slots():
        yield


def password_params_new() -> PasswordParams:
    return PasswordParams(
        salt=nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES),
        opslimit=settings.PASSWORD_KEY_OPSLIMIT,
        memlimit=settings.PASSWORD_KEY_MEMLIMIT,
    )


def password_key(password: str, params: PasswordParams) -> bytes:
    """Argon2id of the password under its own salt and parameters: a 32-byte key."""
    with derivation_slot():
        return nacl.pwhash.argon2id.kdf(
            KEY_BYTES, password.encode(), bytes(params.salt),
            opslimit=params.opslimit, memlimit=params.memlimit,
        )


def secret_key(secret: str, *, pepper: bytes, purpose: str) -> bytes:
    """HKDF-SHA256 of a high-entropy secret, salted with a server pepper, for one purpose.

    The purpose is the HKDF info: "codename lookup" and "codename key" from one codename are
    unrelated keys, and neither tells the other."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=pepper,
        info=f"helpportal/{purpose}/v1".encode(),
    ).derive(secret.encode())


def joined_key(one: bytes, other: bytes, *, purpose: bytes) -> bytes:
    """A key that needs both halves: keyed BLAKE2b of one under the other (a cookie's half and
    the session's half, accounts/keystore.py). `purpose` is at most 16 bytes."""
    return nacl.hash.blake2b(bytes(one), key=bytes(other), person=purpose,
                             digest_size=KEY_BYTES, encoder=nacl.encoding.RawEncoder)


# ---------------------------------------------------------------------------------------------
# Recovery keys: random, shown once, typed back by a person


RECOVERY_GROUPS = 8  # 8 groups of 5 base32 characters: 200 bits


def recovery_key_new() -> str:
    text = base64.b32encode(secrets.token_bytes(25)).decode().rstrip("=")
    return "-".join(text[i:i + 5] for i in range(0, len(text), 5))


def recovery_key_normalise(text: str) -> str:
    """Case, spaces and hyphens do not matter; 0, 1 and 8, which base32 lacks, are read as the
    letters they are mistaken for (O, I, B)."""
    cleaned = "".join(char for char in text.upper() if char.isalnum())
    cleaned = cleaned.translate(str.maketrans({"0": "O", "1": "I", "8": "B"}))
    return "-".join(cleaned[i:i + 5] for i in range(0, len(cleaned), 5))


def recovery_key_derive(text: str, *, purpose: str) -> bytes:
    """The secret-box key a recovery key stands for. No pepper: a recovery key must still work
    when every server secret is lost."""
    return secret_key(recovery_key_normalise(text), pepper=b"", purpose=purpose)
