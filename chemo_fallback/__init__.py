"""chemo-fallback: keeps an oncology pharmacy making chemotherapy doses during an IT outage."""

__version__ = "0.1.0"
