"""Signed, expiring tokens for email verification links.

A token signs the user's public id and a keyed digest of their current address, with a salt used
for nothing else: it is valid for `EMAIL_VERIFICATION_MAX_AGE`, for that user, and only while the
address is unchanged. The digest (rather than the address itself) keeps addresses out of links,
server logs and browser histories.
"""

import uuid
from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

EMAIL_VERIFICATION_SALT = "yuchuang.accounts.email-verification"
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
_MAX_TOKEN_LENGTH = 200


class InvalidToken(Exception):
    """The link is not one we made, was altered, or is for an address that has changed."""


class ExpiredToken(InvalidToken):
    """The link is authentic but older than `EMAIL_VERIFICATION_MAX_AGE`."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=EMAIL_VERIFICATION_SALT)


def _email_digest(email: str) -> str:
    return salted_hmac(EMAIL_VERIFICATION_SALT, email.lower(), algorithm="sha256").hexdigest()[:32]


def make_email_verification_token(*, public_id: uuid.UUID, email: str) -> str:
    return _signer().sign(f"{public_id.hex}.{_email_digest(email)}")


def read_email_verification_token(token: str) -> tuple[uuid.UUID, str]:
    """The public id and email digest a token carries; raises InvalidToken or ExpiredToken."""
    if len(token) > _MAX_TOKEN_LENGTH:
        raise InvalidToken
    try:
        value = _signer().unsign(token, max_age=EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise InvalidToken from error
    public_hex, _, digest = value.partition(".")
    try:
        return uuid.UUID(hex=public_hex), digest
    except ValueError as error:
        raise InvalidToken from error


def email_matches(digest: str, email: str) -> bool:
    return constant_time_compare(digest, _email_digest(email))
