"""Release and dispensing: controls, signed release, delivery to wards."""
