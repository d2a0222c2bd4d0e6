"""``slaclock deadline``: a ticket's deadlines if nothing pauses its clocks, one for each
metric the policy starts when a ticket opens."""

from __future__ import annotations

import click

from slaclock.cli._options import (
    CONTEXT,
    EXIT_OK,
    format_option,
    instant,
    output_option,
    write_json,
    write_text,
    zone_option,
)
from slaclock.logs import format_time
from slaclock.sla import COVERAGES

__all__ = ["deadline"]

#: The width of the text answer's first column, at least.
WIDTH = 20


@click.command(context_settings=CONTEXT,
               short_help="A ticket's deadlines (reaction, resolution, or the policy's).")
@click.option("--level", "-l", required=True, metavar="LEVEL",
              help="The service level, e.g. commercial.standard.")
@click.option("--opened", required=True, metavar="TIME",
              help="When the ticket was opened: ISO 8601 with an offset "
                   "(2026-04-30T17:30+03:00), or 'now'.")
@click.option("--coverage", type=click.Choice(COVERAGES),
              help="The contract's coverage, for a level counted as the contract says "
                   "(commercial.emergency).")
@click.option("--policy", "-p", "policy_file", metavar="FILE",
              type=click.Path(exists=True, dir_okay=False),
              help="A policy file (TOML or JSON); the embedded regulation by default.")
@click.option("--tz", metavar="ZONE", help="The zone of a --opened without an offset.")
@format_option("json")
@output_option()
def deadline(
    level: str, opened: str, coverage: str | None, policy_file: str | None, tz: str | None,
    fmt: str, output: str | None,
) -> int:
    """The deadlines of a ticket, if nothing pauses its clocks: one for each metric the
    policy starts when a ticket opens, in the policy's order (the reaction and, where the
    level has one, the resolution in the default policy).

    With a policy of several regulation versions, the version in force on the day the
    ticket opened, in the desk's zone, applies (as in a report).

    \b
    Examples:
      slaclock deadline --level commercial.standard --opened 2026-04-30T17:30+03:00
      slaclock deadline -l commercial.emergency --coverage 24x7 --opened now -f json
      slaclock deadline -l partner.standard --opened "2026-12-30 16:00" --tz Europe/Moscow

    JSON keys: level, opened, then METRIC_deadline for each of those metrics by its name
    in the policy (reaction_deadline and resolution_deadline in the default policy; null
    when the level sets no target for it), provisional (true when a deadline falls in a
    year past the last published production calendar); times are ISO 8601 with offsets.
    """
    from slaclock._errors import ConfigError, UnknownLevelError
    from slaclock.cli._render import clock_label, provisional_notice, provisional_years
    from slaclock.sla import governing, load_policy

    at = instant(opened, "'--opened'", zone_option(tz), allow_now=True)
    policy = None if policy_file is None else load_policy(policy_file)
    regulation = governing(policy, at, coverage=coverage).regulation
    try:
        with provisional_notice() as provisional:
            found = regulation.deadlines(level, at, coverage)
            ends = [when for when in found.targets.values() if when is not None]
            provisional.only(provisional_years(
                [regulation.clock(level, metric, coverage) for metric in found.targets],
                at, max(ends, default=at),
            ))
    except UnknownLevelError as error:
        raise click.BadParameter(str(error), param_hint="'--level'") from None
    except ConfigError as error:
        if error.field != "coverage":
            raise
        raise click.UsageError(
            f"{level} is counted as the contract says: give "
            + " or ".join(f"--coverage {c}" for c in COVERAGES),
            click.get_current_context(),
        ) from None
    data: dict[str, object] = {"level": found.level, "opened": format_time(at)}
    for metric, when in found.targets.items():
        data[f"{metric}_deadline"] = None if when is None else format_time(when)
    data["provisional"] = bool(provisional)
    if fmt == "json":
        write_json(data, output)
        return EXIT_OK
    lines = [("level", found.level), ("opened", format_time(at))]
    for metric, when in found.targets.items():
        name = clock_label(metric)
        lines.append((f"{name} deadline", format_time(when) if when is not None
                      else f"none (the level sets no {name} target)"))
    width = max(WIDTH, *(len(label) + 1 for label, _ in lines))
    text = [f"{label:<{width}}{value}" for label, value in lines]
    if provisional:
        text.append(f"{'':<{width}}(provisional: a year past the last published calendar)")
    write_text("\n".join(text) + "\n", output)
    return EXIT_OK
