"""A string parameter reaches either engine's SQL exactly as written (`engine/sql.py`'s `literal`)."""

from __future__ import annotations

import pytest

TEXTS = ["plain", "it's", "back\\slash", "\\u0041 stays six characters", "\\'", "''", "tab\\tnot a tab", "\\"]


@pytest.mark.parametrize("text", TEXTS)
def test_a_string_parameter_reads_back_as_written(engine, text):
    assert engine.rows(engine.query("SELECT :text AS text", params={"text": text})) == [{"text": text}]
