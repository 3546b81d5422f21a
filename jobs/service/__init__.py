"""The long-running service behind ``classpulse serve``: schedule, leader, health, metrics."""
