"""Encryption at rest for secrets we must be able to read back (RTSP passwords).

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``. The key is ``NEM_FIELD_ENCRYPTION_KEY``
(a Fernet key) or, when unset, derived from ``SECRET_KEY``; rotating SECRET_KEY without setting
the old value as NEM_FIELD_ENCRYPTION_KEY makes stored passwords unreadable (they read as None).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _fernet(secret_key: str, explicit_key: str) -> Fernet:
    if explicit_key:
        return Fernet(explicit_key.encode())
    derived = hashlib.sha256(f"nem.field-encryption:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _current() -> Fernet:
    return _fernet(settings.SECRET_KEY, settings.NEM_FIELD_ENCRYPTION_KEY)


def encrypt_secret(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def decrypt_secret(token: str) -> str | None:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        logger.error("a stored secret could not be decrypted: was the encryption key changed?")
        return None
