"""Credentials: API keys, tokens, private keys and passwords.

Three kinds of evidence, each its own recognizer:

- :class:`KnownTokenRecognizer`: formats that are credentials by construction
  (provider prefixes such as ``AKIA``, ``ghp_``, ``xoxb-``, ``sk-``; JSON Web
  Tokens; PEM private key blocks);
- :class:`AssignedSecretRecognizer`: a value assigned to, or announced as, a
  password, passphrase, PIN, secret, token or key (``password=…``,
  ``"api_key": "…"``, "the password is …", ``Authorization: Bearer …``);
- :class:`HighEntropySecretRecognizer`: a long random-looking string near a word
  such as "key", "token" or "secret" (random strings alone are also commit
  hashes, UUIDs and file names).
"""

from __future__ import annotations

import math
from collections import Counter

import regex as re

from detectors.recognizers.base import ContextualPatternRecognizer, Pattern, word_alternatives

_B = r"(?<![\w-])"
_E = r"(?![\w-])"


def shannon_entropy(value: str) -> float:
    """Bits per character."""
    length = len(value)
    return -sum(n * math.log2(n / length) for n in Counter(value).values()) / length


def character_classes(value: str) -> int:
    """How many of lower case, upper case, digits and other characters ``value`` mixes."""
    lower = upper = digit = other = False
    for character in set(value):  # one pass over the distinct characters: a text may hold thousands of candidates
        if character.islower():
            lower = True
        elif character.isupper():
            upper = True
        elif character.isdigit():
            digit = True
        elif not character.isalnum():
            other = True
    return lower + upper + digit + other


def looks_random(value: str, min_length: int = 20, min_entropy: float = 3.5) -> bool:
    return len(value) >= min_length and character_classes(value) >= 2 and shannon_entropy(value) >= min_entropy


class KnownTokenRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        # The body stops at the next five dashes: were it ".*?", every BEGIN without an END would read to the end of
        # the text, and a text of repeated headers would cost quadratic time (52 s for 4 MB).
        Pattern(
            "private key block",
            r"(?P<value>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[^-]|-(?!----))*+-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)",
            1.0,
        ),
        # A key pasted without its END line still gives the key away.
        Pattern(
            "private key, cut short",
            r"(?P<value>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[ \t]*\r?\n[ \t]*[A-Za-z0-9+/=]{4,})+)",
            0.95,
        ),
        Pattern(
            "aws access key id", rf"{_B}(?P<value>(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{{16}}){_E}", 0.95
        ),
        Pattern(
            "github token",
            rf"{_B}(?P<value>gh[pousr]_[A-Za-z0-9]{{30,255}}|github_pat_[A-Za-z0-9_]{{40,255}}){_E}",
            1.0,
        ),
        Pattern("gitlab token", rf"{_B}(?P<value>glpat-[A-Za-z0-9_-]{{20,}}){_E}", 1.0),
        Pattern("slack token", rf"{_B}(?P<value>xox[abposr]-(?:[A-Za-z0-9]+-){{1,4}}[A-Za-z0-9]{{8,}}){_E}", 1.0),
        Pattern("slack webhook", r"(?P<value>https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,})", 1.0),
        Pattern(
            "openai or anthropic key",
            rf"{_B}(?P<value>sk-(?:proj-|ant-(?:api\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_-]{{20,}}){_E}",
            0.95,
        ),
        Pattern("stripe key", rf"{_B}(?P<value>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{{16,}}){_E}", 1.0),
        Pattern("google api key", rf"{_B}(?P<value>AIza[0-9A-Za-z_-]{{35}}){_E}", 1.0),
        Pattern("hugging face token", rf"{_B}(?P<value>hf_[A-Za-z0-9]{{30,}}){_E}", 1.0),
        Pattern("npm token", rf"{_B}(?P<value>npm_[A-Za-z0-9]{{36}}){_E}", 1.0),
        Pattern("sendgrid key", rf"{_B}(?P<value>SG\.[A-Za-z0-9_-]{{16,}}\.[A-Za-z0-9_-]{{16,}}){_E}", 1.0),
        Pattern("twilio key", rf"{_B}(?P<value>SK[0-9a-f]{{32}}){_E}", 0.8),
        Pattern("azure storage key", r"(?P<value>AccountKey=[A-Za-z0-9+/=]{40,})", 1.0),
        Pattern(
            "json web token",
            rf"{_B}(?P<value>eyJ[A-Za-z0-9_-]{{8,}}\.eyJ[A-Za-z0-9_-]{{8,}}\.[A-Za-z0-9_-]{{8,}}){_E}",
            0.95,
        ),
        Pattern("url with password", r"(?P<value>[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s:/@]{3,}@[^\s/]+)", 0.85),
    ]
    CONTEXT = ["key", "token", "secret", "credential", "password", "api"]
    context_boost = 0.05

    def __init__(self) -> None:
        super().__init__("CREDENTIAL", self.PATTERNS, context=self.CONTEXT, case_sensitive=True)

    def validate_result(self, pattern_text: str) -> bool:
        if pattern_text.startswith("sk-"):
            # "sk-" also starts ordinary hyphenated words; a key is random.
            return looks_random(pattern_text[3:], min_length=20, min_entropy=3.0)
        return True


