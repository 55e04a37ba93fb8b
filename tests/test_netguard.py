"""The guard that keeps the test session offline is itself tested: it must refuse."""

from __future__ import annotations

import socket

import pytest

from tests.netguard import NetworkAccessError


@pytest.mark.parametrize(
    "address", [("93.184.216.34", 80), ("10.0.0.1", 443), ("2606:4700::1111", 443)]
)
def test_non_loopback_connections_are_refused(address: tuple[str, int]) -> None:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(NetworkAccessError):
        sock.connect(address)


def test_name_resolution_is_refused() -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("huggingface.co", 443)


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
