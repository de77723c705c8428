"""Signed labels, keys and status lists live here."""