# Written as a trie (see word_alternatives): these words are tried at every position of every text.
# "~" stands for an optional space, "_" for an optional underscore, space or hyphen.
_SECRET_WORD = (
    "(?:"
    + word_alternatives(
        [
            "password",
            "passwd",
            "pass~word",
            "pwd",
            "passphrase",
            "pass~code",
            "pin",
            "secret",
            "client_secret",
            "api_key",
            "apikey",
            "access_key",
            "secret_key",
            "private_key",
            "access_token",
            "auth_token",
            "refresh_token",
            "token",
            "bearer",
            "credential",
            "credentials",
        ],
        separators={"~": r"\s?", "_": r"[_\s-]?"},
    )
    + ")"
)


class AssignedSecretRecognizer(ContextualPatternRecognizer):
    PATTERNS = [
        # password=..., "api_key": "...", PASSWORD: ...
        Pattern(
            "assignment",
            rf"(?i:{_SECRET_WORD})[\"']?\s*(?:=|:=|:|=>)\s*(?P<quote>[\"'`]?)(?P<value>[^\s\"'`,;]{{4,128}})(?P=quote)",
            0.8,
        ),
        # the password is Spring2024!  / password was: hunter22
        Pattern(
            "announced",
            rf"(?i:{_SECRET_WORD}(?:(?:\s+[\w'-]+){{0,5}}?\s+(?:is|was|are|will\s+be|has\s+been\s+changed\s+to"
            r"|set\s+to|reset\s+to)|\s+of)):?\s+"
            r"(?P<quote>[\"'`]?)(?P<value>[^\s\"'`]{6,128}?)(?P=quote)(?=[\s,;]|[.!?](?:\s|$)|$)",
            0.8,
        ),
        Pattern(
            "authorization header",
            r"(?i:authorization\s*:\s*(?:bearer|basic|token)\s+)(?P<value>[A-Za-z0-9._~+/=-]{12,})",
            0.9,
        ),
    ]

    def __init__(self) -> None:
        super().__init__("CREDENTIAL", self.PATTERNS, case_sensitive=True, name="AssignedSecretRecognizer")

    def validate_result(self, pattern_text: str) -> bool:
        # A secret mixes kinds of character ("Spring1437$"); "required", "changed" or "xxxx" do not.
        # Placeholders ("<your token>", "${API_KEY}", "%PASSWORD%", "****") are not secrets.
        if len(set(pattern_text)) < 4 or pattern_text[0] in "<[{(*$%" or re.fullmatch(r"x+|\.+", pattern_text):
            return False
        if pattern_text.lower() in {"none", "null", "true", "false", "empty", "redacted", "hidden", "changeme"}:
            return False
        has_letter = any(ch.isalpha() for ch in pattern_text)
        has_digit_or_symbol = any(not ch.isalpha() for ch in pattern_text)
        return has_letter and has_digit_or_symbol or looks_random(pattern_text, min_length=16, min_entropy=3.0)


class HighEntropySecretRecognizer(ContextualPatternRecognizer):
    PATTERNS = [Pattern("random string", r"(?<![\w+/=-])(?P<value>[A-Za-z0-9+/_=-]{24,256})(?![\w+/=-])", 0.3)]
    CONTEXT = [
        "key",
        "token",
        "secret",
        "credential",
        "credentials",
        "password",
        "api",
        "bearer",
        "auth",
        "authorization",
        "signature",
        "private",
        "access",
    ]
    requires_context = True
    context_words_before = 4
    context_boost = 0.5

    def __init__(self) -> None:
        super().__init__(
            "CREDENTIAL", self.PATTERNS, context=self.CONTEXT, case_sensitive=True, name="HighEntropySecretRecognizer"
        )

    def validate_result(self, pattern_text: str) -> bool:
        return looks_random(pattern_text, min_length=24, min_entropy=3.8) and character_classes(pattern_text) >= 3
