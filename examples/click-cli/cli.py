"""A click command line that also reads package metadata at run time.

    cli.py greet NAME [--shout]
    cli.py versions
"""
from importlib.metadata import entry_points, version

import click


@click.group()
def cli():
    """A small click app, bundled with pybundle."""


@cli.command()
@click.argument("name")
@click.option("--shout", is_flag=True, help="Greet loudly.")
def greet(name, shout):
    """Greet NAME."""
    text = f"Hello, {name}!"
    click.echo(text.upper() if shout else text)


@cli.command()
def versions():
    """Show the versions the bundle carries, read from package metadata."""
    click.echo(f"click {version('click')}")
    scripts = sorted(ep.name for ep in entry_points(group="console_scripts") if ep.value.startswith("click"))
    click.echo(f"click console scripts: {scripts}")


if __name__ == "__main__":
    cli()
