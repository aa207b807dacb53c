#!/usr/bin/env python3
# test-po.py: every file with translatable strings is in po/POTFILES.in,
# and every translation in po/LINGUAS translates every string.
#
# Usage: test-po.py SOURCE_ROOT [BUILD_ROOT]
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

root = Path(sys.argv[1]).resolve()
build = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else None
failures = []

C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|ngettext|g_dngettext)\s*\(')
UI_MARK = re.compile(r'translatable="yes"')


def listed_files():
    lines = (root / 'po' / 'POTFILES.in').read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith('#')]


def has_translatable(path):
    text = path.read_text(errors='replace')
    name = path.name
    if name.endswith('.c') or name.endswith('.h'):
        # Comments may mention _() without using it.
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        text = re.sub(r'//[^\n]*', '', text)
        return C_MARK.search(text) is not None
    if name.endswith('.ui'):
        return UI_MARK.search(text) is not None
    if name.endswith('.desktop.in') or name.endswith('.metainfo.xml.in'):
        return True
    if name.endswith('.gschema.xml'):
        return 'gettext-domain' in text
    return False


def candidates():
    for pattern in ('src/**/*.c', 'src/**/*.h', 'src/**/*.ui', 'data/*.in', 'data/*.gschema.xml'):
        for path in sorted(root.glob(pattern)):
            yield path


listed = listed_files()

if listed != sorted(listed):
    failures.append('po/POTFILES.in is not sorted')
for name in listed:
    if not (root / name).is_file():
        failures.append(f'po/POTFILES.in lists {name}, which does not exist')
    elif not has_translatable(root / name):
        failures.append(f'po/POTFILES.in lists {name}, which has no translatable strings')

for path in candidates():
    name = str(path.relative_to(root))
    if has_translatable(path) and name not in listed:
        failures.append(f'{name} has translatable strings but is missing from po/POTFILES.in')

# Every language complete against strings extracted right now.
with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'onair.pot')
    subprocess.run(['xgettext', '--files-from=po/POTFILES.in', '--from-code=UTF-8',
                    '--add-comments', '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
                    '--keyword=NC_:1c,2', '--keyword=g_dngettext:2,3', '--keyword=ngettext:1,2',
                    '--package-name=onair', '-o', pot], cwd=root, check=True)
    for lang in (root / 'po' / 'LINGUAS').read_text().split():
        po = root / 'po' / f'{lang}.po'
        merged = os.path.join(tmp, f'{lang}.po')
        subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '-o', merged, str(po), pot],
                       check=True)
        result = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged],
                                capture_output=True, text=True, env=dict(os.environ, LC_ALL='C'))
        stats = result.stderr.strip()
        print(f'{lang}: {stats}')
        if result.returncode != 0:
            failures.append(f'po/{lang}.po does not compile: {stats}')
        elif 'untranslated' in stats or 'fuzzy' in stats:
            failures.append(f'po/{lang}.po is incomplete: {stats}')

# The catalogue the build made is the one gettext reads at run time.
if build is not None:
    for lang, msgid, expected in (('de', 'Test pattern', 'Testbild'),
                                  ('de', 'No Picture', 'Kein Bild')):
        mo_dir = build / 'po'
        if not (mo_dir / lang / 'LC_MESSAGES' / 'onair.mo').is_file():
            failures.append(f'the build has no {lang} catalogue in {mo_dir}')
            continue
        env = dict(os.environ, TEXTDOMAINDIR=str(mo_dir), LANGUAGE=lang, LC_ALL='C.UTF-8')
        out = subprocess.run(['gettext', '-d', 'onair', msgid], capture_output=True, text=True,
                             env=env).stdout
        if out != expected:
            failures.append(f'gettext gave “{out}” for “{msgid}” in {lang}, expected “{expected}”')

for f in failures:
    print('FAIL:', f)
sys.exit(1 if failures else 0)
