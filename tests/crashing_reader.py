"""A reader that crashes the way a native library does (tests of snapshot.isolated): it is run
in the spawned child process, so it lives in an importable module."""

from __future__ import annotations

import os


def abort_after_a_line(request, messages, memory_cap) -> None:
    messages.send(("progress", "Lecture de wards.xlsx…"))
    os.abort()

