"""Fabrication: sheets, labels, preparation register, vial scanning."""
