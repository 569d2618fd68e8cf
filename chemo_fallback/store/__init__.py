"""The fallback's DuckDB store."""

from chemo_fallback.store.database import ActiveSnapshot, Store

__all__ = ["ActiveSnapshot", "Store"]
