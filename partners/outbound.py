"""Calls to partners' webhook URLs: bounded in time, never redirected, never to a private address.

The host is resolved once and every address it resolves to must be public (unless
WEBHOOKS_ALLOW_PRIVATE_TARGETS, for tests and closed networks); the connection then goes to that
very address, so a name that resolves differently a moment later cannot steer the call inside.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 64 * 1024


class TargetRefused(Exception):
    """The URL may never be called: a scheme, address or form we refuse."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(url: str) -> None:
    """Refuse, with a translated reason, a URL we would never call (without resolving it)."""
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused(_("Webhook URLs must start with https://."))
    if not parts.hostname:
        raise TargetRefused(_("The URL has no host."))
    if parts.username or parts.password:
        raise TargetRefused(_("Webhook URLs cannot carry a user name or password."))
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        if parts.hostname.lower() in ("localhost", "localhost.localdomain"):
            _refuse_private()
        return
    _check_address(address)


def resolve(url: str) -> Target:
    """The URL's parts and one public address it resolves to; TargetRefused otherwise."""
    check_url(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ConnectionError(f"cannot resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        _check_address(ipaddress.ip_address(address.split("%")[0]))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, addresses[0])


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if not address.is_global or address.is_multicast:
        _refuse_private()


def _refuse_private() -> None:
    raise TargetRefused(_("Webhook URLs must point to a public address, not a private one."))


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` and return the status code. Redirects count as answers, not followed."""
    target = resolve(url)
    connect, read = settings.WEBHOOKS_TIMEOUT
    timeout = urllib3.Timeout(connect=connect, read=read)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeout, retries=False, maxsize=1
        )
    default_port = target.port == (443 if target.scheme == "https" else 80)
    host_header = target.host if default_port else f"{target.host}:{target.port}"
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            response.read(MAX_RESPONSE_BYTES)
        finally:
            response.release_conn()
        return int(response.status)
    finally:
        pool.close()
