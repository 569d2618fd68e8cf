"""Issue 12: the fabrication site settings refuse values that would corrupt what they touch."""

from __future__ import annotations

import pytest

from chemo_fallback.site_settings import SettingsError, SiteSettings, load_site_settings


def test_defaults() -> None:
    settings = SiteSettings()
    assert settings.max_vials == 4
    assert settings.gravimetric_tolerance_pct == 5.0
    assert (settings.label_width_mm, settings.label_height_mm) == (100.0, 50.0)
    assert "TRASTUZUMAB" in settings.costly_drugs_wait_go_ahead


@pytest.mark.parametrize("substitute", ["-", "A", "0", "/", "_"])
def test_a_separator_substitute_that_may_be_in_a_lot_is_refused(tmp_path, substitute) -> None:
    (tmp_path / "site-settings.toml").write_text(
        f'gs1_separator_substitute = "{substitute}"\n', encoding="utf-8"
    )
    with pytest.raises(SettingsError, match="peut figurer dans un lot"):
        load_site_settings(tmp_path)


@pytest.mark.parametrize("substitute", ["|", "^", "~", "#"])
def test_a_separator_substitute_outside_the_gs1_set_is_accepted(tmp_path, substitute) -> None:
    (tmp_path / "site-settings.toml").write_text(
        f'gs1_separator_substitute = "{substitute}"\n', encoding="utf-8"
    )
    assert load_site_settings(tmp_path).gs1_separator_substitute == substitute
