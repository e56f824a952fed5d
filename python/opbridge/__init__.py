"""opbridge."""
