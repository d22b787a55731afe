"""Weather: KMA ASOS hourly observations (raw responses in landing, typed Iceberg table, checks)."""
