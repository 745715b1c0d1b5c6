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


class RateLimitedError(Exception):
    """Too many password attempts for a username or from an address."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"Too many password attempts. Try again in {retry_after} seconds.")


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
