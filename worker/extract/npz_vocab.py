"""How the learned extraction models store their feature vocabulary in an ``.npz`` file.

One UTF-8 byte string, the features joined by "\\n": a fixed-width numpy str array pads every feature to the
longest at 4 bytes a character (40 MB to inflate for 341k event features), which was most of a model's load time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["pack", "unpack"]

KEY = "vocab_utf8"


def pack(vocab: Sequence[str]) -> dict[str, np.ndarray]:
    """The ``np.savez`` entry holding ``vocab``."""
    return {KEY: np.frombuffer("\n".join(vocab).encode("utf-8"), np.uint8)}


def unpack(z: Mapping[str, np.ndarray]) -> list[str]:
    """The vocabulary of a loaded ``.npz``, as plain Python strs: split() of the joined string, or ``tolist()`` of
    an older file's str array in one C call (``list()`` would make one numpy str_ scalar per feature)."""
    return z[KEY].tobytes().decode("utf-8").split("\n") if KEY in z else z["vocab"].tolist()
