"""Who gets in: password hashing (scrypt with a random salt), constant-time checks, loopback hosts."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from typing import Any

#: scrypt cost (n = 2**14, r = 8, p = 1: about 16 MiB and 50 ms per check)
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
_MIN_LENGTH = 8


def hash_password(password: str, salt: bytes | None = None) -> dict[str, Any]:
    """A storable record of ``password``: scheme, parameters, salt and hash (hex).

    Raises
    ------
    ValueError
        If the password is shorter than 8 characters.
    """
    if len(password) < _MIN_LENGTH:
        raise ValueError(f"the password needs at least {_MIN_LENGTH} characters")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return {"scheme": "scrypt", **SCRYPT, "salt": salt.hex(), "hash": digest.hex()}


def verify_password(password: str, record: dict[str, Any] | None) -> bool:
    """Whether ``password`` matches a record of :func:`hash_password` (compared in constant time).

    A missing or malformed record never matches.
    """
    if not record or record.get("scheme") != "scrypt":
        return False
    try:
        salt, expected = bytes.fromhex(record["salt"]), bytes.fromhex(record["hash"])
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=len(expected),
                                n=int(record["n"]), r=int(record["r"]), p=int(record["p"]))
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(digest, expected)


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` serves this machine only (``127.0.0.0/8``, ``::1``, ``localhost``)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


__all__ = ["hash_password", "is_loopback", "verify_password"]
