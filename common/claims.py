"""Claims and the formatters the report prints them with.

A finding is plain data computed from results/*.json by findings/<script>.py: the numbers the
report prints, and each qualitative statement as a Claim. A Claim knows its outcome (which of its
phrasings the evidence supports), every phrasing it can take, and the evidence (the numbers the
outcome was decided on). str(claim) is the phrasing of its outcome; an outcome without a phrasing
(a statement the report may only make when it holds) raises ReportError, which fails the render:
the report can never print a sentence its results do not support.

    claim(rho > 0.5, "rises with the loss", "does not rise with the loss", rho=rho)
    choose("falls", {"rises": "...", "falls": "...", "none": "..."}, rho=rho)
"""
from dataclasses import dataclass, field

import numpy as np


class ReportError(Exception):
    """A template, results or claim problem, reported as one line."""


@dataclass
class Claim:
    """One qualitative statement: outcome -> phrasing, with the evidence it was decided on."""
    outcome: object                                   # True/False or a named outcome ("rises", ...)
    phrasings: dict                                   # {outcome: text}
    evidence: dict = field(default_factory=dict)      # the numbers behind the outcome
    note: str = ""                                    # appended to the phrasing (common.replication's mark)

    @property
    def holds(self):
        """For a two-way claim: True when its first phrasing (the statement) is supported."""
        return self.outcome is True

    @property
    def text(self):
        if self.outcome not in self.phrasings:
            first = next(iter(self.phrasings.values()), "")
            raise ReportError(f"claim no longer holds: {first!r} (outcome {self.outcome!r}; evidence "
                              f"{short_evidence(self.evidence)}): rewrite the finding or give it a phrasing "
                              "for this outcome")
        return self.phrasings[self.outcome] + self.note

    def __str__(self):
        return self.text

    def __bool__(self):
        raise TypeError("a Claim has no truth value: test claim.holds or claim.outcome")


def claim(holds, text, otherwise=None, **evidence):
    """A two-way claim: `text` when `holds`, else `otherwise` (None: the render fails)."""
    phrasings = {True: text}
    if otherwise is not None:
        phrasings[False] = otherwise
    return Claim(bool(holds), phrasings, evidence)


def choose(outcome, phrasings, **evidence):
    """A claim of several outcomes; `outcome` names the one the evidence supports."""
    return Claim(outcome, dict(phrasings), evidence)


def short_evidence(evidence, limit=200):
    text = ", ".join(f"{k}={v!r}" for k, v in evidence.items())
    return text if len(text) <= limit else text[:limit] + "..."


ITEM_NAMES = ("name", "task", "eps")     # a list item that holds one of these is named by it, not by its position


def _item(value, i):
    """'[eps=0.001]' / '[Fashion-MNIST]' for a list item that names itself (ITEM_NAMES), else '[i]'."""
    if isinstance(value, dict):
        for key in ITEM_NAMES:
            if isinstance(value.get(key), (str, int, float)) and not isinstance(value.get(key), bool):
                return f"[{value[key]}]" if key != "eps" else f"[eps={value[key]}]"
    return f"[{i}]"


def all_claims(findings, prefix=""):
    """[(dotted name, Claim)] of every Claim inside a findings structure (dicts and lists); a list item
    that names itself is addressed by that name (_item)."""
    found = []
    if isinstance(findings, Claim):
        return [(prefix, findings)]
    if isinstance(findings, dict):
        for key, value in findings.items():
            found += all_claims(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(findings, (list, tuple)):
        for i, value in enumerate(findings):
            found += all_claims(value, prefix + _item(value, i))
    return found


# ---------------------------------------------------------------------------- formatters
def sci(x, digits=2):
    """`digits` significant digits in compact scientific notation: 0.00355 -> '3.6e-3'."""
    mantissa, exponent = f"{float(x):.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def fix(x, decimals=3):
    """Fixed decimals: fix(0.02534, 3) -> '0.025'."""
    return f"{float(x):.{decimals}f}"


def pct(x, decimals=1):
    """A fraction as a percentage: pct(0.98083, 2) -> '98.08%'."""
    return f"{100 * float(x):.{decimals}f}%"


def num(x):
    """An integer with thousands separators: 25450 -> '25,450'."""
    return f"{int(round(float(x))):,}"


def times(a, b):
    """a / b as a multiplier, no decimals from x10 on: times(28.1, 6.2) -> '4.5'."""
    value = float(a) / float(b)
    return f"{value:.{0 if value >= 10 else 1}f}"


def span(values, formatter=fix):
    """The range of `values` as the formatter writes it: '5-7', or '5' when both ends read alike."""
    values = [float(v) for v in values]
    low, high = formatter(min(values)), formatter(max(values))
    return low if low == high else f"{low}-{high}"


def mean_pm(values, decimals=3):
    """'mean ± std' (ddof 1) of values over seeds."""
    values = np.asarray(values, dtype=float)
    std = values.std(ddof=1) if values.size > 1 else 0.0
    return f"{fix(values.mean(), decimals)} ± {fix(std, decimals)}"


def listing(items):
    """'a', 'a and b', 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def cap(text):
    text = str(text)
    return text[:1].upper() + text[1:]


NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve"]


def count(n, noun=None, plural=None):
    """A count in words: count(4) -> 'four'; count(1, 'model') -> 'one model'; beyond twelve, digits."""
    n = int(n)
    word = NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"
    if noun is None:
        return word
    return f"{word} {noun if n == 1 else (plural or noun + 's')}"


def table(header, rows):
    """A Markdown table of already formatted cells; a row of another width fails the render."""
    for row in rows:
        if len(row) != len(header):
            raise ReportError(f"table row {row!r} has {len(row)} cells, the header {len(header)}")
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in rows])


def by(items, key, value):
    """The one dict in `items` whose `key` equals `value`."""
    found = [item for item in items if item.get(key) == value]
    if len(found) != 1:
        raise ReportError(f"{len(found)} entries with {key} == {value!r}")
    return found[0]


FORMATTERS = {"sci": sci, "fix": fix, "pct": pct, "num": num, "times": times, "span": span, "mean_pm": mean_pm,
              "listing": listing, "cap": cap, "count": count}
