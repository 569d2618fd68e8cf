"""Drug-level rules and never-events (modules/prescription/drug_rules.py), pure: each rule just
inside and just outside, and the protocol-level consequence (rules.protocol_problems)."""

from __future__ import annotations

import pytest
from test_prescription_rules import protocol_line

from chemo_fallback.modules.prescription import drug_rules, rules
from chemo_fallback.modules.prescription.drug_rules import DrugSafety
from chemo_fallback.modules.prescription.models import Protocol, RejectedProtocolLine

VINCRISTINE = DrugSafety(
    drug_id="VINCRISTINE", inn="vincristine", dose_unit="mg", routes=("IV",),
    containers=("poche",), max_dose_per_administration=2.0,
)
# A site whose snapshot wrongly allows a vinca alkaloid IT in a syringe: the never-events hold.
LAX_VINCA = VINCRISTINE.model_copy(
    update={"routes": ("IV", "IT"), "containers": ("poche", "seringue"),
            "intrathecal_capable": True}
)
OXALI = DrugSafety(drug_id="OXALIPLATINE", inn="oxaliplatine", dose_unit="mg", routes=("IV",),
                   containers=("poche",))
METHOTREXATE = DrugSafety(drug_id="MTX", inn="méthotrexate", routes=("IV", "IT"),
                          containers=("poche", "seringue"), intrathecal_capable=True)


def codes(drug, route="IV", container="poche", *, inn=None, kind="chemotherapy", basis="mg/m2",
          requested=1.4, final=None) -> list[str]:
    return [b.code for b in drug_rules.line_breaches(
        drug, inn=inn or (drug.inn if drug else None), line_kind=kind, route=route,
        container=container, title="X", dose_basis=basis, requested_dose=requested,
        final_dose=final,
    )]


@pytest.mark.parametrize(
    ("inn", "vinca"),
    [("vincristine", True), ("VINCRISTINE SULFATE", True), ("Vindésine", True),
     ("vinorelbine (tartrate)", True), ("vinblastine", True), ("VINCRISTINE_SULFATE", True),
     ("VincristineSulfate", True), ("VINCRISTINESULFATE", True), ("vinorelbine-2", True),
     ("Sulfate de vincristine", True), ("VINBLASTINE1MG", True),
     # fail closed: a word starting with a vinca name trips it (it only forces IV in a bag)
     ("vincristinex", True),
     ("oxaliplatine", False), ("vinflunine", False), ("vinca", False), ("provincristine", False),
     ("", False), (None, False)],
)
def test_vinca_alkaloids_are_matched_on_the_inn(inn, vinca) -> None:
    assert drug_rules.is_vinca(inn) is vinca


def test_a_vinca_alkaloid_is_caught_by_its_code_when_the_inn_is_mistyped() -> None:
    assert drug_rules.is_vinca("vincirstine", "VINCRISTINE_HOSPIRA")
    assert not drug_rules.is_vinca("vincirstine", "VCR")  # neither names it
    typo = VINCRISTINE.model_copy(update={"inn": "vincirstine"})
    assert codes(typo, "IT", inn="vincirstine")[0] == drug_rules.NEVER_VINCA_ROUTE
    unknown = drug_rules.line_breaches(
        None, inn="vincirstine", line_kind="chemotherapy", route="IT", container="seringue",
        title="V", drug_id="VincristineSulfate",
    )
    assert {b.code for b in unknown} >= {drug_rules.NEVER_VINCA_ROUTE,
                                         drug_rules.NEVER_VINCA_CONTAINER}


def test_a_vinca_alkaloid_iv_in_a_bag_passes() -> None:
    assert codes(VINCRISTINE) == []
    assert codes(LAX_VINCA) == []


@pytest.mark.parametrize("drug", [VINCRISTINE, LAX_VINCA, None])
def test_vinca_never_events_hold_whatever_the_snapshot_says(drug) -> None:
    inn = "VINCRISTINE SULFATE"
    assert drug_rules.NEVER_VINCA_ROUTE in codes(drug, "IT", inn=inn)
    assert drug_rules.NEVER_VINCA_ROUTE in codes(drug, "IM", inn=inn)
    assert codes(drug, "IV", "seringue", inn=inn)[0] == drug_rules.NEVER_VINCA_CONTAINER
    assert codes(drug, "IV", None, inn=inn)[0] == drug_rules.NEVER_VINCA_CONTAINER
    breaches = drug_rules.line_breaches(
        drug, inn=inn, line_kind="chemotherapy", route="IT", container="seringue", title="V"
    )
    assert {b.code for b in breaches if b.never_event} >= {
        drug_rules.NEVER_VINCA_ROUTE, drug_rules.NEVER_VINCA_CONTAINER
    }
    assert all(b.never_event for b in breaches if b.code.startswith("never_"))


