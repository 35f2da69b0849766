"""zhcorpus: a clean corpus of Chinese public notices."""

__version__ = "0.1.0"
