"""Names from outside: shown() leaves nothing that steers a terminal, safe_filename() is a valid file name
everywhere, whatever characters the name had."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.names import (
    BIDI,
    MAX_NAME_BYTES,
    WINDOWS_FORBIDDEN,
    WINDOWS_RESERVED,
    safe_filename,
    shown,
    without_controls,
)

C0 = [chr(c) for c in range(0x20)] + ["\x7f"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
HOSTILE = [
    *C0,
    *C1,
    *sorted(BIDI),
    "\u200b",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\ud800",
    "\udc80",
    "\U000e0041",
    "\ue000",
]


def raw_controls(text: str) -> list[str]:
    """C0/C1 controls (line ends and tabs aside), bidi characters and lone surrogates in `text`; a
    zero-width joiner between two visible characters (an emoji sequence) is not one."""

    def joins(i: int) -> bool:
        around = text[i - 1 : i] + text[i + 1 : i + 2]
        return i > 0 and len(around) == 2 and not any(c == "\u200d" or c.isspace() for c in around)

    return [
        ch
        for i, ch in enumerate(text)
        if (ch in C0 and ch not in "\n\t")
        or ch in C1
        or ch in BIDI
        or (unicodedata.category(ch) in ("Cs", "Cf", "Zl", "Zp") and not (ch == "\u200d" and joins(i)))
    ]


# Names as hostile input brings them: controls, bidi, reserved device names, dots, long CJK text.
hostile_char = st.sampled_from(HOSTILE)
name_text = st.text(
    alphabet=st.one_of(
        hostile_char, st.characters(codec="utf-8"), st.sampled_from([*sorted(WINDOWS_FORBIDDEN), ".", " "])
    ),
    max_size=80,
)
reserved = st.builds(
    lambda base, case, tail: (base.lower() if case else base) + tail,
    st.sampled_from(sorted(WINDOWS_RESERVED)),
    st.booleans(),
    st.sampled_from(["", ".txt", ".jpg", " .png", ".tar.gz", ".", " "]),
)
hostile_names = st.one_of(name_text, reserved, st.builds(lambda a, b: a + b, reserved, name_text))


def valid_everywhere(name: str) -> None:
    assert name and name not in (".", "..")
    assert not raw_controls(name) and not any(unicodedata.category(c) in ("Cc", "Co") for c in name)
    assert not set(name) & WINDOWS_FORBIDDEN
    assert name == name.strip(" ."), "no leading or trailing dots and spaces"
    assert name.partition(".")[0].upper().rstrip(" ") not in WINDOWS_RESERVED
    assert len(name.encode("utf-8")) <= 255  # what most file systems allow


@settings(max_examples=400, deadline=None)
@given(hostile_names)
def test_shown_leaves_no_raw_control_or_bidi(name: str) -> None:
    assert raw_controls(shown(name)) == []
    assert "\n" not in shown(name) and "\t" not in shown(name)
    assert raw_controls(shown(name, keep="\n\t")) == []
    assert raw_controls(without_controls(name)) == []
    shown(name).encode("utf-8")  # printable on a UTF-8 terminal (lone surrogates are escaped)


@settings(max_examples=400, deadline=None)
@given(hostile_names)
def test_safe_filename_is_valid_and_can_be_written(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    safe = safe_filename(name)
    valid_everywhere(safe)
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES  # room for free_path's "-2" and a suffix
    folder = tmp_path_factory.mktemp("n")
    (folder / safe).write_bytes(b"x")
    assert [p.name for p in folder.iterdir()] == [safe]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CON", "CON_"),
        ("nul.txt", "nul_.txt"),
        ("COM1 .jpg", "COM1_.jpg"),
        ("LPT¹.png", "LPT¹_.png"),
        ("发票\u202egpj.exe", "发票gpj.exe"),
        ("\x1b[31m红色\x1b[0m.jpg", "[31m红色[0m.jpg"),
        ("...隐藏", "隐藏"),
        ("a:b*c?.txt", "a_b_c_.txt"),
        ("\t\n", "文件"),
    ],
)
def test_safe_filename_examples(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_chinese_names_fit_the_file_system(tmp_path: Path) -> None:
    name = "很长的证据说明" * 40 + ".jpg"
    safe = safe_filename(name)
    assert safe.endswith(".jpg") and len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    (tmp_path / safe).write_bytes(b"x")  # 255 bytes is the limit of most file systems


def test_shown_escapes_what_a_terminal_would_obey() -> None:
    assert shown("a\x1b[31mb") == "a\\u001b[31mb"
    assert shown("x\u202egpj.exe") == "x\\u202egpj.exe"
    assert shown("line\rover") == "line\\u000dover"
    assert shown("两行\n名字") == "两行\\u000a名字"
    assert shown("两行\n名字", keep="\n\t") == "两行\n名字"
    assert shown("普通的名字.jpg") == "普通的名字.jpg"
    assert shown("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # emoji joiners are kept
