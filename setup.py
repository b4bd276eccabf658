"""The one compiled part: the posting writer (indexer/backends/whoosh/cpostings.c).

Optional: where it cannot be compiled (no C compiler), the install goes on and the indexer
writes the same index with its Python writer (indexer/backends/whoosh/internals.py)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("indexer.backends.whoosh.cpostings", ["indexer/backends/whoosh/cpostings.c"],
                             libraries=["z"], optional=True)])
