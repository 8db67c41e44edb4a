"""The staff login hash: Argon2id (Django's Argon2PasswordHasher, argon2-cffi), at the same cost
as the Argon2id that wraps a staff key (settings.PASSWORD_KEY_*), and under the same bound of
derivations at once per process (helpportal.sealing), so that a burst of sign-ins waits
instead of exhausting memory. PBKDF2 hashes made before are still checked, and replaced by
this one at the next sign-in (Django's `must_update`)."""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

from helpportal.sealing import derivation_slot


class StaffArgon2PasswordHasher(Argon2PasswordHasher):
    parallelism = 1

    @property
    def time_cost(self):
        return settings.PASSWORD_KEY_OPSLIMIT

    @property
    def memory_cost(self):  # KiB
        return settings.PASSWORD_KEY_MEMLIMIT // 1024

    def encode(self, password, salt):
        with derivation_slot():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with derivation_slot():
            return super().verify(password, encoded)
