"""Password hashing with scrypt (hashlib, OpenSSL): memory-hard, salted, parameters stored per hash."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

# n=2**15, r=8 uses 32 MiB and ~0.2 s per check on a small machine: slow for guessing, fine for a login.
N, R, P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024
_SALT_BYTES = 16
_KEY_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _kdf(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=_MAXMEM, dklen=_KEY_BYTES)


def hash_password(password: str) -> str:
    """'scrypt$n$r$p$salt$key' (base64 parts)."""
    salt = os.urandom(_SALT_BYTES)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_kdf(password, salt, N, R, P))}"


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches; False for a wrong password or an unreadable hash."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _kdf(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    parts = stored.split("$")
    return len(parts) != 6 or parts[0] != "scrypt" or (parts[1], parts[2], parts[3]) != (str(N), str(R), str(P))


@functools.cache
def dummy_hash() -> str:
    """A hash of nothing in particular, checked when a user does not exist, so a login takes the
    same time whether or not the name is known."""
    return hash_password(_b64(os.urandom(12)))
