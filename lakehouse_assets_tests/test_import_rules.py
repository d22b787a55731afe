"""The layering of `lakehouse_assets`, checked on the source (an AST walk, no import):

- `settings` imports nothing of the project;
- `resources` imports no domain and no `sample_data`, directly or not;
- the modules documented as Dagster-free import no `dagster`/`dagster_*`, directly or through
  project modules (a package's `__init__` runs on import, so it counts);
- `spark/jobs` import no `resources`, directly or not;
- a domain imports from another domain only its `tables` module.

Every import counts, also one inside a function.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT = "lakehouse_assets"
DOMAINS = ("events", "weather", "banner", "media", "ml", "monitoring")

# Modules (or whole packages, ending in ".*") that promise not to import Dagster.
DAGSTER_FREE = (
    "lakehouse_assets.settings",
    "lakehouse_assets.storage_interface",
    "lakehouse_assets.landing_watch",
    "lakehouse_assets.lakehouse.*",
    "lakehouse_assets.engine.*",
    "lakehouse_assets.events.landing",
    "lakehouse_assets.events.arrivals",
    "lakehouse_assets.events.bronze",
    "lakehouse_assets.events.pipeline",
    "lakehouse_assets.events.sql.*",
    "lakehouse_assets.events.tables",
    "lakehouse_assets.media.arrivals",
    "lakehouse_assets.media.catalog",
    "lakehouse_assets.media.images",
    "lakehouse_assets.media.tables",
    "lakehouse_assets.weather.kma_protocol",
    "lakehouse_assets.weather.kma_client",
    "lakehouse_assets.weather.landing",
    "lakehouse_assets.weather.parse",
    "lakehouse_assets.weather.tables",
    "lakehouse_assets.banner.emr",
    "lakehouse_assets.banner.export",
    "lakehouse_assets.banner.extract",
    "lakehouse_assets.banner.stats",
    "lakehouse_assets.banner.tables",
    "lakehouse_assets.ml.estimators",
    "lakehouse_assets.ml.evaluation",
    "lakehouse_assets.ml.features",
    "lakehouse_assets.ml.promotion",
    "lakehouse_assets.ml.registry",
    "lakehouse_assets.ml.training",
    "lakehouse_assets.monitoring.alerts",
    "lakehouse_assets.monitoring.consistency",
    "lakehouse_assets.monitoring.drift",
    "lakehouse_assets.monitoring.health",
    "lakehouse_assets.monitoring.live_error",
    "lakehouse_assets.monitoring.registry_lookup",
    "lakehouse_assets.monitoring.report",
    "lakehouse_assets.monitoring.retention",
    "lakehouse_assets.monitoring.table_retention",
    "lakehouse_assets.monitoring.tables",
)
_SAYS_DAGSTER_FREE = re.compile(r"(?i)\bno dagster\b|\bdagster-free\b")


@dataclass
class Module:
    name: str
    is_package: bool
    source: str
    imports: set[str] = field(default_factory=set)  # project modules it names itself
    external: set[str] = field(default_factory=set)  # top-level names of other distributions


def _relative_base(module: Module, level: int, target: str | None) -> str:
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{target}" if target else package


def build_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, Module]:
    """`sources`: module name -> (source text, is a package). Resolves every import statement."""
    modules = {name: Module(name, is_package, text) for name, (text, is_package) in sources.items()}

    def project_module(name: str) -> str | None:
        # `a.b.c` may name a module, or an attribute of the module `a.b`.
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for module in modules.values():
        for node in ast.walk(ast.parse(module.source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _relative_base(module, node.level, node.module) if node.level else node.module or ""
                # `from package import submodule` imports the submodule; any other name comes from `base`.
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] == PROJECT:
                    found = project_module(name)
                    if found and found != module.name:
                        module.imports.add(found)
                else:
                    module.external.add(name.split(".")[0])
    return modules


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def import_chains(modules: dict[str, Module], start: str) -> dict[str, list[str]]:
    """Every project module that importing `start` runs, with one chain of imports that gets there."""
    chains = {name: [name] for name in _with_parents(start) if name in modules}
    queue = deque(chains)
    while queue:
        current = queue.popleft()
        for imported in sorted(modules[current].imports):
            for name in _with_parents(imported):  # a package's __init__ runs before its modules
                if name in modules and name not in chains:
                    chains[name] = chains[current] + [name]
                    queue.append(name)
    return chains


def _is_dagster(distribution: str) -> bool:
    return distribution == "dagster" or distribution.startswith("dagster_")


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _domain(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PROJECT and parts[1] in DOMAINS else None


def _matches(name: str, pattern: str) -> bool:
    return _in(name, pattern[:-2]) if pattern.endswith(".*") else name == pattern


def violations(modules: dict[str, Module], dagster_free: tuple[str, ...] = DAGSTER_FREE) -> list[str]:
    found = []
    settings = modules.get(f"{PROJECT}.settings")
    if settings is not None:
        found += [f"{settings.name} imports {name}" for name in sorted(settings.imports)]

    forbidden_for_resources = [f"{PROJECT}.{d}" for d in (*DOMAINS, "sample_data")]
    for name in sorted(modules):
        if _in(name, f"{PROJECT}.resources"):
            for reached, chain in import_chains(modules, name).items():
                if any(_in(reached, package) for package in forbidden_for_resources):
                    found.append(f"{name} imports {reached}: {' -> '.join(chain)}")
        if _in(name, "spark.jobs"):
            for reached, chain in import_chains(modules, name).items():
                if _in(reached, f"{PROJECT}.resources"):
                    found.append(f"{name} imports {reached}: {' -> '.join(chain)}")
        if any(_matches(name, pattern) for pattern in dagster_free):
            for reached, chain in import_chains(modules, name).items():
                for distribution in sorted(filter(_is_dagster, modules[reached].external)):
                    found.append(f"{name} is Dagster-free but imports {distribution}: {' -> '.join(chain)}")
        domain = _domain(name)
        for imported in sorted(modules[name].imports):
            other = _domain(imported)
            if domain and other and other != domain and imported != f"{PROJECT}.{other}.tables":
                found.append(f"{name} (domain {domain}) imports {imported}: only another domain's tables module may be imported")
    return found


def repository_sources() -> dict[str, tuple[str, bool]]:
    sources = {}
    for path in sorted([*(REPO / PROJECT).rglob("*.py"), *(REPO / "spark" / "jobs").glob("*.py")]):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        sources[name] = (path.read_text(encoding="utf-8"), is_package)
    return sources


@pytest.fixture(scope="module")
def repository() -> dict[str, Module]:
    return build_graph(repository_sources())


def test_the_code_location_keeps_its_import_rules(repository):
    assert violations(repository) == []


def test_every_listed_dagster_free_module_exists(repository):
    missing = [pattern for pattern in DAGSTER_FREE if not any(_matches(name, pattern) for name in repository)]
    assert missing == []


def test_every_module_documented_as_dagster_free_is_checked(repository):
    documented = [
        name
        for name, module in repository.items()
        if _in(name, PROJECT) and _SAYS_DAGSTER_FREE.search(ast.get_docstring(ast.parse(module.source)) or "")
    ]
    assert [name for name in documented if not any(_matches(name, pattern) for pattern in DAGSTER_FREE)] == []


# -- the checker itself fails on violations -------------------------------------------------------

SYNTHETIC = {
    "lakehouse_assets": ("", True),
    "lakehouse_assets.settings": ("from lakehouse_assets.resources import kma\n", False),
    "lakehouse_assets.resources": ("from dagster_aws.s3 import S3Resource\n", True),
    "lakehouse_assets.resources.kma": ("def source():\n    from lakehouse_assets.sample_data.weather import SampleKmaSource\n", False),
    "lakehouse_assets.sample_data": ("", True),
    "lakehouse_assets.sample_data.weather": ("from ..weather import landing\n", False),
    "lakehouse_assets.weather": ("", True),
    "lakehouse_assets.weather.landing": ("from lakehouse_assets.resources import kma\n", False),
    "lakehouse_assets.weather.tables": ("", False),
    "lakehouse_assets.media": ("import dagster\n", True),
    "lakehouse_assets.media.tables": ("", False),
    "lakehouse_assets.media.arrivals": ("from lakehouse_assets.events import arrivals\nfrom lakehouse_assets.weather import tables\n", False),
    "lakehouse_assets.events": ("", True),
    "lakehouse_assets.events.arrivals": ("def later():\n    from dagster_aws.s3 import S3Resource\n", False),
    "spark.jobs.job": ("def main():\n    from lakehouse_assets.weather.landing import RawObject\n", False),
}


def test_the_checker_reports_each_kind_of_violation():
    found = violations(
        build_graph(SYNTHETIC),
        dagster_free=("lakehouse_assets.weather.landing", "lakehouse_assets.media.tables", "lakehouse_assets.events.arrivals"),
    )
    assert "lakehouse_assets.settings imports lakehouse_assets.resources.kma" in found
    # An import inside a function, and one through a relative import further down the chain.
    assert "lakehouse_assets.resources.kma imports lakehouse_assets.sample_data.weather: lakehouse_assets.resources.kma -> lakehouse_assets.sample_data.weather" in found
    assert any(v.startswith("lakehouse_assets.resources.kma imports lakehouse_assets.weather.landing:") for v in found)
    # Dagster through a project module, through a package's __init__, and inside a function.
    assert "lakehouse_assets.weather.landing is Dagster-free but imports dagster_aws: lakehouse_assets.weather.landing -> lakehouse_assets.resources" in found
    assert "lakehouse_assets.media.tables is Dagster-free but imports dagster: lakehouse_assets.media" in found
    assert "lakehouse_assets.events.arrivals is Dagster-free but imports dagster_aws: lakehouse_assets.events.arrivals" in found
    assert any(v.startswith("spark.jobs.job imports lakehouse_assets.resources.kma:") for v in found)
    assert any(v.startswith("lakehouse_assets.media.arrivals (domain media) imports lakehouse_assets.events.arrivals") for v in found)
    # Another domain's tables module is allowed.
    assert not any("imports lakehouse_assets.weather.tables" in v for v in found)


def test_the_checker_passes_a_clean_sample():
    clean = {
        "lakehouse_assets": ("", True),
        "lakehouse_assets.settings": ("import os\n", False),
        "lakehouse_assets.weather": ("", True),
        "lakehouse_assets.weather.tables": ("from dataclasses import dataclass\n", False),
        "lakehouse_assets.media": ("", True),
        "lakehouse_assets.media.assets": ("import dagster\nfrom lakehouse_assets.weather.tables import dataclass\n", False),
    }
    assert violations(build_graph(clean), dagster_free=("lakehouse_assets.weather.tables",)) == []
