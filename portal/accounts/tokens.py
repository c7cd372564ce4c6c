"""Tokens of a signed-in session.

Every sign-in starts a session: a random ``sid`` claim in its refresh token. simplejwt copies
every claim but ``token_type``, ``exp``, ``jti`` and ``iat`` into the access tokens it mints from a
refresh token (``RefreshToken.access_token``), and rotation (``TokenRefreshSerializer``) gives the
same token a new ``jti``, ``exp`` and ``iat``: so the session's successors and all its access tokens
carry the same ``sid``, and logout revokes them together (``actions.session_revoke``) while the
resident's other sessions — another phone, the mini-program — go on. Tokens minted without a
``sid`` (before sessions existed) are accepted until they expire.
"""

from __future__ import annotations

import uuid

from rest_framework_simplejwt.tokens import RefreshToken

SESSION_CLAIM = "sid"


class SessionRefreshToken(RefreshToken):
    """A refresh token; a new one (``for_user``) starts a session. Set in ``__init__`` so that the
    claim is in the token ``for_user`` records as outstanding."""

    def __init__(self, token=None, verify: bool = True) -> None:
        super().__init__(token, verify)
        if token is None:
            self[SESSION_CLAIM] = uuid.uuid4().hex


def login_tokens(user) -> dict[str, str]:
    """``{"access", "refresh"}`` of a new session of ``user``."""
    refresh = SessionRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def session_of(token) -> str:
    """The session id a (validated) token or its payload carries; "" for a token minted before
    sessions, or none."""
    sid = token.get(SESSION_CLAIM) if token is not None else None
    return sid if isinstance(sid, str) else ""
