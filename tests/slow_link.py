"""A slow network between the program and its PostgreSQL server, for the latency tests.

:class:`DelayProxy` is a TCP proxy on loopback in front of the real test server that holds every
chunk of bytes ``delay`` seconds in each direction (so a statement costs ``2 × delay`` more, as on
a server across a county's network), and counts the round trips the program makes through it.
:func:`counting_statements` counts the statements an engine sends (``before_cursor_execute``).

Both sit in tests only: the proxy listens on 127.0.0.1 and forwards only to the test server it
was given, and it closes itself after ``max_seconds`` whatever happens.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, make_url

#: What the issue measures against: 50 ms each way.
DELAY_EACH_WAY = 0.05


class DelayProxy:
    """Listens on a free loopback port; every connection made to it is forwarded to
    ``target`` (host, port) with ``delay`` seconds added each way. ``round_trips`` counts the
    times a client spoke again after the server had answered (each a wait of ``2 × delay``)."""

    def __init__(self, target: tuple[str, int], delay: float = DELAY_EACH_WAY, *, max_seconds: float = 900) -> None:
        self.target = target
        self.delay = delay
        self.round_trips = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="delay-proxy", daemon=True).start()
        # Never outlives a forgotten test run.
        self._deadline = threading.Timer(max_seconds, self.close)
        self._deadline.daemon = True
        self._deadline.start()

    def url(self, url: str) -> str:
        """``url`` (a server URL) pointed at this proxy instead."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def reset_count(self) -> None:
        with self._lock:
            self.round_trips = 0

    def close(self) -> None:
        self._closed.set()
        self._deadline.cancel()
        for sock in [self._listener, *self._sockets]:
            try:
                sock.close()
            except OSError:
                pass

    # -- inside ------------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, server]
            turn = {"last": "server"}  # the client speaks first: its first message is a round trip
            self._pipe(client, server, "client", turn)
            self._pipe(server, client, "server", turn)

    def _pipe(self, source: socket.socket, sink: socket.socket, side: str, turn: dict[str, str]) -> None:
        chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()

        def read() -> None:
            while True:
                try:
                    data = source.recv(65536)
                except OSError:
                    data = b""
                if side == "client" and data:
                    with self._lock:
                        if turn["last"] == "server":
                            self.round_trips += 1
                        turn["last"] = "client"
                elif data:
                    turn["last"] = "server"
                chunks.put((time.monotonic() + self.delay, data))
                if not data:
                    return

        def write() -> None:
            while True:
                due, data = chunks.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    if not data:
                        sink.shutdown(socket.SHUT_WR)
                        return
                    sink.sendall(data)
                except OSError:
                    return

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=write, daemon=True).start()


@contextmanager
def counting_statements(engine: Engine, *, thread: threading.Thread | None = None) -> Iterator[list[str]]:
    """The SQL statements ``engine`` (and every engine derived from it with execution options)
    sends while the block runs, in order; with ``thread``, only those sent from that thread."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, PLR0913
        if thread is None or threading.current_thread() is thread:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@contextmanager
def delay_proxy(url: str, delay: float = DELAY_EACH_WAY) -> Iterator[DelayProxy]:
    """A :class:`DelayProxy` in front of the server of ``url`` while the block runs."""
    parts = make_url(url)
    proxy = DelayProxy((parts.host or "127.0.0.1", parts.port or 5432), delay)
    try:
        yield proxy
    finally:
        proxy.close()
