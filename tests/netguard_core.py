"""A socket guard: loopback and Unix sockets work, anything else raises `NetworkBlocked`."""

from __future__ import annotations

import ipaddress
import socket

_ORIGINAL_CONNECT = socket.socket.connect
_ORIGINAL_CONNECT_EX = socket.socket.connect_ex
_ORIGINAL_GETADDRINFO = socket.getaddrinfo
attempts: list[str] = []


class NetworkBlocked(OSError):
    """A test's code tried to reach the network."""


def _is_local_host(host: object) -> bool:
    if host in (None, "", "localhost", "localhost.localdomain"):
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def install(log_path: str | None = None) -> None:
    def record(target: str) -> None:
        attempts.append(target)
        if log_path:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(target + "\n")

    def check(sock: socket.socket, address: object) -> None:
        if sock.family == getattr(socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) else address
        if not _is_local_host(host):
            record(f"connect {address!r}")
            raise NetworkBlocked(f"network access blocked in tests: {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        check(sock, address)
        return _ORIGINAL_CONNECT(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        check(sock, address)
        return _ORIGINAL_CONNECT_EX(sock, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object):  # noqa: ANN202
        if not _is_local_host(host if not isinstance(host, bytes) else host.decode()):
            record(f"resolve {host!r}")
            raise NetworkBlocked(f"name lookup blocked in tests: {host!r}")
        return _ORIGINAL_GETADDRINFO(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
