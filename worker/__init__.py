"""newsworker: streaming Arabic news ingestion (see README.md)."""

import os

# One BLAS thread per process. The extraction chain multiplies small matrices per article (the
# neural tagger) and the service runs in parallel across worker *processes*; OpenBLAS's own threads
# would only spin against them (measured: a 60x291 @ 291x800 product took 2.5-15 ms with the default
# threads on a busy 2-core machine, 0.2-0.5 ms with one). Set before numpy is first imported;
# a value the user exported wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
