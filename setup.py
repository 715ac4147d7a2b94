"Packaging for pixlib: every setting is read from settings.ini (the nbdev convention)."
from configparser import ConfigParser
import setuptools, shlex

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

expected = 'version description keywords author author_email license status min_python audience language'.split()
missing = [o for o in expected if o not in cfg]
if missing: raise ValueError(f"settings.ini is missing: {', '.join(missing)}")

licenses = {'apache2': 'Apache-2.0'}  # SPDX expressions: current setuptools rejects licence classifiers
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = '3.9 3.10 3.11 3.12 3.13 3.14'.split()
min_python = cfg['min_python']

def _reqs(key):
    "Requirements listed under `key`, split like a shell line so that `a>=1,<2` stays whole."
    return shlex.split(cfg.get(key, ''))

console_scripts = [o.strip() for o in cfg.get('console_scripts', '').splitlines() if o.strip()]

setuptools.setup(
    name=cfg['lib_name'],
    license=licenses.get(cfg['license'].lower(), cfg['license']),
    license_files=['LICENSE'],
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status'])],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
    ] + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=['pixlib', 'pixlib.*']),
    include_package_data=True,
    package_data={'pixlib': ['configs/*.yaml', 'pretrained/*/config.yaml', 'pretrained/*/checkpoint_best.tar']},
    install_requires=_reqs('requirements'),
    extras_require={'dev': _reqs('dev_requirements'), 'depth': _reqs('depth_requirements')},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': console_scripts, 'nbdev': [f'{cfg["lib_path"]}={cfg["lib_path"]}._modidx:d']},
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
)
