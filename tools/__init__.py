"""Developer tools that are not part of the running service: the letter-template builder."""
