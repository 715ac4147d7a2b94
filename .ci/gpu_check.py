#!/usr/bin/env python
"""The GPU check (issue 11), one command of a few minutes on a machine with a CUDA GPU:

    python .ci/gpu_check.py                 # everything below
    python .ci/gpu_check.py --skip-configs  # only the notebooks' cuda cells (the overhead ratios included)

1. every notebook that has `#| cuda` cells runs (in its own process): its unflagged cells and every cuda cell (also one
   flagged slow or bench), not its other slow, bench and notest cells; the output of each cuda cell is printed (nbs/benchmarks/train.ipynb prints the loop's overhead ratios
   against a plain PyTorch loop and Lightning on the GPU);
2. the shipped configs `homography` and `two_view_refiner` train for 48 steps on the GPU through `python -m pixlib.train`,
   and their log lines (ms/step, data and compute time, samples/s, peak GPU memory) are printed.
It exits 0 when everything passed, 1 when something failed (a summary says what), and 3 at once, before any work, on a
machine without a usable GPU or without the packages it needs (omegaconf, fastcore, execnb, IPython, tensorboard;
lightning for the ratios).
"""
import argparse, json, os, re, subprocess, sys, tempfile, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent
_flags = {'slow', 'bench', 'notest', 'cuda'}


def fail_fast():
    "Exit 3 with one line unless torch sees a GPU and the packages are importable."
    try: import torch
    except ImportError: print('gpu_check: torch is not installed: nothing checked', file=sys.stderr); sys.exit(3)
    if not torch.cuda.is_available():
        print(f'gpu_check: no usable CUDA GPU here (torch {torch.__version__}, torch.cuda.is_available() is False): nothing checked', file=sys.stderr); sys.exit(3)
    missing = [m for m in ('omegaconf', 'fastcore', 'execnb', 'IPython', 'tensorboard') if not _importable(m)]
    if missing: print(f"gpu_check: missing python packages: {', '.join(missing)} (pip install them, or bring their wheels)", file=sys.stderr); sys.exit(3)
    print(f'gpu_check: {torch.cuda.get_device_name()} , torch {torch.__version__}, CUDA {torch.version.cuda}', flush=True)


def _importable(m):
    try: __import__(m); return True
    except ImportError: return False


def directives(src:str) -> set:
    "The `#| ` flags at the top of a cell (e.g. {'cuda', 'hide'})."
    out = set()
    for line in src.splitlines():
        if not line.startswith('#|'): break
        out.update(w.rstrip(':') for w in line[2:].split()[:1])
        if re.match(r'#\|\s*eval:\s*false', line): out.add('noeval')
    return out


def cuda_notebooks() -> list:
    "The notebooks with at least one `#| cuda` cell."
    nbs = sorted(root.glob('nbs/*.ipynb')) + sorted(root.glob('nbs/tutorials/*.ipynb')) + sorted(root.glob('nbs/benchmarks/*.ipynb'))
    return [p for p in nbs if any('cuda' in directives(''.join(c['source'])) for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'code')]


def run_notebook(path:Path) -> int:
    "Run one notebook's cells, cuda cells included, slow/bench/notest cells skipped; print each cuda cell's output. Returns 0 on success."
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell
    nb = read_nb(path)
    os.chdir(path.parent)
    sh = CaptureShell(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != 'code': continue
        d = directives(cell.source)
        if 'noeval' in d or 'nbdev_export(' in cell.source or 'notest' in d or ('cuda' not in d and d & _flags): continue   # every cuda cell runs
        t0 = time.perf_counter()
        sh.cell(cell)
        if 'cuda' in d:
            text = ''.join(o.get('text', '') if isinstance(o.get('text', ''), str) else ''.join(o['text']) for o in cell.get('outputs', []) if o.get('output_type') == 'stream')
            print(f'--- {path.name} cuda cell {i} ({time.perf_counter() - t0:.1f} s)' + (f':\n{text.rstrip()}' if text.strip() else ''), flush=True)
        if sh.exc:
            print(sh.prettytb(fname=path), file=sys.stderr); return 1
    return 0


def train_config(name:str, out:Path, steps:int=48) -> int:
    "Train a shipped config for `steps` steps on the GPU; print its log lines. Returns the exit status."
    from omegaconf import OmegaConf
    conf = OmegaConf.load(root/'pixlib'/'configs'/f'{name}.yaml')
    bs = conf.data.batch_size
    args = [sys.executable, '-m', 'pixlib.train', f'gpu_check_{name}', '--conf', name, 'train.device=cuda', 'train.epochs=1',
            f'data.train_size={steps * bs}', f'data.val_size={2 * bs}', 'train.log_every_iter=16', 'train.eval_every_iter=1000',
            'train.save_every_iter=1000', f'data.num_workers={min(8, os.cpu_count() or 1)}']
    env = {**os.environ, 'PIXLIB_TRAINING_PATH': str(out), 'PYTHONPATH': f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    t0 = time.perf_counter()
    try: r = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env, cwd=root)
    except subprocess.TimeoutExpired as e:
        print(f'--- {name}: timed out after 900 s; the end of its log:\n{(e.stdout or b"")[-3000:]}', file=sys.stderr); return 1
    lines = [l for l in r.stdout.splitlines() if 'ms/step' in l or '[Validation]' in l or 'Starting' in l]
    print(f'--- config {name}: exit {r.returncode} in {time.perf_counter() - t0:.0f} s\n' + '\n'.join(lines), flush=True)
    if r.returncode: print(r.stderr[-3000:] or r.stdout[-3000:], file=sys.stderr)
    return r.returncode


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--notebook', help=argparse.SUPPRESS)   # internal: run one notebook in this process
    ap.add_argument('--skip-configs', action='store_true', help='do not train the shipped configs')
    a = ap.parse_args()
    fail_fast()
    if a.notebook: sys.exit(run_notebook(Path(a.notebook)))
    failed, t_start = [], time.perf_counter()
    for p in cuda_notebooks():
        print(f'=== {p.relative_to(root)}', flush=True)
        try: rc = subprocess.run([sys.executable, __file__, '--notebook', str(p)], timeout=1800).returncode
        except subprocess.TimeoutExpired: print(f'{p.name}: timed out after 1800 s', file=sys.stderr); rc = 1
        if rc: failed.append(p.name)
    if not a.skip_configs:
        with tempfile.TemporaryDirectory(prefix='pixlib_gpu_check_') as out:
            for name in ('homography', 'two_view_refiner'):
                if train_config(name, Path(out)): failed.append(f'config {name}')
    print(f"=== gpu_check: {'FAILED: ' + ', '.join(failed) if failed else 'all passed'} ({time.perf_counter() - t_start:.0f} s)")
    sys.exit(1 if failed else 0)
