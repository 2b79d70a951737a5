"""The password hasher the design asks for: bcrypt with a SHA-256 prehash, at cost 12."""

from django.contrib.auth.hashers import BCryptSHA256PasswordHasher


class BCryptSHA256Cost12PasswordHasher(BCryptSHA256PasswordHasher):
    """Pinned at cost 12 so that a Django upgrade changing its default does not silently change ours. The
    algorithm name stays Django's (`bcrypt_sha256`): hashes made at another cost still verify and are rewritten
    at the next sign-in."""

    rounds = 12
