"""Every spelling of tests/detectors/test_spellings.py, sent through the real gateway, never reaches the provider.

One gateway (the suite's), many requests: each spelling is put in a chat message to the stand-in provider's
``echo`` model. The gateway must refuse the request (403) or forward it with the value replaced; the stand-in's
record of what it received is the proof. "Received" is read canonically, so a value that arrived in another
spelling (say, its zero-width space dropped) still counts as arrived.
"""

from __future__ import annotations

import json

import httpx
import pytest

from detectors.canonical_text import canonical_text
from tests.detectors.test_spellings import SPELLINGS

pytestmark = pytest.mark.integration


def received(recorder) -> str:
    """What the stand-in received, as text (not JSON-escaped, so that non-ASCII values can be looked for)."""
    return canonical_text(json.dumps(recorder.requests, ensure_ascii=False)).text


def chat(gateway, key: str, text: str) -> httpx.Response:
    body = {"model": "echo", "messages": [{"role": "user", "content": text}]}
    return httpx.post(
        f"{gateway.url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}, timeout=60
    )


def test_a_clean_message_reaches_the_provider_as_written(gateway, user_key, recorder):
    # The check below can fail: what is forwarded is recorded, non-ASCII characters included.
    text = "Summarise the minutes \uff08draft\uff09 for the board\u00a0meeting."
    assert chat(gateway, user_key, text).status_code == 200
    assert text in json.dumps(recorder.requests, ensure_ascii=False)


@pytest.mark.parametrize(("kind", "sentence", "value"), SPELLINGS, ids=[repr(v)[1:-1] for _, _, v in SPELLINGS])
def test_spelling_never_reaches_the_provider(gateway, user_key, recorder, kind, sentence, value):
    response = chat(gateway, user_key, sentence.format(value))
    assert response.status_code in (200, 403), response.text
    seen = received(recorder)
    assert value not in json.dumps(recorder.requests, ensure_ascii=False)
    assert canonical_text(value).text not in seen
    if response.status_code == 200:
        # Forwarded with the value replaced: the rest of the sentence arrived.
        assert len(recorder.requests) == 1
        assert canonical_text(sentence.split("{}")[0].strip() or sentence.split("{}")[1].strip()).text[:8] in seen
    else:
        assert recorder.requests == []
        assert value not in response.text
