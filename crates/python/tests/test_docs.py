"""Every docstring example runs and prints what it shows, and help(journeysim) covers every
public name."""

import doctest
import os
import pydoc

import pytest

import journeysim
import journeysim._api
import journeysim._compat
from conftest import ROOT


@pytest.mark.parametrize("module", [journeysim._compat, journeysim._api, journeysim])
def test_docstring_examples(module):
    cwd = os.getcwd()
    os.chdir(ROOT)  # the examples read data/ and scenarios/ as the README's commands do
    try:
        flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
        result = doctest.testmod(module, optionflags=flags)
    finally:
        os.chdir(cwd)
    assert result.failed == 0


def test_every_public_function_has_an_example():
    for name in journeysim.__all__:
        obj = getattr(journeysim, name)
        if callable(obj):
            assert "Example" in (obj.__doc__ or ""), name


def test_help_lists_the_api():
    text = pydoc.render_doc(journeysim, renderer=pydoc.plaintext)
    for name in journeysim.__all__:
        if not name.startswith("__"):
            assert name in text, name
