"""Prescription: patients, protocols, cycles and dose calculation (issue 4)."""
