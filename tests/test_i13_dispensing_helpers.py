"""TEST SETUP for the dispensing tests (no test here): the demo snapshot with a validated
mFOLFOX6 for today (GARNIER Hamid, ward HGE), its four preparations printed, made and
controlled through the fabrication services, then released (or rejected) through the release
service (modules/release/service.py: controls recorded within tolerance, the pharmacist's
release).

`decide_directly` records a decision WITHOUT the release service, in a transaction with its
audit record ("test_setup.decided"): only to stand for that service when it is not there, and
for a state the service does not allow (a preparation rejected after it was released and
scanned into a round, which the hand-over must still catch). Test setup only."""

from __future__ import annotations

import json
from datetime import datetime

from prescription_helpers import TODAY, activate_demo
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.modules.fabrication import steps
from chemo_fallback.modules.fabrication.printing import create_preparations
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.validation import decisions
from chemo_fallback.site_settings import SiteSettings

try:
    from chemo_fallback.modules.release import service as release_service
except ImportError:  # the release service is written in parallel
    release_service = None

SETTINGS = SiteSettings()
GS = "\x1d"
MADE_AT = at(TODAY, 8)
WARD = "HGE"  # GARNIER Hamid's ward in the demo snapshot
OTHER_WARD = "HDJ-ONCO"
FABRICANT = "fabricant"  # the preparer who makes them (tests sign in as "preparer")


def account(store, role: str, username: str | None = None):
    """The account, created once (several setup steps may ask for it)."""
    return accounts.find_user(store, username or role) or create_account(store, role, username)


def validated_mfolfox6(store, *, demo: bool = True) -> str:
    if demo:
        activate_demo(store)
    pharmacist = account(store, "pharmacist")
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    return rx_id


def printed(store, drugs: tuple[str, ...] | None = None) -> dict[str, str]:
    """The day's preparations printed at 08:00: {label: preparation_id}, labels "folinic",
    "bolus", "pump", "oxaliplatin" (only those of `drugs` when given)."""
    preparer = account(store, "preparer", FABRICANT)
    queue = production_queue(store, preparer, TODAY, SETTINGS, now=MADE_AT)
    names = {}
    for item in queue.items:
        line = item.line
        name = {"ACIDE_FOLINIQUE": "folinic", "OXALIPLATINE": "oxaliplatin"}.get(
            line["drug_id"], "pump" if (line["duration_min"] or 0) > 600 else "bolus")
        if drugs is None or name in drugs:
            names[item.line_id] = name
    with store.transaction() as cur:
        made = create_preparations(cur, preparer, list(names), SETTINGS, MADE_AT)
    return {names[m.line["line_id"]]: m.preparation_id for m in made}


def made_and_controlled(store, preparation_id: str, when: datetime = MADE_AT) -> None:
    """Through the fabrication services: one vial of each product of the sheet scanned,
    the diluent's lot typed, made, and controlled by a second preparer."""
    preparer = account(store, "preparer", FABRICANT)
    row = store.cursor().execute(
        "SELECT plan_json FROM fab_preparations WHERE preparation_id = ?", [preparation_id]
    ).fetchone()
    plan = json.loads(row[0])
    gtins = {p["product_id"]: p["gtin"] for p in plan["products"]}
    for n, product_id in enumerate(sorted({v["product_id"] for v in plan["vials"]})):
        code = f"01{gtins[product_id]}1727123110L{n}{GS}21{preparation_id}S{n}"
        steps.scan_vial(store, preparer, preparation_id, code, SETTINGS, now=when)
    steps.mark_prepared(store, preparer, preparation_id,
                        diluent_lot="SOLV-1" if plan["diluent"] else None, now=when)
    steps.control(store, account(store, "preparer", "controleur"), preparation_id, now=when)


def release(store, preparation_id: str, when: datetime = MADE_AT) -> None:
    """Through the release service: controls within tolerance, then the signed release."""
    if release_service is None:
        decide_directly(store, preparation_id, "released", when=when)
        return
    mass = json.loads(store.cursor().execute(
        "SELECT plan_json FROM fab_preparations WHERE preparation_id = ?", [preparation_id]
    ).fetchone()[0])["target_mass_g"]
    release_service.record_controls(store, account(store, "preparer", "controleur"),
                                    preparation_id, mass_measured_g=mass, visual_ok=True,
                                    now=when)
    release_service.release(store, account(store, "pharmacist"), preparation_id, now=when)


def reject(store, preparation_id: str, reason: str, when: datetime = MADE_AT) -> None:
    """Through the release service: the pharmacist rejects the controlled preparation."""
    if release_service is None:
        decide_directly(store, preparation_id, "rejected", reason, when=when)
        return
    release_service.reject(store, account(store, "pharmacist"), preparation_id, reason, when)


def decide_directly(store, preparation_id: str, decision: str = "released",
                    reason: str | None = None, when: datetime = MADE_AT) -> None:
    """TEST SETUP, not the release service: a control within tolerance and the pharmacist's
    decision, inserted in one audited transaction."""
    pharmacist = account(store, "pharmacist")
    with store.transaction() as cur:
        plan = json.loads(cur.execute(
            "SELECT plan_json FROM fab_preparations WHERE preparation_id = ?", [preparation_id]
        ).fetchone()[0])
        control_id = cur.execute(
            """INSERT INTO rel_controls (preparation_id, mass_measured_g, target_mass_g,
                   mass_low_g, mass_high_g, gravimetric_verdict, visual_ok, controlled_at,
                   controlled_by, controlled_by_name)
               VALUES (?, ?, ?, ?, ?, 'within', true, ?, ?, ?) RETURNING control_id""",
            [preparation_id, plan["target_mass_g"], plan["target_mass_g"], plan["mass_low_g"],
             plan["mass_high_g"], when, pharmacist.username, pharmacist.display_name],
        ).fetchone()[0]
        cur.execute(
            """INSERT INTO rel_decisions (preparation_id, control_id, decision, reason,
                   pharmacist, pharmacist_name, decided_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [preparation_id, control_id, decision, reason, pharmacist.username,
             pharmacist.display_name, when],
        )
        audit.record(cur, pharmacist.actor, "test_setup.decided", "preparation",
                     preparation_id, after={"decision": decision, "control_id": control_id},
                     reason="mise en place de test, hors service de libération")


def released(store, drugs: tuple[str, ...] | None = None, *, demo: bool = True
             ) -> dict[str, str]:
    """The validated mFOLFOX6's preparations, made, controlled and released."""
    validated_mfolfox6(store, demo=demo)
    preps = printed(store, drugs)
    for preparation_id in preps.values():
        made_and_controlled(store, preparation_id)
        release(store, preparation_id)
    return preps
