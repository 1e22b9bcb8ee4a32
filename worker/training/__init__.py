"""Training and honest evaluation of the learned extraction stages (never imported at run time).

``dataset`` loads the annotated set in ``data/extraction``; ``folds`` splits it by whole article;
``events`` and ``casualties`` fit the models the chain ships; ``report`` prints cross-validated figures
(``newsworker eval`` / ``make eval``). Fitting needs the ``train`` extra (scikit-learn); the shipped
models are plain numpy arrays read by ``worker.extract``.
"""
