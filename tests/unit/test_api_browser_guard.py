"""Other web sites in the user's browser (QA6 qa6s-4) and forwarded headers (qa6s-5).

* A request whose ``Host`` is not one of this server's names is refused (400) before anything runs: a page
  that re-binds its own name to 127.0.0.1 (DNS rebinding) could otherwise read every open answer, and the
  Atom feed's links followed ``Host``.
* Every answer forbids framing (the pages' ``<meta>`` CSP cannot).
* ``X-Forwarded-For`` is believed only from the proxies of ``api_trusted_proxies`` (none by default), and
  ``newsworker api`` runs uvicorn with its own ``proxy_headers`` off.
"""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient

from worker.api.browser_guard import AllowedHosts, host_name
from worker.settings import get_settings

pytestmark = pytest.mark.usefixtures("fresh_settings")


def _client(monkeypatch, allowed: str = "[]", **env: str) -> TestClient:
    monkeypatch.setenv("NEWSWORKER_API_ALLOWED_HOSTS", allowed)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    from worker.api.app import create_app

    return TestClient(create_app(), raise_server_exceptions=False)


@pytest.mark.parametrize("path", ["/alerts", "/deadletters", "/feeds", "/search?q=x", "/search.atom?q=x",
                                  "/alerts/history", "/health", "/", "/static/index.html"])
@pytest.mark.parametrize("host", ["rebind.attacker.example", "evil.example:8000", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "[::2]:8000", ""])
def test_a_foreign_host_is_refused_before_anything_runs(monkeypatch, path, host) -> None:
    client = _client(monkeypatch)
    r = client.get(path, headers={"Host": host, "Accept": "text/html"})
    assert r.status_code == 400, (path, host, r.status_code, r.text[:200])
    assert "does not answer to the Host" in r.json()["detail"] and "NEWSWORKER_API_ALLOWED_HOSTS" in r.json()["detail"]
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "LOCALHOST.:8000", "127.0.0.1:8241", "[::1]:8000",
                                  "[0:0::1]", socket.gethostname()])
def test_this_machines_own_names_are_answered(monkeypatch, host) -> None:
    r = _client(monkeypatch).get("/health", headers={"Host": host})
    assert r.status_code != 400, (host, r.text[:200])


def test_listed_names_a_domain_and_an_explicit_wildcard(monkeypatch) -> None:
    client = _client(monkeypatch, '["news.example.org", "*.lan.example", "[2001:db8::5]"]',
                     NEWSWORKER_API_HOST="192.0.2.7")
    for host in ("news.example.org", "NEWS.example.org:443", "a.lan.example", "b.c.lan.example:80",
                 "192.0.2.7:8000", "[2001:db8::5]:8000"):
        assert client.get("/health", headers={"Host": host}).status_code != 400, host
    for host in ("lan.example", "news.example.org.evil", "evil-news.example.org", "example.org"):
        assert client.get("/health", headers={"Host": host}).status_code == 400, host
    anyone = _client(monkeypatch, '["*"]')
    assert anyone.get("/health", headers={"Host": "rebind.attacker.example"}).status_code != 400


def test_host_names_are_compared_without_port_brackets_case_or_final_dot() -> None:
    assert host_name("[::1]:8000") == "::1" and host_name("Example.ORG.:80") == "example.org"
    assert host_name("::1") == "::1" and host_name("a.example") == "a.example"
    hosts = AllowedHosts.build("0.0.0.0", [])  # noqa: S104 - a bind to every interface
    assert {"localhost", "127.0.0.1", "::1", socket.gethostname().lower()} <= hosts.names
    assert "0.0.0.0" in hosts.names and not hosts.any_host  # noqa: S104 - `run`'s banner links to it


def test_no_answer_can_be_framed_by_another_site(monkeypatch) -> None:
    client = _client(monkeypatch)
    for path, headers in (("/", {"Accept": "text/html"}), ("/alerts", {"Accept": "text/html"}),
                          ("/static/index.html", {}), ("/health", {})):
        r = client.get(path, headers={"Host": "localhost:8000", **headers})
        assert r.headers["x-frame-options"] == "DENY", path
        assert r.headers["content-security-policy"] == "frame-ancestors 'none'", path
        assert r.headers["x-content-type-options"] == "nosniff", path


def _statuses(client: TestClient, n: int, forwarded: bool) -> list[int]:
    out = []
    for i in range(n):
        headers = {"Host": "localhost", "X-Forwarded-For": f"203.0.113.{i}"} if forwarded else {"Host": "localhost"}
        out.append(client.get("/health", headers=headers).status_code)
    return out


def test_forwarded_for_is_ignored_unless_a_proxy_is_declared(monkeypatch) -> None:
    limits = {"NEWSWORKER_API_RATE_PER_SECOND": "0.001", "NEWSWORKER_API_RATE_BURST": "3"}
    # default: no proxy trusted, a spoofed X-Forwarded-For does not buy a bucket of its own
    assert _statuses(_client(monkeypatch, **limits), 5, forwarded=True)[3:] == [429, 429]
    # a declared proxy (TestClient connects as "testclient"; * trusts any): each forwarded client its own bucket
    trusted = _client(monkeypatch, NEWSWORKER_API_TRUSTED_PROXIES='["*"]', **limits)
    assert 429 not in _statuses(trusted, 5, forwarded=True)


def test_newsworker_api_runs_uvicorn_without_its_own_proxy_headers(monkeypatch) -> None:
    import uvicorn

    from worker.cli.ops import serve_api

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    serve_api("192.0.2.9", 8123)
    assert seen["proxy_headers"] is False and seen["host"] == "192.0.2.9"
    assert get_settings().api_host == "192.0.2.9"  # the app's default Host names follow the bind address


def test_the_settings_refuse_entries_that_can_never_match(monkeypatch) -> None:
    from worker.settings import Settings

    with pytest.raises(ValueError, match="not a host name"):
        Settings(api_allowed_hosts=["http://news.example.org/"])
    with pytest.raises(ValueError, match="not an address or CIDR"):
        Settings(api_trusted_proxies=["proxy.local"])
    assert Settings(api_trusted_proxies=[" 10.0.0.0/8 "]).api_trusted_proxies == ["10.0.0.0/8"]


def test_the_public_urls_host_is_answered(monkeypatch) -> None:
    client = _client(monkeypatch, NEWSWORKER_API_PUBLIC_URL="https://news.example.org/nw")
    assert client.get("/health", headers={"Host": "news.example.org"}).status_code != 400
    assert client.get("/health", headers={"Host": "example.org"}).status_code == 400


@pytest.mark.parametrize("value", ["news.example.org", "ftp://news.example.org", "https://", "https://a.example/?x=1",
                                   "https://user:pw@a.example", "https://a.example/#top"])
def test_a_public_url_that_is_no_base_url_is_refused(monkeypatch, value) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("NEWSWORKER_API_PUBLIC_URL", value)
    get_settings.cache_clear()
    with pytest.raises(ValidationError, match="not a public base URL"):
        get_settings()
