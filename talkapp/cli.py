"""The ``talkapp`` command line.

Each command is a thin shell over the same APIs the desktop app uses. Errors
are one line on stderr, never a traceback; exit codes: 0 ok, 2 usage, 3
refused by a rule, 4 HubSpot error, 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from talkapp import __version__, logs
from talkapp.commands import add_commands
from talkapp.hubspot import HubSpotError
from talkapp.store.errors import RefusedError
from talkapp.sync.engine import NotConnectedError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_HUBSPOT = 4


class UsageError(Exception):
    """Arguments that parse but make no sense together; exit code 2."""


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="talkapp",
        description="Talk: contact dispositions synced with HubSpot lead statuses.",
    )
    parser.add_argument("--version", action="version", version=f"talkapp {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where Talk keeps its data (default: $TALKAPP_DATA_DIR, else the "
        "platform's user data directory)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = commands.add_parser(
        "gui", help="open the desktop app (the default when no command is given)"
    )
    gui.add_argument(
        "--simulator-contacts",
        type=_non_negative_int,
        default=None,
        metavar="N",
        help="contacts in the built-in HubSpot simulator's first portal "
        "(default: the preference simulator_contacts, 300)",
    )
    gui.add_argument(
        "--simulator-rate-limit",
        type=_non_negative_int,
        default=100,
        metavar="N",
        help="the built-in simulator's requests per 10 s (HubSpot's basic tier: "
        "100; 0 = unlimited)",
    )
    gui.add_argument(
        "--no-simulator",
        action="store_true",
        help="do not start the built-in HubSpot simulator",
    )
    gui.set_defaults(handler=_run_gui)
    add_commands(commands)

    sim = commands.add_parser(
        "simulator",
        help="run a local HubSpot portal (CRM API v3) on loopback",
        description="Serve a simulated HubSpot portal that HubSpot clients "
        "cannot tell from the real one.",
    )
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=_port, default=8765)
    sim.add_argument(
        "--token",
        default=None,
        help="the private-app token clients must send (default: sim-token)",
    )
    sim.add_argument(
        "--contacts",
        type=_non_negative_int,
        default=300,
        help="seed contacts to create (default: 300)",
    )
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument(
        "--rate-limit",
        type=_non_negative_int,
        default=100,
        help="requests per 10 s per token; 0 turns limits off",
    )
    sim.add_argument("--search-lag-ms", type=_non_negative_int, default=0)
    sim.add_argument(
        "--error-rate",
        type=_rate,
        default=0.0,
        help="share of requests answered 502/503 (0-1)",
    )
    sim.add_argument("--latency-ms", type=_non_negative_int, default=0)
    sim.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="keep the portal in FILE across restarts",
    )
    sim.add_argument("--webhook-url", default=None)
    sim.add_argument("--webhook-secret", default=None)
    sim.set_defaults(handler=_run_simulator)
    return parser


def _run_simulator(args: argparse.Namespace) -> int:
    from talkapp.simulator import DEFAULT_TOKEN, SimulatorConfig, create_app
    from talkapp.simulator.server import serve

    if bool(args.webhook_url) != bool(args.webhook_secret):
        raise UsageError("--webhook-url and --webhook-secret go together")
    token = args.token or DEFAULT_TOKEN
    logs.redact(args.webhook_secret)
    config = SimulatorConfig(
        token=token,
        contacts=args.contacts,
        seed=args.seed,
        rate_limit=args.rate_limit,
        search_lag_ms=args.search_lag_ms,
        error_rate=args.error_rate,
        latency_ms=args.latency_ms,
        state_file=args.state,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
    )
    app = create_app(config)
    contacts = app.state.portal.count()
    url = f"http://{args.host}:{args.port}"
    print(f"HubSpot simulator: {contacts:,} contacts at {url}", flush=True)
    print(
        "Clients send the token given by --token"
        + (" (default 'sim-token')" if args.token is None else "")
        + ". Ctrl+C stops it.",
        flush=True,
    )
    try:
        serve(app, args.host, args.port)
    except OSError as error:
        print(f"talkapp: cannot listen on {url}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _run_gui(args: argparse.Namespace) -> int:
    from talkapp import paths, preferences
    from talkapp.ui.app import run

    data_dir = paths.data_dir(args.data_dir)
    wanted = args.simulator_contacts
    if wanted is None:
        wanted = preferences.load(data_dir).simulator_contacts
    contacts = None if args.no_simulator else wanted
    return run(
        data_dir,
        simulator_contacts=contacts,
        simulator_rate_limit=args.simulator_rate_limit,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # plain `talkapp` opens the desktop app
        args = parser.parse_args([*(argv or sys.argv[1:]), "gui"])
    logs.setup(verbose=args.verbose)
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"talkapp: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (RefusedError, NotConnectedError) as error:
        print(f"talkapp: refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except HubSpotError as error:
        print(f"talkapp: {error}", file=sys.stderr)
        return EXIT_HUBSPOT
    except KeyboardInterrupt:
        return EXIT_FAILED
    except Exception as error:  # one line, no traceback, for anything unforeseen
        print(f"talkapp: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILED
