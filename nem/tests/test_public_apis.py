"""Public APIs only: the project's own code (tests excluded) uses no private name of a third-party
package and assigns nothing to a library's objects, so a dependency upgrade cannot break it
silently.

A static scan of every project ``.py`` file (the virtualenv, tests and the test servers excluded):

1. no import of a private module or name from a package that is not ours (``from x import _y``,
   ``import x._y``, ``from x._y import z``);
2. no ``obj._name`` where ``_name`` is defined nowhere in the project: such a name can only be a
   library's (or the standard library's) private attribute. The exceptions are documented public
   APIs that happen to start with an underscore (``ALLOWED_ATTRIBUTES``);
3. no assignment (``=``, ``+=``, ``setattr``, ``del``) to an attribute of anything imported from a
   package that is not ours (``connection.health_check_done = True``, ``settings.X = ...``,
   ``SomeLibraryClass.method = ...``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "venv", ".git", "node_modules", "var", "reports", "screenshots", "__pycache__", "e2e"}

# Underscore names that are documented public API, with where they are documented.
ALLOWED_ATTRIBUTES = {
    # Django's model metadata API ("Model _meta API" in Django's reference).
    "_meta",
    # Django's documented managers ("Managers": default and base managers).
    "_default_manager",
    "_base_manager",
    # collections.namedtuple's documented methods and fields (urlsplit() results are namedtuples).
    "_replace",
    "_asdict",
    "_fields",
    "_make",
}

# Library internals without a leading underscore: name -> the attribute it hangs off (None: any).
INTERNAL_ATTRIBUTES = {
    "health_check_done": None,  # Django's per-request connection bookkeeping
    "health_check_enabled": None,
    "get_client": "client",  # django-redis's client object: use django_redis.get_redis_connection
    "make_key": "client",
}


def project_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if SKIP_DIRS.intersection(parts) or "tests" in parts[:-1]:
            continue
        if path.name.startswith("test_") or path.name == "conftest.py":
            continue
        files.append(path)
    return sorted(files)


def own_packages() -> set[str]:
    names = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    names |= {p.stem for p in ROOT.glob("*.py")}
    return names | {"bench", "scripts"}


def is_third_party(module: str | None, own: set[str]) -> bool:
    if not module:  # a relative import is ours
        return False
    top = module.split(".")[0]
    return top not in own and top not in sys.stdlib_module_names


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def project_defined_names(trees: dict[Path, ast.AST]) -> tuple[set[str], set[str]]:
    """(members, module names): the attributes and methods the project's classes define (class
    bodies, ``self.x``/``cls.x`` assignments), and the names its modules define at top level.
    A library's private name is neither."""
    members: set[str] = set()
    module_names: set[str] = set()
    for tree in trees.values():
        for node in tree.body:
            module_names.update(defined_by(node))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    members.update(defined_by(item))
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
                    members.add(node.attr)
    return members, module_names


def defined_by(node: ast.AST) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def own_bindings(tree: ast.AST, own: set[str]) -> set[str]:
    """Local names this module binds to one of our modules or their contents."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update(
                alias.asname or alias.name.split(".")[0] for alias in node.names if not is_third_party(alias.name, own)
            )
        elif isinstance(node, ast.ImportFrom) and (node.level or not is_third_party(node.module, own)):
            bound.update(alias.asname or alias.name for alias in node.names)
    return bound


def third_party_bindings(tree: ast.AST, own: set[str]) -> set[str]:
    """Local names this module binds to something imported from a package that is not ours."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_third_party(alias.name, own):
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and is_third_party(node.module, own):
            bound.update(alias.asname or alias.name for alias in node.names)
    return bound


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def mutates_attribute(target: ast.AST) -> bool:
    """``x.a = ...``, ``x.a[k] = ...``: an attribute of ``x`` changes. ``x[k] = ...`` alone is the
    container protocol, public for a dict-like object (Django's ``connections[alias] = ...``)."""
    while isinstance(target, ast.Subscript):
        target = target.value
    return isinstance(target, ast.Attribute)


