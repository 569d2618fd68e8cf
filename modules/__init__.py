"""The crisis modules, installed as `chemo_fallback.modules` (see pyproject.toml)."""
