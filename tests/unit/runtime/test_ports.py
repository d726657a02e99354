"""A quick `tracker down` / `up` keeps the API's address: a port in TIME_WAIT counts as free."""

from __future__ import annotations

import socket

from shared.runtime.supervisor import port_or_free


def _time_wait_on_a_port() -> int:
    """A port whose last connection was closed by the server side first, leaving it in TIME_WAIT."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    served.close()  # the server closes first: its side of the connection enters TIME_WAIT
    client.recv(1)
    client.close()
    listener.close()
    return int(port)


def test_a_port_left_in_time_wait_is_kept() -> None:
    port = _time_wait_on_a_port()
    assert port_or_free(port) == port


def test_a_port_something_listens_on_is_replaced() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert port_or_free(port) != port