def test_intrathecal_only_for_a_drug_marked_intrathecal_capable() -> None:
    assert codes(METHOTREXATE, "IT", "seringue") == []
    not_capable = METHOTREXATE.model_copy(update={"intrathecal_capable": False})
    assert codes(not_capable, "IT", "seringue") == [drug_rules.NEVER_INTRATHECAL]
    assert codes(None, "IT", "seringue", inn="cytarabine") == [drug_rules.NEVER_INTRATHECAL]


def test_routes_and_containers_of_the_snapshot() -> None:
    assert codes(OXALI, "SC") == [drug_rules.DRUG_ROUTE]
    assert codes(OXALI, "IV", "seringue") == [drug_rules.DRUG_CONTAINER]
    assert codes(OXALI, "IV", None) == []  # a container not given is not checked
    unknown = OXALI.model_copy(update={"routes": None})
    assert codes(unknown) == [drug_rules.DRUG_ROUTES_UNKNOWN]  # compounded: fail closed
    assert codes(unknown, "PO", kind="chemotherapy") == []  # oral: from the ward's stock
    assert codes(unknown, kind="premedication") == []


def test_absolute_maximum_just_inside_and_just_outside() -> None:
    assert codes(VINCRISTINE, basis="mg", requested=2.0) == []
    assert codes(VINCRISTINE, basis="mg", requested=2.01) == [drug_rules.DRUG_FLAT_DOSE_ABOVE_MAX]
    # a dose per m² is capped by the engine, not refused; the recorded dose is compared
    assert codes(VINCRISTINE, basis="mg/m2", requested=1.4, final=2.0) == []
    assert codes(VINCRISTINE, basis="mg/m2", requested=1.4, final=2.01) == [
        drug_rules.DRUG_DOSE_ABOVE_MAX
    ]


def test_effective_maximum_is_the_smaller() -> None:
    assert drug_rules.effective_max(None, VINCRISTINE) == 2.0
    assert drug_rules.effective_max(2.5, VINCRISTINE) == 2.0
    assert drug_rules.effective_max(1.5, VINCRISTINE) == 1.5
    assert drug_rules.effective_max(None, OXALI) is None
    assert drug_rules.effective_max(3.0, None) == 3.0


def test_code_lists() -> None:
    assert drug_rules.code_list(" IV | SC ") == ("IV", "SC")
    assert drug_rules.code_list("") is None and drug_rules.code_list(None) is None


def _protocol(*lines, rejected=()) -> Protocol:
    return Protocol(
        protocol_id="P", name="P", cycle_length_days=21, cycles_planned=None, indication=None,
        bsa_formula=None, bsa_cap_m2=None, lines=list(lines), rejected_lines=list(rejected),
    )


def test_a_protocol_whose_lines_break_the_drug_rules_is_not_prescribable() -> None:
    good = protocol_line(line_no=1, drug_id="VINCRISTINE", drug_inn="vincristine",
                         container="poche", drug_safety=VINCRISTINE)
    assert rules.protocol_problems(_protocol(good)) == []
    syringe = good.model_copy(update={"line_no": 2, "container": "seringue"})
    never, container = rules.protocol_problems(_protocol(good, syringe))
    assert never.startswith("ligne 2 : vincristine en seringue : INTERDIT")
    assert container.startswith("ligne 2 : vincristine en seringue : contenant non autorisé")
    flat = good.model_copy(update={"line_no": 3, "dose": 2.5, "dose_basis": "mg"})
    [problem] = rules.protocol_problems(_protocol(flat))
    assert "ligne 3" in problem and "dose maximale absolue" in problem


def test_a_protocol_with_a_line_rejected_at_activation_is_not_prescribable() -> None:
    rejected = RejectedProtocolLine(line_no="4", reason="dose nulle")
    [problem] = rules.protocol_problems(_protocol(rejected=[rejected]))
    assert problem == "ligne 4 rejetée à l'activation de l'instantané (dose nulle)"


def test_the_basis_gives_a_dose_in_the_drug_own_unit() -> None:
    assert codes(OXALI, basis="mg/m2") == []
    assert codes(OXALI, basis="UI/m2") == [drug_rules.DRUG_BASIS_UNIT]
    assert codes(OXALI, basis="UI", requested=100) == [drug_rules.DRUG_BASIS_UNIT]
    bleomycin = DrugSafety(drug_id="BLEOMYCINE", inn="bléomycine", dose_unit="UI",
                           routes=("IV",), containers=("poche",))
    assert codes(bleomycin, basis="UI/m2") == []
    assert codes(bleomycin, basis="mg/m2") == [drug_rules.DRUG_BASIS_UNIT]


def test_a_dose_by_auc_only_for_carboplatin() -> None:
    carboplatin = DrugSafety(drug_id="CARBO", inn="Carboplatine", dose_unit="mg",
                             routes=("IV",), containers=("poche",))
    assert codes(carboplatin, basis="AUC", requested=5) == []
    assert codes(OXALI, basis="AUC", requested=5) == [drug_rules.AUC_NOT_CARBOPLATIN]
