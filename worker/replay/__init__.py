"""The replay feed server (real ANT corpus items as live feeds); see ``worker.replay.server``."""

from worker.replay.server import ReplayServer, make_server, parse_faults, start_replay_server

__all__ = ["ReplayServer", "make_server", "parse_faults", "start_replay_server"]
