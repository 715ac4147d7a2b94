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

from urllib.parse import urljoin, unquote

import nbformat, yaml
from nbconvert import HTMLExporter, MarkdownExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbdev.config import get_config
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


def _process(force=False):
    "nbdev's processing of the notebooks (as `nbdev.serve.proc_nbs`), one notebook at a time with a line of progress each."
    import time, nbdev.serve as serve, nbdev.serve_drv as drv
    from nbdev.doclinks import nbglob
    cfg = get_config()
    cache, path = cfg.config_path/'_proc', Path(cfg.nbs_path)
    files = nbglob(path, func=Path, file_glob='', file_re='')
    for extra in ('_quarto.yml', '_brand.yml'):
        if (path/extra).exists(): files.append(path/extra)
    chk_mtime = max(cfg.config_file.stat().st_mtime, Path(serve.__file__).stat().st_mtime)
    cache.mkdir(parents=True, exist_ok=True)
    if force or cache.stat().st_mtime < chk_mtime: shutil.rmtree(cache); cache.mkdir(parents=True)
    for stale in [o for o in cache.rglob('*.ipynb') if not (path/o.relative_to(cache)).exists()]:
        stale.unlink(); print(f'removed {stale.relative_to(cache)} from the cache (its notebook is gone)', flush=True)
    todo = [o for o in files.map(serve._proc_file, mtime=cache.stat().st_mtime, cache=cache, path=path) if o]
    for i, o in enumerate(todo):
        t0 = time.time()
        drv.main(o)
        print(f'[{i+1}/{len(todo)}] processed {o[0].relative_to(path)} ({time.time() - t0:.1f} s)', flush=True)
    cache.touch()
    return cache


_re_href = re.compile(r'(href|src)="([^"]*)"')


def _section(rel):
    "The sidebar section of a page: home, tutorials, benchmarks or API."
    if rel == 'index.html': return 'Home'
    return {'tutorials': 'Tutorials', 'benchmarks': 'Benchmarks'}.get(rel.split('/')[0] if '/' in rel else '', 'API')


def _relink(body, rel, pages, site, ids):
    """Links of page `rel` made local: the published site's pages, notebooks (`.ipynb`, also under `nbs/` as the README
    writes them) and folders point to the built pages; anchors match the ids of the target page whatever their case."""
    up = '../' * rel.count('/')
    def local(tgt, anchor):
        if tgt not in pages: return None
        a = ids[tgt].get(anchor.lower()) if anchor else None
        return up + tgt + (f'#{a}' if a else '')
    def fix(m):
        attr, url = m.groups()
        tgt, _, anchor = url.partition('#')
        new = None
        if url.startswith(site): new = local(tgt[len(site):], anchor)
        elif url.startswith('#') and anchor: new = '#' + ids[rel].get(anchor.lower(), anchor)
        elif not re.match(r'^[a-z]+:|^/', url) and tgt:
            t = (Path(rel).parent/tgt).as_posix().lstrip('./')
            t = t[4:] if t.startswith('nbs/') else t
            if t.endswith('.ipynb'): new = local(Path(_nbpath2html(Path(t))).as_posix(), anchor)
            elif t.rstrip('/') in ('', 'nbs', 'benchmarks', 'tutorials'): new = up + 'contents.html'
        return f'{attr}="{new}"' if new is not None else m.group(0)
    # nbdev's doc links inside code (a docment comment of a signature) stay markdown text: make them links
    body = re.sub(r'\[`([^`\]]+)`\]\((' + re.escape(site) + r'[^)\s"<]*)\)', r'<a href="\2"><code>\1</code></a>', body)
    return _re_href.sub(fix, body)


_css = ('<style>body{margin-left:16rem}nav.pixlib-side{position:fixed;top:0;left:0;bottom:0;width:15rem;box-sizing:border-box;overflow-y:auto;'
        'padding:1rem;background:#f7f7f7;border-right:1px solid #ddd;font:14px/1.4 sans-serif}nav.pixlib-side h4{margin:.8rem 0 .2rem}'
        'nav.pixlib-side ul{list-style:none;padding-left:.5rem;margin:0}nav.pixlib-side a.current{font-weight:bold}'
        '.jp-RenderedMarkdown pre{background:#f6f6f6;padding:.6em .8em;margin:.4em 0 1em;overflow-x:auto}</style>')


