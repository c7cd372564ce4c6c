"""Bearer-token authentication for the API (DRF ``DEFAULT_AUTHENTICATION_CLASSES``)."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from portal.accounts.models import User
from portal.accounts.tokens import session_of
from portal.core.fields import EncryptedTextField
from portal.core.prepared import prepared_cursor
from portal.core.rows import RowLoader

# The encrypted columns (name, ID number, phone) are not read with the bearer user: few requests
# need them, and each would cost a decryption on every request (about 35 µs apiece) and leave the
# plaintext in memory. A view that reads one loads it then (Django's deferred field).
_users = RowLoader(User, defer=tuple(f.name for f in User._meta.concrete_fields if isinstance(f, EncryptedTextField)))


class BearerAuthentication(JWTAuthentication):
    """simplejwt's ``JWTAuthentication`` with the user read by one fixed statement instead of an
    ORM query built per request (half a millisecond of Python on the booking path). The same
    statement says whether the token's session was ended by logout (``RevokedSession``, a primary
    key probe): a revoked token is refused as an invalid one, with no second round trip. A user
    who is missing, inactive or whose token a password change revoked goes to simplejwt's own
    ``get_user``, which refuses with its exact error."""

    def get_user(self, validated_token: Token) -> User:
        sid = session_of(validated_token)
        claim = validated_token.get(api_settings.USER_ID_CLAIM)  # simplejwt writes the id as a string
        if api_settings.USER_ID_FIELD != "id" or not (type(claim) is int or (type(claim) is str and claim.isdigit())):
            # Imported here, not at load: actions loads simplejwt, whose settings load this class.
            from portal.accounts.actions import session_revoked

            user = super().get_user(validated_token)
            if session_revoked(sid=sid):
                raise InvalidToken()
            return user
        user_id = int(claim)
        with prepared_cursor() as cursor:
            # A token without a session (minted before sessions existed) asks about sid '', never stored.
            cursor.execute(f"SELECT {_users.columns('u')}, "  # noqa: S608
                           "EXISTS (SELECT 1 FROM accounts_revokedsession r WHERE r.sid = %s) "
                           "FROM accounts_user u WHERE u.id = CAST(%s AS bigint)", [sid, user_id])
            row = cursor.fetchone()
        if row is not None and row[-1]:
            raise InvalidToken()
        user = _users.load(row) if row is not None else None
        if (user is None or (api_settings.CHECK_USER_IS_ACTIVE and not user.is_active)
                or (api_settings.CHECK_REVOKE_TOKEN and validated_token.get(api_settings.REVOKE_TOKEN_CLAIM)
                    != get_md5_hash_password(user.password))):
            return super().get_user(validated_token)
        return user


class BearerAuthenticationScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the JWT bearer scheme it is (``jwtAuth``)."""

    target_class = BearerAuthentication
