"""One `tracker up` per data directory and per API port: the second claim is refused with a message saying
which and what to do, and the first claim is untouched by it."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from shared.runtime.claim import LOCK_FILE, AlreadyRunning, claim
from shared.runtime.servers import free_port


def test_a_second_run_on_the_same_data_directory_is_refused_naming_the_first(tmp_path: Path) -> None:
    port, other_port = free_port(), free_port()
    first = claim(tmp_path, "127.0.0.1", port)
    try:
        with pytest.raises(AlreadyRunning, match=rf"already running on {tmp_path} \(pid {os.getpid()}\)"):
            claim(tmp_path, "127.0.0.1", other_port)
        assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())  # the refusal changed nothing
    finally:
        first.release()
    claim(tmp_path, "127.0.0.1", other_port).release()  # free again once the first run is gone


def test_a_second_run_on_the_same_port_from_another_data_directory_is_refused(tmp_path: Path) -> None:
    port = free_port()
    first = claim(tmp_path / "a", "127.0.0.1", port)
    try:
        with pytest.raises(AlreadyRunning, match=rf"another `tracker up` serves the API on 127.0.0.1:{port}"):
            claim(tmp_path / "b", "127.0.0.1", port)
        # The refused run released what it had taken: its data directory is free.
        claim(tmp_path / "b", "127.0.0.1", free_port()).release()
    finally:
        first.release()


def test_a_port_another_program_listens_on_is_refused_even_with_so_reuseport(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as other:  # as the API replicas bind: any same-user process could join it
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        with pytest.raises(AlreadyRunning, match=rf"API port 127.0.0.1:{port} is in use by another program"):
            claim(tmp_path, "127.0.0.1", port)
    claim(tmp_path, "127.0.0.1", port).release()  # the data directory was left free by the refusal
