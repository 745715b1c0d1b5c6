"""The password hasher: Argon2id at OWASP's recommended strength (README "Security choices").

Django's Argon2PasswordHasher defaults to m=102400 KiB, t=2, p=8: far above
OWASP's floor and about 8 runs of ours per sign-in. OWASP's Password Storage
Cheat Sheet lists five equivalent Argon2id settings; measured on this machine
(argon2-cffi 25.1, one core, medians of 5 rounds of 10 hashes):

    m=47104 t=1: 50 ms    m=19456 t=2: 21 ms    m=12288 t=3: 18 ms
    m=9216  t=4: 17 ms    m=7168  t=5: 17 ms    (PBKDF2, 1,000,000 iterations: 245 ms)

m=19456 KiB (19 MiB), t=2, p=1 is OWASP's headline setting: within a quarter of
the fastest and with nearly three times its memory, which is what makes each
guess costly on a GPU. The 46 MiB setting costs 2.4x for fresh pages on every
run, and a worker's peak memory with it. Same algorithm name ("argon2") as
Django's, so hashes made with other parameters still verify, and are rehashed
to these at the next successful sign-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id, m=19456 KiB, t=2, p=1 (OWASP); the first of PASSWORD_HASHERS."""

    memory_cost = 19456
    time_cost = 2
    parallelism = 1

    def harden_runtime(self, password: str, encoded: str) -> None:
        """A wrong password against a weaker Argon2 hash costs what ours would.

        Django calls this when the stored hash has other parameters than ours
        (must_update) and the password was wrong, so that such an account does
        not answer faster than one hashed with ours, or than an unknown
        username. Argon2's work is about memory x passes: run the missing passes
        at our memory, rounded to whole passes (less than half of one: none).
        """
        decoded = self.decode(encoded)
        missing = self.memory_cost * self.time_cost - decoded["memory_cost"] * decoded["time_cost"]
        passes = round(missing / self.memory_cost)
        if passes < 1:
            return
        argon2 = self._load_library()
        argon2.low_level.hash_secret(
            password.encode(),
            decoded["salt"].encode(),
            time_cost=passes,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            hash_len=argon2.DEFAULT_HASH_LENGTH,
            type=argon2.low_level.Type.ID,
        )
