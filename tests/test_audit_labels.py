"""Every audit action written anywhere in the code has a French label on the audit page."""

from __future__ import annotations

import re
from pathlib import Path

from chemo_fallback.audit_trail import ACTION_LABELS

ROOT = Path(__file__).parent.parent
# audit.record(cur, actor, "the.action", …): the action is the first string argument.
RECORD_CALL = re.compile(r"audit\.record\(\s*[^,]+,\s*[^,]+,\s*\"([a-z_.]+)\"", re.S)


def test_every_audit_action_has_a_french_label() -> None:
    actions = set()
    for folder in ("chemo_fallback", "modules"):
        for path in (ROOT / folder).rglob("*.py"):
            actions.update(RECORD_CALL.findall(path.read_text(encoding="utf-8")))
    assert len(actions) > 20
    assert sorted(actions - set(ACTION_LABELS)) == []
