"""`terminal tech enroll-pin | enroll-card | revoke | list`: who may open diagnostics mode.

PINs are never arguments (they would sit in the shell history and in `ps`): they are asked for
twice on the terminal, or read from standard input with `--pin-stdin` for provisioning scripts.
The store is `<data_dir>/technician_cards.json` (salted scrypt hashes and card public keys only).
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import sys

from terminal.assembly.technician import card_from_config, technician_auth
from terminal.assembly.technician_tools import event_log_path
from terminal.config import Config
from terminal.devices import parse_address
from terminal.errors import ConfigError
from terminal.events import EVENTS, EventId, record


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("tech", help="enrol technician PINs and cards for diagnostics mode")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    pin = actions.add_parser("enroll-pin", help="set the PIN that opens diagnostics mode without a card "
                                                "(needs [technician] allow_pin_only = true to be used)")
    card = actions.add_parser("enroll-card", help="enrol the technician card now on the reader, with its PIN")
    card.add_argument("--label", required=True, help="a label for the card (a team or card number, not a name)")
    card.add_argument("--device", metavar="ADDRESS", help="PC/SC reader (pcsc://NAME) instead of the configured one")
    for action in (pin, card):
        action.add_argument("--pin-stdin", action="store_true", help="read the PIN from one line of standard input")
    revoke = actions.add_parser("revoke", help="remove an enrolled card")
    revoke.add_argument("card_id", help="card ID (hex) as `terminal tech list` shows it")
    actions.add_parser("list", help="enrolled cards, and whether PIN-only entry is allowed")
    parser.set_defaults(handler=run)


def read_pin(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass("新密码 (6-12 位数字) / new PIN: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise ConfigError("the two PINs differ; nothing was changed")
    return first


def run(args: argparse.Namespace, config: Config) -> int:
    EVENTS.configure(event_log_path(config, "tech"))  # enrolments stay on record after this command ends
    auth = technician_auth(config)
    if args.action == "enroll-pin":
        auth.set_pin_only(read_pin(args.pin_stdin))
        record(EventId.SELF_TEST, device="technician", action="enroll-pin", outcome="ok")
        print(f"PIN saved in {auth.path}")
        if not config.technician.allow_pin_only:
            print("note: [technician] allow_pin_only is false, so this PIN alone does not open diagnostics mode")
    elif args.action == "enroll-card":
        if args.device:
            config = _with_reader(config, args.device)
        pin = read_pin(args.pin_stdin)
        card = card_from_config(config)()
        try:
            card_id = auth.enrol(card, args.label, pin)
        finally:
            card.channel.close()
        record(EventId.SELF_TEST, device="technician", action="enroll-card", outcome="ok", card=card_id[:8])
        print(f"card {card_id} enrolled as {args.label!r}")
    elif args.action == "revoke":
        if args.card_id not in auth.enrolled():
            raise ConfigError(f"no enrolled card {args.card_id}; see `terminal tech list`")
        auth.revoke(args.card_id)
        record(EventId.SELF_TEST, device="technician", action="revoke-card", outcome="ok", card=args.card_id[:8])
        print(f"card {args.card_id} revoked")
    else:
        for card_id, label in sorted(auth.enrolled().items()):
            print(f"{card_id}  {label}")
        print(f"PIN-only login is {'allowed' if config.technician.allow_pin_only else 'not allowed'} "
              "by the configuration")
        wait = auth.retry_after()
        if wait > 0:
            print(f"locked for another {wait:.0f} s after failed logins")
    return 0


def _with_reader(config: Config, address: str) -> Config:
    devices = config.devices
    reader = dataclasses.replace(devices.smartcard, address=parse_address(address, "smartcard"))
    return dataclasses.replace(config, devices=dataclasses.replace(devices, smartcard=reader))
