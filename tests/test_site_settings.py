"""Site settings: every key documented, the file read, and a wrong value refused in French."""

from __future__ import annotations

from pathlib import Path

import pytest

from chemo_fallback.site_settings import (
    SETTINGS_FILE,
    SettingsError,
    SiteSettings,
    load_site_settings,
)

DOC = Path(__file__).parent.parent / "docs" / "site-settings.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in SiteSettings.model_fields:
        assert f"| `{name}` |" in text, name


def test_defaults_without_a_file(tmp_path: Path) -> None:
    assert load_site_settings(tmp_path) == SiteSettings()


def test_the_documented_example_is_read(tmp_path: Path) -> None:
    example = DOC.read_text(encoding="utf-8").split("```toml\n")[1].split("```")[0]
    (tmp_path / SETTINGS_FILE).write_text(example, encoding="utf-8")
    settings = load_site_settings(tmp_path)
    assert settings.weight_max_age_days == 7 and settings.bsa_cap_m2 == 2.0
    assert settings.rounding_step_for(4.2) == 0.1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("weight_max_age_days = -1", "weight_max_age_days"),
        ('bsa_formula = "boyd"', "bsa_formula"),
        ("poids_max = 3", "poids_max"),
        ("weight_max_age_days = ", "illisible"),
    ],
)
def test_wrong_settings_are_refused(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / SETTINGS_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_site_settings(tmp_path)
