"""Neural Arabic NER tagger (BiLSTM-CRF), numpy-only at run time; trained by ``train.py`` (JAX).

Why: the CRF tagger (``worker.extract.ner.tagger``) generalises poorly to whole unseen articles,
where most names are words it never saw; pre-trained word vectors and a character CNN do better.
The interface is the CRF tagger's: ``tag_many`` takes folded keys per sentence, returns BIO tags.
"""

from worker.extract.ner.neural.model import CRF_WEIGHT, MODEL_PATH, NeuralTagger, get_neural_tagger

__all__ = ["CRF_WEIGHT", "MODEL_PATH", "NeuralTagger", "get_neural_tagger"]
