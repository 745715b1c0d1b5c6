"""Domain errors of authentication; the GraphQL layer maps each to an error code."""


class AuthenticationError(Exception):
    """Base class: the caller could not be authenticated."""

    default_message = "Authentication failed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)


class InvalidCredentialsError(AuthenticationError):
    # One message whether or not the username exists.
    default_message = "Please enter a valid username and password."


class TokenExpiredError(AuthenticationError):
    default_message = "The token has expired."


class TokenInvalidError(AuthenticationError):
    default_message = "The token is invalid."


class RefreshTokenReusedError(AuthenticationError):
    default_message = (
        "This refresh token was already used or revoked; every session of its "
        "sign-in has been ended. Sign in again."
    )


class OriginNotAllowedError(AuthenticationError):
    default_message = (
        "Cookie mode needs a browser request whose Origin is an allowed origin "
        "(CORS_ALLOWED_ORIGINS) or the API's own."
    )


class CsrfTokenInvalidError(AuthenticationError):
    default_message = (
        "The refresh cookie came without the X-CSRF-Token header of its sign-in, or with "
        "another value: send the csrfToken that tokenAuth or refreshToken returned."
    )


class RateLimitedError(Exception):
    """Too many attempts (of a password, a sign-up, an e-mail request, an invitation token)
    for a username, an address or a user."""

    def __init__(self, retry_after: int, what: str = "password attempts") -> None:
        self.retry_after = retry_after
        super().__init__(f"Too many {what}. Try again in {retry_after} seconds.")


class DpopError(AuthenticationError):
    """A DPoP proof (RFC 9449) refused; `challenge` is its WWW-Authenticate error."""

    challenge = "invalid_dpop_proof"


class DpopProofInvalidError(DpopError):
    default_message = "The DPoP proof is invalid."


class DpopProofReplayedError(DpopError):
    default_message = "This DPoP proof was already used: make a new proof for every request."


class DpopProofTargetMismatchError(DpopError):
    default_message = "The DPoP proof was made for another HTTP method or URL (htm/htu)."


class DpopKeyMismatchError(DpopError):
    challenge = "invalid_token"
    default_message = (
        "The DPoP proof is signed with another key than the one the token is bound to."
    )


class DpopProofRequiredError(DpopError):
    challenge = "invalid_token"
    default_message = (
        "The token is bound to a DPoP key: send it as 'Authorization: DPoP <token>' "
        "with a DPoP proof (refreshToken: with a DPoP proof header)."
    )