def _sidebar(rel, pages):
    "A fixed sidebar linking every page, grouped by section, from page `rel`."
    up, groups = '../' * rel.count('/'), {}
    for p, t in pages.items(): groups.setdefault(_section(p), []).append((p, t))
    out = [f'<nav class="pixlib-side"><b><a href="{up}index.html">pixlib</a></b> · <a href="{up}contents.html">contents</a>']
    for sec in ('Home', 'Tutorials', 'API', 'Benchmarks'):
        if sec not in groups or sec == 'Home': continue
        out.append(f'<h4>{sec}</h4><ul>')
        out += [f'<li><a href="{up}{p}"' + (' class="current"' if p == rel else '') + f'>{html.escape(t)}</a></li>' for p, t in groups[sec]]
        out.append('</ul>')
    return _css + '\n'.join(out) + '</nav>'


def build(force=False):
    cfg = get_config()
    proc = _process(force=force)
    out = cfg.config_path/cfg.doc_path
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    html_ex = _exporter(HTMLExporter, template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    bodies = {}
    for nbp in sorted(proc.rglob('*.ipynb')):
        rel = nbp.relative_to(proc)
        if any(p.startswith(('.', '_')) for p in rel.parts): continue
        nb = _prepare(nbformat.read(nbp, as_version=4))
        body, _ = html_ex.from_notebook_node(nb)
        title = next((c.source.splitlines()[0].lstrip('# ') for c in nb.cells if c.cell_type == 'markdown' and c.source.startswith('# ')), rel.stem)
        bodies[Path(_nbpath2html(rel)).as_posix()] = (title, body)
        print(f'rendered {rel}', flush=True)
    pages = {p: t for p, (t, _) in sorted(bodies.items(), key=lambda x: x[0] != 'index.html')}   # notebook order
    ids = {p: {i.lower(): i for i in re.findall(r'\bid="([^"]+)"', b)} for p, (_, b) in bodies.items()}
    site = urljoin(cfg.doc_host + '/', cfg.doc_baseurl).rstrip('/') + '/'
    for rel, (title, body) in bodies.items():
        body = _relink(body, rel, pages, site, ids)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + _sidebar(rel, pages), body, count=1)
        dest = out/rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body, encoding='utf-8')
    links = '\n'.join(f'<li><a href="{p}">{html.escape(t)}</a> <small>({p})</small></li>' for p, t in pages.items())
    (out/'contents.html').write_text(f'<html><head><meta charset="utf-8"><title>{html.escape(cfg.title)}: contents</title>'
                                     '<style>body{font:15px/1.6 sans-serif;padding:0 1rem}a{color:#1a5fb4;text-decoration:none}a:hover{text-decoration:underline}'
                                     'small{color:#777}</style></head>'
                                     f'<body>{_sidebar("contents.html", pages)}<h1>{html.escape(cfg.title)}</h1><ul>\n{links}\n</ul></body></html>', encoding='utf-8')
    print(f'built {len(pages)} pages in {out}')
    return proc, out


def check_links(out):
    "Every local link (href/src) of every built page resolves to a file, and its anchor to an id in that file."
    bad, n, ids = [], 0, {}
    def anchors(f):
        if f not in ids: ids[f] = set(re.findall(r'\bid="([^"]+)"', f.read_text(encoding='utf-8')))
        return ids[f]
    for page in sorted(out.rglob('*.html')):
        for _, url in _re_href.findall(page.read_text(encoding='utf-8')):
            if re.match(r'^[a-z]+:|^//', url) or not url: continue
            n += 1
            tgt, _, anchor = url.partition('#')
            f = (page.parent/tgt).resolve() if tgt else page
            if not f.is_file(): bad.append(f'{page.relative_to(out)}: broken link {url}')
            elif anchor and f.suffix == '.html' and unquote(anchor) not in anchors(f): bad.append(f'{page.relative_to(out)}: no anchor #{anchor} in {tgt or page.name}')
    if bad:
        print('\n'.join(bad)); sys.exit(1)
    print(f'link check: {n} local links in {len(list(out.rglob("*.html")))} pages, all resolve')


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
    if a.check: check(out); check_links(out)
