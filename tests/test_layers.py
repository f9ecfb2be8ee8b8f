"""The shape of portal/: layers whose imports point one way, features that
meet only through each other's public functions, hosts that gather what
features add through portal/hooks.py, and modules that do one job.

Every import counts, those inside functions and under TYPE_CHECKING included:
a lazy import is still a dependency. Importing another feature's ``models``
is always allowed (the data layer: models may refer to each other).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"

# Lowest first. A module may import from its own layer or a lower one; within a
# layer, the imports between top-level folders must not form a cycle.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("leaves", frozenset({"clock", "zones", "timezone", "languages", "urls", "extensions", "logs", "forms", "hooks", "outages", "paging", "tokens", "reach", "touched"})),
    ("data", frozenset({"models"})),
    ("audit", frozenset({"audit"})),
    ("access", frozenset({"access"})),
    ("infrastructure", frozenset({"notify", "sessions", "ratelimits", "health"})),
    (
        "features",
        frozenset(
            {
                "auth", "account", "admin", "backup", "circles", "followup", "invitations",
                "plan", "school", "safeguarding", "sharing", "who_has_seen", "urgent", "rightnow", "retention", "export",
            }
        ),
    ),
    ("hosts", frozenset({"dashboard"})),
    ("wiring", frozenset({"__init__", "cli", "errors", "security", "serving", "templating", "demo"})),
)
LAYER_OF = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}
LAYER_NAMES = [layer for layer, _ in LAYERS]
HOSTS = LAYERS[LAYER_NAMES.index("hosts")][1]
FEATURES = LAYERS[LAYER_NAMES.index("features")][1]
LONGEST_MODULE = 600


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    source: str  # top-level folder (or module) of portal/ that imports
    target: str  # the dotted module imported from
    names: tuple[str, ...]  # the names taken from it ("" for a plain import)
    bound: str | None = None  # the local name a module import is bound to

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def target_top(self) -> str | None:
        parts = self.target.split(".")
        return parts[1] if parts[0] == "portal" and len(parts) > 1 else None

    @property
    def is_models(self) -> bool:
        # portal.models, portal.<feature>.models
        return self.target.split(".")[-1] == "models"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _top(path: Path) -> str:
    parts = path.relative_to(PORTAL).with_suffix("").parts
    return parts[0]


def _imports_of(path: Path) -> list[Import]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(path, node.lineno, _top(path), alias.name, ("",), alias.asname))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = tuple(alias.name for alias in node.names)
            # "from portal.plan import forms" imports the module portal.plan.forms.
            submodules = [alias for alias in node.names if _is_module(f"{target}.{alias.name}")]
            for alias in submodules:
                found.append(
                    Import(path, node.lineno, _top(path), f"{target}.{alias.name}", ("",), alias.asname or alias.name)
                )
            rest = tuple(name for name in names if name not in {alias.name for alias in submodules})
            if rest:
                found.append(Import(path, node.lineno, _top(path), target, rest))
    return [found_import for found_import in found if found_import.target.split(".")[0] == "portal"]


def _is_module(dotted: str) -> bool:
    place = PORTAL.parent.joinpath(*dotted.split("."))
    return place.with_suffix(".py").exists() or (place / "__init__.py").exists()


def _modules() -> list[Path]:
    return sorted(PORTAL.rglob("*.py"))


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return [found for path in _modules() for found in _imports_of(path)]


def _between_folders(imports: list[Import]) -> list[Import]:
    return [
        found for found in imports
        if found.target_top is not None and found.target_top != found.source and not found.is_models
    ]


def test_every_folder_of_portal_has_a_layer():
    tops = {_top(path) for path in _modules()}
    assert tops - set(LAYER_OF) == set(), "place each new folder of portal/ in a layer (tests/test_layers.py and the README)"
    assert set(LAYER_OF) - tops == set(), "a layer names a folder that no longer exists"


def test_imports_point_down(imports):
    upward = [
        f"{found.where}: {found.source} ({LAYER_NAMES[LAYER_OF[found.source]]}) imports {found.target} "
        f"({LAYER_NAMES[LAYER_OF[found.target_top]]})"
        for found in _between_folders(imports)
        if LAYER_OF[found.target_top] > LAYER_OF[found.source]
    ]
    assert upward == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected parts of more than one folder (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_between_folders(imports):
    edges: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], str] = {}
    for found in _between_folders(imports):
        edges[found.source].add(found.target_top)
        where.setdefault((found.source, found.target_top), found.where)
    cycles = _cycles(edges)
    described = [
        " <-> ".join(part) + ": " + "; ".join(
            f"{a}->{b} at {where[(a, b)]}" for a in part for b in part if (a, b) in where
        )
        for part in cycles
    ]
    assert described == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"plan": {"followup"}, "followup": {"notify"}, "notify": {"plan"}, "school": {"plan"}}) == [
        ["followup", "notify", "plan"]
    ]
    assert _cycles({"school": {"circles"}, "circles": {"auth"}}) == []


def test_hosts_gather_features_through_hooks(imports):
    """The dashboard asks portal.hooks; a feature it imported could not add
    an item without the dashboard changing too."""
    reached = [
        f"{found.where}: {found.target}"
        for found in _between_folders(imports)
        if found.source in HOSTS and found.target_top in FEATURES and found.target.split(".")[-1] not in HOST_MAY_READ
    ]
    assert reached == []


# What a host may read of a feature without the feature registering: how a
# section is written out (its declarations and their presentation).
HOST_MAY_READ = {"sections", "presenters"}


def test_features_meet_through_public_functions(imports):
    """Never another folder's routes module, never its _private names."""
    found_wrong = []
    for found in _between_folders(imports):
        if found.source == "__init__":
            continue  # the factory attaches the views
        if found.target.split(".")[-1] == "routes":
            found_wrong.append(f"{found.where}: imports {found.target}")
        private = [name for name in found.names if name.startswith("_") and not name.startswith("__")]
        if private:
            found_wrong.append(f"{found.where}: takes {', '.join(private)} from {found.target}")
    assert found_wrong == []


def test_no_reach_into_another_folders_private_names():
    """``services._tell(...)`` on a module imported from another folder."""
    found_wrong = []
    for path in _modules():
        bound = {
            found.bound: found.target
            for found in _imports_of(path)
            if found.bound and found.target_top not in (None, found.source)
        }
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and re.match(r"_[a-z]", node.attr)
            ):
                found_wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {bound[node.value.id]}.{node.attr}")
    assert found_wrong == []


def test_modules_do_one_job():
    longest = {
        str(path.relative_to(ROOT)): length
        for path in _modules()
        if (length := len(path.read_text().splitlines())) > LONGEST_MODULE
    }
    assert longest == {}


def test_no_benchmark_tooling_in_the_product(imports):
    assert not (PORTAL / "demo" / "bench.py").exists()
    assert [found.where for found in imports if found.target.startswith("bench")] == []


def test_the_readme_draws_every_layer_and_folder():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## How the code is shaped", 1)[1].split("\n## ", 1)[0]
    for layer in LAYER_NAMES:
        assert layer in section, f"the README's architecture section does not draw the layer {layer!r}"
    for path in sorted(PORTAL.iterdir()):
        if path.name.startswith((".", "__")) or path.suffix not in ("", ".py"):
            continue
        name = path.name if path.is_dir() else path.name
        assert re.search(rf"(^|\s){re.escape(name)}/?(\s|$)", section, re.M), f"the README does not name {name}"