def violations(where: str, tree: ast.AST, own: set[str], ours: tuple[set[str], set[str]]) -> list[str]:
    members, module_names = ours
    found = []
    imported = third_party_bindings(tree, own)
    ours_bound = own_bindings(tree, own) | {n for node in tree.body for n in defined_by(node)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_third_party(alias.name, own) and any(is_private(p) for p in alias.name.split(".")):
                    found.append(f"{where}:{line}: imports the private module {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and is_third_party(node.module, own):
            if any(is_private(p) for p in node.module.split(".")):
                found.append(f"{where}:{line}: imports from the private module {node.module}")
            found += [
                f"{where}:{line}: imports the private name {alias.name} from {node.module}"
                for alias in node.names
                if is_private(alias.name)
            ]
        elif isinstance(node, ast.Attribute):
            defined = node.attr in members or (root_name(node.value) in ours_bound and node.attr in module_names)
            if is_private(node.attr) and not defined and node.attr not in ALLOWED_ATTRIBUTES:
                found.append(f"{where}:{line}: uses {node.attr}, a private name the project does not define")
            elif node.attr in INTERNAL_ATTRIBUTES and (
                INTERNAL_ATTRIBUTES[node.attr] is None
                or (isinstance(node.value, ast.Attribute) and node.value.attr == INTERNAL_ATTRIBUTES[node.attr])
            ):
                found.append(f"{where}:{line}: uses {node.attr}, a library internal")
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                for item in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
                    if mutates_attribute(item) and root_name(item) in imported:
                        found.append(f"{where}:{line}: assigns to {ast.unparse(item)}, a library's object")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"setattr", "delattr"}
            and node.args
            and root_name(node.args[0]) in imported
        ):
            found.append(f"{where}:{line}: {node.func.id} on {ast.unparse(node.args[0])}, a library's object")
    return found


def scan(files: list[Path]) -> list[str]:
    own = own_packages()
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in files}
    ours = project_defined_names(trees)
    return [v for path, tree in trees.items() for v in violations(str(path.relative_to(ROOT)), tree, own, ours)]


def test_the_project_uses_only_public_apis_of_its_dependencies():
    files = project_files()
    assert len(files) > 100  # the scan really sees the project
    assert scan(files) == []


# --- the scan itself: each rule catches what it is for ------------------------------------------


def scan_source(tmp_path: Path, source: str, *, project: str = "") -> list[str]:
    (tmp_path / "ours.py").write_text(project)
    (tmp_path / "module.py").write_text(source)
    files = [tmp_path / "ours.py", tmp_path / "module.py"]
    own = own_packages() | {"ours"}
    trees = {path: ast.parse(path.read_text()) for path in files}
    ours = project_defined_names(trees)
    return [v.split(": ", 1)[1] for path, tree in trees.items() for v in violations(path.name, tree, own, ours)]


def test_the_scan_catches_the_private_names_the_project_once_used(tmp_path):
    source = """
from django_ratelimit import core as rl
from django_ratelimit.core import _split_rate
import django_redis._private
from django.utils._os import safe_join
from django.db import connection
from django.conf import settings

limit, period = rl._split_rate("30/m")
window = rl._get_window("1.2.3.4", period)
ignore = cache._ignore_exceptions
raw = request._request
connection.health_check_done = True
settings.DEBUG = False
setattr(connection, "x", 1)
settings.CACHES["default"] = {}
redis = cache.client.get_client(write=True)
key = cache.client.make_key("k")
adding = form.instance._state.adding
"""
    # The project's own module-level _state function does not make Django's Model._state ours.
    assert sorted(scan_source(tmp_path, source, project="def _state(data):\n    return data\n")) == sorted(
        [
            "imports the private name _split_rate from django_ratelimit.core",
            "imports the private module django_redis._private",
            "imports from the private module django.utils._os",
            "uses _split_rate, a private name the project does not define",
            "uses _get_window, a private name the project does not define",
            "uses _ignore_exceptions, a private name the project does not define",
            "uses _request, a private name the project does not define",
            "assigns to connection.health_check_done, a library's object",
            "assigns to settings.DEBUG, a library's object",
            "setattr on connection, a library's object",
            "assigns to settings.CACHES['default'], a library's object",
            "uses health_check_done, a library internal",
            "uses get_client, a library internal",
            "uses make_key, a library internal",
            "uses _state, a private name the project does not define",
        ]
    )


def test_the_scan_allows_the_projects_own_private_names_and_documented_ones(tmp_path):
    project = """
class Publisher:
    def __init__(self):
        self._full_sync = set()

def _iso(value):
    return value
"""
    source = """
from urllib.parse import urlsplit
from django.db import connection, connections
from ours import Publisher, _iso
import ours

Publisher()._full_sync.clear()
ours._iso(1)
fields = Camera._meta.get_field("name")
parts = urlsplit("http://h/x")._replace(path="/y")
def render(camera):
    return camera
render.short_description = "Name"
connections["default"] = connection
"""
    assert scan_source(tmp_path, source, project=project) == []
