"""Guards shared by every way in: the client's address and the lockout of repeated
failures (docs/security.md)."""
