"""Web user-activity events: landing -> Bronze -> Silver -> five Gold metrics tables."""
