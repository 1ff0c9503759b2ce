#!/usr/bin/python3
"""The documentation's links and field list.

- Every relative link and image in README.md, docs/*.md, captures/README.md
  and bench/RESULTS.md names a file (or folder) of the repository, and a
  `#heading` after it names a heading of that file.
- Every tcpconn field the built plugin registers (`tshark -G fields`, run
  as the other tests run tshark) is named in README.md or docs/fields.md.

Usage: test_docs.py [FILE.md...]   (default: the files above)
"""
import glob
import os
import re
import sys
import unittest

from tshark_run import REPO, tshark

# [text](target) and ![alt](target); the target ends at the first space or ")".
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
FIELD_DOCS = ["README.md", os.path.join("docs", "fields.md")]


def documents():
    names = ["README.md", os.path.join("captures", "README.md"),
             os.path.join("bench", "RESULTS.md")]
    names += sorted(os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, "docs", "*.md")))
    return names


def read(name):
    with open(os.path.join(REPO, name), encoding="utf-8") as f:
        return f.read()


def prose(text):
    """The text without fenced code blocks (their brackets are not links)."""
    return FENCE.sub("", text)


def anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped
    (hyphens and underscores kept), spaces to hyphens."""
    text = re.sub(r"[`*_]{1,2}([^`*_]+)[`*_]{1,2}", r"\1", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text):
    found, seen = set(), {}
    for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", prose(text), re.M):
        a = anchor(m.group(1))
        n = seen.get(a, 0)
        seen[a] = n + 1
        found.add(a if n == 0 else f"{a}-{n}")
    return found


def broken_links(name, text):
    """(target, why) for each relative link of `name` that does not resolve."""
    broken = []
    here = os.path.dirname(os.path.join(REPO, name))
    for m in LINK.finditer(prose(text)):
        target = m.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        full = os.path.normpath(os.path.join(here, path)) if path else os.path.join(REPO, name)
        if os.path.commonpath([full, REPO]) != REPO:
            broken.append((target, "outside the repository"))
        elif not os.path.exists(full):
            broken.append((target, "no such file"))
        elif fragment and full.endswith(".md") and fragment not in anchors(read(full)):
            broken.append((target, f"no heading #{fragment} in {os.path.relpath(full, REPO)}"))
    return broken


def registered_fields():
    """The abbreviations of the protocol and fields tcpconn registers."""
    names = set()
    for line in tshark("-G", "fields").splitlines():
        cols = line.split("\t")
        if len(cols) > 2 and cols[0] in ("P", "F") and re.fullmatch(r"tcpconn(\..+)?", cols[2]):
            names.add(cols[2])
    return names


class Links(unittest.TestCase):
    files = None

    def test_every_relative_link_resolves(self):
        for name in self.files:
            with self.subTest(document=name):
                self.assertEqual(broken_links(name, read(name)), [])

    def test_the_readme_keeps_both_commands(self):
        # tools/test.sh and .ci/run refer to the README's two commands.
        readme = read("README.md")
        for command in ("tools/setup.sh", "tools/test.sh"):
            self.assertRegex(readme, rf"(?m)^{re.escape(command)}$")


class Fields(unittest.TestCase):
    def test_every_registered_field_is_documented(self):
        fields = registered_fields()
        self.assertIn("tcpconn.failed", fields, "tshark did not load the plugin")
        documented = set()
        for name in FIELD_DOCS:
            documented |= set(re.findall(r"`(tcpconn(?:\.[a-z0-9_.]+)?)`", read(name)))
        self.assertEqual(sorted(fields - documented), [],
                         f"registered but named in none of {FIELD_DOCS}")

    def test_documented_names_exist(self):
        """Every tcpconn.* name in docs/fields.md is a field or a preference."""
        prefs = set(re.findall(r"^#?(tcpconn\.\w+):", tshark("-G", "currentprefs"), re.M))
        known = registered_fields() | prefs
        named = set(re.findall(r"`(tcpconn\.[a-z0-9_.]+)[`:\s=]", read(FIELD_DOCS[1])))
        self.assertEqual(sorted(named - known), [])


if __name__ == "__main__":
    Links.files = [a for a in sys.argv[1:] if a.endswith(".md")] or documents()
    sys.argv = [sys.argv[0]] + [a for a in sys.argv[1:] if not a.endswith(".md")]
    unittest.main(verbosity=2)
