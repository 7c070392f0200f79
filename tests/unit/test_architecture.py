"""Guards on the architecture and the docs: the domain stays pure, settings stay documented."""

import ast
import sys
import tomllib
from pathlib import Path

from config.settings import documented_variables

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_domain_and_the_vocabulary_import_only_the_standard_library():
    """The domain may build on the shared vocabulary; neither reaches any adapter."""
    for folder, allowed in (
        (ROOT / "archive_app" / "domain", ("archive_app.domain", "vocabulary")),
        (ROOT / "vocabulary", ("vocabulary",)),
    ):
        for path in folder.glob("*.py"):
            for name in _imports(path):
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith(allowed), (
                    f"{path.name} imports {name}"
                )


def test_every_setting_is_documented_in_the_example_env():
    example = (ROOT / "config" / "example.env").read_text()
    missing = [v for v in sorted(documented_variables()) if v not in example]
    assert not missing, f"undocumented settings: {missing}"


def test_every_cli_command_is_documented_in_the_readme():
    from archive_app.cli import main

    readme = (ROOT / "README.md").read_text()
    missing = []
    for name, command in main.commands.items():
        subcommands = getattr(command, "commands", {}) or {"": command}
        for sub in subcommands:
            usage = f"archive {name} {sub}".strip()
            if usage not in readme:
                missing.append(usage)
    assert not missing, f"commands missing from README.md: {missing}"


def test_no_module_builds_anything_at_import_time():
    """Importing the app's modules must not open databases, sockets or create files."""
    import importlib
    import pkgutil

    import archive_app

    before = set(Path.cwd().iterdir())
    for module in pkgutil.walk_packages(archive_app.__path__, "archive_app."):
        if ".migrations" in module.name:
            continue
        importlib.import_module(module.name)
    assert set(Path.cwd().iterdir()) == before


def test_docker_compose_uses_only_settings_the_archive_knows():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    known = documented_variables() | {"ARCHIVE_ADMIN_PASSWORD"}
    used = set()
    for service in compose["services"].values():
        used.update(k for k in (service.get("environment") or {}) if k.startswith("ARCHIVE_"))
    assert used, "compose sets no ARCHIVE_* variable"
    assert used <= known, f"unknown settings in docker-compose.yml: {sorted(used - known)}"
    for name in ("postgres", "redis", "minio", "elasticsearch", "web", "worker"):
        assert name in compose["services"]
    for backend in ("postgres", "redis", "minio", "elasticsearch"):
        assert "healthcheck" in compose["services"][backend], backend


def test_the_compose_elasticsearch_is_on_the_tested_major_version():
    import elasticsearch
    import yaml

    image = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["elasticsearch"][
        "image"
    ]
    assert image.rsplit(":", 1)[1].split(".")[0] == str(elasticsearch.__version__[0])


def test_every_env_example_variable_is_used_by_compose():
    compose = (ROOT / "docker-compose.yml").read_text()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            assert "${" + name in compose, f"{name} in .env.example is not used"


def test_the_image_and_the_package_hold_every_top_level_package():
    """GIVEN the packages the code imports (pyproject's import-linter roots) WHEN the Docker
    image is built or the project installed THEN each is copied and packaged: an image
    without one fails at its first import, not in a test."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = set(project["tool"]["importlinter"]["root_packages"])
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    for name in sorted(roots):
        assert f"{name}*" in include, f"{name} is not packaged by pyproject.toml"
        assert f"COPY {name} {name}" in dockerfile, f"{name} is not copied into the image"
