"""Billing's periodic jobs for ``khata scheduler``."""

from __future__ import annotations


def register_periodic_jobs() -> None:
    """Payment reminders."""
