"""The docs are checked: docs/cli.md is generated from the current --help and names every
option, the README names every command and keeps its two-command quickstart, and links
between the docs lead to files that exist."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click
import pytest

from nof1.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
COMMANDS = sorted(cli.commands)


def generator():
    spec = importlib.util.spec_from_file_location("generate_cli_docs",
                                                  DOCS / "generate_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cli_reference() -> str:
    return (DOCS / "cli.md").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of the same or higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    match = re.search(rf"^{re.escape(heading)}\s*$(.*?)(?=^#{{1,{level}}} |\Z)", text,
                      flags=re.MULTILINE | re.DOTALL)
    assert match, f"no section {heading!r}"
    return match.group(1)


def test_the_cli_reference_is_what_the_current_help_generates():
    assert cli_reference() == generator().render(), (
        "docs/cli.md is out of date with `nof1 --help`: run `python docs/generate_cli_docs.py`")


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_option_of_every_command_is_in_its_section_of_the_cli_reference(command):
    documented = section(cli_reference(), f"## nof1 {command}".rstrip())
    # click caches a command's help option from the first context that asks for it, so the
    # context must carry the group's settings (-h as well as --help), as `nof1` gives it
    ctx = click.Context(cli, info_name="nof1", **cli.context_settings)
    if command:
        ctx = click.Context(cli.commands[command], info_name=command, parent=ctx)
    for param in ctx.command.get_params(ctx):
        names = param.opts + param.secondary_opts
        if isinstance(param, click.Argument):
            names = [param.human_readable_name]  # DATA
        for name in names:
            assert name in documented, f"nof1 {command}: {name} is not in docs/cli.md"


def test_the_cli_reference_documents_the_json_keys_of_the_contract():
    text = cli_reference()
    for key in ("participant", "n_days", "prob_benefit_mcid", "prob_harm_mcid",
                "randomization_p", "n_participants", "prob_new_patient_benefit_mcid",
                "coverage95", "false_positive_rate"):
        assert f'"{key}"' in text or f"`{key}`" in text, key


@pytest.mark.parametrize("command", COMMANDS)
def test_the_readme_mentions_every_command(command):
    assert f"nof1 {command}" in README.read_text(encoding="utf-8")


def test_the_readme_quickstart_is_exactly_make_run_and_make_test():
    quickstart = section(README.read_text(encoding="utf-8"), "## Quickstart")
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", quickstart, flags=re.MULTILINE | re.DOTALL)
    commands = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_the_readme_links_to_the_cli_reference():
    assert "docs/cli.md" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_links_in_the_docs_lead_to_files_that_exist(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        assert (DOCS / target).resolve().exists(), f"docs/{page} links to missing {target}"


GUIDES = ["guide-participant.md", "guide-clinician.md", "guide-pharmacist.md",
          "guide-researcher.md"]


@pytest.mark.parametrize("guide", GUIDES)
def test_every_role_guide_is_linked_from_the_index_and_the_readme(guide):
    assert f"]({guide})" in (DOCS / "index.md").read_text(encoding="utf-8")
    assert f"](docs/{guide})" in README.read_text(encoding="utf-8")


def test_the_participant_guide_reads_at_grade_8_or_below():
    """People with ME/CFS often read through brain fog: the guide is checked like the cards."""
    import textstat

    text = (DOCS / "guide-participant.md").read_text(encoding="utf-8")
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: keep their words
    text = re.sub(r"[#*`|]", "", text)  # headings, bold, code and table marks
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= 8, f"the participant guide reads at grade {grade:.1f}"
