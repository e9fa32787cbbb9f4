"""The report's analysis: one module per experiment, each turning results/*.json into findings.

A module findings/<name>.py has
    SOURCES: the results files (names under results/) it reads;
    findings(R, C, P, T) -> dict: plain data (numbers, formatted table cells, lists) and
        common.claims.Claim objects for every qualitative statement,
where R[name] / C[name] / P[name] are the "results" / "config" / "provenance" of
results/<name>.json and T the timings of the last make figures. report/<name>.md is the section
of REPORT.md that prints them (prose and lookups only). Scripts may import their findings module
(to print them); common/ never imports a script.
"""
import importlib

MODULES = [                       # report order
    "provenance",
    "hw1_1_simulate", "hw1_1_mnist",
    "hw1_2_pca", "hw1_2_gradnorm", "hw1_2_minratio", "hw1_2_surface",
    "hw1_3_random_labels", "hw1_3_params", "hw1_3_approaches", "hw1_3_interp", "hw1_3_sensitivity",
    "hw1_3_sharpness", "hw1_3_keskar",
]


def modules(only=None):
    """[(name, module)] in report order (only: a subset of names)."""
    return [(name, importlib.import_module(f"findings.{name}")) for name in MODULES
            if only is None or name in only]
