"""Vial scanning, the pure part: what a keyboard-wedge scanner types for the GS1 DataMatrix of a
vial, read with biip (never with a hand-written table of application identifiers), and the checks
made before the vial is recorded against a preparation. No database, no UI.

What `parse_vial_code` accepts:

- the element string of a GS1 DataMatrix (also GS1-128, GS1 QR Code, GS1 DataBar: biip's GS1
  symbologies), with or without the AIM symbology prefix (`]d2`, `]C1`, `]Q3`, `]e0`); any other
  prefix (a plain DataMatrix `]d1`, a plain Code 128 `]C0`, a linear EAN `]E0`, one biip does not
  know) is refused: it does not carry GS1 data;
- the group separator as the real character (0x1D) or as the site's substitute (site setting
  `gs1_separator_substitute`, replaced by 0x1D before parsing), surrounding whitespace, a
  trailing CR/LF, a leading separator (FNC1 in first position sent by some scanners);
- a code without any separator when the only variable-length field (the lot) comes last, as the
  GS1 rules write it. When such a code could also be read as a lot that swallowed the expiry or
  the serial (a scanner that drops the separators), it is refused as ambiguous rather than
  recorded with a wrong lot.

A vial is recorded only with a valid GTIN (AI 01, check digit verified by biip) and a lot
(AI 10: without it the vial cannot be traced). The expiry (AI 17, YYMMDD; day 00 is the last day
of the month) and the serial (AI 21) may be missing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from biip import ParseConfig, ParseError
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import GS1Symbology, SymbologyIdentifier

from chemo_fallback import french
from chemo_fallback.errors import ChemoFallbackError

GS = "\x1d"  # the GS1 group separator (what a scanner sends for FNC1)
GTIN_AI, EXPIRY_AI, LOT_AI, SERIAL_AI = "01", "17", "10", "21"
RECORDED_AIS = (GTIN_AI, EXPIRY_AI, LOT_AI, SERIAL_AI)
_CONFIG = ParseConfig(separator_chars=(GS,))
_LINEAR_LENGTHS = (8, 12, 13, 14)  # a GTIN alone: EAN-8, UPC-A, EAN-13, ITF-14
_AZERTY_DIGIT_ROW = set("&é\"'(-è_çà")  # what a QWERTY-configured scanner types on AZERTY
# Characters outside the GS1 character set that scanners are commonly set to type for FNC1.
_USUAL_SUBSTITUTES = "|^~#@$`{}\\"

# What biip raises on input it cannot read: ParseError, and on some odd input (a lone "]") a bare
# IndexError or ValueError. Any of them is an unreadable code, never a crash of the scan field.
_BIIP_REFUSALS = (ParseError, ValueError, LookupError)

RESCAN = ("Scannez à nouveau le DataMatrix du flacon (pas le code-barres linéaire) ou saisissez "
          "le lot et la péremption à la main.")


class VialScanRefused(ChemoFallbackError):
    """A scanned vial is not recorded: the French message says why and what to do."""


@dataclass(frozen=True)
class ScannedVial:
    """What the DataMatrix of one vial says."""

    gtin: str  # GTIN-14, check digit verified
    lot: str
    expiry: date | None  # AI 17; None when the code carries none
    serial: str | None  # AI 21 (the vial's unique serial under the EU falsified-medicines rules)
    raw: str  # what the scanner typed, without the surrounding whitespace
    hri: str = ""  # the reading in GS1 human-readable form, e.g. "(01)…(17)…(10)…(21)…"


def parse_vial_code(text: str, *, separator_substitute: str = "") -> ScannedVial:
    """Read what the scanner typed; refuses (VialScanRefused) anything that is not the GS1
    code of a traceable vial."""
    raw = (text or "").strip()
    body = raw.replace(separator_substitute, GS) if separator_substitute.strip() else raw
    body = body.strip()  # 0x1D counts as whitespace: a leading or trailing separator goes too
    if not body:
        raise VialScanRefused(
            "Aucun code reçu. Placez le curseur dans le champ de scan et scannez le DataMatrix "
            "du flacon, ou saisissez le lot et la péremption à la main.",
            code="vial_code_unreadable")
    body = _without_symbology_prefix(body, raw)
    if len(body) in _LINEAR_LENGTHS and all(c in "0123456789" for c in body):
        raise _linear(body)
    try:
        message = GS1Message.parse(body, config=_CONFIG)
    except _BIIP_REFUSALS:
        raise _unreadable(raw, separator_substitute) from None
    fields = _single_values(message, raw)
    _refuse_swallowed_field(message, body)
    gtin = fields.get(GTIN_AI)
    if gtin is None:
        raise VialScanRefused(
            f"Le code scanné « {_shown(raw)} » ne contient pas de GTIN (identifiant (01) du "
            f"produit) : ce n'est pas le DataMatrix d'un flacon. {RESCAN}",
            code="vial_gtin_missing")
    if gtin.gtin is None:
        raise VialScanRefused(
            f"GTIN invalide (chiffre de contrôle faux) : {gtin.value}. Le code a été mal lu ou "
            f"mal imprimé. {RESCAN}",
            code="vial_gtin_invalid")
    lot = fields.get(LOT_AI)
    if lot is None:
        raise VialScanRefused(
            f"Le code du flacon (GTIN {gtin.value}) ne donne pas de numéro de lot (10) : sans "
            "lot, le flacon ne peut pas être tracé. Saisissez le lot et la péremption à la main, "
            "depuis l'étiquette du flacon.",
            code="vial_lot_missing")
    expiry, serial = fields.get(EXPIRY_AI), fields.get(SERIAL_AI)
    return ScannedVial(
        gtin=gtin.gtin.as_gtin_14(),
        lot=lot.value,
        expiry=expiry.date if expiry else None,
        serial=serial.value if serial else None,
        raw=raw,
        hri=message.as_hri(),
    )


def check_vial(
    scanned: ScannedVial,
    *,
    expected_gtins: Mapping[str, str],
    preparation_expires_at: datetime,
    used_serials: Collection[tuple[str, str]],
    now: datetime,
    known_expiry: date | None = None,
    catalog: Mapping[str, str] | None = None,
) -> date:
    """Refuses (VialScanRefused) a vial that must not go into the preparation; returns the
    vial's expiry to record (the scanned one, or the one already known for the lot).

    `expected_gtins`: GTIN-14 → product name, for the products the sheet allows (the drug's
    presentations). `used_serials`: (GTIN, serial) of the vials already recorded; the caller
    leaves out the vial whose reliquat (opened vial, within its in-use stability) is being drawn
    from. `known_expiry`: the expiry already recorded for this product and lot, if any.
    `catalog` (optional, GTIN → product name) names a wrong product in the message. A vial is
    usable until the end of its expiry day."""
    if not expected_gtins:
        raise VialScanRefused(
            "Le produit attendu n'a pas de GTIN dans l'instantané : le scan ne peut pas vérifier "
            "le flacon. Saisissez le lot et la péremption à la main et faites vérifier le "
            "flacon par un second opérateur.",
            code="vial_expected_gtin_unknown")
    if scanned.gtin not in expected_gtins:
        name = (catalog or {}).get(scanned.gtin)
        scanned_text = f"{name} (GTIN {scanned.gtin})" if name else f"GTIN {scanned.gtin}"
        expected = " ; ".join(f"{n} (GTIN {g})" for g, n in sorted(expected_gtins.items(),
                                                                   key=lambda item: item[1]))
        raise VialScanRefused(
            f"Mauvais produit : le flacon scanné ({scanned_text}) n'est pas celui de la fiche. "
            f"Produit attendu : {expected}. Reposez ce flacon et prenez le bon produit.",
            code="vial_wrong_product")
    expiry = check_lot_expiry(scanned.lot, scanned.expiry, known_expiry=known_expiry,
                              preparation_expires_at=preparation_expires_at, now=now)
    if scanned.serial is not None and (scanned.gtin, scanned.serial) in used_serials:
        raise VialScanRefused(
            f"Ce flacon (lot {scanned.lot}, n° de série {scanned.serial}) a déjà été scanné : "
            "un flacon ne s'enregistre qu'une fois. Prenez un autre flacon ; pour finir un "
            "flacon déjà ouvert, choisissez-le dans la liste des reliquats.",
            code="vial_serial_reused")
    return expiry


def check_lot_expiry(lot: str, expiry: date | None, *, known_expiry: date | None,
                     preparation_expires_at: datetime, now: datetime) -> date:
    """The expiry to record for a vial of `lot` (scanned or typed by hand): refused when none
    is known, when it is past, or when it comes before the preparation's own expiry."""
    expiry = merge_lot_expiry(known_expiry, expiry, lot=lot)
    if expiry is None:
        raise VialScanRefused(
            f"Le code du flacon ne donne pas de péremption et aucune n'est connue pour le lot "
            f"{lot} : saisissez la péremption à la main, depuis l'étiquette du flacon.",
            code="vial_expiry_unknown")
    if expiry < now.date():
        raise VialScanRefused(
            f"Flacon périmé : lot {lot}, péremption le {french.day(expiry)}. Ne "
            "l'utilisez pas : mettez-le de côté avec les périmés et prenez un autre flacon.",
            code="vial_expired")
    if expiry < preparation_expires_at.date():
        raise VialScanRefused(
            f"Le flacon du lot {lot} périme le {french.day(expiry)}, avant la "
            f"préparation elle-même (péremption le {french.moment(preparation_expires_at)}). "
            "Prenez un flacon d'un lot à péremption plus lointaine.",
            code="vial_expires_before_preparation")
    return expiry


