"""GraphQL documents shared by the accounts tests."""

TOKEN_AUTH = """
mutation TokenAuth($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) {
    token tokenExpiresAt refreshToken refreshTokenExpiresAt payload user { username }
  }
}
"""

REFRESH_TOKEN = """
mutation Refresh($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) {
    token tokenExpiresAt refreshToken refreshTokenExpiresAt payload
  }
}
"""

VERIFY_TOKEN = """
mutation Verify($token: String!) { verifyToken(token: $token) { payload } }
"""

REVOKE_TOKEN = """
mutation Revoke($refreshToken: String!) { revokeToken(refreshToken: $refreshToken) { revoked } }
"""

ME = "query { me { username } }"

REVOKE_ALL_TOKENS = "mutation { revokeAllTokens { revoked } }"

CHANGE_PASSWORD = """
mutation ChangePassword($oldPassword: String!, $newPassword: String!) {
  changePassword(oldPassword: $oldPassword, newPassword: $newPassword) {
    errors { field code messages }
    token tokenExpiresAt refreshToken refreshTokenExpiresAt payload user { username }
  }
}
"""

MY_SESSIONS = """
query { mySessions { id signedInAt lastUsedAt expiresAt userAgent ipNetwork current } }
"""

REVOKE_SESSION = """
mutation RevokeSession($id: ID!) {
  revokeSession(id: $id) { revokedId errors { field code messages } }
}
"""
