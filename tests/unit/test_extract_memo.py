"""The bounded memo used by the chain's hot string functions."""

from worker.extract.memo import memo


def test_memo_caches_and_stays_bounded():
    calls = []

    @memo(3)
    def upper(s):
        calls.append(s)
        return s.upper()

    assert [upper(x) for x in "abab"] == ["A", "B", "A", "B"]
    assert calls == ["a", "b"]
    for x in "cdef":  # overflow clears the cache instead of growing past maxsize
        upper(x)
    upper("a")
    assert calls.count("a") == 2


def test_memo_with_several_arguments():
    @memo(10)
    def join(a, b):
        return f"{a}-{b}"

    assert join("x", "y") == "x-y" and join("y", "x") == "y-x"
