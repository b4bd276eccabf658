"""The compiled parts: the posting writer (indexer/backends/whoosh/cpostings.c) and the shingle
hashes of near-duplicate signatures (indexer/cshingles.c).

Optional: where they cannot be compiled (no C compiler), the install goes on and the indexer
writes the same index with its Python twins (indexer/backends/whoosh/internals.py, indexer/duplicates.py)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("indexer.backends.whoosh.cpostings", ["indexer/backends/whoosh/cpostings.c"],
                             libraries=["z"], optional=True),
                   Extension("indexer.cshingles", ["indexer/cshingles.c"], libraries=["z"], optional=True)])
