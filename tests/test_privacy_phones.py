"""Phone masking on generated text: every phone spelling is masked, every other number stays intact.

The same generators make the corpus that compares the masker with the `phonenumbers` library
(docs/packets.md, "手机号遮盖"). Run this file directly for that table:

    .venv/bin/python tests/test_privacy_phones.py
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.privacy import PHONE_WORDS, mask_phones, phone_digit_spans

# -- text around the numbers -----------------------------------------------------------------------

PHRASES = [
    "买家说收到的货少了一件",
    "请尽快处理",
    "快递员说已经放驿站了",
    "谢谢",
    "麻烦回个电话",
    "包装完好",
    "我们仓库称重有记录",
    "客服已经联系过买家",
    "收件人不在家",
    "申请退款",
    "商品有划痕",
    "（备注）",
    "，",
    "。",
    "：",
    " ",
    "\n",
]
LABELS = [
    "电话",
    "手机",
    "手机号",
    "联系电话：",
    "电话:",
    "tel",
    "Tel:",
    "TEL",
    "tel.",
    "座机",
    "联系方式 ",
    "号码是",
]


def cjk(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))


def chinese(rng: random.Random) -> str:
    """A few words of Chinese text with no digits in it."""
    parts = [rng.choice(PHRASES) if rng.random() < 0.6 else cjk(rng, rng.randint(1, 6)) for _ in range(3)]
    return "".join(parts[: rng.randint(0, 3)])


def letters(rng: random.Random) -> str:
    """Latin letters glued to a number: a phone word in any case, or letters that are not all capitals
    (capitals glued to digits are a code by design: SF13812345678 is a waybill) nor only a–f."""
    if rng.random() < 0.3:
        word = rng.choice(sorted(PHONE_WORDS))
        return rng.choice([word, word.lower(), word.title()])
    while True:
        word = "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(1, 5)))
        if not word.isupper() and not set(word) <= set("abcdef"):  # nor a piece of a hash
            return word


def glue_before(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(LABELS)
    if kind == 1:
        return letters(rng)
    if kind == 2:
        return cjk(rng, rng.randint(1, 2))
    return rng.choice(["", " ", "（", "(", "，", "：", "\n"])


def glue_after(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(["", "。", "，", "）", ")", " ", "\n", "！"])
    if kind == 1:
        return letters(rng)
    if kind == 2:
        return cjk(rng, rng.randint(1, 2))
    return rng.choice(["转8001", "-8001", " 谢谢", "（工作日）"])


def digits(rng: random.Random, n: int, first: str = string.digits) -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(n - 1))


# -- phone numbers ---------------------------------------------------------------------------------


def _groups(rng: random.Random, groups: list[str], seps: list[str]) -> str:
    sep = rng.choice(seps)
    mixed = rng.random() < 0.2  # people also mix them: 138 0013-8000
    out = groups[0]
    for g in groups[1:]:
        out += (rng.choice(seps) if mixed else sep) + g
    return out


def mobile(rng: random.Random) -> tuple[str, str]:
    """(the number as typed, its subscriber digits)."""
    number = "1" + rng.choice("3456789") + digits(rng, 9)
    typed = _groups(
        rng, [number[:3], number[3:7], number[7:]], ["", " ", "-", ".", " - ", "\u200b", "\u3000"]
    )
    prefix = rng.choice(
        ["", "", "+86", "+86 ", "+86-", "0086", "0086 ", "86 ", "86-", "(+86)", "（+86）", "+86 "]
    )
    if rng.random() < 0.1:
        typed = typed.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    return prefix + typed, number


def landline(rng: random.Random) -> tuple[str, str]:
    area = rng.choice(["010", "021", "020", "022", "023", "024", "025", "027", "028", "029"])
    if rng.random() < 0.5:
        area = rng.choice(["0755", "0571", "0512", "0531", "0731", "0871", "0351", "0991", "0898", "0769"])
    local = digits(rng, 8 if len(area) == 3 else rng.choice([7, 8]), "2345678")
    split = len(local) - 4
    body = _groups(rng, [local[:split], local[split:]], ["", " ", "-"])
    style = rng.randrange(6)
    if style == 0:
        typed = f"({area}){rng.choice(['', ' '])}{body}"
    elif style == 1:
        typed = f"（{area}）{body}"
    elif style == 2:
        typed = f"+86 {area[1:]} {body}" if rng.random() < 0.5 else f"0086-{area[1:]}-{body}"
    else:
        typed = area + rng.choice(["-", " ", "", " - "]) + body
    return typed, local


def nanp(rng: random.Random) -> tuple[str, str]:
    area, ex, line = digits(rng, 3, "23456789"), digits(rng, 3, "23456789"), digits(rng, 4)
    typed = rng.choice(
        [
            f"+1 ({area}) {ex}-{line}",
            f"({area}) {ex}-{line}",
            f"({area}){ex}-{line}",
            f"{area}-{ex}-{line}",
            f"{area}.{ex}.{line}",
            f"+1 {area} {ex} {line}",
            f"+1-{area}-{ex}-{line}",
            f"1-{area}-{ex}-{line}",
            f"+1{area}{ex}{line}",
            f"+1.{area}.{ex}.{line}",
        ]
    )
    return typed, area + ex + line


def other_country(rng: random.Random) -> tuple[str, str]:
    """A valid number of another country, written with its country code (what the library is for)."""
    import phonenumbers

    fmt = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    while True:
        region = rng.choice(["HK", "TW", "MO", "GB", "JP", "SG", "DE", "FR", "AU", "KR", "MY", "TH"])
        kind = rng.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
        example = phonenumbers.example_number_for_type(region, kind)
        national = str(example.national_number)
        national = national[:-4] + digits(rng, 4)
        number = phonenumbers.parse("+" + str(example.country_code) + national)
        if phonenumbers.is_valid_number(number):
            typed = phonenumbers.format_number(number, fmt)
            if rng.random() < 0.3:
                typed = typed.replace(" ", "")
            return typed, national


POSITIVES: dict[str, Callable[[random.Random], tuple[str, str]]] = {
    "手机号": mobile,
    "座机": landline,
    "北美号码": nanp,
    "其他国家（带国家码）": other_country,
}


def phone_in_text(rng: random.Random, family: str) -> tuple[str, str]:
    typed, subscriber = POSITIVES[family](rng)
    return chinese(rng) + glue_before(rng) + typed + glue_after(rng) + chinese(rng), subscriber


# -- numbers that must stay --------------------------------------------------------------------------


def _date(rng: random.Random) -> str:
    y, mo, d, h, mi, s = (
        rng.randint(2019, 2030),
        rng.randint(1, 12),
        rng.randint(1, 28),
        rng.randint(0, 23),
        rng.randint(0, 59),
        rng.randint(0, 59),
    )
    return rng.choice(
        [
            f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}",
            f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
            f"{y}/{mo:02d}/{d:02d} {h:02d}:{mi:02d}",
            f"{y}.{mo:02d}.{d:02d}",
            f"{y}年{mo}月{d}日 {h:02d}:{mi:02d}",
            f"{y}{mo:02d}{d:02d}{h:02d}{mi:02d}{s:02d}",
            f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}+08:00",
            f"{mo:02d}-{d:02d} {h:02d}:{mi:02d}",
        ]
    )


def _amount(rng: random.Random) -> str:
    value = rng.choice([rng.randint(1, 99) + rng.randint(0, 99) / 100, rng.randint(100, 99999) + 0.5])
    return rng.choice(
        [
            f"¥{value:.2f}",
            f"{value:.2f} 元",
            f"¥{value:,.2f}",
            f"-¥{value:.2f}",
            f"退款{value:.2f}元",
            f"￥{value:.2f}",
        ]
    )


def _weight(rng: random.Random) -> str:
    return rng.choice(
        [
            f"{rng.randint(0, 30)}.{rng.randint(0, 999):03d}kg",
            f"{rng.randint(10, 30000)}g",
            f"{rng.randint(1, 40)}.{rng.randint(0, 9)}斤",
            f"{rng.randint(0, 9)}.{rng.randint(0, 99):02d} kg",
        ]
    )


def _waybill(rng: random.Random) -> str:
    return rng.choice(
        [
            "SF" + digits(rng, rng.choice([12, 13])),
            "YT" + digits(rng, 13),
            "JT" + digits(rng, 13),
            "JD" + digits(rng, 13),
            "JDVA" + digits(rng, 11),
            "DPK" + digits(rng, 12),
            "75" + digits(rng, rng.choice([12, 13])),
            "78" + digits(rng, 12),
            digits(rng, 13, "4"),  # 韵达
            digits(rng, 13, "19"),  # EMS
            "77" + digits(rng, 10),  # 申通
            "SF" + digits(rng, 11, "1"),  # letters and exactly eleven digits: still a waybill
        ]
    )


def _hex12(rng: random.Random) -> str:
    """The SHA-256 prefix a packet shows. One made of digits only that starts like an area code
    (0719 + 8 digits, about 1 in 20,000) is indistinguishable from a landline typed without spaces."""
    while True:
        text = "".join(rng.choice("0123456789abcdef") for _ in range(12))
        if not text.isdigit():
            return text


NEGATIVES: dict[str, Callable[[random.Random], str]] = {
    "拼多多订单号": lambda rng: (
        f"{rng.randint(19, 26)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{digits(rng, 15)}"
    ),
    "淘宝/抖音订单号": lambda rng: digits(rng, rng.choice([18, 19]), "123456"),
    "快递单号": _waybill,
    "售后单号": lambda rng: digits(rng, rng.choice([12, 13, 14, 15, 16, 17, 18, 19]), "123456789"),
    "金额": _amount,
    "重量": _weight,
    "日期时间": _date,
    "SHA-256 与商家编码": lambda rng: rng.choice(
        [
            "".join(rng.choice("0123456789abcdef") for _ in range(64)),
            _hex12(rng),
            "SKU-" + "".join(rng.choice("ABCDEFGH0123456789") for _ in range(rng.randint(6, 16))),
        ]
    ),
}
NEGATIVE_LABELS = ["订单号", "快递单号 ", "售后单号：", "金额", "重量 ", "时间 ", "", "编码:", "（", "单号"]


def number_in_text(rng: random.Random, family: str) -> str:
    return (
        chinese(rng)
        + rng.choice(NEGATIVE_LABELS)
        + NEGATIVES[family](rng)
        + rng.choice(["", "，", "。", " ", "）", "\n"])
        + chinese(rng)
    )


def masked(original: str, result: str, subscriber: str) -> bool:
    """The subscriber's digits no longer appear, in any spelling, on either side of a mask's stars."""
    fold = str.maketrans("０１２３４５６７８９", "0123456789")
    pieces = [re.sub(r"[^0-9]", "", p) for p in re.split(r"\*+", result.translate(fold))]
    return result != original and not any(subscriber in p for p in pieces)


# -- property tests --------------------------------------------------------------------------------

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    # The generators draw from one random stream: its smallest input is long by nature.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)


@PROPERTY
@given(st.randoms(use_true_random=False), st.sampled_from(sorted(POSITIVES)))
def test_generated_phone_numbers_are_masked(rng: random.Random, family: str) -> None:
    text, subscriber = phone_in_text(rng, family)
    result = mask_phones(text)
    assert masked(text, result, subscriber), (text, result)
    assert mask_phones(result) == result  # masking twice changes nothing
    assert phone_digit_spans(text), text


@PROPERTY
@given(st.randoms(use_true_random=False), st.sampled_from(sorted(NEGATIVES)))
def test_generated_other_numbers_stay_intact(rng: random.Random, family: str) -> None:
    text = number_in_text(rng, family)
    assert mask_phones(text) == text
    assert phone_digit_spans(text) == []


@PROPERTY
@given(st.randoms(use_true_random=False))
def test_phone_next_to_order_waybill_amount_date_masks_only_the_phone(rng: random.Random) -> None:
    others = [number_in_text(rng, family) for family in sorted(NEGATIVES)]
    rng.shuffle(others)
    phone, subscriber = phone_in_text(rng, rng.choice(sorted(POSITIVES)))
    at = rng.randrange(len(others) + 1)
    pieces = [*others[:at], phone, *others[at:]]
    text = "；".join(pieces)
    result = mask_phones(text)
    assert masked(text, result, subscriber), (text, result)
    for piece in others:
        assert piece in result, (piece, result)


def test_spans_cover_the_hidden_digits() -> None:
    text = "电话：(010) 6552 9988，手机tel13800138000"
    spans = phone_digit_spans(text)
    assert [text[a:b] for a, b in spans] == ["6552", "0013"]


# -- the measurement (not a test) ------------------------------------------------------------------


# The commit before the masker was rewritten: its desk/privacy.py is the "before" row of the table.
BEFORE = "0380531"


def _maskers() -> dict[str, Callable[[str], str]]:
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path

    import phonenumbers

    def library(leniency: object) -> Callable[[str], str]:
        def mask(text: str) -> str:
            out, last = [], 0
            for m in phonenumbers.PhoneNumberMatcher(text, "CN", leniency=leniency):
                out += [text[last : m.start], "****"]
                last = m.end
            return "".join([*out, text[last:]])

        return mask

    result: dict[str, Callable[[str], str]] = {}
    repo = Path(__file__).resolve().parents[1]
    old = subprocess.run(
        ["git", "show", f"{BEFORE}:desk/privacy.py"], cwd=repo, capture_output=True, text=True, check=False
    ).stdout
    if old:
        spec = importlib.util.spec_from_loader("old_privacy", loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        exec(old, module.__dict__)
        sys.modules["old_privacy"] = module
        result["旧的正则（改动前）"] = module.mask_phones
    result["phonenumbers POSSIBLE"] = library(phonenumbers.Leniency.POSSIBLE)
    result["phonenumbers VALID"] = library(phonenumbers.Leniency.VALID)

    from desk import privacy

    def regex_only(text: str) -> str:
        folded = privacy._fold(text)
        out, last = [], 0
        for m in sorted(privacy._regex_matches(folded)):
            if m.start < last:
                continue
            out += [text[last : m.start], m.masked]
            last = m.end
        return "".join([*out, text[last:]])

    result["新的正则（不含库）"] = regex_only
    result["desk.privacy（正则 + 库补其他国家）"] = mask_phones
    return result


def measure(n: int = 2000, seed: int = 20261204) -> None:
    import time

    rng = random.Random(seed)
    positives = {f: [phone_in_text(rng, f) for _ in range(n)] for f in POSITIVES}
    negatives = {f: [number_in_text(rng, f) for _ in range(n)] for f in NEGATIVES}
    for name, mask in _maskers().items():
        started = time.perf_counter()
        calls = 0
        print(f"\n{name}")
        for family, items in positives.items():
            hits = sum(masked(t, mask(t), s) for t, s in items)
            calls += len(items)
            print(f"  遮住 {family}: {hits / len(items):7.2%}")
        for family, texts in negatives.items():
            wrong = sum(mask(t) != t for t in texts)
            calls += len(texts)
            print(f"  误遮 {family}: {wrong / len(texts):7.2%}")
        print(f"  每段文字 {(time.perf_counter() - started) / calls * 1e6:.0f} µs")


if __name__ == "__main__":
    measure()
