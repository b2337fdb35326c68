"""Build step pyproject.toml cannot say alone: the C tokenizer behind Chinese search.

``archive._bigrams`` (archive/_bigrams.c) is compiled by ``pip install`` with the machine's C
compiler and Python headers; it needs no SQLite headers or library of its own.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[Extension("archive._bigrams", ["archive/_bigrams.c"], extra_compile_args=["-O2"])]
)
