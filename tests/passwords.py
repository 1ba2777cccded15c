"""Passwords made to break redaction, shared by the unit property test and the one against a real
server: every character a URL or a keyword string reserves, at every position, next to letters the
harness never prints, in each form a user may type them."""

from __future__ import annotations

import itertools
from urllib.parse import quote, unquote

from hypothesis import strategies as st

RESERVED = "@:/?#[]%= \"'\\"  # what a URL reserves, spaces and quotes, and the keyword string's escape
DISTINCT = "QXZKWJV"  # letters the harness never prints in a run of its own words
OWN_WORDS = ("JUnit",)  # the only words of the harness's output that hold one of them
OTHER = "éß€漢"
PERCENT = ["%40", "%zz", "%C3%A9", "%cd", "%2", "%%", "%2F", "%3A"]
ROLE = "secret_user"
DATABASE = "secretdb"
HOST = "127.0.0.1"


def placed(base: str = "QXZKW") -> list[str]:
    """Every reserved character alone at the start, in the middle and at the end of base, and every
    ordered pair of them at two of those places: the classes a random draw can miss."""
    ends = (0, len(base) // 2, len(base))
    found = [base[:i] + c + base[i:] for c in RESERVED for i in ends]
    for a, b in itertools.product(RESERVED, repeat=2):
        for i, j in itertools.combinations(ends, 2):
            found.append(base[:i] + a + base[i:j] + b + base[j:])
    return found


def passwords(max_pieces: int = 6) -> st.SearchStrategy[str]:
    """Runs of up to three characters of any class (reserved ones weighted up), each followed by a
    letter the harness never prints: every run of four holds one, so a match is a leak. The first
    run starts the password, so reserved characters lead it as often as they sit inside."""
    char = st.one_of(st.sampled_from(RESERVED), st.sampled_from(RESERVED + DISTINCT + OTHER))
    piece = st.one_of(st.text(alphabet=char, min_size=1, max_size=3),
                      st.sampled_from([p for p in PERCENT if len(p) <= 3]))
    pairs = st.lists(st.tuples(piece, st.sampled_from(DISTINCT)), min_size=1, max_size=max_pieces)
    return pairs.map(lambda parts: "".join(a + b for a, b in parts))


def intended(port: int) -> dict[str, str]:
    """What every form below means, but the password."""
    return {"user": ROLE, "host": HOST, "port": str(port), "dbname": DATABASE}


def forms(password: str, port: int) -> dict[str, str]:
    """The password in a URL (encoded and as typed) and in a keyword string (quoted and as typed,
    first, in the middle and last)."""
    escaped = password.replace("\\", "\\\\").replace("'", "\\'")
    where = [f"host={HOST}", f"port={port}", f"user={ROLE}", f"dbname={DATABASE}"]

    def keywords(value: str, at: int) -> str:
        return " ".join(where[:at] + [f"password={value}"] + where[at:])

    return {"url encoded": f"postgresql://{ROLE}:{quote(password, safe='')}@{HOST}:{port}/{DATABASE}",
            "url as typed": f"postgresql://{ROLE}:{password}@{HOST}:{port}/{DATABASE}",
            "keywords quoted": keywords(f"'{escaped}'", 4),
            "keywords as typed, first": keywords(password, 0),
            "keywords as typed, middle": keywords(password, 2),
            "keywords as typed, last": keywords(password, 4)}


def leaks(password: str, text: str) -> list[str]:
    """Every run of four characters of the password found in text, of the password as typed,
    percent-encoded and percent-decoded, that holds one of its distinctive letters (a run inside the
    encoding of one character, such as %C3%, is the harness's own advice as often as a leak)."""
    versions = {password, quote(password, safe=""), unquote(password, errors="replace")}
    runs = {v[i:i + 4] for v in versions for i in range(len(v) - 3)}
    return sorted(r for r in runs if letters(r) and r in text)


def letters(text: str) -> set[str]:
    """The password's own letters found in text (the harness never prints them in words of its
    own, but for the few in OWN_WORDS)."""
    for word in OWN_WORDS:
        text = text.replace(word, "")
    return set(DISTINCT) & set(text)
