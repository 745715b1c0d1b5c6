"""Helpers shared by the tests that need tools or services beyond Python."""

import os

import pytest


def require_tool(available: bool, reason: str) -> None:
    """Skip when a tool is missing, unless CI said it must be there (REQUIRE_LIVE_TOOLS)."""
    if available:
        return
    if os.environ.get("REQUIRE_LIVE_TOOLS"):
        pytest.fail(f"{reason}, and REQUIRE_LIVE_TOOLS is set")
    pytest.skip(reason)
