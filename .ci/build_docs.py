#!/usr/bin/env python
"""Build pixlib's HTML docs (and README.md) from the notebooks without Quarto.

    python .ci/build_docs.py            # HTML pages in _docs/, one per notebook
    python .ci/build_docs.py --readme   # also regenerate README.md from nbs/index.ipynb
    python .ci/build_docs.py --check    # fail unless every exported module has a page with its show_doc entries

The notebooks are processed by nbdev exactly as for Quarto (`nbdev.serve.proc_nbs`: hidden and exported cells
removed, show_doc cells executed), then rendered with nbconvert, honouring the Quarto cell options nbdev relies on
(`echo: false`, `output: false`, `include: false`). Where Quarto is installed, `nbdev_docs` keeps working.
"""
import argparse, ast, html, importlib, inspect, json, re, shutil, sys
from pathlib import Path

import nbformat, yaml
from nbconvert import HTMLExporter, MarkdownExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import get_config
from nbdev.serve import proc_nbs
from nbdev.doclinks import _nbpath2html

_re_opt = re.compile(r'^\s*#\|\s*([\w-]+)\s*(?::\s*(.*?))?\s*$')


def _frontmatter(cell):
    "Title and description of a Quarto front-matter raw cell."
    return yaml.safe_load(cell.source.strip().strip('-')) or {}


def _prepare(nb):
    "Turn Quarto cell options into nbconvert tags, strip them from the source, render front matter as a title."
    cells = []
    for cell in nb.cells:
        if cell.cell_type == 'raw' and cell.source.lstrip().startswith('---'):
            meta = _frontmatter(cell)
            src = f"# {meta.get('title', '')}" + (f"\n\n> {meta['description']}" if meta.get('description') else '')
            cells.append(nbformat.v4.new_markdown_cell(src)); continue
        if cell.cell_type == 'code':
            lines, opts = cell.source.splitlines(), {}
            while lines and _re_opt.match(lines[0]):
                k, v = _re_opt.match(lines[0]).groups(); opts[k] = (v or 'true').lower(); lines = lines[1:]
            cell.source = '\n'.join(lines).strip()
            if opts.get('include') == 'false': continue
            tags = cell.metadata.setdefault('tags', [])
            if opts.get('echo') == 'false' or not cell.source: tags.append('remove_input')
            if opts.get('output') == 'false': tags.append('remove_output')
            if not cell.source and not cell.get('outputs'): continue
            for o in cell.get('outputs', []):   # Quarto link attributes that plain markdown would print
                if 'text/markdown' in o.get('data', {}):
                    md = o['data']['text/markdown']
                    o['data']['text/markdown'] = re.sub(r'\{target="_blank"[^}]*\}', '', md if isinstance(md, str) else ''.join(md))
        cells.append(cell)
    nb.cells = cells
    nb.metadata.setdefault('language_info', {'name': 'python'})
    return nb


def _exporter(cls, **kw):
    trp = TagRemovePreprocessor(remove_input_tags={'remove_input'}, remove_all_outputs_tags={'remove_output'},
                                remove_cell_tags={'remove_cell'}, enabled=True)
    ex = cls(**kw); ex.register_preprocessor(trp, enabled=True)
    return ex


def build(force=False):
    cfg = get_config()
    proc = Path(proc_nbs(force=force, n_workers=0))
    out = cfg.config_path/cfg.doc_path
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    html_ex = _exporter(HTMLExporter, template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    pages = []
    for nbp in sorted(proc.rglob('*.ipynb')):
        rel = nbp.relative_to(proc)
        if any(p.startswith(('.', '_')) for p in rel.parts): continue
        nb = _prepare(nbformat.read(nbp, as_version=4))
        body, _ = html_ex.from_notebook_node(nb)
        dest = out/_nbpath2html(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body, encoding='utf-8')
        title = next((c.source.splitlines()[0].lstrip('# ') for c in nb.cells if c.cell_type == 'markdown' and c.source.startswith('# ')), rel.stem)
        pages.append((dest.relative_to(out).as_posix(), title))
    links = '\n'.join(f'<li><a href="{p}">{html.escape(t)}</a> <small>({p})</small></li>' for p, t in pages)
    (out/'contents.html').write_text(f'<html><body><h1>{html.escape(cfg.title)}</h1><ul>\n{links}\n</ul></body></html>', encoding='utf-8')
    print(f'built {len(pages)} pages in {out}')
    return proc, out


def readme(proc):
    "README.md from the processed index notebook."
    cfg = get_config()
    nb = _prepare(nbformat.read(proc/cfg.readme_nb, as_version=4))
    md, _ = _exporter(MarkdownExporter).from_notebook_node(nb)
    md = re.sub(r'\n{3,}', '\n\n', md).strip() + '\n'
    (cfg.config_path/'README.md').write_text(md, encoding='utf-8')
    print('wrote README.md')


def check(out):
    "Every exported module has a page with a show_doc heading for each public function, class and method."
    cfg = get_config()
    modidx = ast.literal_eval(re.search(r'd = (\{.*\})', (cfg.lib_path/'_modidx.py').read_text(), re.S).group(1))
    problems, n = [], 0
    for mod, syms in modidx['syms'].items():
        pages = {link.split('#')[0] for link, _ in syms.values()}
        for page in pages:
            f = out/page
            if not f.exists(): problems.append(f'{mod}: no page {page}'); continue
            text = f.read_text(encoding='utf-8')
            for sym, (link, _) in syms.items():
                if link.split('#')[0] != page: continue
                top = sym[len(mod)+1:]
                if any(part.startswith('_') for part in top.split('.')): continue
                if '.' in top:   # a method: documented unless it is a property
                    cls, meth = top.split('.', 1)
                    owner = getattr(importlib.import_module(mod), cls, None)
                    if owner is None or isinstance(inspect.getattr_static(owner, meth, None), property): continue
                n += 1
                if not re.search(rf'<h[1-4][^>]*>[^<]*\b{re.escape(top)}\b', text):
                    problems.append(f'{mod}: page {page} has no show_doc entry for {top}')
    if problems:
        print('\n'.join(problems)); sys.exit(1)
    print(f'docs check: {len(modidx["syms"])} modules, {n} documented functions, classes and methods, all present')


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--readme', action='store_true', help='also regenerate README.md from nbs/index.ipynb')
    ap.add_argument('--check', action='store_true', help='check that every exported module has a page with its show_doc entries')
    ap.add_argument('--force', action='store_true', help='reprocess every notebook (ignore the _proc cache)')
    a = ap.parse_args()
    proc, out = build(force=a.force)
    if a.readme: readme(proc)
    if a.check: check(out)
