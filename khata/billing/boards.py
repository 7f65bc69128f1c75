"""Billing's cards on the Today board."""

from __future__ import annotations


def register_boards() -> None:
    """Billing's Today cards."""
