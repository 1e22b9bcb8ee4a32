"""Classed archive errors, in the one taxonomy of ``worker.errors``.

* ``ArchiveFormatError`` (permanent): the archive as a whole cannot be read: an unknown format, a CSV
  without a header, a file that is not what its extension says. The import stops before any row.
* ``ImportAborted`` (transient): the store stayed unavailable for a whole batch after retries. The import
  stops; its checkpoint holds everything done before, so running it again resumes there.

A bad *row* is not an exception: readers yield ``BadRow`` (with its line) and the import goes on.
"""

from __future__ import annotations

from worker import errors


class ArchiveError(errors.PipelineError):
    kind = "error"


class ArchiveFormatError(ArchiveError, errors.PermanentError):
    kind = "permanent"


class ImportAborted(ArchiveError, errors.TransientError):
    kind = "transient"
