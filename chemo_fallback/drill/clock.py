"""The drill's clock. Most services take `now=`; the few below still read the wall clock
(datetime.now()) for what they record (a draft's creation, a signature, a pharmacist's
decision, a weight entered, a document printed). While the drill plays a moment of its day,
those modules read the drill's moment instead, so that every business record of a drill is
dated in the drill's days and two runs with one seed record the same thing. The audit trail
keeps the wall clock: it says when the drill really wrote each record.

When these services take `now=` like the others, drop them from PATCHED and pass it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime as _real_datetime

PATCHED = (
    "chemo_fallback.modules.prescription.drafts",
    "chemo_fallback.modules.prescription.lifecycle",
    "chemo_fallback.modules.validation.decisions",
    "chemo_fallback.auth.signature",
    "chemo_fallback.patients.measurements",
    "chemo_fallback.documents.store",
)


class _Meta(type):
    def __instancecheck__(cls, obj) -> bool:  # a real datetime is one of ours too
        return isinstance(obj, _real_datetime)


class _DrillDatetime(_real_datetime, metaclass=_Meta):
    moment: _real_datetime | None = None

    @classmethod
    def now(cls, tz=None):
        assert cls.moment is not None
        return cls.moment


@contextmanager
def drill_clock() -> Iterator[type[_DrillDatetime]]:
    """Within it, the PATCHED modules' `datetime.now()` is `clock.moment` (set it before each
    step). Restored on exit, even on an error."""
    modules = [importlib.import_module(name) for name in PATCHED]
    saved = [module.datetime for module in modules]
    for module in modules:
        module.datetime = _DrillDatetime
    try:
        yield _DrillDatetime
    finally:
        for module, original in zip(modules, saved, strict=True):
            module.datetime = original
        _DrillDatetime.moment = None
