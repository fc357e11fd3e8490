"""The ports end-to-end tests and benches start services on: each distinct within a run, free
when handed out, and outside the range the kernel gives outgoing connections (where a Kafka
client's connection could take one before the service binds it)."""

from __future__ import annotations

import socket

from tests.processes import _outgoing_ports, free_port


def test_ports_are_distinct_bindable_and_below_the_outgoing_range():
    ports = [free_port() for _ in range(100)]
    assert len(set(ports)) == len(ports)
    assert max(ports) < _outgoing_ports()[0]
    for port in ports[:10]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
