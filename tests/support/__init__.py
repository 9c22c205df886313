"""What the tests share: databases, the CLI runner, clocks, emulator triggers, the crash helper."""
