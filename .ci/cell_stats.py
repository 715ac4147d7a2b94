#!/usr/bin/env python
"""Statistics of the exported cells of the notebooks (the house style's shape: short cells, a class grown method by method).

    python .ci/cell_stats.py              # print the statistics and the largest exported cells
    python .ci/cell_stats.py --enforce    # also fail unless the goals below hold
    python .ci/cell_stats.py --per-notebook   # also the statistics of each notebook

Goals (issue 15): no exported cell over 60 lines, under 10% of exported lines in cells over 40 lines, mean under 15.
Lines are the cell's source lines without the `#|` directives and blank lines.
"""
import argparse, json, re, sys
from pathlib import Path

_re_export = re.compile(r'^\s*#\|\s*export(s|i)?\b')


def exported_cells(nbs):
    "(notebook, first line, number of lines) of every exported code cell of the notebooks in `nbs`."
    out = []
    for nb in sorted(Path(nbs).glob('*.ipynb')):
        for cell in json.loads(nb.read_text(encoding='utf-8'))['cells']:
            if cell['cell_type'] != 'code': continue
            src = ''.join(cell['source']).splitlines()
            if not any(_re_export.match(l) for l in src): continue
            body = [l for l in src if l.strip() and not l.lstrip().startswith('#|')]
            if body: out.append((nb.name, body[0].strip()[:60], len(body)))
    return out


def stats(cells):
    "Count, mean lines, largest cell and the share of exported lines in cells over 40 and 50 lines."
    n = [c[2] for c in cells]
    tot = sum(n)
    return {'cells': len(n), 'lines': tot, 'mean': tot / len(n), 'max': max(n),
            'over40': sum(x for x in n if x > 40) / tot, 'over50': sum(x for x in n if x > 50) / tot}


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--enforce', action='store_true', help='fail unless the goals hold')
    ap.add_argument('--top', type=int, default=10, help='largest cells listed')
    ap.add_argument('--per-notebook', action='store_true', help='also print the statistics of each notebook')
    a = ap.parse_args()
    cells = exported_cells(Path(__file__).resolve().parent.parent/'nbs')
    s = stats(cells)
    print(f"exported cells: {s['cells']}, lines: {s['lines']}, mean {s['mean']:.1f} lines, largest {s['max']}; "
          f"lines in cells over 40 lines: {100 * s['over40']:.1f}%, over 50: {100 * s['over50']:.1f}%")
    for nb, first, k in sorted(cells, key=lambda c: -c[2])[:a.top]: print(f'  {k:4d}  {nb}: {first}')
    if a.per_notebook:
        for nb in sorted({c[0] for c in cells}):
            n = [c[2] for c in cells if c[0] == nb]
            print(f'  {nb:40s} {len(n):4d} cells, mean {sum(n) / len(n):5.1f}, largest {max(n):4d}')
    goals = {'no cell over 60 lines': s['max'] <= 60, 'under 10% of lines in cells over 40': s['over40'] < 0.10, 'mean under 15': s['mean'] < 15}
    for g, ok in goals.items(): print(f"  goal {'met' if ok else 'NOT met'}: {g}")
    if a.enforce and not all(goals.values()): sys.exit(1)
