"""Where the current action comes from (an address, or the command line), for audit events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_source_address: ContextVar[str | None] = ContextVar("buoy_audit_source_address", default=None)
_channel: ContextVar[str] = ContextVar("buoy_audit_channel", default="system")


def current_source() -> tuple[str | None, str]:
    """The (address, channel) of the request or command being served."""
    return _source_address.get(), _channel.get()


@contextmanager
def acting_from(address: str | None, channel: str) -> Iterator[None]:
    """Mark everything audited inside the block as coming from `address` through `channel`."""
    address_token = _source_address.set(address)
    channel_token = _channel.set(channel)
    try:
        yield
    finally:
        _source_address.reset(address_token)
        _channel.reset(channel_token)
