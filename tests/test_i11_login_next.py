"""Issue 11: after sign-in the browser goes to a path of this app only."""

from __future__ import annotations

import pytest

from chemo_fallback.web.login_page import safe_next


@pytest.mark.parametrize(
    "asked",
    ["/\\127.0.0.2/x", "//127.0.0.2/x", "https://evil.example/", "javascript:alert(1)",
     "/ok\\..\\x", "/a\nb", "/a\tb", "", None, "prescriptions", "/\t/evil.example"],
)
def test_anything_but_an_app_path_goes_home(asked) -> None:
    assert safe_next(asked) == "/"


@pytest.mark.parametrize(
    "asked",
    ["/", "/prescriptions", "/patients/IPP10002366", "/validation/PS000001-2",
     "/prescriptions/nouvelle?patient=IPP10002366", "/patients/IPP%2010"],
)
def test_an_app_path_is_kept(asked: str) -> None:
    assert safe_next(asked) == asked