def merge_lot_expiry(known_expiry: date | None, scanned_expiry: date | None, *,
                     lot: str | None = None) -> date | None:
    """The expiry to keep for a lot: a code without an expiry never blanks a known one; two
    different expiries for the same lot are refused (fail closed: one of them is wrong)."""
    if scanned_expiry is None:
        return known_expiry
    if known_expiry is None or known_expiry == scanned_expiry:
        return scanned_expiry
    of_lot = f" du lot {lot}" if lot else ""
    raise VialScanRefused(
        f"Deux péremptions différentes pour le même lot{of_lot} : {french.day(known_expiry)} "
        f"déjà enregistrée, {french.day(scanned_expiry)} sur le flacon scanné. Un lot n'a "
        "qu'une péremption : mettez le flacon de côté et faites vérifier l'étiquette et le "
        "stock par un pharmacien.",
        code="lot_expiry_conflict")


def _without_symbology_prefix(body: str, raw: str) -> str:
    if not body.startswith("]"):
        return body
    try:
        symbology = SymbologyIdentifier.extract(body)
    except _BIIP_REFUSALS:
        raise _unreadable(raw) from None
    rest = body[len(symbology):].strip()
    if symbology.gs1_symbology in GS1Symbology.with_gtin():
        raise _linear(rest)
    if symbology.gs1_symbology not in GS1Symbology.with_gs1_messages():
        raise VialScanRefused(
            f"Le lecteur signale un code qui n'est pas au format GS1 (préfixe "
            f"{symbology.value}) : ce n'est pas le DataMatrix d'un flacon. {RESCAN}",
            code="vial_code_unreadable")
    if not rest:
        raise _unreadable(raw)
    return rest


