"""Reading what was typed in the patient search box, and the SQL that answers it. Pure.

One box takes an IPP (whole or its beginning), names (usual, birth or first name, each word a
prefix, accents and case ignored), a birth date (JJ/MM/AAAA or AAAA-MM-JJ) or a mix of them:
"dupont 14/03/1958", "helene dupont", "IPP0000012". An IPP may be typed without its letters
("10002266" finds "IPP10002266", "0000" the local "SEC000001") and a word of letters alone is
also the beginning of an IPP ("sec" finds the patients created during the outage, whose IPPs
are "SEC…", as well as the names starting with "sec"). Every problem becomes a French
sentence; nothing typed can raise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MAX_INPUT_CHARS = 120
MAX_TOKENS = 6
MIN_CHARS = 2

# Day first, as French users type it; 2-digit years are refused (19xx or 20xx is ambiguous
# for birth dates). ISO dates are accepted too (copied from another system).
FRENCH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{1,4})$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATE_LIKE = re.compile(r"^[\d/.]*\d[/.][\d/.]*$")  # digits and / or . only: a date attempt
SEPARATORS = re.compile(r"[\s,;]+")

HELP = "Saisissez un IPP, un nom, un prénom ou une date de naissance (JJ/MM/AAAA)."

# The same normalisation, in Python for what is typed and in SQL for the lookup table; a test
# checks they agree on French names.
SQL_SEARCH_KEY_MACRO = (
    "CREATE OR REPLACE MACRO search_key(s) AS trim(regexp_replace("
    "replace(replace(strip_accents(lower(s)), 'œ', 'oe'), 'æ', 'ae'), "
    "'[^a-z0-9]+', ' ', 'g'))"
)


def normalize(text: str) -> str:
    """Lower case, no accents, ligatures spelt out, every other sign a single space."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", text))


@dataclass(frozen=True)
class PatientQuery:
    """What to look for. `words` are normalised name prefixes; all must match."""

    words: tuple[str, ...] = ()
    ipp_prefix: str | None = None  # upper case
    birth_date: date | None = None


@dataclass(frozen=True)
class QueryProblem:
    message: str  # French, shown as is


def _date_problem(token: str) -> str:
    return (
        f"Date non reconnue : « {token} ». Saisissez la date de naissance au format "
        "JJ/MM/AAAA (par exemple 14/03/1958)."
    )


def parse_date(token: str, today: date | None = None) -> date | QueryProblem | None:
    """A birth date, a problem with a date-looking token, or None when it is not a date."""
    iso = ISO_DATE.match(token)
    french = FRENCH_DATE.match(token)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif french:
        day, month = int(french.group(1)), int(french.group(2))
        if len(french.group(3)) != 4:
            return QueryProblem(
                f"Année incomplète dans « {token} » : saisissez l'année sur 4 chiffres "
                "(JJ/MM/AAAA, par exemple 14/03/1958)."
            )
        year = int(french.group(3))
    elif DATE_LIKE.match(token):
        return QueryProblem(_date_problem(token))
    else:
        return None
    try:
        value = date(year, month, day)
    except ValueError:
        return QueryProblem(f"Date impossible : « {token} » n'existe pas au calendrier.")
    if value.year < 1900:
        return QueryProblem(f"Date de naissance invraisemblable : « {token} » (avant 1900).")
    if today is not None and value > today:
        return QueryProblem(f"Date de naissance dans le futur : « {token} ».")
    return value


def parse_query(text: str | None, today: date | None = None) -> PatientQuery | QueryProblem:
    """Read the search box. `today` refuses birth dates in the future when given."""
    text = (text or "").strip()
    if not text:
        return QueryProblem(HELP)
    if len(text) > MAX_INPUT_CHARS:
        return QueryProblem(f"Recherche trop longue : {MAX_INPUT_CHARS} caractères au plus.")
    tokens = [t for t in SEPARATORS.split(text) if t]
    if len(tokens) > MAX_TOKENS:
        return QueryProblem(
            f"Trop de mots ({len(tokens)}) : {MAX_TOKENS} au plus. Le nom et la date de "
            "naissance suffisent en général."
        )
    words: list[str] = []
    ipp: str | None = None
    birth: date | None = None
    for token in tokens:
        parsed = parse_date(token, today)
        if isinstance(parsed, QueryProblem):
            return parsed
        if parsed is not None:
            if birth is not None and parsed != birth:
                return QueryProblem("Une seule date de naissance par recherche.")
            birth = parsed
        elif any(c.isdigit() for c in token):  # an IPP holds digits; a name does not
            if ipp is not None:
                return QueryProblem("Un seul IPP par recherche.")
            ipp = token.upper()
        elif key := normalize(token):
            words.append(key)
    if not (birth or (ipp and len(ipp) >= MIN_CHARS) or any(len(w) >= MIN_CHARS for w in words)):
        return QueryProblem(
            "Recherche trop courte : saisissez au moins 2 lettres du nom ou du prénom, le "
            "début de l'IPP ou une date de naissance (JJ/MM/AAAA)."
        )
    return PatientQuery(tuple(words), ipp, birth)


# The lookup tables built by search.py: one row per patient, `rank` its place in alphabetical
# order (usual name, first name, birth date, IPP). `patient_index` holds the snapshot's,
# `all_patients` adds those created during the outage.
SELECT_HITS = """SELECT patient_id, last_name, first_name, birth_name, sex, birth_date,
       ward_id, ward_name, source
FROM {table}"""
TABLES = ("patient_index", "all_patients")


def search_sql(query: PatientQuery, limit: int, table: str = "patient_index") -> tuple[str, list]:
    """SQL and parameters giving at most `limit` rows, most relevant first: the exact IPP,
    then patients whose usual name starts with a typed word, then whose birth name does, then
    the others (first names), each group in alphabetical order."""
    conditions: list[str] = []
    params: list = []
    for word in query.words:
        # names_key has a space before every word, the IPP's included ("sec": SEC000001)
        conditions.append("contains(names_key, ?)")
        params.append(" " + word)
    if query.ipp_prefix:
        # ipp_keys is " IPP10002266 10002266": the IPP or its digits, from their beginning
        conditions.append("contains(ipp_keys, ?)")
        params.append(" " + query.ipp_prefix)
    if query.birth_date:
        conditions.append("birth_date = ?")
        params.append(query.birth_date)
    order = ["(ipp_key = ? OR ipp_digits = ?) DESC"]
    # "-" is never an ipp_digits: no IPP typed, no IPP put first
    order_params: list = [query.ipp_prefix or "", query.ipp_prefix or "-"]
    for key in ("last_key", "birth_key"):
        if query.words:
            order.append(
                "(" + " OR ".join(f"starts_with({key}, ?)" for _ in query.words) + ") DESC"
            )
            order_params.extend(query.words)
    if table not in TABLES:  # a name, not a parameter: only ours
        raise ValueError(table)
    sql = (
        f"{SELECT_HITS.format(table=table)}\nWHERE {' AND '.join(conditions)}\n"
        f"ORDER BY {', '.join(order)}, rank\nLIMIT ?"
    )
    return sql, [*params, *order_params, limit]
