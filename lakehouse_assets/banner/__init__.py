"""Banner ad statistics: ads database snapshots -> daily stats (Spark) -> export database."""