def _single_values(message: GS1Message, raw: str) -> dict[str, GS1ElementString]:
    """The element strings this module reads, by AI; the same AI twice with two values is
    refused (which one is the vial's?)."""
    fields: dict[str, GS1ElementString] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai not in RECORDED_AIS:
            continue
        if ai in fields and fields[ai].value != element.value:
            raise VialScanRefused(
                f"Code ambigu : « {_shown(raw)} » donne deux valeurs pour {element.ai} "
                f"({fields[ai].value} et {element.value}). {RESCAN}",
                code="vial_code_ambiguous")
        fields.setdefault(ai, element)
    return fields


def _refuse_swallowed_field(message: GS1Message, body: str) -> None:
    """With no separator at all, the last variable-length field runs to the end of the code:
    right by the GS1 rules, wrong when the scanner dropped the separators. Refused when the end
    of that field also reads as a field of the vial the code does not otherwise carry."""
    if GS in body:
        return
    last = message.element_strings[-1]
    if not last.ai.separator_required:
        return
    present = {element.ai.ai for element in message.element_strings}
    for start in range(1, len(last.value)):
        tail = last.value[start:]
        if not tail.startswith(RECORDED_AIS):
            continue
        try:
            other = GS1Message.parse(tail, config=_CONFIG)
        except ParseError:
            continue
        ais = [element.ai.ai for element in other.element_strings]
        plausible = (len(set(ais)) == len(ais) and not present.intersection(ais)
                     and all(element.gtin_error is None for element in other.element_strings))
        if plausible:
            raise VialScanRefused(
                f"Code ambigu : le lecteur n'a transmis aucun séparateur GS1, et "
                f"{last.ai}{last.value} peut aussi se lire {last.ai}{last.value[:start]} suivi "
                f"de {other.as_hri()}. Faites régler le lecteur pour qu'il transmette le "
                "séparateur (ou le caractère de remplacement du paramètre de site "
                "gs1_separator_substitute), ou saisissez le lot et la péremption à la main.",
                code="vial_code_ambiguous")


def _linear(body: str) -> VialScanRefused:
    try:
        shown = f"GTIN {Gtin.parse(body).as_gtin_14()} seul"
    except ParseError:
        shown = f"« {_shown(body)} »"
    return VialScanRefused(
        f"Code-barres linéaire lu ({shown}) : il ne donne ni le lot ni la péremption. Scannez "
        "le DataMatrix du flacon (le petit carré) ou saisissez le lot et la péremption à la "
        "main.",
        code="vial_code_linear")


def _unreadable(raw: str, separator_substitute: str = "") -> VialScanRefused:
    hint = ""
    if _AZERTY_DIGIT_ROW.intersection(raw) and not any(c.isdigit() for c in raw):
        hint = (" Le lecteur semble réglé pour un clavier QWERTY (il tape « à&é » au lieu de "
                "« 012 ») : faites-le régler en AZERTY.")
    odd = [c for c in _USUAL_SUBSTITUTES if c in raw and c not in separator_substitute]
    if odd:
        hint += (f" Le code contient « {odd[0]} » : si le lecteur tape ce caractère à la place "
                 "du séparateur GS1, l'administrateur le déclare dans le paramètre de site "
                 "gs1_separator_substitute.")
    return VialScanRefused(
        f"Code illisible : « {_shown(raw)} » n'est pas un code GS1 de flacon.{hint} {RESCAN}",
        code="vial_code_unreadable")


def _shown(text: str, limit: int = 60) -> str:
    """The scanned text as it can be shown: separators and control characters made visible."""
    visible = "".join("<GS>" if c == GS else (c if c.isprintable() else "?") for c in text)
    return visible if len(visible) <= limit else visible[: limit - 1] + "…"
