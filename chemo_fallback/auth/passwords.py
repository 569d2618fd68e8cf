"""Password rules (CNIL 2022 recommendation) and hashing (argon2id)."""

from __future__ import annotations

import string
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH_ALL_CLASSES = 12  # CNIL: 12 characters mixing the four kinds
MIN_LENGTH_THREE_CLASSES = 14
MIN_LENGTH_ANY = 20  # a long passphrase

_HASHER = PasswordHasher()


def strength_problem(password: str) -> str | None:
    """None when the password is strong enough, else what is missing, in French."""
    kinds = {
        "minuscules": any(c.islower() for c in password),
        "majuscules": any(c.isupper() for c in password),
        "chiffres": any(c.isdigit() for c in password),
        "caractères spéciaux": any(
            c in string.punctuation or (not c.isalnum() and not c.isspace()) for c in password
        ),
    }
    present = sum(kinds.values())
    length = len(password)
    if length >= MIN_LENGTH_ANY:
        return None
    if length >= MIN_LENGTH_THREE_CLASSES and present >= 3:
        return None
    if length >= MIN_LENGTH_ALL_CLASSES and present == 4:
        return None
    missing = [name for name, ok in kinds.items() if not ok]
    return (
        f"Mot de passe trop faible : au moins {MIN_LENGTH_ALL_CLASSES} caractères mêlant "
        f"minuscules, majuscules, chiffres et caractères spéciaux (ou {MIN_LENGTH_THREE_CLASSES} "
        f"caractères de trois de ces types, ou une phrase de {MIN_LENGTH_ANY} caractères). "
        f"Il fait {length} caractère(s)"
        + (f" et il y manque : {', '.join(missing)}." if missing else ".")
    )


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash of nothing that matters, made with the hasher's parameters (made again, once, if
# these ever change: the comparison must cost what a real one costs).
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$N0U9WRujH6VDbKKVVTb9sA$"
    "s0asw9FYumJ/VVPnJVskfX/ijTncT23XaC+Rlug+LU4"
)


@cache
def _dummy_hash() -> str:
    if _HASHER.check_needs_rehash(_DUMMY_HASH):
        return _HASHER.hash("aucun compte : empreinte de comparaison")
    return _DUMMY_HASH


def no_account_matches(password: str) -> bool:
    """For a name that is no account: the same argon2 work as a real check (so the answer
    takes as long as for a real account with a wrong password), and always False."""
    password_matches(_dummy_hash(), password)
    return False
