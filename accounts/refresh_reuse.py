"""The reuse interval: a just-rotated refresh token, presented again, gets the same pair.

Two browser tabs (or three parallel queries) that find the access token expired
all refresh with the one refresh token they share. Only the first rotates it;
without this, the others would be REFRESH_TOKEN_REUSED and the whole sign-in
would end. Auth0 calls this the "reuse interval": within
JWT_REFRESH_TOKEN_REUSE_INTERVAL seconds of the rotation (0 turns it off), a
repeat returns the successor pair the first one got, and the chain lives on.
Past it, a repeat still ends the chain.

The trade-off: a thief who replays a stolen refresh token within those seconds
of the rightful rotation also gets the pair, and the replay goes unnoticed. The
window is short and bounded (at most 60 s), and it only opens while the
successor is still unused.

Nothing readable is stored: the rotated row keeps the successor pair encrypted
(Fernet) under a key derived from SECRET_KEY and the rotated token itself,
which the database does not hold (only its SHA-256). The database and the
secret together still cannot open it; whoever presents the old token can.
"""

import base64
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.crypto import salted_hmac

SEAL_SALT = "accounts.refresh_reuse.successor"


@dataclass(frozen=True)
class SealedPair:
    """The successor pair of a rotation, as the first caller received it."""

    access_token: str
    refresh_token: str


def _fernet(presented_token: str, secret: str) -> Fernet:
    digest = salted_hmac(SEAL_SALT, presented_token, secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def successor_seal(*, presented_token: str, pair: SealedPair) -> str:
    """The successor pair, encrypted for whoever presents `presented_token` again."""
    if settings.JWT_REFRESH_TOKEN_REUSE_INTERVAL <= 0:
        # Off: nothing to return later, so nothing is kept.
        return ""
    plain = json.dumps({"access": pair.access_token, "refresh": pair.refresh_token})
    return _fernet(presented_token, settings.SECRET_KEY).encrypt(plain.encode()).decode()


def successor_unseal(*, presented_token: str, sealed: str) -> SealedPair | None:
    """The pair sealed by successor_seal, or None (nothing sealed, or another key)."""
    if not sealed:
        return None
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        try:
            plain = json.loads(_fernet(presented_token, secret).decrypt(sealed.encode()))
        except InvalidToken:
            continue
        return SealedPair(access_token=plain["access"], refresh_token=plain["refresh"])
    return None
