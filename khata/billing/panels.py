"""Billing's panels on the client page and the project page."""

from __future__ import annotations


def register_panels() -> None:
    """The invoices panels of a client and of a project."""
