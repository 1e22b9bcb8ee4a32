"""robots.txt is parsed once per text, not per article; a changed text is parsed again."""

from __future__ import annotations

from typing import Any

from worker.ingest import politeness
from worker.ingest.politeness import RobotsPolicy
from worker.keys import Keys


class _FakeRedis:
    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.data.get(key)

    def set(self, key: str, value: str, ex: Any = None) -> bool:
        self.data[key] = value
        return True


def test_rules_are_parsed_once_and_again_when_they_change(monkeypatch: Any) -> None:
    r = _FakeRedis()
    texts = ["User-agent: *\nDisallow: /private/\n"]
    policy = RobotsPolicy(r, Keys("t:"), "newsworker/1.0", lambda url: (200, texts[0]))  # type: ignore[arg-type]
    parses: list[int] = []
    real = politeness.RobotFileParser.parse
    monkeypatch.setattr(politeness.RobotFileParser, "parse", lambda self, lines: (parses.append(1), real(self, lines)))

    assert policy.allowed("http://site.test/news/1.html")
    assert not policy.allowed("http://site.test/private/2.html")
    assert policy.allowed("http://site.test/news/3.html")
    assert len(parses) == 1

    r.data.clear()  # the shared cache expired; the site now disallows news too
    texts[0] = "User-agent: *\nDisallow: /news/\n"
    assert not policy.allowed("http://site.test/news/4.html")
    assert len(parses) == 2


def test_the_parsed_cache_is_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(politeness, "MAX_PARSED_CHARS", 100)
    r = _FakeRedis()
    policy = RobotsPolicy(r, Keys("t:"), "newsworker/1.0",
                          lambda url: (200, "User-agent: *\nDisallow: /x/\n"))  # type: ignore[arg-type]
    for i in range(20):
        assert policy.allowed(f"http://site{i}.test/a")
    assert policy._parsed_chars <= 100  # noqa: SLF001
